//! Yearly targets: default plan shares, inheritance down
//! the tree, an administrator's override and its clearing (audited),
//! progress counted from baseline exits and reliefs net of revocations,
//! the month-by-month schedule, ranking, who is behind, the page with its
//! form and Excel export, and the refusals.

use crate::common;

use common::{
    assert_error, cell_num, cell_text, decide, file, household, person, revoke, today, Api, At,
    TestApp, Tree, PASSWORD,
};

use bangfu_domain::target::DefaultPlan;
use bangfu_service::Settings;
use calamine::{Data, Reader};
use chrono::Datelike;
use serde_json::{json, Value};
use std::collections::BTreeMap;

async fn progress(api: &Api, union: i64, year: i32) -> Value {
    let path = format!("/api/v1/targets/progress?union={union}&year={year}");
    let (s, body) = api.get(&path).await;
    assert_eq!(s, 200, "GET {path}: {body}");
    body
}

async fn set(api: &Api, union: i64, year: i32, share: Value) -> (u16, Value) {
    api.send(
        "PUT",
        "/api/v1/targets",
        json!({ "union_id": union, "year": year, "share": share }),
    )
    .await
}

struct World {
    app: TestApp,
    t: Tree,
    admin: Api,
    auditor: Api,
    h: BTreeMap<String, i64>,
}

/// Baseline files (filed 2016): county A a1–a4, county B b1–b2, the city
/// c1, 深圳 s1–s3; and a5 in county A filed 2017 (incremental pool).
async fn world_with(settings: Settings) -> World {
    let (app, t, _) = common::staffed_with(
        settings,
        &[
            ("p_admin", "admin", At::Province),
            ("p_officer", "officer", At::Province),
            ("p_auditor", "auditor", At::Province),
        ],
    )
    .await;
    let officer = app.api_as("p_officer").await;
    let mut h = BTreeMap::new();
    let files = [
        ("a1", t.county_a, "2016-01-01"),
        ("a2", t.county_a, "2016-01-02"),
        ("a3", t.county_a, "2016-01-03"),
        ("a4", t.county_a, "2016-01-04"),
        ("a5", t.county_a, "2017-03-01"),
        ("b1", t.county_b, "2016-02-01"),
        ("b2", t.county_b, "2016-02-02"),
        ("c1", t.city, "2016-03-01"),
        ("s1", t.other_city, "2016-04-01"),
        ("s2", t.other_city, "2016-04-02"),
        ("s3", t.other_city, "2016-04-03"),
    ];
    for (i, (key, union, filed)) in files.into_iter().enumerate() {
        let mut body = household(
            &format!("职工{key}"),
            &person("440103", "19750101", u32::try_from(i + 1).unwrap()),
            union,
        );
        body["filed_on"] = json!(filed);
        h.insert(key.to_owned(), file(&officer, body).await);
    }
    World {
        admin: app.api_as("p_admin").await,
        auditor: app.api_as("p_auditor").await,
        app,
        t,
        h,
    }
}

async fn world() -> World {
    world_with(Settings::default()).await
}

/// 2018: a1 out (Mar), a2 relief (May), a5 out (incremental: not counted),
/// a3 removed (not counted), b1 out (Feb) revoked in Aug, s1 out (Nov);
/// s2 out in 2019 and c1 out in 2017 belong to other years.
async fn decisions_2018(w: &World) {
    let h = &w.h;
    decide(&w.app, h["c1"], "out", Some("employment"), "2017-12-31").await;
    let b1 = decide(&w.app, h["b1"], "out", Some("medical"), "2018-02-01").await;
    decide(&w.app, h["a1"], "out", Some("employment"), "2018-03-10").await;
    decide(&w.app, h["a5"], "out", Some("employment"), "2018-04-01").await;
    decide(&w.app, h["a2"], "relief", None, "2018-05-20").await;
    decide(&w.app, h["a3"], "removal", Some("recheck"), "2018-06-01").await;
    revoke(&w.app, b1, "2018-08-15").await;
    decide(
        &w.app,
        h["s1"],
        "out",
        Some("social_assistance"),
        "2018-11-30",
    )
    .await;
    decide(&w.app, h["s2"], "out", Some("other"), "2019-01-10").await;
}

