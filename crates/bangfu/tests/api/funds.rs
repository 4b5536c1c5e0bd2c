//! Funds (帮扶资金) over HTTP: receipts, allocations to a
//! child that sees the money arrive, refusals that write nothing, reversals,
//! statements and their Excel export, scope and permissions.

use crate::common;

use common::{
    assert_error, form_action, form_html, input_value, today, Api, At, TestApp, Tree, PASSWORD,
};

use calamine::{Data, Reader, Xlsx};
use serde_json::{json, Value};
use std::io::Cursor;

/// A date `days` from today (China Standard Time), `YYYY-MM-DD`.
fn day(days: i64) -> String {
    (today() + chrono::Duration::days(days)).to_string()
}

struct World {
    app: TestApp,
    t: Tree,
    /// Fund officers of the city and of the two counties.
    city: Api,
    a: Api,
    b: Api,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("fund_city", "fund_officer", At::City),
        ("fund_a", "fund_officer", At::CountyA),
        ("fund_b", "fund_officer", At::CountyB),
    ])
    .await;
    let [city, a, b] = app.apis(["fund_city", "fund_a", "fund_b"]).await;
    World { app, t, city, a, b }
}

async fn receive(
    api: &Api,
    union_id: i64,
    source: &str,
    amount: i64,
    on_date: &str,
) -> (u16, Value) {
    api.send(
        "POST",
        "/api/v1/funds/receipts",
        json!({ "union_id": union_id, "source": source, "amount": amount, "on_date": on_date,
                "payer": "广东省总工会", "memo": "2026 年送温暖资金" }),
    )
    .await
}

async fn allocate(api: &Api, from: i64, to: i64, source: &str, amount: i64) -> (u16, Value) {
    api.send(
        "POST",
        "/api/v1/funds/allocations",
        json!({ "from_union_id": from, "to_union_id": to, "source": source, "amount": amount, "memo": "下拨" }),
    )
    .await
}

async fn funds(api: &Api, union_id: i64) -> Value {
    let (s, body) = api
        .get(&format!("/api/v1/funds/accounts?union_id={union_id}"))
        .await;
    assert_eq!(s, 200, "funds of {union_id}: {body}");
    body
}

