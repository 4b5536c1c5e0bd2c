//! 考核评价: an administrator defines a scheme whose weights add up to 100
//! (anything else is refused, writing nothing); scoring counts the computed
//! items for every union of the level assessed (pairing, campaign tasks
//! done); scores entered by hand need their evidence (a third-party
//! evaluation its document); totals rank siblings; a county sees only its
//! own line; the items are locked once something is scored; every write is
//! audited; the history and the workbook show the same totals.

use crate::common;

use base64::Engine;
use common::{assert_error, audit_entries, file, household, pair, person, Api, At, TestApp, Tree};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    t: Tree,
    /// The city's administrator: defines and scores.
    admin: Api,
    a: Api,
    b: Api,
    auditor: Api,
    a_id: i64,
    /// County A: two on file, one paired.
    a1: i64,
    a2: i64,
    /// County B: one on file, paired.
    b1: i64,
}

fn year() -> i32 {
    use chrono::Datelike;
    common::today().year()
}

async fn world() -> World {
    let (app, t, ids) = common::staffed(&[
        ("s_admin", "admin", At::City),
        ("s_a", "officer", At::CountyA),
        ("s_b", "officer", At::CountyB),
        ("s_aud", "auditor", At::City),
        ("s_rev", "reviewer", At::CountyA),
    ])
    .await;
    let [admin, a, b, auditor] = app.apis(["s_admin", "s_a", "s_b", "s_aud"]).await;
    let a1 = file(
        &a,
        household("王建国", &person("440103", "19700101", 11), t.county_a),
    )
    .await;
    let a2 = file(
        &a,
        household("李秀英", &person("440103", "19720202", 22), t.county_a),
    )
    .await;
    let b1 = file(
        &b,
        household("陈芳", &person("440104", "19800505", 55), t.county_b),
    )
    .await;
    pair(&a, a1, t.county_a, ids[1]).await;
    pair(&b, b1, t.county_b, ids[2]).await;
    World {
        app,
        t,
        admin,
        a,
        b,
        auditor,
        a_id: ids[1],
        a1,
        a2,
        b1,
    }
}

fn item(area: &str, name: &str, weight: i64, source: &str) -> Value {
    json!({ "area": area, "name": name, "weight": weight, "source": source })
}

fn scheme(t: &Tree, items: Vec<Value>) -> Value {
    json!({ "union_id": t.city, "level": "county", "year": year(), "title": "区县工会解困脱困工作考核", "items": items })
}

fn items() -> Vec<Value> {
    vec![
        item("精准帮扶", "一帮一结对覆盖", 40, "paired"),
        item("建档立卡", "回头看任务完成", 20, "campaign_completion"),
        item("组织领导", "领导机制健全", 20, "manual"),
        item("解困脱困成效", "第三方评估结果", 20, "third_party"),
    ]
}

async fn define(w: &World) -> Value {
    let (s, v) = w
        .admin
        .send("POST", "/api/v1/assessments", scheme(&w.t, items()))
        .await;
    assert_eq!(s, 201, "{v}");
    v
}

/// Scores the scheme as the city's administrator: the report.
async fn score(w: &World, id: i64) -> Value {
    let (s, r) = w
        .admin
        .send_empty("POST", &format!("/api/v1/assessments/{id}/score"))
        .await;
    assert_eq!(s, 200, "{r}");
    r
}

/// The line of `union_id` in a report.
fn line(report: &Value, union_id: i64) -> Value {
    report["unions"]
        .as_array()
        .expect("unions")
        .iter()
        .find(|u| u["union_id"] == union_id)
        .cloned()
        .unwrap_or_else(|| panic!("no line for {union_id} in {report}"))
}

fn item_id(report: &Value, name: &str) -> i64 {
    report["scheme"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == name)
        .and_then(|i| i["id"].as_i64())
        .expect("item")
}

