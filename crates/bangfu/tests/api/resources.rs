//! Social resources over the JSON API: providers kept and shared down the
//! tree, resources and what is left of them, the suggestions and their
//! reasons, matches under concurrency, outcomes recorded as assistance (a
//! hire completing the employment measure and leading the exit to 就业创业),
//! cash donations through the funds, and scope.

use crate::common;

use common::{
    assert_error, assert_tallies_agree, assistance_records, audit_entries, file, household, member,
    person, today, Api, At, TestApp, Tree,
};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    t: Tree,
    officer: Api,
    city: Api,
    auditor: Api,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("c_officer", "officer", At::City),
        ("b_officer", "officer", At::CountyB),
        ("auditor", "auditor", At::Root),
    ])
    .await;
    World {
        officer: app.api_as("a_officer").await,
        city: app.api_as("c_officer").await,
        auditor: app.api_as("auditor").await,
        app,
        t,
    }
}

async fn provider(api: &Api, body: Value) -> Value {
    let (s, p) = api.send("POST", "/api/v1/providers", body).await;
    assert_eq!(s, 201, "provider: {p}");
    p
}

async fn resource(api: &Api, body: Value) -> Value {
    let (s, o) = api.send("POST", "/api/v1/resources", body).await;
    assert_eq!(s, 201, "resource: {o}");
    o
}

/// The age today of someone born on `born` (YYYY-MM-DD).
fn age(born: &str) -> u32 {
    bangfu_domain::resources::age_on(common::d(born), today())
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("id in {v}"))
}

/// Matches a household to `resource` as `api` (`POST …/matches`).
async fn match_to(api: &Api, resource: &Value, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/resources/{}/matches", id(resource));
    api.send("POST", &path, body).await
}

/// Records how match `m` ended, as `api`.
async fn outcome(api: &Api, m: &Value, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/matches/{}/outcome", id(m));
    api.send("POST", &path, body).await
}

/// The household ids of a resource's suggestions, and the whole answer.
async fn suggested(api: &Api, resource: i64) -> (Vec<i64>, Value) {
    let (s, body) = api
        .get(&format!("/api/v1/resources/{resource}/suggestions"))
        .await;
    assert_eq!(s, 200, "suggestions: {body}");
    let ids = body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {body}"))
        .iter()
        .map(|i| i["household_id"].as_i64().unwrap_or_default())
        .collect();
    (ids, body)
}

/// Three households of county A: 王建国, laid off (the default file);
/// 李秀英, in work, whose husband 张伟 is unemployed; 陈明, in work with a
/// son at junior school.
async fn three_households(w: &World) -> (i64, i64, i64) {
    let wang = file(
        &w.officer,
        household("王建国", &person("440103", "19700101", 11), w.t.county_a),
    )
    .await;
    let mut li = household("李秀英", &person("440103", "19720202", 22), w.t.county_a);
    li["employment"] = json!("employed");
    li["members"] = json!([{
        "name": "张伟", "id_number": person("440103", "19750303", 31), "relation": "spouse",
        "health": "healthy", "schooling": "not_in_school", "employment": "unemployed", "income_fen": 0,
    }]);
    let li = file(&w.officer, li).await;
    let mut chen = household("陈明", &person("440103", "19800404", 41), w.t.county_a);
    chen["employment"] = json!("employed");
    chen["members"] = json!([member("陈小明", &person("440103", "20120505", 51), "child")]);
    chen["members"][0]["schooling"] = json!("junior");
    let chen = file(&w.officer, chen).await;
    (wang, li, chen)
}

