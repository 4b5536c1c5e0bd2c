//! The fund audit: each kind of finding, planted, is found once
//! with its evidence; running again adds nothing; a resolution (explained or
//! reversed) is audited and survives later runs; auditors see their scope
//! only; officers cannot run it; the standards decide by the nearest region.

use crate::common;

use common::{assert_error, file, file_two_households, household, person, Api, At, TestApp, Tree};

use bangfu_domain::funds::{AccountKind, Source};
use bangfu_domain::UnionId;
use bangfu_storage::seed::{self, AssistanceRow, EntryRow, MeasureRow, PlanRow, TransferRow};
use bangfu_storage::{ledger, unions};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn t(s: &str) -> NaiveDateTime {
    d(s).and_hms_opt(0, 0, 0).expect("time")
}

/// What was planted, by the ids the findings name.
struct Planted {
    h1: i64,
    r: Vec<i64>,
    alloc_a: i64,
}

/// Three households filed on 2024-01-01 (two in 荔湾区, one in 越秀区), the
/// second of 荔湾 closed on 2025-01-10; an approved plan with a measure for
/// each; payments that break each rule once; allocations from the city to
/// both counties 200 days ago, only 越秀's spent since.
async fn plant(app: &TestApp, tree: &Tree) -> Planted {
    app.user("off-a", "officer", tree.county_a).await;
    app.user("off-b", "officer", tree.county_b).await;
    let [a, b] = app.apis(["off-a", "off-b"]).await;
    let (h1, h3) = file_two_households(&a, tree.county_a).await;
    let h2 = file(
        &b,
        household("张志强", &person("440104", "19750303", 33), tree.county_b),
    )
    .await;
    let (county_a, county_b, city) = (tree.county_a, tree.county_b, tree.city);
    let today = chrono::Utc::now().date_naive();
    let alloc_on = today - chrono::Duration::days(200);
    app.seed_write(move |c| {
        let path = |c: &mut bangfu_storage::Conn, id: i64| {
            unions::find_unscoped(c, UnionId(id)).map(|u| u.expect("union").path)
        };
        let (pa, pb, pc) = (path(c, county_a)?, path(c, county_b)?, path(c, city)?);
        bangfu_storage::test_support::close_household(c, h3, t("2025-01-10"))?;
        let ids = seed::next_ids(c)?;
        let now = t("2024-01-05");
        let mut plans = Vec::new();
        let mut measures = Vec::new();
        for (k, (h, p)) in [(h1, &pa), (h2, &pb), (h3, &pa)].into_iter().enumerate() {
            let k = i64::try_from(k).unwrap();
            plans.push(PlanRow {
                id: ids.plan + k,
                household_id: h,
                union_path: p.as_str().into(),
                year: 2025,
                goal: "exit".into(),
                target_on: None,
                summary: "计划".into(),
                status: "approved".into(),
                approved_by: None,
                approved_at: Some(now),
                version: 1,
                created_by: None,
                created_at: now,
                updated_at: now,
            });
            measures.push(MeasureRow {
                id: ids.measure + k,
                plan_id: ids.plan + k,
                household_id: h,
                union_path: p.as_str().into(),
                track: "safety_net".into(),
                programme: None,
                guarantee_line: None,
                content: "生活救助".into(),
                due_on: d("2025-12-31"),
                responsible_id: None,
                status: "in_progress".into(),
                done_on: None,
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
        seed::insert_plans(c, &plans)?;
        seed::insert_measures(c, &measures)?;
        let (m1, m2, m3) = (ids.measure, ids.measure + 1, ids.measure + 2);
        let row = |k: i64,
                   h: i64,
                   p: &bangfu_domain::UnionPath,
                   u: i64,
                   kind: &str,
                   on: &str,
                   cash: i64,
                   m: Option<i64>| AssistanceRow {
            id: ids.assistance + k,
            household_id: h,
            union_path: p.as_str().into(),
            union_id: u,
            kind: kind.into(),
            given_on: d(on),
            cash,
            goods: String::new(),
            goods_value: 0,
            persons: 1,
            measure_id: m,
            source: Some("union".into()),
            school: None,
            stage: None,
            note: String::new(),
            status: "given".into(),
            transfer_id: None,
            given_by: None,
            approved_by: None,
            subsidy_id: None,
            referral_id: None,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        let mut rows = vec![
            row(
                0,
                h1,
                &pa,
                county_a,
                "living",
                "2025-03-01",
                50_000,
                Some(m1),
            ),
            row(
                1,
                h1,
                &pa,
                county_a,
                "living",
                "2025-03-15",
                50_000,
                Some(m1),
            ),
            // Within the county's own standard (8 000 yuan), over the country's (3 000).
            row(
                2,
                h1,
                &pa,
                county_a,
                "medical",
                "2025-06-01",
                500_000,
                Some(m1),
            ),
            row(3, h1, &pa, county_a, "warmth", "2025-07-01", 20_000, None),
            // Before the file was opened (and before the plan was approved).
            row(
                4,
                h1,
                &pa,
                county_a,
                "living",
                "2023-06-01",
                10_000,
                Some(m1),
            ),
            // After the file was closed.
            row(
                5,
                h3,
                &pa,
                county_a,
                "living",
                "2025-02-01",
                20_000,
                Some(m3),
            ),
            row(
                6,
                h2,
                &pb,
                county_b,
                "medical",
                "2025-05-01",
                500_000,
                Some(m2),
            ),
            // Same amount again, but a year later: no duplicate.
            row(
                7,
                h1,
                &pa,
                county_a,
                "living",
                "2026-03-20",
                50_000,
                Some(m1),
            ),
        ];
        // A refused request repeating the first one is no duplicate.
        let mut refused = row(
            8,
            h1,
            &pa,
            county_a,
            "living",
            "2025-03-02",
            50_000,
            Some(m1),
        );
        refused.status = "refused".into();
        rows.push(refused);
        rows.retain(|r| r.given_on <= today);
        seed::insert_assistance(c, &rows)?;

        // City funds, allocated to both counties; 越秀 pays from it later.
        let at = t("2024-01-01");
        let acc =
            |c: &mut bangfu_storage::Conn, u: i64, p: &bangfu_domain::UnionPath, k: AccountKind| {
                ledger::account(c, UnionId(u), p, k, Source::Union, at).map(|a| a.id.0)
            };
        let city_income = acc(c, city, &pc, AccountKind::Income)?;
        let city_fund = acc(c, city, &pc, AccountKind::Fund)?;
        let a_fund = acc(c, county_a, &pa, AccountKind::Fund)?;
        let b_fund = acc(c, county_b, &pb, AccountKind::Fund)?;
        let b_payout = acc(c, county_b, &pb, AccountKind::Payout)?;
        let tr = |k: i64,
                  u: i64,
                  p: &bangfu_domain::UnionPath,
                  kind: &str,
                  on: NaiveDate,
                  amount: i64,
                  to: Option<i64>| TransferRow {
            id: ids.transfer + k,
            union_id: u,
            union_path: p.as_str().into(),
            kind: kind.into(),
            source: "union".into(),
            on_date: on,
            amount,
            memo: "测试".into(),
            to_union_id: to,
            assistance_id: None,
            reverses_id: None,
            created_by: None,
            created_at: at,
        };
        let receipt_on = alloc_on - chrono::Duration::days(10);
        seed::insert_transfers(
            c,
            &[
                tr(0, city, &pc, "receipt", receipt_on, 2_000_000, None),
                tr(
                    1,
                    city,
                    &pc,
                    "allocation",
                    alloc_on,
                    1_000_000,
                    Some(county_a),
                ),
                tr(
                    2,
                    city,
                    &pc,
                    "allocation",
                    alloc_on,
                    500_000,
                    Some(county_b),
                ),
                tr(
                    3,
                    county_b,
                    &pb,
                    "disbursement",
                    alloc_on + chrono::Duration::days(5),
                    100_000,
                    None,
                ),
            ],
        )?;
        let e = |k: i64, tk: i64, acct: i64, amount: i64, on: NaiveDate| EntryRow {
            id: ids.entry + k,
            transfer_id: ids.transfer + tk,
            account_id: acct,
            amount,
            on_date: on,
        };
        seed::insert_entries(
            c,
            &[
                e(0, 0, city_income, -2_000_000, receipt_on),
                e(1, 0, city_fund, 2_000_000, receipt_on),
                e(2, 1, city_fund, -1_000_000, alloc_on),
                e(3, 1, a_fund, 1_000_000, alloc_on),
                e(4, 2, city_fund, -500_000, alloc_on),
                e(5, 2, b_fund, 500_000, alloc_on),
                e(6, 3, b_fund, -100_000, alloc_on + chrono::Duration::days(5)),
                e(
                    7,
                    3,
                    b_payout,
                    100_000,
                    alloc_on + chrono::Duration::days(5),
                ),
            ],
        )?;
        seed::sync_sequences(c)?;
        Ok(Planted {
            h1,
            r: (0..9).map(|k| ids.assistance + k).collect(),
            alloc_a: ids.transfer + 1,
        })
    })
    .await
    .expect("plant")
}

/// Standards: medical 3 000 yuan nationwide, 8 000 in 荔湾区 (set by a national admin).
async fn set_standards(app: &TestApp, tree: &Tree) {
    app.user("adm", "admin", tree.root).await;
    let adm = app.api_as("adm").await;
    for (code, fen) in [("000000", 300_000), ("440103", 800_000)] {
        let got = standard(&adm, "medical", code, json!(fen)).await;
        assert_eq!(got.0, 200, "set standard {code}: {}", got.1);
    }
}

/// Sets (or, with `max_cash` null, removes) the standard for assistance of
/// `kind` in the region `division_code`: the answer to PUT /api/v1/standards.
async fn standard(api: &Api, kind: &str, division_code: &str, max_cash: Value) -> (u16, Value) {
    api.send(
        "PUT",
        "/api/v1/standards",
        json!({ "kind": kind, "division_code": division_code, "max_cash": max_cash }),
    )
    .await
}

/// A server with the standards set and everything of [`plant`] planted.
async fn planted() -> (TestApp, Tree, Planted) {
    let app = common::spawn().await;
    let tree = app.tree().await;
    set_standards(&app, &tree).await;
    let p = plant(&app, &tree).await;
    (app, tree, p)
}

/// Runs the fund audit as `api` (POST /api/v1/fund-audit/run).
async fn run_audit(api: &Api) -> (u16, Value) {
    api.send("POST", "/api/v1/fund-audit/run", json!({})).await
}

/// All findings a caller sees, as (check, subject) → finding.
async fn findings(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/v1/fund-audit/findings?per_page=200").await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().expect("items").clone()
}

fn subjects(list: &[Value], check: &str) -> BTreeSet<String> {
    list.iter()
        .filter(|f| f["check"] == check)
        .map(|f| f["subject"].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[String]) -> BTreeSet<String> {
    items.iter().cloned().collect()
}

fn one<'a>(list: &'a [Value], subject: &str) -> &'a Value {
    let v: Vec<&Value> = list.iter().filter(|f| f["subject"] == subject).collect();
    assert_eq!(v.len(), 1, "{subject} once in {list:?}");
    v[0]
}

#[tokio::test]
async fn each_kind_of_finding_is_found_once_with_its_evidence() {
    let (app, tree, p) = planted().await;
    app.user("aud", "auditor", tree.city).await;
    let aud = app.api_as("aud").await;

    let (status, run) = run_audit(&aud).await;
    assert_eq!(status, 200, "{run}");
    let list = findings(&aud).await;
    let r = &p.r;
    let a = |k: usize| format!("a:{}", r[k]);
    assert_eq!(subjects(&list, "not_on_file"), set(&[a(4), a(5)]));
    assert_eq!(
        subjects(&list, "duplicate"),
        set(&[format!("a:{}:{}", r[0], r[1])])
    );
    // 荔湾's own standard (8 000) decides for h1; 越秀 falls back to the country's (3 000).
    assert_eq!(subjects(&list, "over_standard"), set(&[a(6)]));
    assert_eq!(subjects(&list, "no_measure"), set(&[a(3), a(4)]));
    assert_eq!(
        subjects(&list, "not_passed_on"),
        set(&[format!("t:{}", p.alloc_a)])
    );
    assert_eq!(run["added"], json!(list.len()), "{run}");
    assert!(list.iter().all(|f| f["status"] == "open"));

    // Evidence.
    let dup = one(&list, &format!("a:{}:{}", r[0], r[1]));
    assert_eq!(dup["household_id"], json!(p.h1));
    assert_eq!(dup["amount"], json!(50_000));
    assert_eq!(dup["evidence"]["first"]["given_on"], "2025-03-01");
    assert_eq!(dup["evidence"]["second"]["given_on"], "2025-03-15");
    assert_eq!(dup["evidence"]["days"], json!(14));
    assert_eq!(dup["evidence"]["window_days"], json!(30));
    let over = one(&list, &a(6));
    assert_eq!(over["evidence"]["standard"]["max_cash"], json!(300_000));
    assert_eq!(over["evidence"]["standard"]["region_name"], "全国");
    assert_eq!(over["evidence"]["excess"], json!(200_000));
    let closed = one(&list, &a(5));
    assert_eq!(closed["check"], "not_on_file");
    assert_eq!(closed["evidence"]["reason"], "closed");
    assert_eq!(closed["evidence"]["closed_on"], "2025-01-10");
    let early = list
        .iter()
        .find(|f| f["subject"] == a(4) && f["check"] == "not_on_file")
        .unwrap();
    assert_eq!(early["evidence"]["reason"], "filed_later");
    assert_eq!(early["evidence"]["filed_on"], "2024-01-01");
    let nm = list
        .iter()
        .find(|f| f["subject"] == a(3) && f["check"] == "no_measure")
        .unwrap();
    assert_eq!(nm["evidence"]["reason"], "no_measure");
    let later = list
        .iter()
        .find(|f| f["subject"] == a(4) && f["check"] == "no_measure")
        .unwrap();
    assert_eq!(later["evidence"]["reason"], "approved_later");
    let alloc = one(&list, &format!("t:{}", p.alloc_a));
    assert_eq!(alloc["evidence"]["to_union"]["name"], "荔湾区总工会");
    assert_eq!(alloc["evidence"]["allocation"]["amount"], json!(1_000_000));
    assert_eq!(alloc["evidence"]["last_outflow"], Value::Null);

    // One finding by id; filters.
    let (status, got) = aud
        .get(&format!("/api/v1/fund-audit/findings/{}", dup["id"]))
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["subject"], dup["subject"]);
    let (_, dups) = aud.get("/api/v1/fund-audit/findings?check=duplicate").await;
    assert_eq!(dups["total"], json!(1));
    let (_, in_b) = aud
        .get(&format!(
            "/api/v1/fund-audit/findings?union_id={}",
            tree.county_b
        ))
        .await;
    assert_eq!(in_b["total"], json!(1));
    let bad = aud.get("/api/v1/fund-audit/findings?check=nonsense").await;
    assert_error("bad check", &bad, 400, "invalid_input", Some("check"));

    // The run is audited with its counts.
    let (_, log) = aud.get("/api/v1/audit?action=run_fund_audit").await;
    assert_eq!(log["total"], json!(1), "{log}");
}

#[tokio::test]
async fn running_again_adds_nothing_and_resolutions_stay() {
    let (app, tree, p) = planted().await;
    app.user("aud", "auditor", tree.city).await;
    let aud = app.api_as("aud").await;
    let (_, first) = run_audit(&aud).await;
    let before = findings(&aud).await;
    let (status, again) = run_audit(&aud).await;
    assert_eq!(status, 200);
    assert_eq!(again["added"], json!(0), "{again}");
    assert_eq!(again["found"], first["found"]);
    assert_eq!(findings(&aud).await.len(), before.len());

    let dup = one(&before, &format!("a:{}:{}", p.r[0], p.r[1]))["id"]
        .as_i64()
        .unwrap();
    let closed = one(&before, &format!("a:{}", p.r[5]))["id"]
        .as_i64()
        .unwrap();
    let path = |id: i64| format!("/api/v1/fund-audit/findings/{id}/resolve");

    // An explanation is required; nothing is written without one.
    let got = aud
        .send(
            "POST",
            &path(dup),
            json!({ "status": "explained", "note": "  " }),
        )
        .await;
    assert_error("no note", &got, 400, "invalid_input", Some("note"));
    let got = aud
        .send("POST", &path(dup), json!({ "status": "gone" }))
        .await;
    assert_error("bad status", &got, 400, "invalid_input", Some("status"));
    // A link must name a reversed record.
    let got = aud
        .send(
            "POST",
            &path(closed),
            json!({ "status": "reversed", "assistance_id": p.r[5] }),
        )
        .await;
    assert_error(
        "not reversed",
        &got,
        400,
        "invalid_input",
        Some("assistance_id"),
    );
    let (_, still) = aud.get(&format!("/api/v1/fund-audit/findings/{dup}")).await;
    assert_eq!(still["status"], "open");

    let (status, got) = aud
        .send(
            "POST",
            &path(dup),
            json!({ "status": "explained", "note": "两次分别为3月和4月的生活救助，经核实不重复" }),
        )
        .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["status"], "explained");
    assert_eq!(
        got["resolution"]["note"],
        "两次分别为3月和4月的生活救助，经核实不重复"
    );
    assert!(got["resolved_at"].is_string());
    assert!(got["resolved_by_name"].is_string());
    let (status, got) = aud
        .send(
            "POST",
            &path(closed),
            json!({ "status": "reversed", "note": "已追回" }),
        )
        .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["status"], "reversed");
    // Once resolved, it stays so.
    let got = aud
        .send("POST", &path(dup), json!({ "status": "reversed" }))
        .await;
    assert_error("twice", &got, 409, "conflict", Some("status"));

    let (_, log) = aud.get("/api/v1/audit?action=resolve_finding").await;
    assert_eq!(log["total"], json!(2), "{log}");

    let (_, third) = run_audit(&aud).await;
    assert_eq!(third["added"], json!(0));
    let after = findings(&aud).await;
    assert_eq!(after.len(), before.len());
    assert_eq!(
        one(&after, &format!("a:{}:{}", p.r[0], p.r[1]))["status"],
        "explained"
    );
    assert_eq!(one(&after, &format!("a:{}", p.r[5]))["status"], "reversed");
    let (_, open) = aud.get("/api/v1/fund-audit/findings?status=open").await;
    assert_eq!(open["total"], json!(before.len() - 2));
}

