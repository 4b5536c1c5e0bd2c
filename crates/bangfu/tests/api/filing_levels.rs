//! The five filing levels (建档标准) and reporting up (上报) / return (退回),
//! docs/rules.md §2: the tiers through the API, forms' filters and the
//! import; the panel's 全国级 / 地方级 split unchanged by the migration of
//! old 地方级 files; a file reported up to the union of its level, accepted,
//! or returned with a reason, corrected and reported again; the refusals.

use crate::common;

use common::{
    assert_error, audit_json, file, household, person, Api, At, TestApp, Tree,
    IMPORT_HOUSEHOLD_HEADERS, IMPORT_INCOME_HEADERS, IMPORT_MEMBER_HEADERS,
};

use serde_json::{json, Value};

const TIERS: [&str; 5] = ["national", "province", "city", "county", "grassroots"];

fn body(name: &str, id: &str, union: i64, tier: &str, filed: &str) -> Value {
    let mut b = household(name, id, union);
    b["tier"] = json!(tier);
    b["division_code"] = json!("440103");
    b["filed_on"] = json!(filed);
    b
}

async fn get(api: &Api, id: i64) -> Value {
    let (s, b) = api.get(&format!("/api/v1/households/{id}")).await;
    assert_eq!(s, 200, "{b}");
    b["household"].clone()
}

async fn panel(api: &Api, union: i64, as_of: &str) -> Value {
    let path = format!("/api/v1/stats/panel?union={union}&as_of={as_of}");
    let (s, b) = api.get(&path).await;
    assert_eq!(s, 200, "GET {path}: {b}");
    b["total"].clone()
}

fn count(v: &Value) -> (i64, i64) {
    (
        v["households"].as_i64().unwrap(),
        v["persons"].as_i64().unwrap(),
    )
}

