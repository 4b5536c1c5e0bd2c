//! 专项行动: a look-back (回头看) or 户户清 campaign gives every household on
//! file in the starting union's subtree a task (as many as the household
//! list counts), refuses bad input writing nothing, records keep / correct /
//! remove (through the exits flow) and clears items, counts progress by
//! child union with overdue tasks, shows another county nothing, closes
//! with a summary after which nothing changes, leaves to-do items that go
//! when the task is done, and downloads its tasks.

use crate::common;

use common::{
    assert_error, audit_entries, file, household, pair, person, Api, At, TestApp, Tree, PASSWORD,
};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    t: Tree,
    /// County A's officer, responsible for `a1` and `a2`.
    a: Api,
    a_id: i64,
    /// County B's officer.
    b: Api,
    city: Api,
    auditor: Api,
    a1: i64,
    a2: i64,
    /// County A, on file, nobody responsible.
    a3: i64,
    /// County B, on file.
    b1: i64,
}

fn deadline(days: i64) -> String {
    (common::today() + chrono::Duration::days(days)).to_string()
}

async fn world() -> World {
    let (app, t, ids) = common::staffed(&[
        ("c_a", "officer", At::CountyA),
        ("c_b", "officer", At::CountyB),
        ("c_city", "officer", At::City),
        ("c_aud", "auditor", At::City),
    ])
    .await;
    let [a, b, city, auditor] = app.apis(["c_a", "c_b", "c_city", "c_aud"]).await;
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
    let a3 = file(
        &a,
        household("张伟", &person("440103", "19750303", 33), t.county_a),
    )
    .await;
    pair(&a, a1, t.county_a, ids[0]).await;
    pair(&a, a2, t.county_a, ids[0]).await;
    // A closed file gets no task.
    let closed = file(
        &a,
        household("赵刚", &person("440103", "19680404", 44), t.county_a),
    )
    .await;
    app.close_household(closed).await;
    let b1 = file(
        &b,
        household("陈芳", &person("440104", "19800505", 55), t.county_b),
    )
    .await;
    World {
        app,
        t,
        a,
        a_id: ids[0],
        b,
        city,
        auditor,
        a1,
        a2,
        a3,
        b1,
    }
}

async fn start(api: &Api, body: Value) -> Value {
    let (s, v) = api.send("POST", "/api/v1/campaigns", body).await;
    assert_eq!(s, 201, "{v}");
    v
}

fn look_back(union_id: i64) -> Value {
    json!({ "kind": "look_back", "union_id": union_id, "title": "2026 年档案回头看", "deadline": deadline(30) })
}

/// The task of `household` in campaign `c`, as `api` lists it.
async fn task_of(api: &Api, c: i64, household: i64) -> Value {
    let (s, v) = api
        .get(&format!(
            "/api/v1/campaigns/{c}/tasks?state=all&household_id={household}"
        ))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    v["items"][0].clone()
}

