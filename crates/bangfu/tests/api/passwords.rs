//! Weak passwords are refused wherever a password is set: the most common
//! ones (and common words dressed up with digits), one containing the user
//! name, and one of the account's last five.

use crate::common;

use common::{assert_error, At, PASSWORD};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn common_passwords_and_the_users_name_are_refused_with_the_reason() {
    let (app, t, ids) = common::staffed(&[
        ("carol", "officer", At::CountyA),
        ("padmin", "admin", At::Province),
    ])
    .await;
    let carol = app.api_as("carol").await;
    for (new, reason) in [
        ("Password1", "常见"),
        ("Passw0rd", "常见"),
        ("Qwerty123", "常见"),
        ("P@ssw0rd2026", "常见"),
        ("Woaini1314!", "常见"),
        ("Carol-2026!", "用户名"),
        ("my.CAROL.pass9", "用户名"),
    ] {
        let res = carol
            .send(
                "POST",
                "/api/v1/auth/password",
                json!({ "current_password": PASSWORD, "new_password": new }),
            )
            .await;
        assert_error(new, &res, 400, "invalid_input", Some("new_password"));
        let message = res.1["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{new}: {message}");
    }
    let (status, _) = app.login("carol", PASSWORD).await;
    assert_eq!(status, 200, "nothing changed");

    // An administrator's initial password, and a reset, follow the same policy.
    let admin = app.api_as("padmin").await;
    let res = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "newbie", "display_name": "新人", "union_id": t.county_a,
                    "roles": ["officer"], "password": "Qwerty123" }),
        )
        .await;
    assert_error(
        "common initial password",
        &res,
        400,
        "invalid_input",
        Some("password"),
    );
    let res = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "newbie", "display_name": "新人", "union_id": t.county_a,
                    "roles": ["officer"], "password": "Newbie-2026!" }),
        )
        .await;
    assert_error(
        "name in initial password",
        &res,
        400,
        "invalid_input",
        Some("password"),
    );
    let res = admin
        .send(
            "POST",
            &format!("/api/v1/users/{}/reset-password", ids[0]),
            json!({ "password": "Carol#Reset9" }),
        )
        .await;
    assert_error(
        "name in a reset",
        &res,
        400,
        "invalid_input",
        Some("password"),
    );

    // The account page shows the reason.
    let (client, _) = app.html_login("carol", PASSWORD).await;
    let csrf = common::csrf_of(&app, &client).await;
    let (status, html) = app
        .post_form(
            &client,
            "/account/password",
            &[
                ("csrf", csrf.as_str()),
                ("current_password", PASSWORD),
                ("new_password", "Qwerty123"),
                ("confirm_password", "Qwerty123"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("密码过于常见"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn none_of_the_last_five_passwords_comes_back() {
    let (app, _t, _) = common::staffed(&[("dora", "officer", At::CountyA)]).await;
    let change = |current: String, new: String| {
        let app = &app;
        async move {
            let api = app.api_with("dora", &current).await;
            api.send(
                "POST",
                "/api/v1/auth/password",
                json!({ "current_password": current, "new_password": new }),
            )
            .await
        }
    };
    let p = |i: usize| format!("Rotate-{i}-Kx!");
    // PASSWORD, then p(1) … p(4): five passwords, the current one p(4).
    let mut current = PASSWORD.to_owned();
    for i in 1..=4 {
        let (status, body) = change(current.clone(), p(i)).await;
        assert_eq!(status, 204, "change {i}: {body}");
        current = p(i);
    }
    for old in [PASSWORD.to_owned(), p(1), p(2), p(3)] {
        let res = change(current.clone(), old.clone()).await;
        assert_error(
            &format!("reuse {old}"),
            &res,
            400,
            "invalid_input",
            Some("new_password"),
        );
        let message = res.1["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("最近 5 次"), "{message}");
    }
    // One more change and the oldest is six back: allowed again.
    let (status, body) = change(current.clone(), p(5)).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = change(p(5), PASSWORD.to_owned()).await;
    assert_eq!(status, 204, "six back: {body}");
    let (status, _) = app.login("dora", PASSWORD).await;
    assert_eq!(status, 200);
}
