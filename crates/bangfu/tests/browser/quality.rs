//! The 档案质量 journey in a real headless Chromium, on a phone: a county
//! officer opens the file-quality page, follows the count of files never
//! visited to their list and on to the file; once the visit is recorded the
//! list says there is none left. Every page fits a 390 px screen.

use crate::common;

use common::{browser::*, household, person, At};

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_finds_a_file_never_visited_on_a_phone_and_it_leaves_the_list() {
    if !browser_available() {
        return;
    }
    let (app, t, _) = common::staffed(&[("officer", "officer", At::CountyA)]).await;
    let officer = app.api_as("officer").await;
    let id_number = person("440103", "19700505", 517);
    let id = common::file(&officer, household("邓秀兰", &id_number, t.county_a)).await;
    let base = app.base.clone();

    in_browser("quality", |b| async {
        let outcome = async {
            login(&b, &base, "officer").await?;
            use_screen(&b, Screen::Phone).await?;
            goto(&b, &base, "/quality").await?;
            wait_in(&b, "#quality-checks", "从未走访").await?;
            fits_a_phone(&b, "the file-quality page").await?;
            click(&b, "#quality-checks a[href*='never_visited'] strong").await?;
            wait_path(&b, "the list of files never visited", |p| {
                p == "/quality/never_visited"
            })
            .await?;
            wait_in(&b, "#quality-list", "邓秀兰").await?;
            fits_a_phone(&b, "the list of files never visited").await?;
            click(&b, "#quality-list a[href^='/households/']").await?;
            wait_path(&b, "the file", |p| p == format!("/households/{id}")).await?;
            Ok(())
        }
        .await;
        (b, outcome)
    })
    .await;

    let (s, v) = officer
        .send(
            "POST",
            &format!("/api/v1/households/{id}/visits"),
            json!({ "visited_on": common::today().to_string(), "met": "本人", "looked": "住房简陋",
                    "asked": "医药费负担重", "explained": "医疗互助政策" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    in_browser("quality-after", |b| async {
        let outcome = async {
            login(&b, &base, "officer").await?;
            use_screen(&b, Screen::Phone).await?;
            goto(&b, &base, "/quality/never_visited").await?;
            wait_in(&b, "#results", "没有").await?;
            Ok(())
        }
        .await;
        (b, outcome)
    })
    .await;
}
