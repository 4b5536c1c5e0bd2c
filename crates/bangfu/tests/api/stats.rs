//! The province panel: the numbers add up over the tree,
//! households on file follow from filings, decisions and reopenings, a past
//! panel never changes, the Excel export carries the JSON's numbers, and
//! the usual refusals (403 without ReadStats, 404 out of scope, 400 bad
//! input in Chinese).
//!
//! Decisions are written at past dates with the storage fixtures (the exits
//! service decides "today"); filings, receipts and assistance go through
//! the API with their dates.

use crate::common;

use common::{
    cell_num, cell_text, decide, file, household, link_reopened, person, revoke,
    set_assistance_reversal_on, set_transfer_on, today, Api, At, TestApp, Tree, PASSWORD,
};

use calamine::{Data, Reader};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A household body: tier, category, filing date and extra members (size = 1 + members).
#[allow(clippy::too_many_arguments)]
fn hh(
    name: &str,
    id: &str,
    union: i64,
    tier: &str,
    category: &str,
    filed: &str,
    members: usize,
) -> Value {
    let mut b = household(name, id, union);
    b["tier"] = json!(tier);
    b["category"] = json!(category);
    b["filed_on"] = json!(filed);
    b["members"] = json!((0..members)
        .map(|i| json!({
            "name": format!("{name}家属{i}"),
            "id_number": "",
            "relation": if i == 0 { "spouse" } else { "child" },
            "health": "healthy",
            "schooling": "not_in_school",
            "employment": "not_working",
            "income_fen": 0,
        }))
        .collect::<Vec<_>>());
    b
}

async fn receipt(api: &Api, union: i64, fen: i64, on: &str) -> i64 {
    let (s, body) = api
        .send(
            "POST",
            "/api/v1/funds/receipts",
            json!({ "union_id": union, "source": "union", "amount": fen, "on_date": on, "memo": "拨款" }),
        )
        .await;
    assert_eq!(s, 201, "receipt: {body}");
    body["id"].as_i64().expect("id")
}

async fn assist(api: &Api, h: i64, body: Value) -> i64 {
    let (s, got) = api
        .send("POST", &format!("/api/v1/households/{h}/assistance"), body)
        .await;
    assert_eq!(s, 201, "assistance: {got}");
    assert_eq!(got["status"], "given", "{got}");
    got["id"].as_i64().expect("id")
}

async fn panel(api: &Api, union: i64, as_of: &str) -> Value {
    let path = format!("/api/v1/stats/panel?union={union}&as_of={as_of}");
    let (s, body) = api.get(&path).await;
    assert_eq!(s, 200, "GET {path}: {body}");
    body
}

/// Every number in a JSON value, by its path.
fn numbers(v: &Value, at: &str, out: &mut BTreeMap<String, i64>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                numbers(x, &format!("{at}.{k}"), out);
            }
        }
        Value::Number(n) => {
            out.insert(at.to_owned(), n.as_i64().expect("integer"));
        }
        _ => {}
    }
}

fn flat(v: &Value) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    numbers(v, "", &mut out);
    out
}

/// total == own + Σ children, figure by figure; returns how many figures.
#[track_caller]
fn assert_adds_up(p: &Value) -> usize {
    let total = flat(&p["total"]);
    let mut sum = flat(&p["own"]);
    for c in p["children"].as_array().expect("children") {
        for (k, v) in flat(&c["figures"]) {
            *sum.entry(k).or_default() += v;
        }
    }
    assert_eq!(
        total, sum,
        "total = own + Σ children for {}",
        p["union"]["name"]
    );
    total.len()
}

/// (key, worker, region, union, tier, category, filed on, extra members).
type FileSpec = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    &'static str,
    &'static str,
    usize,
);

struct World {
    app: TestApp,
    t: Tree,
    admin: Api,
    officer: Api,
    fund: Api,
    h: BTreeMap<&'static str, i64>,
    /// Assistance records by name.
    a: BTreeMap<&'static str, i64>,
}

