//! The 核对发现 journey in a real headless Chromium: a death list names a
//! filed worker (posted through the API); the warning is on the county
//! officer's to-do list; on a phone the officer opens the finding, follows
//! its link to propose the removal, comes back and confirms it with
//! 发起退出（清退）; at a desk the reviewer approves the removal. Every page
//! fits a 390 px screen.
//!
//! With `BANGFU_SCREENSHOTS=1` it writes `docs/screenshots/finding-phone.png`
//! and `docs/screenshots/findings-desk.png`.

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
    let officer = app.api_as("officer").await;
    let id_number = person("440103", "19590909", 321);
    let id = common::file(&officer, household("冯志强", &id_number, t.county_a)).await;
    let admin = app.api_as("admin").await;
    let (s, b) = admin
        .send(
            "POST",
            "/api/v1/verification/batches",
            json!({
                "dataset": "death",
                "source": "民政局",
                "as_of": "2026-11-30",
                "rows": [{ "id_number": id_number, "died_on": "2026-11-12" }],
            }),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["findings"], 1, "{b}");
    World { app, household: id }
}

async fn resolve_on_a_phone(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    login(b, base, "officer").await?;
    use_screen(b, Screen::Phone).await?;
    goto(b, base, "/todos").await?;
    wait_in(b, "main", "冯志强").await?;
    fits_a_phone(b, "the to-do list").await?;
    click_link(b, "核对发现").await?;
    wait_path(b, "the findings list", |p| p == "/verification/findings").await?;
    wait_in(b, "#finding-list", "职工本人死亡").await?;
    fits_a_phone(b, "the findings list").await?;
    click(b, "#finding-list a[href^='/verification/findings/']").await?;
    wait_in(b, "#dataset-says", "职工本人于 2026-11-12 死亡").await?;
    fits_a_phone(b, "the finding").await?;
    screenshot(b, Screen::Phone, "finding-phone.png").await?;
    let finding = path(b).await?;
    // Confirming first is refused: the removal has not been proposed.
    select(b, "#r-action", "propose_removal").await?;
    submit_confirmed(b, "#resolve-form", "确认按所选方式处置").await?;
    wait_in(b, "#resolve-error", "请先在档案页发起退出（清退）").await?;
    // The link to the exit form, then back.
    click_link(b, "去发起退出（清退）").await?;
    wait_path(b, "the exit form", |p| p == "/exits/new").await?;
    select(b, "#x-reason", "death").await?;
    fill(b, "#x-note", "民政部门核对：职工本人已病故").await?;
    fill(b, "#x-evidence", "死亡证明").await?;
    submit(b, "#exit-form").await?;
    wait_in(b, "main", "已提出，等待审核人审核").await?;
    goto(b, base, &finding).await?;
    select(b, "#r-action", "propose_removal").await?;
    fill(b, "#r-note", "已发起清退，等待审核").await?;
    submit_confirmed(b, "#resolve-form", "确认按所选方式处置").await?;
    wait_in(b, "main", "已确认处置").await?;
    wait_in(b, "#resolution", "发起退出（清退）").await?;
    fits_a_phone(b, "the resolved finding").await?;
    use_screen(b, Screen::Desktop).await?;
    goto(b, base, "/verification/findings?status=confirmed").await?;
    wait_in(b, "#finding-list", "冯志强").await?;
    screenshot(b, Screen::Desktop, "findings-desk.png").await?;
    logout(b).await?;
    Ok(())
}

async fn approve_at_a_desk(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    login(b, base, "reviewer").await?;
    approve_exit(b, base, "冯志强", "入户核实：职工本人已病故").await?;
    logout(b).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_death_finding_is_resolved_by_a_removal_in_the_browser() {
    if !browser_available() {
        return;
    }
    let w = world().await;
    in_browser("verification", |b| async {
        let outcome = async {
            resolve_on_a_phone(&b, &w).await?;
            approve_at_a_desk(&b, &w).await?;
            Ok(())
        }
        .await;
        (b, outcome)
    })
    .await;

    let api = w.app.api_as("reviewer").await;
    let (_, h) = api
        .get(&format!("/api/v1/households/{}", w.household))
        .await;
    assert_eq!(h["household"]["status"], "removed", "{h}");
    let (_, list) = api
        .get(&format!(
            "/api/v1/verification/findings?household_id={}",
            w.household
        ))
        .await;
    assert_eq!(list["items"][0]["status"], "confirmed", "{list}");
    assert_eq!(api.total("/api/v1/todos?kind=warning&done=false").await, 0);
}
