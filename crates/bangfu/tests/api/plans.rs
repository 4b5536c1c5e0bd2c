//! Pairing (一帮一), plans and measures (一户一计划、一户一措施), home visits
//! and the dictionary, over the JSON API and the pages:
//! pairing and reassignment are audited; the three work lists; "my
//! households" with what is due; bad input is refused with the field named
//! and nothing written; only a reviewer approves a plan; visit dates and
//! photos are checked; a deactivated dictionary entry leaves forms but old
//! measures stay readable; another county's records are 404.

use crate::common;

use chrono::Datelike;
use common::{
    assert_error, file, file_two_households, form_html, household, input_value, person, today, Api,
    TestApp, Tree,
};
use serde_json::{json, Value};

/// This year in China Standard Time.
fn year() -> i32 {
    today().year()
}

/// Two counties of one city: in 荔湾区 (A) two officers, a reviewer, an
/// auditor and two households; in 越秀区 (B) an officer, a reviewer and one
/// household; an administrator at the root and one at a county.
struct World {
    app: TestApp,
    tree: Tree,
    off_a: Api,
    off_a_id: i64,
    off_a2_id: i64,
    rev_a: Api,
    rev_a_id: i64,
    aud_a: Api,
    off_b: Api,
    off_b_id: i64,
    rev_b: Api,
    admin: Api,
    county_admin: Api,
    h1: i64,
    h2: i64,
    hb: i64,
}

async fn world() -> World {
    let app = common::spawn().await;
    let tree = app.tree().await;
    let off_a_id = app.user("off-a", "officer", tree.county_a).await;
    let off_a2_id = app.user("off-a2", "officer", tree.county_a).await;
    let rev_a_id = app.user("rev-a", "reviewer", tree.county_a).await;
    app.user("aud-a", "auditor", tree.county_a).await;
    let off_b_id = app.user("off-b", "officer", tree.county_b).await;
    app.user("rev-b", "reviewer", tree.county_b).await;
    app.user("root-admin", "admin", tree.root).await;
    app.user("county-admin", "admin", tree.county_a).await;
    let [off_a, off_b] = app.apis(["off-a", "off-b"]).await;
    let (h1, h2) = file_two_households(&off_a, tree.county_a).await;
    let hb = file(
        &off_b,
        household("张志强", &person("440104", "19750303", 33), tree.county_b),
    )
    .await;
    World {
        rev_a: app.api_as("rev-a").await,
        aud_a: app.api_as("aud-a").await,
        rev_b: app.api_as("rev-b").await,
        admin: app.api_as("root-admin").await,
        county_admin: app.api_as("county-admin").await,
        off_a,
        off_b,
        app,
        tree,
        off_a_id,
        off_a2_id,
        rev_a_id,
        off_b_id,
        h1,
        h2,
        hb,
    }
}

fn ids(body: &Value) -> Vec<i64> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {body}"))
        .iter()
        .map(|i| i["household_id"].as_i64().expect("household_id"))
        .collect()
}

async fn list(api: &Api, path: &str) -> Vec<i64> {
    let (s, body) = api.get(path).await;
    assert_eq!(s, 200, "GET {path}: {body}");
    ids(&body)
}

async fn make_plan(api: &Api, h: i64, year: i32) -> Value {
    let (s, p) = api
        .send(
            "PUT",
            &format!("/api/v1/households/{h}/plans/{year}"),
            json!({ "goal": "exit", "target_on": format!("{year}-12-31"), "summary": "患病致困，安排就业和医疗互助" }),
        )
        .await;
    assert_eq!(s, 200, "plan: {p}");
    p
}

async fn add_measure(api: &Api, plan: i64, track: &str, due_on: &str) -> (u16, Value) {
    api.send(
        "POST",
        &format!("/api/v1/plans/{plan}/measures"),
        json!({ "track": track, "programme": "skills", "guarantee_line": "employment",
                "content": "推荐参加技能培训并介绍就业", "due_on": due_on }),
    )
    .await
}

async fn measures_now(api: &Api, h: i64, y: i32) -> usize {
    let (_, v) = api.get(&format!("/api/v1/households/{h}/plans/{y}")).await;
    v["measures"].as_array().map(Vec::len).unwrap_or(0)
}

/// Adds (POST) or edits (PATCH) a dictionary entry, `kind/code`.
async fn dictionary(api: &Api, method: &str, entry: &str, body: Value) -> (u16, Value) {
    api.send(method, &format!("/api/v1/dictionary/{entry}"), body)
        .await
}

async fn audit_count(w: &World, action: &str, object_id: i64) -> i64 {
    w.aud_a
        .total(&format!(
            "/api/v1/audit?action={action}&object_id={object_id}"
        ))
        .await
}