/// The tree of `common::tree` with households at every level:
///
/// | file | union | tier / category | filed | size |
/// |---|---|---|---|---|
/// | p  | province | national dibao      | 2016-03-01 | 2 |
/// | c  | city     | city sudden         | 2016-06-01 | 1 |
/// | a1 | county A | national near_dibao | 2016-01-15 | 3 |
/// | a2 | county A | national dibao      | 2016-02-01 | 1 |
/// | a3 | county A | national sudden     | 2024-01-01 | 2 |
/// | b1 | county B | county near_dibao   | 2016-09-01 | 1 |
/// | b2 | county B | national near_dibao | 2025-02-01 | 4 |
/// | s1 | 深圳     | national dibao      | 2016-04-01 | 1 |
///
/// Decisions: a1 out (employment) 2025-06-10, reopened as a1r 2025-11-01;
/// a2 relief 2025-07-01; b1 removal (death) 2025-08-01; c out (medical)
/// 2025-05-05, revoked 2025-09-01; s1 out (social assistance) 2025-10-01.
///
/// Money: receipts province 1 000 000 (2025-01-01), city 50 000
/// (2025-02-01), county A 30 000 (2025-03-01, reversed 2025-04-01); cash
/// a1 20 000 (2025-03-10), p 8 000 (2025-03-20, reversed 2025-06-01), b2
/// 10 000 (2025-05-01); goods a3 5 000 (2025-04-01), s1 3 000 (2025-06-01).
async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("p_admin", "admin", At::Province),
        ("p_officer", "officer", At::Province),
        ("p_fund", "fund_officer", At::Province),
    ])
    .await;
    let [admin, officer, fund] = app.apis(["p_admin", "p_officer", "p_fund"]).await;
    let mut h = BTreeMap::new();
    let files: [FileSpec; 8] = [
        (
            "p",
            "省直职工",
            "440103",
            t.province,
            "national",
            "dibao",
            "2016-03-01",
            1,
        ),
        (
            "c",
            "市直职工",
            "440103",
            t.city,
            "city",
            "sudden",
            "2016-06-01",
            0,
        ),
        (
            "a1",
            "荔湾甲",
            "440103",
            t.county_a,
            "national",
            "near_dibao",
            "2016-01-15",
            2,
        ),
        (
            "a2",
            "荔湾乙",
            "440103",
            t.county_a,
            "national",
            "dibao",
            "2016-02-01",
            0,
        ),
        (
            "a3",
            "荔湾丙",
            "440103",
            t.county_a,
            "national",
            "sudden",
            "2024-01-01",
            1,
        ),
        (
            "b1",
            "越秀甲",
            "440104",
            t.county_b,
            "county",
            "near_dibao",
            "2016-09-01",
            0,
        ),
        (
            "b2",
            "越秀乙",
            "440104",
            t.county_b,
            "national",
            "near_dibao",
            "2025-02-01",
            3,
        ),
        (
            "s1",
            "深圳甲",
            "440303",
            t.other_city,
            "national",
            "dibao",
            "2016-04-01",
            0,
        ),
    ];
    for (i, (key, name, region, union, tier, cat, filed, members)) in files.into_iter().enumerate()
    {
        let id = person(region, "19700101", u32::try_from(i + 1).unwrap());
        h.insert(
            key,
            file(&officer, hh(name, &id, union, tier, cat, filed, members)).await,
        );
    }
    // Money first, while every file is on file.
    receipt(&fund, t.province, 1_000_000, "2025-01-01").await;
    receipt(&fund, t.city, 50_000, "2025-02-01").await;
    let county_receipt = receipt(&fund, t.county_a, 30_000, "2025-03-01").await;
    let (s, rev) = fund
        .send(
            "POST",
            &format!("/api/v1/funds/transfers/{county_receipt}/reverse"),
            json!({ "reason": "误记" }),
        )
        .await;
    assert_eq!(s, 201, "reverse receipt: {rev}");
    let rev_id = rev["id"].as_i64().expect("reversal id");
    set_transfer_on(&app, rev_id, "2025-04-01").await;
    let cash = |fen: i64, persons: i32, on: &str| json!({ "kind": "living", "cash": fen, "source": "union", "persons": persons, "given_on": on, "note": "生活救助" });
    let goods = |fen: i64, persons: i32, on: &str| json!({ "kind": "warmth", "goods": "米、油", "goods_value": fen, "persons": persons, "given_on": on });
    let mut a = BTreeMap::new();
    a.insert(
        "a1",
        assist(&officer, h["a1"], cash(20_000, 3, "2025-03-10")).await,
    );
    a.insert(
        "p",
        assist(&officer, h["p"], cash(8_000, 2, "2025-03-20")).await,
    );
    a.insert(
        "b2",
        assist(&officer, h["b2"], cash(10_000, 4, "2025-05-01")).await,
    );
    a.insert(
        "a3",
        assist(&officer, h["a3"], goods(5_000, 2, "2025-04-01")).await,
    );
    a.insert(
        "s1",
        assist(&officer, h["s1"], goods(3_000, 1, "2025-06-01")).await,
    );
    let (s, body) = fund
        .send(
            "POST",
            &format!("/api/v1/assistance/{}/reverse", a["p"]),
            json!({ "reason": "重复发放" }),
        )
        .await;
    assert_eq!(s, 200, "reverse assistance: {body}");
    let ap = a["p"];
    set_assistance_reversal_on(&app, ap, "2025-06-01").await;
    // Decisions, in the order they happened.
    let c_out = decide(&app, h["c"], "out", Some("medical"), "2025-05-05").await;
    decide(&app, h["a1"], "out", Some("employment"), "2025-06-10").await;
    decide(&app, h["a2"], "relief", None, "2025-07-01").await;
    decide(&app, h["b1"], "removal", Some("death"), "2025-08-01").await;
    revoke(&app, c_out, "2025-09-01").await;
    decide(
        &app,
        h["s1"],
        "out",
        Some("social_assistance"),
        "2025-10-01",
    )
    .await;
    // a1 falls back: a new file for the same worker, linked to the old one.
    let a1r = file(
        &officer,
        hh(
            "荔湾甲",
            &person("440103", "19700101", 3),
            t.county_a,
            "national",
            "near_dibao",
            "2025-11-01",
            0,
        ),
    )
    .await;
    link_reopened(&app, h["a1"], a1r).await;
    h.insert("a1r", a1r);
    World {
        app,
        t,
        admin,
        officer,
        fund,
        h,
        a,
    }
}

