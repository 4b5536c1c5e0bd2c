//! Signing in and out through the API and the HTML login: credentials,
//! lockout, idle timeout, logout, the password policy, forced password
//! changes and CSRF protection.

use crate::common;

use common::{assert_error, form_action, form_html, input_value, At, PASSWORD};

use bangfu_service::Settings;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_returns_a_bearer_token_and_the_user() {
    let app = common::spawn().await;
    let t = app.tree().await;
    let uid = app.user("alice", "officer", t.county_a).await;

    let (status, body) = app.login("alice", PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["token"].as_str().is_some_and(|s| s.len() >= 16),
        "token: {body}"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["csrf_token"].as_str().is_some_and(|s| !s.is_empty()),
        "csrf_token: {body}"
    );
    assert_eq!(body["expires_in"], 30 * 60, "idle timeout in seconds");
    assert_eq!(body["must_change_password"], false);
    let user = &body["user"];
    assert_eq!(user["id"], uid);
    assert_eq!(user["username"], "alice");
    assert_eq!(user["union_id"], t.county_a);
    assert_eq!(user["union_name"], "荔湾区总工会");
    assert_eq!(user["roles"], json!(["officer"]));
    assert_eq!(user["active"], true);

    // The user name is not case-sensitive.
    let (status, _) = app.login("ALICE", PASSWORD).await;
    assert_eq!(status, 200, "login with upper-case name");

    let api = app.api_as("alice").await;
    let (status, me) = api.get("/api/v1/auth/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "alice");
    assert!(
        !me["last_login_at"].is_null(),
        "last_login_at is recorded: {me}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refuses_bad_credentials_and_requests_without_a_session() {
    let (app, _, _) = common::staffed(&[("alice", "officer", At::CountyA)]).await;

    let wrong = app.login("alice", "Wrong-Pass-2026").await;
    assert_error("wrong password", &wrong, 401, "bad_credentials", None);
    let unknown = app.login("nobody", PASSWORD).await;
    assert_error("unknown name", &unknown, 401, "bad_credentials", None);
    // The two failures look the same to the caller.
    assert_eq!(wrong.1["error"]["message"], unknown.1["error"]["message"]);

    let anon = app.anonymous();
    let (status, body) = anon.get("/api/v1/auth/me").await;
    assert_error("no token", &(status, body), 401, "unauthenticated", None);
    let (status, body) = anon.get("/api/v1/unions").await;
    assert_error(
        "no token on a list",
        &(status, body),
        401,
        "unauthenticated",
        None,
    );
    let forged = common::Api {
        token: "not-a-real-token".into(),
        ..app.anonymous()
    };
    let (status, body) = forged.get("/api/v1/auth/me").await;
    assert_error(
        "forged token",
        &(status, body),
        401,
        "unauthenticated",
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_account_cannot_log_in() {
    let (app, t, _) = common::staffed(&[("padmin", "admin", At::Province)]).await;
    let uid = app.user("alice", "officer", t.county_a).await;
    let admin = app.api_as("padmin").await;
    let (status, body) = admin
        .send(
            "PATCH",
            &format!("/api/v1/users/{uid}"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The right password of a disabled account is answered as a wrong one
    // (see throttle.rs for the log), so the answer never confirms it.
    let res = app.login("alice", PASSWORD).await;
    assert_error(
        "disabled account, right password",
        &res,
        401,
        "bad_credentials",
        None,
    );
    let res = app.login("alice", "Wrong-Pass-2026").await;
    assert_error(
        "disabled account, wrong password",
        &res,
        401,
        "bad_credentials",
        None,
    );
}

/// Audit rows for login attempts under `name`, as the root auditor sees them.
async fn login_rows(auditor: &common::Api, name: &str) -> Vec<Value> {
    let (status, body) = auditor
        .get(&format!(
            "/api/v1/audit?action=login&actor={name}&per_page=100"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_an_existing_account_even_for_the_right_password() {
    let (app, t, _) = common::staffed(&[
        ("lockme", "officer", At::CountyA),
        ("bystander", "officer", At::CountyA),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;

    for attempt in 1..=4 {
        let res = app.login("lockme", "Wrong-Pass-2026").await;
        assert_error(
            &format!("failure {attempt}"),
            &res,
            401,
            "bad_credentials",
            None,
        );
    }
    let res = app.login("lockme", "Wrong-Pass-2026").await;
    assert_error("failure 5 locks", &res, 429, "account_locked", None);
    let res = app.login("lockme", PASSWORD).await;
    assert_error(
        "right password while locked",
        &res,
        429,
        "account_locked",
        None,
    );
    let res = app.login("LockMe", PASSWORD).await;
    assert_error(
        "other spelling while locked",
        &res,
        429,
        "account_locked",
        None,
    );

    // Another account is not affected.
    let (status, _) = app.login("bystander", PASSWORD).await;
    assert_eq!(status, 200);

    let auditor = app.api_as("rootaudit").await;
    let rows = login_rows(&auditor, "lockme").await;
    assert_eq!(rows.len(), 7, "one audit row per attempt: {rows:#?}");
    for row in &rows {
        assert_eq!(row["action"], "login");
        assert_eq!(row["success"], false, "{row}");
        assert_eq!(row["actor_username"], "lockme", "{row}");
        assert_eq!(row["union_id"], t.county_a, "{row}");
    }
    let bystander = login_rows(&auditor, "bystander").await;
    assert_eq!(bystander.len(), 1);
    assert_eq!(bystander[0]["success"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_for_a_name_that_does_not_exist_are_counted_the_same_way() {
    let (app, _, _) = common::staffed(&[
        ("rootaudit", "auditor", At::Root),
        ("aaudit", "auditor", At::CountyA),
    ])
    .await;

    for attempt in 1..=4 {
        let res = app.login("ghost", PASSWORD).await;
        assert_error(
            &format!("failure {attempt}"),
            &res,
            401,
            "bad_credentials",
            None,
        );
    }
    for attempt in 5..=6 {
        let res = app.login("ghost", PASSWORD).await;
        assert_error(
            &format!("failure {attempt}"),
            &res,
            429,
            "account_locked",
            None,
        );
    }

    let root = app.api_as("rootaudit").await;
    let rows = login_rows(&root, "ghost").await;
    assert_eq!(rows.len(), 6, "root auditor sees every attempt: {rows:#?}");
    assert!(
        rows.iter()
            .all(|r| r["success"] == false && r["actor_id"].is_null()),
        "{rows:#?}"
    );
    let (status, body) = root
        .get("/api/v1/audit?action=login&success=false&actor=ghost")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 6, "success=false filter");

    // A county auditor does not see attempts that belong to no union.
    let county = app.api_as("aaudit").await;
    assert!(login_rows(&county, "ghost").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    let app = common::spawn_with(Settings {
        session_idle: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let t = app.tree().await;
    app.user("alice", "officer", t.county_a).await;

    let (status, body) = app.login("alice", PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(body["expires_in"], 2);

    // Used often enough, a session lives on past the idle time.
    let busy = app.api_as("alice").await;
    for _ in 0..4 {
        let (status, body) = busy.get("/api/v1/auth/me").await;
        assert_eq!(status, 200, "a session in use stays open: {body}");
        common::sleep(Duration::from_millis(900)).await;
    }

    let idle = app.api_as("alice").await;
    let (status, _) = idle.get("/api/v1/auth/me").await;
    assert_eq!(status, 200);
    common::sleep(Duration::from_secs(3)).await;
    let res = idle.get("/api/v1/auth/me").await;
    assert_error("after 3 s idle", &res, 401, "session_expired", None);
    // Once ended it stays ended.
    let (status, _) = idle.get("/api/v1/auth/me").await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_only_that_session() {
    let (app, _, _) = common::staffed(&[
        ("alice", "officer", At::CountyA),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;
    let [first, second] = app.apis(["alice", "alice"]).await;

    let (status, body) = first.send_empty("POST", "/api/v1/auth/logout").await;
    assert_eq!(status, 204, "{body}");
    let res = first.get("/api/v1/auth/me").await;
    assert_error("token after logout", &res, 401, "unauthenticated", None);
    let (status, _) = second.get("/api/v1/auth/me").await;
    assert_eq!(status, 200, "the other session is still open");

    let auditor = app.api_as("rootaudit").await;
    let (status, body) = auditor.get("/api/v1/audit?action=logout&actor=alice").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1, "logout is audited: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_policy_is_enforced_when_changing_a_password() {
    let (app, t, _) = common::staffed(&[
        ("carol", "officer", At::CountyA),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;
    let api = app.api_as("carol").await;

    let weak = [
        ("", "empty"),
        ("Ab1!xyz", "7 characters"),
        ("abcdefghij", "lower case only"),
        ("abcdefg12", "two classes: lower, digit"),
        ("ABCDEFG12", "two classes: upper, digit"),
        ("abcdEFGH", "two classes: lower, upper"),
        ("12345678!", "two classes: digit, symbol"),
    ];
    for (new, why) in weak {
        let res = api
            .send(
                "POST",
                "/api/v1/auth/password",
                json!({ "current_password": PASSWORD, "new_password": new }),
            )
            .await;
        assert_error(
            &format!("weak password {new:?} ({why})"),
            &res,
            400,
            "invalid_input",
            Some("new_password"),
        );
    }
    let res = api
        .send(
            "POST",
            "/api/v1/auth/password",
            json!({ "current_password": "Not-The-Pass-1", "new_password": "Better-Pass-2026" }),
        )
        .await;
    assert_error(
        "wrong current password",
        &res,
        400,
        "invalid_input",
        Some("current_password"),
    );
    // None of the refusals changed anything.
    let (status, _) = app.login("carol", PASSWORD).await;
    assert_eq!(status, 200);

    for (i, good) in ["xbcdefG1", "Xbcdefg!", "帮扶帮扶帮扶A1"]
        .into_iter()
        .enumerate()
    {
        // Accepted shapes (checked on a throwaway account so carol's stays put).
        let name = format!("good{i}");
        let uid = app.user(&name, "officer", t.county_a).await;
        let other = app.api_as(&name).await;
        let (status, body) = other
            .send(
                "POST",
                "/api/v1/auth/password",
                json!({ "current_password": PASSWORD, "new_password": good }),
            )
            .await;
        assert_eq!(
            status, 204,
            "password {good:?} should be accepted (user {uid}): {body}"
        );
    }

    let (status, body) = api
        .send(
            "POST",
            "/api/v1/auth/password",
            json!({ "current_password": PASSWORD, "new_password": "Better-Pass-2026" }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let res = app.login("carol", PASSWORD).await;
    assert_error(
        "old password after change",
        &res,
        401,
        "bad_credentials",
        None,
    );
    let (status, _) = app.login("carol", "Better-Pass-2026").await;
    assert_eq!(status, 200, "new password works");
    let (status, _) = api.get("/api/v1/auth/me").await;
    assert_eq!(
        status, 200,
        "the session that changed the password stays open"
    );

    let auditor = app.api_as("rootaudit").await;
    let (status, body) = auditor
        .get("/api/v1/audit?action=change_password&actor=carol")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["total"], 1,
        "only the successful change is recorded: {body}"
    );
}

/// Every endpoint but /auth/me, /auth/password and /auth/logout refuses a
/// user who still has to replace an initial password. Returns the endpoints
/// that did not (so a test can go on and report them all at its end).
async fn must_change_refusals(api: &common::Api, uid: i64, union_id: i64) -> Vec<String> {
    let (status, me) = api.get("/api/v1/auth/me").await;
    assert_eq!(status, 200, "/auth/me still answers: {me}");
    assert_eq!(me["must_change_password"], true);
    let mut bad = Vec::new();
    for path in [
        "/api/v1/unions".to_owned(),
        format!("/api/v1/unions/{union_id}"),
        "/api/v1/users".to_owned(),
        format!("/api/v1/users/{uid}"),
        "/api/v1/audit".to_owned(),
    ] {
        let (status, body) = api.get(&path).await;
        if status != 403 || body["error"]["code"] != "password_change_required" {
            bad.push(format!("GET {path} before changing the password: want 403 password_change_required, got {status} {body}"));
        }
    }
    bad
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_set_by_an_admin_must_be_changed_first() {
    let (app, t, _) = common::staffed(&[("padmin", "admin", At::Province)]).await;
    let admin = app.api_as("padmin").await;

    // Created with a password the admin chose.
    let (status, body) = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "newbie", "display_name": "新人", "union_id": t.county_a,
                    "roles": ["admin"], "password": "Initial-Pass-2026" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["must_change_password"], true);
    assert!(body["generated_password"].is_null(), "{body}");
    let uid = body["user"]["id"].as_i64().unwrap();

    let (status, login) = app.login("newbie", "Initial-Pass-2026").await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], true);
    let newbie = app.api_with("newbie", "Initial-Pass-2026").await;
    let mut bad = must_change_refusals(&newbie, uid, t.county_a).await;
    // Not even an admin's writes go through.
    let res = newbie
        .send(
            "POST",
            "/api/v1/unions",
            json!({ "parent_id": t.county_a, "name": "某公司工会", "level": "grassroots", "division_code": "440103" }),
        )
        .await;
    assert_error(
        "write before changing",
        &res,
        403,
        "password_change_required",
        None,
    );

    let (status, body) = newbie
        .send(
            "POST",
            "/api/v1/auth/password",
            json!({ "current_password": "Initial-Pass-2026", "new_password": "My-Own-Pass-2026" }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, me) = newbie.get("/api/v1/auth/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["must_change_password"], false);
    let (status, body) = newbie.get("/api/v1/unions").await;
    assert_eq!(status, 200, "after the change: {body}");
    let (status, login) = app.login("newbie", "My-Own-Pass-2026").await;
    assert_eq!(status, 200);
    assert_eq!(login["must_change_password"], false);

    // Created with a generated password: same rule.
    let (status, body) = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "gen.user", "display_name": "生成", "union_id": t.county_a, "roles": ["officer"] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let generated = body["generated_password"]
        .as_str()
        .expect("a generated password")
        .to_owned();
    let gid = body["user"]["id"].as_i64().unwrap();
    let gen = app.api_with("gen.user", &generated).await;
    bad.extend(must_change_refusals(&gen, gid, t.county_a).await);
    let (status, _) = gen.send_empty("POST", "/api/v1/auth/logout").await;
    assert_eq!(status, 204, "logout is allowed before changing");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_password_ends_sessions_and_must_be_changed() {
    let (app, t, _) = common::staffed(&[("padmin", "admin", At::Province)]).await;
    let uid = app.user("dave", "officer", t.county_a).await;
    let [admin, dave] = app.apis(["padmin", "dave"]).await;

    let (status, body) = admin
        .send(
            "POST",
            &format!("/api/v1/users/{uid}/reset-password"),
            json!({ "password": "Reset-Pass-2026" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["generated_password"].is_null());

    let res = dave.get("/api/v1/auth/me").await;
    assert_eq!(res.0, 401, "dave's session ended: {}", res.1);
    let res = app.login("dave", PASSWORD).await;
    assert_error(
        "old password after reset",
        &res,
        401,
        "bad_credentials",
        None,
    );
    let (status, login) = app.login("dave", "Reset-Pass-2026").await;
    assert_eq!(status, 200);
    assert_eq!(login["must_change_password"], true);
    let dave = app.api_with("dave", "Reset-Pass-2026").await;
    let bad = must_change_refusals(&dave, uid, t.county_a).await;
    let (status, _) = dave
        .send(
            "POST",
            "/api/v1/auth/password",
            json!({ "current_password": "Reset-Pass-2026", "new_password": "Fresh-Pass-2026" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = dave.get("/api/v1/users").await;
    assert_eq!(status, 200, "{body}");

    // A generated reset works the same way.
    let (status, body) = admin
        .send(
            "POST",
            &format!("/api/v1/users/{uid}/reset-password"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let generated = body["generated_password"]
        .as_str()
        .expect("generated")
        .to_owned();
    let (status, login) = app.login("dave", &generated).await;
    assert_eq!(status, 200);
    assert_eq!(login["must_change_password"], true);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_login_sets_a_protected_session_cookie_and_sends_to_the_right_page() {
    let (app, _, _) = common::staffed(&[("alice", "officer", At::CountyA)]).await;

    // Not logged in: pages send to /login.
    let anon = app.browser_client();
    let res = anon.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));

    let page = anon.get(app.url("/login")).send().await.unwrap();
    let login_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("bangfu_login_csrf="));
    assert!(login_cookie, "GET /login sets bangfu_login_csrf");
    let html = page.text().await.unwrap();
    let form = form_html(&html, "login-form").expect("form#login-form");
    let csrf = input_value(form, "csrf").expect("hidden csrf");

    // Without the hidden field, or with a wrong one, the login form is refused.
    for (label, token) in [("missing", None), ("wrong", Some("forged-token"))] {
        let mut fields = vec![("username", "alice"), ("password", PASSWORD)];
        if let Some(tk) = token {
            fields.push(("csrf", tk));
        }
        let res = anon
            .post(app.url("/login"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "login form with {label} csrf");
    }

    let res = anon
        .post(app.url("/login"))
        .form(&[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("bangfu_session="))
        .expect("bangfu_session cookie")
        .to_owned();
    let lower = cookie.to_ascii_lowercase();
    assert!(lower.contains("httponly"), "{cookie}");
    assert!(lower.contains("samesite=lax"), "{cookie}");
    let (status, _) = app.page(&anon, "/").await;
    assert_eq!(status, 200, "home page after login");

    // A wrong password on the HTML form stays on the login page.
    let other = app.browser_client();
    let html = other
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = input_value(form_html(&html, "login-form").unwrap(), "csrf").unwrap();
    let res = other
        .post(app.url("/login"))
        .form(&[
            ("username", "alice"),
            ("password", "Wrong-Pass-2026"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(
        res.status(),
        303,
        "a failed login does not redirect into the app"
    );
    let (status, _) = app.page(&other, "/").await;
    assert_eq!(status, 303, "still not logged in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_session_api_writes_need_the_csrf_header() {
    let (app, t, _) = common::staffed(&[
        ("padmin", "admin", At::Province),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;
    let [admin, auditor] = app.apis(["padmin", "rootaudit"]).await;
    let (client, _) = app.html_login("padmin", PASSWORD).await;

    // The cookie works for reads.
    let res = client.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(res.status(), 200, "cookie session reads the API");

    let unions_before = admin.total("/api/v1/unions").await;
    let audit_before = auditor.total("/api/v1/audit").await;
    let body = json!({ "parent_id": t.city, "name": "天河区总工会", "level": "county", "division_code": "440106" });
    for (label, header) in [("missing", None), ("wrong", Some("forged-token"))] {
        let mut req = client.post(app.url("/api/v1/unions")).json(&body);
        if let Some(h) = header {
            req = req.header("X-CSRF-Token", h);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let json: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 403, "{label} X-CSRF-Token: {json}");
        assert_eq!(
            json["error"]["code"], "csrf",
            "{label} X-CSRF-Token: {json}"
        );
    }
    assert_eq!(
        admin.total("/api/v1/unions").await,
        unions_before,
        "nothing created"
    );
    assert_eq!(
        auditor.total("/api/v1/audit").await,
        audit_before,
        "nothing audited"
    );

    // With the session's token (as rendered in the pages' forms) it goes through.
    let (_, html) = app.page(&client, "/account/password").await;
    let csrf = input_value(&html, "csrf").expect("hidden csrf on /account/password");
    let res = client
        .post(app.url("/api/v1/unions"))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "with the right X-CSRF-Token");
    assert_eq!(admin.total("/api/v1/unions").await, unions_before + 1);

    // Bearer clients need no CSRF header.
    let (status, body) = admin
        .send(
            "POST",
            "/api/v1/unions",
            json!({ "parent_id": t.city, "name": "海珠区总工会", "level": "county", "division_code": "440105" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_form_without_csrf_is_refused_and_writes_nothing() {
    let (app, t, _) = common::staffed(&[
        ("padmin", "admin", At::Province),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;
    let [admin, auditor] = app.apis(["padmin", "rootaudit"]).await;
    let (client, _) = app.html_login("padmin", PASSWORD).await;

    let page_path = format!("/unions/{}", t.city);
    let (status, html) = app.page(&client, &page_path).await;
    assert_eq!(status, 200);
    let form = form_html(&html, "create-union").expect("form#create-union on the city's page");
    let action = form_action(form, &page_path);
    let csrf = input_value(form, "csrf").expect("hidden csrf in form#create-union");
    let parent = t.city.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "天河区总工会"),
        ("level", "county"),
        ("division_code", "440106"),
    ];
    if let Some(p) = input_value(form, "parent_id") {
        assert_eq!(p, parent);
        fields.push(("parent_id", parent.as_str()));
    }

    let unions_before = admin.total("/api/v1/unions").await;
    let audit_before = auditor.total("/api/v1/audit").await;
    for (label, token) in [
        ("missing", None),
        ("wrong", Some("forged-token")),
        ("empty", Some("")),
    ] {
        let mut f = fields.clone();
        if let Some(tk) = token {
            f.push(("csrf", tk));
        }
        let res = client.post(app.url(&action)).form(&f).send().await.unwrap();
        assert_eq!(res.status(), 403, "POST {action} with {label} csrf");
    }
    assert_eq!(
        admin.total("/api/v1/unions").await,
        unions_before,
        "nothing created"
    );
    assert_eq!(
        auditor.total("/api/v1/audit").await,
        audit_before,
        "nothing audited"
    );

    // The same form with its token works (so the refusals above were the CSRF check).
    let mut f = fields.clone();
    f.push(("csrf", csrf.as_str()));
    let res = client.post(app.url(&action)).form(&f).send().await.unwrap();
    assert_eq!(res.status(), 303, "POST {action} with the form's csrf");
    assert_eq!(admin.total("/api/v1/unions").await, unions_before + 1);

    // The logout form is protected too: without the token the session stays.
    let (_, html) = app.page(&client, "/").await;
    let logout = form_html(&html, "logout-form").expect("form#logout-form");
    let logout_action = form_action(logout, "/");
    let res = client
        .post(app.url(&logout_action))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "logout without csrf");
    let (status, _) = app.page(&client, "/").await;
    assert_eq!(status, 200, "still logged in");
}

/// The value of the `bangfu_session` cookie a response sets, with its attributes.
fn session_set_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("bangfu_session="))
        .map(str::to_owned)
}

/// Logs in through the HTML form without a cookie store and returns the
/// response to POST /login (the session cookie is in its Set-Cookie).
async fn raw_html_login(
    app: &common::TestApp,
    username: &str,
    extra: Option<(&str, &str)>,
) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let login_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("bangfu_login_csrf="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .expect("bangfu_login_csrf cookie");
    let html = page.text().await.unwrap();
    let csrf = input_value(form_html(&html, "login-form").unwrap(), "csrf").unwrap();
    let mut req = client
        .post(app.url("/login"))
        .header("cookie", login_cookie)
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ]);
    if let Some((k, v)) = extra {
        req = req.header(k, v);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_logout_ends_the_session_on_the_server() {
    let (app, _, _) = common::staffed(&[("alice", "officer", At::CountyA)]).await;

    let res = raw_html_login(&app, "alice", None).await;
    assert_eq!(res.status(), 303);
    let cookie = session_set_cookie(&res).expect("session cookie");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let home = plain
        .get(app.url("/"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200, "the session cookie opens the home page");
    let html = home.text().await.unwrap();
    let form = form_html(&html, "logout-form").expect("form#logout-form");
    let action = form_action(form, "/");
    let csrf = input_value(form, "csrf").expect("csrf in the logout form");

    let res = plain
        .post(app.url(&action))
        .header("cookie", &pair)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "logout redirects");

    // Replaying the old cookie (as if the browser had kept it) no longer works.
    let res = plain
        .get(app.url("/"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the old session cookie is dead");
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    let res = plain
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookie_is_secure_behind_tls_and_new_at_each_login() {
    // Without a trusted proxy, a client cannot claim TLS to change the cookie.
    let (untrusting, _, _) = common::staffed(&[("alice", "officer", At::CountyA)]).await;
    let forged = raw_html_login(&untrusting, "alice", Some(("x-forwarded-proto", "https"))).await;
    let forged_cookie = session_set_cookie(&forged).expect("session cookie");
    assert!(
        !forged_cookie.to_ascii_lowercase().contains("secure"),
        "X-Forwarded-Proto is ignored unless the proxy is trusted: {forged_cookie}"
    );

    let app = common::spawn_configured(|c| c.web.trust_proxy = true).await;
    let t = app.tree().await;
    app.user("alice", "officer", t.county_a).await;

    let plain = raw_html_login(&app, "alice", None).await;
    let plain_cookie = session_set_cookie(&plain).expect("session cookie");
    assert!(
        !plain_cookie.to_ascii_lowercase().contains("secure"),
        "plain HTTP: no Secure flag, or the browser would drop it: {plain_cookie}"
    );
    let tls = raw_html_login(&app, "alice", Some(("x-forwarded-proto", "https"))).await;
    let tls_cookie = session_set_cookie(&tls).expect("session cookie");
    assert!(
        tls_cookie.to_ascii_lowercase().contains("; secure"),
        "behind a TLS proxy the cookie is Secure: {tls_cookie}"
    );
    let value = |c: &str| c.split(';').next().unwrap().to_owned();
    assert_ne!(
        value(&plain_cookie),
        value(&tls_cookie),
        "a new session id at each login"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_page_session_sends_back_to_login() {
    let app = common::spawn_with(Settings {
        session_idle: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let t = app.tree().await;
    app.user("alice", "officer", t.county_a).await;
    let (client, _) = app.html_login("alice", PASSWORD).await;
    let (status, _) = app.page(&client, "/").await;
    assert_eq!(status, 200);
    common::sleep(Duration::from_secs(3)).await;
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303, "an idle page session ends");
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
}
