//! The household's assistance form and the user form (issue 4): the measure
//! is chosen from the household's own measures, the paying union from the
//! household's union and its ancestors in scope, and an administrator can
//! change a department user's department.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bangfu_domain::id_number::check_digit;
use bangfu_domain::UnionId;
use bangfu_storage::seed::{self, MeasureRow, PlanRow};
use bangfu_storage::unions;
use chrono::Datelike;
use common::{assert_error, audit_json, Api, TestApp, Tree, PASSWORD};
use serde_json::{json, Value};

fn person(region: &str, birth: &str, seq: u32) -> String {
    let first17 = format!("{region}{birth}{seq:03}");
    format!("{first17}{}", check_digit(&first17).expect("17 digits"))
}

/// Today in China Standard Time.
fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn household(name: &str, id: &str, union_id: i64) -> Value {
    json!({
        "union_id": union_id,
        "worker_name": name,
        "worker_id_number": id,
        "phone": "13800138000",
        "address": "广州市荔湾区多宝路 12 号",
        "employer": "广州某纺织厂",
        "employer_kind": "state_owned",
        "employment": "laid_off",
        "labour_capacity": "partial",
        "health": "chronic",
        "causes": ["illness"],
        "category": "near_dibao",
        "tier": "national",
        "members": [],
    })
}

struct World {
    app: TestApp,
    t: Tree,
    officer: Api,
    h1: i64,
    h2: i64,
}

async fn world() -> World {
    let app = common::spawn().await;
    let t = app.tree().await;
    app.user("a_officer", "officer", t.county_a).await;
    let officer = app.api_as("a_officer").await;
    let h1 = file(
        &officer,
        household("王建国", &person("440103", "19700101", 11), t.county_a),
    )
    .await;
    let h2 = file(
        &officer,
        household("李秀英", &person("440103", "19720202", 22), t.county_a),
    )
    .await;
    World {
        officer,
        app,
        t,
        h1,
        h2,
    }
}

async fn file(api: &Api, body: Value) -> i64 {
    let (status, got) = api.send("POST", "/api/v1/households", body).await;
    assert_eq!(status, 201, "file: {got}");
    got["id"].as_i64().expect("id")
}

/// A plan to seed: (household, year, plan status, [(track, content, measure status)]).
type PlanSeed = (
    i64,
    i32,
    &'static str,
    Vec<(&'static str, String, &'static str)>,
);

/// Seeds plans with their measures in the county; returns the measure ids
/// in the order given.
async fn seed_plans(w: &World, plans: Vec<PlanSeed>) -> Vec<i64> {
    let county = w.t.county_a;
    w.app
        .services
        .seed_write(move |c| {
            let path = unions::find_unscoped(c, UnionId(county))?
                .expect("union")
                .path;
            let ids = seed::next_ids(c)?;
            let now = chrono::Utc::now().naive_utc();
            let (mut plan_id, mut measure_id) = (ids.plan, ids.measure);
            let mut made = Vec::new();
            for (household_id, year, status, measures) in plans {
                seed::insert_plans(
                    c,
                    &[PlanRow {
                        id: plan_id,
                        household_id,
                        union_path: path.as_str().into(),
                        year,
                        goal: "exit".into(),
                        target_on: None,
                        summary: "计划".into(),
                        status: status.into(),
                        approved_by: None,
                        approved_at: None,
                        version: 1,
                        created_by: None,
                        created_at: now,
                        updated_at: now,
                    }],
                )?;
                for (track, content, mstatus) in measures {
                    seed::insert_measures(
                        c,
                        &[MeasureRow {
                            id: measure_id,
                            plan_id,
                            household_id,
                            union_path: path.as_str().into(),
                            track: track.into(),
                            programme: None,
                            guarantee_line: None,
                            content,
                            due_on: today(),
                            responsible_id: None,
                            status: mstatus.into(),
                            done_on: None,
                            version: 1,
                            created_at: now,
                            updated_at: now,
                        }],
                    )?;
                    made.push(measure_id);
                    measure_id += 1;
                }
                plan_id += 1;
            }
            seed::sync_sequences(c)?;
            Ok(made)
        })
        .await
        .expect("seed plans")
}

