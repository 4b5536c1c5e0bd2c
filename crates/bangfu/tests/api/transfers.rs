//! Merging two files found to be one household, and moving a household to
//! another union with the consent of both: who may do what, what moves and
//! what stays, and every refusal writing nothing.

use crate::common;

use common::{
    assert_error, audit_entries, file, household, member, person, save_incomes, wages, Api, At,
    TestApp, Tree,
};

use serde_json::{json, Value};

struct World {
    #[allow(dead_code)]
    app: TestApp,
    t: Tree,
    a: Api,
    b: Api,
    city: Api,
    auditor: Api,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("m_a", "officer", At::CountyA),
        ("m_b", "officer", At::CountyB),
        ("m_city", "officer", At::City),
        ("m_audit", "auditor", At::Province),
    ])
    .await;
    let [a, b, city, auditor] = app.apis(["m_a", "m_b", "m_city", "m_audit"]).await;
    World {
        app,
        t,
        a,
        b,
        city,
        auditor,
    }
}

/// 王建国's file in county A: the household most tests move.
async fn wang(w: &World) -> i64 {
    file(
        &w.a,
        household("王建国", &person("440103", "19700101", 11), w.t.county_a),
    )
    .await
}

async fn detail(api: &Api, id: i64) -> Value {
    let (s, v) = api.get(&format!("/api/v1/households/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_files_of_one_household_are_merged_keeping_both_histories() {
    let w = world().await;
    let husband = person("440103", "19700101", 11);
    let wife = person("440103", "19720202", 22);
    let child = person("440103", "20100303", 33);
    let mut first = household("王建国", &husband, w.t.county_a);
    first["members"] = json!([member("王小明", &child, "child")]);
    let survivor = file(&w.a, first).await;
    let mut second = household("李秀英", &wife, w.t.county_a);
    // The same child, named in the wife's file without a number, and her mother.
    second["members"] = json!([
        member("王小明", "", "child"),
        member("陈桂兰", "", "parent")
    ]);
    let other = file(&w.a, second).await;
    save_incomes(
        &w.a,
        survivor,
        vec![wages("2026-01", 100_000), wages("2026-02", 100_000)],
    )
    .await;
    save_incomes(
        &w.a,
        other,
        vec![wages("2026-02", 50_000), wages("2026-03", 60_000)],
    )
    .await;
    let version = detail(&w.a, survivor).await["household"]["version"].clone();

    // Refusals write nothing.
    let url = format!("/api/v1/households/{survivor}/merge");
    for (what, body, status, code, field) in [
        (
            "itself",
            json!({"other_id": survivor, "relation": "spouse", "reason": "同一户"}),
            400,
            "invalid_input",
            Some("other_id"),
        ),
        (
            "no reason",
            json!({"other_id": other, "relation": "spouse", "reason": ""}),
            400,
            "invalid_input",
            Some("reason"),
        ),
        (
            "bad relation",
            json!({"other_id": other, "relation": "cousin", "reason": "同一户"}),
            400,
            "invalid_input",
            Some("relation"),
        ),
        (
            "stale",
            json!({"other_id": other, "relation": "spouse", "reason": "同一户", "version": 99}),
            409,
            "conflict",
            None,
        ),
    ] {
        let got = w.a.send("POST", &url, body).await;
        assert_error(what, &got, status, code, field);
    }
    // Another county cannot reach either file.
    let got =
        w.b.send(
            "POST",
            &url,
            json!({"other_id": other, "relation": "spouse", "reason": "同一户"}),
        )
        .await;
    assert_error("other county", &got, 404, "not_found", None);
    assert_eq!(w.a.total("/api/v1/households?status=on_file").await, 2);

    let (s, merged) = w
        .a
        .send("POST", &url, json!({"other_id": other, "relation": "spouse", "reason": "入户核实为同一家庭", "version": version}))
        .await;
    assert_eq!(s, 200, "{merged}");
    // Worker + child + wife + her mother: the child once.
    assert_eq!(merged["size"], 4);
    let d = detail(&w.a, survivor).await;
    let names: Vec<&str> = d["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["王小明", "李秀英", "陈桂兰"]);
    assert_eq!(d["members"][1]["relation"], "spouse");
    // The wife's mother is the husband's mother-in-law.
    assert_eq!(d["members"][2]["relation"], "parent_in_law");
    assert_eq!(d["merged_from"], json!([other]));
    // Months of both, added where both recorded one.
    let months: Vec<(String, i64)> = d["incomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["month"].as_str().unwrap().to_owned(),
                i["wages_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        vec![
            ("2026-01".into(), 100_000),
            ("2026-02".into(), 150_000),
            ("2026-03".into(), 60_000)
        ]
    );

    // The other is closed with a link, its history still there.
    let o = detail(&w.a, other).await;
    assert_eq!(o["household"]["status"], "closed");
    assert_eq!(o["merged_into"], survivor);
    assert_eq!(o["incomes"].as_array().unwrap().len(), 2);
    assert_eq!(w.a.total("/api/v1/households?status=on_file").await, 1);
    // The wife is in an open file now: filing her again is refused.
    let got =
        w.a.send(
            "POST",
            "/api/v1/households",
            household("李秀英", &wife, w.t.county_a),
        )
        .await;
    assert_error("wife on file", &got, 409, "conflict", None);
    // A closed file merges no more.
    let got =
        w.a.send(
            "POST",
            &url,
            json!({"other_id": other, "relation": "spouse", "reason": "再次合并"}),
        )
        .await;
    assert_error("closed", &got, 422, "rule_violation", None);

    assert_eq!(
        audit_entries(&w.auditor, "merge_households", survivor)
            .await
            .len(),
        1
    );
    assert_eq!(
        audit_entries(&w.auditor, "merge_households", other)
            .await
            .len(),
        1
    );
    common::assert_tallies_agree(&w.app).await;
}

async fn propose(api: &Api, h: i64, to: i64) -> Value {
    let (s, v) = api
        .send(
            "POST",
            &format!("/api/v1/households/{h}/transfers"),
            json!({"to_union_id": to, "reason": "职工调动到新单位"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_moves_when_the_receiving_union_accepts() {
    let w = world().await;
    let h = wang(&w).await;
    save_incomes(&w.a, h, vec![wages("2026-01", 100_000)]).await;

    // Bad input.
    let url = format!("/api/v1/households/{h}/transfers");
    let got =
        w.a.send(
            "POST",
            &url,
            json!({"to_union_id": w.t.county_a, "reason": "调动"}),
        )
        .await;
    assert_error(
        "same union",
        &got,
        400,
        "invalid_input",
        Some("to_union_id"),
    );
    let got =
        w.a.send(
            "POST",
            &url,
            json!({"to_union_id": 999_999, "reason": "调动"}),
        )
        .await;
    assert_error(
        "no such union",
        &got,
        400,
        "invalid_input",
        Some("to_union_id"),
    );
    let got =
        w.a.send(
            "POST",
            &url,
            json!({"to_union_id": w.t.county_b, "reason": ""}),
        )
        .await;
    assert_error("no reason", &got, 400, "invalid_input", Some("reason"));
    let got =
        w.b.send(
            "POST",
            &url,
            json!({"to_union_id": w.t.county_b, "reason": "调动"}),
        )
        .await;
    assert_error("not the sender's", &got, 404, "not_found", None);

    // The receiving union finds its id by name.
    let (s, found) = w.a.get("/api/v1/transfers/unions?q=越秀").await;
    assert_eq!(s, 200, "{found}");
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == w.t.county_b),
        "{found}"
    );

    let t = propose(&w.a, h, w.t.county_b).await;
    let tid = t["id"].as_i64().unwrap();
    assert_eq!(
        (
            t["status"].as_str(),
            t["may_withdraw"].as_bool(),
            t["may_answer"].as_bool()
        ),
        (Some("pending"), Some(true), Some(false))
    );
    // One waiting transfer at a time.
    let got =
        w.a.send(
            "POST",
            &url,
            json!({"to_union_id": w.t.county_b, "reason": "再次申请"}),
        )
        .await;
    assert_error("twice", &got, 409, "conflict", None);
    assert_eq!(detail(&w.a, h).await["pending_transfer_id"], tid);

    // The receiving county sees it (masked) but not yet the file.
    let incoming =
        w.b.get("/api/v1/transfers?direction=incoming&status=pending")
            .await
            .1;
    assert_eq!(incoming["total"], 1, "{incoming}");
    assert!(incoming["items"][0]["worker_id_number"]
        .as_str()
        .unwrap()
        .contains('*'));
    assert_eq!(incoming["items"][0]["may_answer"], true);
    let (s, _) = w.b.get(&format!("/api/v1/households/{h}")).await;
    assert_eq!(s, 404);
    // The sender cannot accept for the receiver; the receiver cannot withdraw.
    let got =
        w.a.send(
            "POST",
            &format!("/api/v1/transfers/{tid}/accept"),
            json!({}),
        )
        .await;
    assert_error("sender accepts", &got, 422, "rule_violation", None);
    let got =
        w.b.send(
            "POST",
            &format!("/api/v1/transfers/{tid}/withdraw"),
            json!({}),
        )
        .await;
    assert_error("receiver withdraws", &got, 422, "rule_violation", None);
    let got =
        w.b.send(
            "POST",
            &format!("/api/v1/transfers/{tid}/decline"),
            json!({"reason": ""}),
        )
        .await;
    assert_error(
        "decline without reason",
        &got,
        400,
        "invalid_input",
        Some("reason"),
    );

    let (s, done) =
        w.b.send(
            "POST",
            &format!("/api/v1/transfers/{tid}/accept"),
            json!({"version": t["version"]}),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "accepted");
    // The file is county B's now, with its months; county A sees it no more.
    let d = detail(&w.b, h).await;
    assert_eq!(d["household"]["union_id"], w.t.county_b);
    assert_eq!(d["incomes"].as_array().unwrap().len(), 1);
    let (s, _) = w.a.get(&format!("/api/v1/households/{h}")).await;
    assert_eq!(s, 404);
    // The city above both still sees it; the sender still sees the transfer.
    detail(&w.city, h).await;
    assert_eq!(w.a.total("/api/v1/transfers?direction=outgoing").await, 1);
    let got =
        w.b.send(
            "POST",
            &format!("/api/v1/transfers/{tid}/decline"),
            json!({"reason": "改变主意"}),
        )
        .await;
    assert_error("answered", &got, 422, "rule_violation", None);
    assert_eq!(
        audit_entries(&w.auditor, "answer_transfer", tid)
            .await
            .len(),
        1
    );
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_or_withdrawn_transfer_moves_nothing() {
    let w = world().await;
    let h = wang(&w).await;
    let t = propose(&w.a, h, w.t.county_b).await;
    let (s, v) =
        w.b.send(
            "POST",
            &format!("/api/v1/transfers/{}/decline", t["id"]),
            json!({"reason": "职工未到本单位报到"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "declined");
    assert_eq!(v["answer"], "职工未到本单位报到");
    assert_eq!(detail(&w.a, h).await["household"]["union_id"], w.t.county_a);

    let t = propose(&w.a, h, w.t.county_b).await;
    let (s, v) =
        w.a.send(
            "POST",
            &format!("/api/v1/transfers/{}/withdraw", t["id"]),
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "withdrawn");
    assert_eq!(detail(&w.a, h).await["household"]["union_id"], w.t.county_a);
    assert_eq!(detail(&w.a, h).await["pending_transfer_id"], Value::Null);
    assert_eq!(w.b.total("/api/v1/transfers?status=pending").await, 0);
    let got = w.a.get("/api/v1/transfers?direction=sideways").await;
    assert_error("direction", &got, 400, "invalid_input", Some("direction"));
    assert_eq!(
        audit_entries(&w.auditor, "withdraw_transfer", t["id"].as_i64().unwrap())
            .await
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_merge_and_move_files_through_the_pages() {
    let w = world().await;
    let h = wang(&w).await;
    let o = file(
        &w.a,
        household("李秀英", &person("440103", "19720202", 22), w.t.county_a),
    )
    .await;
    let other_no = detail(&w.a, o).await["household"]["file_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let (client, _) = w.app.html_login("m_a", common::PASSWORD).await;
    let csrf = common::csrf_of(&w.app, &client).await;

    let (s, page) = w.app.page(&client, &format!("/households/{h}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"merge-link\"") && page.contains("id=\"transfer-link\""));
    let (s, form) = w.app.page(&client, &format!("/households/{h}/merge")).await;
    assert_eq!(s, 200);
    assert!(form.contains("data-confirm="), "asks before merging");
    let version = common::input_value(&form, "version").unwrap();
    // A number that is no file: the form comes back, nothing merged.
    let (s, body) = w
        .app
        .post_form(
            &client,
            &format!("/households/{h}/merge"),
            &[
                ("csrf", &csrf),
                ("other_file_no", "NOPE"),
                ("relation", "spouse"),
                ("reason", "同一户"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("没有找到档案编号为 NOPE 的档案"));
    let (s, _) = w
        .app
        .post_form(
            &client,
            &format!("/households/{h}/merge"),
            &[
                ("csrf", &csrf),
                ("other_file_no", &other_no),
                ("relation", "spouse"),
                ("reason", "入户核实为同一家庭"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (_, page) = w
        .app
        .page(&client, &format!("/households/{h}?notice=merged"))
        .await;
    assert!(
        page.contains("已合并") && page.contains(&other_no),
        "link to the merged file"
    );
    let (_, page) = w.app.page(&client, &format!("/households/{o}")).await;
    assert!(page.contains("id=\"merged-into\""));

    // Transfer: find the receiving union by name, choose it, give a reason.
    let (s, page) = w
        .app
        .page(&client, &format!("/households/{h}/transfer?q=越秀"))
        .await;
    assert_eq!(s, 200);
    assert!(
        page.contains("越秀区总工会") && !page.contains(">荔湾区总工会<"),
        "own union not offered"
    );
    let (s, _) = w
        .app
        .post_form(
            &client,
            &format!("/households/{h}/transfer"),
            &[
                ("csrf", &csrf),
                ("q", "越秀"),
                ("to_union_id", &w.t.county_b.to_string()),
                ("reason", "职工调入新单位"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (_, page) = w.app.page(&client, &format!("/households/{h}")).await;
    assert!(page.contains("待越秀区总工会接收"));

    // County B accepts from its list.
    let (b_client, _) = w.app.html_login("m_b", common::PASSWORD).await;
    let b_csrf = common::csrf_of(&w.app, &b_client).await;
    let (_, list) = w.app.page(&b_client, "/transfers?direction=incoming").await;
    assert!(list.contains("王建国") && list.contains("接收"), "{list}");
    let tid = w.b.ids("/api/v1/transfers?status=pending").await[0];
    let (s, _) = w
        .app
        .post_form(
            &b_client,
            &format!("/transfers/{tid}/decline"),
            &[("csrf", &b_csrf), ("reason", "")],
        )
        .await;
    assert_eq!(s, 400, "a decline needs its reason");
    let (s, _) = w
        .app
        .post_form(
            &b_client,
            &format!("/transfers/{tid}/accept"),
            &[("csrf", &b_csrf)],
        )
        .await;
    assert_eq!(s, 303);
    let (_, list) = w.app.page(&b_client, "/transfers?notice=accepted").await;
    assert!(list.contains("已接收：该档案现由本工会管理"));
    let (s, _) = w.app.page(&b_client, &format!("/households/{h}")).await;
    assert_eq!(s, 200, "county B holds the file now");
}
