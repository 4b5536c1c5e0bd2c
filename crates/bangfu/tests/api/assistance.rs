//! Assistance records, regular subsidies and referrals over the JSON API:
//! recording with and without cash, refusals
//! that write nothing, approval above the threshold, reversal, concurrent
//! disbursements from one fund, subsidy batches, and department users.

use crate::common;

use common::{
    assert_error, assistance_history, assistance_records, csrf_of, file_two_households,
    receive_union_funds, today, union_funds, Api, At, TestApp, Tree, PASSWORD,
};

use serde_json::{json, Value};

struct World {
    app: TestApp,
    t: Tree,
    officer: Api,
    reviewer: Api,
    fund: Api,
    h1: i64,
    h2: i64,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("a_reviewer", "reviewer", At::CountyA),
        ("a_fund", "fund_officer", At::CountyA),
    ])
    .await;
    let officer = app.api_as("a_officer").await;
    let (h1, h2) = file_two_households(&officer, t.county_a).await;
    World {
        reviewer: app.api_as("a_reviewer").await,
        fund: app.api_as("a_fund").await,
        officer,
        app,
        t,
        h1,
        h2,
    }
}

/// Puts `fen` into the county's union-funds account.
async fn receive(w: &World, fen: i64) {
    receive_union_funds(&w.fund, w.t.county_a, fen).await;
}

/// (available, disbursed) of the county's union funds.
async fn funds(w: &World) -> (i64, i64) {
    union_funds(&w.fund, w.t.county_a).await
}

fn cash(fen: i64) -> Value {
    json!({ "kind": "living", "cash": fen, "source": "union", "persons": 2, "note": "生活救助" })
}

/// Approves assistance record `id` as `api`, confirming cash that serves
/// no approved measure (the records of these tests serve none).
async fn approve(api: &Api, id: i64) -> (u16, Value) {
    api.send_empty(
        "POST",
        &format!("/api/v1/assistance/{id}/approve?confirm=true"),
    )
    .await
}

/// Approves assistance record `id` as `api` without confirming anything.
async fn approve_unconfirmed(api: &Api, id: i64) -> (u16, Value) {
    api.send_empty("POST", &format!("/api/v1/assistance/{id}/approve"))
        .await
}

/// Refuses assistance record `id` as `api`, giving `reason`.
async fn refuse(api: &Api, id: i64, reason: &str) -> (u16, Value) {
    let path = format!("/api/v1/assistance/{id}/refuse");
    api.send("POST", &path, json!({ "reason": reason })).await
}

/// Reverses assistance record `id` as `api`, giving `reason`.
async fn reverse(api: &Api, id: i64, reason: &str) -> (u16, Value) {
    let path = format!("/api/v1/assistance/{id}/reverse");
    api.send("POST", &path, json!({ "reason": reason })).await
}

async fn record(api: &Api, h: i64, body: Value) -> (u16, Value) {
    api.send("POST", &format!("/api/v1/households/{h}/assistance"), body)
        .await
}