/// The figure `field` of `source` in a funds answer.
fn figure(funds: &Value, source: &str, field: &str) -> i64 {
    funds["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("source {source} in {funds}"))[field]
        .as_i64()
        .unwrap()
}

fn fund_account(funds: &Value, source: &str) -> i64 {
    funds["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap()["fund_account_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("fund account of {source} in {funds}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_then_allocation_and_the_child_sees_it_arrive() {
    let w = world().await;
    let t = &w.t;
    let (s, r) = receive(&w.city, t.city, "union", 1_000_000, &day(-10)).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["kind"], "receipt");
    assert_eq!(r["amount"], 1_000_000);
    assert_eq!(r["on_date"], day(-10));
    assert!(r["memo"].as_str().unwrap().contains("广东省总工会"), "{r}");
    // The Chinese label is accepted for the source too.
    let (s, r2) = receive(&w.city, t.city, "社会捐助", 20_000, "").await;
    assert_eq!(s, 201, "{r2}");
    assert_eq!(r2["source"], "donation");
    assert_eq!(r2["on_date"], day(0), "a blank date is today");

    let (s, alloc) = allocate(&w.city, t.city, t.county_a, "union", 300_000).await;
    assert_eq!(s, 201, "{alloc}");
    assert_eq!(alloc["kind"], "allocation");
    assert_eq!(alloc["to_union_id"], t.county_a);
    assert_eq!(alloc["to_union_name"], "荔湾区总工会");

    let city = funds(&w.city, t.city).await;
    assert_eq!(figure(&city, "union", "raised"), 1_000_000);
    assert_eq!(figure(&city, "union", "allocated_out"), 300_000);
    assert_eq!(figure(&city, "union", "available"), 700_000);
    assert_eq!(figure(&city, "donation", "available"), 20_000);
    assert_eq!(city["total"]["available"], 720_000);
    assert_eq!(city["total"]["raised"], 1_020_000);
    let children: Vec<i64> = city["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(children, vec![t.county_a, t.county_b]);
    // The fund account's balance is what the ledger says.
    let fund = city["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "fund" && a["source"] == "union")
        .unwrap();
    assert_eq!(fund["balance"], 700_000);
    let income = city["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "income" && a["source"] == "union")
        .unwrap();
    assert_eq!(income["balance"], -1_000_000);

    // The county's officer sees the money arrive (own union by default).
    let (s, mine) = w.a.get("/api/v1/funds/accounts").await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["union_id"], t.county_a);
    assert_eq!(figure(&mine, "union", "allocated_in"), 300_000);
    assert_eq!(figure(&mine, "union", "available"), 300_000);
    assert_eq!(figure(&mine, "union", "raised"), 0);
    let incoming = mine["incoming"].as_array().unwrap();
    assert_eq!(incoming.len(), 1, "{mine}");
    assert_eq!(incoming[0]["union_name"], "广州市总工会");
    assert_eq!(incoming[0]["amount"], 300_000);
    // ... can open it, but not reverse it (it is the city's transfer).
    let id = alloc["id"].as_i64().unwrap();
    let (s, d) = w.a.get(&format!("/api/v1/funds/transfers/{id}")).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["can_reverse"], false);
    let legs = d["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(
        legs.iter()
            .map(|l| l["amount"].as_i64().unwrap())
            .sum::<i64>(),
        0
    );
    let (s, _) =
        w.a.send(
            "POST",
            &format!("/api/v1/funds/transfers/{id}/reverse"),
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(s, 404);
    // The incoming list also answers through the transfer list.
    assert_eq!(
        w.a.total(&format!(
            "/api/v1/funds/transfers?to_union_id={}",
            t.county_a
        ))
        .await,
        1
    );
    assert_eq!(
        w.a.total("/api/v1/funds/transfers").await,
        0,
        "the county made no transfer"
    );
    assert_eq!(w.city.total("/api/v1/funds/transfers").await, 3);
    assert_eq!(
        w.city
            .total("/api/v1/funds/transfers?kind=allocation")
            .await,
        1
    );
    assert_eq!(
        w.city
            .total("/api/v1/funds/transfers?source=donation")
            .await,
        1
    );
    assert_eq!(
        w.city
            .total(&format!(
                "/api/v1/funds/transfers?from={}&until={}",
                day(-10),
                day(-10)
            ))
            .await,
        1
    );

    // Every write is audited.
    w.app.user("audit_city", "auditor", t.city).await;
    let auditor = w.app.api_as("audit_city").await;
    let (s, log) = auditor.get("/api/v1/audit?action=receive_funds").await;
    assert_eq!(s, 200, "{log}");
    assert_eq!(log["total"], 2, "{log}");
    assert_eq!(log["items"][0]["object_kind"], "transfer");
    assert_eq!(
        auditor.total("/api/v1/audit?action=allocate_funds").await,
        1
    );

    // The API document lists the funds endpoints.
    let (_, doc) = w.city.get("/api/v1/openapi.json").await;
    for p in [
        "/api/v1/funds/accounts",
        "/api/v1/funds/receipts",
        "/api/v1/funds/allocations",
        "/api/v1/funds/transfers",
        "/api/v1/funds/transfers/{id}",
        "/api/v1/funds/transfers/{id}/reverse",
        "/api/v1/funds/accounts/{id}/statement",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} in the OpenAPI document");
    }

    // The county's funds page shows the arrival.
    let (client, _) = w.app.html_login("fund_a", PASSWORD).await;
    let (s, html) = w.app.page(&client, "/funds").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("上级下拨到账") && html.contains("广州市总工会") && html.contains("3,000.00"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allocation_beyond_the_balance_is_refused_and_writes_nothing() {
    let w = world().await;
    let t = &w.t;
    assert_eq!(
        receive(&w.city, t.city, "union", 50_000, &day(-1)).await.0,
        201
    );
    let got = allocate(&w.city, t.city, t.county_a, "union", 50_001).await;
    assert_error("over the balance", &got, 422, "rule_violation", None);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("余额不足"),
        "{}",
        got.1
    );
    // Nothing of this source was ever received: refused too.
    let got = allocate(&w.city, t.city, t.county_a, "finance", 1).await;
    assert_error("no money of the source", &got, 422, "rule_violation", None);
    assert_eq!(w.city.total("/api/v1/funds/transfers").await, 1);
    let child = funds(&w.a, t.county_a).await;
    assert!(
        child["accounts"].as_array().unwrap().is_empty(),
        "no account was left behind: {child}"
    );
    assert_eq!(
        figure(&funds(&w.city, t.city).await, "union", "available"),
        50_000
    );
    // The whole balance may go.
    assert_eq!(
        allocate(&w.city, t.city, t.county_a, "union", 50_000)
            .await
            .0,
        201
    );
    assert_eq!(
        figure(&funds(&w.city, t.city).await, "union", "available"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_naming_the_field_and_writes_nothing() {
    let w = world().await;
    let t = &w.t;
    let base = json!({ "union_id": t.city, "source": "union", "amount": 1000, "on_date": day(-1) });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let cases = [
        ("negative amount", with("amount", json!(-100)), "amount"),
        ("zero amount", with("amount", json!(0)), "amount"),
        ("fractional fen", with("amount", json!(12.5)), "amount"),
        ("amount as text", with("amount", json!("10.00")), "amount"),
        (
            "absurd amount",
            with("amount", json!(1_000_000_000_000_i64)),
            "amount",
        ),
        ("future date", with("on_date", json!(day(1))), "on_date"),
        (
            "malformed date",
            with("on_date", json!("2026-13-01")),
            "on_date",
        ),
        ("unknown source", with("source", json!("gold")), "source"),
        ("blank source", with("source", json!("")), "source"),
        ("unknown field", with("bank", json!("x")), "bank"),
    ];
    for (what, body, field) in cases {
        let got = w.city.send("POST", "/api/v1/funds/receipts", body).await;
        assert_error(what, &got, 400, "invalid_input", Some(field));
    }
    // Money to allocate, so only the target is wrong below.
    assert_eq!(
        receive(&w.city, t.city, "union", 100_000, &day(-1)).await.0,
        201
    );
    for (what, from, to) in [
        ("a sibling", t.city, t.other_city),
        ("the parent", t.city, t.province),
        ("itself", t.city, t.city),
        ("a union that does not exist", t.city, 999_999),
        (
            "a grandchild's sibling from a county",
            t.county_b,
            t.county_a,
        ),
    ] {
        let got = allocate(&w.city, from, to, "union", 100).await;
        assert_error(what, &got, 400, "invalid_input", Some("to_union_id"));
    }
    let got = w
        .city
        .send(
            "POST",
            "/api/v1/funds/allocations",
            json!({ "to_union_id": t.county_a, "source": "union", "amount": -5 }),
        )
        .await;
    assert_error(
        "negative allocation",
        &got,
        400,
        "invalid_input",
        Some("amount"),
    );
    let got = w
        .city
        .send(
            "POST",
            "/api/v1/funds/allocations",
            json!({ "to_union_id": t.county_a, "source": "union", "amount": 5, "on_date": day(2) }),
        )
        .await;
    assert_error(
        "future allocation",
        &got,
        400,
        "invalid_input",
        Some("on_date"),
    );
    let id = w.city.ids("/api/v1/funds/transfers").await[0];
    let got = w
        .city
        .send(
            "POST",
            &format!("/api/v1/funds/transfers/{id}/reverse"),
            json!({ "reason": "  " }),
        )
        .await;
    assert_error(
        "reversal without a reason",
        &got,
        400,
        "invalid_input",
        Some("reason"),
    );
    let got = w.city.get("/api/v1/funds/transfers?kind=gift").await;
    assert_error(
        "unknown kind filter",
        &got,
        400,
        "invalid_input",
        Some("kind"),
    );
    let got = w.city.get("/api/v1/funds/transfers?from=2026-02-30").await;
    assert_error("bad date filter", &got, 400, "invalid_input", Some("from"));

    // Only the one good receipt was written.
    assert_eq!(w.city.total("/api/v1/funds/transfers").await, 1);
    assert_eq!(
        figure(&funds(&w.city, t.city).await, "union", "available"),
        100_000
    );
    assert!(funds(&w.a, t.county_a).await["accounts"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_works_once_and_never_overdraws() {
    let w = world().await;
    let t = &w.t;
    let (_, r) = receive(&w.city, t.city, "finance", 100_000, &day(-3)).await;
    let receipt = r["id"].as_i64().unwrap();
    let (_, a) = allocate(&w.city, t.city, t.county_a, "finance", 80_000).await;
    let alloc = a["id"].as_i64().unwrap();
    let reverse = |id: i64| {
        let api = &w.city;
        async move {
            api.send(
                "POST",
                &format!("/api/v1/funds/transfers/{id}/reverse"),
                json!({ "reason": "金额录入错误" }),
            )
            .await
        }
    };

    // The receipt's money was passed on: reversing it would overdraw.
    let got = reverse(receipt).await;
    assert_error("money passed on", &got, 422, "rule_violation", None);
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不能冲销"),
        "{}",
        got.1
    );
    assert_eq!(
        w.city.total("/api/v1/funds/transfers").await,
        2,
        "nothing written"
    );

    // The allocation is untouched by the county: it can be reversed, once.
    let (s, rev) = reverse(alloc).await;
    assert_eq!(s, 201, "{rev}");
    assert_eq!(rev["kind"], "reversal");
    assert_eq!(rev["reverses_id"], alloc);
    assert_eq!(rev["amount"], 80_000);
    assert_eq!(rev["memo"], "金额录入错误");
    assert_eq!(
        figure(&funds(&w.city, t.city).await, "finance", "available"),
        100_000
    );
    assert_eq!(
        figure(&funds(&w.city, t.city).await, "finance", "allocated_out"),
        0
    );
    let child = funds(&w.a, t.county_a).await;
    assert_eq!(figure(&child, "finance", "available"), 0);
    assert_eq!(figure(&child, "finance", "allocated_in"), 0);
    assert_eq!(
        child["incoming"].as_array().unwrap().len(),
        2,
        "the county sees the allocation and its reversal"
    );

    let got = reverse(alloc).await;
    assert_error("second reversal", &got, 422, "rule_violation", None);
    let got = reverse(rev["id"].as_i64().unwrap()).await;
    assert_error("reversing a reversal", &got, 422, "rule_violation", None);
    let (_, d) = w
        .city
        .get(&format!("/api/v1/funds/transfers/{alloc}"))
        .await;
    assert_eq!(d["transfer"]["reversed_by"], rev["id"]);
    assert_eq!(d["can_reverse"], false);

    // Now the receipt's money is back: its reversal goes through.
    let (s, _) = reverse(receipt).await;
    assert_eq!(s, 201);
    let city = funds(&w.city, t.city).await;
    assert_eq!(figure(&city, "finance", "available"), 0);
    assert_eq!(figure(&city, "finance", "raised"), 0);
    assert_eq!(w.city.total("/api/v1/funds/transfers").await, 4);

    w.app.user("audit_city", "auditor", t.city).await;
    let auditor = w.app.api_as("audit_city").await;
    let (_, log) = auditor
        .get(&format!(
            "/api/v1/audit?action=reverse_transfer&object_id={alloc}"
        ))
        .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(
        common::audit_json(&log["items"][0]["after"])["reason"],
        "金额录入错误",
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_has_opening_running_and_closing_balances_and_exports() {
    let w = world().await;
    let t = &w.t;
    assert_eq!(
        receive(&w.city, t.city, "union", 100_000, &day(-20))
            .await
            .0,
        201
    );
    assert_eq!(
        receive(&w.city, t.city, "union", 50_000, &day(-10)).await.0,
        201
    );
    let (s, _) = w
        .city
        .send("POST", "/api/v1/funds/allocations",
              json!({ "to_union_id": t.county_a, "source": "union", "amount": 30_000, "on_date": day(-5) }))
        .await;
    assert_eq!(s, 201);
    let account = fund_account(&funds(&w.city, t.city).await, "union");

    let (s, st) = w
        .city
        .get(&format!(
            "/api/v1/funds/accounts/{account}/statement?from={}&until={}",
            day(-15),
            day(0)
        ))
        .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["opening"], 100_000);
    assert_eq!(st["inflow"], 50_000);
    assert_eq!(st["outflow"], 30_000);
    assert_eq!(st["closing"], 120_000);
    let lines = st["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["amount"].as_i64(), lines[0]["balance"].as_i64()),
        (Some(50_000), Some(150_000))
    );
    assert_eq!(
        (lines[1]["amount"].as_i64(), lines[1]["balance"].as_i64()),
        (Some(-30_000), Some(120_000))
    );
    assert!(
        lines[1]["description"]
            .as_str()
            .unwrap()
            .contains("荔湾区总工会"),
        "{st}"
    );

    let (_, all) = w
        .city
        .get(&format!(
            "/api/v1/funds/accounts/{account}/statement?from={}",
            day(-30)
        ))
        .await;
    assert_eq!(
        (all["opening"].as_i64(), all["closing"].as_i64()),
        (Some(0), Some(120_000))
    );
    let (_, early) = w
        .city
        .get(&format!(
            "/api/v1/funds/accounts/{account}/statement?from={}&until={}",
            day(-30),
            day(-12)
        ))
        .await;
    assert_eq!(
        (
            early["closing"].as_i64(),
            early["lines"].as_array().unwrap().len()
        ),
        (Some(100_000), 1)
    );
    let got = w
        .city
        .get(&format!(
            "/api/v1/funds/accounts/{account}/statement?from={}&until={}",
            day(-1),
            day(-2)
        ))
        .await;
    assert_error(
        "until before from",
        &got,
        400,
        "invalid_input",
        Some("until"),
    );

    // The page and the workbook show the same numbers.
    let (client, _) = w.app.html_login("fund_city", PASSWORD).await;
    let q = format!("from={}&until={}", day(-15), day(0));
    let (s, html) = w
        .app
        .page(&client, &format!("/funds/accounts/{account}/statement?{q}"))
        .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("1,000.00") && html.contains("1,200.00") && html.contains("1,500.00"),
        "{html}"
    );
    assert!(
        html.contains(&format!("/funds/accounts/{account}/statement.xlsx")),
        "export link"
    );
    let res = client
        .get(
            w.app
                .url(&format!("/funds/accounts/{account}/statement.xlsx?{q}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a valid .xlsx");
    let range = book.worksheet_range("对账单").expect("sheet");
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let labelled = |label: &str| {
        rows.iter()
            .find(|r| r.iter().any(|c| matches!(c, Data::String(s) if s == label)))
            .unwrap_or_else(|| panic!("row {label}"))
            .clone()
    };
    assert_eq!(labelled("期初余额")[6], Data::Float(1000.0));
    assert_eq!(labelled("期末余额")[6], Data::Float(1200.0));
    let totals = labelled("本期合计");
    assert_eq!(
        (totals[4].clone(), totals[5].clone()),
        (Data::Float(500.0), Data::Float(300.0))
    );
    let balances: Vec<Data> = rows
        .iter()
        .filter(
            |r| matches!(r.first(), Some(Data::String(d)) if d.len() == 10 && d.starts_with("20")),
        )
        .map(|r| r[6].clone())
        .collect();
    assert_eq!(balances, vec![Data::Float(1500.0), Data::Float(1200.0)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_county_and_officers_without_the_permission_are_kept_out() {
    let w = world().await;
    let t = &w.t;
    let (_, r) = receive(&w.a, t.county_a, "union", 10_000, &day(0)).await;
    let id = r["id"].as_i64().unwrap();
    let account = fund_account(&funds(&w.a, t.county_a).await, "union");

    // County B's fund officer: not found, whatever the route.
    let b = &w.b;
    assert_error(
        "accounts",
        &b.get(&format!("/api/v1/funds/accounts?union_id={}", t.county_a))
            .await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "transfer",
        &b.get(&format!("/api/v1/funds/transfers/{id}")).await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "statement",
        &b.get(&format!("/api/v1/funds/accounts/{account}/statement"))
            .await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "reverse",
        &b.send(
            "POST",
            &format!("/api/v1/funds/transfers/{id}/reverse"),
            json!({"reason": "x"}),
        )
        .await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "receipt for A",
        &receive(b, t.county_a, "union", 1, &day(0)).await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "allocation from the city",
        &allocate(b, t.city, t.county_a, "union", 1).await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "incoming of A",
        &b.get(&format!(
            "/api/v1/funds/transfers?to_union_id={}",
            t.county_a
        ))
        .await,
        404,
        "not_found",
        None,
    );
    assert_eq!(b.total("/api/v1/funds/transfers").await, 0);
    assert_eq!(
        b.total(&format!("/api/v1/funds/transfers?union_id={}", t.county_a))
            .await,
        0
    );
    let (client, _) = w.app.html_login("fund_b", PASSWORD).await;
    assert_eq!(
        w.app
            .page(&client, &format!("/funds?union_id={}", t.county_a))
            .await
            .0,
        404
    );
    assert_eq!(
        w.app
            .page(&client, &format!("/funds/accounts/{account}/statement"))
            .await
            .0,
        404
    );
    assert_eq!(
        w.app
            .page(
                &client,
                &format!("/funds/accounts/{account}/statement.xlsx")
            )
            .await
            .0,
        404
    );

    // The city above sees it.
    assert_eq!(
        w.city
            .total(&format!("/api/v1/funds/transfers?union_id={}", t.county_a))
            .await,
        1
    );

    // A reviewer reads funds but may not move them; an officer may not even read.
    w.app.user("rev_a", "reviewer", t.county_a).await;
    w.app.user("off_a", "officer", t.county_a).await;
    let rev = w.app.api_as("rev_a").await;
    assert_eq!(rev.get("/api/v1/funds/accounts").await.0, 200);
    assert_error(
        "reviewer receipt",
        &receive(&rev, t.county_a, "union", 1, &day(0)).await,
        403,
        "forbidden",
        None,
    );
    assert_error(
        "reviewer reversal",
        &rev.send(
            "POST",
            &format!("/api/v1/funds/transfers/{id}/reverse"),
            json!({"reason": "x"}),
        )
        .await,
        403,
        "forbidden",
        None,
    );
    let off = w.app.api_as("off_a").await;
    assert_error(
        "officer read",
        &off.get("/api/v1/funds/accounts").await,
        403,
        "forbidden",
        None,
    );
    assert_error(
        "officer list",
        &off.get("/api/v1/funds/transfers").await,
        403,
        "forbidden",
        None,
    );
    assert_eq!(
        w.a.total("/api/v1/funds/transfers").await,
        1,
        "nothing written by the refused calls"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funds_page_takes_yuan_and_explains_mistakes() {
    let w = world().await;
    let t = &w.t;
    let (client, _) = w.app.html_login("fund_city", PASSWORD).await;
    let (s, html) = w.app.page(&client, "/funds").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("尚无资金，请先登记资金收入"),
        "empty state: {html}"
    );
    let form = form_html(&html, "receipt-form").expect("receipt form");
    let csrf = input_value(form, "csrf").unwrap();
    let action = form_action(form, "/funds");
    let post = |amount: &'static str, date: String| {
        let (app, client, action, csrf) = (&w.app, &client, &action, &csrf);
        async move {
            let city = t.city.to_string();
            let fields = [
                ("csrf", csrf.as_str()),
                ("union_id", city.as_str()),
                ("source", "union"),
                ("amount", amount),
                ("on_date", date.as_str()),
                ("payer", "某基金会"),
                ("memo", ""),
            ];
            app.post_form(client, action, &fields).await
        }
    };
    let (s, body) = post("12.345", day(0)).await;
    assert_eq!(s, 400);
    assert!(body.contains("最多保留两位小数"), "{body}");
    let (s, body) = post("100", day(3)).await;
    assert_eq!(s, 400);
    assert!(body.contains("不能晚于今天"), "{body}");
    let (s, _) = post("1,234.50", day(0)).await;
    assert_eq!(s, 303);
    assert_eq!(
        figure(&funds(&w.city, t.city).await, "union", "available"),
        123_450
    );
    let (_, html) = w.app.page(&client, "/funds").await;
    assert!(html.contains("1,234.50"), "{html}");
    assert!(
        html.contains("冲销理由") && html.contains("data-confirm"),
        "a reverse button that asks"
    );
    let (s, list) = w.app.page(&client, "/funds/transfers?kind=receipt").await;
    assert_eq!(s, 200);
    assert!(list.contains("1,234.50"));
    let (_, none) = w
        .app
        .page(&client, "/funds/transfers?kind=allocation")
        .await;
    assert!(none.contains("没有符合条件的资金业务"), "{none}");
}