#[tokio::test]
async fn default_plan_shares() {
    let w = world().await;
    for (year, bp, origin) in [
        (2017, 3000, "plan"),
        (2018, 2500, "plan"),
        (2019, 2500, "plan"),
        (2020, 2000, "plan"),
        (2021, 0, "none"),
    ] {
        let p = progress(&w.admin, w.t.province, year).await;
        assert_eq!(p["share_bp"], bp, "{year}: {p}");
        assert_eq!(p["share_origin"], origin, "{year}");
        assert_eq!(p["plan"], "wuzhou");
        assert_eq!(p["baseline"], 10, "ten baseline files in {year}");
        for c in p["children"].as_array().unwrap() {
            assert_eq!(c["share_bp"], bp, "{year} {}", c["union"]["name"]);
        }
    }
    let p = progress(&w.admin, w.t.province, 2017).await;
    assert_eq!(p["target"], 3, "ceil(10 × 30 %)");
    let p = progress(&w.admin, w.t.province, 2018).await;
    assert_eq!(p["target"], 3, "ceil(10 × 25 %) = ceil(2.5)");
    assert_eq!(p["share"], "25%");
    let p = progress(&w.admin, w.t.province, 2021).await;
    assert_eq!(p["target"], 0);
    assert_eq!(p["progress_bp"], Value::Null);
    assert_eq!(p["behind"], false, "no target, never behind");
    // The baseline counts files filed by the end of the year only.
    let p = progress(&w.admin, w.t.province, 2015).await;
    assert_eq!(p["baseline"], 0);
    // Default year: this year.
    let (s, p) = w.admin.get("/api/v1/targets/progress").await;
    assert_eq!(s, 200);
    assert_eq!(p["year"], today().year());
    assert_eq!(p["union"]["id"], w.t.province);

    // The Guangdong plan: 20 % every year.
    let g = world_with(Settings {
        target_plan: DefaultPlan::Guangdong,
        ..Settings::default()
    })
    .await;
    for year in [2017, 2020, 2026] {
        let p = progress(&g.admin, g.t.city, year).await;
        assert_eq!(p["share_bp"], 2000);
        assert_eq!(p["plan"], "guangdong");
        assert_eq!(p["baseline"], 7);
        assert_eq!(p["target"], 2, "ceil(7 × 20 %)");
    }
}

