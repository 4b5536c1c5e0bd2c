//! The household's assistance form and the user form: the measure
//! is chosen from the household's own measures, the paying union from the
//! household's union and its ancestors in scope, and an administrator can
//! change a department user's department.

use crate::common;

use common::{
    assert_error, assistance_records, audit_entries, audit_json, file_two_households,
    receive_union_funds, today, union_funds, Api, At, TestApp, Tree, PASSWORD,
};

use chrono::Datelike;
use serde_json::json;

struct World {
    app: TestApp,
    t: Tree,
    officer: Api,
    h1: i64,
    h2: i64,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[("a_officer", "officer", At::CountyA)]).await;
    let officer = app.api_as("a_officer").await;
    let (h1, h2) = file_two_households(&officer, t.county_a).await;
    World {
        officer,
        app,
        t,
        h1,
        h2,
    }
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

#[tokio::test]
async fn the_measure_is_chosen_from_the_households_own_measures() {
    let w = world().await;
    let year = today().year();
    let long = "组织参加电工技能培训并推荐到本市国有企业就业，跟踪三个月稳定就业情况".to_owned();
    let ids = w
        .app
        .seed_plans(
            w.t.county_a,
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
    // Training for `persons` under `measure_id` through the page, with a
    // note if given.
    let training = |persons: &'static str, measure_id: i64, note: Option<&'static str>| {
        let (app, officer, path, csrf) = (&w.app, &officer, &path, &csrf);
        let measure_id = measure_id.to_string();
        async move {
            let mut fields = vec![
                ("csrf", csrf.as_str()),
                ("kind", "training"),
                ("persons", persons),
                ("measure_id", measure_id.as_str()),
            ];
            fields.extend(note.map(|n| ("note", n)));
            app.post_form(officer, path, &fields).await
        }
    };
    // Another household's measure posted through the page: refused on the
    // form with the reason, nothing written.
    let (s, body) = training("1", other, Some("上门送培训资料")).await;
    assert_eq!(s, 400);
    assert!(body.contains("所选帮扶措施不属于该家庭"), "{body}");
    let again = common::form_html(&body, "assistance-form").expect("form again");
    assert!(again.contains("上门送培训资料"), "the typed note is kept");
    assert!(assistance_records(&w.officer, w.h1).await.is_empty());
    assert!(assistance_records(&w.officer, w.h2).await.is_empty());

    // A refusal for another reason keeps the chosen measure selected.
    let (s, body) = training("0", last_year, None).await;
    assert_eq!(s, 400);
    let again = common::form_html(&body, "assistance-form").expect("form again");
    assert_eq!(
        selected(&options(again, "measure_id")),
        Some(last_year.to_string())
    );

    // The household's own measure is recorded with the act.
    let (s, _) = training("1", last_year, None).await;
    assert_eq!(s, 303);
    let records = assistance_records(&w.officer, w.h1).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["measure_id"], last_year);
}

#[tokio::test]
async fn the_paying_union_can_be_an_ancestor_in_scope() {
    let w = world().await;
    w.app.user("c_officer", "officer", w.t.city).await;
    w.app.user("c_fund", "fund_officer", w.t.city).await;
    w.app.user("a_fund", "fund_officer", w.t.county_a).await;
    let [city_fund, county_fund] = w.app.apis(["c_fund", "a_fund"]).await;
    receive_union_funds(&city_fund, w.t.city, 500_000).await;
    receive_union_funds(&county_fund, w.t.county_a, 300_000).await;
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
    // The city officer pays living assistance of `cash` yuan from the union
    // funds of `union_id` through the page (with an `extra` field if given).
    let pay = |cash: &'static str, union_id: i64, extra: Option<(&'static str, &'static str)>| {
        let (app, client, path, csrf) = (&w.app, &city_officer, &path, &csrf);
        let union_id = union_id.to_string();
        async move {
            let mut fields = vec![
                ("csrf", csrf.as_str()),
                ("kind", "living"),
                ("cash", cash),
                ("source", "union"),
            ];
            fields.extend(extra);
            fields.push(("union_id", union_id.as_str()));
            app.post_form(client, path, &fields).await
        }
    };

    // Paid from the city: the city's fund is debited, the county's is not.
    let (s, _) = pay("800.00", w.t.city, Some(("persons", "2"))).await;
    assert_eq!(s, 303);
    assert_eq!(union_funds(&city_fund, w.t.city).await, (420_000, 80_000));
    assert_eq!(union_funds(&county_fund, w.t.county_a).await, (300_000, 0));
    let records = assistance_records(&w.officer, w.h1).await;
    assert_eq!(records[0]["union_id"], w.t.city);

    // Paid from the household's county by the same officer.
    let (s, _) = pay("100.00", w.t.county_a, None).await;
    assert_eq!(s, 303);
    assert_eq!(
        union_funds(&county_fund, w.t.county_a).await,
        (290_000, 10_000)
    );
    assert_eq!(union_funds(&city_fund, w.t.city).await, (420_000, 80_000));

    // A union outside the household's chain is refused on the form, the
    // choice kept, nothing paid.
    let (s, body) = pay("100.00", w.t.county_b, None).await;
    assert_eq!(s, 400);
    assert!(
        body.contains("发放工会应为该家庭所在的工会或其上级工会"),
        "{body}"
    );
    assert_eq!(assistance_records(&w.officer, w.h1).await.len(), 2);
    assert_eq!(union_funds(&city_fund, w.t.city).await, (420_000, 80_000));
    assert_eq!(
        union_funds(&county_fund, w.t.county_a).await,
        (290_000, 10_000)
    );
}

#[tokio::test]
async fn an_administrator_changes_a_department_users_department() {
    let (app, t, _) = common::staffed(&[
        ("city_admin", "admin", At::City),
        ("rootaudit", "auditor", At::Root),
    ])
    .await;
    let [admin, auditor] = app.apis(["city_admin", "rootaudit"]).await;
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
    let rows = audit_entries(&auditor, "update_user", id).await;
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
    assert_eq!(audit_entries(&auditor, "update_user", id).await.len(), 2);
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
    let rows = audit_entries(&auditor, "update_user", id).await;
    assert_eq!(audit_json(&rows[0]["before"])["department"], "education");
    assert_eq!(audit_json(&rows[0]["after"])["department"], "health");
    let (_, html) = app.page(&browser, &page).await;
    let form = common::form_html(&html, "user-form").expect("user form");
    assert_eq!(
        selected(&options(form, "department")),
        Some("health".to_owned())
    );
}