#[tokio::test]
async fn assistance_with_and_without_cash_counts_in_totals() {
    let w = world().await;
    receive(&w, 1_000_000).await;
    // Goods only: no money moves.
    let (s, goods) = record(
        &w.officer,
        w.h1,
        json!({ "kind": "warmth", "goods": "米、油", "goods_value": 30_000, "persons": 3 }),
    )
    .await;
    assert_eq!(s, 201, "{goods}");
    assert_eq!(goods["status"], "given");
    assert!(goods["transfer_id"].is_null());
    assert_eq!(
        goods["given_by_name"].as_str().map(|s| !s.is_empty()),
        Some(true)
    );
    // Cash: paid from the fund in the same request.
    let (s, paid) = record(&w.officer, w.h1, cash(50_000)).await;
    assert_eq!(s, 201, "{paid}");
    assert_eq!(paid["status"], "given");
    assert!(paid["transfer_id"].as_i64().is_some(), "{paid}");
    assert_eq!(paid["union_id"], w.t.county_a);
    assert_eq!(funds(&w).await, (950_000, 50_000));
    // Education aid with school and stage.
    let (s, edu) = record(
        &w.officer,
        w.h1,
        json!({ "kind": "education", "cash": 20_000, "source": "union", "school": "广州市第一中学", "stage": "senior" }),
    )
    .await;
    assert_eq!(s, 201, "{edu}");
    assert_eq!(edu["stage"], "senior");
    let h = assistance_history(&w.officer, w.h1).await;
    assert_eq!(h["records"].as_array().unwrap().len(), 3);
    assert_eq!(h["totals"]["cash"], 70_000);
    assert_eq!(h["totals"]["goods_value"], 30_000);
    assert_eq!(h["totals"]["household_times"], 3);
    assert_eq!(h["totals"]["person_times"], 3 + 2 + 1);
    let kinds: Vec<&str> = h["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["education", "living", "warmth"]);
    // The list in scope, filtered.
    let (s, list) = w.officer.get("/api/v1/assistance?kind=living").await;
    assert_eq!(s, 200);
    assert_eq!(list["total"], 1);
    let (_, list) = w.officer.get("/api/v1/assistance?q=王建").await;
    assert_eq!(list["total"], 3);
    let (_, list) = w.officer.get("/api/v1/assistance?q=李秀").await;
    assert_eq!(list["total"], 0);
    // Another county's officer sees none of it.
    w.app.user("b_officer", "officer", w.t.county_b).await;
    let b = w.app.api_as("b_officer").await;
    assert_eq!(b.total("/api/v1/assistance").await, 0);
    let (s, _) = b
        .get(&format!("/api/v1/households/{}/assistance", w.h1))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_fund_that_cannot_cover_the_cash_refuses_and_writes_nothing() {
    let w = world().await;
    receive(&w, 10_000).await;
    let got = record(&w.officer, w.h1, cash(20_000)).await;
    assert_error("insufficient", &got, 422, "rule_violation", None);
    let msg = got.1["error"]["message"].as_str().unwrap();
    assert!(msg.contains("余额不足"), "{msg}");
    assert!(assistance_records(&w.officer, w.h1).await.is_empty());
    assert_eq!(funds(&w).await, (10_000, 0));
    // No fund at all for another source.
    let got = record(
        &w.officer,
        w.h1,
        json!({ "kind": "living", "cash": 100, "source": "donation" }),
    )
    .await;
    assert_error("empty source", &got, 422, "rule_violation", None);
    assert!(assistance_records(&w.officer, w.h1).await.is_empty());
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_error_and_nothing_written() {
    let w = world().await;
    receive(&w, 1_000_000).await;
    // A measure of the second household.
    let measure = w
        .app
        .seed_plans(
            w.t.county_a,
            vec![(
                w.h2,
                2026,
                "approved",
                vec![("employment", "技能培训".into(), "planned")],
            )],
        )
        .await[0];
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let cases: Vec<(&str, Value, u16, &str, Option<&str>)> = vec![
        (
            "negative cash",
            cash(-100),
            400,
            "invalid_input",
            Some("cash"),
        ),
        (
            "negative goods",
            json!({ "kind": "warmth", "goods": "米", "goods_value": -1 }),
            400,
            "invalid_input",
            Some("goods_value"),
        ),
        (
            "no persons",
            json!({ "kind": "warmth", "persons": 0 }),
            400,
            "invalid_input",
            Some("persons"),
        ),
        (
            "future date",
            json!({ "kind": "warmth", "given_on": tomorrow }),
            400,
            "invalid_input",
            Some("given_on"),
        ),
        (
            "bad date",
            json!({ "kind": "warmth", "given_on": "2026-02-30" }),
            400,
            "invalid_input",
            Some("given_on"),
        ),
        (
            "unknown kind",
            json!({ "kind": "lottery" }),
            400,
            "invalid_input",
            Some("kind"),
        ),
        (
            "cash without source",
            json!({ "kind": "living", "cash": 100 }),
            400,
            "invalid_input",
            Some("source"),
        ),
        (
            "education without school",
            json!({ "kind": "education", "stage": "senior" }),
            400,
            "invalid_input",
            Some("school"),
        ),
        (
            "education without stage",
            json!({ "kind": "education", "school": "某小学" }),
            400,
            "invalid_input",
            Some("stage"),
        ),
        (
            "education bad stage",
            json!({ "kind": "education", "school": "某小学", "stage": "kindergarten" }),
            400,
            "invalid_input",
            Some("stage"),
        ),
        (
            "measure of another household",
            json!({ "kind": "training", "measure_id": measure }),
            400,
            "invalid_input",
            Some("measure_id"),
        ),
        (
            "missing measure",
            json!({ "kind": "training", "measure_id": 999_999 }),
            400,
            "invalid_input",
            Some("measure_id"),
        ),
        (
            "paying union outside the chain",
            json!({ "kind": "warmth", "union_id": w.t.county_b }),
            400,
            "invalid_input",
            Some("union_id"),
        ),
    ];
    for (what, body, status, code, field) in cases {
        let got = record(&w.officer, w.h1, body).await;
        assert_error(what, &got, status, code, field);
    }
    // Fractional fen is not an integer: refused by the JSON parser.
    let got = record(
        &w.officer,
        w.h1,
        json!({ "kind": "living", "cash": 10.5, "source": "union" }),
    )
    .await;
    assert_eq!(got.0, 400, "fractional fen: {}", got.1);
    assert_eq!(got.1["error"]["code"], "invalid_input");
    assert!(assistance_records(&w.officer, w.h1).await.is_empty());
    assert_eq!(funds(&w).await, (1_000_000, 0));
    // The measure of the household itself is fine.
    let (s, ok) = record(
        &w.officer,
        w.h2,
        json!({ "kind": "training", "measure_id": measure }),
    )
    .await;
    assert_eq!(s, 201, "{ok}");
    assert_eq!(ok["measure_id"], measure);
    // A closed file gets nothing more.
    w.app.close_household(w.h1).await;
    let got = record(&w.officer, w.h1, cash(100)).await;
    assert_error("closed", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("档案已关闭"));
    assert!(assistance_records(&w.officer, w.h1).await.is_empty());
    assert_eq!(funds(&w).await, (1_000_000, 0));
    // Readers may not record.
    let got = record(&w.reviewer, w.h2, json!({ "kind": "warmth" })).await;
    assert_error("reviewer records", &got, 403, "forbidden", None);
}

#[tokio::test]
async fn cash_above_the_threshold_waits_for_a_reviewer() {
    let w = world().await;
    receive(&w, 1_000_000).await;
    let (s, big) = record(&w.officer, w.h1, cash(300_000)).await;
    assert_eq!(s, 201, "{big}");
    assert_eq!(big["status"], "pending");
    assert!(big["transfer_id"].is_null());
    assert_eq!(funds(&w).await, (1_000_000, 0));
    let pending = w.reviewer.ids("/api/v1/assistance?status=pending").await;
    assert_eq!(pending, vec![big["id"].as_i64().unwrap()]);
    // The officer cannot approve; the reviewer can, and the money moves.
    let id = big["id"].as_i64().unwrap();
    let got = approve(&w.officer, id).await;
    assert_error("officer approves", &got, 403, "forbidden", None);
    // It serves no measure: the reviewer is told so first, and nothing moves.
    let got = approve_unconfirmed(&w.reviewer, id).await;
    assert_error("unconfirmed", &got, 409, "conflict", Some("confirm"));
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("没有关联帮扶措施"),
        "{}",
        got.1
    );
    assert_eq!(funds(&w).await, (1_000_000, 0));
    let (s, ok) = approve(&w.reviewer, id).await;
    assert_eq!(s, 200, "{ok}");
    assert_eq!(ok["status"], "given");
    assert!(ok["transfer_id"].as_i64().is_some());
    assert_eq!(funds(&w).await, (700_000, 300_000));
    let got = approve(&w.reviewer, id).await;
    assert_error("approve twice", &got, 422, "rule_violation", None);
    assert_eq!(funds(&w).await, (700_000, 300_000));
    // Refused: nothing is paid, and the reason is kept.
    let (_, other) = record(&w.officer, w.h2, cash(250_000)).await;
    let id2 = other["id"].as_i64().unwrap();
    let got = refuse(&w.reviewer, id2, "").await;
    assert_error(
        "refuse without reason",
        &got,
        400,
        "invalid_input",
        Some("reason"),
    );
    let (s, refused) = refuse(&w.reviewer, id2, "超出本年度救助标准").await;
    assert_eq!(s, 200, "{refused}");
    assert_eq!(refused["status"], "refused");
    assert!(refused["note"]
        .as_str()
        .unwrap()
        .contains("超出本年度救助标准"));
    let got = approve(&w.reviewer, id2).await;
    assert_error("approve refused", &got, 422, "rule_violation", None);
    assert_eq!(funds(&w).await, (700_000, 300_000));
    let h = assistance_history(&w.officer, w.h2).await;
    assert_eq!(h["totals"]["household_times"], 0);
    assert_eq!(h["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn cash_serving_an_approved_measure_is_approved_without_a_warning() {
    let w = world().await;
    receive(&w, 1_000_000).await;
    let year = chrono::Datelike::year(&today());
    // A plan with one measure, submitted but not yet approved.
    let (s, plan) = w
        .officer
        .send(
            "PUT",
            &format!("/api/v1/households/{}/plans/{year}", w.h1),
            json!({ "goal": "relief", "summary": "兜底保障，临时救助" }),
        )
        .await;
    assert_eq!(s, 200, "{plan}");
    let pid = plan["id"].as_i64().unwrap();
    let (s, m) = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/plans/{pid}/measures"),
            json!({ "track": "medical", "content": "临时救助", "due_on": format!("{year}-12-31") }),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let (s, _) = w
        .officer
        .send_empty("POST", &format!("/api/v1/plans/{pid}/submit"))
        .await;
    assert_eq!(s, 200);
    let mut body = cash(300_000);
    body["measure_id"] = m["id"].clone();
    let (_, rec) = record(&w.officer, w.h1, body).await;
    let id = rec["id"].as_i64().unwrap();
    // The plan is not approved yet: a warning naming that.
    let got = approve_unconfirmed(&w.reviewer, id).await;
    assert_error("plan not approved", &got, 409, "conflict", Some("confirm"));
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("尚未审定"),
        "{}",
        got.1
    );
    // The page asks too, naming the reason, and pays nothing until confirmed.
    let (reviewer, _) = w.app.html_login("a_reviewer", PASSWORD).await;
    let csrf = csrf_of(&w.app, &reviewer).await;
    let path = format!("/assistance/{id}/approve");
    let (s, html) = w
        .app
        .post_form(&reviewer, &path, &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("approve-confirm-form") && html.contains("尚未审定"),
        "{html}"
    );
    assert!(html.contains("3,000.00"), "money grouped: {html}");
    assert_eq!(funds(&w).await, (1_000_000, 0));
    // Once the plan is approved, the same record is approved at once.
    let (s, _) = w
        .reviewer
        .send_empty("POST", &format!("/api/v1/plans/{pid}/approve"))
        .await;
    assert_eq!(s, 200);
    let (s, ok) = approve_unconfirmed(&w.reviewer, id).await;
    assert_eq!(s, 200, "{ok}");
    assert_eq!(ok["status"], "given");
    assert_eq!(funds(&w).await, (700_000, 300_000));
}

#[tokio::test]
async fn a_reversal_restores_the_balance_and_cannot_be_repeated() {
    let w = world().await;
    receive(&w, 100_000).await;
    let (_, rec) = record(&w.officer, w.h1, cash(60_000)).await;
    let id = rec["id"].as_i64().unwrap();
    assert_eq!(funds(&w).await, (40_000, 60_000));
    let got = reverse(&w.officer, id, "重复录入").await;
    assert_error("officer reverses", &got, 403, "forbidden", None);
    let (s, rev) = reverse(&w.fund, id, "重复录入").await;
    assert_eq!(s, 200, "{rev}");
    assert_eq!(rev["status"], "reversed");
    assert_eq!(funds(&w).await.0, 100_000);
    let got = reverse(&w.reviewer, id, "再次冲销").await;
    assert_error("reverse twice", &got, 422, "rule_violation", None);
    assert_eq!(funds(&w).await.0, 100_000);
    // The record stays, and no longer counts.
    let h = assistance_history(&w.officer, w.h1).await;
    assert_eq!(h["records"].as_array().unwrap().len(), 1);
    assert_eq!(h["totals"]["cash"], 0);
    assert_eq!(h["totals"]["household_times"], 0);
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test]
async fn concurrent_cash_records_never_overdraw_the_fund() {
    let w = world().await;
    receive(&w, 100_000).await;
    let mut handles = Vec::new();
    for _ in 0..20 {
        let api = Api {
            base: w.officer.base.clone(),
            client: reqwest::Client::new(),
            token: w.officer.token.clone(),
        };
        let h = w.h1;
        handles.push(tokio::spawn(
            async move { record(&api, h, cash(15_000)).await },
        ));
    }
    let mut ok = 0_i64;
    for h in handles {
        let (s, body) = h.await.expect("task");
        match s {
            201 => ok += 1,
            422 => assert_eq!(body["error"]["code"], "rule_violation", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok, 6, "100 000 fen covers six payments of 15 000");
    let (available, disbursed) = funds(&w).await;
    assert!(available >= 0);
    assert_eq!(disbursed, ok * 15_000);
    assert_eq!(available, 100_000 - ok * 15_000);
    let h = assistance_history(&w.officer, w.h1).await;
    let records = h["records"].as_array().unwrap();
    assert_eq!(records.len() as i64, ok);
    assert!(records
        .iter()
        .all(|r| r["status"] == "given" && r["transfer_id"].as_i64().is_some()));
}

/// Pays due subsidy payments as `api`: `{"all": true}` or `{"payment_ids": […]}`.
async fn pay(api: &Api, which: Value) -> (u16, Value) {
    api.send("POST", "/api/v1/subsidies/pay", which).await
}

fn month_of(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

#[tokio::test]
async fn subsidies_generate_once_pay_in_a_batch_and_stop() {
    let w = world().await;
    let now = today();
    let this_month = month_of(now);
    let start = month_of(now.checked_sub_months(chrono::Months::new(2)).unwrap());
    // The officer grants a regular subsidy from the union funds.
    let subsidy = |household_id: i64, amount: i64, period: &str, start_month: &str| {
        let body = json!({ "household_id": household_id, "amount": amount, "period": period,
                           "start_month": start_month, "source": "union" });
        w.officer.send("POST", "/api/v1/subsidies", body)
    };
    let (s, sub) = subsidy(w.h1, 30_000, "monthly", &start).await;
    assert_eq!(s, 201, "{sub}");
    assert_eq!(sub["status"], "active");
    let got = subsidy(w.h2, 0, "monthly", &start).await;
    assert_error("zero amount", &got, 400, "invalid_input", Some("amount"));
    // The fund officer generates the county's payments due up to this month.
    let generate = || {
        let gen = json!({ "union_id": w.t.county_a, "upto": this_month });
        w.fund.send("POST", "/api/v1/subsidies/generate", gen)
    };
    let (s, g) = generate().await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["created"], 3);
    let (_, g) = generate().await;
    assert_eq!(g["created"], 0, "generating twice adds nothing");
    let (_, due) = w.fund.get("/api/v1/subsidies/due").await;
    assert_eq!(due["total"], 3);
    assert_eq!(due["amount"], 90_000);
    // Not enough money: nothing paid, the message says how much is missing.
    receive(&w, 50_000).await;
    let got = pay(&w.fund, json!({ "all": true })).await;
    assert_error("short batch", &got, 422, "rule_violation", None);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("还差 400.00 元"),
        "{}",
        got.1
    );
    assert_eq!(w.fund.get("/api/v1/subsidies/due").await.1["total"], 3);
    assert!(assistance_records(&w.officer, w.h1).await.is_empty());
    assert_eq!(funds(&w).await, (50_000, 0));
    // The officer may not pay.
    let got = pay(&w.officer, json!({ "all": true })).await;
    assert_error("officer pays", &got, 403, "forbidden", None);
    // Selected ones, then the rest.
    let first = due["items"][0]["id"].as_i64().unwrap();
    let (s, paid) = pay(&w.fund, json!({ "payment_ids": [first] })).await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["paid"], 1);
    receive(&w, 100_000).await;
    let (s, paid) = pay(&w.fund, json!({ "all": true })).await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["paid"], 2);
    assert_eq!(paid["amount"], 60_000);
    assert_eq!(funds(&w).await, (60_000, 90_000));
    let got = pay(&w.fund, json!({ "payment_ids": [first] })).await;
    assert_error("pay twice", &got, 422, "rule_violation", None);
    let h = assistance_history(&w.officer, w.h1).await;
    let records = h["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    assert!(records
        .iter()
        .all(|r| r["kind"] == "warmth" && r["status"] == "given" && r["subsidy_id"] == sub["id"]));
    assert_eq!(h["totals"]["cash"], 90_000);
    // Stopped: nothing more is generated.
    let id = sub["id"].as_i64().unwrap();
    let (s, stopped) = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/subsidies/{id}/stop"),
            json!({ "reason": "家庭已脱困" }),
        )
        .await;
    assert_eq!(s, 200, "{stopped}");
    assert_eq!(stopped["status"], "stopped");
    let (_, g) = generate().await;
    assert_eq!(g["created"], 0);
    // A quarterly subsidy of a file that then closes: its due payment is cancelled.
    let (_, q) = subsidy(w.h2, 10_000, "quarterly", &this_month).await;
    assert_eq!(q["period"], "quarterly");
    let (_, g) = generate().await;
    assert_eq!(g["created"], 1);
    w.app.close_household(w.h2).await;
    let (_, g) = generate().await;
    assert_eq!(g["created"], 0);
    assert_eq!(g["cancelled"], 1);
    assert_eq!(w.fund.get("/api/v1/subsidies/due").await.1["total"], 0);
    let got = w
        .fund
        .send(
            "POST",
            "/api/v1/subsidies/generate",
            json!({ "upto": "2999-01" }),
        )
        .await;
    assert_error("future month", &got, 400, "invalid_input", Some("upto"));
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test]
async fn referrals_reach_only_their_department_and_a_grant_counts_as_a_policy() {
    let w = world().await;
    w.app.user("city_admin", "admin", w.t.city).await;
    let admin = w.app.api_as("city_admin").await;
    // A department user needs a department.
    let got = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "minzheng0", "display_name": "民政科", "union_id": w.t.county_a, "roles": ["department"], "password": PASSWORD }),
        )
        .await;
    assert_error(
        "no department",
        &got,
        400,
        "invalid_input",
        Some("department"),
    );
    let (s, u) = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "minzheng", "display_name": "民政科", "union_id": w.t.county_a, "roles": ["department"], "department": "civil_affairs", "password": PASSWORD }),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["user"]["department"], "civil_affairs");
    let first = w.app.api_as("minzheng").await;
    let new_password = "Dept-Pass-2026!";
    let (s, body) = first
        .send(
            "POST",
            "/api/v1/auth/password",
            json!({ "current_password": PASSWORD, "new_password": new_password }),
        )
        .await;
    assert!(s == 200 || s == 204, "change password: {s} {body}");
    let dept = w.app.api_with("minzheng", new_password).await;

    let deadline = (today() + chrono::Duration::days(30)).to_string();
    let send = |h: i64, department: &str, deadline: &str| json!({ "household_id": h, "department": department, "need": "申请低保", "policy": "最低生活保障", "deadline": deadline });
    let got = w
        .officer
        .send(
            "POST",
            "/api/v1/referrals",
            send(w.h1, "civil_affairs", "2020-01-01"),
        )
        .await;
    assert_error(
        "past deadline",
        &got,
        400,
        "invalid_input",
        Some("deadline"),
    );
    let got = w
        .officer
        .send(
            "POST",
            "/api/v1/referrals",
            send(w.h1, "tax_office", &deadline),
        )
        .await;
    assert_error(
        "unknown department",
        &got,
        400,
        "invalid_input",
        Some("department"),
    );
    let (s, mine) = w
        .officer
        .send(
            "POST",
            "/api/v1/referrals",
            send(w.h1, "civil_affairs", &deadline),
        )
        .await;
    assert_eq!(s, 201, "{mine}");
    assert_eq!(mine["status"], "sent");
    assert_eq!(mine["overdue"], false);
    let (s, other) = w
        .officer
        .send("POST", "/api/v1/referrals", send(w.h2, "hrss", &deadline))
        .await;
    assert_eq!(s, 201, "{other}");
    // The department user sees only their department's referral…
    assert_eq!(
        dept.ids("/api/v1/referrals").await,
        vec![mine["id"].as_i64().unwrap()]
    );
    assert_eq!(dept.total("/api/v1/referrals?department=hrss").await, 0);
    let (s, _) = dept
        .get(&format!("/api/v1/referrals/{}", other["id"]))
        .await;
    assert_eq!(s, 404);
    // …and nothing else.
    for path in [
        "/api/v1/households".to_owned(),
        format!("/api/v1/households/{}", w.h1),
        format!("/api/v1/households/{}/assistance", w.h1),
        "/api/v1/assistance".to_owned(),
        "/api/v1/subsidies".to_owned(),
    ] {
        let (s, body) = dept.get(&path).await;
        assert!(s == 403 || s == 404, "{path}: {s} {body}");
    }
    let got = dept
        .send(
            "POST",
            &format!("/api/v1/referrals/{}/answer", other["id"]),
            json!({ "granted": true }),
        )
        .await;
    assert_eq!(got.0, 404, "another department's referral: {}", got.1);
    let got = dept
        .send(
            "POST",
            "/api/v1/referrals",
            send(w.h1, "civil_affairs", &deadline),
        )
        .await;
    assert_eq!(got.0, 403, "a department user does not send: {}", got.1);
    // Granted by the department: a policy record for the household.
    let (s, ans) = dept
        .send(
            "POST",
            &format!("/api/v1/referrals/{}/answer", mine["id"]),
            json!({ "granted": true, "answer": "已纳入低保", "version": mine["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{ans}");
    assert_eq!(ans["status"], "granted");
    assert!(ans["assistance_id"].as_i64().is_some());
    let got = dept
        .send(
            "POST",
            &format!("/api/v1/referrals/{}/answer", mine["id"]),
            json!({ "granted": false, "answer": "改为不予落实" }),
        )
        .await;
    assert_error("answer twice", &got, 422, "rule_violation", None);
    let h = assistance_history(&w.officer, w.h1).await;
    let policy = h["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "policy")
        .cloned()
        .expect("policy totals");
    assert_eq!(policy["totals"]["household_times"], 1);
    assert_eq!(h["records"][0]["referral_id"], mine["id"]);
    assert_eq!(h["records"][0]["cash"], 0);
    // Refused by the officer, with the reason.
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/referrals/{}/answer", other["id"]),
            json!({ "granted": false }),
        )
        .await;
    assert_error(
        "refused without reason",
        &got,
        400,
        "invalid_input",
        Some("answer"),
    );
    let (s, refused) = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/referrals/{}/answer", other["id"]),
            json!({ "granted": false, "answer": "不符合条件" }),
        )
        .await;
    assert_eq!(s, 200, "{refused}");
    assert_eq!(refused["status"], "refused");
    assert_eq!(
        assistance_history(&w.officer, w.h2).await["totals"]["household_times"],
        0
    );
}

#[tokio::test]
async fn pages_record_list_export_and_approve_in_the_browser() {
    let w = world().await;
    receive(&w, 100_000).await;
    let (officer, _) = w.app.html_login("a_officer", PASSWORD).await;
    let path = format!("/households/{}/assistance", w.h1);
    let (s, html) = w.app.page(&officer, &path).await;
    assert_eq!(s, 200, "{html}");
    let form = common::form_html(&html, "assistance-form").expect("record form");
    let csrf = common::input_value(form, "csrf").expect("csrf");
    // Living assistance of `cash` yuan for two from the union funds, through the page.
    let living = |cash: &'static str| {
        let (app, officer, path, csrf) = (&w.app, &officer, &path, &csrf);
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("kind", "living"),
                ("cash", cash),
                ("source", "union"),
                ("persons", "2"),
            ];
            app.post_form(officer, path, &fields).await
        }
    };
    // A bad amount is shown on the form, nothing written.
    let (s, body) = living("12.345").await;
    assert_eq!(s, 400);
    assert!(body.contains("assistance-form"));
    let (s, _) = living("123.45").await;
    assert_eq!(s, 303);
    let (_, html) = w
        .app
        .page(&officer, &format!("{path}?notice=recorded"))
        .await;
    assert!(html.contains("123.45"), "recorded cash shown");
    assert_eq!(funds(&w).await.1, 12_345);
    for p in [
        "/assistance",
        "/assistance?status=given&kind=living",
        "/subsidies",
        "/referrals",
    ] {
        let (s, body) = w.app.page(&officer, p).await;
        assert_eq!(s, 200, "{p}: {body}");
    }
    let (s, _) = w
        .app
        .page(&officer, &format!("/households/{}/referrals", w.h1))
        .await;
    assert_eq!(s, 200);
    w.app.assert_xlsx(&officer, "/assistance/export.xlsx").await;
    // The reviewer sees the pending list and approves from it.
    let (_, big) = record(&w.officer, w.h1, cash(250_000)).await;
    receive(&w, 300_000).await;
    let (reviewer, _) = w.app.html_login("a_reviewer", PASSWORD).await;
    let (_, html) = w.app.page(&reviewer, "/assistance").await;
    assert!(html.contains(&format!("/assistance/{}/approve", big["id"])));
    let csrf = csrf_of(&w.app, &reviewer).await;
    let approve = format!("/assistance/{}/approve", big["id"]);
    // No measure: the page asks first, naming the reason; nothing is paid.
    let (s, html) = w
        .app
        .post_form(&reviewer, &approve, &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("没有关联帮扶措施"), "{html}");
    let (_, got) = w
        .officer
        .get(&format!("/api/v1/assistance/{}", big["id"]))
        .await;
    assert_eq!(got["status"], "pending");
    let (s, _) = w
        .app
        .post_form(
            &reviewer,
            &approve,
            &[("csrf", csrf.as_str()), ("confirm", "1")],
        )
        .await;
    assert_eq!(s, 303);
    let (_, got) = w
        .officer
        .get(&format!("/api/v1/assistance/{}", big["id"]))
        .await;
    assert_eq!(got["status"], "given");
}

