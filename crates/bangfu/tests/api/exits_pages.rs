//! The exit pages: the ready list, the officer's
//! confirmation form, the decision page with the reviewer's forms, the
//! "退出与返困" card on a file's page, relapse and reopening, the empty
//! states and the Excel export of each tab.

use crate::common;

use common::{form_html, household, input_value, person, Api, At, TestApp, Tree, PASSWORD};

use bangfu_domain::household::HouseholdId;
use serde_json::json;

async fn setup() -> (TestApp, Tree, Api) {
    let (app, t, _) = common::staffed_with(
        common::exit_settings(),
        &[
            ("a_officer", "officer", At::CountyA),
            ("a_reviewer", "reviewer", At::CountyA),
            ("city_admin", "admin", At::City),
        ],
    )
    .await;
    let admin = app.api_as("city_admin").await;
    common::set_line(&admin, "440100", "2019-01", 80_000).await;
    let officer = app.api_as("a_officer").await;
    (app, t, officer)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Posts the form `form_id` found on `page` with its hidden fields and `extra`.
async fn submit(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    form_id: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let (status, html) = app.page(client, page).await;
    assert_eq!(status, 200, "GET {page}");
    let form = form_html(&html, form_id).unwrap_or_else(|| panic!("form#{form_id} on {page}"));
    let action = common::form_action(form, page);
    let mut fields: Vec<(String, String)> = Vec::new();
    for name in ["csrf", "step", "version", "household", "kind", "revokes"] {
        if let Some(v) = input_value(form, name) {
            fields.push((name.to_owned(), v));
        }
    }
    for (k, v) in extra {
        fields.push(((*k).to_owned(), (*v).to_owned()));
    }
    client
        .post(app.url(&action))
        .form(&fields)
        .send()
        .await
        .expect("POST form")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_and_a_reviewer_exit_a_household_in_the_browser() {
    let (app, t, officer) = setup().await;
    let mut body = household("张志强", &person("440103", "19750505", 11), t.county_a);
    body["incomes"] = json!((1..=6)
        .map(|m| json!({ "month": format!("2024-{m:02}"), "wages_fen": 90_000 }))
        .collect::<Vec<_>>());
    let id = common::file(&officer, body).await;
    app.seed_write(move |c| {
        Ok(bangfu_storage::households::set_readiness(
            c,
            HouseholdId(id),
            Some("employment"),
            false,
        )?)
    })
    .await
    .unwrap();

    // The ready list, with the button to handle it.
    let (client, _) = app.html_login("a_officer", PASSWORD).await;
    let (status, html) = app.page(&client, "/exits").await;
    assert_eq!(status, 200);
    assert!(html.contains("张志强"), "{html}");
    assert!(html.contains("就业创业脱困"));
    assert!(html.contains("2024-01 至 2024-06 连续 6 个月人均收入高于低保标准"));
    let new_path = format!("/exits/new?household={id}&kind=out");
    assert!(html.contains(&new_path.replace('&', "&amp;")), "{html}");
    app.assert_xlsx(&client, "/exits/export.xlsx?tab=ready")
        .await;

    // The confirmation form: the months and lines, the checkbox, the
    // pathway pre-selected.
    let (status, html) = app.page(&client, &new_path).await;
    assert_eq!(status, 200);
    let form = form_html(&html, "exit-form").expect("the form");
    assert!(form.contains("已核实致困原因已消除"));
    assert!(
        form.contains(r#"<option value="employment" selected>"#),
        "{form}"
    );
    assert!(html.contains("<td>2024-06</td>"));
    assert!(html.contains("800.00"), "the line");

    // Without the confirmation: refused, with the reason, nothing written.
    let res = submit(
        &app,
        &client,
        &new_path,
        "exit-form",
        &[("pathway", "employment")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("请先核实并确认致困原因已消除"), "{html}");
    assert_eq!(officer.total("/api/v1/exits").await, 0);

    let res = submit(
        &app,
        &client,
        &new_path,
        "exit-form",
        &[
            ("pathway", "employment"),
            ("causes_removed", "on"),
            ("note", "再就业，收入稳定"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.ends_with("?notice=proposed"), "{to}");
    let eid: i64 = to
        .trim_start_matches("/exits/")
        .trim_end_matches("?notice=proposed")
        .parse()
        .unwrap();
    let number = format!("TC{eid:08}");
    let (_, html) = app.page(&client, &to).await;
    assert!(html.contains("已提出"), "{html}");
    assert!(html.contains(&number));
    assert!(
        form_html(&html, "review-form").is_none(),
        "an officer does not review"
    );
    let (_, html) = app.page(&client, "/exits?tab=open").await;
    assert!(html.contains(&number));
    let (_, html) = app.page(&client, "/exits").await;
    assert!(html.contains("目前没有达到脱困标准的在档家庭"), "{html}");

    // The reviewer reviews, publishes and approves.
    let (rclient, _) = app.html_login("a_reviewer", PASSWORD).await;
    let page = format!("/exits/{eid}");
    let res = submit(
        &app,
        &rclient,
        &page,
        "review-form",
        &[("note", "入户核查属实")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = submit(&app, &rclient, &page, "notice-form", &[]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.page(&rclient, &page).await;
    let approve = form_html(&html, "approve-form").expect("approve form");
    assert!(approve.contains("data-confirm"), "confirm before approving");
    assert!(form_html(&html, "reject-form")
        .unwrap()
        .contains("data-confirm"));
    let res = submit(&app, &rclient, &page, "approve-form", &[("note", "同意")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.page(&rclient, &location(&res)).await;
    assert!(html.contains("已批准"), "{html}");
    let (_, html) = app.page(&rclient, "/exits").await;
    assert!(
        html.contains("没有正在办理的退出决定"),
        "a reviewer starts on the open decisions"
    );
    let (_, html) = app.page(&rclient, "/exits?tab=decided").await;
    assert!(html.contains(&number));
    app.assert_xlsx(&rclient, "/exits/export.xlsx?tab=decided")
        .await;

    // Nothing more to do on an approved decision.
    let (_, html) = app.page(&rclient, &page).await;
    assert!(form_html(&html, "approve-form").is_none());
    assert!(form_html(&html, "reject-form").is_none());

    // The file's card: exited, the decision, the follow-up, relapse.
    let hpage = format!("/households/{id}");
    let (_, html) = app.page(&client, &hpage).await;
    let card = &html[html.find("id=\"leaving\"").expect("the card")..];
    assert!(card.contains("退出与返困"));
    assert!(card.contains("已脱困"));
    assert!(card.contains(&number));
    assert!(card.contains("跟踪期至"));
    assert!(card.contains(&format!("/households/{id}/relapse")));
    assert!(
        card.contains("录入跟踪期月收入"),
        "exited households are followed"
    );

    // Relapse by hand, then reopen.
    let rpage = format!("/households/{id}/relapse");
    let res = submit(&app, &client, &rpage, "relapse-form", &[("reason", "")]).await;
    assert_eq!(res.status(), 400);
    let res = submit(
        &app,
        &client,
        &rpage,
        "relapse-form",
        &[("reason", "妻子突发重病住院")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/households/{id}?notice=relapse"));
    let (_, html) = app.page(&client, &location(&res)).await;
    assert!(html.contains("已标记返困"));
    assert!(html.contains("妻子突发重病住院"));
    let (_, html) = app.page(&client, "/exits?tab=relapse").await;
    assert!(html.contains("张志强"), "{html}");
    app.assert_xlsx(&client, "/exits/export.xlsx?tab=relapse")
        .await;

    let res = submit(
        &app,
        &client,
        &format!("/households/{id}/reopen"),
        "reopen-form",
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.ends_with("?notice=reopened"), "{to}");
    let (_, html) = app.page(&client, &to).await;
    assert!(html.contains("已返困重新建档"));
    assert!(
        html.contains(&format!("/households/{id}\"")),
        "links the old file"
    );
    assert!(html.contains("增量"), "{html}");
    let (_, html) = app.page(&client, &hpage).await;
    assert!(html.contains("返困后已重新建档"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tabs_say_what_to_do_when_empty() {
    let (app, _, _) = setup().await;
    let (client, _) = app.html_login("a_officer", PASSWORD).await;
    for (tab, text) in [
        ("ready", "目前没有达到脱困标准的在档家庭"),
        ("relief", "目前没有符合解困条件的家庭"),
        ("open", "没有正在办理的退出决定"),
        ("decided", "还没有办结的退出决定"),
        ("relapse", "没有待重新建档的返困家庭"),
    ] {
        let (status, html) = app.page(&client, &format!("/exits?tab={tab}")).await;
        assert_eq!(status, 200, "{tab}");
        assert!(html.contains(text), "{tab}: {html}");
        app.assert_xlsx(&client, &format!("/exits/export.xlsx?tab={tab}"))
            .await;
    }
    let (status, _) = app.page(&client, "/exits/999").await;
    assert_eq!(status, 404);
}
