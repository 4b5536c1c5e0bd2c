//! Exit decisions over the JSON API: an
//! officer proposes 脱困 / 解困 / 退出 for a household on file, a reviewer
//! reviews, publishes and approves it, and the file leaves the on-file
//! count; a revocation puts it back; an exited household that relapses is
//! reopened as a linked incremental-pool file. Every step is audited.

use crate::common;

use common::{assert_error, household, person, today, Api, At, TestApp, Tree};

use bangfu_domain::household::HouseholdId;
use bangfu_domain::leaving::ExitFlow;
use bangfu_service::Settings;
use serde_json::{json, Value};

struct World {
    app: TestApp,
    t: Tree,
    officer: Api,
    reviewer: Api,
    auditor: Api,
    b_officer: Api,
    b_reviewer: Api,
}

/// Settings for these tests: no waiting for the notice, no monthly run.
fn settings() -> Settings {
    common::exit_settings()
}

/// The tree, an officer and a reviewer in 荔湾区 and in 越秀区, an auditor
/// of the city, and the city's line: 800.00 元 per person from 2019-01.
async fn world_with(settings: Settings) -> World {
    let (app, t, _) = common::staffed_with(
        settings,
        &[
            ("a_officer", "officer", At::CountyA),
            ("a_reviewer", "reviewer", At::CountyA),
            ("city_admin", "admin", At::City),
            ("city_auditor", "auditor", At::City),
            ("b_officer", "officer", At::CountyB),
            ("b_reviewer", "reviewer", At::CountyB),
        ],
    )
    .await;
    let admin = app.api_as("city_admin").await;
    common::set_line(&admin, "440100", "2019-01", 80_000).await;
    World {
        officer: app.api_as("a_officer").await,
        reviewer: app.api_as("a_reviewer").await,
        auditor: app.api_as("city_auditor").await,
        b_officer: app.api_as("b_officer").await,
        b_reviewer: app.api_as("b_reviewer").await,
        app,
        t,
    }
}

async fn world() -> World {
    world_with(settings()).await
}

/// Six months 2024-01 … 2024-06 with the same wages (a household of one).
fn six_months(wages: i64) -> Value {
    json!((1..=6)
        .map(|m| json!({ "month": format!("2024-{m:02}"), "wages_fen": wages }))
        .collect::<Vec<_>>())
}

/// Files a household of one in 荔湾区 with six months of wages; returns its id.
async fn file_with(
    w: &World,
    name: &str,
    seq: u32,
    wages: i64,
    adjust: impl FnOnce(&mut Value),
) -> i64 {
    let mut body = household(name, &person("440103", "19750505", seq), w.t.county_a);
    body["incomes"] = six_months(wages);
    adjust(&mut body);
    common::file(&w.officer, body).await
}

/// 900.00 元 a month for one person: above the 800.00 line every month.
const ABOVE: i64 = 90_000;
/// 700.00 元: below it.
const BELOW: i64 = 70_000;

/// What the monthly run records when a file meets the exit standard.
async fn mark_ready(app: &TestApp, id: i64, pathway: Option<&'static str>, relief: bool) {
    app.seed_write(move |c| {
        Ok(bangfu_storage::households::set_readiness(
            c,
            HouseholdId(id),
            pathway,
            relief,
        )?)
    })
    .await
    .expect("readiness");
}

async fn propose(api: &Api, body: Value) -> (u16, Value) {
    api.send("POST", "/api/v1/exits", body).await
}

fn out(household_id: i64, pathway: &str) -> Value {
    json!({
        "household_id": household_id,
        "kind": "out",
        "pathway": pathway,
        "causes_removed": true,
        "note": "再就业后收入稳定，原致困原因已消除",
    })
}

async fn step(api: &Api, id: i64, step: &str, note: &str) -> (u16, Value) {
    let (s, d) = api.get(&format!("/api/v1/exits/{id}")).await;
    assert_eq!(s, 200, "{d}");
    let version = d["exit"]["version"].as_i64().unwrap();
    api.send(
        "POST",
        &format!("/api/v1/exits/{id}/steps"),
        json!({ "step": step, "version": version, "note": note }),
    )
    .await
}

