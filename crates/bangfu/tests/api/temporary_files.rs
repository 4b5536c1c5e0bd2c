//! 临时救助档案: one-off help after a sudden event without a full file. The
//! cash is paid from the fund with the record (or neither is written), the
//! files are counted apart from the files on record, a person has one open
//! file at most and none while on an open full file, a file is converted
//! (转正) into a full file or closed, and it closes by itself after its
//! period. Pages: record, list, close and convert through the forms.

use crate::common;

use common::{
    assert_error, audit_entries, file, household, input_value, person, receive_union_funds, today,
    union_funds, with_wrong_check, Api, At, TestApp, Tree, PASSWORD,
};

use bangfu_service::Settings;
use serde_json::{json, Value};

struct World {
    app: TestApp,
    t: Tree,
    officer: Api,
    fund: Api,
    other: Api,
    city: Api,
    auditor: Api,
}

async fn world_with(settings: Settings) -> World {
    let (app, t, _) = common::staffed_with(
        settings,
        &[
            ("t_a", "officer", At::CountyA),
            ("t_fund", "fund_officer", At::CountyA),
            ("t_b", "officer", At::CountyB),
            ("t_city", "officer", At::City),
            ("t_audit", "auditor", At::Province),
        ],
    )
    .await;
    let [officer, fund, other, city, auditor] = app
        .apis(["t_a", "t_fund", "t_b", "t_city", "t_audit"])
        .await;
    World {
        app,
        t,
        officer,
        fund,
        other,
        city,
        auditor,
    }
}

async fn world() -> World {
    world_with(Settings::default()).await
}

/// A fire at 张伟's home yesterday; 2,000 yuan from the union's funds.
fn fire(id: &str) -> Value {
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    json!({
        "worker_name": "张伟",
        "worker_id_number": id,
        "phone": "13800138001",
        "address": "广州市荔湾区龙津路 8 号",
        "employer": "广州某机械厂",
        "cause": "accident",
        "event": "家中失火，房屋及家具受损",
        "event_on": yesterday,
        "given_on": today().to_string(),
        "cash_fen": 200_000,
        "source": "union",
        "persons": 3,
    })
}

async fn record(api: &Api, body: Value) -> Value {
    let (s, v) = api.send("POST", "/api/v1/temporary-files", body).await;
    assert_eq!(s, 201, "record: {v}");
    v
}