/// The `(value, text, selected)` of the options of `<select name="…">`.
fn options(html: &str, name: &str) -> Vec<(String, String, bool)> {
    let mut from = 0;
    while let Some(rel) = html[from..].find("<select") {
        let start = from + rel;
        let tag_end = start + html[start..].find('>').expect(">");
        let tag = &html[start..=tag_end];
        let end = tag_end + html[tag_end..].find("</select>").expect("</select>");
        if common::attr(tag, "name").as_deref() == Some(name) {
            let body = &html[tag_end + 1..end];
            let mut out = Vec::new();
            let mut i = 0;
            while let Some(r) = body[i..].find("<option") {
                let o = i + r;
                let oe = o + body[o..].find('>').expect(">");
                let otag = &body[o..=oe];
                let close = oe + body[oe..].find("</option>").expect("</option>");
                out.push((
                    common::attr(otag, "value").unwrap_or_default(),
                    body[oe + 1..close].trim().to_owned(),
                    otag.contains("selected"),
                ));
                i = close;
            }
            return out;
        }
        from = end;
    }
    panic!("no <select name=\"{name}\">");
}

fn selected(opts: &[(String, String, bool)]) -> Option<String> {
    opts.iter().find(|o| o.2).map(|o| o.0.clone())
}

async fn history(api: &Api, h: i64) -> Value {
    let (s, body) = api.get(&format!("/api/v1/households/{h}/assistance")).await;
    assert_eq!(s, 200, "history: {body}");
    body
}