#[tokio::test]
async fn pairing_is_audited_and_the_work_lists_follow() {
    let w = world().await;
    let (h1, h2, hb) = (w.h1, w.h2, w.hb);

    // All open files of the scope start on the three lists; the other county's is not there.
    for l in ["unassigned", "no-plan", "not-visited"] {
        let got = list(&w.off_a, &format!("/api/v1/pairing/{l}")).await;
        assert_eq!(got, vec![h1, h2], "{l}");
    }
    assert_eq!(list(&w.off_b, "/api/v1/pairing/unassigned").await, vec![hb]);

    // Pair h1 with the second officer.
    let (s, p) = w
        .off_a
        .send(
            "POST",
            &format!("/api/v1/households/{h1}/pairing"),
            json!({ "union_id": w.tree.county_a, "responsible_id": w.off_a2_id, "note": "首次结对" }),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["current"]["responsible_id"], w.off_a2_id);
    assert_eq!(p["current"]["pairing_union_id"], w.tree.county_a);
    assert_eq!(p["current"]["paired_on"], today().to_string());
    assert_eq!(p["current"]["filed_on"], "2024-01-01");
    assert_eq!(p["history"].as_array().unwrap().len(), 1);
    assert_eq!(audit_count(&w, "assign_pairing", h1).await, 1);

    // Reassign to the first officer: the first pairing is closed, both audited.
    let (s, p) = w
        .off_a
        .send(
            "POST",
            &format!("/api/v1/households/{h1}/pairing"),
            json!({ "union_id": w.tree.county_a, "responsible_id": w.off_a_id }),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let hist = p["history"].as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert!(hist[0]["until_at"].is_null(), "current pairing open: {p}");
    assert!(
        hist[1]["until_at"].is_string(),
        "previous pairing closed: {p}"
    );
    assert_eq!(hist[1]["responsible_id"], w.off_a2_id);
    assert_eq!(audit_count(&w, "assign_pairing", h1).await, 2);
    let (_, entries) = w
        .aud_a
        .get(&format!(
            "/api/v1/audit?action=assign_pairing&object_id={h1}"
        ))
        .await;
    let before: Vec<Value> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| common::audit_json(&e["before"]))
        .collect();
    assert!(
        before.iter().any(|b| b["responsible_id"] == w.off_a2_id),
        "the reassignment records who was responsible before: {entries}"
    );

    // Refused, naming the field, writing nothing.
    let bad = [
        (
            json!({ "union_id": w.tree.county_a, "responsible_id": w.rev_a_id }),
            "responsible_id",
        ),
        (
            json!({ "union_id": w.tree.county_a, "responsible_id": w.off_b_id }),
            "responsible_id",
        ),
        (
            json!({ "union_id": w.tree.county_b, "responsible_id": w.off_a2_id }),
            "union_id",
        ),
    ];
    for (body, field) in bad {
        let got = w
            .off_a
            .send("POST", &format!("/api/v1/households/{h2}/pairing"), body)
            .await;
        assert_error("bad pairing", &got, 400, "invalid_input", Some(field));
    }
    assert_eq!(audit_count(&w, "assign_pairing", h2).await, 0);
    // Another county's household, or its union as a filter: 404.
    let got = w
        .off_a
        .send(
            "POST",
            &format!("/api/v1/households/{hb}/pairing"),
            json!({ "union_id": w.tree.county_a, "responsible_id": w.off_a_id }),
        )
        .await;
    assert_error("other county", &got, 404, "not_found", None);
    let got = w
        .off_a
        .get(&format!(
            "/api/v1/pairing/unassigned?union_id={}",
            w.tree.county_b
        ))
        .await;
    assert_error("other county filter", &got, 404, "not_found", None);
    // A reviewer reads but does not pair.
    let got = w
        .rev_a
        .send(
            "POST",
            &format!("/api/v1/households/{h2}/pairing"),
            json!({ "union_id": w.tree.county_a, "responsible_id": w.off_a_id }),
        )
        .await;
    assert_error("reviewer pairs", &got, 403, "forbidden", None);

    assert_eq!(list(&w.off_a, "/api/v1/pairing/unassigned").await, vec![h2]);
    assert_eq!(
        list(
            &w.off_a,
            &format!("/api/v1/pairing/unassigned?union_id={}", w.tree.county_a)
        )
        .await,
        vec![h2]
    );

    // Just paired: the new responsible person has the visit interval for a
    // first visit, so h1 is not due; once the pairing is older than the
    // interval (and h1 still never visited) it is due again.
    assert_eq!(
        list(&w.off_a, "/api/v1/pairing/not-visited").await,
        vec![h2]
    );
    let (_, my) = w.off_a.get("/api/v1/my/households").await;
    assert_eq!(my["items"][0]["visit_overdue"], false, "{my}");
    common::pair_days_ago(&w.app, h1, 91).await;
    assert_eq!(
        list(&w.off_a, "/api/v1/pairing/not-visited").await,
        vec![h1, h2]
    );

    // My households: h1, with everything due.
    let (s, my) = w.off_a.get("/api/v1/my/households").await;
    assert_eq!(s, 200, "{my}");
    assert_eq!(my["total"], 1);
    let mine = &my["items"][0];
    assert_eq!(mine["household"]["household_id"], h1);
    assert_eq!(mine["visit_overdue"], true);
    assert!(mine["plan_this_year"].is_null());
    assert_eq!(w.off_b.total("/api/v1/my/households").await, 0);

    // Last year's plan with a measure past its date: overdue in "my households".
    let last = make_plan(&w.off_a, h1, year() - 1).await;
    let (s, m) = add_measure(
        &w.off_a,
        last["id"].as_i64().unwrap(),
        "employment",
        &format!("{}-06-30", year() - 1),
    )
    .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(
        m["responsible_id"], w.off_a_id,
        "the responsible person by default"
    );
    let (_, my) = w.off_a.get("/api/v1/my/households").await;
    let mine = &my["items"][0];
    assert_eq!(mine["overdue_measures"], 1, "{my}");
    assert_eq!(mine["open_measures"][0]["overdue"], true);
    assert_eq!(mine["open_measures"][0]["track_label"], "就业创业帮扶一批");

    // A plan for this year takes h1 off the no-plan list.
    make_plan(&w.off_a, h1, year()).await;
    assert_eq!(list(&w.off_a, "/api/v1/pairing/no-plan").await, vec![h2]);
    let (_, my) = w.off_a.get("/api/v1/my/households").await;
    assert_eq!(my["items"][0]["plan_this_year"], "draft");

    // A visit today takes h1 off the not-visited list.
    let (s, v) = w
        .off_a
        .send(
            "POST",
            &format!("/api/v1/households/{h1}/visits"),
            json!({ "visited_on": today().to_string(), "met": "本人", "looked": "住房简陋",
                    "asked": "医药费负担重", "explained": "医疗互助政策" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        list(&w.off_a, "/api/v1/pairing/not-visited").await,
        vec![h2]
    );
    let (_, p) = w
        .off_a
        .get(&format!("/api/v1/households/{h1}/pairing"))
        .await;
    assert_eq!(p["current"]["last_visit_on"], today().to_string());
    let (_, my) = w.off_a.get("/api/v1/my/households").await;
    assert_eq!(my["items"][0]["visit_overdue"], false);

    // A closed file is no longer paired, and leaves the lists.
    w.app.close_household(h2).await;
    let got = w
        .off_a
        .send(
            "POST",
            &format!("/api/v1/households/{h2}/pairing"),
            json!({ "union_id": w.tree.county_a, "responsible_id": w.off_a_id }),
        )
        .await;
    assert_error("closed file", &got, 422, "rule_violation", None);
    assert!(list(&w.off_a, "/api/v1/pairing/unassigned")
        .await
        .is_empty());

    // The pages: lists, my households first on the home page.
    let (client, _) = w.app.html_login("off-a", common::PASSWORD).await;
    let (s, html) = w.app.page(&client, "/").await;
    assert_eq!(s, 200);
    assert!(html.contains("我的结对家庭"), "home shows my households");
    assert!(
        html.contains("王建国") && html.contains("项措施逾期"),
        "with what is due"
    );
    for path in [
        "/pairing".to_owned(),
        "/pairing?list=no_plan".to_owned(),
        "/pairing?list=not_visited".to_owned(),
        "/my".to_owned(),
        format!("/households/{h1}/plan"),
        format!("/households/{h1}/visits"),
    ] {
        let (s, html) = w.app.page(&client, &path).await;
        assert_eq!(s, 200, "{path}: {html}");
    }
    let (s, _) = w.app.page(&client, &format!("/households/{hb}/plan")).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_household_filed_today_is_not_due_a_visit() {
    let w = world().await;
    let days_ago = |n: i64| (today() - chrono::Duration::days(n)).to_string();
    // Filed today, 90 days ago and 91 days ago; none visited.
    let mut ids = Vec::new();
    for (n, ago) in [0, 90, 91].into_iter().enumerate() {
        let mut body = household(
            &format!("新户{n}"),
            &person("440103", "19800505", 50 + n as u32),
            w.tree.county_a,
        );
        body["filed_on"] = json!(days_ago(ago));
        ids.push(file(&w.off_a, body).await);
    }
    let (today_, ninety, ninety_one) = (ids[0], ids[1], ids[2]);
    // With the default interval of 90 days only the one filed 91 days ago
    // is due (beside the two files of 2024).
    let due = list(&w.off_a, "/api/v1/pairing/not-visited").await;
    assert_eq!(due, vec![w.h1, w.h2, ninety_one], "{due:?}");

    // Paired with off-a long ago: the filing date still counts, in "my
    // households" and the counts of the home page.
    for h in [today_, ninety, ninety_one] {
        let (s, p) = w
            .off_a
            .send(
                "POST",
                &format!("/api/v1/households/{h}/pairing"),
                json!({ "union_id": w.tree.county_a, "responsible_id": w.off_a_id }),
            )
            .await;
        assert_eq!(s, 200, "{p}");
        common::pair_days_ago(&w.app, h, 400).await;
    }
    let (_, my) = w.off_a.get("/api/v1/my/households").await;
    let overdue: Vec<(i64, bool)> = my["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["household"]["household_id"].as_i64().unwrap(),
                i["visit_overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut overdue = overdue;
    overdue.sort_unstable();
    assert_eq!(
        overdue,
        vec![(today_, false), (ninety, false), (ninety_one, true)]
    );
    let (client, _) = w.app.html_login("off-a", common::PASSWORD).await;
    let (_, html) = w.app.page(&client, "/").await;
    let cell = html
        .split("data-k=\"visits_overdue\"")
        .nth(1)
        .and_then(|r| r.split("</a>").next())
        .and_then(|r| r.rsplit('>').next())
        .unwrap_or_default();
    assert_eq!(cell.trim(), "1", "{html}");
    let (_, page) = w
        .app
        .page(&client, &format!("/households/{today_}/visits"))
        .await;
    assert!(!page.contains("天未走访"), "filed today: {page}");
    let (_, page) = w
        .app
        .page(&client, &format!("/households/{ninety_one}/visits"))
        .await;
    assert!(
        page.contains("超过 90 天未走访"),
        "filed 91 days ago: {page}"
    );
}

#[tokio::test]
async fn bulk_pairing_from_the_page() {
    let w = world().await;
    let (client, _) = w.app.html_login("off-a", common::PASSWORD).await;
    let (s, html) = w.app.page(&client, "/pairing").await;
    assert_eq!(s, 200);
    let form = form_html(&html, "bulk-form").expect("bulk form");
    let csrf = input_value(form, "csrf").expect("csrf");
    let (s, _) = w
        .app
        .post_form(
            &client,
            "/pairing/assign",
            &[
                ("csrf", csrf.as_str()),
                ("h", &w.h1.to_string()),
                ("h", &w.h2.to_string()),
                ("union_id", &w.tree.county_a.to_string()),
                ("responsible_id", &w.off_a2_id.to_string()),
                ("list", "unassigned"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    assert!(list(&w.off_a, "/api/v1/pairing/unassigned")
        .await
        .is_empty());
    assert_eq!(audit_count(&w, "assign_pairing", w.h2).await, 1);
    // One household out of scope spoils the batch: nothing is written.
    let (s, _) = w
        .app
        .post_form(
            &client,
            "/pairing/assign",
            &[
                ("csrf", csrf.as_str()),
                ("h", &w.h1.to_string()),
                ("h", &w.hb.to_string()),
                ("union_id", &w.tree.county_a.to_string()),
                ("responsible_id", &w.off_a_id.to_string()),
            ],
        )
        .await;
    assert_eq!(s, 404);
    let (_, p) = w
        .off_a
        .get(&format!("/api/v1/households/{}/pairing", w.h1))
        .await;
    assert_eq!(p["current"]["responsible_id"], w.off_a2_id, "unchanged");
}

#[tokio::test]
async fn plans_measures_and_approval() {
    let w = world().await;
    let (h1, h2, hb) = (w.h1, w.h2, w.hb);
    let y = year();

    // No plan yet: an empty answer, not an error.
    let (s, v) = w
        .off_a
        .get(&format!("/api/v1/households/{h1}/plans/{y}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["plan"].is_null());

    // Bad plans: named field, nothing written.
    let cases = [
        (json!({ "goal": "exit", "summary": "x" }), "target_on"),
        (
            json!({ "goal": "exit", "target_on": format!("{}-01-01", y + 5), "summary": "x" }),
            "target_on",
        ),
        (json!({ "goal": "win", "summary": "x" }), "goal"),
        (json!({ "goal": "relief", "summary": "  " }), "summary"),
    ];
    for (body, field) in cases {
        let got = w
            .off_a
            .send("PUT", &format!("/api/v1/households/{h1}/plans/{y}"), body)
            .await;
        assert_error("bad plan", &got, 400, "invalid_input", Some(field));
    }
    let (_, v) = w
        .off_a
        .get(&format!("/api/v1/households/{h1}/plans/{y}"))
        .await;
    assert!(v["plan"].is_null(), "nothing written");

    let plan = make_plan(&w.off_a, h1, y).await;
    let pid = plan["id"].as_i64().unwrap();
    assert_eq!(plan["status"], "draft");
    assert_eq!(audit_count(&w, "save_plan", pid).await, 1);
    // Changing it needs the version read.
    let got = w
        .off_a
        .send(
            "PUT",
            &format!("/api/v1/households/{h1}/plans/{y}"),
            json!({ "goal": "relief", "summary": "兜底保障" }),
        )
        .await;
    assert_error("no version", &got, 409, "conflict", Some("version"));
    let got = w
        .off_a
        .send(
            "PUT",
            &format!("/api/v1/households/{h1}/plans/{y}"),
            json!({ "goal": "relief", "summary": "兜底保障", "version": 99 }),
        )
        .await;
    assert_error("stale version", &got, 409, "conflict", Some("version"));

    // Measures.
    let (s, m) = add_measure(&w.off_a, pid, "employment", &format!("{y}-09-30")).await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["track_label"], "就业创业帮扶一批");
    assert_eq!(m["programme_label"], "技能培训促就业计划");
    assert_eq!(m["status"], "planned");
    let mid = m["id"].as_i64().unwrap();
    assert_eq!(measures_now(&w.off_a, h1, y).await, 1);
    // Bad track code, programme, due date, content; a measure for another
    // household's plan: the field named, nothing written.
    let bad = [
        (
            json!({ "track": "no_such_track", "content": "x", "due_on": format!("{y}-09-30") }),
            "track",
        ),
        (
            json!({ "track": "medical", "programme": "nope", "content": "x", "due_on": format!("{y}-09-30") }),
            "programme",
        ),
        (
            json!({ "track": "medical", "content": "x", "due_on": format!("{}-01-01", y + 3) }),
            "due_on",
        ),
        (
            json!({ "track": "medical", "content": "x", "due_on": "31/12/2026" }),
            "due_on",
        ),
        (
            json!({ "track": "medical", "content": "", "due_on": format!("{y}-09-30") }),
            "content",
        ),
        (
            json!({ "household_id": h2, "track": "medical", "content": "x", "due_on": format!("{y}-09-30") }),
            "plan_id",
        ),
        (
            json!({ "track": "medical", "content": "x", "due_on": format!("{y}-09-30"), "responsible_id": w.off_b_id }),
            "responsible_id",
        ),
    ];
    for (body, field) in bad {
        let got = w
            .off_a
            .send("POST", &format!("/api/v1/plans/{pid}/measures"), body)
            .await;
        assert_error("bad measure", &got, 400, "invalid_input", Some(field));
    }
    assert_eq!(measures_now(&w.off_a, h1, y).await, 1, "nothing written");
    assert_eq!(audit_count(&w, "save_measure", mid).await, 1);

    // Another county: 404 for the plan, its measures and its household.
    let got = add_measure(&w.off_b, pid, "medical", &format!("{y}-09-30")).await;
    assert_error("other county adds", &got, 404, "not_found", None);
    let got = w.off_b.get(&format!("/api/v1/measures/{mid}")).await;
    assert_error("other county reads", &got, 404, "not_found", None);
    let got = w
        .off_b
        .get(&format!("/api/v1/households/{h1}/plans/{y}"))
        .await;
    assert_error("other county plan", &got, 404, "not_found", None);
    let got = w
        .rev_b
        .send_empty("POST", &format!("/api/v1/plans/{pid}/approve"))
        .await;
    assert_error("other county approves", &got, 404, "not_found", None);

    // A closed file gets no new plan.
    w.app.close_household(h2).await;
    let got = w
        .off_a
        .send(
            "PUT",
            &format!("/api/v1/households/{h2}/plans/{y}"),
            json!({ "goal": "relief", "summary": "兜底" }),
        )
        .await;
    assert_error("closed file", &got, 422, "rule_violation", None);
    let (_, v) = w
        .off_a
        .get(&format!("/api/v1/households/{h2}/plans/{y}"))
        .await;
    assert!(v["plan"].is_null(), "nothing written: {v}");

    // A draft is not approved: the officer submits it first (提交审批).
    let got = w
        .rev_a
        .send_empty("POST", &format!("/api/v1/plans/{pid}/approve"))
        .await;
    assert_error("draft approved", &got, 422, "rule_violation", None);
    let got = w
        .rev_a
        .send_empty("POST", &format!("/api/v1/plans/{pid}/submit"))
        .await;
    assert_error("reviewer submits", &got, 403, "forbidden", None);
    let got = w
        .off_b
        .send_empty("POST", &format!("/api/v1/plans/{pid}/submit"))
        .await;
    assert_error("other county submits", &got, 404, "not_found", None);
    let got = w
        .off_a
        .send(
            "POST",
            &format!("/api/v1/plans/{pid}/submit"),
            json!({ "version": 99 }),
        )
        .await;
    assert_error("stale submit", &got, 409, "conflict", Some("version"));
    assert_eq!(w.rev_a.total("/api/v1/pairing/plan-submitted").await, 0);
    let (s, p) = w
        .off_a
        .send_empty("POST", &format!("/api/v1/plans/{pid}/submit"))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "submitted");
    assert_eq!(p["status_label"], "待审定");
    assert_eq!(p["submitted_by_name"], "off-a");
    assert!(p["submitted_at"].is_string(), "{p}");
    assert_eq!(audit_count(&w, "submit_plan", pid).await, 1);
    let got = w
        .off_a
        .send_empty("POST", &format!("/api/v1/plans/{pid}/submit"))
        .await;
    assert_error("submitted twice", &got, 422, "rule_violation", None);
    // It waits in the reviewers' queue: the list and the home page count it.
    let (s, queue) = w.rev_a.get("/api/v1/pairing/plan-submitted").await;
    assert_eq!(s, 200, "{queue}");
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["items"][0]["household_id"], h1, "{queue}");
    let (client, _) = w.app.html_login("rev-a", common::PASSWORD).await;
    let (_, home) = w.app.page(&client, "/").await;
    assert!(
        home.contains("id=\"review-queue\"")
            && home.contains("data-k=\"plans\"><a href=\"/pairing?list=plan_submitted\">1</a>"),
        "the reviewer's home counts the plan: {home}"
    );
    let (_, list) = w.app.page(&client, "/pairing?list=plan_submitted").await;
    assert!(list.contains(&format!("/households/{h1}/plan")), "{list}");

    // Only a reviewer approves.
    let got = w
        .off_a
        .send_empty("POST", &format!("/api/v1/plans/{pid}/approve"))
        .await;
    assert_error("officer approves", &got, 403, "forbidden", None);
    let (s, p) = w
        .rev_a
        .send_empty("POST", &format!("/api/v1/plans/{pid}/approve"))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "approved");
    assert_eq!(p["approved_by_name"], "rev-a");
    assert_eq!(audit_count(&w, "approve_plan", pid).await, 1);
    assert_eq!(w.rev_a.total("/api/v1/pairing/plan-submitted").await, 0);
    let got = w
        .rev_a
        .send_empty("POST", &format!("/api/v1/plans/{pid}/approve"))
        .await;
    assert_error("approved twice", &got, 422, "rule_violation", None);

    // Editing a measure of the approved plan keeps it approved, audited.
    let got = w
        .off_a
        .send(
            "PATCH",
            &format!("/api/v1/measures/{mid}"),
            json!({ "status": "done" }),
        )
        .await;
    assert_error("no version", &got, 400, "invalid_input", Some("version"));
    let (s, m2) = w
        .off_a
        .send(
            "PATCH",
            &format!("/api/v1/measures/{mid}"),
            json!({ "status": "done", "version": m["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{m2}");
    assert_eq!(m2["status"], "done");
    assert_eq!(m2["done_on"], today().to_string());
    assert_eq!(m2["plan_status"], "approved");
    assert_eq!(m2["content"], m["content"], "what was not sent stays");
    let (_, v) = w
        .off_a
        .get(&format!("/api/v1/households/{h1}/plans/{y}"))
        .await;
    assert_eq!(v["plan"]["status"], "approved");
    assert_eq!(audit_count(&w, "save_measure", mid).await, 2);
    let (_, entries) = w
        .aud_a
        .get(&format!(
            "/api/v1/audit?action=save_measure&object_id={mid}"
        ))
        .await;
    assert!(
        entries["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| common::audit_json(&e["after"])["plan_status"] == "approved"),
        "the change names the approved plan: {entries}"
    );
    // The same stale version again is refused.
    let got = w
        .off_a
        .send(
            "PATCH",
            &format!("/api/v1/measures/{mid}"),
            json!({ "status": "cancelled", "version": m["version"] }),
        )
        .await;
    assert_error("stale measure", &got, 409, "conflict", Some("version"));

    // Changing what an approved plan says sends it back for approval.
    let (s, p) = w
        .off_a
        .send(
            "PUT",
            &format!("/api/v1/households/{h1}/plans/{y}"),
            json!({ "goal": "relief", "summary": "改为兜底保障", "version": p["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "draft");
    assert!(p["target_on"].is_null());
    assert!(
        p["submitted_at"].is_null(),
        "the submission no longer holds: {p}"
    );

    // The plan page: a draft offers the officer 提交审批 and the reviewer
    // nothing to approve; once submitted, the reviewer's approve button.
    let (officer, _) = w.app.html_login("off-a", common::PASSWORD).await;
    let (s, html) = w
        .app
        .page(&officer, &format!("/households/{h1}/plan"))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("submit-form"), "the officer may submit");
    let (s, html) = w.app.page(&client, &format!("/households/{h1}/plan")).await;
    assert_eq!(s, 200);
    assert!(!html.contains("approve-form"), "a draft is not approved");
    let (s, p) = w
        .off_a
        .send(
            "POST",
            &format!("/api/v1/plans/{pid}/submit"),
            json!({ "version": p["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let (_, html) = w
        .app
        .page(&officer, &format!("/households/{h1}/plan"))
        .await;
    assert!(!html.contains("submit-form"), "submitted once");
    assert!(html.contains("提交审批"), "{html}");
    let (s, html) = w.app.page(&client, &format!("/households/{h1}/plan")).await;
    assert_eq!(s, 200);
    assert!(html.contains("approve-form"), "reviewer may approve");
    assert!(
        !html.contains("measure-form"),
        "reviewer does not edit measures"
    );
    // The years' tabs read as a timeline: last year's plan, this year, next.
    let at = |year: i32| {
        html.find(&format!("/plan?year={year}#plan"))
            .unwrap_or_else(|| panic!("no tab for {year}"))
    };
    assert!(at(y) < at(y + 1), "years in order");
    let _ = hb;
}

/// A tiny valid PNG header (enough for the content sniff).
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn visits_dates_and_photos() {
    let w = world().await;
    let (h1, h2) = (w.h1, w.h2);
    let path = format!("/api/v1/households/{h1}/visits");
    let good = json!({ "visited_on": today().to_string(), "met": "本人及配偶",
        "looked": "两居室，家具陈旧", "asked": "妻子患病，需要医疗救助", "explained": "医疗互助和大病保险政策",
        "findings": "收入不稳定", "needs": "希望介绍工作" });

    // A date in the future, or missing checklist items: refused, nothing written.
    let mut future = good.clone();
    future["visited_on"] = json!((today() + chrono::Duration::days(1)).to_string());
    let got = w.off_a.send("POST", &path, future).await;
    assert_error(
        "future date",
        &got,
        400,
        "invalid_input",
        Some("visited_on"),
    );
    let mut no_look = good.clone();
    no_look["looked"] = json!("");
    let got = w.off_a.send("POST", &path, no_look).await;
    assert_error("no 看", &got, 400, "invalid_input", Some("looked"));
    assert_eq!(w.off_a.total(&path).await, 0);
    let (_, p) = w
        .off_a
        .get(&format!("/api/v1/households/{h1}/pairing"))
        .await;
    assert!(p["current"]["last_visit_on"].is_null());
    // A reviewer reads visits but does not record them.
    let got = w.rev_a.send("POST", &path, good.clone()).await;
    assert_error("reviewer records", &got, 403, "forbidden", None);

    let (s, v) = w.off_a.send("POST", &path, good.clone()).await;
    assert_eq!(s, 201, "{v}");
    let vid = v["id"].as_i64().unwrap();
    assert_eq!(v["looked"], "两居室，家具陈旧");
    assert_eq!(audit_count(&w, "record_visit", vid).await, 1);
    assert_eq!(w.rev_a.total(&path).await, 1);

    // Photos through the API: type by content, size limit, scope.
    let off_a = &w.off_a;
    let upload =
        |bytes: Vec<u8>| async move { common::upload_photo(off_a, vid, "p.jpg", &bytes).await };
    let got = upload(b"GIF89a\x01\x00\x01\x00".to_vec()).await;
    assert_error("gif", &got, 400, "invalid_input", Some("photos"));
    let got = upload(b"%PDF-1.4 not a photo".to_vec()).await;
    assert_error("pdf", &got, 400, "invalid_input", Some("photos"));
    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(5 * 1024 * 1024 + 1, 0);
    let got = upload(big).await;
    assert_error("too big", &got, 400, "invalid_input", Some("photos"));
    let (_, v) = w.off_a.get(&format!("/api/v1/visits/{vid}")).await;
    assert!(v["photos"].as_array().unwrap().is_empty(), "nothing stored");
    let (s, v) = upload(PNG.to_vec()).await;
    assert_eq!(s, 201, "{v}");
    let photo = &v["photos"][0];
    assert_eq!(
        photo["content_type"], "image/png",
        "type from the bytes, not the header"
    );
    let url = photo["url"].as_str().unwrap().to_owned();
    let res = w
        .off_a
        .client
        .get(format!("{}{}", w.off_a.base, url))
        .bearer_auth(&w.off_a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let got = w.off_b.get(&url).await;
    assert_error("other county photo", &got, 404, "not_found", None);
    let got = w.off_b.get(&format!("/api/v1/visits/{vid}")).await;
    assert_error("other county visit", &got, 404, "not_found", None);
    let got = w.off_b.get(&path).await;
    assert_error("other county visits", &got, 404, "not_found", None);

    // From a phone: the multipart form with a photo, and with a PDF refused.
    let (client, _) = w.app.html_login("off-a", common::PASSWORD).await;
    let (s, html) = w
        .app
        .page(&client, &format!("/households/{h2}/visits"))
        .await;
    assert_eq!(s, 200);
    let form = form_html(&html, "visit-form").expect("visit form");
    let action = common::attr(form, "action")
        .expect("action")
        .replace("&amp;", "&");
    assert!(
        action.contains("csrf="),
        "the token travels in the action: {action}"
    );
    let send = |file: &'static [u8], name: &'static str| {
        let f = reqwest::multipart::Form::new()
            .text("visited_on", today().to_string())
            .text("met", "本人")
            .text("looked", "住房")
            .text("asked", "需求")
            .text("explained", "政策")
            .part(
                "photos",
                reqwest::multipart::Part::bytes(file).file_name(name),
            );
        client.post(w.app.url(&action)).multipart(f).send()
    };
    let res = send(b"%PDF-1.4 fake", "a.jpg").await.unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("不是 JPG 或 PNG 照片"), "the page says why");
    assert!(body.contains("住房"), "what was typed is kept");
    assert_eq!(
        w.off_a
            .total(&format!("/api/v1/households/{h2}/visits"))
            .await,
        0,
        "nothing written"
    );
    let res = send(PNG, "p.png").await.unwrap();
    assert_eq!(res.status(), 303);
    let (_, list) = w
        .off_a
        .get(&format!("/api/v1/households/{h2}/visits"))
        .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["photos"].as_array().unwrap().len(), 1);
    let pid = list["items"][0]["photos"][0]["id"].as_i64().unwrap();
    let vid2 = list["items"][0]["id"].as_i64().unwrap();
    let (s, _) = w
        .app
        .page(&client, &format!("/visits/{vid2}/photos/{pid}"))
        .await;
    assert_eq!(s, 200);
    let (client_b, _) = w.app.html_login("off-b", common::PASSWORD).await;
    let (s, _) = w
        .app
        .page(&client_b, &format!("/visits/{vid2}/photos/{pid}"))
        .await;
    assert_eq!(s, 404, "photo download checks scope");

    // A closed file gets no visits.
    w.app.close_household(h2).await;
    let got = w
        .off_a
        .send("POST", &format!("/api/v1/households/{h2}/visits"), good)
        .await;
    assert_error("closed file", &got, 422, "rule_violation", None);
}

#[tokio::test]
async fn dictionary_edits_and_old_measures() {
    let w = world().await;
    let y = year();

    let (s, tracks) = w.off_a.get("/api/v1/dictionary?kind=track").await;
    assert_eq!(s, 200, "{tracks}");
    assert_eq!(tracks.as_array().unwrap().len(), 4);
    let (_, all) = w.off_a.get("/api/v1/dictionary").await;
    assert_eq!(all.as_array().unwrap().len(), 36, "the shipped catalogues");

    // An old measure on the track about to be deactivated.
    let plan = make_plan(&w.off_a, w.h1, y).await;
    let pid = plan["id"].as_i64().unwrap();
    let (s, m) = add_measure(&w.off_a, pid, "medical", &format!("{y}-12-31")).await;
    assert_eq!(s, 201, "{m}");
    let mid = m["id"].as_i64().unwrap();

    // Adding: a code of lowercase letters, digits and underscores, once.
    let got = dictionary(
        &w.admin,
        "POST",
        "track/Night-School",
        json!({ "label": "夜校" }),
    )
    .await;
    assert_error("bad code", &got, 400, "invalid_input", Some("code"));
    let got = dictionary(&w.admin, "POST", "shoes/x", json!({ "label": "鞋" })).await;
    assert_error("bad kind", &got, 400, "invalid_input", Some("kind"));
    let (s, e) = dictionary(
        &w.admin,
        "POST",
        "programme/night_school",
        json!({ "label": "职工夜校计划" }),
    )
    .await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["position"], 11, "at the end");
    let got = dictionary(
        &w.admin,
        "POST",
        "programme/night_school",
        json!({ "label": "重复" }),
    )
    .await;
    assert_error("duplicate", &got, 409, "conflict", Some("code"));
    // Only the top union's administrator edits; an officer or a county admin may not.
    let inactive = || json!({ "active": false });
    let got = dictionary(&w.county_admin, "PATCH", "track/medical", inactive()).await;
    assert_error("county admin", &got, 403, "forbidden", None);
    let got = dictionary(&w.off_a, "PATCH", "track/medical", inactive()).await;
    assert_error("officer", &got, 403, "forbidden", None);
    let got = dictionary(&w.admin, "PATCH", "track/nothing", inactive()).await;
    assert_error("unknown entry", &got, 404, "not_found", None);

    // Deactivate: gone from forms, kept for old records.
    let (s, e) = dictionary(
        &w.admin,
        "PATCH",
        "track/medical",
        json!({ "active": false, "label": "大病保险和医疗互助一批" }),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["active"], false);
    let (_, tracks) = w.off_a.get("/api/v1/dictionary?kind=track").await;
    let codes: Vec<&str> = tracks
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"medical"), "{tracks}");
    let (_, all) = w.off_a.get("/api/v1/dictionary?kind=track&all=true").await;
    assert_eq!(all.as_array().unwrap().len(), 4);
    let got = add_measure(&w.off_a, pid, "medical", &format!("{y}-12-31")).await;
    assert_error(
        "deactivated track",
        &got,
        400,
        "invalid_input",
        Some("track"),
    );
    let (s, old) = w.off_a.get(&format!("/api/v1/measures/{mid}")).await;
    assert_eq!(s, 200);
    assert_eq!(old["track"], "medical");
    assert_eq!(old["track_label"], "大病保险和医疗互助一批");
    // The old measure can still be worked on without changing its track.
    let (s, m2) = w
        .off_a
        .send(
            "PATCH",
            &format!("/api/v1/measures/{mid}"),
            json!({ "status": "in_progress", "version": old["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{m2}");
    assert_eq!(m2["track"], "medical");
    // Every edit is in the log, under the editing administrator's union.
    w.app.user("aud-root", "auditor", w.tree.root).await;
    let aud = w.app.api_as("aud-root").await;
    assert_eq!(aud.total("/api/v1/audit?action=edit_dictionary").await, 2);
    let (_, entries) = aud
        .get("/api/v1/audit?action=edit_dictionary&object_id=track/medical")
        .await;
    let e = &entries["items"][0];
    assert_eq!(
        common::audit_json(&e["before"])["active"],
        true,
        "{entries}"
    );
    assert_eq!(common::audit_json(&e["after"])["active"], false);

    // The API document lists this area's paths.
    let (_, doc) = w.app.anonymous().get("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/households/{id}/pairing",
        "/api/v1/pairing/unassigned",
        "/api/v1/pairing/no-plan",
        "/api/v1/pairing/not-visited",
        "/api/v1/my/households",
        "/api/v1/households/{id}/plans/{year}",
        "/api/v1/plans/{id}/approve",
        "/api/v1/plans/{id}/measures",
        "/api/v1/measures/{id}",
        "/api/v1/households/{id}/visits",
        "/api/v1/visits/{id}/photos",
        "/api/v1/dictionary",
        "/api/v1/dictionary/{kind}/{code}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} in the API document");
    }

    // The pages: the plan page offers the deactivated track only on the old measure.
    let (client, _) = w.app.html_login("off-a", common::PASSWORD).await;
    let (s, html) = w
        .app
        .page(&client, &format!("/households/{}/plan", w.h1))
        .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("（已停用）"),
        "the old measure keeps its track"
    );
    let new_form = form_html(&html, "measure-form").expect("new measure form");
    let track_select = new_form
        .split("name=\"track\"")
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .expect("track select");
    assert!(track_select.contains("value=\"employment\""));
    assert!(
        !track_select.contains("value=\"medical\""),
        "not offered for new measures"
    );
    let (s, _) = w.app.page(&client, "/dictionary").await;
    assert_eq!(s, 403, "officers do not manage catalogues");
    let (admin_client, _) = w.app.html_login("root-admin", common::PASSWORD).await;
    let (s, html) = w.app.page(&admin_client, "/dictionary").await;
    assert_eq!(s, 200);
    assert!(html.contains("night_school") && html.contains("已停用"));
}