/// The panel's 全国级 and 地方级, and the five levels summed.
fn split(t: &Value) -> ((i64, i64), (i64, i64), (i64, i64)) {
    let mut local = (0, 0);
    for l in &TIERS[1..] {
        let c = count(&t["by_level"][l]);
        local = (local.0 + c.0, local.1 + c.1);
    }
    (
        count(&t["by_tier"]["national"]),
        count(&t["by_tier"]["local"]),
        local,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_tiers_through_the_api_and_the_old_local_refused() {
    let (app, t, _) = common::staffed(&[("off", "officer", At::CountyA)]).await;
    let [off] = app.apis(["off"]).await;
    let mut ids = Vec::new();
    for (i, tier) in TIERS.iter().enumerate() {
        let id = person("440103", "19700101", u32::try_from(i + 1).unwrap());
        let h = file(
            &off,
            body(&format!("职工{i}"), &id, t.county_a, tier, "2024-01-01"),
        )
        .await;
        let got = get(&off, h).await;
        assert_eq!(got["tier"], *tier);
        assert_eq!(got["report"]["state"], "none");
        ids.push(h);
    }
    // The old value, and the old label, are refused naming the five.
    for old in ["local", "地方级"] {
        let r = off
            .send(
                "POST",
                "/api/v1/households",
                body(
                    "旧值",
                    &person("440103", "19700101", 9),
                    t.county_a,
                    old,
                    "",
                ),
            )
            .await;
        assert_error(old, &r, 400, "invalid_input", Some("tier"));
        let msg = r.1["error"]["message"].as_str().unwrap();
        for label in ["全国级", "省级", "地市级", "区县级", "基层"] {
            assert!(msg.contains(label), "{msg}");
        }
    }
    assert_eq!(off.total("/api/v1/households").await, 5);
    // Filters: one level, 地方级 (the four below national), the report state.
    for (q, n) in [
        ("tier=national", 1),
        ("tier=local", 4),
        ("tier=%E5%9C%B0%E6%96%B9%E7%BA%A7", 4), // 地方级
        ("tier=city", 1),
        ("tier=grassroots", 1),
        ("report_state=none", 5),
        ("report_state=accepted", 0),
    ] {
        assert_eq!(
            off.total(&format!("/api/v1/households?{q}")).await,
            n,
            "{q}"
        );
    }
    let r = off.get("/api/v1/households?report_state=lost").await;
    assert_error("bad state", &r, 400, "invalid_input", Some("report_state"));

    // The list page filters by 地方级 and by each level, and shows the state.
    let (client, _) = app.html_login("off", common::PASSWORD).await;
    let (s, html) = app.page(&client, "/households?tier=local").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("地方级（省级至基层）"),
        "the filter offers 地方级"
    );
    assert!(html.contains("共 4 户"), "four local files");
    let (_, html) = app.page(&client, &format!("/households/{}", ids[2])).await;
    assert!(html.contains("地市级") && html.contains("未上报"));
    let (_, html) = app.page(&client, &format!("/households/{}", ids[4])).await;
    assert!(html.contains("基层档案，无需上报"));
}

/// Files at every level of the tree, local ones of each level and national
/// ones, filed in 2016 and 2024.
async fn filed_everywhere(app: &TestApp, t: &Tree, g: i64, off: &Api) -> Vec<(i64, &'static str)> {
    let _ = app;
    let mut out = Vec::new();
    let plan: [(i64, &str, &str, &str); 10] = [
        (t.root, "province", "2016-03-01", "province"),
        (t.root, "national", "2016-03-01", "national"),
        (t.province, "province", "2016-04-01", "province"),
        (t.city, "city", "2016-05-01", "city"),
        (t.city, "national", "2024-05-01", "national"),
        (t.county_a, "county", "2016-06-01", "county"),
        (t.county_b, "county", "2024-06-01", "county"),
        (g, "grassroots", "2016-07-01", "grassroots"),
        (g, "grassroots", "2024-07-01", "grassroots"),
        (t.other_city, "city", "2024-08-01", "city"),
    ];
    for (i, (union, tier, filed, want)) in plan.into_iter().enumerate() {
        let id = person("440103", "19650101", u32::try_from(i + 1).unwrap());
        let mut b = body(&format!("户{i}"), &id, union, tier, filed);
        b["members"] = json!([{ "name": format!("户{i}家属"), "id_number": "", "relation": "spouse",
            "health": "healthy", "schooling": "not_in_school", "employment": "not_working", "income_fen": 0 }]);
        out.push((file(off, b).await, want));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_keeps_national_against_local_at_every_past_date() {
    let (app, t, _) = common::staffed(&[
        ("root_off", "officer", At::Root),
        ("root_admin", "admin", At::Root),
    ])
    .await;
    let g = app.grassroots().await;
    let [off, admin] = app.apis(["root_off", "root_admin"]).await;
    let files = filed_everywhere(&app, &t, g, &off).await;
    let dates = ["2016-03-31", "2016-12-31", "2024-12-31"];
    let today = common::today().to_string();
    let mut before = Vec::new();
    for d in dates.iter().copied().chain([today.as_str()]) {
        before.push(split(&panel(&admin, t.root, d).await));
    }
    // As the data stood before the five levels: every local file 地方级.
    let ids: Vec<i64> = files.iter().map(|f| f.0).collect();
    app.seed_write(move |c| {
        for id in &ids {
            bangfu_storage::test_support::set_tier_local(c, *id)?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let (_, stored) = app
        .seed_write(|c| Ok(bangfu_storage::test_support::tiers_of(c, 1)?))
        .await
        .map(|x| ((), x))
        .unwrap();
    assert!(stored.0 == "local" || stored.0 == "national");
    app.seed_write(|c| Ok(bangfu_storage::test_support::rerun_filing_levels(c)?))
        .await
        .unwrap();
    // Each takes the level of its filing union, capped below national.
    for (id, want) in &files {
        let id = *id;
        let (h, spans) = app
            .seed_write(move |c| Ok(bangfu_storage::test_support::tiers_of(c, id)?))
            .await
            .unwrap();
        assert_eq!(h, *want, "household {id}");
        assert!(spans.iter().all(|s| s == want), "spans of {id}: {spans:?}");
    }
    // The split of every date is exactly what it was; the levels add up.
    for (i, d) in dates.iter().copied().chain([today.as_str()]).enumerate() {
        let now = split(&panel(&admin, t.root, d).await);
        assert_eq!(now.0, before[i].0, "全国级 at {d}");
        assert_eq!(now.1, before[i].1, "地方级 at {d}");
        assert_eq!(now.2, now.1, "the four levels make 地方级 at {d}");
    }
    let t_now = panel(&admin, t.root, &today).await;
    assert_eq!(count(&t_now["by_level"]["province"]), (2, 4));
    assert_eq!(count(&t_now["by_level"]["city"]), (2, 4));
    assert_eq!(count(&t_now["by_level"]["county"]), (2, 4));
    assert_eq!(count(&t_now["by_level"]["grassroots"]), (2, 4));
    assert_eq!(count(&t_now["by_tier"]["national"]), (2, 4));
    let past = panel(&admin, t.root, "2016-12-31").await;
    assert_eq!(count(&past["by_tier"]["local"]), (5, 10));
    assert_eq!(count(&past["by_level"]["grassroots"]), (1, 2));
}

struct World {
    app: TestApp,
    t: Tree,
    g: i64,
    off: Api,
    city_rev: Api,
    county_rev: Api,
    other_rev: Api,
    admin: Api,
    aud: Api,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("off", "officer", At::CountyA),
        ("city_rev", "reviewer", At::City),
        ("county_rev", "reviewer", At::CountyA),
        ("other_rev", "reviewer", At::OtherCity),
        ("p_admin", "admin", At::Province),
        ("aud", "auditor", At::Province),
    ])
    .await;
    let g = app.grassroots().await;
    let [off, city_rev, county_rev, other_rev, admin, aud] = app
        .apis([
            "off",
            "city_rev",
            "county_rev",
            "other_rev",
            "p_admin",
            "aud",
        ])
        .await;
    World {
        app,
        t,
        g,
        off,
        city_rev,
        county_rev,
        other_rev,
        admin,
        aud,
    }
}

async fn act(api: &Api, id: i64, what: &str, body: Value) -> (u16, Value) {
    api.send("POST", &format!("/api/v1/households/{id}/{what}"), body)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_reported_up_returned_corrected_and_accepted() {
    let w = world().await;
    let filed = body(
        "上报甲",
        &person("440103", "19700101", 1),
        w.g,
        "city",
        "2024-01-01",
    );
    let h = file(&w.off, filed.clone()).await;

    // Reported to the city (the union of its level on the path).
    let r = act(&w.off, h, "report", json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["report"]["state"], "reported");
    assert_eq!(r.1["report"]["union_id"], w.t.city);
    assert_eq!(r.1["report"]["tier"], "city");
    let again = act(&w.off, h, "report", json!({})).await;
    assert_error("twice", &again, 409, "conflict", Some("report_state"));

    // The inbox of the city holds it; the county's does not (not reported to it).
    assert_eq!(
        w.city_rev.ids("/api/v1/households?inbox=true").await,
        vec![h]
    );
    assert_eq!(w.county_rev.total("/api/v1/households?inbox=true").await, 0);
    assert_eq!(
        w.off
            .total("/api/v1/households?report_state=reported")
            .await,
        1
    );
    // A to-do of the city (nobody's in particular), not of the filing county.
    let reported = format!("/api/v1/todos?kind=reported&household_id={h}");
    let returned = format!("/api/v1/todos?kind=returned&household_id={h}");
    assert_eq!(w.city_rev.total(&reported).await, 1);
    assert_eq!(w.county_rev.total(&reported).await, 0);

    // Wrong union, wrong role, out of scope: refused, nothing written.
    let r = act(&w.county_rev, h, "accept", json!({})).await;
    assert_error("county accepts", &r, 403, "forbidden", None);
    let r = act(&w.off, h, "accept", json!({})).await;
    assert_error("officer accepts", &r, 403, "forbidden", None);
    let r = act(&w.other_rev, h, "accept", json!({})).await;
    assert_error("other city", &r, 404, "not_found", None);
    let r = act(&w.city_rev, h, "return", json!({ "reason": "  " })).await;
    assert_error("no reason", &r, 400, "invalid_input", Some("reason"));
    let r = act(&w.city_rev, h, "return", json!({})).await;
    assert_error("no reason at all", &r, 400, "invalid_input", Some("reason"));
    assert_eq!(get(&w.off, h).await["report"]["state"], "reported");

    // Returned with a reason, which shows on the file.
    let r = act(
        &w.city_rev,
        h,
        "return",
        json!({ "reason": "缺少近 6 个月收入证明" }),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["report"]["state"], "returned");
    let got = get(&w.off, h).await;
    assert_eq!(got["report"]["reason"], "缺少近 6 个月收入证明");
    assert_eq!(
        w.off
            .total("/api/v1/households?report_state=returned")
            .await,
        1
    );
    assert_eq!(w.city_rev.total("/api/v1/households?inbox=true").await, 0);
    // The city's item is done; the county's officer has one with the reason.
    assert_eq!(w.city_rev.total(&reported).await, 0);
    let (s, todo) = w.off.get(&returned).await;
    assert_eq!(s, 200, "{todo}");
    assert_eq!(todo["total"], 1, "{todo}");
    assert!(
        todo["items"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("缺少近 6 个月收入证明"),
        "{todo}"
    );
    let r = act(&w.city_rev, h, "accept", json!({})).await;
    assert_error("accept returned", &r, 409, "conflict", Some("report_state"));
    let (client, _) = w.app.html_login("off", common::PASSWORD).await;
    let (_, html) = w.app.page(&client, &format!("/households/{h}")).await;
    assert!(html.contains("已退回") && html.contains("缺少近 6 个月收入证明"));

    // Corrected (the same tier keeps the state), reported again, accepted.
    let mut fix = filed.clone();
    fix.as_object_mut().unwrap().remove("union_id");
    fix["notes"] = json!("已补充收入证明");
    fix["version"] = got["version"].clone();
    let (s, b) = w
        .off
        .send("PUT", &format!("/api/v1/households/{h}"), fix)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["report"]["state"], "returned");
    let r = act(&w.off, h, "report", json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["report"]["reason"], Value::Null);
    // Reported again in the same month: the returned item is done, the
    // city's item is open again.
    assert_eq!(w.off.total(&returned).await, 0);
    assert_eq!(w.city_rev.total(&reported).await, 1);
    let r = act(&w.city_rev, h, "accept", json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["report"]["state"], "accepted");
    assert_eq!(w.city_rev.total(&reported).await, 0);
    let r = act(&w.city_rev, h, "return", json!({ "reason": "再退" })).await;
    assert_error("return accepted", &r, 409, "conflict", Some("report_state"));

    // The panel counts it among the accepted 地市级 files.
    let today = common::today().to_string();
    let t = panel(&w.admin, w.t.province, &today).await;
    assert_eq!(count(&t["by_level"]["city"]), (1, 1));
    assert_eq!(count(&t["accepted_by_level"]["city"]), (1, 1));
    assert_eq!(count(&t["accepted_by_level"]["national"]), (0, 0));

    // Every act is audited, with the union reported to.
    let (s, list) = w
        .aud
        .get(&format!(
            "/api/v1/audit?object_kind=household&object_id={h}&per_page=50"
        ))
        .await;
    assert_eq!(s, 200, "{list}");
    let actions: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["action"].as_str())
        .collect();
    for a in ["report_up", "return_down", "accept_report"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let returned = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["action"] == "return_down")
        .unwrap();
    assert_eq!(
        audit_json(&returned["after"])["reason"],
        "缺少近 6 个月收入证明"
    );

    // Changing the tier of an accepted file puts it back to none; reported
    // as 区县级 it goes to the county.
    let got = get(&w.off, h).await;
    let mut change = filed.clone();
    change.as_object_mut().unwrap().remove("union_id");
    change["tier"] = json!("county");
    change["version"] = got["version"].clone();
    let (s, b) = w
        .off
        .send("PUT", &format!("/api/v1/households/{h}"), change)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["report"]["state"], "none");
    let r = act(&w.off, h, "report", json!({})).await;
    assert_eq!(r.1["report"]["union_id"], w.t.county_a, "{}", r.1);
    assert_eq!(
        w.county_rev.ids("/api/v1/households?inbox=true").await,
        vec![h]
    );
    let r = act(&w.county_rev, h, "accept", json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    common::assert_tallies_agree(&w.app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grassroots_file_or_a_level_missing_on_the_path_is_not_reported() {
    let w = world().await;
    let h = file(
        &w.off,
        body(
            "基层甲",
            &person("440103", "19700101", 2),
            w.g,
            "grassroots",
            "",
        ),
    )
    .await;
    let r = act(&w.off, h, "report", json!({})).await;
    assert_error("grassroots", &r, 400, "invalid_input", Some("tier"));
    assert_eq!(get(&w.off, h).await["report"]["state"], "none");

    // A county file filed at the city: no county union above it.
    let city_off = {
        w.app.user("city_off", "officer", w.t.city).await;
        w.app.api_as("city_off").await
    };
    let h = file(
        &city_off,
        body(
            "市直乙",
            &person("440103", "19700101", 3),
            w.t.city,
            "county",
            "",
        ),
    )
    .await;
    let r = act(&city_off, h, "report", json!({})).await;
    assert_error("no county above", &r, 400, "invalid_input", Some("tier"));
    assert!(r.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("县级工会"));

    // A reviewer cannot report; unknown files are 404.
    let r = act(&w.city_rev, h, "report", json!({})).await;
    assert_error("reviewer reports", &r, 403, "forbidden", None);
    let r = act(&w.off, 999_999, "report", json!({})).await;
    assert_error("missing", &r, 404, "not_found", None);

    // The inbox page: accept with a confirmation, return asks for a reason.
    let h = file(
        &w.off,
        body("页面丙", &person("440103", "19700101", 4), w.g, "city", ""),
    )
    .await;
    assert_eq!(act(&w.off, h, "report", json!({})).await.0, 200);
    let (client, _) = w.app.html_login("city_rev", common::PASSWORD).await;
    let (s, html) = w.app.page(&client, "/reports").await;
    assert_eq!(s, 200);
    assert!(html.contains("待接收的上报档案") && html.contains("页面丙"));
    assert!(html.contains("data-confirm=\"确认接收"));
    let (s, html) = w
        .app
        .page(&client, &format!("/households/{h}/report"))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"return-form\"") && html.contains("name=\"reason\""));
    // The OpenAPI document has the three acts.
    let (_, doc) = w.app.anonymous().get("/api/v1/openapi.json").await;
    for p in ["report", "accept", "return"] {
        assert!(
            doc["paths"][format!("/api/v1/households/{{id}}/{p}")]["post"].is_object(),
            "{p}"
        );
    }
}

fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, headers, data) in [
        ("家庭", &IMPORT_HOUSEHOLD_HEADERS[..], rows),
        ("成员", &IMPORT_MEMBER_HEADERS[..], &[][..]),
        ("收入", &IMPORT_INCOME_HEADERS[..], &[][..]),
    ] {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
        }
        for (r, row) in data.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(u32::try_from(r + 1).unwrap(), u16::try_from(c).unwrap(), v)
                    .unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import(api: &Api, union: i64, rows: &[Vec<String>]) -> (u16, Value) {
    let res = api
        .client
        .post(format!(
            "{}/api/v1/households/import?union_id={union}",
            api.base
        ))
        .bearer_auth(&api.token)
        .header(
            "content-type",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(workbook(rows))
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

fn row(name: &str, id: &str, tier: &str) -> Vec<String> {
    let mut r = common::import_household_row(name, id);
    r[17] = tier.to_owned();
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_takes_the_five_labels_and_the_old_local() {
    let w = world().await;
    let labels = ["全国级", "省级", "地市级", "区县级", "基层"];
    let mut rows: Vec<Vec<String>> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            row(
                &format!("导入{i}"),
                &person("440103", "19800101", u32::try_from(i + 1).unwrap()),
                l,
            )
        })
        .collect();
    rows.push(row("导入旧", &person("440103", "19800101", 9), "地方级"));
    let (s, b) = import(&w.off, w.g, &rows).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["households"], 6);
    for (i, tier) in TIERS.iter().enumerate() {
        let q = format!("/api/v1/households?q=%E5%AF%BC%E5%85%A5{i}&per_page=5"); // 导入i
        let (_, l) = w.off.get(&q).await;
        assert_eq!(l["items"][0]["tier"], *tier, "{q}");
    }
    // 地方级 in an old workbook: the grassroots union's level.
    let (_, l) = w
        .off
        .get("/api/v1/households?q=%E5%AF%BC%E5%85%A5%E6%97%A7")
        .await;
    assert_eq!(l["items"][0]["tier"], "grassroots");
    // Imported at the county, 地方级 is 区县级; an unknown label is refused.
    let (s, b) = import(
        &w.off,
        w.t.county_a,
        &[row("导入县", &person("440103", "19800101", 10), "地方级")],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, l) = w
        .off
        .get("/api/v1/households?q=%E5%AF%BC%E5%85%A5%E5%8E%BF")
        .await;
    assert_eq!(l["items"][0]["tier"], "county");
    let (s, b) = import(
        &w.off,
        w.g,
        &[row("导入乡", &person("440103", "19800101", 11), "乡级")],
    )
    .await;
    assert_eq!(s, 422, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_waiting_follows_its_receiving_union_when_it_moves() {
    let w = world().await;
    let h = file(
        &w.off,
        body(
            "迁移甲",
            &person("440103", "19700101", 5),
            w.g,
            "county",
            "",
        ),
    )
    .await;
    assert_eq!(act(&w.off, h, "report", json!({})).await.0, 200);
    assert_eq!(
        w.county_rev.ids("/api/v1/households?inbox=true").await,
        vec![h]
    );
    // 荔湾区 (with the grassroots union and the file) moves under 深圳.
    let (s, moved) = w
        .admin
        .send(
            "POST",
            &format!("/api/v1/unions/{}/move", w.t.county_a),
            json!({"parent_id": w.t.other_city, "division_code": "440304"}),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    let county_rev = w.app.api_as("county_rev").await;
    assert_eq!(
        county_rev.ids("/api/v1/households?inbox=true").await,
        vec![h]
    );
    assert_eq!(w.city_rev.total("/api/v1/households?inbox=true").await, 0);
    let r = act(&county_rev, h, "accept", json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    common::assert_tallies_agree(&w.app).await;
}
