//! Months after the current month (China time) are not data (docs/rules.md
//! §3): the API, the income grid and the public application form refuse
//! them with a message naming the month and write nothing, and the grid
//! does not offer them. (The Excel import is in `households_import`.)

use crate::common;

use common::{assert_error, file, household, person, wages, At, PASSWORD};

use chrono::Datelike;
use serde_json::{json, Value};

/// The month `offset` months from this month in China, `YYYY-MM`.
fn month(offset: i32) -> String {
    let t = common::today();
    let index = t.year() * 12 + t.month0() as i32 + offset;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

fn refused_message(month: &str) -> String {
    format!("{month} 尚未到来，不能录入")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_incomes_of_a_month_not_yet_come_and_writes_nothing() {
    let (app, t, _) = common::staffed(&[("officer", "officer", At::CountyA)]).await;
    let officer = app.api_as("officer").await;
    let id = file(
        &officer,
        household("王建国", &person("440103", "19700101", 11), t.county_a),
    )
    .await;
    let path = format!("/api/v1/households/{id}");
    let incomes_path = format!("{path}/incomes");
    let (_, d) = officer.get(&path).await;
    let version = d["household"]["version"].clone();

    // Next month, and the year 2999 the month type allows, are refused.
    for ahead in [month(1), "2999-12".to_owned()] {
        let got = officer
            .send(
                "PUT",
                &incomes_path,
                json!({ "version": version, "months": [wages(&month(0), 100_000), wages(&ahead, 100_000)] }),
            )
            .await;
        assert_error("a month ahead", &got, 400, "invalid_input", Some("incomes"));
        assert_eq!(
            got.1["error"]["message"],
            refused_message(&ahead),
            "{}",
            got.1
        );
    }
    let (_, incomes) = officer.get(&incomes_path).await;
    assert_eq!(incomes, json!([]), "nothing written");
    let (_, d) = officer.get(&path).await;
    assert_eq!(
        d["household"]["version"], version,
        "the file did not change"
    );
    assert_eq!(d["household"]["decision"], "insufficient");

    // This month is accepted.
    let got = officer
        .send(
            "PUT",
            &incomes_path,
            json!({ "version": version, "months": [wages(&month(0), 100_000)] }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);

    // Filing with a month ahead is refused and files nothing.
    let before = officer.total("/api/v1/households").await;
    let mut body = household("李秀英", &person("440103", "19720202", 12), t.county_a);
    body["incomes"] = json!([wages(&month(-1), 100_000), wages(&month(2), 100_000)]);
    let got = officer.send("POST", "/api/v1/households", body).await;
    assert_error("filing ahead", &got, 400, "invalid_input", Some("incomes"));
    assert_eq!(got.1["error"]["message"], refused_message(&month(2)));
    assert_eq!(officer.total("/api/v1/households").await, before);
}

/// The months a grid page shows, in order.
fn grid_months(html: &str) -> Vec<String> {
    html.split("name=\"month\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_income_grid_offers_no_month_after_this_one() {
    let (app, t, _) = common::staffed(&[("officer", "officer", At::CountyA)]).await;
    let officer = app.api_as("officer").await;
    let id = file(
        &officer,
        household("王建国", &person("440103", "19700101", 11), t.county_a),
    )
    .await;
    let (client, _) = app.html_login("officer", PASSWORD).await;
    let grid = format!("/households/{id}/incomes");

    // By default, and when asked for a later year, the grid ends this month
    // and has no link to the following twelve.
    for path in [
        grid.clone(),
        format!("{grid}?end=2999-12"),
        format!("{grid}?end={}", month(5)),
    ] {
        let (s, html) = app.page(&client, &path).await;
        assert_eq!(s, 200, "{path}: {html}");
        let months = grid_months(&html);
        assert_eq!(months.len(), 12, "{path}: {months:?}");
        assert_eq!(months.last(), Some(&month(0)), "{path}: {months:?}");
        assert!(!html.contains("后 12 个月"), "{path}: offers later months");
    }
    // A year back links forward, but not past this month.
    let (_, html) = app
        .page(&client, &format!("{grid}?end={}", month(-6)))
        .await;
    assert_eq!(grid_months(&html).last(), Some(&month(-6)));
    assert!(
        html.contains(&format!("incomes?end={}\"", month(0))),
        "the next twelve end this month"
    );

    // A month ahead posted anyway (a forged form) is refused, naming it.
    let form = common::form_html(&html, "incomes-form").expect("form#incomes-form");
    let csrf = common::input_value(form, "csrf").expect("csrf");
    let version = common::input_value(form, "version").expect("version");
    let ahead = month(1);
    let (s, html) = app
        .post_form(
            &client,
            &grid,
            &[
                ("csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("end", month(0).as_str()),
                ("month", ahead.as_str()),
                ("wages", "1000"),
            ],
        )
        .await;
    assert_eq!(s, 400, "{html}");
    assert!(html.contains(&refused_message(&ahead)), "{html}");
    let (_, incomes) = officer
        .get(&format!("/api/v1/households/{id}/incomes"))
        .await;
    assert_eq!(incomes, json!([]), "nothing written");
}

fn application(union_id: i64, months: &[String]) -> Value {
    json!({
        "union_id": union_id,
        "household": {
            "worker_name": "周芳",
            "worker_id_number": person("440103", "19900202", 444),
            "phone": "13500135000",
            "address": "荔湾区中山八路 3 号",
            "employer_kind": "private",
            "employment": "flexible",
            "labour_capacity": "full",
            "health": "healthy",
            "causes": ["schooling"],
            "category": "",
            "tier": ""
        },
        "incomes": months.iter().map(|m| wages(m, 90_000)).collect::<Vec<_>>(),
        "consent_version": "2026-12",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_application_refuses_a_month_not_yet_come() {
    let (app, _, _) = common::staffed(&[("officer", "officer", At::CountyA)]).await;
    let officer = app.api_as("officer").await;
    let grassroots = app.grassroots().await;
    let anon = app.anonymous();

    // Through the API.
    let ahead = month(1);
    let got = anon
        .send(
            "POST",
            "/api/v1/applications",
            application(grassroots, &[month(-1), month(0), ahead.clone()]),
        )
        .await;
    assert_error("apply ahead", &got, 400, "invalid_input", Some("incomes"));
    assert_eq!(got.1["error"]["message"], refused_message(&ahead));
    assert_eq!(officer.total("/api/v1/applications").await, 0);

    // Through the public form (/apply): its grid offers months up to last
    // month; one posted for a month ahead is refused.
    let client = app.browser_client();
    let html = client
        .get(app.url(&format!("/apply?union_id={grassroots}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let offered = grid_months(&html);
    assert!(!offered.is_empty(), "{html}");
    assert!(offered.iter().all(|m| *m < month(0)), "{offered:?}");
    let action = html
        .split("action=\"/apply?csrf=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("form posts with its token")
        .to_owned();
    let form = reqwest::multipart::Form::new()
        .text("union_id", grassroots.to_string())
        .text("worker_name", "周芳")
        .text("worker_id_number", person("440103", "19900202", 444))
        .text("phone", "13500135000")
        .text("address", "荔湾区中山八路 3 号")
        .text("employer_kind", "private")
        .text("employment", "flexible")
        .text("labour_capacity", "full")
        .text("health", "healthy")
        .text("causes", "schooling")
        .text("month", ahead.clone())
        .text("labour", "1500")
        .text("other", "")
        .text("medical", "")
        .text("schooling", "800")
        .text("emergency", "")
        .text("consent", "2026-12");
    let res = client
        .post(app.url(&format!("/apply?csrf={action}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains(&refused_message(&ahead)), "{body}");
    assert_eq!(officer.total("/api/v1/applications").await, 0);
}