#[tokio::test]
async fn providers_are_kept_by_a_union_and_shared_down_the_tree() {
    let w = world().await;
    let shared = provider(
        &w.city,
        json!({ "name": "广州某爱心企业", "kind": "enterprise", "contact": "刘经理", "phone": "020-81234567", "shared": true }),
    )
    .await;
    assert_eq!(shared["kind_label"], "爱心企业");
    assert_eq!(shared["union_id"], w.t.city);
    let own = provider(&w.city, json!({ "name": "市慈善会", "kind": "charity" })).await;
    // The county sees the shared one kept above it, not the other.
    assert_eq!(w.officer.ids("/api/v1/providers").await, vec![id(&shared)]);
    // The city sees both, and a search narrows them.
    assert_eq!(w.city.total("/api/v1/providers").await, 2);
    assert_eq!(
        w.city.ids("/api/v1/providers?name=慈善").await,
        vec![id(&own)]
    );
    assert_eq!(
        w.city.ids("/api/v1/providers?kind=enterprise").await,
        vec![id(&shared)]
    );
    let (s, _) = w
        .officer
        .get(&format!("/api/v1/providers/{}", id(&own)))
        .await;
    assert_eq!(s, 404, "not shared: not seen below");
    // Seen is not kept: the county cannot edit the city's provider.
    let got = w
        .officer
        .send(
            "PATCH",
            &format!("/api/v1/providers/{}", id(&shared)),
            json!({ "name": "改名", "kind": "enterprise" }),
        )
        .await;
    assert_error("edit above", &got, 422, "rule_violation", None);
    // Bad input is refused and writes nothing.
    for (what, body, field) in [
        ("no name", json!({ "name": " ", "kind": "charity" }), "name"),
        (
            "unknown kind",
            json!({ "name": "某机构", "kind": "bank" }),
            "kind",
        ),
        (
            "bad phone",
            json!({ "name": "某机构", "kind": "charity", "phone": "12ab" }),
            "phone",
        ),
    ] {
        let got = w.city.send("POST", "/api/v1/providers", body).await;
        assert_error(what, &got, 400, "invalid_input", Some(field));
    }
    let got = w
        .city
        .send(
            "POST",
            "/api/v1/providers",
            json!({ "name": "市慈善会", "kind": "charity" }),
        )
        .await;
    assert_error("same name", &got, 409, "conflict", Some("name"));
    assert_eq!(w.city.total("/api/v1/providers").await, 2);
    // Another county's officer sees only what is shared from above.
    let (s, updated) = w
        .city
        .send(
            "PATCH",
            &format!("/api/v1/providers/{}", id(&own)),
            json!({ "name": "市慈善总会", "kind": "charity", "shared": true, "version": own["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{updated}");
    let b = w.app.api_as("b_officer").await;
    assert_eq!(b.total("/api/v1/providers").await, 2);
    let got = w
        .city
        .send(
            "PATCH",
            &format!("/api/v1/providers/{}", id(&own)),
            json!({ "name": "旧版本", "kind": "charity", "version": own["version"] }),
        )
        .await;
    assert_error("stale version", &got, 409, "conflict", None);
    assert_eq!(
        audit_entries(&w.auditor, "save_provider", id(&own))
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn an_enterprise_offers_jobs_the_unemployed_are_suggested_and_a_hire_completes_the_measure() {
    let w = world().await;
    let (wang, li, chen) = three_households(&w).await;
    // 陈明 is in work, but his plan has an open employment measure.
    let measures = w
        .app
        .seed_plans(
            w.t.county_a,
            vec![(
                chen,
                2026,
                "approved",
                vec![("employment", "介绍工作".into(), "planned")],
            )],
        )
        .await;
    let p = provider(
        &w.officer,
        json!({ "name": "荔湾某物流公司", "kind": "enterprise" }),
    )
    .await;
    let jobs = resource(
        &w.officer,
        json!({ "provider_id": id(&p), "kind": "job", "title": "仓库管理员", "place": "荔湾区",
                "detail": "初中以上学历", "wage": 450000, "quantity": 3 }),
    )
    .await;
    assert_eq!(jobs["remaining"], 3);
    assert_eq!(jobs["open"], true);
    let (ids, body) = suggested(&w.officer, id(&jobs)).await;
    assert_eq!(ids, vec![wang, li, chen], "{body}");
    let items = body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items[0]["person"], "王建国");
    assert_eq!(
        items[0]["reasons"],
        json!([format!(
            "王建国（职工本人，{} 岁）有劳动能力，下岗",
            age("1970-01-01")
        )])
    );
    assert_eq!(
        items[1]["person"], "张伟",
        "the unemployed husband, not the worker"
    );
    assert!(items[2]["reasons"][0]
        .as_str()
        .is_some_and(|r| r.contains("就业创业帮扶一批")));

    // 王建国 does not want a warehouse job: dismissed, never suggested again.
    let (s, dismissed) = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/resources/{}/dismiss", id(&jobs)),
            json!({ "household_id": wang }),
        )
        .await;
    assert_eq!(s, 201, "{dismissed}");
    assert_eq!(dismissed["status"], "dismissed");
    assert_eq!(suggested(&w.officer, id(&jobs)).await.0, vec![li, chen]);

    // A person not of the household is refused; the suggested one is taken.
    let got = match_to(
        &w.officer,
        &jobs,
        json!({ "household_id": li, "person": "路人甲" }),
    )
    .await;
    assert_error("stranger", &got, 400, "invalid_input", Some("person"));
    let (s, m) = match_to(&w.officer, &jobs, json!({ "household_id": li })).await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["person"], "张伟");
    assert_eq!(m["status"], "confirmed");
    assert!(m["reason"].as_str().is_some_and(|r| r.contains("失业")));
    let got = match_to(&w.officer, &jobs, json!({ "household_id": li })).await;
    assert_error("twice", &got, 409, "conflict", Some("household_id"));
    let (_, o) = w
        .officer
        .get(&format!("/api/v1/resources/{}", id(&jobs)))
        .await;
    assert_eq!(o["remaining"], 2);

    // 陈明 is hired: assistance of kind job, his employment measure done,
    // and an exit proposed for him would be 就业创业.
    let (s, hired) = match_to(&w.officer, &jobs, json!({ "household_id": chen })).await;
    assert_eq!(s, 201, "{hired}");
    let got = outcome(
        &w.officer,
        &hired,
        json!({ "delivered": true, "on": "2999-01-01" }),
    )
    .await;
    assert_error("future", &got, 400, "invalid_input", Some("on"));
    let (s, done) = outcome(
        &w.officer,
        &hired,
        json!({ "delivered": true, "note": "已签劳动合同" }),
    )
    .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "hired");
    assert_eq!(done["measure_id"], measures[0]);
    let records = assistance_records(&w.officer, chen).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["kind"], "job");
    assert_eq!(records[0]["id"], done["assistance_id"]);
    assert!(records[0]["note"]
        .as_str()
        .is_some_and(|n| n.contains("荔湾某物流公司")));
    let (_, measure) = w
        .officer
        .get(&format!("/api/v1/measures/{}", measures[0]))
        .await;
    assert_eq!(measure["status"], "done", "{measure}");
    let (_, preview) = w
        .officer
        .get(&format!(
            "/api/v1/exits/preview?household_id={chen}&kind=out"
        ))
        .await;
    assert_eq!(preview["suggested_pathway"], "employment", "{preview}");
    let got = outcome(
        &w.officer,
        &hired,
        json!({ "delivered": false, "note": "再登记一次" }),
    )
    .await;
    assert_error("ended already", &got, 422, "rule_violation", None);

    // 张伟 declines: what he held goes back to the resource.
    let got = outcome(&w.officer, &m, json!({ "delivered": false })).await;
    assert_error(
        "declined without a reason",
        &got,
        400,
        "invalid_input",
        Some("note"),
    );
    let (s, declined) = outcome(
        &w.officer,
        &m,
        json!({ "delivered": false, "note": "离家太远" }),
    )
    .await;
    assert_eq!(s, 200, "{declined}");
    assert_eq!(declined["status"], "declined");
    let (_, o) = w
        .officer
        .get(&format!("/api/v1/resources/{}", id(&jobs)))
        .await;
    assert_eq!(o["remaining"], 2, "one hired, one given back");
    assert!(assistance_records(&w.officer, li).await.is_empty());
    // The household's page lists its matches; the resource's page who it went to.
    assert_eq!(
        w.officer
            .ids(&format!("/api/v1/matches?household_id={chen}"))
            .await,
        vec![id(&hired)]
    );
    assert_eq!(
        w.officer
            .total(&format!(
                "/api/v1/matches?resource_id={}&status=hired",
                id(&jobs)
            ))
            .await,
        1
    );
    for (action, object) in [
        ("confirm_match", id(&hired)),
        ("record_outcome", id(&hired)),
        ("dismiss_suggestion", id(&dismissed)),
        ("save_resource", id(&jobs)),
    ] {
        assert_eq!(
            audit_entries(&w.auditor, action, object).await.len(),
            1,
            "{action}"
        );
    }
    assert_tallies_agree(&w.app).await;
}