/// Takes the steps in order as the reviewer, asserting each succeeds.
async fn steps(w: &World, id: i64, list: &[&str]) -> Value {
    let mut last = Value::Null;
    for s in list {
        let (status, e) = step(&w.reviewer, id, s, "入户核查属实").await;
        assert_eq!(status, 200, "{s}: {e}");
        last = e;
    }
    last
}

async fn household_json(api: &Api, id: i64) -> Value {
    let (s, d) = api.get(&format!("/api/v1/households/{id}")).await;
    assert_eq!(s, 200, "{d}");
    d["household"].clone()
}

/// Exits a household all the way (out, employment, with notice).
async fn exit_household(w: &World, id: i64) -> i64 {
    let (s, e) = propose(&w.officer, out(id, "employment")).await;
    assert_eq!(s, 201, "{e}");
    let eid = e["id"].as_i64().unwrap();
    steps(w, eid, &["review", "notice", "approve"]).await;
    eid
}

async fn relapse(api: &Api, id: i64, reason: &str) -> (u16, Value) {
    api.send(
        "POST",
        &format!("/api/v1/households/{id}/relapse"),
        json!({ "reason": reason }),
    )
    .await
}

async fn audit_actions(w: &World, kind: &str, id: i64) -> Vec<String> {
    let (s, body) = w
        .auditor
        .get(&format!(
            "/api/v1/audit?object_kind={kind}&object_id={id}&per_page=100"
        ))
        .await;
    assert_eq!(s, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_goes_through_review_notice_and_approval_and_leaves_the_file() {
    let w = world().await;
    let id = file_with(&w, "张志强", 101, ABOVE, |_| {}).await;
    let other = file_with(&w, "刘芳", 102, BELOW, |_| {}).await;
    let on_file = "/api/v1/households?status=on_file";
    assert_eq!(w.officer.total(on_file).await, 2);

    // The monthly run found it ready: it is in the ready list with the
    // months it was met over and the suggested pathway.
    mark_ready(&w.app, id, Some("employment"), false).await;
    let (s, ready) = w.officer.get("/api/v1/exits/ready").await;
    assert_eq!(s, 200, "{ready}");
    assert_eq!(ready["total"], 1, "{ready}");
    let item = &ready["items"][0];
    assert_eq!(item["household"]["id"], id);
    assert_eq!(item["pathway"], "employment");
    assert_eq!(item["pathway_label"], "就业创业脱困");
    assert_eq!(
        item["summary"],
        "2024-01 至 2024-06 连续 6 个月人均收入高于低保标准"
    );
    assert!(
        item["household"]["worker_id_number"]
            .as_str()
            .unwrap()
            .contains('*'),
        "masked: {item}"
    );

    // The form's evaluation: the months and lines, the pathway pre-selected.
    let (s, p) = w
        .officer
        .get(&format!("/api/v1/exits/preview?household_id={id}&kind=out"))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["blockers"], json!([]));
    assert_eq!(p["suggested_pathway"], "employment");
    assert_eq!(p["evaluation"]["met"], true);
    let window = p["evaluation"]["window"].as_array().unwrap();
    assert_eq!(window.len(), 6);
    assert_eq!(window[0]["month"], "2024-01");
    assert_eq!(window[0]["per_capita_fen"], ABOVE);
    assert_eq!(window[0]["line_fen"], 80_000);
    assert!(window.iter().all(|m| m["ok"] == true));
    assert_eq!(p["may_propose"], true);

    // Proposed: open, out of the ready list.
    let (s, e) = propose(&w.officer, out(id, "employment")).await;
    assert_eq!(s, 201, "{e}");
    let eid = e["id"].as_i64().unwrap();
    assert_eq!(e["status"], "proposed");
    assert_eq!(e["kind"], "out");
    assert_eq!(e["pathway"], "employment");
    assert_eq!(e["number"], format!("TC{eid:08}"));
    assert_eq!(e["cohort"], "incremental");
    assert_eq!(w.officer.total("/api/v1/exits/ready").await, 0);
    assert_eq!(w.officer.total("/api/v1/exits?open=true").await, 1);

    // The evaluation is stored with the officer's confirmation.
    let (_, d) = w.reviewer.get(&format!("/api/v1/exits/{eid}")).await;
    assert_eq!(d["evaluation"]["causes_removed"], true, "{d}");
    assert_eq!(d["evaluation"]["window"].as_array().unwrap().len(), 6);
    assert!(d["evaluation"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("已确认致困原因已消除")));
    assert_eq!(d["can_review"], true);
    assert_eq!(d["can_approve"], false);

    // Reviewed: it goes through public notice before approval.
    let e = steps(&w, eid, &["review"]).await;
    assert_eq!(e["status"], "reviewed");
    let got = step(&w.reviewer, eid, "approve", "").await;
    assert_error("approve before notice", &got, 422, "rule_violation", None);
    let e = steps(&w, eid, &["notice"]).await;
    assert_eq!(e["status"], "notice");
    assert_eq!(e["notice_from"], today().to_string());
    assert_eq!(e["notice_until"], today().to_string(), "notice_days 0");
    let (s, got) = step(&w.officer, eid, "objection", "有群众反映其仍无固定收入").await;
    assert_eq!(s, 200, "an officer records an objection: {got}");
    assert_eq!(got["status"], "notice");
    let e = steps(&w, eid, &["approve"]).await;
    assert_eq!(e["status"], "approved");
    assert_eq!(e["decided_on"], today().to_string());
    assert_eq!(e["household_status"], "exited");

    // The file is out: status, the day it left, 12 months of follow-up, and
    // no longer counted on file.
    let h = household_json(&w.officer, id).await;
    assert_eq!(h["status"], "exited");
    assert_eq!(h["leaving"]["left_on"], today().to_string());
    let follow = today()
        .checked_add_months(chrono::Months::new(12))
        .unwrap()
        .to_string();
    assert_eq!(h["leaving"]["follow_until"], follow);
    assert_eq!(w.officer.total(on_file).await, 1);
    assert_eq!(
        w.officer.ids(on_file).await,
        vec![other],
        "only the other file is on file"
    );
    assert_eq!(w.officer.total("/api/v1/exits?open=true").await, 0);
    assert_eq!(
        w.officer
            .total("/api/v1/exits?status=approved&kind=out")
            .await,
        1
    );
    assert_eq!(w.officer.total("/api/v1/exits?pathway=medical").await, 0);

    // The steps, in order.
    let (_, d) = w.officer.get(&format!("/api/v1/exits/{eid}")).await;
    let names: Vec<&str> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["propose", "review", "notice", "objection", "approve"]
    );
    assert_eq!(d["can_revoke"], true, "an officer may propose revoking it");

    // Every step is audited.
    let actions = audit_actions(&w, "exit", eid).await;
    for a in [
        "propose_exit",
        "review_exit",
        "notice_exit",
        "object_exit",
        "approve_exit",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }

    // A closed decision takes no more steps.
    let got = step(&w.reviewer, eid, "reject", "晚了").await;
    assert_error("reject approved", &got, 422, "rule_violation", None);
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_write_nothing() {
    let w = world().await;
    let id = file_with(&w, "陈国栋", 201, ABOVE, |_| {}).await;
    let poor = file_with(&w, "黄丽", 202, BELOW, |_| {}).await;

    // The causes of hardship must be confirmed removed.
    let mut body = out(id, "employment");
    body["causes_removed"] = json!(false);
    let got = propose(&w.officer, body).await;
    assert_error("causes not confirmed", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("致困原因已消除"));

    // A pathway is required; an unknown one is refused.
    let mut body = out(id, "");
    body["pathway"] = json!("");
    let got = propose(&w.officer, body).await;
    assert_error("no pathway", &got, 400, "invalid_input", Some("pathway"));
    let got = propose(&w.officer, out(id, "lottery")).await;
    assert_error("bad pathway", &got, 400, "invalid_input", Some("pathway"));

    // Below the line: the standard is not met, each month named.
    let got = propose(&w.officer, out(poor, "employment")).await;
    assert_error("standard not met", &got, 422, "rule_violation", None);
    let msg = got.1["error"]["message"].as_str().unwrap();
    assert!(msg.contains("尚未达到脱困标准"), "{msg}");
    assert!(msg.contains("2024-03"), "{msg}");

    // Wrong role: a reviewer does not propose; out of scope is not found.
    let got = propose(&w.reviewer, out(id, "employment")).await;
    assert_error("reviewer proposes", &got, 403, "forbidden", None);
    let got = propose(&w.b_officer, out(id, "employment")).await;
    assert_error("out of scope", &got, 404, "not_found", None);
    assert_eq!(w.officer.total("/api/v1/exits").await, 0, "nothing written");

    // One open decision per household.
    let (s, e) = propose(&w.officer, out(id, "employment")).await;
    assert_eq!(s, 201, "{e}");
    let eid = e["id"].as_i64().unwrap();
    let got = propose(
        &w.officer,
        json!({ "household_id": id, "kind": "removal", "reason": "moved", "note": "迁往外省", "evidence": "迁出证明" }),
    )
    .await;
    assert_error("second open decision", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("正在办理"));
    assert_eq!(w.officer.total("/api/v1/exits").await, 1);

    // Steps: an officer does not review; another county's reviewer does not
    // see it; a stale version is refused; an unknown step is bad input.
    let got = step(&w.officer, eid, "review", "").await;
    assert_error("officer reviews", &got, 403, "forbidden", None);
    let got = w
        .b_reviewer
        .send(
            "POST",
            &format!("/api/v1/exits/{eid}/steps"),
            json!({ "step": "review", "version": 1 }),
        )
        .await;
    assert_error("out of scope step", &got, 404, "not_found", None);
    let (s, _) = w.b_reviewer.get(&format!("/api/v1/exits/{eid}")).await;
    assert_eq!(s, 404);
    assert_eq!(w.b_reviewer.total("/api/v1/exits").await, 0);
    let got = w
        .reviewer
        .send(
            "POST",
            &format!("/api/v1/exits/{eid}/steps"),
            json!({ "step": "review", "version": 7 }),
        )
        .await;
    assert_error("stale version", &got, 409, "conflict", Some("version"));
    let got = w
        .reviewer
        .send(
            "POST",
            &format!("/api/v1/exits/{eid}/steps"),
            json!({ "step": "stamp", "version": 1 }),
        )
        .await;
    assert_error("unknown step", &got, 400, "invalid_input", Some("step"));
    let got = step(&w.reviewer, eid, "reject", "").await;
    assert_error(
        "reject without reason",
        &got,
        400,
        "invalid_input",
        Some("note"),
    );
    let (_, d) = w.reviewer.get(&format!("/api/v1/exits/{eid}")).await;
    assert_eq!(d["exit"]["status"], "proposed", "still proposed");
    assert_eq!(d["steps"].as_array().unwrap().len(), 1);

    // Rejected: the household stays on file and a new decision may follow.
    let (s, e) = step(&w.reviewer, eid, "reject", "入户核查发现仍无稳定收入").await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["status"], "rejected");
    assert_eq!(household_json(&w.officer, id).await["status"], "on_file");
    let (s, e) = propose(&w.officer, out(id, "other")).await;
    assert_eq!(s, 201, "after a rejection: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_needs_the_approving_level() {
    let w = world().await;
    // A grassroots union in 荔湾区 with its own reviewer.
    let admin = w.app.api_as("city_admin").await;
    let (s, u) = admin
        .send(
            "POST",
            "/api/v1/unions",
            json!({ "parent_id": w.t.county_a, "name": "广州某纺织厂工会", "level": "grassroots", "division_code": "440103" }),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    let grassroots = u["id"].as_i64().unwrap();
    w.app.user("g_reviewer", "reviewer", grassroots).await;
    w.app.user("g_officer", "officer", grassroots).await;
    let [g_reviewer, g_officer] = w.app.apis(["g_reviewer", "g_officer"]).await;
    let mut body = household("赵小红", &person("440103", "19800808", 301), grassroots);
    body["incomes"] = six_months(ABOVE);
    let id = common::file(&g_officer, body).await;
    let (s, e) = propose(&g_officer, out(id, "employment")).await;
    assert_eq!(s, 201, "{e}");
    let eid = e["id"].as_i64().unwrap();
    for s in ["review", "notice"] {
        let (status, e) = step(&g_reviewer, eid, s, "").await;
        assert_eq!(status, 200, "{s}: {e}");
    }
    let (_, d) = g_reviewer.get(&format!("/api/v1/exits/{eid}")).await;
    assert_eq!(d["can_approve"], false);
    assert!(
        d["approve_blocked"].as_str().unwrap().contains("县级"),
        "{d}"
    );
    let got = step(&g_reviewer, eid, "approve", "").await;
    assert_error("grassroots approves", &got, 422, "rule_violation", None);
    // The county's reviewer may.
    let (s, e) = step(&w.reviewer, eid, "approve", "同意").await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["status"], "approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notice_period_must_run_its_course() {
    let w = world_with(Settings {
        notice_days: 7,
        monthly_schedule: false,
        ..Settings::default()
    })
    .await;
    let id = file_with(&w, "吴建华", 401, ABOVE, |_| {}).await;
    let (_, e) = propose(&w.officer, out(id, "employment")).await;
    let eid = e["id"].as_i64().unwrap();
    let e = steps(&w, eid, &["review", "notice"]).await;
    let until = (today() + chrono::Duration::days(7)).to_string();
    assert_eq!(e["notice_until"], until);
    let got = step(&w.reviewer, eid, "approve", "").await;
    assert_error("during notice", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"].as_str().unwrap().contains(&until));
    assert_eq!(household_json(&w.officer, id).await["status"], "on_file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_assistance_after_filing_counts_by_itself() {
    let w = world().await;
    // Filed 2024-01-01, taken into 低保 from 2024-03, incomes below the line.
    let id = file_with(&w, "孙桂兰", 501, BELOW, |b| {
        b["dibao_since"] = json!("2024-03");
    })
    .await;
    let (_, p) = w
        .officer
        .get(&format!("/api/v1/exits/preview?household_id={id}&kind=out"))
        .await;
    assert_eq!(p["suggested_pathway"], "social_assistance", "{p}");
    assert_eq!(p["evaluation"]["met"], false);
    assert_eq!(p["evaluation"]["safety_net_since_filing"], true);
    assert_eq!(p["blockers"], json!([]));
    let got = propose(&w.officer, out(id, "employment")).await;
    assert_error("another pathway", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("社会救助脱困"));
    let (s, e) = propose(&w.officer, out(id, "social_assistance")).await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["pathway_label"], "社会救助脱困");

    // Already on 低保 when filed: not "taken in" after filing.
    let before = file_with(&w, "周大海", 502, BELOW, |b| {
        b["dibao_since"] = json!("2023-06");
    })
    .await;
    let got = propose(&w.officer, out(before, "social_assistance")).await;
    assert_error("on dibao before filing", &got, 422, "rule_violation", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relief_needs_the_safety_net_regular_assistance_and_the_line() {
    let w = world().await;
    // On 低保, living level exactly at the line (A(m) = L counts), no subsidy yet.
    let id = file_with(&w, "钱秀珍", 601, 80_000, |b| {
        b["dibao_since"] = json!("2023-01");
        b["labour_capacity"] = json!("none");
    })
    .await;
    let relief = json!({ "household_id": id, "kind": "relief", "note": "重病无劳动能力，已纳入低保和常态化帮扶" });
    let (_, p) = w
        .officer
        .get(&format!(
            "/api/v1/exits/preview?household_id={id}&kind=relief"
        ))
        .await;
    assert_eq!(p["evaluation"]["in_safety_net"], true, "{p}");
    assert_eq!(p["evaluation"]["under_regular_assistance"], false);
    assert_eq!(p["blockers"].as_array().unwrap().len(), 1, "{p}");
    let got = propose(&w.officer, relief.clone()).await;
    assert_error("no regular assistance", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("常态化帮扶"));

    // A regular subsidy puts it under the union's regular assistance.
    let start = format!("{}", today().format("%Y-%m"));
    let (s, sub) = w
        .officer
        .send(
            "POST",
            "/api/v1/subsidies",
            json!({ "household_id": id, "amount": 30_000, "period": "monthly", "start_month": start, "source": "union" }),
        )
        .await;
    assert_eq!(s, 201, "{sub}");
    mark_ready(&w.app, id, None, true).await;
    let (_, list) = w.officer.get("/api/v1/exits/relief").await;
    assert_eq!(list["total"], 1, "{list}");
    assert!(list["items"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("不低于低保标准"));
    let (s, e) = propose(&w.officer, relief).await;
    assert_eq!(s, 201, "{e}");
    let eid = e["id"].as_i64().unwrap();
    steps(&w, eid, &["review", "notice", "approve"]).await;
    let h = household_json(&w.officer, id).await;
    assert_eq!(h["status"], "relieved");
    assert_eq!(
        h["leaving"]["follow_until"],
        Value::Null,
        "relief is not followed as an exit"
    );
    assert_eq!(w.officer.total("/api/v1/exits/relief").await, 0);

    // Below the line after rigid expenditure: not ready.
    let sick = file_with(&w, "冯建军", 602, 80_000, |b| {
        b["dibao_since"] = json!("2023-01");
        b["incomes"][5]["medical_fen"] = json!(1);
    })
    .await;
    let (_, p) = w
        .officer
        .get(&format!(
            "/api/v1/exits/preview?household_id={sick}&kind=relief"
        ))
        .await;
    assert_eq!(p["evaluation"]["met"], false, "{p}");
    assert_eq!(p["evaluation"]["window"][5]["ok"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removal_for_death_skips_the_notice_when_configured() {
    let w = world_with(Settings {
        notice_days: 0,
        monthly_schedule: false,
        exit_flow: ExitFlow::parse("out, relief").unwrap(),
        ..Settings::default()
    })
    .await;
    let worker = person("440103", "19600101", 701);
    let mut body = household("郑大山", &worker, w.t.county_a);
    body["incomes"] = six_months(BELOW);
    let id = common::file(&w.officer, body.clone()).await;

    let removal = |note: &str, evidence: &str| json!({ "household_id": id, "kind": "removal", "reason": "death", "note": note, "evidence": evidence });
    let got = propose(&w.officer, removal("职工本人病故", "")).await;
    assert_error("no evidence", &got, 400, "invalid_input", Some("evidence"));
    let got = propose(
        &w.officer,
        json!({ "household_id": id, "kind": "removal", "note": "x", "evidence": "y" }),
    )
    .await;
    assert_error("no reason", &got, 400, "invalid_input", Some("reason"));
    let (s, e) = propose(&w.officer, removal("职工本人病故", "死亡证明、社区证明")).await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["reason_label"], "职工本人去世");
    let eid = e["id"].as_i64().unwrap();
    steps(&w, eid, &["review"]).await;
    let got = step(&w.reviewer, eid, "notice", "").await;
    assert_error("no notice for removals", &got, 422, "rule_violation", None);
    let (_, d) = w.reviewer.get(&format!("/api/v1/exits/{eid}")).await;
    assert_eq!(d["status_text"], "已审核，待批准");
    assert_eq!(d["can_approve"], true);
    let e = steps(&w, eid, &["approve"]).await;
    assert_eq!(e["status"], "approved");
    assert_eq!(e["notice_until"], Value::Null);
    let h = household_json(&w.officer, id).await;
    assert_eq!(h["status"], "removed");
    assert_eq!(h["leaving"]["follow_until"], Value::Null);
    assert_eq!(
        w.officer.total("/api/v1/households?status=on_file").await,
        0
    );

    // A removed file takes no new decision, and its people are free again.
    let got = propose(&w.officer, out(id, "employment")).await;
    assert_error("removed file", &got, 422, "rule_violation", None);
    body["worker_name"] = json!("郑大山");
    let again = common::file(&w.officer, body).await;
    assert_ne!(again, id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_puts_the_file_back_on_file() {
    let w = world().await;
    let id = file_with(&w, "林志明", 801, ABOVE, |_| {}).await;
    let eid = exit_household(&w, id).await;
    assert_eq!(household_json(&w.officer, id).await["status"], "exited");

    // A revocation needs the decision and a reason.
    let got = propose(
        &w.officer,
        json!({ "household_id": id, "kind": "revoke", "note": "核查有误" }),
    )
    .await;
    assert_error(
        "nothing to revoke",
        &got,
        400,
        "invalid_input",
        Some("revokes_id"),
    );
    let got = propose(
        &w.officer,
        json!({ "household_id": id, "kind": "revoke", "revokes_id": eid }),
    )
    .await;
    assert_error("no reason", &got, 400, "invalid_input", Some("note"));
    let (s, r) = propose(
        &w.officer,
        json!({ "household_id": id, "kind": "revoke", "revokes_id": eid, "note": "复查发现收入系临时性劳务收入" }),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let rid = r["id"].as_i64().unwrap();
    assert_eq!(r["revokes_id"], eid);
    // Revocations are not published by default: review, then approve.
    let e = steps(&w, rid, &["review", "approve"]).await;
    assert_eq!(e["status"], "approved");
    let h = household_json(&w.officer, id).await;
    assert_eq!(h["status"], "on_file");
    assert_eq!(h["leaving"]["left_on"], Value::Null);
    assert_eq!(h["leaving"]["follow_until"], Value::Null);
    assert_eq!(
        w.officer.total("/api/v1/households?status=on_file").await,
        1
    );
    let (_, d) = w.officer.get(&format!("/api/v1/exits/{eid}")).await;
    assert_eq!(d["exit"]["revoked_by_id"], rid);
    assert_eq!(d["revoked_by"]["id"], rid);
    assert_eq!(d["can_revoke"], false);
    // The worker is in an open file again.
    let mut dup = household("林志明", &person("440103", "19750505", 801), w.t.county_a);
    dup["filed_on"] = json!("2024-02-01");
    let (s, _) = w.officer.send("POST", "/api/v1/households", dup).await;
    assert_eq!(s, 409, "the person is claimed again");
    // Revoked once only.
    let got = propose(
        &w.officer,
        json!({ "household_id": id, "kind": "revoke", "revokes_id": eid, "note": "再次撤销" }),
    )
    .await;
    assert_error("revoked twice", &got, 422, "rule_violation", None);
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_is_refused_when_the_person_is_in_another_open_file() {
    let w = world().await;
    let worker = person("440103", "19750505", 851);
    let id = file_with(&w, "何小兵", 851, ABOVE, |_| {}).await;
    let eid = exit_household(&w, id).await;
    let (s, r) = propose(
        &w.officer,
        json!({ "household_id": id, "kind": "revoke", "revokes_id": eid, "note": "核查有误" }),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let rid = r["id"].as_i64().unwrap();
    steps(&w, rid, &["review"]).await;
    // Meanwhile the worker was filed again elsewhere.
    let mut again = household("何小兵", &worker, w.t.county_a);
    again["filed_on"] = json!("2024-03-01");
    common::file(&w.officer, again).await;
    let got = step(&w.reviewer, rid, "approve", "").await;
    assert_error("person elsewhere", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("不能撤销"));
    assert_eq!(household_json(&w.officer, id).await["status"], "exited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relapse_is_reopened_as_a_linked_incremental_file() {
    let w = world().await;
    let worker = person("440103", "19750505", 901);
    let id = file_with(&w, "马春生", 901, ABOVE, |b| {
        b["filed_on"] = json!("2016-05-01");
    })
    .await;
    assert_eq!(household_json(&w.officer, id).await["cohort"], "baseline");

    // Not exited yet: no relapse, no reopening.
    let got = relapse(&w.officer, id, "突发重病").await;
    assert_error("on file", &got, 422, "rule_violation", None);

    exit_household(&w, id).await;
    assert_eq!(w.officer.total("/api/v1/exits/relapses").await, 0);
    let got = w
        .officer
        .send_empty("POST", &format!("/api/v1/households/{id}/reopen"))
        .await;
    assert_error("reopen before relapse", &got, 422, "rule_violation", None);

    // Flagged by hand within the follow-up period.
    let got = relapse(&w.reviewer, id, "突发重病").await;
    assert_error("reviewer flags", &got, 403, "forbidden", None);
    let got = relapse(&w.officer, id, " ").await;
    assert_error("no reason", &got, 400, "invalid_input", Some("reason"));
    let (s, h) = relapse(&w.officer, id, "妻子突发脑梗住院，自付医疗费 4 万元").await;
    assert_eq!(s, 200, "{h}");
    assert_eq!(h["leaving"]["relapse_on"], today().to_string());
    assert_eq!(h["status"], "exited");
    let got = relapse(&w.officer, id, "再次").await;
    assert_error("flagged twice", &got, 422, "rule_violation", None);
    let (_, list) = w.officer.get("/api/v1/exits/relapses").await;
    assert_eq!(list["total"], 1, "{list}");
    assert!(list["items"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("脑梗"));

    // Reopened: a new incremental file of the same worker, filed today,
    // linked both ways; the old file keeps its history.
    let (s, new) = w
        .officer
        .send_empty("POST", &format!("/api/v1/households/{id}/reopen"))
        .await;
    assert_eq!(s, 201, "{new}");
    let new_id = new["id"].as_i64().unwrap();
    assert_ne!(new_id, id);
    assert_eq!(new["status"], "on_file");
    assert_eq!(new["cohort"], "incremental");
    assert_eq!(new["filed_on"], today().to_string());
    assert_eq!(new["leaving"]["previous_id"], id);
    assert_eq!(new["worker_name"], "马春生");
    let (_, incomes) = w
        .officer
        .get(&format!("/api/v1/households/{new_id}/incomes"))
        .await;
    assert_eq!(incomes.as_array().unwrap().len(), 6, "{incomes}");
    let old = household_json(&w.officer, id).await;
    assert_eq!(old["status"], "exited");
    assert_eq!(old["leaving"]["reopened_id"], new_id);
    assert_eq!(w.officer.total("/api/v1/exits/relapses").await, 0);
    assert_eq!(
        w.officer.total("/api/v1/households?status=on_file").await,
        1
    );
    let got = w
        .officer
        .send_empty("POST", &format!("/api/v1/households/{id}/reopen"))
        .await;
    assert_error("reopened twice", &got, 422, "rule_violation", None);
    // The worker's ID number, free after the exit, is the new file's now.
    let mut dup = household("马春生", &worker, w.t.county_a);
    dup["filed_on"] = json!("2024-02-01");
    let (s, _) = w.officer.send("POST", "/api/v1/households", dup).await;
    assert_eq!(s, 409);

    let actions = audit_actions(&w, "household", id).await;
    assert!(actions.iter().any(|a| a == "flag_relapse"), "{actions:?}");
    assert!(
        actions.iter().any(|a| a == "reopen_household"),
        "{actions:?}"
    );
    assert!(audit_actions(&w, "household", new_id)
        .await
        .iter()
        .any(|a| a == "create_household"));
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_relapse_after_the_follow_up_period() {
    let w = world().await;
    let id = file_with(&w, "高文华", 951, ABOVE, |_| {}).await;
    exit_household(&w, id).await;
    // The follow-up ended yesterday.
    let yesterday = today() - chrono::Duration::days(1);
    let left = today() - chrono::Duration::days(400);
    w.app
        .seed_write(move |c| {
            Ok(bangfu_storage::households::set_status(
                c,
                HouseholdId(id),
                bangfu_domain::household::Status::Exited,
                left,
                Some(yesterday),
                None,
                chrono::Utc::now().naive_utc(),
            )?)
        })
        .await
        .unwrap();
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/households/{id}/relapse"),
            json!({ "reason": "突发重病" }),
        )
        .await;
    assert_error("after follow-up", &got, 422, "rule_violation", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&yesterday.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exit_endpoints_are_in_the_openapi_document() {
    let app = common::spawn_with(settings()).await;
    let (s, doc) = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(s, 200);
    for p in [
        "/api/v1/exits",
        "/api/v1/exits/{id}",
        "/api/v1/exits/{id}/steps",
        "/api/v1/exits/ready",
        "/api/v1/exits/relief",
        "/api/v1/exits/relapses",
        "/api/v1/exits/preview",
        "/api/v1/households/{id}/relapse",
        "/api/v1/households/{id}/reopen",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p}");
    }
    assert!(doc["components"]["schemas"].get("ExitDto").is_some());
    assert!(doc["components"]["schemas"].get("LeavingDto").is_some());
}
