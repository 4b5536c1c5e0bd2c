//! The demo data `serve --demo` loads is a working year of the programme: the
//! fund audit finds the planted problems, the regular subsidies can be
//! generated and paid from the funds the demo received, and three years of
//! exits, reliefs, removals and relapses show in the lists, the panel and
//! the targets.

use crate::common;

use bangfu_demo as demo;
use bangfu_service::Operator;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_a_working_year_of_assistance() {
    let app = common::spawn().await;
    let accounts = demo::load(&app.services)
        .await
        .expect("demo tree and accounts");
    // The printed passwords pass the password policy and sign in at once,
    // as the README says.
    for a in &accounts {
        let (status, body) = app.login(&a.username, &a.password).await;
        assert_eq!(status, 200, "{}: {body}", a.username);
        assert_eq!(body["must_change_password"], false, "{}", a.username);
    }
    let households = demo::load_households(&app.services, 300, &|_| {})
        .await
        .expect("demo households");
    assert_eq!(households.households, 300);
    let exits = demo::load_exits(&app.services, &|_| {})
        .await
        .expect("demo exits");
    assert!(exits.exits() > 0 && exits.relapses > 0, "{exits:?}");
    let assistance = demo::load_assistance(&app.services, 2, true, &|_| {})
        .await
        .expect("demo assistance");
    assert!(assistance.records > 300, "{assistance:?}");
    let subsidies = demo::load_subsidies(&app.services)
        .await
        .expect("subsidies");
    assert_eq!(subsidies, 6);
    // Loading ends with one run of the fund audit, as the operator.
    let recorded = demo::load_fund_audit(&app.services)
        .await
        .expect("fund audit");
    assert!(recorded > 0, "the first run records the planted problems");
    // The province assesses its counties; every computed item was counted
    // (done never above due) and the demo county's entered items are in.
    let assessment = demo::load_assessment(&app.services, &accounts)
        .await
        .expect("demo assessment");
    assert!(assessment.unions > 1, "{assessment:?}");

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
    let (s, schemes) = auditor.get("/api/v1/assessments").await;
    assert_eq!(s, 200, "{schemes}");
    let (s, report) = auditor
        .get(&format!("/api/v1/assessments/{}", schemes[0]["id"]))
        .await;
    assert_eq!(s, 200, "{report}");
    let target_items: Vec<Value> = report["scheme"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["source"] == "target_progress")
        .map(|i| i["id"].clone())
        .collect();
    for u in report["unions"].as_array().expect("unions") {
        for i in u["items"].as_array().expect("items") {
            if let (Some(n), Some(d)) = (i["numerator"].as_i64(), i["denominator"].as_i64()) {
                // Done is never above due (the target's achieved may be).
                assert!(n >= 0 && d >= 0, "{u}");
                assert!(n <= d || target_items.contains(&i["item_id"]), "{i} in {u}");
            }
        }
        if u["name"] == assessment.county {
            assert_eq!(u["missing"], 0, "{u}");
        }
    }

    // The files on file fall in the decisions the lists and the home page
    // count (under the rule that conditions 2–4 need expenditure), and the
    // counts add up.
    let on_file = auditor.total("/api/v1/households?status=on_file").await;
    let mut by_decision = Vec::new();
    for d in ["eligible", "not_eligible", "insufficient"] {
        by_decision.push(
            auditor
                .total(&format!("/api/v1/households?status=on_file&decision={d}"))
                .await,
        );
    }
    assert!(
        by_decision[0] > 0 && by_decision[1] > 0,
        "{by_decision:?} of {on_file}"
    );
    assert_eq!(by_decision.iter().sum::<i64>(), on_file, "{by_decision:?}");
    // The findings are there before anyone presses 运行 …
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
    assert_eq!(found["total"], recorded, "{found}");
    // … and running again finds the same and records nothing new.
    let (s, run) = auditor
        .send("POST", "/api/v1/fund-audit/run", json!({}))
        .await;
    assert_eq!(s, 200, "{run}");
    assert_eq!(run["added"], 0, "{run}");

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

    // Exits: decided ones, a ready list, relapses flagged, the province
    // panel showing them, the province's own target for this year.
    let province = find("广东省总工会").await;
    let (s, list) = auditor.get("/api/v1/exits?status=approved").await;
    assert_eq!(s, 200, "{list}");
    assert!(list["total"].as_i64().unwrap() > 50, "{list}");
    let ready = auditor.total("/api/v1/exits/ready").await;
    assert_eq!(ready as usize, exits.ready);
    assert!(ready > 0);
    let relapses = auditor.total("/api/v1/exits/relapses").await;
    assert_eq!(relapses as usize, exits.relapses - exits.reopened);
    let today = common::today();
    let (s, panel) = auditor
        .get(&format!("/api/v1/stats/panel?union={root}&as_of={today}"))
        .await;
    assert_eq!(s, 200, "{panel}");
    let total = &panel["total"];
    assert_eq!(total["filed"], 300, "{total}");
    assert!(total["decisions"]["out"].as_i64().unwrap() > 50, "{total}");
    assert_eq!(total["reopened"], exits.reopened, "{total}");
    let trend = panel["trend"].as_array().unwrap();
    let first = trend.first().unwrap()["households"].as_i64().unwrap();
    let last = trend.last().unwrap()["households"].as_i64().unwrap();
    assert!(
        last < first,
        "on file falls over the three years: {first} → {last}"
    );
    let year = chrono::Datelike::year(&today);
    let (s, progress) = auditor
        .get(&format!(
            "/api/v1/targets/progress?union={province}&year={year}"
        ))
        .await;
    assert_eq!(s, 200, "{progress}");
    assert_eq!(progress["share_bp"], 2500, "{progress}");
    assert!(progress["achieved"].as_i64().unwrap() > 0, "{progress}");
    common::assert_tallies_agree(&app).await;
}

