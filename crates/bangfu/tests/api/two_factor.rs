//! 两步验证 (TOTP, RFC 6238): enrolment through the API with codes computed
//! here from the secret, signing in in two steps, wrong codes counted toward
//! the lockout (and a locked name refusing codes), no code used twice,
//! recovery codes used once, a required role held at enrolment, an
//! administrator's reset forcing re-enrolment (audited), turning it off
//! refused where required; and the same journey through the HTML pages.

use crate::common;

use common::{assert_error, audit_entries, PASSWORD};
use common::{totp_code_at as code_at, unix_now};
use serde_json::{json, Value};

/// A client of the login endpoints (no session), whose answers are checked
/// against the OpenAPI document like every other.
fn anonymous(app: &common::TestApp) -> common::Api {
    common::Api {
        base: app.base.clone(),
        client: reqwest::Client::new(),
        token: String::new(),
    }
}

/// The first step: the password. Returns the answer.
async fn password_step(app: &common::TestApp, username: &str, password: &str) -> (u16, Value) {
    anonymous(app)
        .send(
            "POST",
            "/api/v1/auth/login",
            json!({ "username": username, "password": password }),
        )
        .await
}

/// The first step for a user with two-factor: the challenge.
async fn challenge(app: &common::TestApp, username: &str) -> String {
    let (s, body) = password_step(app, username, PASSWORD).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["two_factor_required"], true, "{body}");
    assert!(
        body.get("token").is_none(),
        "no session before the code: {body}"
    );
    body["challenge"].as_str().expect("challenge").to_owned()
}

async fn code_step(app: &common::TestApp, challenge: &str, code: &str) -> (u16, Value) {
    anonymous(app)
        .send(
            "POST",
            "/api/v1/auth/login/two-factor",
            json!({ "challenge": challenge, "code": code }),
        )
        .await
}

fn signed_in(app: &common::TestApp, body: &Value) -> common::Api {
    common::Api {
        base: app.base.clone(),
        client: reqwest::Client::new(),
        token: body["token"].as_str().expect("token").to_owned(),
    }
}

