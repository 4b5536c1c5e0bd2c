//! The exit journey in a real headless Chromium:
//! a household's sixth month above the line is recorded and it appears on
//! the ready list; on a phone, an officer takes it from there, confirms the
//! causes are removed and proposes its exit; at a desk, a reviewer reviews,
//! publishes and approves it, and the panel's on-file count, its trend chart
//! and its pathway chart change; back on the phone, the officer flags a
//! relapse and reopens the household as a new linked file, and the panel
//! counts it on file again. Every page fits a 390 px screen.
//!
//! With `BANGFU_SCREENSHOTS=1` it writes `docs/screenshots/exit-form-phone.png`
//! and `docs/screenshots/exit-decision.png`.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.

use crate::common;

use common::{browser::*, household, person, At};

use serde_json::json;

struct World {
    app: common::TestApp,
    household: i64,
}

async fn world() -> World {
    let (app, t, _) = common::staffed_with(
        common::exit_settings(),
        &[
            ("officer", "officer", At::CountyA),
            ("reviewer", "reviewer", At::CountyA),
            ("admin", "admin", At::City),
        ],
    )
    .await;
    let admin = app.api_as("admin").await;
    common::set_line(&admin, "440100", "2019-01", 80_000).await;
    let officer = app.api_as("officer").await;
    // Five months above the line: not yet ready.
    let mut body = household("陈立新", &person("440103", "19680405", 123), t.county_a);
    body["incomes"] = json!((1..=5)
        .map(|m| json!({ "month": format!("2024-{m:02}"), "wages_fen": 95_000 }))
        .collect::<Vec<_>>());
    let id = common::file(&officer, body).await;
    // A placement into a job: the pathway it suggests is 就业创业.
    let got = officer
        .send(
            "POST",
            &format!("/api/v1/households/{id}/assistance"),
            json!({ "kind": "job", "persons": 1, "note": "推荐到家政公司就业" }),
        )
        .await;
    assert_eq!(got.0, 201, "{}", got.1);
    let (_, ready) = officer.get("/api/v1/exits/ready").await;
    assert_eq!(ready["total"], 0, "five months are not enough: {ready}");
    // The sixth month is recorded: the household is ready to exit.
    let path = format!("/api/v1/households/{id}");
    let (_, d) = officer.get(&path).await;
    let got = officer
        .send(
            "PUT",
            &format!("{path}/incomes"),
            json!({
                "version": d["household"]["version"],
                "months": [{ "month": "2024-06", "wages_fen": 95_000 }],
            }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    let (_, ready) = officer.get("/api/v1/exits/ready").await;
    assert_eq!(ready["total"], 1, "six months above the line: {ready}");
    World { app, household: id }
}

/// The panel's figures as the reviewer's browser shows them: households on
/// file (the first figure), the last point of the on-file trend chart, and
/// the exits by pathway the pie chart draws.
async fn panel_in_browser(b: &Browser, w: &World) -> R<(String, i64, Vec<i64>)> {
    goto(b, &w.app.base, "/stats").await?;
    wait_in(b, "#kpis", "在档家庭").await?;
    let started = std::time::Instant::now();
    loop {
        let drawn = b
            .execute(
                "return document.querySelectorAll('#chart-trend[data-drawn=\"1\"] svg').length;",
                vec![],
            )
            .await
            .map_err(err("trend chart"))?
            .as_u64()
            .unwrap_or(0);
        if drawn > 0 {
            break;
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            return Err("the trend chart was not drawn".into());
        }
        common::sleep(std::time::Duration::from_millis(100)).await;
    }
    let v = b
        .execute(
            "const k = document.querySelector('#kpis .kpi-value').textContent.trim();\
             const t = JSON.parse(document.getElementById('chart-trend').dataset.series)[0].data;\
             const p = document.getElementById('chart-pathways');\
             const s = p ? JSON.parse(p.dataset.series)[0].data : [];\
             return [k, t[t.length - 1], s];",
            vec![],
        )
        .await
        .map_err(err("panel figures"))?;
    let on_file = v[0].as_str().unwrap_or_default().to_owned();
    let trend = v[1].as_i64().unwrap_or(-1);
    let pathways = v[2]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_i64()).collect())
        .unwrap_or_default();
    Ok((on_file, trend, pathways))
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
    // The pathway is pre-selected from the job placement.
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
    let before = panel_in_browser(b, w).await?;
    if before.0 != "1" || before.1 != 1 || before.2.iter().sum::<i64>() != 0 {
        return Err(format!("panel before the exit: {before:?}"));
    }
    approve_exit(b, base, "陈立新", "入户核查：已在家政公司稳定就业").await?;
    screenshot(b, Screen::Desktop, "exit-decision.png").await?;
    // Out of hardship: no longer on file, and counted under 就业创业.
    let after = panel_in_browser(b, w).await?;
    if after.0 != "0" || after.1 != 0 || after.2.first() != Some(&1) {
        return Err(format!("panel after the exit: {after:?}"));
    }
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
    // Back in hardship: the reopened file is on file again.
    login(b, base, "reviewer").await?;
    let reopened = panel_in_browser(b, w).await?;
    if reopened.0 != "1" || reopened.1 != 1 {
        return Err(format!("panel after reopening: {reopened:?}"));
    }
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