#[tokio::test]
async fn the_openapi_document_lists_the_assistance_paths() {
    let app = common::spawn().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    for (p, m) in [
        ("/api/v1/households/{id}/assistance", "get"),
        ("/api/v1/households/{id}/assistance", "post"),
        ("/api/v1/assistance", "get"),
        ("/api/v1/assistance/{id}/approve", "post"),
        ("/api/v1/assistance/{id}/refuse", "post"),
        ("/api/v1/assistance/{id}/reverse", "post"),
        ("/api/v1/subsidies", "get"),
        ("/api/v1/subsidies", "post"),
        ("/api/v1/subsidies/{id}/stop", "post"),
        ("/api/v1/subsidies/generate", "post"),
        ("/api/v1/subsidies/due", "get"),
        ("/api/v1/subsidies/pay", "post"),
        ("/api/v1/referrals", "get"),
        ("/api/v1/referrals", "post"),
        ("/api/v1/referrals/{id}/answer", "post"),
    ] {
        assert!(paths.get(p).and_then(|o| o.get(m)).is_some(), "{m} {p}");
    }
    assert!(doc["components"]["schemas"]["AssistanceRequest"].is_object());
}

#[tokio::test]
async fn the_command_line_cannot_make_a_department_user_without_a_department() {
    let app = common::spawn().await;
    let make = |department: Option<&'static str>| {
        let services = app.services.clone();
        async move {
            services
                .operator_create_user_in(
                    bangfu_service::Operator,
                    "dept-cli",
                    None,
                    &["department".to_owned()],
                    None,
                    common::PASSWORD,
                    department,
                    bangfu_service::FirstLogin::KeepPassword,
                )
                .await
        }
    };
    let missing = make(None).await.unwrap_err();
    assert_eq!(missing.field(), Some("department"), "{missing}");
    let unknown = make(Some("tax")).await.unwrap_err();
    assert_eq!(unknown.field(), Some("department"), "{unknown}");
    let made = make(Some("civil_affairs"))
        .await
        .expect("a department user");
    assert_eq!(made.department.as_deref(), Some("civil_affairs"));
}