async fn outcome(api: &Api, task: i64, outcome: &str, note: &str) -> (u16, Value) {
    api.send(
        "POST",
        &format!("/api/v1/campaign-tasks/{task}/outcome"),
        json!({ "outcome": outcome, "note": note }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_look_back_gives_every_household_on_file_a_task() {
    let w = world().await;
    let on_file = w
        .city
        .total(&format!(
            "/api/v1/households?status=on_file&union_id={}",
            w.t.city
        ))
        .await;
    assert_eq!(on_file, 4);
    let c = start(&w.city, look_back(w.t.city)).await;
    assert_eq!(c["tasks"], on_file, "{c}");
    assert_eq!(c["kind"], "look_back");
    assert_eq!(c["status"], "running");
    assert_eq!(c["progress"]["total"], on_file);
    assert_eq!(c["progress"]["left"], on_file);
    let id = c["id"].as_i64().unwrap();

    let county = start(&w.a, look_back(w.t.county_a)).await;
    let in_a =
        w.a.total(&format!(
            "/api/v1/households?status=on_file&union_id={}",
            w.t.county_a
        ))
        .await;
    assert_eq!(county["tasks"], in_a);
    assert_eq!(in_a, 3);

    // Each task is for the household's responsible person.
    let t = task_of(&w.city, id, w.a1).await;
    assert_eq!(t["responsible_id"], w.a_id);
    let t = task_of(&w.city, id, w.a3).await;
    assert_eq!(t["responsible_id"], Value::Null);

    let audit = audit_entries(&w.auditor, "start_campaign", id).await;
    assert_eq!(audit.len(), 1, "{audit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_writes_nothing() {
    let w = world().await;
    let grassroots = w.app.grassroots().await;
    let mut past = look_back(w.t.county_a);
    past["deadline"] = json!(deadline(-1));
    let got = w.a.send("POST", "/api/v1/campaigns", past).await;
    assert_error(
        "past deadline",
        &got,
        400,
        "invalid_input",
        Some("deadline"),
    );

    for (items, what) in [
        (json!([]), "empty list"),
        (json!(["底数清", "  "]), "blank item"),
        (json!(["底数清", "底数清"]), "duplicate item"),
    ] {
        let got =
            w.a.send(
                "POST",
                "/api/v1/campaigns",
                json!({ "kind": "clear_all", "union_id": w.t.county_a, "title": "户户清",
                        "deadline": deadline(10), "items": items }),
            )
            .await;
        assert_error(what, &got, 400, "invalid_input", Some("items"));
    }
    let got =
        w.a.send("POST", "/api/v1/campaigns", look_back(grassroots))
            .await;
    assert_error("grassroots union", &got, 422, "rule_violation", None);
    let got =
        w.a.send("POST", "/api/v1/campaigns", look_back(w.t.county_b))
            .await;
    assert_error("another county", &got, 404, "not_found", None);
    let got = w
        .auditor
        .send("POST", "/api/v1/campaigns", look_back(w.t.city))
        .await;
    assert_error("an auditor", &got, 403, "forbidden", None);

    assert_eq!(
        w.city.total("/api/v1/campaigns").await,
        0,
        "nothing written"
    );
    assert_eq!(w.a.total("/api/v1/todos?kind=campaign&done=all").await, 0);
    assert!(audit_entries(&w.auditor, "start_campaign", 1)
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_back_outcomes_keep_correct_and_remove_through_the_exits_flow() {
    let w = world().await;
    let c = start(&w.a, look_back(w.t.county_a)).await;
    let id = c["id"].as_i64().unwrap();
    let t1 = task_of(&w.a, id, w.a1).await["id"].as_i64().unwrap();
    let t2 = task_of(&w.a, id, w.a2).await["id"].as_i64().unwrap();
    let t3 = task_of(&w.a, id, w.a3).await["id"].as_i64().unwrap();

    let (s, d) = w.a.get(&format!("/api/v1/campaign-tasks/{t1}")).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["may_act"], true);
    assert_eq!(d["visit"], Value::Null);

    // Keep, after a home visit recorded through the visits feature.
    let (s, v) =
        w.a.send(
            "POST",
            &format!("/api/v1/households/{}/visits", w.a1),
            json!({ "visited_on": common::today().to_string(), "met": "本人", "looked": "住房简陋",
                    "asked": "收入无变化", "explained": "回头看政策" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, d) = outcome(&w.a, t1, "keep", "身份、成员、收入、致困原因均与档案一致").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["task"]["outcome"], "keep");
    assert_eq!(d["task"]["done"], true);
    assert_eq!(d["task"]["visit_id"], v["id"]);
    let got = outcome(&w.a, t1, "correct", "再改").await;
    assert_error("done already", &got, 422, "rule_violation", None);

    // Correct needs the changes noted.
    let got = outcome(&w.a, t2, "correct", " ").await;
    assert_error(
        "correct without note",
        &got,
        400,
        "invalid_input",
        Some("note"),
    );
    let got = outcome(&w.a, t2, "cleared", "").await;
    assert_error(
        "not a look-back outcome",
        &got,
        400,
        "invalid_input",
        Some("outcome"),
    );
    let (s, d) = outcome(&w.a, t2, "correct", "补录了配偶身份证号").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["task"]["note"], "补录了配偶身份证号");

    // Remove: refused until a removal is proposed in the exits flow.
    let got = outcome(&w.a, t3, "remove", "").await;
    assert_error(
        "remove without a proposal",
        &got,
        422,
        "rule_violation",
        None,
    );
    assert_eq!(
        task_of(&w.a, id, w.a3).await["done"],
        false,
        "nothing written"
    );
    let (s, e) =
        w.a.send(
            "POST",
            "/api/v1/exits",
            json!({ "household_id": w.a3, "kind": "removal", "reason": "recheck",
                    "note": "回头看复核：家庭收入已超过标准", "evidence": "入户核查记录" }),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let (s, d) = outcome(&w.a, t3, "remove", "复核不符合标准").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["task"]["outcome"], "remove");
    assert_eq!(d["task"]["exit_id"], e["id"]);

    let (s, p) = w.a.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(s, 200, "{p}");
    let sum = &p["progress"]["summary"];
    assert_eq!(
        (
            sum["kept"].as_i64(),
            sum["corrected"].as_i64(),
            sum["removed"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{p}"
    );
    assert_eq!(p["progress"]["done"], 3);
    assert_eq!(
        audit_entries(&w.auditor, "record_campaign_task", t3)
            .await
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clearing_every_item_finishes_a_household_task() {
    let w = world().await;
    let c = start(
        &w.a,
        json!({ "kind": "clear_all", "union_id": w.t.county_a, "title": "户户清", "deadline": deadline(5),
                "items": ["底数清", "收入状况清"] }),
    )
    .await;
    assert_eq!(c["items"], json!(["底数清", "收入状况清"]));
    let id = c["id"].as_i64().unwrap();
    let six = start(
        &w.a,
        json!({ "kind": "clear_all", "union_id": w.t.county_a, "title": "户户清二", "deadline": deadline(5) }),
    )
    .await;
    assert_eq!(six["items"].as_array().unwrap().len(), 6);
    assert_eq!(six["items"][0], "底数清");

    let t = task_of(&w.a, id, w.a1).await["id"].as_i64().unwrap();
    let clear = |item: Value, note: &str| {
        let body = json!({ "item": item, "note": note });
        let a = &w.a;
        async move {
            a.send("POST", &format!("/api/v1/campaign-tasks/{t}/clear"), body)
                .await
        }
    };
    let got = clear(json!(0), "").await;
    assert_error("no note", &got, 400, "invalid_input", Some("note"));
    let got = clear(json!("政策落实清"), "x").await;
    assert_error("not an item", &got, 400, "invalid_input", Some("item"));
    let (s, d) = clear(json!(0), "户籍、人口与档案一致").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["task"]["done"], false);
    assert_eq!(d["task"]["cleared"], 1);
    assert_eq!(d["items"][0]["cleared"], true);
    assert_eq!(d["items"][1]["cleared"], false);
    let got = clear(json!(0), "again").await;
    assert_error("cleared twice", &got, 422, "rule_violation", None);
    // The last item through the task page's form.
    let (client, _) = w.app.html_login("c_a", PASSWORD).await;
    let (s, html) = w.app.page(&client, &format!("/campaign-tasks/{t}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"item-list\"") && html.contains("已销号"));
    let csrf = common::csrf_of(&w.app, &client).await;
    let (s, html) = w
        .app
        .post_form(
            &client,
            &format!("/campaign-tasks/{t}/clear"),
            &[("csrf", &csrf), ("item", "1"), ("note", "")],
        )
        .await;
    assert_eq!(s, 400, "a blank note is refused on the page");
    assert!(html.contains("请写明"), "{html}");
    let (s, _) = w
        .app
        .post_form(
            &client,
            &format!("/campaign-tasks/{t}/clear"),
            &[("csrf", &csrf), ("item", "1"), ("note", "近三月收入已录入")],
        )
        .await;
    assert_eq!(s, 303);
    let (s, d) = w.a.get(&format!("/api/v1/campaign-tasks/{t}")).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["task"]["done"], true);
    assert_eq!(d["task"]["outcome"], "cleared");
    let got = outcome(&w.a, t, "keep", "").await;
    assert_error("no outcome on 户户清", &got, 422, "rule_violation", None);
    let (_, p) = w.a.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(p["progress"]["done"], 1);
    assert_eq!(p["progress"]["summary"]["cleared"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_counts_by_child_union_and_overdue_after_the_deadline() {
    let w = world().await;
    let c = start(&w.city, look_back(w.t.city)).await;
    let id = c["id"].as_i64().unwrap();
    let t = task_of(&w.a, id, w.a1).await["id"].as_i64().unwrap();
    let (s, d) = outcome(&w.a, t, "keep", "").await;
    assert_eq!(s, 200, "{d}");

    let (s, p) = w.city.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(s, 200, "{p}");
    let child = |p: &Value, u: i64| {
        p["progress"]["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["union_id"] == u)
            .cloned()
            .unwrap()
    };
    let a = child(&p, w.t.county_a);
    assert_eq!(
        (
            a["total"].as_i64(),
            a["done"].as_i64(),
            a["left"].as_i64(),
            a["overdue"].as_i64()
        ),
        (Some(3), Some(1), Some(2), Some(0))
    );
    let b = child(&p, w.t.county_b);
    assert_eq!(
        (b["total"].as_i64(), b["done"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(p["progress"]["overdue"], 0);

    // Drill down to county A: its own part.
    let (_, pa) = w
        .city
        .get(&format!("/api/v1/campaigns/{id}?union_id={}", w.t.county_a))
        .await;
    assert_eq!(pa["progress"]["union_id"], w.t.county_a);
    assert_eq!(pa["progress"]["total"], 3);

    // Past the deadline, what is left is overdue.
    let past = common::today() - chrono::Duration::days(1);
    w.app
        .seed_write(move |c| {
            Ok(bangfu_storage::test_support::set_campaign_deadline(
                c, id, past,
            )?)
        })
        .await
        .expect("deadline");
    let (_, p) = w.city.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(p["progress"]["overdue"], 3);
    assert_eq!(child(&p, w.t.county_a)["overdue"], 2);
    assert_eq!(child(&p, w.t.county_b)["overdue"], 1);
    let overdue = w
        .city
        .total(&format!("/api/v1/campaigns/{id}/tasks?state=overdue"))
        .await;
    assert_eq!(overdue, 3);
    let (_, d) =
        w.a.get(&format!(
            "/api/v1/campaign-tasks/{}",
            task_of(&w.a, id, w.a2).await["id"]
        ))
        .await;
    assert_eq!(d["overdue"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_county_sees_nothing_of_a_campaign() {
    let w = world().await;
    let c = start(&w.a, look_back(w.t.county_a)).await;
    let id = c["id"].as_i64().unwrap();
    let t = task_of(&w.a, id, w.a1).await["id"].as_i64().unwrap();
    assert_eq!(w.b.total("/api/v1/campaigns").await, 0);
    let got = w.b.get(&format!("/api/v1/campaigns/{id}")).await;
    assert_error("campaign", &got, 404, "not_found", None);
    let got = w.b.get(&format!("/api/v1/campaign-tasks/{t}")).await;
    assert_error("task", &got, 404, "not_found", None);
    let got = outcome(&w.b, t, "keep", "").await;
    assert_error("record", &got, 404, "not_found", None);
    let got = w.b.get(&format!("/api/v1/campaigns/{id}/tasks")).await;
    assert_error("tasks", &got, 404, "not_found", None);

    // A city campaign: each county sees its own part only; the auditor reads all.
    let city = start(&w.city, look_back(w.t.city)).await;
    let cid = city["id"].as_i64().unwrap();
    let (s, p) = w.b.get(&format!("/api/v1/campaigns/{cid}")).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["progress"]["union_id"], w.t.county_b);
    assert_eq!(p["progress"]["total"], 1);
    assert_eq!(p["may_close"], false);
    let ids: Vec<i64> = w.b.ids(&format!("/api/v1/campaigns/{cid}/tasks")).await;
    assert_eq!(ids.len(), 1);
    assert_eq!(task_of(&w.b, cid, w.b1).await["household_id"], w.b1);
    let got =
        w.b.get(&format!(
            "/api/v1/campaigns/{cid}?union_id={}",
            w.t.county_a
        ))
        .await;
    assert_error("a sibling's part", &got, 404, "not_found", None);
    assert_eq!(w.b.total("/api/v1/campaigns").await, 1);
    assert_eq!(
        w.auditor
            .total(&format!("/api/v1/campaigns/{cid}/tasks"))
            .await,
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_gives_a_summary_and_freezes_the_tasks() {
    let w = world().await;
    let c = start(&w.a, look_back(w.t.county_a)).await;
    let id = c["id"].as_i64().unwrap();
    let t1 = task_of(&w.a, id, w.a1).await["id"].as_i64().unwrap();
    let t2 = task_of(&w.a, id, w.a2).await["id"].as_i64().unwrap();
    assert_eq!(outcome(&w.a, t1, "keep", "").await.0, 200);

    // Only the starting union closes it.
    let got = w
        .city
        .send_empty("POST", &format!("/api/v1/campaigns/{id}/close"))
        .await;
    assert_error("a parent union", &got, 403, "forbidden", None);
    let (s, p) =
        w.a.send_empty("POST", &format!("/api/v1/campaigns/{id}/close"))
            .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "closed");
    let sum = &p["progress"]["summary"];
    assert_eq!(
        (
            sum["kept"].as_i64(),
            sum["corrected"].as_i64(),
            sum["removed"].as_i64(),
            sum["not_done"].as_i64()
        ),
        (Some(1), Some(0), Some(0), Some(2)),
        "{p}"
    );
    assert!(p["closed_at"].is_string());

    let got = outcome(&w.a, t2, "keep", "").await;
    assert_error("after close", &got, 422, "rule_violation", None);
    let got =
        w.a.send_empty("POST", &format!("/api/v1/campaigns/{id}/close"))
            .await;
    assert_error("closed twice", &got, 422, "rule_violation", None);
    assert_eq!(task_of(&w.a, id, w.a2).await["done"], false);
    assert_eq!(
        audit_entries(&w.auditor, "close_campaign", id).await.len(),
        1
    );
    // Its open to-do items closed with it.
    assert_eq!(w.a.total("/api/v1/todos?kind=campaign").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_task_is_a_to_do_until_it_is_done() {
    let w = world().await;
    let c = start(&w.city, look_back(w.t.city)).await;
    let id = c["id"].as_i64().unwrap();
    let (s, todos) = w.a.get("/api/v1/todos?kind=campaign&mine=true").await;
    assert_eq!(s, 200, "{todos}");
    let mut hs: Vec<i64> = todos["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["household_id"].as_i64().unwrap())
        .collect();
    hs.sort_unstable();
    let mut want = vec![w.a1, w.a2];
    want.sort_unstable();
    assert_eq!(hs, want, "{todos}");
    assert_eq!(todos["items"][0]["kind"], "campaign");

    let t = task_of(&w.a, id, w.a1).await["id"].as_i64().unwrap();
    assert_eq!(outcome(&w.a, t, "keep", "").await.0, 200);
    let ids: Vec<i64> = w.a.get("/api/v1/todos?kind=campaign&mine=true").await.1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["household_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![w.a2]);
    // A household that leaves the file keeps its task, which shows its status.
    w.app.close_household(w.a2).await;
    let task = task_of(&w.a, id, w.a2).await;
    assert_eq!(task["household_status"], "closed");
    assert_eq!(task["done"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_download_as_a_workbook_and_the_pages_work() {
    let w = world().await;
    let (client, _) = w.app.html_login("c_a", PASSWORD).await;
    let (s, html) = w.app.page(&client, "/campaigns").await;
    assert_eq!(s, 200);
    assert!(html.contains("还没有专项行动"), "empty state");
    assert!(html.contains("id=\"campaign-form\""));
    let csrf = common::csrf_of(&w.app, &client).await;
    let past = deadline(-3);
    let (s, html) = w
        .app
        .post_form(
            &client,
            "/campaigns",
            &[
                ("csrf", &csrf),
                ("kind", "look_back"),
                ("union_id", &w.t.county_a.to_string()),
                ("title", "回头看"),
                ("deadline", &past),
                ("items", ""),
            ],
        )
        .await;
    assert_eq!(s, 400, "past deadline");
    assert!(html.contains("已过"), "{html}");
    let future = deadline(3);
    let (s, _) = w
        .app
        .post_form(
            &client,
            "/campaigns",
            &[
                ("csrf", &csrf),
                ("kind", "look_back"),
                ("union_id", &w.t.county_a.to_string()),
                ("title", "回头看"),
                ("deadline", &future),
                ("items", ""),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let id = w.a.ids("/api/v1/campaigns").await[0];
    let (s, html) = w.app.page(&client, &format!("/campaigns/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"task-list\""));
    let t = task_of(&w.a, id, w.a1).await["id"].as_i64().unwrap();
    let (s, html) = w.app.page(&client, &format!("/campaign-tasks/{t}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"outcome-form\""));
    let (s, _) = w
        .app
        .post_form(
            &client,
            &format!("/campaign-tasks/{t}/outcome"),
            &[("csrf", &csrf), ("outcome", "keep"), ("note", "")],
        )
        .await;
    assert_eq!(s, 303);
    let res = client
        .get(w.app.url(&format!("/campaigns/household/{}", w.a2)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    w.app
        .assert_xlsx(&client, &format!("/campaigns/{id}/export.xlsx?state=all"))
        .await;
    let mut book = w
        .app
        .download_xlsx(&client, &format!("/campaigns/{id}/export.xlsx?state=done"))
        .await;
    use calamine::Reader;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 2, "header and the one done task");

    let res =
        w.a.client
            .get(w.app.url(&format!("/api/v1/campaigns/{id}/export")))
            .bearer_auth(&w.a.token)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await.unwrap()[..2], b"PK");
}
