//! The 专项行动 journey in a real headless Chromium: a county user starts a
//! look-back on the campaign page (with its confirmation); the household's
//! responsible officer, on a phone, opens the task from their to-do list,
//! records “keep”, and the campaign's progress shows one task done. The
//! officer's pages fit a 390 px screen.

use crate::common;

use common::{browser::*, household, person, At};

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_starts_a_look_back_and_an_officer_keeps_a_file_on_a_phone() {
    if !browser_available() {
        return;
    }
    let (app, t, ids) = common::staffed(&[
        ("county", "officer", At::CountyA),
        ("field", "officer", At::CountyA),
    ])
    .await;
    let county = app.api_as("county").await;
    let id = common::file(
        &county,
        household("邓秀兰", &person("440103", "19700505", 517), t.county_a),
    )
    .await;
    let (s, v) = county
        .send(
            "POST",
            &format!("/api/v1/households/{id}/pairing"),
            json!({ "union_id": t.county_a, "responsible_id": ids[1] }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let base = app.base.clone();
    let deadline = (common::today() + chrono::Duration::days(14)).to_string();

    let campaign: String = in_browser("campaign-start", |b| async {
        let outcome = async {
            login(&b, &base, "county").await?;
            use_screen(&b, Screen::Desktop).await?;
            goto(&b, &base, "/campaigns").await?;
            wait_in(&b, "#campaigns", "还没有专项行动").await?;
            select(&b, "#c-kind", "look_back").await?;
            fill(&b, "#c-title", "荔湾区困难职工档案回头看").await?;
            set_value(&b, "#c-deadline", &deadline).await?;
            submit_confirmed(&b, "#campaign-form", "确认发起专项行动").await?;
            let p = wait_path(&b, "the campaign page", |p| {
                p.starts_with("/campaigns/") && p != "/campaigns/"
            })
            .await?;
            wait_in(&b, "[data-k=total]", "1").await?;
            wait_in(&b, "#task-list", "邓秀兰").await?;
            Ok(p)
        }
        .await;
        (b, outcome)
    })
    .await;

    in_browser("campaign-task", |b| async {
        let outcome = async {
            login(&b, &base, "field").await?;
            use_screen(&b, Screen::Phone).await?;
            goto(&b, &base, "/todos?mine=true").await?;
            wait_in(&b, "#todo-list", "专项行动").await?;
            click_link(&b, "办理任务").await?;
            wait_path(&b, "the task", |p| p.starts_with("/campaign-tasks/")).await?;
            wait_in(&b, "#checklist", "致困原因").await?;
            fits_a_phone(&b, "the task page").await?;
            submit_confirmed(&b, "#outcome-form", "确认记录核查结果").await?;
            wait_in(&b, "#task-status", "保留").await?;
            fits_a_phone(&b, "the task page once done").await?;
            goto(&b, &base, &campaign).await?;
            wait_in(&b, "[data-k=done]", "1").await?;
            fits_a_phone(&b, "the campaign page").await?;
            goto(&b, &base, "/campaigns").await?;
            wait_in(&b, "#campaign-list", "1 / 1").await?;
            fits_a_phone(&b, "the campaign list").await?;
            Ok(())
        }
        .await;
        (b, outcome)
    })
    .await;
}