async fn list(api: &Api, query: &str) -> Value {
    let (s, v) = api.get(&format!("/api/v1/temporary-files{query}")).await;
    assert_eq!(s, 200, "list: {v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_is_paid_from_the_fund_with_the_record_and_counted_apart() {
    let w = world().await;
    let id = person("440103", "19800101", 11);

    // No money in the fund: refused, and nothing written.
    let got = w
        .officer
        .send("POST", "/api/v1/temporary-files", fire(&id))
        .await;
    assert_error("empty fund", &got, 422, "rule_violation", None);
    assert_eq!(list(&w.officer, "").await["total"], 0);

    receive_union_funds(&w.fund, w.t.county_a, 500_000).await;
    let t = record(&w.officer, fire(&id)).await;
    assert_eq!(t["status"], "open");
    assert_eq!(t["cash_fen"], 200_000);
    assert_eq!(t["union_id"], w.t.county_a);
    assert_ne!(t["worker_id_number"], id.as_str(), "masked");
    assert!(t["worker_id_number"].as_str().unwrap().contains('*'));
    assert_eq!(union_funds(&w.fund, w.t.county_a).await, (300_000, 200_000));

    // Goods only: no money moves and no source is needed.
    let id2 = person("440103", "19810202", 12);
    let mut goods = fire(&id2);
    goods["worker_name"] = json!("李娜");
    goods["cash_fen"] = json!(0);
    goods["source"] = json!("");
    goods["goods"] = json!("棉被两床、米面油");
    goods["goods_value_fen"] = json!(45_000);
    record(&w.officer, goods).await;
    assert_eq!(union_funds(&w.fund, w.t.county_a).await, (300_000, 200_000));

    // Counted apart: not among the households on file.
    let l = list(&w.city, "").await;
    assert_eq!(l["total"], 2);
    assert_eq!(l["totals"]["open"], 2);
    assert_eq!(l["totals"]["cash_fen"], 200_000);
    assert_eq!(l["totals"]["goods_value_fen"], 45_000);
    assert_eq!(l["totals"]["persons"], 6);
    assert_eq!(w.city.total("/api/v1/households").await, 0);

    // Search by name and by whole ID number.
    assert_eq!(list(&w.officer, "?q=李").await["total"], 1);
    assert_eq!(list(&w.officer, &format!("?q={id}")).await["total"], 1);

    let entries = audit_entries(
        &w.auditor,
        "create_temporary_file",
        t["id"].as_i64().unwrap(),
    )
    .await;
    assert_eq!(entries.len(), 1, "audited once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_by_field_and_writes_nothing() {
    let w = world().await;
    receive_union_funds(&w.fund, w.t.county_a, 500_000).await;
    let id = person("440103", "19800101", 11);
    let tomorrow = (today() + chrono::Days::new(1)).to_string();
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("event_on", json!({"event_on": tomorrow}), 400, "event_on"),
        (
            "given before the event",
            json!({"given_on": "2020-01-01"}),
            400,
            "given_on",
        ),
        (
            "a cause that does not strike at once",
            json!({"cause": "low_wage"}),
            400,
            "cause",
        ),
        (
            "nothing given",
            json!({"cash_fen": 0, "source": ""}),
            400,
            "cash",
        ),
        (
            "cash without a source",
            json!({"source": ""}),
            400,
            "source",
        ),
        ("negative cash", json!({"cash_fen": -1}), 400, "cash"),
        ("no event", json!({"event": " "}), 400, "event"),
        (
            "a wrong ID number",
            json!({"worker_id_number": with_wrong_check(&id)}),
            400,
            "worker_id_number",
        ),
        ("no persons", json!({"persons": 0}), 400, "persons"),
        (
            "a union outside the subtree",
            json!({"union_id": w.t.county_b}),
            400,
            "union_id",
        ),
    ];
    for (what, patch, status, field) in cases {
        let mut body = fire(&id);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let got = w
            .officer
            .send("POST", "/api/v1/temporary-files", body)
            .await;
        assert_error(what, &got, status, "invalid_input", Some(field));
    }
    assert_eq!(list(&w.officer, "").await["total"], 0);
    assert_eq!(union_funds(&w.fund, w.t.county_a).await, (500_000, 0));

    // An auditor reads but does not record.
    let got = w
        .auditor
        .send("POST", "/api/v1/temporary-files", fire(&id))
        .await;
    assert_error("auditor", &got, 403, "forbidden", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_has_one_open_file_and_none_while_on_file() {
    let w = world().await;
    receive_union_funds(&w.fund, w.t.county_a, 900_000).await;
    let id = person("440103", "19800101", 11);
    record(&w.officer, fire(&id)).await;

    // Again, from another county: the holding union is named.
    let got = w
        .other
        .send("POST", "/api/v1/temporary-files", {
            let mut b = fire(&id);
            b["union_id"] = json!(w.t.county_b);
            b["cash_fen"] = json!(0);
            b["goods"] = json!("慰问品");
            b["goods_value_fen"] = json!(10_000);
            b
        })
        .await;
    assert_error(
        "second open file",
        &got,
        409,
        "conflict",
        Some("worker_id_number"),
    );
    assert!(
        got.1["error"]["message"].as_str().unwrap().contains("荔湾"),
        "{}",
        got.1
    );

    // Someone on an open full file gets assistance on it instead.
    let filed = person("440103", "19750505", 21);
    file(&w.officer, household("王芳", &filed, w.t.county_a)).await;
    let got = w
        .officer
        .send("POST", "/api/v1/temporary-files", fire(&filed))
        .await;
    assert_error("on file", &got, 409, "conflict", Some("worker_id_number"));
    assert_eq!(list(&w.city, "").await["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_converted_into_a_full_file_once() {
    let w = world().await;
    receive_union_funds(&w.fund, w.t.county_a, 500_000).await;
    let id = person("440103", "19800101", 11);
    let t = record(&w.officer, fire(&id)).await;
    let tid = t["id"].as_i64().unwrap();

    // The full file names the same worker: the masked number stands for it.
    let mut body = household(
        "张伟",
        t["worker_id_number"].as_str().unwrap(),
        w.t.county_a,
    );
    body["category"] = json!("sudden");
    body["causes"] = json!(["accident"]);

    // Another person's number is refused.
    let mut wrong = body.clone();
    wrong["worker_id_number"] = json!(person("440103", "19790101", 31));
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/convert"),
            json!({"household": wrong}),
        )
        .await;
    assert_error(
        "another person",
        &got,
        400,
        "invalid_input",
        Some("worker_id_number"),
    );
    assert_eq!(w.officer.total("/api/v1/households").await, 0);

    // A stale version is refused.
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/convert"),
            json!({"household": body.clone(), "version": 99}),
        )
        .await;
    assert_error("stale", &got, 409, "conflict", None);
    assert_eq!(w.officer.total("/api/v1/households").await, 0);

    let (s, h) = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/convert"),
            json!({"household": body.clone(), "version": t["version"]}),
        )
        .await;
    assert_eq!(s, 201, "{h}");
    let hid = h["id"].as_i64().unwrap();
    assert_eq!(h["worker_name"], "张伟");

    let (_, after) = w
        .officer
        .get(&format!("/api/v1/temporary-files/{tid}"))
        .await;
    assert_eq!(after["status"], "converted");
    assert_eq!(after["household_id"], hid);
    assert_eq!(after["file_no"], h["file_no"]);
    let (_, detail) = w.officer.get(&format!("/api/v1/households/{hid}")).await;
    assert_eq!(detail["converted_from"], tid);
    // The full file holds the person now: the same number, unmasked, is on file.
    assert_eq!(
        w.officer.total(&format!("/api/v1/households?q={id}")).await,
        1
    );

    // Once only; a converted file is not closed either.
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/convert"),
            json!({"household": body}),
        )
        .await;
    assert_error("twice", &got, 422, "rule_violation", None);
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/close"),
            json!({"reason": "不再需要"}),
        )
        .await;
    assert_error("close converted", &got, 422, "rule_violation", None);

    let l = list(&w.officer, "?status=converted").await;
    assert_eq!(l["total"], 1);
    assert_eq!(l["totals"]["converted"], 1);
    assert_eq!(
        audit_entries(&w.auditor, "convert_temporary_file", tid)
            .await
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_closed_by_hand_with_a_reason_and_scope_holds() {
    let w = world().await;
    receive_union_funds(&w.fund, w.t.county_a, 500_000).await;
    let t = record(&w.officer, fire(&person("440103", "19800101", 11))).await;
    let tid = t["id"].as_i64().unwrap();

    // Another county neither sees nor closes it; the city above sees it.
    let (s, _) = w.other.get(&format!("/api/v1/temporary-files/{tid}")).await;
    assert_eq!(s, 404);
    assert_eq!(list(&w.other, "").await["total"], 0);
    let got = w
        .other
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/close"),
            json!({"reason": "不再需要"}),
        )
        .await;
    assert_error("other county", &got, 404, "not_found", None);
    assert_eq!(list(&w.city, "").await["total"], 1);

    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/close"),
            json!({"reason": " "}),
        )
        .await;
    assert_error("no reason", &got, 400, "invalid_input", Some("reason"));
    let (s, c) = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/close"),
            json!({"reason": "困难已缓解"}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["status"], "closed");
    assert_eq!(c["expired"], false);
    assert_eq!(c["closed_reason"], "困难已缓解");
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{tid}/convert"),
            json!({"household": household("张伟", "", w.t.county_a)}),
        )
        .await;
    assert_error("convert closed", &got, 422, "rule_violation", None);
    assert_eq!(list(&w.officer, "?status=closed").await["total"], 1);
    assert_eq!(list(&w.officer, "?status=open").await["total"], 0);
    let got = w.officer.get("/api/v1/temporary-files?status=gone").await;
    assert_error("unknown status", &got, 400, "invalid_input", Some("status"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_closes_by_itself_after_its_period() {
    // A period of one day: help given two days ago has run out.
    let w = world_with(Settings {
        temporary_file_days: 1,
        ..Settings::default()
    })
    .await;
    receive_union_funds(&w.fund, w.t.county_a, 500_000).await;
    let mut old = fire(&person("440103", "19800101", 11));
    let two_days_ago = (today() - chrono::Days::new(2)).to_string();
    old["event_on"] = json!(two_days_ago.clone());
    old["given_on"] = json!(two_days_ago);
    let t = record(&w.officer, old).await;
    assert_eq!(t["status"], "closed");
    assert_eq!(t["expired"], true);
    let fresh = record(&w.officer, {
        let mut b = fire(&person("440103", "19810202", 12));
        b["worker_name"] = json!("李娜");
        b
    })
    .await;
    assert_eq!(fresh["status"], "open");

    let l = list(&w.officer, "").await;
    assert_eq!(
        (l["totals"]["open"].as_i64(), l["totals"]["closed"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        list(&w.officer, "?status=closed").await["items"][0]["id"],
        t["id"]
    );
    // The person of an expired file may be helped again.
    let mut again = fire(&person("440103", "19800101", 11));
    again["cash_fen"] = json!(10_000);
    record(&w.officer, again).await;
    let got = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/temporary-files/{}/close", t["id"]),
            json!({"reason": "不再需要"}),
        )
        .await;
    assert_error("expired", &got, 422, "rule_violation", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_records_closes_and_converts_through_the_pages() {
    let w = world().await;
    receive_union_funds(&w.fund, w.t.county_a, 500_000).await;
    let (client, _) = w.app.html_login("t_a", PASSWORD).await;

    let (s, html) = w.app.page(&client, "/temporary-files").await;
    assert_eq!(s, 200);
    assert!(html.contains("还没有临时救助档案"), "empty state");
    let (s, form) = w.app.page(&client, "/temporary-files/new").await;
    assert_eq!(s, 200);
    let csrf = input_value(&form, "csrf").unwrap();
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    let id = person("440103", "19800101", 11);
    let fields = |cash: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("union_id", w.t.county_a.to_string()),
            ("worker_name", "张伟".to_owned()),
            ("worker_id_number", id.clone()),
            ("phone", "13800138001".to_owned()),
            ("cause", "accident".to_owned()),
            ("event", "家中失火，房屋受损".to_owned()),
            ("event_on", yesterday.clone()),
            ("given_on", today().to_string()),
            ("cash", cash.to_owned()),
            ("source", "union".to_owned()),
            ("persons", "3".to_owned()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = w.app.url("/temporary-files");
        async move {
            let res = client.post(url).form(&f).send().await.unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, location, res.text().await.unwrap_or_default())
        }
    };
    // A mistyped amount: the form comes back with the message, nothing written.
    let (s, _, body) = post(fields("两千")).await;
    assert_eq!(s, 400);
    assert!(body.contains("金额“两千”格式不正确"), "{body}");
    assert_eq!(list(&w.officer, "").await["total"], 0);

    let (s, location, _) = post(fields("2000")).await;
    assert_eq!(s, 303);
    let (_, page) = w.app.page(&client, &location).await;
    assert!(page.contains("已登记临时救助档案"), "notice");
    assert!(page.contains("2,000.00 元"), "cash shown");
    let tid: i64 = location
        .trim_start_matches("/temporary-files/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // Convert: the filing form comes pre-filled and posts to the conversion.
    let (s, form) = w
        .app
        .page(&client, &format!("/temporary-files/{tid}/convert"))
        .await;
    assert_eq!(s, 200);
    assert!(form.contains("临时救助档案转正建档"));
    assert!(form.contains(&format!("action=\"/temporary-files/{tid}/convert\"")));
    assert_eq!(input_value(&form, "worker_name").as_deref(), Some("张伟"));
    let masked = input_value(&form, "worker_id_number").unwrap();
    assert!(masked.contains('*'), "{masked}");
    let res = client
        .post(w.app.url(&format!("/temporary-files/{tid}/convert")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("union_id", &w.t.county_a.to_string()),
            ("worker_name", "张伟"),
            ("worker_id_number", masked.as_str()),
            ("phone", "13800138001"),
            ("address", "广州市荔湾区龙津路 8 号"),
            ("division_code", "440103"),
            ("employer", "广州某机械厂"),
            ("employer_kind", "private"),
            ("employment", "employed"),
            ("labour_capacity", "full"),
            ("health", "healthy"),
            ("causes", "accident"),
            ("category", "sudden"),
            ("tier", "national"),
            ("version", &input_value(&form, "version").unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let household = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(household.starts_with("/households/"), "{household}");
    let (_, page) = w.app.page(&client, &household).await;
    assert!(page.contains("已由临时救助档案转正建档"), "notice");
    assert!(
        page.contains(&format!("href=\"/temporary-files/{tid}\"")),
        "link back"
    );

    // Closing another one through its page, after the confirmation.
    let (s, location, _) = post({
        let mut f = fields("100");
        f[2].1 = "李娜".into();
        f[3].1 = person("440103", "19810202", 12);
        f
    })
    .await;
    assert_eq!(s, 303);
    let (_, page) = w.app.page(&client, &location).await;
    assert!(page.contains("data-confirm="), "asks before closing");
    let other = location.split('?').next().unwrap().to_owned();
    let (s, body) = w
        .app
        .post_form(
            &client,
            &format!("{other}/close"),
            &[("csrf", &csrf), ("reason", "")],
        )
        .await;
    assert_eq!(s, 400, "{body}");
    let (s, _) = w
        .app
        .post_form(
            &client,
            &format!("{other}/close"),
            &[("csrf", &csrf), ("reason", "困难已缓解")],
        )
        .await;
    assert_eq!(s, 303);
    let (_, page) = w.app.page(&client, &other).await;
    assert!(page.contains("困难已缓解"));
    assert!(
        !page.contains("id=\"convert-link\""),
        "no conversion once closed"
    );

    // The list and its download.
    let (_, html) = w
        .app
        .page(&client, "/temporary-files?status=converted")
        .await;
    assert!(html.contains("张伟") && !html.contains("李娜"), "filtered");
    w.app
        .assert_xlsx(&client, "/temporary-files/export.xlsx")
        .await;
}
