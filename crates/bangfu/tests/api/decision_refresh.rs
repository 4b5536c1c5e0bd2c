//! Decisions stored under an earlier rule are refreshed when a server first
//! starts on the migrated database (docs/rules.md §4, decided 2026-12-06:
//! conditions 2–4 need non-living expenditure in the window), once, however
//! many processes start at once, so lists and counts agree with the rule.

use crate::common;

use common::{file, household, person, save_incomes, set_line, At, PASSWORD};

use serde_json::{json, Value};

/// Six months of 2019 with `wages` and `medical` (fen) each month.
fn months(wages: i64, medical: i64) -> Vec<Value> {
    (1..=6)
        .map(|m| json!({ "month": format!("2019-{m:02}"), "wages_fen": wages, "medical_fen": medical }))
        .collect()
}

/// The number in the home page's household card linking to `decision`.
fn home_count(html: &str, decision: &str) -> Option<i64> {
    let at = html.find(&format!("decision={decision}\">"))?;
    let rest = &html[at..];
    let rest = &rest[rest.find('>')? + 1..];
    rest[..rest.find('<')?].trim().parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_decisions_are_refreshed_once_when_servers_start() {
    let (app, t, _) = common::staffed(&[
        ("officer", "officer", At::CountyA),
        ("admin", "admin", At::City),
        ("auditor", "auditor", At::Root),
    ])
    .await;
    let [officer, admin, auditor] = app.apis(["officer", "admin", "auditor"]).await;
    set_line(&admin, "440100", "2019-01", 80_000).await;

    // Three households of one person, line 800.00 元:
    // on 低保 below the line with no expenditure (the earlier rule: condition 2),
    let mut body = household("王建国", &person("440103", "19700101", 11), t.county_a);
    body["dibao_since"] = json!("2019-01");
    let no_spending = file(&officer, body).await;
    save_incomes(&officer, no_spending, months(60_000, 0)).await;
    // on 低保 below the line with medical costs (condition 2 under both rules),
    let mut body = household("李秀英", &person("440103", "19720202", 12), t.county_a);
    body["dibao_since"] = json!("2019-01");
    let spending = file(&officer, body).await;
    save_incomes(&officer, spending, months(60_000, 5_000)).await;
    // and not on 低保, at the line in one month, below in total, no
    // expenditure (the earlier rule: condition 3).
    let near = file(
        &officer,
        household("赵国强", &person("440103", "19740303", 13), t.county_a),
    )
    .await;
    let mut six = months(60_000, 0);
    six[2]["wages_fen"] = json!(80_000);
    save_incomes(&officer, near, six).await;

    let decision = |id: i64| {
        let officer = &officer;
        async move {
            let (_, d) = officer.get(&format!("/api/v1/households/{id}")).await;
            (
                d["household"]["decision"].as_str().unwrap().to_owned(),
                d["household"]["decision_condition"].as_i64(),
            )
        }
    };
    assert_eq!(decision(no_spending).await, ("not_eligible".into(), None));
    assert_eq!(decision(spending).await, ("eligible".into(), Some(2)));
    assert_eq!(decision(near).await, ("not_eligible".into(), None));

    // The database as the earlier version left it, just migrated: the
    // earlier rule's decisions stored, every open file listed stale.
    app.seed_write(move |c| {
        use bangfu_storage::test_support::mark_decision_stale;
        mark_decision_stale(c, no_spending, "eligible", Some(2))?;
        mark_decision_stale(c, spending, "eligible", Some(2))?;
        mark_decision_stale(c, near, "eligible", Some(3))?;
        Ok(())
    })
    .await
    .unwrap();
    let eligible = "/api/v1/households?status=on_file&decision=eligible";
    let not_eligible = "/api/v1/households?status=on_file&decision=not_eligible";
    assert_eq!(officer.total(eligible).await, 3, "the stale decisions");

    // Three servers start on it at once.
    let config = || {
        let mut c = common::config(app.database_url.clone());
        c.db.max_connections = 2;
        c
    };
    let (a, b, c) = (config(), config(), config());
    let (a, b, c) = tokio::join!(bangfu::open(&a), bangfu::open(&b), bangfu::open(&c));
    for started in [a, b, c] {
        started.expect("a server starts");
    }

    // The decisions follow the rule, the lists and the home page agree.
    assert_eq!(decision(no_spending).await, ("not_eligible".into(), None));
    assert_eq!(decision(spending).await, ("eligible".into(), Some(2)));
    assert_eq!(decision(near).await, ("not_eligible".into(), None));
    assert_eq!(officer.ids(eligible).await, vec![spending]);
    assert_eq!(officer.total(not_eligible).await, 2);
    let (client, _) = app.html_login("officer", PASSWORD).await;
    let (_, html) = app.page(&client, "/").await;
    assert_eq!(home_count(&html, "eligible"), Some(1), "{html}");
    assert_eq!(home_count(&html, "not_eligible"), Some(2), "{html}");

    // Done once: nothing is left listed, one process did the work and
    // recorded it.
    let left = app
        .seed_write(|c| Ok(bangfu_storage::test_support::stale_count(c)?))
        .await
        .unwrap();
    assert_eq!(left, 0);
    let (_, log) = auditor.get("/api/v1/audit?action=reidentify").await;
    let entries = log["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    let after = common::audit_json(&entries[0]["after"]);
    assert_eq!(after["trigger"], "startup", "{after}");
    assert_eq!(after["evaluated"], 3, "{after}");
    assert_eq!(after["changed"], 2, "{after}");

    // A later start has nothing to do.
    bangfu::open(&config()).await.expect("a server starts");
    assert_eq!(auditor.total("/api/v1/audit?action=reidentify").await, 1);
}
