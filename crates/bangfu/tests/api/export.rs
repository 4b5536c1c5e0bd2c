//! Excel downloads carry exactly what the list shows: the same filters, the
//! same scope.

use crate::common;

use common::{At, PASSWORD};

use calamine::{Reader, Xlsx};
use std::io::Cursor;

async fn download(client: &reqwest::Client, url: String) -> Vec<Vec<String>> {
    let res = client.get(url).send().await.expect("download");
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(ct.contains("spreadsheetml"), "content type {ct}");
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(cd.starts_with("attachment"), "{cd}");
    let bytes = res.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a valid .xlsx");
    let sheet = book.sheet_names().first().cloned().expect("one sheet");
    let range = book.worksheet_range(&sheet).expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_export_follows_scope_and_filters() {
    let (app, _, _) = common::staffed(&[
        ("cityadmin", "admin", At::City),
        ("alice", "officer", At::CountyA),
        ("bob", "reviewer", At::CountyA),
        ("carol", "officer", At::CountyB),
    ])
    .await;

    // The county_a officer sees only county_a's users.
    let (client, _) = app.html_login("alice", PASSWORD).await;
    let rows = download(&client, app.url("/users/export.xlsx")).await;
    assert_eq!(rows[0][0], "用户名");
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, vec!["alice", "bob"]);

    // The city admin, filtered to officers, gets both counties' officers and nobody else.
    let (client, _) = app.html_login("cityadmin", PASSWORD).await;
    let rows = download(&client, app.url("/users/export.xlsx?role=officer")).await;
    let mut names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["alice", "carol"]);
    assert!(rows[1..].iter().all(|r| r[3] == "帮扶干部"), "{rows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_export_is_for_auditors_and_lists_the_log() {
    let (app, _, _) = common::staffed(&[
        ("aud", "auditor", At::City),
        ("alice", "officer", At::CountyA),
    ])
    .await;

    // Failed and successful logins at the city are in the export.
    let _ = app.login("alice", "wrong-Password-1").await;
    let (client, _) = app.html_login("aud", PASSWORD).await;
    let rows = download(&client, app.url("/audit/export.xlsx?action=login")).await;
    assert_eq!(rows[0][0], "时间（北京时间）");
    assert!(
        rows[1..].iter().any(|r| r[1] == "alice" && r[4] == "失败"),
        "{rows:?}"
    );
    assert!(rows[1..].iter().all(|r| r[2] == "登录"), "{rows:?}");

    // An officer cannot download the log.
    let (client, _) = app.html_login("alice", PASSWORD).await;
    let res = client
        .get(app.url("/audit/export.xlsx"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 403);
}
