//! Guessing in parallel does not slip past the lockout: every failure counts.

use crate::common;

use common::At;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_all_count_towards_the_lockout() {
    let (app, _, _) = common::staffed(&[
        ("alice", "officer", At::CountyA),
        ("aud", "auditor", At::Root),
    ])
    .await;

    let guesses = (0..8).map(|i| {
        let url = app.url("/api/v1/auth/login");
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&serde_json::json!({"username": "alice", "password": format!("Wrong-guess-{i}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses: Vec<u16> = futures_join_all(guesses).await;
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "the fifth failure locks: {statuses:?}"
    );

    // Locked now, even with the right password.
    let (status, body) = app.login("alice", common::PASSWORD).await;
    assert_eq!(status, 429, "{body}");

    // Every attempt is in the audit log.
    let aud = app.api_as("aud").await;
    let log = aud
        .get("/api/v1/audit?action=login&actor=alice&success=false")
        .await
        .1;
    assert_eq!(log["total"], 9, "{log}");
}

/// Runs the futures concurrently on the runtime and collects their outputs in order.
async fn futures_join_all<F>(futs: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
