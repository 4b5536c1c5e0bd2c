//! The demo data `serve --demo` loads is a working year of the programme: the
//! fund audit finds the planted problems, and the regular subsidies can be
//! generated and paid from the funds the demo received.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bangfu_service::{demo, Operator};
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_a_working_year_of_assistance() {
    let app = common::spawn().await;
    demo::load(&app.services)
        .await
        .expect("demo tree and accounts");
    let households = demo::load_households(&app.services, 300, &|_| {})
        .await
        .expect("demo households");
    assert_eq!(households.households, 300);
    let assistance = demo::load_assistance(&app.services, 2, true, &|_| {})
        .await
        .expect("demo assistance");
    assert!(assistance.records > 300, "{assistance:?}");
    let subsidies = demo::load_subsidies(&app.services)
        .await
        .expect("subsidies");
    assert_eq!(subsidies, 6);

    let find = |name: &'static str| {
        let services = app.services.clone();
        async move {
            services
                .operator_find_union(Operator, name)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{name}"))
                .id
                .0
        }
    };
    let root = find("中华全国总工会").await;
    let city = find("广州市总工会").await;
    app.user("demo-test-auditor", "auditor", root).await;
    app.user("demo-test-fund", "fund_officer", city).await;

    // The planted problems are found.
    let auditor = app.api_as("demo-test-auditor").await;
    let (s, run) = auditor
        .send("POST", "/api/v1/fund-audit/run", json!({}))
        .await;
    assert_eq!(s, 200, "{run}");
    let (s, found) = auditor
        .get("/api/v1/fund-audit/findings?per_page=200")
        .await;
    assert_eq!(s, 200, "{found}");
    let checks: BTreeSet<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    for want in ["duplicate", "over_standard", "not_passed_on"] {
        assert!(checks.contains(want), "{want} not found in {checks:?}");
    }

    // This month's subsidies are generated and paid from the demo's funds.
    let fund = app.api_as("demo-test-fund").await;
    let month = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string();
    let (s, generated) = fund
        .send("POST", "/api/v1/subsidies/generate", json!({"upto": month}))
        .await;
    assert_eq!(s, 200, "{generated}");
    let (s, paid) = fund
        .send("POST", "/api/v1/subsidies/pay", json!({"all": true}))
        .await;
    assert_eq!(s, 200, "{paid}");
    let (s, due) = fund.get("/api/v1/subsidies/due").await;
    assert_eq!(s, 200, "{due}");
    assert_eq!(due["total"], 0, "everything due was paid: {due}");
}