#[tokio::test]
async fn the_last_place_goes_to_one_of_two_officers_matching_at_once() {
    let w = world().await;
    let (wang, li, _) = three_households(&w).await;
    w.app.user("a_officer2", "officer", w.t.county_a).await;
    let other = w.app.api_as("a_officer2").await;
    let p = provider(
        &w.officer,
        json!({ "name": "某职业培训学校", "kind": "other" }),
    )
    .await;
    let place = resource(
        &w.officer,
        json!({ "provider_id": id(&p), "kind": "training", "title": "电工培训", "quantity": 1 }),
    )
    .await;
    let path = format!("/api/v1/resources/{}/matches", id(&place));
    let (a, b) = tokio::join!(
        w.officer
            .send("POST", &path, json!({ "household_id": wang })),
        other.send("POST", &path, json!({ "household_id": li })),
    );
    let statuses = [a.0, b.0];
    assert!(
        statuses.contains(&201) && statuses.iter().filter(|s| **s == 201).count() == 1,
        "exactly one wins: {a:?} {b:?}"
    );
    let (_, o) = w
        .officer
        .get(&format!("/api/v1/resources/{}", id(&place)))
        .await;
    assert_eq!(o["remaining"], 0);
    assert_eq!(o["open"], false);
    assert_eq!(
        w.officer
            .total(&format!("/api/v1/matches?resource_id={}", id(&place)))
            .await,
        1
    );
    let loser = if a.0 == 201 { li } else { wang };
    let got = w
        .officer
        .send("POST", &path, json!({ "household_id": loser }))
        .await;
    assert_error("exhausted", &got, 422, "rule_violation", None);
}