/// Enrols the caller: the secret shown and the recovery codes; the code
/// of time step `at / 30` is used up by the confirmation.
async fn enrol(api: &common::Api, at: u64) -> (String, Vec<String>) {
    let (s, e) = api
        .send("POST", "/api/v1/account/two-factor/enrol", json!({}))
        .await;
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().unwrap().to_owned();
    let (s, body) = api
        .send(
            "POST",
            "/api/v1/account/two-factor/confirm",
            json!({ "code": code_at(&secret, at) }),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let codes: Vec<String> = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_enrols_and_signs_in_in_two_steps() {
    let app = common::spawn_two_factor(&["admin"], |_| {}).await;
    let t = app.tree().await;
    app.user("tf_off", "officer", t.county_a).await;
    let off = app.api_as("tf_off").await;

    let (s, st) = off.get("/api/v1/account/two-factor").await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["enrolled"], false);
    assert_eq!(st["required"], false, "optional for an officer here");

    // The secret: as a QR code drawn by the server, and in text; the same
    // one until it is confirmed.
    let (s, e) = off
        .send("POST", "/api/v1/account/two-factor/enrol", json!({}))
        .await;
    assert_eq!(s, 200, "{e}");
    let secret = e["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = e["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(":tf_off?"), "account = username: {uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("issuer=%E5%B8%AE%E6%89%B6%20Bangfu"), "{uri}");
    assert!(e["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let (_, again) = off
        .send("POST", "/api/v1/account/two-factor/enrol", json!({}))
        .await;
    assert_eq!(again["secret"], secret.as_str());

    // A wrong code does not enrol.
    let t0 = unix_now();
    let wrong = if code_at(&secret, t0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let got = off
        .send(
            "POST",
            "/api/v1/account/two-factor/confirm",
            json!({ "code": wrong }),
        )
        .await;
    assert_error(
        "wrong confirmation",
        &got,
        400,
        "invalid_input",
        Some("code"),
    );
    let (s, body) = off
        .send(
            "POST",
            "/api/v1/account/two-factor/confirm",
            json!({ "code": code_at(&secret, t0) }),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    // The secret is sealed at rest: not in the database's file or dump.
    assert!(
        !common::database_text(&app).contains(&secret),
        "the TOTP secret is in the clear"
    );
    let recovery: Vec<String> = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let (_, st) = off.get("/api/v1/account/two-factor").await;
    assert_eq!(st["enrolled"], true, "{st}");
    assert_eq!(st["recovery_codes_left"], 10);
    let got = off
        .send("POST", "/api/v1/account/two-factor/enrol", json!({}))
        .await;
    assert_error("enrolled already", &got, 409, "conflict", Some("code"));

    // The password alone opens no session now.
    let ch = challenge(&app, "tf_off").await;
    // The code the confirmation used cannot be used again.
    let got = code_step(&app, &ch, &code_at(&secret, t0)).await;
    assert_error("replayed code", &got, 401, "bad_credentials", None);
    // The next step's code signs in.
    let next = code_at(&secret, t0 + 30);
    let (s, body) = code_step(&app, &ch, &next).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["two_factor_enrolment_due"], false);
    let api = signed_in(&app, &body);
    let (s, me) = api.get("/api/v1/auth/me").await;
    assert_eq!(s, 200);
    assert_eq!(me["two_factor_enrolled"], true, "{me}");
    // A challenge is used once; the same code with a fresh one is refused.
    let got = code_step(&app, &ch, &next).await;
    assert_error("used challenge", &got, 401, "two_factor_expired", None);
    let ch = challenge(&app, "tf_off").await;
    let got = code_step(&app, &ch, &next).await;
    assert_error("replayed code", &got, 401, "bad_credentials", None);

    // A recovery code signs in once (case and dashes as typed do not matter).
    let typed = recovery[0].to_uppercase().replace('-', " ");
    let (s, body) = code_step(&app, &ch, &typed).await;
    assert_eq!(s, 200, "{body}");
    let ch = challenge(&app, "tf_off").await;
    let got = code_step(&app, &ch, &recovery[0]).await;
    assert_error(
        "recovery code used twice",
        &got,
        401,
        "bad_credentials",
        None,
    );
    let (_, st) = off.get("/api/v1/account/two-factor").await;
    assert_eq!(st["recovery_codes_left"], 9, "{st}");

    // New recovery codes need a current code; the old ones stop working.
    let got = off
        .send(
            "POST",
            "/api/v1/account/two-factor/recovery-codes",
            json!({ "code": wrong }),
        )
        .await;
    assert_error("wrong code", &got, 400, "invalid_input", Some("code"));
    let (s, fresh) = off
        .send(
            "POST",
            "/api/v1/account/two-factor/recovery-codes",
            json!({ "code": recovery[1] }),
        )
        .await;
    assert_eq!(s, 200, "{fresh}");
    assert_eq!(fresh["recovery_codes"].as_array().unwrap().len(), 10);
    let ch = challenge(&app, "tf_off").await;
    let got = code_step(&app, &ch, &recovery[2]).await;
    assert_error("an old recovery code", &got, 401, "bad_credentials", None);
    let new_code = fresh["recovery_codes"][0].as_str().unwrap();
    let (s, _) = code_step(&app, &ch, new_code).await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_count_toward_the_lockout_and_a_locked_name_refuses_codes() {
    let app = common::spawn_two_factor(&["admin"], |c| c.settings.lockout_failures = 3).await;
    let t = app.tree().await;
    app.user("lk_off", "officer", t.county_a).await;
    app.user("lk_aud", "auditor", t.root).await;
    let off = app.api_as("lk_off").await;
    let t0 = unix_now();
    let (secret, _) = enrol(&off, t0).await;
    let wrong = if code_at(&secret, t0 + 30) == "123456" {
        "654321"
    } else {
        "123456"
    };

    // A wrong password, then two wrong codes: three failures lock the name.
    let got = password_step(&app, "lk_off", "Wrong-Pass-2026").await;
    assert_error("wrong password", &got, 401, "bad_credentials", None);
    let first = challenge(&app, "lk_off").await;
    let second = challenge(&app, "lk_off").await;
    let got = code_step(&app, &first, wrong).await;
    assert_error("wrong code", &got, 401, "bad_credentials", None);
    let got = code_step(&app, &first, wrong).await;
    assert_error("third failure", &got, 429, "account_locked", None);
    // Locked: a right code with another challenge is refused too, and so is the password.
    let got = code_step(&app, &second, &code_at(&secret, t0 + 30)).await;
    assert_error("locked, right code", &got, 429, "account_locked", None);
    let got = password_step(&app, "lk_off", PASSWORD).await;
    assert_error("locked, right password", &got, 429, "account_locked", None);

    // Each attempt is in the log as a login.
    let auditor = app.api_as("lk_aud").await;
    let (s, log) = auditor
        .get("/api/v1/audit?action=login&actor=lk_off&per_page=50")
        .await;
    assert_eq!(s, 200, "{log}");
    let results: Vec<String> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["after"]["result"].as_str().unwrap_or_default().to_owned())
        .collect();
    for r in [
        "bad_credentials",
        "code_due",
        "bad_code",
        "locked_now",
        "locked",
    ] {
        assert!(results.iter().any(|x| x == r), "{r} in {results:?}");
    }
    assert!(log["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["after"]["result"] == "bad_code" && e["success"] == false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_role_reaches_nothing_but_enrolment_and_cannot_turn_it_off() {
    let app =
        common::spawn_two_factor(&["admin", "auditor", "reviewer", "fund_officer"], |_| {}).await;
    let t = app.tree().await;
    app.user("rq_admin", "admin", t.city).await;
    let (s, body) = password_step(&app, "rq_admin", PASSWORD).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["two_factor_enrolment_due"], true, "{body}");
    let admin = signed_in(&app, &body);
    for path in [
        "/api/v1/users",
        "/api/v1/unions",
        "/api/v1/account/sessions",
    ] {
        let got = admin.get(path).await;
        assert_error(path, &got, 403, "two_factor_enrolment_required", None);
    }
    let (s, _) = admin.get("/api/v1/auth/me").await;
    assert_eq!(s, 200);
    let (s, st) = admin.get("/api/v1/account/two-factor").await;
    assert_eq!(s, 200);
    assert_eq!(st["enrolment_due"], true, "{st}");
    assert_eq!(st["required"], true);

    let t0 = unix_now();
    let (secret, _) = enrol(&admin, t0).await;
    let (s, _) = admin.get("/api/v1/users").await;
    assert_eq!(s, 200, "enrolled: the same session goes on");
    let got = admin
        .send(
            "POST",
            "/api/v1/account/two-factor/disable",
            json!({ "code": code_at(&secret, t0 + 30) }),
        )
        .await;
    assert_error("required", &got, 422, "rule_violation", None);

    // The pages: enrolment first, nothing else.
    app.user("rq_rev", "reviewer", t.county_a).await;
    let (client, location) = app.html_login("rq_rev", PASSWORD).await;
    assert_eq!(location, "/account/two-factor");
    let res = client.get(app.url("/households")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account/two-factor");
    let (s, html) = app.page(&client, "/account/two-factor").await;
    assert_eq!(s, 200);
    assert!(html.contains("<svg role=\"img\""), "the QR code inline");
    assert!(html.contains("id=\"secret\""));
    assert!(html.contains("id=\"enrolment-due\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrators_reset_forces_re_enrolment_and_is_audited() {
    let (app, _, ids) = {
        let app = common::spawn_two_factor(&["reviewer"], |_| {}).await;
        let t = app.tree().await;
        let mut ids = Vec::new();
        for (name, role, at) in [
            ("re_admin", "admin", t.city),
            ("re_far", "admin", t.other_city),
            ("re_rev", "reviewer", t.county_a),
            ("re_off", "officer", t.county_a),
            ("re_aud", "auditor", t.root),
        ] {
            ids.push(app.user(name, role, at).await);
        }
        (app, t, ids)
    };
    let (rev_id, off_id) = (ids[2], ids[3]);
    let t0 = unix_now();
    let (s, body) = password_step(&app, "re_rev", PASSWORD).await;
    assert_eq!(s, 200);
    let rev = signed_in(&app, &body);
    enrol(&rev, t0).await;
    let off = app.api_as("re_off").await;
    let (off_secret, _) = enrol(&off, t0).await;

    // Outside the caller's subtree: not found; an officer: forbidden.
    let far = app.api_as("re_far").await;
    let got = far
        .send_empty("POST", &format!("/api/v1/users/{rev_id}/two-factor/reset"))
        .await;
    assert_error("far admin", &got, 404, "not_found", None);
    let ch = challenge(&app, "re_off").await;
    let (_, body) = code_step(&app, &ch, &code_at(&off_secret, t0 + 30)).await;
    let off = signed_in(&app, &body);
    let got = off
        .send_empty("POST", &format!("/api/v1/users/{rev_id}/two-factor/reset"))
        .await;
    assert_error("officer", &got, 403, "forbidden", None);

    let admin = app.api_as("re_admin").await;
    let (s, body) = admin
        .send_empty("POST", &format!("/api/v1/users/{rev_id}/two-factor/reset"))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["sessions_ended"], 1);
    let (s, _) = rev.get("/api/v1/auth/me").await;
    assert_eq!(s, 401, "the reviewer's sessions ended");
    let (s, body) = password_step(&app, "re_rev", PASSWORD).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        body["two_factor_enrolment_due"], true,
        "must enrol again: {body}"
    );

    // An officer, for whom it is optional, must enrol again after a reset too.
    let (s, _) = admin
        .send_empty("POST", &format!("/api/v1/users/{off_id}/two-factor/reset"))
        .await;
    assert_eq!(s, 200);
    let (_, body) = password_step(&app, "re_off", PASSWORD).await;
    assert_eq!(body["two_factor_enrolment_due"], true, "{body}");
    let off = signed_in(&app, &body);
    let got = off.get("/api/v1/households").await;
    assert_error(
        "before re-enrolment",
        &got,
        403,
        "two_factor_enrolment_required",
        None,
    );
    let (secret, codes) = enrol(&off, t0).await;
    // Once enrolled again, the officer may turn it off (a recovery code will do).
    let (s, _) = off
        .send(
            "POST",
            "/api/v1/account/two-factor/disable",
            json!({ "code": codes[0] }),
        )
        .await;
    assert_eq!(s, 204);
    let (s, body) = password_step(&app, "re_off", PASSWORD).await;
    assert_eq!(s, 200);
    assert!(body["token"].is_string(), "one step again: {body}");
    let _ = secret;

    let auditor = app.api_as("re_aud").await;
    let entries = audit_entries(&auditor, "reset_two_factor", rev_id).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["actor_username"], "re_admin");
    assert_eq!(entries[0]["before"]["enrolled"], true);
    assert_eq!(entries[0]["after"]["must_enrol"], true);
    assert_eq!(
        audit_entries(&auditor, "disable_two_factor", off_id)
            .await
            .len(),
        1
    );
    assert!(!audit_entries(&auditor, "enrol_two_factor", off_id)
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_sign_in_in_two_steps() {
    let app = common::spawn_two_factor(&["admin"], |_| {}).await;
    let t = app.tree().await;
    app.user("pg_off", "officer", t.county_a).await;
    let off = app.api_as("pg_off").await;
    let t0 = unix_now();
    let (secret, _) = enrol(&off, t0).await;

    let client = app.browser_client();
    let (_, html) = app.page(&client, "/login").await;
    let form = common::form_html(&html, "login-form").unwrap();
    let csrf = common::input_value(form, "csrf").unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[
            ("username", "pg_off"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login/two-factor");
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303, "not signed in yet");

    let (s, html) = app.page(&client, "/login/two-factor").await;
    assert_eq!(s, 200);
    let form = common::form_html(&html, "code-form").unwrap();
    let csrf = common::input_value(form, "csrf").unwrap();
    let (s, html) = app
        .post_form(
            &client,
            "/login/two-factor",
            &[("code", "12345x"), ("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(s, 401);
    assert!(html.contains("验证码不正确"), "{html}");
    let res = client
        .post(app.url("/login/two-factor"))
        .form(&[
            ("code", code_at(&secret, t0 + 30).as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let (s, html) = app.page(&client, "/account").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"two-factor\""), "{html}");
    let (s, html) = app.page(&client, "/account/two-factor").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"codes-left\""), "{html}");
    assert!(
        html.contains("id=\"disable-form\""),
        "optional: may be turned off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initial_password_is_changed_first_then_two_factor_is_enrolled() {
    let app = common::spawn_two_factor(&["fund_officer"], |_| {}).await;
    let t = app.tree().await;
    for name in ["fo_api", "fo_page"] {
        app.services
            .operator_create_user(
                bangfu_service::Operator,
                name,
                None,
                &["fund_officer".to_owned()],
                Some(&format!("#{}", t.county_a)),
                PASSWORD,
                bangfu_service::FirstLogin::ChangePassword,
            )
            .await
            .unwrap();
    }
    let new_password = "Another-Pass-2027";

    // The API: both due; the password first, then enrolment only.
    let (s, body) = password_step(&app, "fo_api", PASSWORD).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["must_change_password"], true);
    assert_eq!(body["two_factor_enrolment_due"], true);
    let api = signed_in(&app, &body);
    let got = api.get("/api/v1/households").await;
    assert_error(
        "password first",
        &got,
        403,
        "password_change_required",
        None,
    );
    let (s, body) = api
        .send(
            "POST",
            "/api/v1/auth/password",
            json!({ "current_password": PASSWORD, "new_password": new_password }),
        )
        .await;
    assert_eq!(s, 204, "{body}");
    let got = api.get("/api/v1/households").await;
    assert_error(
        "then enrolment",
        &got,
        403,
        "two_factor_enrolment_required",
        None,
    );

    // The pages: the password page, then the enrolment page (no loop).
    let (client, location) = app.html_login("fo_page", PASSWORD).await;
    assert_eq!(location, "/account/password");
    let (s, html) = app.page(&client, "/account/password").await;
    assert_eq!(s, 200, "the password page itself is reachable");
    let form = common::form_html(&html, "password-form").unwrap();
    let csrf = common::input_value(form, "csrf").unwrap();
    let res = client
        .post(app.url("/account/password"))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", new_password),
            ("confirm_password", new_password),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account/two-factor");
    let (s, _) = app.page(&client, "/account/two-factor").await;
    assert_eq!(s, 200);
}