#[tokio::test]
async fn panel_adds_up_from_grassroots_to_province() {
    let w = world().await;
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let dates = [
        "2015-12-31",
        "2016-12-31",
        "2025-05-31",
        "2025-06-30",
        "2025-08-15",
        "2025-12-31",
        &yesterday,
    ];
    for as_of in dates {
        for union in [w.t.province, w.t.city, w.t.county_a, w.t.other_city] {
            let p = panel(&w.admin, union, as_of).await;
            let n = assert_adds_up(&p);
            assert!(n >= 30, "every figure is compared ({n})");
            // A child's own panel equals its column in the parent's.
            for c in p["children"].as_array().unwrap() {
                let child = panel(&w.admin, c["union"]["id"].as_i64().unwrap(), as_of).await;
                assert_eq!(
                    flat(&child["total"]),
                    flat(&c["figures"]),
                    "drill-down to {} at {as_of}",
                    c["union"]["name"]
                );
            }
        }
    }

    // The figures themselves, for the province at the end of 2025.
    let p = panel(&w.admin, w.t.province, "2025-12-31").await;
    let t = &p["total"];
    // On file: p (2), c (1, back after the revocation), a3 (2), b2 (4), a1r (1).
    assert_eq!(t["on_file"], json!({ "households": 5, "persons": 10 }));
    assert_eq!(
        t["by_tier"]["national"],
        json!({ "households": 4, "persons": 9 })
    );
    assert_eq!(
        t["by_tier"]["local"],
        json!({ "households": 1, "persons": 1 })
    );
    // 地方级 is the sum of the four local levels; here the city's own file.
    assert_eq!(t["by_level"]["national"], t["by_tier"]["national"]);
    assert_eq!(
        t["by_level"]["city"],
        json!({ "households": 1, "persons": 1 })
    );
    for level in ["province", "county", "grassroots"] {
        assert_eq!(
            t["by_level"][level],
            json!({ "households": 0, "persons": 0 })
        );
    }
    assert_eq!(
        t["national_by_category"]["dibao"],
        json!({ "households": 1, "persons": 2 })
    );
    assert_eq!(
        t["national_by_category"]["near_dibao"],
        json!({ "households": 2, "persons": 5 })
    );
    assert_eq!(
        t["national_by_category"]["sudden"],
        json!({ "households": 1, "persons": 2 })
    );
    assert_eq!(t["by_cohort"]["baseline"]["households"], 2);
    assert_eq!(t["by_cohort"]["incremental"]["households"], 3);
    assert_eq!(t["filed"], 8);
    assert_eq!(t["baseline_filed"], 6);
    assert_eq!(t["reopened"], 1);
    let dec = &t["decisions"];
    assert_eq!(dec["out"], 2, "c's exit was revoked: {dec}");
    assert_eq!(
        dec["out_by_pathway"],
        json!({ "employment": 1, "entitlements": 0, "medical": 0, "social_assistance": 1, "other": 0 })
    );
    assert_eq!(dec["relief"], 1);
    assert_eq!(dec["removal"], 1);
    assert_eq!(
        dec["removal_by_reason"],
        json!({ "recheck": 0, "death": 1, "moved": 0 })
    );
    assert_eq!(
        t["funds"],
        json!({ "raised": 1_050_000, "cash": 30_000, "goods": 8_000, "household_times": 4, "person_times": 10 })
    );
    // The breakdown: the province's own file, the city (with its counties), 深圳.
    assert_eq!(p["own"]["on_file"]["households"], 1);
    let names: Vec<&str> = p["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["union"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["广州市总工会", "深圳市总工会"]);
    let city = &p["children"][0]["figures"];
    assert_eq!(city["on_file"]["households"], 4);
    assert_eq!(
        city["funds"]["raised"], 50_000,
        "the county's receipt was reversed"
    );
    let sz = &p["children"][1]["figures"];
    assert_eq!(sz["decisions"]["out_by_pathway"]["social_assistance"], 1);
    assert_eq!(sz["on_file"]["households"], 0);
    assert_eq!(
        p["ancestors"].as_array().unwrap().len(),
        0,
        "the admin's scope starts at the province"
    );

    // Before the revocation the city's exit counts, at its pathway.
    let p = panel(&w.admin, w.t.province, "2025-08-15").await;
    assert_eq!(p["total"]["decisions"]["out_by_pathway"]["medical"], 1);
    // Before the reversals, the receipt and the payment count.
    let p = panel(&w.admin, w.t.province, "2025-03-31").await;
    assert_eq!(p["total"]["funds"]["raised"], 1_080_000);
    assert_eq!(p["total"]["funds"]["cash"], 28_000);
    assert_eq!(p["total"]["funds"]["household_times"], 2);
    let p = panel(&w.admin, w.t.province, "2025-05-31").await;
    assert_eq!(p["total"]["funds"]["cash"], 38_000);
    assert_eq!(p["total"]["funds"]["person_times"], 11);

    // The trend: 36 months ending with the panel's month.
    let p = panel(&w.admin, w.t.province, "2025-12-31").await;
    let trend = p["trend"].as_array().unwrap();
    assert_eq!(trend.len(), 36);
    assert_eq!(trend[35]["month"], "2025-12");
    assert_eq!(trend[35]["households"], 5);
    assert_eq!(trend[0]["month"], "2023-01");
    let at = |m: &str| {
        trend.iter().find(|x| x["month"] == m).unwrap()["households"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(at("2023-12"), 6, "the six baseline files");
    assert_eq!(at("2024-01"), 7, "a3 filed");
    assert_eq!(at("2025-02"), 8, "b2 filed");
    assert_eq!(at("2025-05"), 7, "c out");
    assert_eq!(at("2025-06"), 6, "a1 out");
    assert_eq!(at("2025-09"), 5, "a2, b1 left; c back");
    assert_eq!(at("2025-10"), 4, "s1 out");
    assert_eq!(at("2025-11"), 5, "a1 reopened");
    drop(w.officer);
    drop(w.fund);
    drop(w.a);
}

#[tokio::test]
async fn on_file_is_filings_minus_decisions_plus_reopenings() {
    let w = world().await;
    let expected = [
        ("2015-12-31", 0),
        ("2016-01-15", 1),
        ("2016-12-31", 6),
        ("2024-06-30", 7),
        ("2025-05-04", 8),
        ("2025-05-05", 7),
        ("2025-06-30", 6),
        ("2025-08-15", 4),
        ("2025-09-01", 5),
        ("2025-10-01", 4),
        ("2025-11-01", 5),
    ];
    for (as_of, n) in expected {
        for union in [
            w.t.province,
            w.t.city,
            w.t.county_a,
            w.t.county_b,
            w.t.other_city,
        ] {
            let p = panel(&w.admin, union, as_of).await;
            let t = &p["total"];
            let dec = &t["decisions"];
            let by_rule = t["filed"].as_i64().unwrap()
                - dec["out"].as_i64().unwrap()
                - dec["relief"].as_i64().unwrap()
                - dec["removal"].as_i64().unwrap()
                + t["reopened"].as_i64().unwrap();
            assert_eq!(
                t["on_file"]["households"].as_i64().unwrap(),
                by_rule,
                "{} at {as_of}: {t}",
                p["union"]["name"]
            );
        }
        let p = panel(&w.admin, w.t.province, as_of).await;
        assert_eq!(p["total"]["on_file"]["households"], n, "on file at {as_of}");
    }
    // Today too, and the filing count agrees with the household list.
    let p = panel(&w.admin, w.t.province, &today().to_string()).await;
    assert_eq!(p["total"]["on_file"]["households"], 5);
    assert_eq!(
        w.officer.total("/api/v1/households?status=on_file").await,
        5
    );
}

#[tokio::test]
async fn a_past_panel_does_not_change_when_today_is_recorded() {
    let w = world().await;
    let yesterday = (today() - chrono::Duration::days(1)).to_string();
    let before_p = panel(&w.admin, w.t.province, &yesterday).await;
    let before_c = panel(&w.admin, w.t.county_a, &yesterday).await;
    let before_today = panel(&w.admin, w.t.province, &today().to_string()).await;
    assert_eq!(
        before_p["total"], before_today["total"],
        "nothing happened today yet"
    );

    // Today: an exit, a relief, a removal, a revocation, a new filing,
    // assistance, a receipt and reversals of earlier assistance.
    let on = today().to_string();
    decide(&w.app, w.h["a3"], "out", Some("other"), &on).await;
    decide(&w.app, w.h["p"], "relief", None, &on).await;
    let b2_out = decide(&w.app, w.h["b2"], "removal", Some("moved"), &on).await;
    revoke(&w.app, b2_out, &on).await;
    file(
        &w.officer,
        hh(
            "新建档",
            &person("440103", "19800101", 9),
            w.t.county_a,
            "county",
            "dibao",
            "",
            0,
        ),
    )
    .await;
    receipt(&w.fund, w.t.county_a, 70_000, &on).await;
    assist(
        &w.officer,
        w.h["c"],
        json!({ "kind": "warmth", "goods": "棉被", "goods_value": 9_000, "persons": 1 }),
    )
    .await;
    let (s, body) = w
        .fund
        .send(
            "POST",
            &format!("/api/v1/assistance/{}/reverse", w.a["a1"]),
            json!({ "reason": "冲销" }),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = w
        .fund
        .send(
            "POST",
            &format!("/api/v1/assistance/{}/reverse", w.a["a3"]),
            json!({ "reason": "物资退回" }),
        )
        .await;
    assert_eq!(s, 200, "goods-only reversal: {body}");

    let after_p = panel(&w.admin, w.t.province, &yesterday).await;
    let after_c = panel(&w.admin, w.t.county_a, &yesterday).await;
    assert_eq!(before_p, after_p, "the province's panel as of yesterday");
    assert_eq!(before_c, after_c, "the county's panel as of yesterday");

    // Today's panel shows all of it.
    let now = panel(&w.admin, w.t.province, &on).await;
    let (b, n) = (&before_today["total"], &now["total"]);
    let i = |v: &Value, path: &[&str]| path.iter().fold(v, |x, k| &x[*k]).as_i64().unwrap();
    assert_eq!(
        i(n, &["on_file", "households"]),
        i(b, &["on_file", "households"]) - 2 + 1
    );
    assert_eq!(i(n, &["decisions", "out"]), i(b, &["decisions", "out"]) + 1);
    assert_eq!(
        i(n, &["decisions", "relief"]),
        i(b, &["decisions", "relief"]) + 1
    );
    assert_eq!(
        i(n, &["decisions", "removal"]),
        i(b, &["decisions", "removal"]),
        "revoked the same day"
    );
    assert_eq!(i(n, &["filed"]), i(b, &["filed"]) + 1);
    assert_eq!(
        i(n, &["funds", "raised"]),
        i(b, &["funds", "raised"]) + 70_000
    );
    assert_eq!(i(n, &["funds", "cash"]), i(b, &["funds", "cash"]) - 20_000);
    assert_eq!(
        i(n, &["funds", "goods"]),
        i(b, &["funds", "goods"]) + 9_000 - 5_000
    );
    assert_eq!(
        i(n, &["funds", "household_times"]),
        i(b, &["funds", "household_times"]) + 1 - 2
    );
    assert_eq!(
        i(n, &["funds", "person_times"]),
        i(b, &["funds", "person_times"]) + 1 - 3 - 2
    );
    assert_adds_up(&now);
}

#[tokio::test]
async fn refusals_and_scope() {
    let w = world().await;
    // Without ReadStats: a department user.
    w.app
        .civil_affairs_user("minzheng", Some("民政科"), w.t.province)
        .await;
    let dept = w.app.api_as("minzheng").await;
    let got = dept.get("/api/v1/stats/panel").await;
    common::assert_error("department", &got, 403, "forbidden", None);

    // A county officer: their own union by default, nothing above or beside it.
    w.app.user("a_officer", "officer", w.t.county_a).await;
    let a = w.app.api_as("a_officer").await;
    let (s, own) = a.get("/api/v1/stats/panel").await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(own["union"]["id"], w.t.county_a);
    assert_eq!(own["union"]["name"], "荔湾区总工会");
    assert!(own["children"].as_array().unwrap().is_empty());
    assert_eq!(own["ancestors"].as_array().unwrap().len(), 0);
    for union in [w.t.city, w.t.county_b, w.t.root, 999_999] {
        let got = a.get(&format!("/api/v1/stats/panel?union={union}")).await;
        common::assert_error("out of scope", &got, 404, "not_found", None);
    }
    // An auditor reads; the breadcrumbs stop at the scope.
    w.app.user("c_auditor", "auditor", w.t.city).await;
    let aud = w.app.api_as("c_auditor").await;
    let p = panel(&aud, w.t.county_a, "2025-12-31").await;
    let crumbs: Vec<&str> = p["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(crumbs, vec!["广州市总工会"]);

    // Bad input: 400 naming the field, in Chinese.
    for (q, field) in [
        ("as_of=2025-13-01", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("as_of=2999-01-01", "as_of"),
        ("union=abc", "union"),
    ] {
        let got = w.admin.get(&format!("/api/v1/stats/panel?{q}")).await;
        common::assert_error(q, &got, 400, "invalid_input", Some(field));
        let msg = got.1["error"]["message"].as_str().unwrap();
        assert!(
            msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "Chinese message: {msg}"
        );
    }
    // Pages: 403 and 404 pages, 400 for a bad date.
    let (client, _) = w.app.html_login("minzheng", PASSWORD).await;
    assert_eq!(w.app.page(&client, "/stats").await.0, 403);
    let (client, _) = w.app.html_login("a_officer", PASSWORD).await;
    assert_eq!(
        w.app
            .page(&client, &format!("/stats?union={}", w.t.city))
            .await
            .0,
        404
    );
    let (s, html) = w.app.page(&client, "/stats?as_of=2025-02-30").await;
    assert_eq!(s, 400);
    assert!(html.contains("统计日期"), "{html}");
    // The API is in the OpenAPI document.
    let (_, doc) = w.admin.get("/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/stats/panel"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/targets/progress"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/targets"]["put"].is_object());
    assert!(doc["paths"]["/api/v1/targets"]["delete"].is_object());
    // Every schema these paths refer to is in the document.
    let mut refs = Vec::new();
    for p in [
        "/api/v1/stats/panel",
        "/api/v1/targets/progress",
        "/api/v1/targets",
    ] {
        collect_refs(&doc["paths"][p], &mut refs);
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(r) = refs.pop() {
        let name = r.trim_start_matches("#/components/schemas/").to_owned();
        if !seen.insert(name.clone()) {
            continue;
        }
        let schema = &doc["components"]["schemas"][&name];
        assert!(schema.is_object(), "schema {name} is in the document");
        collect_refs(schema, &mut refs);
    }
    assert!(
        seen.contains("PanelDto") && seen.contains("StatsRefDto"),
        "{seen:?}"
    );
}

/// Every `$ref` inside a JSON value.
fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.extend(x.as_str().map(str::to_owned));
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// Attribute values as the browser reads them.
fn unescape(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

#[tokio::test]
async fn the_page_and_its_excel_carry_the_json_numbers() {
    let w = world().await;
    let p = panel(&w.admin, w.t.province, "2025-12-31").await;
    let (client, _) = w.app.html_login("p_admin", PASSWORD).await;

    // The page: tables, drill-down links, charts drawn from data attributes.
    let (s, html) = w
        .app
        .page(
            &client,
            &format!("/stats?union={}&as_of=2025-12-31", w.t.province),
        )
        .await;
    assert_eq!(s, 200);
    let html = unescape(&html);
    for text in [
        "统计报表",
        "广东省总工会",
        "在档情况",
        "建档、脱困与退出",
        "资金与帮扶",
        "分地区",
        "就业创业脱困",
        "低保边缘户",
        "10,500.00",
    ] {
        assert!(html.contains(text), "page shows {text}");
    }
    assert!(
        html.contains(&format!(
            "href=\"/stats?union={}&as_of=2025-12-31\"",
            w.t.city
        )),
        "drill-down to the city"
    );
    for chart in ["chart-trend", "chart-pathways", "chart-targets"] {
        assert!(html.contains(&format!("id=\"{chart}\"")), "chart {chart}");
    }
    assert!(html.contains("data-chart=\"line\""));
    assert!(html.contains("/assets/stats.js") && html.contains("/assets/echarts.min.js"));
    assert!(!html.contains("<script>"), "no inline script (CSP)");
    let (s, js) = w.app.page(&client, "/assets/stats.js").await;
    assert_eq!(s, 200);
    assert!(js.contains("echarts.init"));
    let (s, css) = w.app.page(&client, "/assets/stats.css").await;
    assert_eq!(s, 200);
    assert!(css.contains("@media print"));
    // Drill down: the city page has breadcrumbs back to the province.
    let (s, html) = w
        .app
        .page(
            &client,
            &format!("/stats?union={}&as_of=2025-12-31", w.t.county_a),
        )
        .await;
    assert_eq!(s, 200);
    let html = unescape(&html);
    assert!(html.contains(&format!(
        "href=\"/stats?union={}&as_of=2025-12-31\"",
        w.t.province
    )));
    assert!(
        html.contains("荔湾区总工会没有下级工会"),
        "empty state for the children table"
    );
    // An empty union shows an empty state.
    let (s, html) = w
        .app
        .page(
            &client,
            &format!("/stats?union={}&as_of=2015-06-30", w.t.province),
        )
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"panel-empty\""));

    // The workbook: one sheet per table, the same numbers.
    let path = format!("/stats/export.xlsx?union={}&as_of=2025-12-31", w.t.province);
    let mut book = w.app.download_xlsx(&client, &path).await;
    let names = book.sheet_names().to_vec();
    for s in [
        "在档情况",
        "建档脱困退出",
        "资金与帮扶",
        "分地区",
        "月度趋势",
        "说明",
    ] {
        assert!(names.iter().any(|n| n == s), "sheet {s} in {names:?}");
    }
    let t = &p["total"];
    let sheet = book.worksheet_range("在档情况").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(cell_text(&rows[0][0]), "项目");
    let find = |rows: &Vec<Vec<Data>>, label: &str| -> Vec<Data> {
        rows.iter()
            .find(|r| cell_text(&r[0]).trim_start_matches('　') == label)
            .cloned()
            .unwrap_or_else(|| panic!("row {label}"))
    };
    let r = find(&rows, "在档困难职工家庭合计");
    assert_eq!(
        cell_num(&r[1]),
        t["on_file"]["households"].as_f64().unwrap()
    );
    assert_eq!(cell_num(&r[2]), t["on_file"]["persons"].as_f64().unwrap());
    let r = find(&rows, "其中：低保边缘户");
    assert_eq!(
        cell_num(&r[1]),
        t["national_by_category"]["near_dibao"]["households"]
            .as_f64()
            .unwrap()
    );
    let sheet = book.worksheet_range("建档脱困退出").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(
        cell_num(&find(&rows, "脱困")[1]),
        t["decisions"]["out"].as_f64().unwrap()
    );
    assert_eq!(
        cell_num(&find(&rows, "社会救助脱困")[1]),
        t["decisions"]["out_by_pathway"]["social_assistance"]
            .as_f64()
            .unwrap()
    );
    assert_eq!(cell_num(&find(&rows, "职工本人去世")[1]), 1.0);
    assert_eq!(
        cell_num(&find(&rows, "返困重新建档")[1]),
        t["reopened"].as_f64().unwrap()
    );
    let sheet = book.worksheet_range("资金与帮扶").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let yuan = |v: &Value| v.as_f64().unwrap() / 100.0;
    assert_eq!(
        cell_num(&find(&rows, "筹集资金（元）")[1]),
        yuan(&t["funds"]["raised"])
    );
    assert_eq!(
        cell_num(&find(&rows, "发放现金（元）")[1]),
        yuan(&t["funds"]["cash"])
    );
    assert_eq!(
        cell_num(&find(&rows, "帮扶人次")[1]),
        t["funds"]["person_times"].as_f64().unwrap()
    );
    let sheet = book.worksheet_range("分地区").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 1 + 2 + 2, "header, two children, own, total");
    for (i, c) in p["children"].as_array().unwrap().iter().enumerate() {
        let r = &rows[i + 1];
        assert_eq!(cell_text(&r[0]), c["union"]["name"].as_str().unwrap());
        assert_eq!(
            cell_num(&r[1]),
            c["figures"]["on_file"]["households"].as_f64().unwrap()
        );
        assert_eq!(
            cell_num(&r[11]),
            c["figures"]["decisions"]["out"].as_f64().unwrap()
        );
        assert_eq!(cell_num(&r[15]), yuan(&c["figures"]["funds"]["raised"]));
    }
    assert_eq!(cell_text(&rows[4][0]), "合计");
    assert_eq!(
        cell_num(&rows[4][1]),
        t["on_file"]["households"].as_f64().unwrap()
    );
    let sheet = book.worksheet_range("月度趋势").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 37);
    for (i, pt) in p["trend"].as_array().unwrap().iter().enumerate() {
        assert_eq!(cell_text(&rows[i + 1][0]), pt["month"].as_str().unwrap());
        assert_eq!(
            cell_num(&rows[i + 1][2]),
            pt["households"].as_f64().unwrap()
        );
    }
}

#[tokio::test]
async fn the_tallies_agree_with_the_rows_and_are_rebuilt_when_they_do_not() {
    let w = world().await;
    common::assert_tallies_agree(&w.app).await;
    let check = || common::cli(&w.app, &["tallies", "check"], "");
    let out = check();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("一致"), "{said}");
    let before = panel(&w.admin, w.t.province, "2025-12-31").await;

    // A tally damaged by hand is found, and made again from the rows.
    w.app
        .seed_write(|c| {
            Ok(bangfu_storage::test_support::raw_sql(
                c,
                "UPDATE tallies SET n = n + 7 WHERE measure = 'filed'",
            )
            .map_err(bangfu_storage::StorageError::from)?)
        })
        .await
        .unwrap();
    assert_ne!(panel(&w.admin, w.t.province, "2025-12-31").await, before);
    let out = check();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("不一致") && said.contains("tallies rebuild"),
        "{said}"
    );

    let out = common::cli(&w.app, &["tallies", "rebuild"], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("已重建统计汇总"), "{said}");
    assert!(check().status.success());
    assert_eq!(panel(&w.admin, w.t.province, "2025-12-31").await, before);
    // The operator acts for the whole tree: its entry is the root union's.
    let root = w
        .app
        .services
        .operator_find_union(bangfu_service::Operator, "中华全国总工会")
        .await
        .unwrap()
        .expect("the root union")
        .id
        .0;
    w.app.user("t_auditor", "auditor", root).await;
    let auditor = w.app.api_as("t_auditor").await;
    assert_eq!(
        auditor.total("/api/v1/audit?action=rebuild_tallies").await,
        1,
        "the rebuild is audited"
    );
}