#[tokio::test]
async fn a_cash_donation_is_received_into_the_funds_and_paid_to_the_households_it_reaches() {
    let w = world().await;
    let (_, _, chen) = three_households(&w).await;
    let p = provider(&w.officer, json!({ "name": "某基金会", "kind": "charity" })).await;
    let cash = json!({ "provider_id": id(&p), "kind": "cash", "aim": "education", "title": "金秋助学捐款", "quantity": 1_000_000 });
    // An officer cannot enter money into the funds.
    let got = w
        .officer
        .send("POST", "/api/v1/resources", cash.clone())
        .await;
    assert_error("no funds right", &got, 422, "rule_violation", None);
    assert_eq!(
        w.officer.total("/api/v1/resources").await,
        0,
        "nothing written"
    );
    w.app
        .services
        .operator_create_user(
            bangfu_service::Operator,
            "a_both",
            None,
            &["officer".to_owned(), "fund_officer".to_owned()],
            Some(&format!("#{}", w.t.county_a)),
            common::PASSWORD,
            bangfu_service::FirstLogin::KeepPassword,
        )
        .await
        .expect("officer and fund officer");
    let both = w.app.api_as("a_both").await;
    let mut bad = cash.clone();
    bad["quantity"] = json!(0);
    let got = both.send("POST", "/api/v1/resources", bad).await;
    assert_error("no amount", &got, 400, "invalid_input", Some("quantity"));
    let o = resource(&both, cash).await;
    assert!(o["transfer_id"].is_i64(), "{o}");
    assert_eq!(o["unit"], "分");
    let donations = |body: &Value| {
        body["sources"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["source"] == "donation").cloned())
            .map(|s| s["available"].as_i64().unwrap_or_default())
    };
    let (_, accounts) = both
        .get(&format!("/api/v1/funds/accounts?union_id={}", w.t.county_a))
        .await;
    assert_eq!(donations(&accounts), Some(1_000_000), "{accounts}");

    // School aid: only the household with a pupil is suggested.
    let (ids, body) = suggested(&both, id(&o)).await;
    assert_eq!(ids, vec![chen], "{body}");
    assert_eq!(
        body["items"][0]["reasons"],
        json!([format!("陈小明（子女，{} 岁）在读初中", age("2012-05-05"))])
    );
    let path = format!("/api/v1/resources/{}/matches", id(&o));
    let got = both
        .send(
            "POST",
            &path,
            json!({ "household_id": chen, "quantity": 2_000_000 }),
        )
        .await;
    assert_error(
        "more than left",
        &got,
        400,
        "invalid_input",
        Some("quantity"),
    );
    let (s, m) = both
        .send(
            "POST",
            &path,
            json!({ "household_id": chen, "quantity": 150_000 }),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let outcome = format!("/api/v1/matches/{}/outcome", id(&m));
    let got = both
        .send("POST", &outcome, json!({ "delivered": true }))
        .await;
    assert_error(
        "school aid names the school",
        &got,
        400,
        "invalid_input",
        Some("school"),
    );
    let (s, done) = both
        .send(
            "POST",
            &outcome,
            json!({ "delivered": true, "school": "荔湾区第一中学", "stage": "junior" }),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "received");
    let records = assistance_records(&both, chen).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["kind"], "education");
    assert_eq!(records[0]["cash"], 150_000);
    assert_eq!(records[0]["source"], "donation");
    let (_, accounts) = both
        .get(&format!("/api/v1/funds/accounts?union_id={}", w.t.county_a))
        .await;
    assert_eq!(donations(&accounts), Some(850_000), "{accounts}");
    let (_, o) = both.get(&format!("/api/v1/resources/{}", id(&o))).await;
    assert_eq!(o["remaining"], 850_000);
    assert_tallies_agree(&w.app).await;

    // What the foundation gave: the report, its sheet and the letter of thanks.
    let (s, report) = both.get("/api/v1/resources/report").await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["providers"][0]["name"], "某基金会");
    assert_eq!(report["providers"][0]["received"], 1_000_000);
    assert_eq!(report["providers"][0]["given"]["cash"], 150_000);
    assert_eq!(report["providers"][0]["households"], 1);
    assert_eq!(report["total"]["cash"], 150_000);
    let got = both
        .get("/api/v1/resources/report?from=2026-02-01&to=2026-01-01")
        .await;
    assert_error("period backwards", &got, 400, "invalid_input", Some("to"));
    let (s, past) = both
        .get("/api/v1/resources/report?from=2000-01-01&to=2000-12-31")
        .await;
    assert_eq!(s, 200);
    assert_eq!(past["providers"], json!([]), "nothing then");
    let (client, _) = w.app.html_login("a_both", common::PASSWORD).await;
    w.app.assert_xlsx(&client, "/resources/report.xlsx").await;
    let bytes = client
        .get(w.app.url("/resources/report.xlsx"))
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("body");
    let sheets = common::workbook_sheets(&bytes);
    let rows = &sheets[0].1;
    assert_eq!(common::cell_text(&rows[1][0]), "某基金会");
    assert_eq!(common::cell_num(&rows[1][3]), 10_000.0, "received, in yuan");
    assert_eq!(common::cell_num(&rows[1][4]), 1_500.0, "paid out, in yuan");
    assert_eq!(common::cell_text(&rows[2][0]), "合计");
    let (s, letter) = w
        .app
        .page(&client, &format!("/resources/providers/{}/thanks", id(&p)))
        .await;
    assert_eq!(s, 200);
    assert!(
        letter.contains("感 谢 信") && letter.contains("某基金会"),
        "{letter}"
    );
    assert!(letter.contains("捐赠资金 10,000.00 元"), "{letter}");
    assert!(letter.contains("惠及困难职工家庭 1 户"), "{letter}");
}

