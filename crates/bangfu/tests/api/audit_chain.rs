//! `bangfu audit verify`: the operator proves the audit log against its
//! hash chain, and an entry changed behind the application's back (the
//! guard switched off with the database owner's password) is named.

use crate::common::{cli, spawn};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn verify_names_the_entry_changed_behind_the_applications_back() {
    let app = spawn().await;
    let tree = app.tree().await;
    app.user("chain-officer", "officer", tree.county_a).await;
    let officer = app.api_as("chain-officer").await;
    let (s, _) = officer.get("/api/v1/households").await;
    assert_eq!(s, 200);

    let ok = cli(&app, &["audit", "verify"], "");
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("审计日志完整"),
        "{}",
        text(&ok.stdout)
    );

    let head = cli(&app, &["audit", "head"], "");
    let head = text(&head.stdout);
    let seq: i64 = head
        .split_whitespace()
        .find_map(|w| w.strip_prefix("seq="))
        .and_then(|n| n.parse().ok())
        .expect("seq");
    let hash = head
        .split_whitespace()
        .find_map(|w| w.strip_prefix("hash="))
        .expect("hash")
        .to_owned();
    assert!(seq >= 2, "{head}");
    let expect = format!("{seq}:{hash}");

    // An auditor reads the same head in the API, to keep a copy elsewhere;
    // an officer may not read the log at all.
    app.user("chain-auditor", "auditor", tree.root).await;
    let auditor = app.api_as("chain-auditor").await;
    let (s, api_head) = auditor.get("/api/v1/audit/chain").await;
    assert_eq!(s, 200, "{api_head}");
    assert!(api_head["seq"].as_i64().unwrap() >= seq, "{api_head}");
    assert_eq!(api_head["hash"].as_str().unwrap().len(), 64);
    assert!(api_head["verify_with"]
        .as_str()
        .unwrap()
        .starts_with("bangfu audit verify --expect "));
    let (s, _) = officer.get("/api/v1/audit/chain").await;
    assert_eq!(s, 403);
    let (_, entries) = auditor.get("/api/v1/audit?per_page=5").await;
    let newest = &entries["items"][0];
    assert!(newest["chain_seq"].as_i64().unwrap() > seq, "{newest}");
    let still = cli(&app, &["audit", "verify", "--expect", &expect], "");
    assert!(still.status.success(), "{}", text(&still.stderr));

    let changed = app
        .seed_write(|c| {
            Ok(bangfu_storage::test_support::tamper_audit_entry(
                c, 2, "nobody",
            )?)
        })
        .await
        .unwrap();
    let bad = cli(&app, &["audit", "verify", "--expect", &expect], "");
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert!(
        err.contains(&format!("entry {changed} (position 2)")),
        "{err}"
    );
    assert!(
        text(&bad.stdout).contains("已校验到第 1 条"),
        "{}",
        text(&bad.stdout)
    );

    let typo = cli(&app, &["audit", "verify", "--expect", "12"], "");
    assert!(!typo.status.success());
    assert!(
        text(&typo.stderr).contains("序号:哈希"),
        "{}",
        text(&typo.stderr)
    );
}
