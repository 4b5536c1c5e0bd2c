//! Separation of duties: no account is administrator and auditor at once,
//! whoever asks (the API, the pages, the command line), and an auditor's
//! password is reset only by the operator at the server's command line.
//! Also: accounts made at the command line change their password at first
//! login unless `--keep-password` says otherwise.

use crate::common;

use common::{assert_error, audit_json, form_html, input_value, At, PASSWORD};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_cannot_also_be_an_auditor() {
    let (app, t, ids) = common::staffed(&[
        ("cadmin", "admin", At::CountyA),
        ("officer1", "officer", At::CountyA),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;
    let (admin_id, officer_id) = (ids[0], ids[1]);
    let admin = app.api_as("cadmin").await;

    // Giving itself the auditor role.
    let res = admin
        .send(
            "PATCH",
            &format!("/api/v1/users/{admin_id}"),
            json!({ "roles": ["admin", "auditor"] }),
        )
        .await;
    assert_error(
        "admin grants itself auditor",
        &res,
        400,
        "invalid_input",
        Some("roles"),
    );
    let message = res.1["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("职责分离"), "{message}");
    let (status, _) = admin.get("/api/v1/audit").await;
    assert_eq!(status, 403, "still no audit log for the administrator");
    let (_, me) = admin.get("/api/v1/auth/me").await;
    assert_eq!(me["roles"], json!(["admin"]), "{me}");

    // Giving both to someone else, or making an account with both.
    let res = admin
        .send(
            "PATCH",
            &format!("/api/v1/users/{officer_id}"),
            json!({ "roles": ["admin", "auditor"] }),
        )
        .await;
    assert_error("both to another", &res, 400, "invalid_input", Some("roles"));
    let res = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "twohats", "display_name": "两顶帽子", "union_id": t.county_a,
                    "roles": ["auditor", "admin"], "password": "Initial-Pass-2026" }),
        )
        .await;
    assert_error(
        "created with both",
        &res,
        400,
        "invalid_input",
        Some("roles"),
    );
    let (status, body) = admin.get("/api/v1/users?q=twohats").await;
    assert_eq!((status, &body["total"]), (200, &json!(0)), "{body}");

    // The page refuses the same way, with the message on the form.
    let (client, _) = app.html_login("cadmin", PASSWORD).await;
    let (_, html) = app.page(&client, "/users/new").await;
    let csrf = input_value(form_html(&html, "user-form").unwrap_or(&html), "csrf")
        .expect("csrf on the new-user form");
    let union = t.county_a.to_string();
    let (status, html) = app
        .post_form(
            &client,
            "/users",
            &[
                ("csrf", csrf.as_str()),
                ("username", "twohats"),
                ("display_name", "两顶帽子"),
                ("union_id", union.as_str()),
                ("roles", "admin"),
                ("roles", "auditor"),
                ("password", "Initial-Pass-2026"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("职责分离"), "the page says why");
    let (status, body) = admin.get("/api/v1/users?q=twohats").await;
    assert_eq!((status, &body["total"]), (200, &json!(0)), "{body}");

    // Nothing of this reached the roles, and each refusal left no trace as a change.
    let auditor = app.api_as("rootaudit").await;
    let (_, log) = auditor.get("/api/v1/audit?action=update_user").await;
    assert_eq!(log["total"], 0, "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditors_password_is_reset_only_at_the_command_line() {
    let (app, t, ids) = common::staffed(&[
        ("padmin", "admin", At::Province),
        ("paudit", "auditor", At::Province),
        ("pofficer", "officer", At::Province),
    ])
    .await;
    let (auditor_id, officer_id) = (ids[1], ids[2]);
    let admin = app.api_as("padmin").await;

    let res = admin
        .send(
            "POST",
            &format!("/api/v1/users/{auditor_id}/reset-password"),
            json!({ "password": "Admin-Knows-2026" }),
        )
        .await;
    assert_error("admin resets an auditor", &res, 422, "rule_violation", None);
    let message = res.1["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("bangfu user reset-password"), "{message}");
    let res = admin
        .send(
            "POST",
            &format!("/api/v1/users/{auditor_id}/reset-password"),
            json!({}),
        )
        .await;
    assert_error("generated reset", &res, 422, "rule_violation", None);
    let (status, _) = app.login("paudit", "Admin-Knows-2026").await;
    assert_eq!(status, 401, "the auditor's password did not change");
    let (status, _) = app.login("paudit", PASSWORD).await;
    assert_eq!(status, 200);

    // The page shows no reset button for an auditor, and refuses a forged one.
    let (client, _) = app.html_login("padmin", PASSWORD).await;
    let (status, html) = app.page(&client, &format!("/users/{auditor_id}")).await;
    assert_eq!(status, 200);
    assert!(form_html(&html, "reset-form").is_none(), "no reset form");
    assert!(html.contains("bangfu user reset-password --username paudit"));
    let csrf = common::csrf_of(&app, &client).await;
    let (status, _) = app
        .post_form(
            &client,
            &format!("/users/{auditor_id}/reset-password"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(status, 422);
    let (status, html) = app.page(&client, &format!("/users/{officer_id}")).await;
    assert_eq!(status, 200);
    assert!(
        form_html(&html, "reset-form").is_some(),
        "an officer's can be reset"
    );

    // The operator resets it; the auditor must change it at next login.
    let out = common::cli(
        &app,
        &["user", "reset-password", "--username", "paudit"],
        "Operator-Set-2026",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, login) = app.login("paudit", "Operator-Set-2026").await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], true);

    let auditor = app.api_with("paudit", "Operator-Set-2026").await;
    let (status, _) = auditor
        .send(
            "POST",
            "/api/v1/auth/password",
            json!({ "current_password": "Operator-Set-2026", "new_password": "Auditor-Own-2026" }),
        )
        .await;
    assert_eq!(status, 204);
    let auditor = app.api_with("paudit", "Auditor-Own-2026").await;
    let (_, log) = auditor
        .get("/api/v1/audit?action=reset_password&per_page=50")
        .await;
    let items: Vec<&Value> = log["items"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    assert_eq!(items.len(), 1, "only the operator's reset happened: {log}");
    assert_eq!(items[0]["actor_username"], "(命令行)", "{log}");
    assert_eq!(items[0]["object_id"], auditor_id.to_string(), "{log}");
    assert_eq!(
        audit_json(&items[0]["after"])["by"],
        "command_line",
        "{log}"
    );
    let _ = t;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_made_at_the_command_line_change_their_password_at_first_login() {
    let (app, _t, _) = common::staffed(&[("rootaudit", "auditor", At::Root)]).await;

    let out = common::cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "clerk",
            "--role",
            "officer",
            "--union",
            "440103",
        ],
        "Typed-By-Operator-26",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("首次登录须修改密码"));
    let (status, login) = app.login("clerk", "Typed-By-Operator-26").await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], true, "{login}");
    let clerk = app.api_with("clerk", "Typed-By-Operator-26").await;
    let (status, body) = clerk.get("/api/v1/households").await;
    assert_eq!(status, 403, "nothing before the change: {body}");
    assert_eq!(body["error"]["code"], "password_change_required");

    // The exception: the first administrator of a fresh installation.
    let out = common::cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "firstadmin",
            "--role",
            "admin",
            "--keep-password",
        ],
        "Own-Choice-2026!",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, login) = app.login("firstadmin", "Own-Choice-2026!").await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], false, "{login}");

    // The command line refuses what the API refuses.
    let out = common::cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "twohats",
            "--role",
            "admin,auditor",
        ],
        "Typed-By-Operator-26",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("职责分离"));
    let out = common::cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "weakling",
            "--role",
            "officer",
        ],
        "Password1",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("常见"));

    let auditor = app.api_as("rootaudit").await;
    let (_, log) = auditor
        .get("/api/v1/audit?action=create_user&per_page=50")
        .await;
    let made: Vec<String> = log["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            audit_json(&i["after"])["username"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(made.contains(&"clerk".to_owned()) && made.contains(&"firstadmin".to_owned()));
    assert!(!made.contains(&"twohats".to_owned()) && !made.contains(&"weakling".to_owned()));
}