#[tokio::test]
async fn shares_inherit_down_the_tree_and_can_be_overridden_and_cleared() {
    let w = world().await;
    w.app.user("a_admin", "admin", w.t.county_a).await;
    let a_admin = w.app.api_as("a_admin").await;

    let (s, p) = set(&w.admin, w.t.province, 2019, json!(40)).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["share_bp"], 4000);
    assert_eq!(p["share_origin"], "own");
    assert_eq!(p["own_share_bp"], 4000);
    assert_eq!(p["target"], 4, "ceil(10 × 40 %)");
    let city = progress(&w.admin, w.t.city, 2019).await;
    assert_eq!(city["share_bp"], 4000);
    assert_eq!(city["share_origin"], "inherited");
    assert_eq!(city["share_from"]["name"], "广东省总工会");
    assert_eq!(city["own_share_bp"], Value::Null);
    // Only 2019 changed.
    assert_eq!(progress(&w.admin, w.t.city, 2018).await["share_bp"], 2500);

    let (s, p) = set(&w.admin, w.t.city, 2019, json!("12.5")).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["share"], "12.5%");
    let a = progress(&w.admin, w.t.county_a, 2019).await;
    assert_eq!(a["share_bp"], 1250);
    assert_eq!(
        a["share_from"]["name"], "广州市总工会",
        "the nearest ancestor"
    );
    // The city's children see it in the ranking too.
    let c = progress(&w.admin, w.t.city, 2019).await;
    for ch in c["children"].as_array().unwrap() {
        assert_eq!(ch["share_bp"], 1250);
        assert_eq!(ch["share_origin"], "inherited");
    }

    // A county's own administrator overrides for the county only.
    let (s, p) = set(&a_admin, w.t.county_a, 2019, json!("10%")).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["share_bp"], 1000);
    assert_eq!(p["share_origin"], "own");
    let c = progress(&w.admin, w.t.city, 2019).await;
    let shares: BTreeMap<String, (i64, String)> = c["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["union"]["name"].as_str().unwrap().to_owned(),
                (
                    x["share_bp"].as_i64().unwrap(),
                    x["share_origin"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    assert_eq!(shares["荔湾区总工会"], (1000, "own".to_owned()));
    assert_eq!(shares["越秀区总工会"], (1250, "inherited".to_owned()));
    // … and cannot touch the city.
    assert_error(
        "county admin on the city",
        &set(&a_admin, w.t.city, 2019, json!(5)).await,
        404,
        "not_found",
        None,
    );

    // Clearing: back to the city's share; clearing again changes nothing.
    let (s, p) = a_admin
        .send_empty(
            "DELETE",
            &format!("/api/v1/targets?union_id={}&year=2019", w.t.county_a),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["share_bp"], 1250);
    assert_eq!(p["share_origin"], "inherited");
    let (s, _) = a_admin
        .send_empty(
            "DELETE",
            &format!("/api/v1/targets?union_id={}&year=2019", w.t.county_a),
        )
        .await;
    assert_eq!(s, 200);
    // Clearing the province's and the city's: the plan again.
    for u in [w.t.city, w.t.province] {
        let (s, _) = w
            .admin
            .send_empty("DELETE", &format!("/api/v1/targets?union_id={u}&year=2019"))
            .await;
        assert_eq!(s, 200);
    }
    let a = progress(&w.admin, w.t.county_a, 2019).await;
    assert_eq!(
        (a["share_bp"].as_i64(), a["share_origin"].as_str()),
        (Some(2500), Some("plan"))
    );

    // Every change is audited: three sets and three clears (the second
    // clear of the county changed nothing).
    let (s, log) = w
        .auditor
        .get("/api/v1/audit?action=set_target&per_page=50")
        .await;
    assert_eq!(s, 200, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 6, "{log}");
    let first = items
        .iter()
        .find(|e| e["object_id"] == format!("{}/2019", w.t.province) && e["before"].is_null())
        .expect("province set");
    assert_eq!(first["after"]["share_bp"], 4000);
    assert_eq!(first["object_kind"], "target");
    assert!(items
        .iter()
        .any(|e| e["after"]["cleared"] == true && e["before"]["share_bp"] == 1000));
}

#[tokio::test]
async fn progress_counts_baseline_exits_and_reliefs_net_of_revocations() {
    let w = world().await;
    decisions_2018(&w).await;
    // 深圳 is asked for everything in 2018.
    let (s, _) = set(&w.admin, w.t.other_city, 2018, json!(100)).await;
    assert_eq!(s, 200);

    let p = progress(&w.admin, w.t.province, 2018).await;
    assert_eq!(p["baseline"], 10);
    assert_eq!(p["target"], 3);
    assert_eq!(
        p["achieved"], 3,
        "a1, a2, s1 (b1 revoked; a5 incremental; a3 removed): {p}"
    );
    assert_eq!(p["elapsed_months"], 12, "a past year is judged at December");
    assert_eq!(p["achieved_to_date"], 3);
    assert_eq!(p["expected_to_date"], 3);
    assert_eq!(p["behind"], false);
    assert_eq!(p["progress_bp"], 10_000);
    let months: Vec<(i64, i64, i64)> = p["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["achieved"].as_i64().unwrap(),
                m["cumulative"].as_i64().unwrap(),
                m["expected"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        vec![
            (0, 0, 1),
            (1, 1, 1),
            (1, 2, 1),
            (0, 2, 1),
            (1, 3, 2),
            (0, 3, 2),
            (0, 3, 2),
            (-1, 2, 2),
            (0, 2, 3),
            (0, 2, 3),
            (1, 3, 3),
            (0, 3, 3),
        ]
    );
    // The ranking: the city at 100 %, 深圳 at a third and behind.
    let ch = p["children"].as_array().unwrap();
    assert_eq!(ch.len(), 2);
    assert_eq!(ch[0]["union"]["name"], "广州市总工会");
    assert_eq!(
        (
            ch[0]["rank"].as_i64(),
            ch[0]["baseline"].as_i64(),
            ch[0]["target"].as_i64(),
            ch[0]["achieved"].as_i64()
        ),
        (Some(1), Some(7), Some(2), Some(2))
    );
    assert_eq!(ch[0]["behind"], false);
    assert_eq!(ch[1]["union"]["name"], "深圳市总工会");
    assert_eq!(
        (
            ch[1]["rank"].as_i64(),
            ch[1]["target"].as_i64(),
            ch[1]["achieved"].as_i64()
        ),
        (Some(2), Some(3), Some(1))
    );
    assert_eq!(ch[1]["progress_bp"], 3333);
    assert_eq!(ch[1]["behind"], true);
    assert_eq!(ch[1]["share_origin"], "own");

    // Other years count their own decisions.
    assert_eq!(progress(&w.admin, w.t.province, 2017).await["achieved"], 1);
    assert_eq!(progress(&w.admin, w.t.province, 2019).await["achieved"], 1);
    // Within the city: county A achieved 2 of ceil(4 × 25 %) = 1; county B 0 of 1.
    let c = progress(&w.admin, w.t.city, 2018).await;
    assert_eq!(c["achieved"], 2);
    let ch = c["children"].as_array().unwrap();
    assert_eq!(ch[0]["union"]["name"], "荔湾区总工会");
    assert_eq!(
        (
            ch[0]["target"].as_i64(),
            ch[0]["achieved"].as_i64(),
            ch[0]["progress_bp"].as_i64()
        ),
        (Some(1), Some(2), Some(20_000))
    );
    assert_eq!(ch[1]["union"]["name"], "越秀区总工会");
    assert_eq!(
        (
            ch[1]["target"].as_i64(),
            ch[1]["achieved"].as_i64(),
            ch[1]["behind"].as_bool()
        ),
        (Some(1), Some(0), Some(true))
    );
}

#[tokio::test]
async fn this_year_is_judged_at_the_current_month() {
    let w = world().await;
    let year = today().year();
    let (s, _) = set(&w.admin, w.t.city, year, json!(50)).await;
    assert_eq!(s, 200);
    decide(
        &w.app,
        w.h["b1"],
        "out",
        Some("employment"),
        &today().to_string(),
    )
    .await;
    let c = progress(&w.admin, w.t.city, year).await;
    let month = i64::from(today().month());
    assert_eq!(c["elapsed_months"], month);
    let ch = c["children"].as_array().unwrap();
    // County B: 1 of ceil(2 × 50 %) = 1, on schedule; county A: 0 of 2, behind.
    assert_eq!(ch[0]["union"]["name"], "越秀区总工会");
    assert_eq!(
        (
            ch[0]["target"].as_i64(),
            ch[0]["achieved"].as_i64(),
            ch[0]["behind"].as_bool()
        ),
        (Some(1), Some(1), Some(false))
    );
    assert_eq!(ch[1]["union"]["name"], "荔湾区总工会");
    assert_eq!(ch[1]["target"], 2);
    assert_eq!(ch[1]["expected_to_date"], (2 * month + 11) / 12);
    assert_eq!(ch[1]["behind"], true);
    let m = &c["months"][usize::try_from(month - 1).unwrap()];
    assert_eq!(m["achieved"], 1);
    // Next year has not started: nobody is behind.
    let n = progress(&w.admin, w.t.city, year + 1).await;
    assert_eq!(n["elapsed_months"], 0);
    assert!(n["children"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["behind"] == false));
}

#[tokio::test]
async fn refusals() {
    let w = world().await;
    w.app.user("p_officer2", "officer", w.t.province).await;
    let officer = w.app.api_as("p_officer2").await;
    // Reading needs ReadStats (every role but a department's); setting needs ManageTargets.
    w.app
        .civil_affairs_user("minzheng", Some("民政科"), w.t.province)
        .await;
    let dept = w.app.api_as("minzheng").await;
    assert_error(
        "department reads",
        &dept.get("/api/v1/targets/progress").await,
        403,
        "forbidden",
        None,
    );
    assert_error(
        "officer sets",
        &set(&officer, w.t.province, 2019, json!(30)).await,
        403,
        "forbidden",
        None,
    );
    assert_error(
        "auditor sets",
        &set(&w.auditor, w.t.province, 2019, json!(30)).await,
        403,
        "forbidden",
        None,
    );
    let (s, _) = officer
        .get(&format!(
            "/api/v1/targets/progress?union={}&year=2019",
            w.t.city
        ))
        .await;
    assert_eq!(s, 200, "an officer reads");
    // Bad input writes nothing.
    for (share, why) in [
        (json!(101), "over 100 %"),
        (json!("abc"), "not a number"),
        (json!("12.345"), "three decimals"),
        (json!(-5), "negative"),
        (json!(true), "not a share"),
    ] {
        let got = set(&w.admin, w.t.province, 2019, share).await;
        assert_error(why, &got, 400, "invalid_input", Some("share"));
    }
    assert_error(
        "year",
        &set(&w.admin, w.t.province, 1999, json!(30)).await,
        400,
        "invalid_input",
        Some("year"),
    );
    assert_error(
        "no year",
        &w.admin
            .send_empty(
                "DELETE",
                &format!("/api/v1/targets?union_id={}", w.t.province),
            )
            .await,
        400,
        "invalid_input",
        Some("year"),
    );
    let p = progress(&w.admin, w.t.province, 2019).await;
    assert_eq!(p["share_origin"], "plan", "nothing was written");
    // Out of scope and unknown unions.
    w.app.user("sz_admin", "admin", w.t.other_city).await;
    let sz = w.app.api_as("sz_admin").await;
    assert_error(
        "other city",
        &sz.get(&format!("/api/v1/targets/progress?union={}", w.t.city))
            .await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "set other city",
        &set(&sz, w.t.city, 2019, json!(30)).await,
        404,
        "not_found",
        None,
    );
    assert_error(
        "unknown",
        &w.admin.get("/api/v1/targets/progress?union=999999").await,
        404,
        "not_found",
        None,
    );
    for q in ["year=abcd", "year=1999", "year=2101"] {
        let got = w.admin.get(&format!("/api/v1/targets/progress?{q}")).await;
        assert_error(q, &got, 400, "invalid_input", Some("year"));
        assert!(got.1["error"]["message"].as_str().unwrap().contains("年份"));
    }
}

#[tokio::test]
async fn the_targets_page_form_and_export() {
    let w = world().await;
    decisions_2018(&w).await;
    let (s, _) = set(&w.admin, w.t.other_city, 2018, json!(100)).await;
    assert_eq!(s, 200);
    let (client, _) = w.app.html_login("p_admin", PASSWORD).await;
    let (s, html) = w
        .app
        .page(
            &client,
            &format!("/targets?union={}&year=2018", w.t.province),
        )
        .await;
    assert_eq!(s, 200);
    for text in [
        "目标任务",
        "2018 年",
        "下级工会排名",
        "逐月进度",
        "广州市总工会",
        "深圳市总工会",
        "进度滞后",
        "默认方案",
    ] {
        assert!(html.contains(text), "page shows {text}");
    }
    assert!(html.contains("class=\"behind\""), "behind highlighted");
    assert!(html.contains("id=\"target-form\""), "an admin edits");

    // The form: a bad share is refused with a Chinese message and writes nothing.
    let form = common::form_html(&html, "target-form").expect("form");
    let csrf = common::input_value(form, "csrf").unwrap();
    let union = w.t.province.to_string();
    let (s, html) = w
        .app
        .post_form(
            &client,
            "/targets",
            &[
                ("csrf", &csrf),
                ("union", &union),
                ("year", "2018"),
                ("share", "120"),
                ("op", "set"),
            ],
        )
        .await;
    assert_eq!(s, 400, "{html}");
    assert!(html.contains("目标比例应在 0% 至 100% 之间"));
    assert_eq!(
        progress(&w.admin, w.t.province, 2018).await["share_origin"],
        "plan"
    );
    let (s, _) = w
        .app
        .post_form(
            &client,
            "/targets",
            &[
                ("csrf", &csrf),
                ("union", &union),
                ("year", "2018"),
                ("share", "30"),
                ("op", "set"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let p = progress(&w.admin, w.t.province, 2018).await;
    assert_eq!(
        (
            p["share_bp"].as_i64(),
            p["share_origin"].as_str(),
            p["target"].as_i64()
        ),
        (Some(3000), Some("own"), Some(3))
    );
    let (s, html) = w
        .app
        .page(
            &client,
            &format!("/targets?union={}&year=2018&notice=set", w.t.province),
        )
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("目标比例已保存") && html.contains("id=\"target-clear-form\""));
    let (s, _) = w
        .app
        .post_form(
            &client,
            "/targets",
            &[
                ("csrf", &csrf),
                ("union", &union),
                ("year", "2018"),
                ("op", "clear"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(
        progress(&w.admin, w.t.province, 2018).await["share_origin"],
        "plan"
    );

    // An auditor reads without the form; a department user is refused.
    let (client_a, _) = w.app.html_login("p_auditor", PASSWORD).await;
    let (s, html) = w.app.page(&client_a, "/targets?year=2018").await;
    assert_eq!(s, 200);
    assert!(!html.contains("id=\"target-form\""));
    let (s, _) = w
        .app
        .post_form(
            &client_a,
            "/targets",
            &[
                ("csrf", "x"),
                ("union", &union),
                ("year", "2018"),
                ("share", "30"),
            ],
        )
        .await;
    assert_eq!(s, 403, "CSRF or permission refuses an auditor's post");
    // A union without children and without baseline files: empty states.
    let (s, html) = w
        .app
        .page(
            &client,
            &format!("/targets?union={}&year=2015", w.t.county_b),
        )
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"no-baseline\"") && html.contains("越秀区总工会没有下级工会"));

    // The export: the same numbers as the JSON.
    let p = progress(&w.admin, w.t.province, 2018).await;
    let path = format!("/targets/export.xlsx?union={}&year=2018", w.t.province);
    let mut book = w.app.download_xlsx(&client, &path).await;
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("下级排名")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(rows.len(), 3);
    for (i, c) in p["children"].as_array().unwrap().iter().enumerate() {
        let r = &rows[i + 1];
        assert_eq!(cell_num(&r[0]), c["rank"].as_f64().unwrap());
        assert_eq!(cell_text(&r[1]), c["union"]["name"].as_str().unwrap());
        assert_eq!(cell_num(&r[2]), c["share_bp"].as_f64().unwrap() / 10_000.0);
        assert_eq!(cell_num(&r[4]), c["baseline"].as_f64().unwrap());
        assert_eq!(cell_num(&r[5]), c["target"].as_f64().unwrap());
        assert_eq!(cell_num(&r[6]), c["achieved"].as_f64().unwrap());
    }
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("逐月进度")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(rows.len(), 13);
    for (i, m) in p["months"].as_array().unwrap().iter().enumerate() {
        assert_eq!(cell_num(&rows[i + 1][1]), m["achieved"].as_f64().unwrap());
        assert_eq!(cell_num(&rows[i + 1][2]), m["cumulative"].as_f64().unwrap());
        assert_eq!(cell_num(&rows[i + 1][3]), m["expected"].as_f64().unwrap());
    }
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("目标汇总")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    let target = rows
        .iter()
        .find(|r| cell_text(&r[0]) == "目标户数")
        .unwrap();
    assert_eq!(cell_num(&target[1]), p["target"].as_f64().unwrap());
}