#[tokio::test]
async fn auditors_see_their_scope_and_officers_cannot_run_it() {
    let (app, tree, p) = planted().await;
    app.user("aud-b", "auditor", tree.county_b).await;
    app.user("aud", "auditor", tree.city).await;
    let [aud_b, aud] = app.apis(["aud-b", "aud"]).await;

    // 越秀's auditor runs over 越秀 only: the over-standard payment there.
    let (status, run) = run_audit(&aud_b).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["added"], json!(1), "{run}");
    let mine = findings(&aud_b).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["subject"], format!("a:{}", p.r[6]));

    // The city's auditor finds the rest; 越秀's still sees only its own.
    run_audit(&aud).await;
    let all = findings(&aud).await;
    assert!(all.len() > 1);
    assert_eq!(findings(&aud_b).await.len(), 1);
    let other = all
        .iter()
        .find(|f| f["household_id"] == json!(p.h1))
        .unwrap();
    let got = aud_b
        .get(&format!("/api/v1/fund-audit/findings/{}", other["id"]))
        .await;
    assert_error("other county", &got, 404, "not_found", None);
    let got = aud_b
        .send(
            "POST",
            &format!("/api/v1/fund-audit/findings/{}/resolve", other["id"]),
            json!({ "status": "explained", "note": "x" }),
        )
        .await;
    assert_error("resolve other county", &got, 404, "not_found", None);

    // An officer may not run it nor read findings; nothing was recorded.
    let off = app.api_as("off-a").await;
    let got = run_audit(&off).await;
    assert_error("officer runs", &got, 403, "forbidden", None);
    let got = off.get("/api/v1/fund-audit/findings").await;
    assert_error("officer reads", &got, 403, "forbidden", None);
    let (_, log) = aud.get("/api/v1/audit?action=run_fund_audit").await;
    assert_eq!(log["total"], json!(2), "{log}");
}