/// (available, disbursed) of a union's union-funds account.
async fn funds(api: &Api, union_id: i64) -> (i64, i64) {
    let (s, body) = api
        .get(&format!("/api/v1/funds/accounts?union_id={union_id}"))
        .await;
    assert_eq!(s, 200, "accounts: {body}");
    let src = body["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["source"] == "union")
        .cloned()
        .unwrap_or(json!({ "available": 0, "disbursed": 0 }));
    (
        src["available"].as_i64().unwrap_or(0),
        src["disbursed"].as_i64().unwrap_or(0),
    )
}

async fn receive(api: &Api, union_id: i64, fen: i64) {
    let got = api
        .send(
            "POST",
            "/api/v1/funds/receipts",
            json!({ "union_id": union_id, "source": "union", "amount": fen, "memo": "测试拨款" }),
        )
        .await;
    assert_eq!(got.0, 201, "receipt: {}", got.1);
}

#[tokio::test]
async fn the_measure_is_chosen_from_the_households_own_measures() {
    let w = world().await;
    let year = today().year();
    let long = "组织参加电工技能培训并推荐到本市国有企业就业，跟踪三个月稳定就业情况".to_owned();
    let ids = seed_plans(
        &w,
        vec![
            (
                w.h1,
                year,
                "approved",
                vec![
                    ("employment", long.clone(), "planned"),
                    ("medical", "办理大病保险".into(), "cancelled"),
                ],
            ),
            (
                w.h1,
                year - 1,
                "draft",
                vec![("safety_net", "申请低保".into(), "done")],
            ),
            (
                w.h1,
                year - 3,
                "approved",
                vec![("insurance", "旧计划的措施".into(), "planned")],
            ),
            (
                w.h2,
                year,
                "approved",
                vec![("employment", "别人家的措施".into(), "planned")],
            ),
        ],
    )
    .await;
    let (this_year, cancelled, last_year, old, other) = (ids[0], ids[1], ids[2], ids[3], ids[4]);

    let (officer, _) = w.app.html_login("a_officer", PASSWORD).await;
    let path = format!("/households/{}/assistance", w.h1);
    let (s, html) = w.app.page(&officer, &path).await;
    assert_eq!(s, 200, "{html}");
    let form = common::form_html(&html, "assistance-form").expect("record form");
    let measures = options(form, "measure_id");
    assert_eq!(measures[0].0, "", "first option is no measure");
    assert_eq!(measures[0].1, "不关联措施");
    assert_eq!(
        selected(&measures),
        None,
        "none chosen: the first one shows"
    );
    let values: Vec<String> = measures[1..].iter().map(|m| m.0.clone()).collect();
    assert_eq!(
        values,
        [this_year.to_string(), last_year.to_string()],
        "this year's and last year's live measures, newest plan first: {measures:?}"
    );
    for gone in [cancelled, old, other] {
        assert!(!values.contains(&gone.to_string()), "{gone} not offered");
    }
    let first = &measures[1].1;
    assert!(first.contains(&format!("{year}年")), "{first}");
    assert!(first.contains("就业创业帮扶一批"), "track label: {first}");
    assert!(first.contains("组织参加电工技能培训"), "{first}");
    assert!(!first.contains(&long), "long content is shortened: {first}");
    assert!(!first.contains("计划未审定"), "{first}");
    let second = &measures[2].1;
    assert!(second.contains(&format!("{}年", year - 1)), "{second}");
    assert!(second.contains("社会救助兜底一批"), "{second}");
    assert!(second.contains("（计划未审定）"), "{second}");

    // The other household's form offers its own measure only.
    let (_, html2) = w
        .app
        .page(&officer, &format!("/households/{}/assistance", w.h2))
        .await;
    let form2 = common::form_html(&html2, "assistance-form").expect("record form");
    let values2: Vec<String> = options(form2, "measure_id")
        .into_iter()
        .map(|o| o.0)
        .collect();
    assert_eq!(values2, ["".to_owned(), other.to_string()]);

    let csrf = common::input_value(form, "csrf").expect("csrf");
    // Another household's measure posted through the page: refused on the
    // form with the reason, nothing written.
    let other_s = other.to_string();
    let res = officer
        .post(w.app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "training"),
            ("persons", "1"),
            ("measure_id", other_s.as_str()),
            ("note", "上门送培训资料"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("所选帮扶措施不属于该家庭"), "{body}");
    let again = common::form_html(&body, "assistance-form").expect("form again");
    assert!(again.contains("上门送培训资料"), "the typed note is kept");
    assert!(history(&w.officer, w.h1).await["records"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(history(&w.officer, w.h2).await["records"]
        .as_array()
        .unwrap()
        .is_empty());

    // A refusal for another reason keeps the chosen measure selected.
    let last_s = last_year.to_string();
    let res = officer
        .post(w.app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "training"),
            ("persons", "0"),
            ("measure_id", last_s.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    let again = common::form_html(&body, "assistance-form").expect("form again");
    assert_eq!(
        selected(&options(again, "measure_id")),
        Some(last_s.clone())
    );

    // The household's own measure is recorded with the act.
    let res = officer
        .post(w.app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "training"),
            ("persons", "1"),
            ("measure_id", last_s.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let records = history(&w.officer, w.h1).await["records"].clone();
    assert_eq!(records.as_array().unwrap().len(), 1);
    assert_eq!(records[0]["measure_id"], last_year);
}

#[tokio::test]
async fn the_paying_union_can_be_an_ancestor_in_scope() {
    let w = world().await;
    w.app.user("c_officer", "officer", w.t.city).await;
    w.app.user("c_fund", "fund_officer", w.t.city).await;
    w.app.user("a_fund", "fund_officer", w.t.county_a).await;
    let city_fund = w.app.api_as("c_fund").await;
    let county_fund = w.app.api_as("a_fund").await;
    receive(&city_fund, w.t.city, 500_000).await;
    receive(&county_fund, w.t.county_a, 300_000).await;
    let path = format!("/households/{}/assistance", w.h1);

    // The county officer: only the county itself, which is the default.
    let (county_officer, _) = w.app.html_login("a_officer", PASSWORD).await;
    let (_, html) = w.app.page(&county_officer, &path).await;
    let form = common::form_html(&html, "assistance-form").expect("record form");
    let unions = options(form, "union_id");
    let values: Vec<String> = unions.iter().map(|u| u.0.clone()).collect();
    assert_eq!(values, [w.t.county_a.to_string()]);
    assert_eq!(selected(&unions), Some(w.t.county_a.to_string()));

    // The city officer: the household's county and the city (not the
    // province, outside the scope), the city by default.
    let (city_officer, _) = w.app.html_login("c_officer", PASSWORD).await;
    let (s, html) = w.app.page(&city_officer, &path).await;
    assert_eq!(s, 200, "{html}");
    let form = common::form_html(&html, "assistance-form").expect("record form");
    let unions = options(form, "union_id");
    let values: Vec<String> = unions.iter().map(|u| u.0.clone()).collect();
    assert_eq!(values, [w.t.county_a.to_string(), w.t.city.to_string()]);
    assert_eq!(unions[1].1, "广州市总工会");
    assert_eq!(selected(&unions), Some(w.t.city.to_string()));
    let csrf = common::input_value(form, "csrf").expect("csrf");

    // Paid from the city: the city's fund is debited, the county's is not.
    let city = w.t.city.to_string();
    let res = city_officer
        .post(w.app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "living"),
            ("cash", "800.00"),
            ("source", "union"),
            ("persons", "2"),
            ("union_id", city.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(funds(&city_fund, w.t.city).await, (420_000, 80_000));
    assert_eq!(funds(&county_fund, w.t.county_a).await, (300_000, 0));
    let records = history(&w.officer, w.h1).await["records"].clone();
    assert_eq!(records[0]["union_id"], w.t.city);

    // Paid from the household's county by the same officer.
    let county = w.t.county_a.to_string();
    let res = city_officer
        .post(w.app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "living"),
            ("cash", "100.00"),
            ("source", "union"),
            ("union_id", county.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(funds(&county_fund, w.t.county_a).await, (290_000, 10_000));
    assert_eq!(funds(&city_fund, w.t.city).await, (420_000, 80_000));

    // A union outside the household's chain is refused on the form, the
    // choice kept, nothing paid.
    let sibling = w.t.county_b.to_string();
    let res = city_officer
        .post(w.app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "living"),
            ("cash", "100.00"),
            ("source", "union"),
            ("union_id", sibling.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("发放工会应为该家庭所在的工会或其上级工会"),
        "{body}"
    );
    assert_eq!(
        history(&w.officer, w.h1).await["records"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(funds(&city_fund, w.t.city).await, (420_000, 80_000));
    assert_eq!(funds(&county_fund, w.t.county_a).await, (290_000, 10_000));
}

/// The audit entries for one object and action, newest first.
async fn entries(auditor: &Api, action: &str, object_id: i64) -> Vec<Value> {
    let (status, body) = auditor
        .get(&format!(
            "/api/v1/audit?action={action}&object_id={object_id}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_administrator_changes_a_department_users_department() {
    let app = common::spawn().await;
    let t = app.tree().await;
    app.user("city_admin", "admin", t.city).await;
    app.user("rootaudit", "auditor", t.root).await;
    let admin = app.api_as("city_admin").await;
    let auditor = app.api_as("rootaudit").await;
    let (s, u) = admin
        .send(
            "POST",
            "/api/v1/users",
            json!({ "username": "minzheng", "display_name": "民政科", "union_id": t.county_a, "roles": ["department"], "department": "civil_affairs", "password": PASSWORD }),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    let id = u["user"]["id"].as_i64().unwrap();
    let user_path = format!("/api/v1/users/{id}");

    // Through the API.
    let (s, got) = admin
        .send("PATCH", &user_path, json!({ "department": "hrss" }))
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["department"], "hrss");
    let rows = entries(&auditor, "update_user", id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        audit_json(&rows[0]["before"])["department"],
        "civil_affairs"
    );
    assert_eq!(audit_json(&rows[0]["after"])["department"], "hrss");
    // Other changes keep it.
    let (s, got) = admin
        .send("PATCH", &user_path, json!({ "display_name": "人社科" }))
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["department"], "hrss");
    // Bad codes: refused on the field, nothing changed, nothing audited.
    for (what, body) in [
        ("unknown", json!({ "department": "tax_office" })),
        ("blank", json!({ "department": "" })),
    ] {
        let got = admin.send("PATCH", &user_path, body).await;
        assert_error(what, &got, 400, "invalid_input", Some("department"));
    }
    let (_, now) = admin.get(&user_path).await;
    assert_eq!(now["department"], "hrss");
    assert_eq!(entries(&auditor, "update_user", id).await.len(), 2);
    // Removing the role clears it; adding it back requires one.
    let (s, got) = admin
        .send("PATCH", &user_path, json!({ "roles": ["officer"] }))
        .await;
    assert_eq!(s, 200, "{got}");
    assert!(got["department"].is_null(), "{got}");
    let got = admin
        .send("PATCH", &user_path, json!({ "roles": ["department"] }))
        .await;
    assert_error(
        "role without department",
        &got,
        400,
        "invalid_input",
        Some("department"),
    );
    let (s, got) = admin
        .send(
            "PATCH",
            &user_path,
            json!({ "roles": ["department"], "department": "education" }),
        )
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["department"], "education");

    // Through the page.
    let (browser, _) = app.html_login("city_admin", PASSWORD).await;
    let page = format!("/users/{id}");
    let (s, html) = app.page(&browser, &page).await;
    assert_eq!(s, 200, "{html}");
    let form = common::form_html(&html, "user-form").expect("user form");
    let departments = options(form, "department");
    assert_eq!(selected(&departments), Some("education".to_owned()));
    assert!(departments
        .iter()
        .any(|d| d.0 == "health" && d.1 == "卫生健康部门"));
    let csrf = common::input_value(form, "csrf").expect("csrf");
    let county = t.county_a.to_string();
    let post = |department: &'static str| {
        let fields: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("display_name", "人社科".into()),
            ("union_id", county.clone()),
            ("roles", "department".into()),
            ("active", "true".into()),
            ("department", department.into()),
        ];
        browser.post(app.url(&page)).form(&fields).send()
    };
    let res = post("tax_office").await.unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("部门代码“tax_office”不存在"), "{body}");
    let (_, now) = admin.get(&user_path).await;
    assert_eq!(now["department"], "education");
    let res = post("health").await.unwrap();
    assert_eq!(res.status(), 303);
    let (_, now) = admin.get(&user_path).await;
    assert_eq!(now["department"], "health");
    let rows = entries(&auditor, "update_user", id).await;
    assert_eq!(audit_json(&rows[0]["before"])["department"], "education");
    assert_eq!(audit_json(&rows[0]["after"])["department"], "health");
    let (_, html) = app.page(&browser, &page).await;
    let form = common::form_html(&html, "user-form").expect("user form");
    assert_eq!(
        selected(&options(form, "department")),
        Some("health".to_owned())
    );
}
