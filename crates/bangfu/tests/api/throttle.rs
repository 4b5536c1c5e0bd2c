//! Failed logins are limited per client address as well as per name: one
//! address can neither try many names nor lock accounts in bulk. And a
//! disabled account answers exactly as a wrong password.
//!
//! The server trusts proxy headers here, so each test speaks from several
//! addresses through `X-Forwarded-For`; the limits are small settings, and
//! nothing depends on timing.

use crate::common;

use common::{assert_error, audit_json, form_html, input_value, At, PASSWORD};
use serde_json::{json, Value};
use std::time::Duration;

const LIMIT: i32 = 5;

async fn server() -> (common::TestApp, common::Tree) {
    let app = common::spawn_configured(|c| {
        c.web.trust_proxy = true;
        c.settings.login_address_failures = LIMIT;
        c.settings.login_address_window = Duration::from_secs(15 * 60);
    })
    .await;
    let t = app.tree().await;
    app.user("victim", "officer", t.county_a).await;
    app.user("rootaudit", "auditor", t.root).await;
    (app, t)
}

/// A login attempt through the API from `address`: status, body, Retry-After.
async fn login_from(
    app: &common::TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> (u16, Value, Option<u64>) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("login request");
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, res.json().await.unwrap_or(Value::Null), retry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_try_many_names_or_lock_accounts() {
    let (app, _t) = server().await;
    let attacker = "203.0.113.7";

    // LIMIT failures under as many names are answered as usual…
    for i in 0..LIMIT {
        let (status, body, _) =
            login_from(&app, attacker, &format!("guess{i}"), "Wrong-Pass-2026").await;
        assert_error(
            &format!("failure {i}"),
            &(status, body),
            401,
            "bad_credentials",
            None,
        );
    }
    // …then the address is refused, whatever the name, right password or not.
    for (name, password) in [
        ("guess99", "Wrong-Pass-2026"),
        ("victim", "Wrong-Pass-2026"),
        ("victim", "Wrong-Pass-2026"),
        ("victim", "Wrong-Pass-2026"),
        ("victim", "Wrong-Pass-2026"),
        ("victim", "Wrong-Pass-2026"),
        ("victim", PASSWORD),
    ] {
        let (status, body, retry) = login_from(&app, attacker, name, password).await;
        assert_error(
            "throttled address",
            &(status, body.clone()),
            429,
            "too_many_attempts",
            None,
        );
        let secs = retry.expect("Retry-After");
        assert!((1..=15 * 60).contains(&secs), "Retry-After {secs}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("分钟后再试"), "{message}");
    }
    // A client-chosen first hop does not make a new address: the proxy's
    // last hop is the one counted.
    let (status, _, _) =
        login_from(&app, &format!("198.18.0.1, {attacker}"), "guess100", "x").await;
    assert_eq!(status, 429, "spoofed first hop");

    // The victim was not locked by the attempts the address made after the
    // limit: from elsewhere the right password works.
    let (status, body, _) = login_from(&app, "198.51.100.2", "victim", PASSWORD).await;
    assert_eq!(status, 200, "{body}");

    // The page says it in Chinese, with Retry-After.
    let client = app.browser_client();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let html = page.text().await.unwrap();
    let csrf = input_value(form_html(&html, "login-form").unwrap(), "csrf").unwrap();
    let res = client
        .post(app.url("/login"))
        .header("x-forwarded-for", attacker)
        .form(&[
            ("username", "victim"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let html = res.text().await.unwrap();
    assert!(html.contains("登录失败的次数过多"), "{html}");

    // Every refused attempt is in the log, with its address.
    let auditor = app.api_as("rootaudit").await;
    let (_, log) = auditor
        .get("/api/v1/audit?action=login&actor=victim&success=false&per_page=100")
        .await;
    let throttled: Vec<&Value> = log["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| audit_json(&i["after"])["result"] == "address_throttled")
        .collect();
    assert_eq!(throttled.len(), 7, "{log}");
    assert!(throttled.iter().all(|i| i["ip"] == attacker), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_in_parallel_does_not_slip_past_the_limit_and_successes_do_not_count() {
    let (app, _t) = server().await;

    let guesses = (0..16).map(|i| {
        let url = app.url("/api/v1/auth/login");
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .header("x-forwarded-for", "192.0.2.50")
                .json(&json!({"username": format!("burst{i}"), "password": "Wrong-Pass-2026"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for g in guesses.collect::<Vec<_>>() {
        statuses.push(g.await.unwrap());
    }
    let tried = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(tried, LIMIT as usize, "{statuses:?}");
    assert_eq!(tried + refused, statuses.len(), "{statuses:?}");

    // An office behind one address whose logins succeed is never refused.
    for _ in 0..(LIMIT * 2) {
        let (status, body, _) = login_from(&app, "192.0.2.60", "victim", PASSWORD).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_answers_as_a_wrong_password_and_the_log_tells() {
    let (app, t, _) = common::staffed(&[
        ("padmin", "admin", At::Province),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;
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

    let right = app.login("alice", PASSWORD).await;
    let wrong = app.login("alice", "Wrong-Pass-2026").await;
    let nobody = app.login("nobody", PASSWORD).await;
    assert_error(
        "disabled, right password",
        &right,
        401,
        "bad_credentials",
        None,
    );
    assert_eq!(right, wrong, "the same answer as a wrong password");
    assert_eq!(right, nobody, "the same answer as an unknown name");

    // The page too.
    let page = |password: &'static str| {
        let app = &app;
        async move {
            let client = app.browser_client();
            let html = client
                .get(app.url("/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = input_value(form_html(&html, "login-form").unwrap(), "csrf").unwrap();
            let res = client
                .post(app.url("/login"))
                .form(&[
                    ("username", "alice"),
                    ("password", password),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let html = res.text().await.unwrap();
            (
                status,
                html.contains("用户名或密码错误"),
                html.contains("停用"),
            )
        }
    };
    assert_eq!(page(PASSWORD).await, (401, true, false));

    let auditor = app.api_as("rootaudit").await;
    let (_, log) = auditor
        .get("/api/v1/audit?action=login&actor=alice&per_page=50")
        .await;
    let results: Vec<String> = log["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            audit_json(&i["after"])["result"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        results.iter().filter(|r| *r == "disabled").count(),
        2,
        "API and page attempts with the right password: {results:?}"
    );
    assert!(
        results.contains(&"bad_credentials".to_owned()),
        "{results:?}"
    );
}
