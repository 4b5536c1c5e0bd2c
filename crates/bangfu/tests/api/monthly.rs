//! The monthly run (月度评估): every household judged each
//! month; exit candidates, reliefs, relapses, files that no longer qualify,
//! overdue plans and changed conditions become to-do items for the
//! responsible person, once per month; readiness also follows each income
//! save. The run is a typed background job with progress, claimed once per
//! month however many processes try.

use crate::common;

use common::{
    first_half_2019, household, person, save_incomes, set_line, Api, At, TestApp, PASSWORD,
};

use bangfu_domain::household::{HouseholdId, Status};
use bangfu_service::Settings;
use chrono::{Datelike, Duration as Days, NaiveDate};
use serde_json::{json, Value};
use std::time::Duration;

fn quiet() -> Settings {
    Settings {
        monthly_schedule: false,
        ..Settings::default()
    }
}

fn this_month() -> String {
    let t = common::today();
    format!("{:04}-{:02}", t.year(), t.month())
}

/// Waits for a run to finish; returns it.
async fn wait_run(api: &Api, id: i64) -> Value {
    for _ in 0..600 {
        let (s, r) = api.get(&format!("/api/v1/monthly/runs/{id}")).await;
        assert_eq!(s, 200, "{r}");
        if r["finished"] == true {
            return r;
        }
        common::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {id} did not finish");
}

async fn run_now(admin: &Api) -> Value {
    let (s, body) = admin.send_empty("POST", "/api/v1/monthly/run").await;
    assert_eq!(s, 202, "{body}");
    let id = body["job_id"].as_i64().unwrap();
    let r = wait_run(admin, id).await;
    assert_eq!(r["status"], "succeeded", "{r}");
    r
}

async fn todos(api: &Api, query: &str) -> Vec<Value> {
    let (s, body) = api
        .get(&format!("/api/v1/todos?per_page=200&{query}"))
        .await;
    assert_eq!(s, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn kinds_of(items: &[Value], household: i64) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .filter(|t| t["household_id"] == household)
        .map(|t| t["kind"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

async fn ready_ids(api: &Api) -> Vec<i64> {
    let (s, body) = api.get("/api/v1/exits/ready?per_page=200").await;
    assert_eq!(s, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["household"]["id"].as_i64().unwrap())
        .collect()
}

/// Takes a file off as exited on `left_on`, followed until `follow_until`
/// (as an approved exit would), straight in the database.
async fn exit_household(app: &TestApp, id: i64, left_on: NaiveDate, follow_until: NaiveDate) {
    app.seed_write(move |c| {
        Ok(bangfu_storage::households::set_status(
            c,
            HouseholdId(id),
            Status::Exited,
            left_on,
            Some(follow_until),
            None,
            chrono::Utc::now().naive_utc(),
        )?)
    })
    .await
    .unwrap();
}

/// Records months without going through the income save (so only the run sees them).
async fn seed_incomes(app: &TestApp, id: i64, months: &[(&str, i64)]) {
    let list: Vec<bangfu_domain::household::MonthlyIncome> = months
        .iter()
        .map(|(m, fen)| {
            let mut i = bangfu_domain::household::MonthlyIncome::empty(
                bangfu_domain::Month::parse("month", m).unwrap(),
            );
            i.wages = bangfu_domain::Fen(*fen);
            i
        })
        .collect();
    app.seed_write(move |c| {
        Ok(bangfu_storage::households::upsert_incomes(
            c,
            HouseholdId(id),
            &list,
        )?)
    })
    .await
    .unwrap();
}

/// A plan with one measure due yesterday and not done, straight in the database.
async fn overdue_measure(app: &TestApp, union_id: i64, household_id: i64) {
    use bangfu_storage::seed::{self, MeasureRow, PlanRow};
    let due = common::today() - Days::days(1);
    app.seed_write(move |c| {
        let path = bangfu_storage::unions::find_unscoped(c, bangfu_domain::UnionId(union_id))?
            .expect("union")
            .path;
        let ids = seed::next_ids(c)?;
        let now = chrono::Utc::now().naive_utc();
        seed::insert_plans(
            c,
            &[PlanRow {
                id: ids.plan,
                household_id,
                union_path: path.as_str().into(),
                year: due.year(),
                goal: "exit".into(),
                target_on: None,
                summary: "计划".into(),
                status: "approved".into(),
                approved_by: None,
                approved_at: None,
                version: 1,
                created_by: None,
                created_at: now,
                updated_at: now,
            }],
        )?;
        seed::insert_measures(
            c,
            &[MeasureRow {
                id: ids.measure,
                plan_id: ids.plan,
                household_id,
                union_path: path.as_str().into(),
                track: "employment".into(),
                programme: None,
                guarantee_line: None,
                content: "技能培训".into(),
                due_on: due,
                responsible_id: None,
                status: "planned".into(),
                done_on: None,
                version: 1,
                created_at: now,
                updated_at: now,
            }],
        )?;
        seed::sync_sequences(c)?;
        Ok(())
    })
    .await
    .unwrap();
}

async fn relapse_on(app: &TestApp, id: i64) -> Option<NaiveDate> {
    app.seed_write(move |c| {
        let h = bangfu_storage::households::find(
            c,
            &bangfu_storage::Scope::of(bangfu_domain::UnionPath::from_stored("/".into())),
            HouseholdId(id),
        )?;
        Ok(h.and_then(|h| h.leaving.relapse_on))
    })
    .await
    .unwrap()
}

struct World {
    app: TestApp,
    root_admin: Api,
    officer: Api,
    t: common::Tree,
}

async fn world() -> World {
    let (app, t, _) = common::staffed_with(
        quiet(),
        &[
            ("root_admin", "admin", At::Root),
            ("a_officer", "officer", At::CountyA),
        ],
    )
    .await;
    let [root_admin, officer] = app.apis(["root_admin", "a_officer"]).await;
    World {
        app,
        root_admin,
        officer,
        t,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn households_above_the_line_are_ready_after_a_save_and_after_the_run() {
    let w = world().await;
    let (app, admin, officer) = (&w.app, &w.root_admin, &w.officer);
    let reviewer = {
        app.user("a_reviewer", "reviewer", w.t.county_a).await;
        app.api_as("a_reviewer").await
    };

    // 王: incomes recorded before any line exists, so not judged yet.
    let wang = common::file(
        officer,
        household("王建国", &person("440103", "19700101", 11), w.t.county_a),
    )
    .await;
    save_incomes(officer, wang, first_half_2019(90_001)).await;
    // 李: below the line; 赵: above, saved after the line is set.
    let li = common::file(
        officer,
        household("李秀英", &person("440103", "19720202", 22), w.t.county_a),
    )
    .await;
    let zhao = common::file(
        officer,
        household("赵国强", &person("440103", "19750505", 33), w.t.county_a),
    )
    .await;
    set_line(admin, "440100", "2019-01", 90_000).await;
    save_incomes(officer, li, first_half_2019(50_000)).await;
    assert!(ready_ids(&reviewer).await.is_empty());

    // Saving incomes above the line makes the file ready at once.
    save_incomes(officer, zhao, first_half_2019(90_001)).await;
    assert_eq!(ready_ids(&reviewer).await, vec![zhao]);
    assert!(
        todos(officer, "").await.is_empty(),
        "to-dos wait for the run"
    );

    // The run finds 王 too (the line came after his months), and leaves
    // to-do items for both; 李 (below the line) is not ready.
    let r = run_now(admin).await;
    assert_eq!(r["month"], this_month());
    assert_eq!(r["trigger"], "manual");
    assert_eq!(r["evaluated"], 3, "{r}");
    assert_eq!(r["done"], r["total"], "{r}");
    assert_eq!(r["total"], 3);
    assert_eq!(r["found"]["exit_ready"], 2, "{r}");
    let mut ready = ready_ids(&reviewer).await;
    ready.sort();
    assert_eq!(ready, vec![wang, zhao]);
    let items = todos(officer, "").await;
    assert_eq!(kinds_of(&items, wang), ["exit_ready"]);
    assert_eq!(kinds_of(&items, zhao), ["exit_ready"]);
    assert!(kinds_of(&items, li).is_empty(), "{items:?}");
    let t = items.iter().find(|t| t["household_id"] == wang).unwrap();
    assert_eq!(t["month"], this_month());
    assert_eq!(t["kind_label"], "达到脱困标准，待确认脱困");
    assert!(
        t["detail"].as_str().unwrap().contains("其他帮扶脱困"),
        "suggested pathway named: {t}"
    );
    assert_eq!(t["responsible_id"], Value::Null);
    assert_eq!(t["done"], false);

    // A fall below the line, saved, takes the file off the ready list.
    save_incomes(
        officer,
        zhao,
        vec![json!({ "month": "2019-07", "wages_fen": 10_000 })],
    )
    .await;
    assert_eq!(ready_ids(&reviewer).await, vec![wang]);
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn to_dos_are_made_once_a_month_and_can_be_closed() {
    let w = world().await;
    let (app, admin, officer) = (&w.app, &w.root_admin, &w.officer);
    set_line(admin, "440100", "2019-01", 90_000).await;
    let wang = common::file(
        officer,
        household("王建国", &person("440103", "19700101", 11), w.t.county_a),
    )
    .await;
    save_incomes(officer, wang, first_half_2019(90_001)).await;
    // An overdue measure on another file: a plan_overdue item.
    let li = common::file(
        officer,
        household("李秀英", &person("440103", "19720202", 22), w.t.county_a),
    )
    .await;
    overdue_measure(app, w.t.county_a, li).await;

    let first = run_now(admin).await;
    assert_eq!(first["found"]["exit_ready"], 1, "{first}");
    assert_eq!(first["found"]["plan_overdue"], 1, "{first}");
    assert_eq!(first["added"], 2, "{first}");
    let before = todos(officer, "done=all").await;
    assert_eq!(before.len(), 2);
    assert_eq!(kinds_of(&before, li), ["plan_overdue"]);
    let overdue = before.iter().find(|t| t["household_id"] == li).unwrap();
    assert_eq!(overdue["detail"], "有 1 项帮扶措施已过完成期限仍未完成");

    // Running again in the same month adds nothing.
    let second = run_now(admin).await;
    assert_eq!(second["added"], 0, "{second}");
    assert_eq!(second["found"], first["found"]);
    let after = todos(officer, "done=all").await;
    assert_eq!(after.len(), before.len());

    // Closing an item: audited, gone from the open list, and a later run
    // in the same month does not bring it back.
    let id = before.iter().find(|t| t["household_id"] == wang).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, t) = officer
        .send_empty("POST", &format!("/api/v1/todos/{id}/done"))
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["done"], true);
    assert_eq!(t["done_by_name"], "a_officer");
    let (s, again) = officer
        .send_empty("POST", &format!("/api/v1/todos/{id}/done"))
        .await;
    common::assert_error("close twice", &(s, again), 422, "rule_violation", None);
    assert!(todos(officer, "").await.iter().all(|t| t["id"] != id));
    assert_eq!(todos(officer, "done=true").await.len(), 1);
    run_now(admin).await;
    assert!(todos(officer, "").await.iter().all(|t| t["id"] != id));
    app.user("auditor", "auditor", w.t.root).await;
    let auditor = app.api_as("auditor").await;
    let (s, log) = auditor
        .get(&format!("/api/v1/audit?action=close_todo&object_id={id}"))
        .await;
    assert_eq!(s, 200, "{log}");
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["object_kind"], "todo");
    let (_, log) = auditor.get("/api/v1/audit?action=run_monthly").await;
    assert_eq!(log["total"], 3, "three runs by hand: {log}");

    // Filters: by kind, by month, by union; a bad kind is refused.
    assert_eq!(todos(officer, "kind=exit_ready&done=all").await.len(), 1);
    assert!(todos(officer, "month=2019-01&done=all").await.is_empty());
    assert_eq!(
        todos(officer, &format!("union={}&done=all", w.t.county_a))
            .await
            .len(),
        before.len()
    );
    let bad = officer.get("/api/v1/todos?kind=nonsense").await;
    common::assert_error("bad kind", &bad, 400, "invalid_input", Some("kind"));

    // Counts per kind and per child union for the manager.
    let (s, c) = admin.get("/api/v1/monthly/counts").await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["month"], this_month());
    let exit = c["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "exit_ready")
        .unwrap();
    assert_eq!(exit["total"], 1);
    assert_eq!(exit["open"], 0);
    let unions = c["unions"].as_array().unwrap();
    assert_eq!(unions.len(), 1, "{c}");
    assert_eq!(
        unions[0]["union_id"], w.t.province,
        "the root's child holding them"
    );
    assert_eq!(unions[0]["total"].as_i64().unwrap(), before.len() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relapse_is_flagged_within_the_follow_up_and_not_after_it() {
    let w = world().await;
    let (app, admin, officer) = (&w.app, &w.root_admin, &w.officer);
    set_line(admin, "440100", "2019-01", 90_000).await;
    let today = common::today();
    let left = NaiveDate::from_ymd_opt(2019, 1, 10).unwrap();
    let below: Vec<(&str, i64)> = vec![
        ("2018-12", 50_000),
        ("2019-01", 50_000),
        ("2019-02", 50_000),
        ("2019-03", 50_000),
        ("2019-04", 50_000),
        ("2019-05", 50_000),
        ("2019-06", 89_999),
    ];
    // Followed still: relapses when the run sees six months below the line.
    let followed = common::file(
        officer,
        household("王建国", &person("440103", "19700101", 11), w.t.county_a),
    )
    .await;
    exit_household(app, followed, left, today + Days::days(30)).await;
    seed_incomes(app, followed, &below).await;
    // Follow-up over yesterday: never flagged.
    let ended = common::file(
        officer,
        household("李秀英", &person("440103", "19720202", 22), w.t.county_a),
    )
    .await;
    exit_household(app, ended, left, today - Days::days(1)).await;
    seed_incomes(app, ended, &below).await;
    // Followed, but only five months below the line since it left (the
    // month before leaving does not count).
    let short = common::file(
        officer,
        household("赵国强", &person("440103", "19750505", 33), w.t.county_a),
    )
    .await;
    exit_household(app, short, left, today + Days::days(30)).await;
    seed_incomes(app, short, &below[..6]).await;

    let r = run_now(admin).await;
    assert_eq!(
        r["evaluated"], 2,
        "the ended follow-up is not looked at: {r}"
    );
    assert_eq!(r["found"]["relapse"], 1, "{r}");
    let items = todos(officer, "").await;
    assert_eq!(kinds_of(&items, followed), ["relapse"]);
    assert!(kinds_of(&items, ended).is_empty());
    assert!(kinds_of(&items, short).is_empty());
    let t = items
        .iter()
        .find(|t| t["household_id"] == followed)
        .unwrap();
    assert!(
        t["detail"]
            .as_str()
            .unwrap()
            .contains("2019-01 至 2019-06 连续 6 个月"),
        "{t}"
    );
    assert_eq!(relapse_on(app, followed).await, Some(today));
    assert_eq!(relapse_on(app, ended).await, None);
    assert_eq!(relapse_on(app, short).await, None);

    // The sixth month, saved by the officer, flags the relapse at once
    // (with its to-do item), without waiting for the next run.
    save_incomes(
        officer,
        short,
        vec![json!({ "month": "2019-06", "wages_fen": 1_000 })],
    )
    .await;
    assert_eq!(relapse_on(app, short).await, Some(today));
    assert_eq!(kinds_of(&todos(officer, "").await, short), ["relapse"]);
    // Saving months of the unfollowed household flags nothing.
    save_incomes(
        officer,
        ended,
        vec![json!({ "month": "2019-07", "wages_fen": 1_000 })],
    )
    .await;
    assert_eq!(relapse_on(app, ended).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_month_is_claimed_once_however_many_try() {
    let app = common::spawn_with(quiet()).await;
    let t = app.tree().await;
    // Nothing to do yet: no households, so nothing is claimed.
    app.user("root_admin", "admin", t.root).await;
    assert_eq!(app.services.monthly_run_due().await.unwrap(), None);
    app.user("a_officer", "officer", t.county_a).await;
    let officer = app.api_as("a_officer").await;
    for i in 0..5 {
        common::file(
            &officer,
            household(
                &format!("职工{i}"),
                &person("440103", "19700101", 100 + i),
                t.county_a,
            ),
        )
        .await;
    }
    let s1 = app.services.clone();
    let s2 = app.services.clone();
    let s3 = app.services.clone();
    let (a, b, c) = tokio::join!(
        s1.monthly_run_due(),
        s2.monthly_run_due(),
        s3.monthly_run_due()
    );
    let won: Vec<i64> = [a.unwrap(), b.unwrap(), c.unwrap()]
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(won.len(), 1, "exactly one process runs the month: {won:?}");
    let admin = app.api_as("root_admin").await;
    let r = wait_run(&admin, won[0]).await;
    assert_eq!(r["status"], "succeeded", "{r}");
    assert_eq!(r["trigger"], "schedule");
    assert_eq!(r["started_by"], Value::Null);
    assert_eq!(r["done"], 5);
    assert_eq!(r["total"], 5);
    assert_eq!(r["percent"], 100);
    // Claimed: a later check does nothing.
    assert_eq!(app.services.monthly_run_due().await.unwrap(), None);
    let (s, runs) = admin.get("/api/v1/monthly/runs").await;
    assert_eq!(s, 200, "{runs}");
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(runs[0]["id"], won[0]);
    assert_eq!(runs[0]["union_id"], t.root);
    // Each file had too few months: the run judged them all, found no exit.
    assert_eq!(runs[0]["evaluated"], 5);
    // The scheduled run is in the audit log, once.
    app.user("auditor", "auditor", t.root).await;
    let auditor = app.api_as("auditor").await;
    let (s, log) = auditor.get("/api/v1/audit?action=run_monthly").await;
    assert_eq!(s, 200, "{log}");
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["object_id"], won[0].to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_run_read_and_close() {
    let w = world().await;
    let (app, admin, officer) = (&w.app, &w.root_admin, &w.officer);
    let t = &w.t;
    app.user("b_officer", "officer", t.county_b).await;
    app.user("a_officer2", "officer", t.county_a).await;
    app.user("a_reviewer", "reviewer", t.county_a).await;
    app.user("b_admin", "admin", t.county_b).await;
    app.user("a_admin", "admin", t.county_a).await;
    app.civil_affairs_user("dept", None, t.city).await;
    let [b_officer, officer2, reviewer, b_admin, a_admin, dept] = app
        .apis([
            "b_officer",
            "a_officer2",
            "a_reviewer",
            "b_admin",
            "a_admin",
            "dept",
        ])
        .await;
    set_line(admin, "440100", "2019-01", 90_000).await;

    // Two ready files in 荔湾: one paired to a_officer2, one unpaired.
    let paired = common::file(
        officer,
        household("王建国", &person("440103", "19700101", 11), t.county_a),
    )
    .await;
    let unpaired = common::file(
        officer,
        household("李秀英", &person("440103", "19720202", 22), t.county_a),
    )
    .await;
    let (s, me2) = officer2.get("/api/v1/auth/me").await;
    assert_eq!(s, 200);
    let got = officer
        .send(
            "POST",
            &format!("/api/v1/households/{paired}/pairing"),
            json!({ "union_id": t.county_a, "responsible_id": me2["id"] }),
        )
        .await;
    assert!(got.0 == 200 || got.0 == 201, "{}", got.1);
    save_incomes(officer, paired, first_half_2019(90_001)).await;
    save_incomes(officer, unpaired, first_half_2019(90_001)).await;

    // Only administrators start a run; department users read nothing.
    let got = officer.send_empty("POST", "/api/v1/monthly/run").await;
    common::assert_error("officer runs", &got, 403, "forbidden", None);
    let got = dept.get("/api/v1/monthly/runs").await;
    common::assert_error("dept reads runs", &got, 403, "forbidden", None);
    let got = dept.get("/api/v1/todos").await;
    common::assert_error("dept reads to-dos", &got, 403, "forbidden", None);
    // Administrators see counts, not the households' to-do items.
    let got = admin.get("/api/v1/todos").await;
    common::assert_error("admin reads to-dos", &got, 403, "forbidden", None);

    // A county administrator runs their own subtree only.
    let (s, body) = b_admin.send_empty("POST", "/api/v1/monthly/run").await;
    assert_eq!(s, 202, "{body}");
    let b_run = body["job_id"].as_i64().unwrap();
    let r = wait_run(&b_admin, b_run).await;
    assert_eq!(r["evaluated"], 0, "荔湾's files are not 越秀's: {r}");
    let got = a_admin.get(&format!("/api/v1/monthly/runs/{b_run}")).await;
    common::assert_error("other county's run", &got, 404, "not_found", None);
    // The root's run covers every county: all of them see it.
    let root_run = run_now(admin).await["id"].as_i64().unwrap();
    let (s, _) = a_admin
        .get(&format!("/api/v1/monthly/runs/{root_run}"))
        .await;
    assert_eq!(s, 200);
    let (s, runs) = b_admin.get("/api/v1/monthly/runs").await;
    assert_eq!(s, 200);
    let ids: Vec<i64> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![root_run, b_run]);
    let (s, runs) = a_admin.get("/api/v1/monthly/runs").await;
    assert_eq!(s, 200);
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");

    // Officers see their own items and unassigned ones; a reviewer sees all.
    let mine2 = todos(&officer2, "").await;
    let mut seen: Vec<i64> = mine2
        .iter()
        .map(|t| t["household_id"].as_i64().unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, {
        let mut v = vec![paired, unpaired];
        v.sort();
        v
    });
    let only_mine = todos(&officer2, "mine=true").await;
    assert_eq!(only_mine.len(), 1);
    assert_eq!(only_mine[0]["household_id"], paired);
    assert_eq!(only_mine[0]["responsible_name"], "a_officer2");
    let first = todos(officer, "").await;
    assert_eq!(
        first.len(),
        1,
        "a_officer: the unassigned one only: {first:?}"
    );
    assert_eq!(first[0]["household_id"], unpaired);
    assert_eq!(todos(&reviewer, "").await.len(), 2);
    // Another county sees none, and cannot close them.
    assert!(todos(&b_officer, "").await.is_empty());
    let id = only_mine[0]["id"].as_i64().unwrap();
    let got = b_officer
        .send_empty("POST", &format!("/api/v1/todos/{id}/done"))
        .await;
    common::assert_error("other county closes", &got, 404, "not_found", None);
    // Nor can an officer close another's item, nor a reviewer any.
    let got = officer
        .send_empty("POST", &format!("/api/v1/todos/{id}/done"))
        .await;
    common::assert_error("another's item", &got, 404, "not_found", None);
    let got = reviewer
        .send_empty("POST", &format!("/api/v1/todos/{id}/done"))
        .await;
    common::assert_error("reviewer closes", &got, 403, "forbidden", None);
    let (s, _) = officer2
        .send_empty("POST", &format!("/api/v1/todos/{id}/done"))
        .await;
    assert_eq!(s, 200);

    // While a run covering the subtree is going on, another is refused.
    let (root_path, root_admin_id) = (format!("/{}/", t.root), me_id(admin).await);
    app.seed_write(move |c| {
        Ok(bangfu_storage::jobs::insert(
            c,
            &bangfu_storage::jobs::NewJob {
                kind: "monthly_run",
                union_id: t_root(&root_path),
                union_path: &root_path,
                user_id: root_admin_id,
                status: "running",
                phase: "正在逐户评估",
                total: 10,
                message: None,
                result_json: None,
                now: chrono::Utc::now().naive_utc(),
            },
        )?)
    })
    .await
    .unwrap();
    let got = b_admin.send_empty("POST", "/api/v1/monthly/run").await;
    common::assert_error("run while running", &got, 409, "conflict", Some("run"));
}

async fn me_id(api: &Api) -> i64 {
    let (s, me) = api.get("/api/v1/auth/me").await;
    assert_eq!(s, 200, "{me}");
    me["id"].as_i64().unwrap()
}

fn t_root(path: &str) -> i64 {
    path.trim_matches('/').parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_pages_run_and_show_progress() {
    let w = world().await;
    let (app, admin, officer) = (&w.app, &w.root_admin, &w.officer);
    set_line(admin, "440100", "2019-01", 90_000).await;
    let wang = common::file(
        officer,
        household("王建国", &person("440103", "19700101", 11), w.t.county_a),
    )
    .await;
    save_incomes(officer, wang, first_half_2019(90_001)).await;

    let (client, _) = app.html_login("root_admin", PASSWORD).await;
    let (s, html) = app.page(&client, "/monthly").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("还没有运行过月度评估"), "{html}");
    let form = common::form_html(&html, "run-form").expect("run form");
    assert!(form.contains("data-confirm"), "asks first: {form}");
    let csrf = common::input_value(form, "csrf").unwrap();
    let (s, _) = app
        .post_form(&client, "/monthly/run", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(s, 303);
    let (_, runs) = admin.get("/api/v1/monthly/runs").await;
    let id = runs[0]["id"].as_i64().unwrap();
    wait_run(admin, id).await;
    let (s, html) = app.page(&client, &format!("/monthly/runs/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-status=\"succeeded\""), "{html}");
    assert!(html.contains("评估 1 户"), "{html}");
    let (s, frag) = app
        .page(&client, &format!("/monthly/runs/{id}/progress"))
        .await;
    assert_eq!(s, 200);
    assert!(!frag.contains("hx-trigger"), "finished: no more polling");
    let (_, html) = app.page(&client, "/monthly").await;
    assert!(html.contains(&format!("data-run=\"{id}\"")), "{html}");
    assert!(html.contains("广东省总工会"), "per child union: {html}");
    // The administrator has no to-do list; the officer's lists the item.
    let (s, _) = app.page(&client, "/todos").await;
    assert_eq!(s, 403);
    let (oc, _) = app.html_login("a_officer", PASSWORD).await;
    let (s, html) = app.page(&oc, "/todos").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("王建国"), "{html}");
    assert!(html.contains("达到脱困标准，待确认脱困"));
    assert!(
        html.contains(&format!("/exits/new?household={wang}&amp;kind=out"))
            || html.contains(&format!("/exits/new?household={wang}&#38;kind=out")),
        "{html}"
    );
    let (_, items) = officer.get("/api/v1/todos").await;
    let tid = items["items"][0]["id"].as_i64().unwrap();
    let form = common::form_html(&html, "todo-filters").unwrap();
    assert!(form.contains("只看我负责的"));
    let csrf = {
        let start = html.find(&format!("/todos/{tid}/done")).unwrap();
        common::input_value(&html[start..], "csrf").unwrap()
    };
    let (s, _) = app
        .post_form(
            &oc,
            &format!("/todos/{tid}/done"),
            &[("csrf", csrf.as_str()), ("back", "/todos?done=all")],
        )
        .await;
    assert_eq!(s, 303);
    let (_, html) = app.page(&oc, "/todos?done=true").await;
    assert!(html.contains("已处理"), "{html}");
    assert!(html.contains("王建国"));

    // The API is in the OpenAPI document.
    let (_, doc) = admin.get("/api/v1/openapi.json").await;
    for p in [
        "/api/v1/todos",
        "/api/v1/todos/{id}/done",
        "/api/v1/monthly/run",
        "/api/v1/monthly/runs",
        "/api/v1/monthly/runs/{id}",
        "/api/v1/monthly/counts",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} in the OpenAPI document");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_starts_the_due_run_and_a_second_one_does_not() {
    let url = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = url.clone();
    let app = common::spawn_configured(move |c| {
        c.settings = quiet();
        *seen.lock().unwrap() = c.database_url.clone();
    })
    .await;
    let t = app.tree().await;
    app.user("root_admin", "admin", t.root).await;
    app.user("a_officer", "officer", t.county_a).await;
    let officer = app.api_as("a_officer").await;
    for i in 0..3 {
        common::file(
            &officer,
            household(
                &format!("职工{i}"),
                &person("440103", "19700101", 200 + i),
                t.county_a,
            ),
        )
        .await;
    }
    let admin = app.api_as("root_admin").await;
    let (_, runs) = admin.get("/api/v1/monthly/runs").await;
    assert_eq!(runs, json!([]), "the first server's schedule is off");

    // Two more processes on the same database with the schedule on: the
    // first to start claims this month's run; the second finds it claimed.
    let url = url.lock().unwrap().clone();
    let start = |url: String| async move {
        let mut config = common::config(url);
        config.db.max_connections = 4;
        bangfu::start(config).await.expect("server starts")
    };
    let second = start(url.clone()).await;
    let third = start(url).await;
    let (s, runs) = admin.get("/api/v1/monthly/runs").await;
    assert_eq!(s, 200, "{runs}");
    let runs = runs.as_array().unwrap().clone();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["trigger"], "schedule");
    assert_eq!(runs[0]["month"], this_month());
    let r = wait_run(&admin, runs[0]["id"].as_i64().unwrap()).await;
    assert_eq!(r["status"], "succeeded", "{r}");
    assert_eq!(r["evaluated"], 3);
    second.task.abort();
    third.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_under_way_is_not_asked_for_again() {
    let w = world().await;
    let (admin, officer) = (&w.root_admin, &w.officer);
    set_line(admin, "440100", "2019-01", 90_000).await;
    let mut ids = Vec::new();
    for (i, name) in ["王建国", "李秀英"].iter().enumerate() {
        let id = common::file(
            officer,
            household(
                name,
                &person("440103", "19700101", 40 + i as u32),
                w.t.county_a,
            ),
        )
        .await;
        save_incomes(officer, id, first_half_2019(90_001)).await;
        ids.push(id);
    }
    let got = officer
        .send(
            "POST",
            "/api/v1/exits",
            json!({ "household_id": ids[0], "kind": "out", "pathway": "employment", "causes_removed": true, "note": "已稳定就业" }),
        )
        .await;
    assert_eq!(got.0, 201, "{}", got.1);
    let r = run_now(admin).await;
    assert_eq!(r["found"]["exit_ready"], 1, "{r}");
    let items = todos(officer, "").await;
    assert!(kinds_of(&items, ids[0]).is_empty(), "{items:?}");
    assert_eq!(kinds_of(&items, ids[1]), ["exit_ready"]);
}