/// The points (hundredths) of the item named `name` on a union's line.
fn points(report: &Value, union_id: i64, name: &str) -> Value {
    let id = item_id(report, name);
    line(report, union_id)["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["item_id"] == id)
        .map(|i| i["points"].clone())
        .expect("item score")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_schemes_are_refused_and_nothing_is_written() {
    let w = world().await;
    let cases: Vec<(&str, Value, u16, &str, &str)> = vec![
        (
            "weights adding up to 90",
            scheme(
                &w.t,
                vec![item("a", "b", 60, "manual"), item("a", "c", 30, "paired")],
            ),
            400,
            "invalid_input",
            "合计应为 100 分，现为 90 分",
        ),
        (
            "no items",
            scheme(&w.t, vec![]),
            400,
            "invalid_input",
            "至少要有一项",
        ),
        (
            "an unknown source",
            scheme(&w.t, vec![item("a", "b", 100, "luck")]),
            400,
            "invalid_input",
            "指标类型“luck”无效",
        ),
        (
            "a weight of zero",
            scheme(
                &w.t,
                vec![item("a", "b", 0, "manual"), item("a", "c", 100, "manual")],
            ),
            400,
            "invalid_input",
            "第 1 项：分值应为",
        ),
        (
            "the level of the union itself",
            json!({ "union_id": w.t.city, "level": "city", "year": year(), "title": "x", "items": [item("a", "b", 100, "manual")] }),
            422,
            "rule_violation",
            "只能考核下级工会",
        ),
        (
            "the national level",
            json!({ "union_id": w.t.city, "level": "national", "year": year(), "title": "x", "items": [item("a", "b", 100, "manual")] }),
            400,
            "invalid_input",
            "被考核层级只能是",
        ),
    ];
    for (what, body, status, code, says) in cases {
        let got = w.admin.send("POST", "/api/v1/assessments", body).await;
        assert_eq!(got.0, status, "{what}: {}", got.1);
        assert_eq!(got.1["error"]["code"], code, "{what}: {}", got.1);
        let msg = got.1["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(says), "{what}: {msg}");
    }
    let (s, list) = w.admin.get("/api/v1/assessments").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list, json!([]), "nothing written");

    // An officer may not define one; another city's union is not found.
    let got =
        w.a.send("POST", "/api/v1/assessments", scheme(&w.t, items()))
            .await;
    assert_error("officer", &got, 403, "forbidden", None);
    let mut other = scheme(&w.t, items());
    other["union_id"] = json!(w.t.other_city);
    let got = w.admin.send("POST", "/api/v1/assessments", other).await;
    assert_eq!(got.0, 404, "{}", got.1);

    // One per union, level and year.
    define(&w).await;
    let got = w
        .admin
        .send("POST", "/api/v1/assessments", scheme(&w.t, items()))
        .await;
    assert_error("second scheme", &got, 409, "conflict", Some("year"));

    // The example is a valid scheme of 25 items.
    let (s, ex) = w.admin.get("/api/v1/assessments/example").await;
    assert_eq!(s, 200);
    assert_eq!(ex.as_array().map(Vec::len), Some(25));
    let mut yunnan = scheme(&w.t, vec![]);
    yunnan["items"] = ex;
    yunnan["year"] = json!(year() - 1);
    let (s, v) = w.admin.send("POST", "/api/v1/assessments", yunnan).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["areas"].as_array().map(Vec::len), Some(6));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn computed_items_count_each_county_and_ranks_follow_the_totals() {
    let w = world().await;
    let r = define(&w).await;
    let id = r["scheme"]["id"].as_i64().unwrap();
    assert_eq!(r["assessed"], 2, "county A and B: {r}");
    assert_eq!(r["editable"], true);
    assert_eq!(line(&r, w.t.county_a)["missing"], 4, "nothing scored yet");

    // A look-back over county A; one of its two tasks is done.
    let (s, c) =
        w.a.send(
            "POST",
            "/api/v1/campaigns",
            json!({ "kind": "look_back", "union_id": w.t.county_a, "title": "回头看",
                    "deadline": (common::today() + chrono::Duration::days(10)).to_string() }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, tasks) =
        w.a.get(&format!(
            "/api/v1/campaigns/{}/tasks?household_id={}",
            c["id"], w.a1
        ))
        .await;
    assert_eq!(s, 200, "{tasks}");
    let task = tasks["items"][0]["id"].as_i64().unwrap();
    let (s, v) =
        w.a.send(
            "POST",
            &format!("/api/v1/campaign-tasks/{task}/outcome"),
            json!({ "outcome": "keep", "note": "与档案一致" }),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let r = score(&w, id).await;
    assert!(r["scheme"]["scored_at"].is_string());
    // Paired: A 1 of 2 → 20.00 of 40; B 1 of 1 → 40.
    assert_eq!(points(&r, w.t.county_a, "一帮一结对覆盖"), 2000);
    assert_eq!(points(&r, w.t.county_b, "一帮一结对覆盖"), 4000);
    // Campaign tasks: A 1 of 2 done → 10.00 of 20; B had none due → full.
    assert_eq!(points(&r, w.t.county_a, "回头看任务完成"), 1000);
    assert_eq!(points(&r, w.t.county_b, "回头看任务完成"), 2000);
    let a = line(&r, w.t.county_a);
    let ai = a["items"].as_array().unwrap();
    let campaign_item = item_id(&r, "回头看任务完成");
    let got = ai.iter().find(|i| i["item_id"] == campaign_item).unwrap();
    assert_eq!(
        (got["numerator"].clone(), got["denominator"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(
        (a["total"].clone(), a["rank"].clone(), a["siblings"].clone()),
        (json!(3000), json!(2), json!(2))
    );
    assert_eq!(line(&r, w.t.county_b)["rank"], 1);
    assert_eq!(a["missing"], 2, "the two entered items");

    // The items are locked once scored.
    let got = w
        .admin
        .send(
            "PUT",
            &format!("/api/v1/assessments/{id}"),
            json!({ "version": r["scheme"]["version"], "title": "改", "items": items() }),
        )
        .await;
    assert_error("locked", &got, 422, "rule_violation", None);

    // Entered scores: in range, with a note; a third-party one with its document.
    let manual = item_id(&r, "领导机制健全");
    let third = item_id(&r, "第三方评估结果");
    let enter = |body: Value| {
        let admin = &w.admin;
        async move {
            admin
                .send("POST", &format!("/api/v1/assessments/{id}/entries"), body)
                .await
        }
    };
    let got = enter(json!({ "item_id": manual, "union_id": w.t.county_a, "points": "20.5", "note": "会议纪要" })).await;
    assert_error(
        "over the weight",
        &got,
        400,
        "invalid_input",
        Some("points"),
    );
    let got =
        enter(json!({ "item_id": manual, "union_id": w.t.county_a, "points": "18", "note": " " }))
            .await;
    assert_error("no note", &got, 400, "invalid_input", Some("note"));
    let got = enter(
        json!({ "item_id": campaign_item, "union_id": w.t.county_a, "points": "1", "note": "x" }),
    )
    .await;
    assert_error("a computed item", &got, 422, "rule_violation", None);
    let got = enter(
        json!({ "item_id": third, "union_id": w.t.county_a, "points": "15", "note": "评估报告" }),
    )
    .await;
    assert_error("no document", &got, 400, "invalid_input", Some("document"));
    let got =
        enter(json!({ "item_id": manual, "union_id": w.t.other_city, "points": "1", "note": "x" }))
            .await;
    assert_eq!(got.0, 404, "{}", got.1);
    let (s, r) = enter(json!({ "item_id": manual, "union_id": w.t.county_a, "points": "18.5", "note": "领导小组会议纪要 3 份" })).await;
    assert_eq!(s, 200, "{r}");
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 third-party evaluation");
    let (s, r) = enter(json!({ "item_id": third, "union_id": w.t.county_a, "points": "19.25", "note": "第三方评估报告",
        "document": { "name": "评估报告.pdf", "content_base64": pdf } }))
    .await;
    assert_eq!(s, 200, "{r}");
    // A: 20 + 10 + 18.5 + 19.25 = 67.75, now first; B: 60.
    let a = line(&r, w.t.county_a);
    assert_eq!(
        (
            a["total"].clone(),
            a["total_text"].clone(),
            a["rank"].clone(),
            a["missing"].clone()
        ),
        (json!(6775), json!("67.75"), json!(1), json!(0))
    );
    assert_eq!(line(&r, w.t.county_b)["rank"], 2);
    let doc =
        w.a.client
            .get(w.app.url(&format!(
                "/api/v1/assessments/{id}/entries/{third}/{}/document",
                w.t.county_a
            )))
            .bearer_auth(&w.a.token)
            .send()
            .await
            .unwrap();
    assert_eq!(doc.status(), 200);
    assert_eq!(
        doc.bytes().await.unwrap().as_ref(),
        b"%PDF-1.4 third-party evaluation"
    );

    // County A sees its own line only, with its rank among its siblings.
    let (s, mine) = w.a.get(&format!("/api/v1/assessments/{id}")).await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["unions"].as_array().map(Vec::len), Some(1));
    assert_eq!(line(&mine, w.t.county_a)["rank"], 1);
    assert_eq!(mine["can_manage"], false);
    let got =
        w.b.send_empty("POST", &format!("/api/v1/assessments/{id}/score"))
            .await;
    assert_error("officer scores", &got, 403, "forbidden", None);
    let (s, _) =
        w.b.get(&format!("/api/v1/assessment-history/{}", w.t.county_a))
            .await;
    assert_eq!(s, 404, "county B reads no history of A");

    // History: the same total.
    let (s, h) =
        w.a.get(&format!("/api/v1/assessment-history/{}", w.t.county_a))
            .await;
    assert_eq!(s, 200, "{h}");
    assert_eq!(h["lines"][0]["total"], 6775, "{h}");
    assert_eq!(h["lines"][0]["year"], year());

    // Every write audited.
    for action in [
        "edit_assessment",
        "score_assessment",
        "enter_assessment_score",
    ] {
        assert!(
            !audit_entries(&w.auditor, action, id).await.is_empty(),
            "{action}"
        );
    }

    // The workbook: a header and one row per county, with the totals.
    let res = w
        .admin
        .client
        .get(w.app.url(&format!("/api/v1/assessments/{id}/export")))
        .bearer_auth(&w.admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range("考核结果").expect("sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(common::cell_text).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][1], "荔湾区总工会", "{rows:?}");
    assert_eq!(rows[1][4], "67.75");
    let _ = (w.a_id, w.b1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_change_until_something_is_scored_and_a_stale_version_is_refused() {
    let w = world().await;
    let r = define(&w).await;
    let id = r["scheme"]["id"].as_i64().unwrap();
    let version = r["scheme"]["version"].clone();
    let bad = w
        .admin
        .send(
            "PUT",
            &format!("/api/v1/assessments/{id}"),
            json!({ "version": version, "title": "改", "items": [item("a", "b", 99, "manual")] }),
        )
        .await;
    assert_error("bad weights", &bad, 400, "invalid_input", Some("items"));
    let (s, v) = w
        .admin
        .send(
            "PUT",
            &format!("/api/v1/assessments/{id}"),
            json!({ "version": version, "title": "区县考核（修订）", "items": [item("成效", "目标任务完成", 100, "target_progress")] }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["scheme"]["title"], "区县考核（修订）");
    assert_eq!(v["scheme"]["items"].as_array().map(Vec::len), Some(1));
    let stale = w
        .admin
        .send(
            "PUT",
            &format!("/api/v1/assessments/{id}"),
            json!({ "version": version, "title": "再改", "items": items() }),
        )
        .await;
    assert_error("stale version", &stale, 409, "conflict", None);
    // Target progress: the targets' own achieved over target, per county.
    let (s, v) = w
        .admin
        .send(
            "PUT",
            "/api/v1/targets",
            json!({ "union_id": w.t.city, "year": year(), "share": 50 }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = score(&w, id).await;
    for county in [w.t.county_a, w.t.county_b] {
        let (s, p) = w
            .admin
            .get(&format!(
                "/api/v1/targets/progress?union={county}&year={}",
                year()
            ))
            .await;
        assert_eq!(s, 200, "{p}");
        let got = &line(&r, county)["items"][0];
        assert_eq!(
            (got["numerator"].clone(), got["denominator"].clone()),
            (p["achieved"].clone(), p["target"].clone()),
            "{county}: {p}"
        );
        let full = p["target"].as_i64().unwrap_or(0) <= p["achieved"].as_i64().unwrap_or(0);
        assert_eq!(got["points"] == 10_000, full, "{got}");
    }
    let _ = (&w.app, w.a1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_plans_and_visits_on_time_are_shares_of_the_files_on_file() {
    let w = world().await;
    let (s, r) = w
        .admin
        .send(
            "POST",
            "/api/v1/assessments",
            scheme(
                &w.t,
                vec![
                    item("建档立卡", "年度帮扶计划覆盖率", 50, "plan_share"),
                    item("精准帮扶", "入户走访按期", 50, "visited"),
                ],
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let id = r["scheme"]["id"].as_i64().unwrap();

    // A1's plan for the year, submitted and approved; A2 has none. A draft
    // plan would not count.
    let (s, plan) = w
        .a
        .send(
            "PUT",
            &format!("/api/v1/households/{}/plans/{}", w.a1, year()),
            json!({ "goal": "exit", "target_on": format!("{}-12-31", year()), "summary": "患病致困，安排就业和医疗互助" }),
        )
        .await;
    assert_eq!(s, 200, "{plan}");
    let pid = plan["id"].as_i64().unwrap();
    let (s, v) =
        w.a.send(
            "POST",
            &format!("/api/v1/plans/{pid}/measures"),
            json!({ "track": "medical", "programme": "skills", "guarantee_line": "employment",
                    "content": "大病医疗互助", "due_on": format!("{}-12-31", year()) }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) =
        w.a.send_empty("POST", &format!("/api/v1/plans/{pid}/submit"))
            .await;
    assert_eq!(s, 200, "{v}");
    let rev = w.app.api_as("s_rev").await;
    let (s, v) = rev
        .send_empty("POST", &format!("/api/v1/plans/{pid}/approve"))
        .await;
    assert_eq!(s, 200, "{v}");

    let r = score(&w, id).await;
    let ratio = |county: i64, n: usize| {
        let it = &line(&r, county)["items"][n];
        (
            it["numerator"].as_i64().unwrap(),
            it["denominator"].as_i64().unwrap(),
            it["points"].as_i64().unwrap(),
        )
    };
    // Plans: A 1 of 2; B 0 of 1.
    assert_eq!(ratio(w.t.county_a, 0), (1, 2, 2500));
    assert_eq!(ratio(w.t.county_b, 0), (0, 1, 0));
    // Visits (interval 90 days): A1 was paired today, so it is not due; A2
    // was filed in 2024, never paired or visited, so it is; B1 was paired today.
    assert_eq!(ratio(w.t.county_a, 1), (1, 2, 2500));
    assert_eq!(ratio(w.t.county_b, 1), (1, 1, 5000));

    // A visit to A2 today brings A to full points at the next scoring.
    let (s, v) =
        w.a.send(
            "POST",
            &format!("/api/v1/households/{}/visits", w.a2),
            json!({ "visited_on": common::today().to_string(), "met": "本人", "looked": "住房简陋",
                    "asked": "收入无变化", "explained": "帮扶政策" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let r = score(&w, id).await;
    let it = &line(&r, w.t.county_a)["items"][1];
    assert_eq!(
        (it["numerator"].clone(), it["points"].clone()),
        (json!(2), json!(5000))
    );
}
