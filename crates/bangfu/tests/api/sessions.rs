//! 登录会话: a user sees each of their sessions with its device and
//! address, the current one marked, and ends one (whose token is refused at
//! once); an administrator ends every session of a user in their subtree
//! but not outside it, an officer not at all; each end is audited; the
//! account page lists the sessions and ends one through its form.

use crate::common;

use common::{assert_error, audit_entries, At};
use serde_json::{json, Value};

/// Signs in through the API with a User-Agent; the token.
async fn sign_in(app: &common::TestApp, username: &str, device: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", device)
        .json(&json!({ "username": username, "password": common::PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

async fn me(app: &common::TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("me")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_ends_one_session_and_an_administrator_ends_them_all() {
    let (app, t, ids) = common::staffed(&[
        ("se_off", "officer", At::CountyA),
        ("se_admin", "admin", At::City),
        ("se_far", "admin", At::OtherCity),
        ("se_aud", "auditor", At::Province),
    ])
    .await;
    let _ = t;
    let phone = sign_in(&app, "se_off", "Mozilla/5.0 (iPhone) 手机").await;
    let desk = sign_in(&app, "se_off", "Mozilla/5.0 (Windows NT 10.0) 办公电脑").await;
    let off = app.api_as("se_off").await;

    let (s, list) = off.get("/api/v1/account/sessions").await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().expect("list").clone();
    assert_eq!(list.len(), 3, "{list:?}");
    assert_eq!(list.iter().filter(|x| x["current"] == true).count(), 1);
    let of = |device: &str| {
        list.iter()
            .find(|x| x["device"].as_str().unwrap_or_default().contains(device))
            .cloned()
            .unwrap_or_else(|| panic!("{device} in {list:?}"))
    };
    let phone_handle = of("手机")["handle"].as_str().unwrap().to_owned();
    assert!(phone_handle.len() == 16 && !phone.contains(&phone_handle));

    // The phone's session ends; the desk's goes on.
    let (s, _) = off
        .send_empty(
            "DELETE",
            &format!("/api/v1/account/sessions/{phone_handle}"),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(me(&app, &phone).await, 401);
    assert_eq!(me(&app, &desk).await, 200);
    let got = off
        .send_empty(
            "DELETE",
            &format!("/api/v1/account/sessions/{phone_handle}"),
        )
        .await;
    assert_error("ended twice", &got, 404, "not_found", None);
    let got = off.send_empty("DELETE", "/api/v1/account/sessions/x").await;
    assert_error("no such handle", &got, 404, "not_found", None);

    // An officer ends nobody else's; an administrator elsewhere cannot see the user.
    let got = off
        .send_empty("POST", &format!("/api/v1/users/{}/sessions/end", ids[1]))
        .await;
    assert_error("officer", &got, 403, "forbidden", None);
    let far = app.api_as("se_far").await;
    let got = far
        .send_empty("POST", &format!("/api/v1/users/{}/sessions/end", ids[0]))
        .await;
    assert_eq!(got.0, 404, "{}", got.1);
    assert_eq!(me(&app, &desk).await, 200);

    // The city's administrator ends them all.
    let admin = app.api_as("se_admin").await;
    let (s, v) = admin
        .send_empty("POST", &format!("/api/v1/users/{}/sessions/end", ids[0]))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["ended"], 2, "the desk's and the API client's");
    assert_eq!(me(&app, &desk).await, 401);
    assert_eq!(off.get("/api/v1/account/sessions").await.0, 401);

    let auditor = app.api_as("se_aud").await;
    assert_eq!(
        audit_entries(&auditor, "end_session", ids[0]).await.len(),
        1
    );
    assert_eq!(
        audit_entries(&auditor, "end_user_sessions", ids[0])
            .await
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_lists_the_sessions_and_ends_one() {
    let (app, _, _) = common::staffed(&[("sp_off", "officer", At::CountyA)]).await;
    let other = sign_in(&app, "sp_off", "Mozilla/5.0 (Android) 旧手机").await;
    let (client, _) = app.html_login("sp_off", common::PASSWORD).await;
    let (s, html) = app.page(&client, "/account").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("登录会话") && html.contains("旧手机") && html.contains("当前"),
        "{html}"
    );
    let api = app.api_as("sp_off").await;
    let (_, list) = api.get("/api/v1/account/sessions").await;
    let handle = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["device"].as_str().unwrap_or_default().contains("旧手机"))
        .and_then(|x| x["handle"].as_str())
        .unwrap()
        .to_owned();
    let csrf = common::csrf_of(&app, &client).await;
    let res = client
        .post(app.url(&format!("/account/sessions/{handle}/end")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .contains("notice=session_ended"));
    assert_eq!(me(&app, &other).await, 401);
    let (_, html) = app.page(&client, "/account").await;
    assert!(!html.contains("旧手机"));
}
