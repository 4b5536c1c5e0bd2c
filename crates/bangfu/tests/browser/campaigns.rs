//! The 专项行动 journey in a real headless Chromium: a county user starts a
//! look-back on the campaign page (with its confirmation); the household's
//! responsible officer, on a phone, opens the task from their to-do list,
//! records “keep”, and the campaign's progress shows one task done; the
//! city's administrator scores its assessment of the counties (with its
//! confirmation), and county A's “campaign completion” item shows the task
//! done. The officer's and the assessment's pages fit a 390 px screen.

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
        ("city_admin", "admin", At::City),
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
    // The city assesses its counties; one item is the campaigns' completion.
    let admin = app.api_as("city_admin").await;
    use chrono::Datelike;
    let (s, v) = admin
        .send(
            "POST",
            "/api/v1/assessments",
            json!({ "union_id": t.city, "level": "county", "year": common::today().year(),
                    "title": "区县工会解困脱困工作考核",
                    "items": [
                        { "area": "建档立卡", "name": "回头看任务完成", "weight": 60, "source": "campaign_completion" },
                        { "area": "组织领导", "name": "领导机制健全", "weight": 40, "source": "manual" }
                    ] }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let scheme = format!("/assessments/{}", v["scheme"]["id"]);
    let county_line = format!("{scheme}/unions/{}", t.county_a);
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

    in_browser("assessment-score", |b| async {
        let outcome = async {
            login(&b, &base, "city_admin").await?;
            use_screen(&b, Screen::Desktop).await?;
            goto(&b, &base, &scheme).await?;
            wait_in(&b, "#scheme-facts", "尚未计算").await?;
            submit_confirmed(&b, "#score-form", "重新计算").await?;
            wait_in(&b, ".alert.success", "已按最新数据计算").await?;
            wait_in(&b, "#result-list", "荔湾区总工会").await?;
            assert_contrast(&b, "the assessment report").await?;
            goto(&b, &base, &county_line).await?;
            wait_in(&b, "#item-scores", "1 / 1（100.0%）").await?;
            wait_in(&b, "#total", "60").await?;
            assert_contrast(&b, "an assessed union's page").await?;
            let bare = unlabelled(&b, "#item-scores").await?;
            if !bare.is_empty() {
                return Err(format!("entry fields without a label: {bare:?}"));
            }
            use_screen(&b, Screen::Phone).await?;
            fits_a_phone(&b, "an assessed union's page").await?;
            goto(&b, &base, &scheme).await?;
            fits_a_phone(&b, "the assessment report").await?;
            goto(&b, &base, "/assessments").await?;
            wait_in(&b, "#scheme-list", "区县工会解困脱困工作考核").await?;
            fits_a_phone(&b, "the assessment list").await?;
            Ok(())
        }
        .await;
        (b, outcome)
    })
    .await;
}