#[tokio::test]
async fn standards_are_set_by_administrators_within_their_region() {
    let (app, _, _) = common::staffed(&[
        ("adm-city", "admin", At::City),
        ("aud", "auditor", At::City),
    ])
    .await;
    let [adm, aud] = app.apis(["adm-city", "aud"]).await;

    // None by default.
    let (status, list) = aud.get("/api/v1/standards").await;
    assert_eq!(status, 200);
    assert_eq!(list, json!([]));

    let (status, list) = standard(&adm, "living", "440103", json!(150_000)).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["division_code"], "440103");
    assert_eq!(list[0]["max_cash"], json!(150_000));
    // Outside the city, or nationwide: refused.
    let got = standard(&adm, "living", "440300", json!(1)).await;
    assert_error(
        "other city",
        &got,
        400,
        "invalid_input",
        Some("division_code"),
    );
    let got = standard(&adm, "living", "", json!(1)).await;
    assert_error(
        "nationwide",
        &got,
        400,
        "invalid_input",
        Some("division_code"),
    );
    let got = standard(&adm, "nonsense", "440103", json!(1)).await;
    assert_error("kind", &got, 400, "invalid_input", Some("kind"));
    let got = standard(&adm, "living", "440103", json!(-5)).await;
    assert_error("negative", &got, 400, "invalid_input", Some("max_cash"));
    // Auditors read but do not edit.
    let got = standard(&aud, "living", "440103", json!(1)).await;
    assert_error("auditor edits", &got, 403, "forbidden", None);
    let (_, list) = aud.get("/api/v1/standards").await;
    assert_eq!(list[0]["max_cash"], json!(150_000));
    // Removing (null) is audited like setting.
    let (status, list) = standard(&adm, "living", "440103", json!(null)).await;
    assert_eq!(status, 200);
    assert_eq!(list, json!([]));
    let (_, log) = aud.get("/api/v1/audit?action=set_standard").await;
    assert_eq!(log["total"], json!(2), "{log}");
}

#[tokio::test]
async fn the_audit_page_runs_lists_and_exports() {
    let (app, tree, p) = planted().await;
    app.user("aud", "auditor", tree.city).await;
    let aud = app.api_as("aud").await;
    run_audit(&aud).await;
    let (client, _) = app.html_login("aud", common::PASSWORD).await;
    let (status, html) = app.page(&client, "/fund-audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("30天内重复发放"), "{html}");
    assert!(html.contains("王建国"));
    assert!(html.contains(&format!("/households/{}", p.h1)));
    let (status, html) = app.page(&client, "/fund-audit?check=duplicate").await;
    assert_eq!(status, 200);
    assert!(html.contains("间隔 14 天"), "{html}");
    let (status, _) = app.page(&client, "/fund-audit/standards").await;
    assert_eq!(status, 200);
    app.assert_xlsx(&client, "/fund-audit/export.xlsx").await;
}