#[tokio::test]
async fn an_offer_serves_only_its_region_and_each_officer_their_own_households() {
    let w = world().await;
    let (wang, li, _) = three_households(&w).await;
    let b = w.app.api_as("b_officer").await;
    let b_household = file(
        &b,
        household("赵强", &person("440104", "19750101", 71), w.t.county_b),
    )
    .await;
    // A city resource serves both counties; each county sees only its own.
    let p = provider(
        &w.city,
        json!({ "name": "市人力资源服务中心", "kind": "hr_agency", "shared": true }),
    )
    .await;
    let city_jobs = resource(
        &w.city,
        json!({ "provider_id": id(&p), "kind": "job", "title": "保安", "quantity": 10 }),
    )
    .await;
    assert_eq!(
        suggested(&w.city, id(&city_jobs)).await.0,
        vec![wang, li, b_household]
    );
    assert_eq!(
        suggested(&w.officer, id(&city_jobs)).await.0,
        vec![wang, li]
    );
    assert_eq!(suggested(&b, id(&city_jobs)).await.0, vec![b_household]);
    let got = match_to(
        &w.officer,
        &city_jobs,
        json!({ "household_id": b_household }),
    )
    .await;
    assert_error("another county's household", &got, 404, "not_found", None);
    // A county resource does not reach the other county, nor is it seen there.
    let county_jobs = resource(
        &w.officer,
        json!({ "provider_id": id(&p), "kind": "job", "title": "司机", "quantity": 1 }),
    )
    .await;
    let (s, _) = b
        .get(&format!("/api/v1/resources/{}", id(&county_jobs)))
        .await;
    assert_eq!(s, 404);
    let got = match_to(
        &w.city,
        &county_jobs,
        json!({ "household_id": b_household }),
    )
    .await;
    assert_error(
        "outside the resource's region",
        &got,
        422,
        "rule_violation",
        None,
    );
    // The county cannot close the city's resource; the city can, and a closed
    // resource takes no matches.
    let close = format!("/api/v1/resources/{}/close", id(&city_jobs));
    let got = w
        .officer
        .send("POST", &close, json!({ "closed": true }))
        .await;
    assert_error("close above", &got, 422, "rule_violation", None);
    let (s, closed) = w.city.send("POST", &close, json!({ "closed": true })).await;
    assert_eq!(s, 200, "{closed}");
    assert_eq!(closed["open"], false);
    let got = match_to(&w.officer, &city_jobs, json!({ "household_id": wang })).await;
    assert_error("closed", &got, 422, "rule_violation", None);
    assert_eq!(w.officer.total("/api/v1/resources?open=true").await, 1);
    // Readers without assistance rights see nothing.
    w.app.user("a_admin", "admin", w.t.county_a).await;
    let admin = w.app.api_as("a_admin").await;
    let (s, _) = admin.get("/api/v1/resources").await;
    assert_eq!(s, 403);
    let got = admin
        .send(
            "POST",
            "/api/v1/providers",
            json!({ "name": "某企业", "kind": "enterprise" }),
        )
        .await;
    assert_error("admin", &got, 403, "forbidden", None);
}