/// The demo's people look like families (sex as the ID number says, a
/// spouse of the other sex with a birthday of their own, children years
/// apart), and its applications wait in every step, one approvable today.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_real_looking_families_and_applications_in_every_step() {
    let app = common::spawn().await;
    let accounts = demo::load(&app.services).await.expect("demo tree");
    demo::load_households(&app.services, 120, &|_| {})
        .await
        .expect("demo households");
    let made = demo::load_applications(&app.services, &accounts)
        .await
        .expect("demo applications");
    assert_eq!(
        (
            made.submitted,
            made.reviewed,
            made.notice,
            made.approved,
            made.rejected
        ),
        (1, 1, 3, 1, 1),
        "{made:?}"
    );
    let login = |role: &str| {
        let a = accounts
            .iter()
            .find(|a| a.role == role && a.username != "demo-officer2")
            .unwrap();
        app.api_with(&a.username, &a.password)
    };
    let officer = login("officer").await;
    let (s, list) = officer.get("/api/v1/households?per_page=100").await;
    assert_eq!(s, 200, "{list}");
    let (mut men, mut women, mut spouses) = (0, 0, 0);
    for h in list["items"].as_array().unwrap() {
        let (_, d) = officer
            .get(&format!("/api/v1/households/{}", h["id"]))
            .await;
        let worker_sex = d["household"]["sex"].as_str().unwrap().to_owned();
        match worker_sex.as_str() {
            "male" => men += 1,
            _ => women += 1,
        }
        let worker_born = d["household"]["birth_date"].as_str().unwrap().to_owned();
        let mut children: Vec<String> = Vec::new();
        for m in d["members"].as_array().unwrap() {
            match m["relation"].as_str().unwrap() {
                "spouse" => {
                    spouses += 1;
                    assert_ne!(m["sex"], worker_sex.as_str(), "{d}");
                    assert_ne!(m["birth_date"], worker_born.as_str(), "{d}");
                }
                "child" => children.push(m["birth_date"].as_str().unwrap().to_owned()),
                _ => {}
            }
        }
        children.sort();
        for pair in children.windows(2) {
            let a = chrono::NaiveDate::parse_from_str(&pair[0], "%Y-%m-%d").unwrap();
            let b = chrono::NaiveDate::parse_from_str(&pair[1], "%Y-%m-%d").unwrap();
            assert!((b - a).num_days() >= 365, "children a year apart: {d}");
        }
    }
    assert!(
        men > 0 && women > 0 && spouses > 0,
        "{men} men, {women} women"
    );

    // The application whose notice ends today is approved at once.
    let reviewer = login("reviewer").await;
    let today = common::today().to_string();
    let (s, on_notice) = reviewer.get("/api/v1/applications?status=notice").await;
    assert_eq!(s, 200, "{on_notice}");
    let due = on_notice["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["notice_until"] == today.as_str())
        .unwrap_or_else(|| panic!("one notice ends today: {on_notice}"));
    let (s, approved) = reviewer
        .send(
            "POST",
            &format!("/api/v1/applications/{}/steps", due["id"]),
            json!({ "step": "approve", "version": due["version"], "note": "同意" }),
        )
        .await;
    assert_eq!(s, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
}

/// 部门核对 in the demo: two departments of the officer's district sent a
/// list each (some rows hashed with the administrator's key, some naming
/// nobody); the officer has 核对预警 on the to-do list and open findings,
/// one bill is dismissed, and each department sees only its own batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_department_lists_with_findings_and_warnings() {
    let app = common::spawn().await;
    let accounts = demo::load(&app.services).await.expect("demo tree");
    demo::load_households(&app.services, 120, &|_| {})
        .await
        .expect("demo households");
    demo::load_assistance(&app.services, 1, true, &|_| {})
        .await
        .expect("demo assistance");
    let made = demo::load_verification(&app.services, &accounts)
        .await
        .expect("demo verification");
    assert_eq!((made.batches, made.rows), (2, 8), "{made:?}");
    // A worker and a member died; a large bill; the checked bill.
    assert_eq!((made.findings, made.dismissed), (4, 1), "{made:?}");
    let login = |name: &str| {
        let a = accounts.iter().find(|a| a.username == name).unwrap();
        app.api_with(&a.username, &a.password)
    };
    let officer = login("demo-officer").await;
    let (s, todos) = officer.get("/api/v1/todos?kind=warning").await;
    assert_eq!(s, 200, "{todos}");
    assert_eq!(todos["total"], 3, "{todos}");
    let (s, open) = officer
        .get("/api/v1/verification/findings?status=open")
        .await;
    assert_eq!(s, 200, "{open}");
    let concerns: BTreeSet<&str> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["concern"].as_str().unwrap())
        .collect();
    assert_eq!(
        concerns,
        BTreeSet::from(["worker_died", "member_died", "medical_bill"]),
        "{open}"
    );
    let (_, dismissed) = officer
        .get("/api/v1/verification/findings?status=dismissed")
        .await;
    assert_eq!(dismissed["total"], 1, "{dismissed}");
    for (who, dataset) in [("demo-civil", "death"), ("demo-medical", "medical")] {
        let dept = login(who).await;
        let (s, batches) = dept.get("/api/v1/verification/batches").await;
        assert_eq!(s, 200, "{batches}");
        assert_eq!(batches["total"], 1, "{who}: {batches}");
        assert_eq!(batches["items"][0]["dataset"], dataset, "{batches}");
    }
    // The officer two districts away sees none of it.
    let other = login("demo-officer2").await;
    let (_, none) = other.get("/api/v1/verification/findings").await;
    assert_eq!(none["total"], 0, "{none}");
}
