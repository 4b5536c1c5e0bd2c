//! The exit journey in a real headless Chromium (issue 5 items 1, 4, 5): on
//! a phone, an officer takes a household from the ready list, confirms the
//! causes are removed and proposes its exit; at a desk, a reviewer reviews,
//! publishes and approves it; back on the phone, the officer flags a
//! relapse and reopens the household as a new linked file. Every page fits
//! a 390 px screen.
//!
//! With `BANGFU_SCREENSHOTS=1` it writes `docs/screenshots/exit-form-phone.png`
//! and `docs/screenshots/exit-decision.png`.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bangfu_domain::household::HouseholdId;
use bangfu_service::Settings;
use common::browser::*;
use common::{household, person};
use serde_json::json;

struct World {
    app: common::TestApp,
    household: i64,
}

async fn world() -> World {
    let app = common::spawn_with(Settings {
        notice_days: 0,
        monthly_schedule: false,
        ..Settings::default()
    })
    .await;
    let t = app.tree().await;
    app.user("officer", "officer", t.county_a).await;
    app.user("reviewer", "reviewer", t.county_a).await;
    app.user("admin", "admin", t.city).await;
    let admin = app.api_as("admin").await;
    let got = admin
        .send(
            "PUT",
            "/api/v1/lines",
            json!({ "division_code": "440100", "effective_month": "2019-01", "dibao_line_fen": 80_000 }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    let officer = app.api_as("officer").await;
    let mut body = household("陈立新", &person("440103", "19680405", 123), t.county_a);
    body["incomes"] = json!((1..=6)
        .map(|m| json!({ "month": format!("2024-{m:02}"), "wages_fen": 95_000 }))
        .collect::<Vec<_>>());
    let id = common::file(&officer, body).await;
    // What the monthly run records for a household that meets the standard.
    app.services
        .seed_write(move |c| {
            Ok(bangfu_storage::households::set_readiness(
                c,
                HouseholdId(id),
                Some("employment"),
                false,
            )?)
        })
        .await
        .unwrap();
    World { app, household: id }
}

async fn fits_a_phone(b: &Browser, what: &str) -> R<()> {
    let width = content_width(b).await?;
    if width > 390 {
        return Err(format!("{what} is {width} px wide on a 390 px phone"));
    }
    Ok(())
}

async fn propose_on_a_phone(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    login(b, base, "officer").await?;
    use_screen(b, Screen::Phone).await?;
    goto(b, base, "/exits").await?;
    wait_in(b, "main", "陈立新").await?;
    fits_a_phone(b, "the ready list").await?;
    click_link(b, "办理").await?;
    wait_path(b, "the confirmation form", |p| p == "/exits/new").await?;
    wait_in(b, "#evaluation", "2024-06").await?;
    fits_a_phone(b, "the confirmation form").await?;
    screenshot(b, Screen::Phone, "exit-form-phone.png").await?;
    // The pathway is pre-selected from the monthly run.
    let chosen = values(b, "#x-pathway").await?;
    if chosen != ["employment"] {
        return Err(format!("pathway pre-selected: {chosen:?}"));
    }
    tick(b, "#exit-form input[name=causes_removed]").await?;
    fill(b, "#x-note", "参加家政培训后就业，收入稳定").await?;
    submit(b, "#exit-form").await?;
    wait_in(b, "main", "已提出，等待审核人审核").await?;
    fits_a_phone(b, "the decision page").await?;
    use_screen(b, Screen::Desktop).await?;
    logout(b).await?;
    Ok(())
}

async fn approve_at_a_desk(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    login(b, base, "reviewer").await?;
    goto(b, base, "/exits?tab=open").await?;
    wait_in(b, "main", "陈立新").await?;
    click(b, "#results table a[href^='/exits/']").await?;
    fill(
        b,
        "#review-form input[name=note]",
        "入户核查：已在家政公司稳定就业",
    )
    .await?;
    submit(b, "#review-form").await?;
    wait_in(b, "main", "已审核").await?;
    submit_confirmed(b, "#notice-form", "确认开始公示").await?;
    wait_in(b, "main", "已开始公示").await?;
    submit_confirmed(b, "#approve-form", "确认批准").await?;
    wait_in(b, "main", "已批准，档案状态已随之更新").await?;
    screenshot(b, Screen::Desktop, "exit-decision.png").await?;
    logout(b).await?;
    Ok(())
}

async fn relapse_on_a_phone(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    let hid = w.household;
    login(b, base, "officer").await?;
    use_screen(b, Screen::Phone).await?;
    goto(b, base, &format!("/households/{hid}")).await?;
    wait_in(b, "#leaving", "已脱困").await?;
    fits_a_phone(b, "the file's page").await?;
    click_link(b, "标记返困").await?;
    fill(b, "#r-reason", "配偶突发重病住院，自付医疗费 3 万元").await?;
    submit(b, "#relapse-form").await?;
    wait_in(b, "main", "已标记返困").await?;
    click_link(b, "返困重新建档").await?;
    wait_in(b, "main", "增量库").await?;
    fits_a_phone(b, "the reopening page").await?;
    submit_confirmed(b, "#reopen-form", "确认为该家庭返困重新建档").await?;
    wait_in(b, "main", "已返困重新建档").await?;
    wait_in(b, "#leaving", "原档案").await?;
    use_screen(b, Screen::Desktop).await?;
    logout(b).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_is_exited_and_reopened_in_the_browser() {
    if !browser_available() {
        return;
    }
    let w = world().await;
    in_browser("exits", |b| async {
        let outcome = async {
            propose_on_a_phone(&b, &w).await?;
            approve_at_a_desk(&b, &w).await?;
            relapse_on_a_phone(&b, &w).await?;
            Ok(())
        }
        .await;
        (b, outcome)
    })
    .await;

    // What the browser did, as the API tells it.
    let api = w.app.api_as("reviewer").await;
    let (s, old) = api
        .get(&format!("/api/v1/households/{}", w.household))
        .await;
    assert_eq!(s, 200, "{old}");
    assert_eq!(old["household"]["status"], "exited");
    let new_id = old["household"]["leaving"]["reopened_id"]
        .as_i64()
        .expect("reopened");
    let (_, new) = api.get(&format!("/api/v1/households/{new_id}")).await;
    assert_eq!(new["household"]["cohort"], "incremental");
    assert_eq!(new["household"]["leaving"]["previous_id"], w.household);
    let (_, list) = api.get("/api/v1/exits?status=approved").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["pathway"], "employment");
}
