//! Reads from a PostgreSQL streaming replica (`--read-database`): the
//! replica answers reads, and a person's reads right after their own write
//! see it even when the replica lags and another process serves them.
//!
//! Runs only where the tests have a replica (`BANGFU_TEST_READ_DATABASE_URL`,
//! set by `.ci/run` after `scripts/pg_replica.sh start`); the whole suite
//! also runs once against it there.

use crate::common::{self, replica, At, TestApp};
use serde_json::Value;
use std::time::Duration;

/// The worker names in a list of files, as `client` sees it on `base`
/// (with `seen` as the `Bangfu-Seen` header when given).
async fn names_on(base: &str, token: &str, seen: Option<&str>) -> Vec<String> {
    let mut req = reqwest::Client::new()
        .get(format!("{base}/api/v1/households?per_page=100"))
        .bearer_auth(token);
    if let Some(s) = seen {
        req = req.header("bangfu-seen", s);
    }
    let res = req.send().await.expect("list");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|h| h["worker_name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A second server process on the same primary and replica: it shares no
/// memory with the first, as another process behind a load balancer.
async fn second_process(app: &TestApp) -> bangfu::Running {
    let mut config = common::config(app.database_url.clone());
    config.db.read_url = app.read_database_url.clone();
    config.db.max_connections = 2;
    config.settings.two_factor_roles.clear();
    config.settings.monthly_schedule = false;
    bangfu::start(config).await.expect("second server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_lag_others_read_the_replica_while_a_person_sees_their_own_write() {
    let Some(alone) = replica::alone().await else {
        return; // no replica here: nothing to test
    };
    let (app, t, _) = common::staffed(&[
        ("officer", "officer", At::CountyA),
        ("reviewer", "reviewer", At::City),
    ])
    .await;
    let second = second_process(&app).await;
    let base2 = format!("http://{}", second.addr);
    let officer = app.api_as("officer").await;
    let reviewer = app.api_as("reviewer").await;
    let before = common::file(
        &officer,
        common::household("林海", &common::person("440103", "19700101", 1), t.county_a),
    )
    .await;
    assert!(before > 0);
    // Sign-ins and the first file have reached the replica; then it lags.
    alone.catch_up().await;
    alone.pause();

    let res = officer
        .client
        .post(format!("{}/api/v1/households", app.base))
        .bearer_auth(&officer.token)
        .json(&common::household(
            "林涛",
            &common::person("440103", "19710202", 2),
            t.county_a,
        ))
        .send()
        .await
        .expect("file");
    assert_eq!(res.status(), 201);
    let seen = res
        .headers()
        .get("bangfu-seen")
        .and_then(|v| v.to_str().ok())
        .expect("a write answers with the position it reached")
        .to_owned();

    // The process that wrote reads its own writes.
    let on_first = names_on(&app.base, &officer.token, None).await;
    assert!(on_first.contains(&"林涛".to_owned()), "{on_first:?}");
    // Another process with the position the officer was given: the primary.
    let with_seen = names_on(&base2, &officer.token, Some(&seen)).await;
    assert!(with_seen.contains(&"林涛".to_owned()), "{with_seen:?}");
    // Another process, asked by someone who has not seen the write: the
    // lagging replica answers, with the first file but not yet the second.
    let stale = names_on(&base2, &reviewer.token, None).await;
    assert!(stale.contains(&"林海".to_owned()), "{stale:?}");
    assert!(!stale.contains(&"林涛".to_owned()), "{stale:?}");

    // The browser carries the position in a cookie, to any process.
    let (browser, _) = app.html_login("officer", common::PASSWORD).await;
    let cookie_page = browser
        .get(format!("{base2}/households"))
        .send()
        .await
        .expect("list page")
        .text()
        .await
        .expect("html");
    assert!(
        cookie_page.contains("林涛"),
        "the list page after signing in"
    );

    // Once the replica applies again, everyone sees the file.
    alone.resume();
    let mut caught = false;
    for _ in 0..100 {
        if names_on(&base2, &reviewer.token, None)
            .await
            .contains(&"林涛".to_owned())
        {
            caught = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(caught, "the replica catches up");
    drop(second);
}

#[tokio::test]
async fn a_replica_needs_postgresql_for_both() {
    let scratch = common::Scratch::sqlite();
    let mut config = common::config(scratch.url.clone());
    config.db.read_url = Some("postgres://postgres@127.0.0.1:5434/x".into());
    let err = bangfu::start(config)
        .await
        .err()
        .expect("a SQLite database with a read database is refused");
    let message = err.to_string();
    assert!(message.contains("只读数据库"), "{message}");
    assert!(message.contains("PostgreSQL"), "{message}");
}
