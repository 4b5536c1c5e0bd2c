//! 档案质量: files planted to fail each check (and ones that pass) are
//! counted, listed and exported for the union that holds them and its
//! parents, never for another county; department users are refused, and an
//! unknown check is a 404.

use crate::common;

use common::{
    file, household, member, pair, person, save_incomes, today, wages, Api, At, TestApp, Tree,
    PASSWORD,
};

use bangfu_domain::quality::income_window;
use calamine::Reader;
use serde_json::{json, Value};
use std::collections::BTreeMap;

struct World {
    app: TestApp,
    t: Tree,
    a: Api,
    b: Api,
    city: Api,
    /// Passes every check.
    good: i64,
    /// Fails every check.
    bad: i64,
    /// Never visited and no income in the window, otherwise complete.
    partial: i64,
    /// County B's one file: new, nothing recorded.
    other: i64,
}

async fn assist(api: &Api, h: i64) {
    let (s, v) = api
        .send(
            "POST",
            &format!("/api/v1/households/{h}/assistance"),
            json!({ "kind": "warmth", "goods": "米、油", "goods_value": 30_000, "persons": 2 }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

async fn visit(api: &Api, h: i64) {
    let (s, v) = api
        .send(
            "POST",
            &format!("/api/v1/households/{h}/visits"),
            json!({ "visited_on": today().to_string(), "met": "本人", "looked": "住房简陋",
                    "asked": "医药费负担重", "explained": "医疗互助政策" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

/// Incomes for every month of the checks' window.
fn window_incomes() -> Vec<Value> {
    let (from, to) = income_window(today());
    let mut m = from;
    let mut out = Vec::new();
    while m <= to {
        out.push(wages(&m.to_string(), 80_000));
        m = m.succ();
    }
    out
}

async fn world() -> World {
    let (app, t, ids) = common::staffed(&[
        ("q_a", "officer", At::CountyA),
        ("q_b", "officer", At::CountyB),
        ("q_city", "officer", At::City),
    ])
    .await;
    let [a, b, city] = app.apis(["q_a", "q_b", "q_city"]).await;
    let officer_a = ids[0];

    let mut body = household("王建国", &person("440103", "19700101", 11), t.county_a);
    body["members"] = json!([member("王小明", &person("440103", "20100101", 12), "child")]);
    let good = file(&a, body).await;
    pair(&a, good, t.county_a, officer_a).await;
    assist(&a, good).await;
    visit(&a, good).await;
    save_incomes(&a, good, window_incomes()).await;

    let mut body = household("李秀英", &person("440103", "19720202", 22), t.county_a);
    body["members"] = json!([member("李小红", "", "child")]);
    let bad = file(&a, body).await;

    let partial = file(
        &a,
        household("张伟", &person("440103", "19750303", 33), t.county_a),
    )
    .await;
    pair(&a, partial, t.county_a, officer_a).await;
    assist(&a, partial).await;
    let before = income_window(today()).0.pred();
    save_incomes(&a, partial, vec![wages(&before.to_string(), 80_000)]).await;

    // A closed file fails everything and is not checked.
    let mut body = household("赵刚", &person("440103", "19680404", 44), t.county_a);
    body["members"] = json!([member("赵小刚", "", "child")]);
    let closed = file(&a, body).await;
    app.close_household(closed).await;

    let other = file(
        &b,
        household("陈芳", &person("440104", "19800505", 55), t.county_b),
    )
    .await;

    // Last: nobody has changed the bad file for thirteen months.
    let long_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(400);
    app.seed_write(move |c| {
        bangfu_storage::test_support::set_updated_at(c, bad, long_ago)?;
        Ok(bangfu_storage::test_support::set_updated_at(
            c, closed, long_ago,
        )?)
    })
    .await
    .expect("age the file");
    World {
        app,
        t,
        a,
        b,
        city,
        good,
        bad,
        partial,
        other,
    }
}

fn counts(checks: &Value) -> BTreeMap<String, i64> {
    checks
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["code"].as_str().expect("code").to_owned(),
                c["count"].as_i64().expect("count"),
            )
        })
        .collect()
}

fn expect(pairs: [(&str, i64); 6]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

async fn ids(api: &Api, path: &str) -> Vec<i64> {
    let (s, v) = api.get(path).await;
    assert_eq!(s, 200, "{path}: {v}");
    let items = v["items"].as_array().expect("items");
    assert_eq!(v["total"].as_i64(), Some(items.len() as i64), "{v}");
    let mut ids: Vec<i64> = items
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quality_counts_and_lists_the_files_that_fail_each_check() {
    let w = world().await;
    let (s, q) = w.a.get("/api/v1/quality").await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(q["union_id"], w.t.county_a);
    assert_eq!(
        counts(&q["checks"]),
        expect([
            ("stale", 1),
            ("never_assisted", 1),
            ("never_visited", 2),
            ("member_without_id", 1),
            ("incomes_missing", 2),
            ("no_responsible", 1),
        ]),
        "{q}"
    );
    assert_eq!(q["checks"][0]["label"], "一年未更新");

    let mut both = vec![w.bad, w.partial];
    both.sort_unstable();
    assert_eq!(ids(&w.a, "/api/v1/quality/never_visited").await, both);
    assert_eq!(ids(&w.a, "/api/v1/quality/incomes_missing").await, both);
    for one in [
        "stale",
        "never_assisted",
        "member_without_id",
        "no_responsible",
    ] {
        assert_eq!(
            ids(&w.a, &format!("/api/v1/quality/{one}")).await,
            vec![w.bad],
            "{one}"
        );
    }
    assert!(!ids(&w.a, "/api/v1/quality/never_visited")
        .await
        .contains(&w.good));
    // The list masks the worker and names who is responsible.
    let (_, l) = w.a.get("/api/v1/quality/incomes_missing?per_page=1").await;
    assert_eq!(l["total"], 2);
    assert_eq!(l["items"].as_array().map(Vec::len), Some(1));
    let first = &l["items"][0];
    assert_eq!(first["id"], w.bad, "the longest unchanged first: {l}");
    assert!(first["worker_id_number"].as_str().unwrap().contains('*'));
    assert!(first["responsible_name"].is_null());
    let (_, l) =
        w.a.get("/api/v1/quality/incomes_missing?page=2&per_page=1")
            .await;
    assert_eq!(l["items"][0]["id"], w.partial);
    assert!(l["items"][0]["responsible_id"].is_i64());

    // Another county's officer sees none of them, not even by asking.
    assert_eq!(
        ids(&w.b, "/api/v1/quality/never_visited").await,
        vec![w.other]
    );
    assert_eq!(ids(&w.b, "/api/v1/quality/stale").await, Vec::<i64>::new());
    let (s, _) =
        w.b.get(&format!("/api/v1/quality?union_id={}", w.t.county_a))
            .await;
    assert_eq!(s, 404);
    let (s, _) =
        w.b.get(&format!("/api/v1/quality/stale?union_id={}", w.t.county_a))
            .await;
    assert_eq!(s, 404);

    // The city counts both counties, each child apart, and drills down.
    let (_, q) = w.city.get("/api/v1/quality").await;
    assert_eq!(counts(&q["checks"])["never_visited"], 3, "{q}");
    let child = |id: i64| {
        q["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["union_id"] == id)
            .map(|c| counts(&c["checks"]))
            .unwrap_or_default()
    };
    assert_eq!(child(w.t.county_a)["never_visited"], 2);
    assert_eq!(child(w.t.county_b)["never_visited"], 1);
    assert_eq!(child(w.t.county_b)["stale"], 0);
    let (_, q) = w
        .city
        .get(&format!("/api/v1/quality?union_id={}", w.t.county_b))
        .await;
    assert_eq!(q["union_id"], w.t.county_b);
    assert_eq!(counts(&q["checks"])["no_responsible"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quality_refuses_departments_and_unknown_checks() {
    let (app, t, _) = common::staffed(&[("q_a", "officer", At::CountyA)]).await;
    app.civil_affairs_user("q_civil", None, t.county_a).await;
    let civil = app.api_with("q_civil", PASSWORD).await;
    for path in [
        "/api/v1/quality",
        "/api/v1/quality/stale",
        "/api/v1/quality/stale/export",
    ] {
        let got = civil.get(path).await;
        assert_eq!(got.0, 403, "{path}: {}", got.1);
    }
    let (client, _) = app.html_login("q_civil", PASSWORD).await;
    let (s, html) = app.page(&client, "/account").await;
    assert!(
        s < 400 && !html.contains("href=\"/quality\""),
        "no sidebar entry"
    );
    assert_eq!(app.page(&client, "/quality").await.0, 403);

    let officer = app.api_as("q_a").await;
    let got = officer.get("/api/v1/quality/bogus").await;
    common::assert_error("unknown check", &got, 404, "not_found", None);
    let (client, _) = app.html_login("q_a", PASSWORD).await;
    assert_eq!(app.page(&client, "/quality/bogus").await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quality_pages_and_exports_show_what_the_api_counts() {
    let w = world().await;
    let file_no = |h: Value| h["household"]["file_no"].as_str().unwrap().to_owned();
    let (_, bad) = w.a.get(&format!("/api/v1/households/{}", w.bad)).await;
    let (_, partial) = w.a.get(&format!("/api/v1/households/{}", w.partial)).await;
    let (bad_no, partial_no) = (file_no(bad), file_no(partial));

    let (client, _) = w.app.html_login("q_a", PASSWORD).await;
    let (s, html) = w.app.page(&client, "/quality").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("href=\"/quality\" class=\"active\""),
        "sidebar"
    );
    for label in [
        "一年未更新",
        "从未帮扶",
        "从未走访",
        "成员缺身份证号",
        "近期收入缺失",
        "无责任人",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains("<a href=\"/quality/never_visited\"><strong>2</strong></a>"));
    assert!(html.contains("data-label=\"档案数\""), "cards on a phone");

    let (s, html) = w.app.page(&client, "/quality/member_without_id").await;
    assert_eq!(s, 200);
    assert!(html.contains(&bad_no) && !html.contains(&partial_no));
    assert!(html.contains("/quality/member_without_id/export.xlsx"));

    // County B has no stale file: the empty state says so.
    let (client_b, _) = w.app.html_login("q_b", PASSWORD).await;
    let (_, html) = w.app.page(&client_b, "/quality/stale").await;
    assert!(html.contains("没有一年未更新的档案。"), "{html}");

    // The page's download and the API's carry the same files.
    let mut book = w
        .app
        .download_xlsx(&client, "/quality/never_visited/export.xlsx")
        .await;
    let sheet = book.sheet_names()[0].clone();
    assert_eq!(sheet, "从未走访");
    let range = book.worksheet_range(&sheet).expect("sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "档案编号");
    let mut got: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    got.sort_unstable();
    let mut want = vec![bad_no.as_str(), partial_no.as_str()];
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(rows[1..].iter().all(|r| r[2].contains('*')), "masked");

    let res =
        w.a.client
            .get(w.app.url("/api/v1/quality/no_responsible/export"))
            .bearer_auth(&w.a.token)
            .send()
            .await
            .expect("export");
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.expect("body").to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("无责任人").expect("sheet");
    let rows: Vec<String> = range.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(rows, vec![bad_no]);
    // Another county's download holds none of them.
    let res =
        w.b.client
            .get(w.app.url("/api/v1/quality/no_responsible/export"))
            .bearer_auth(&w.b.token)
            .send()
            .await
            .expect("export");
    let bytes = res.bytes().await.expect("body").to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("无责任人").expect("sheet");
    assert_eq!(range.rows().count(), 2, "county B's own file only");
}
