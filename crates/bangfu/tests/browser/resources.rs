//! The social resources journey in a real headless Chromium: an officer
//! registers a caring enterprise and its offer (a resource) of three jobs; the two
//! households with an unemployed person are suggested, each with its
//! reason; one is hired; the household's employment measure is done, the
//! job appears among its assistance records, and an exit proposed for it
//! suggests 就业创业. The resource's page is checked on a phone too.
//!
//! With `BANGFU_SCREENSHOTS=1` it writes `docs/screenshots/resources-offer.png`
//! and `docs/screenshots/resources-offer-phone.png`.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.

use crate::common;

use common::{browser::*, file, household, person};
use serde_json::json;

struct World {
    app: common::TestApp,
    wang: i64,
    li: i64,
}

/// 王建国, laid off; 李秀英, in work, whose husband 张伟 is unemployed and
/// whose plan has an open employment measure; 陈明, in work.
async fn world() -> World {
    let app = common::spawn().await;
    let t = app.tree().await;
    app.user("officer", "officer", t.county_a).await;
    let off = app.api_as("officer").await;
    let wang = file(
        &off,
        household("王建国", &person("440103", "19700101", 11), t.county_a),
    )
    .await;
    let mut li = household("李秀英", &person("440103", "19720202", 22), t.county_a);
    li["employment"] = json!("employed");
    li["members"] = json!([{
        "name": "张伟", "id_number": person("440103", "19750303", 31), "relation": "spouse",
        "health": "healthy", "schooling": "not_in_school", "employment": "unemployed", "income_fen": 0,
    }]);
    let li = file(&off, li).await;
    let mut chen = household("陈明", &person("440103", "19800404", 41), t.county_a);
    chen["employment"] = json!("employed");
    file(&off, chen).await;
    app.seed_plans(
        t.county_a,
        vec![(
            li,
            chrono::Datelike::year(&common::today()),
            "approved",
            vec![("employment", "为张伟介绍工作".into(), "planned")],
        )],
    )
    .await;
    World { app, wang, li }
}

async fn journey(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    login(b, base, "officer").await?;
    goto(b, base, "/resources").await?;
    wait_in(b, "main", "还没有符合条件的社会资源").await?;
    click_link(b, "资源提供方").await?;
    fill(b, "#p-name", "荔湾某物流公司").await?;
    select(b, "#p-kind", "enterprise").await?;
    fill(b, "#p-contact", "刘经理").await?;
    submit(b, "#provider-form").await?;
    wait_in(b, "main", "资源提供方已保存").await?;
    // A mistake first: no quantity.
    select(b, "#o-kind", "job").await?;
    fill(b, "#o-title", "仓库管理员").await?;
    fill(b, "#o-quantity", "0").await?;
    fill(b, "#o-wage", "4500").await?;
    submit(b, "#resource-form").await?;
    wait_in(b, ".alert.error", "数量必须大于 0").await?;
    fill(b, "#o-quantity", "3").await?;
    submit(b, "#resource-form").await?;
    wait_in(b, "main", "社会资源已保存").await?;
    wait_in(b, "#suggestions", "王建国").await?;
    let text = wait_in(b, "#suggestions", "张伟").await?;
    for reason in ["有劳动能力，下岗", "有劳动能力，失业", "帮扶计划有未完成的"]
    {
        if !text.contains(reason) {
            return Err(format!("the suggestions give no “{reason}”: {text}"));
        }
    }
    if text.contains("陈明") {
        return Err(format!("陈明 is in work and was suggested: {text}"));
    }
    screenshot(b, Screen::Desktop, "resources-offer.png").await?;
    use_screen(b, Screen::Phone).await?;
    fits_a_phone(b, "the resource's page").await?;
    screenshot(b, Screen::Phone, "resources-offer-phone.png").await?;
    use_screen(b, Screen::Desktop).await?;
    // 张伟 (of 李秀英's household) is matched and hired.
    submit(b, &format!("#match-{}", w.li)).await?;
    wait_in(b, "main", "已确认对接").await?;
    wait_in(b, "#matches", "张伟").await?;
    wait_in(b, "main", "2 个岗位").await?;
    let form = b
        .find(fantoccini::Locator::Css("#matches form[id^=outcome-]"))
        .await
        .map_err(err("the outcome form"))?;
    let id = form
        .attr("id")
        .await
        .map_err(err("its id"))?
        .unwrap_or_default();
    submit_confirmed(b, &format!("#{id}"), "确认登记对接结果").await?;
    wait_in(b, "main", "对接结果已登记").await?;
    wait_in(b, "#matches", "已录用").await?;
    // The household's pages tell the rest.
    goto(b, base, &format!("/households/{}/resources", w.li)).await?;
    wait_in(b, "main", "仓库管理员").await?;
    goto(b, base, &format!("/households/{}/assistance", w.li)).await?;
    wait_in(b, "main", "荔湾某物流公司").await?;
    goto(b, base, &format!("/households/{}/plan", w.li)).await?;
    wait_in(b, "main", "已完成").await?;
    // What the enterprise gave, and its letter of thanks.
    goto(b, base, "/resources/report").await?;
    wait_in(b, "main", "荔湾某物流公司").await?;
    screenshot(b, Screen::Desktop, "resources-report.png").await?;
    click_link(b, "感谢信").await?;
    wait_in(
        b,
        "#thanks-body",
        "提供就业岗位安置 1 人，惠及困难职工家庭 1 户",
    )
    .await?;
    screenshot(b, Screen::Desktop, "resources-thanks.png").await?;
    // 王建国 is still suggested for the two jobs left.
    goto(b, base, "/resources").await?;
    click_link(b, "仓库管理员").await?;
    wait_in(b, "#suggestions", "王建国").await?;
    let _ = w.wang;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_offers_jobs_and_one_unemployed_member_is_hired() {
    if !browser_available() {
        return;
    }
    let w = world().await;
    in_browser("resources", |b| async {
        let outcome = journey(&b, &w).await;
        (b, outcome)
    })
    .await;
    // An exit proposed for the household (once its incomes allow one)
    // pre-selects 就业创业: the hire is its most recent act of assistance.
    let api = w.app.api_as("officer").await;
    let (s, preview) = api
        .get(&format!(
            "/api/v1/exits/preview?household_id={}&kind=out",
            w.li
        ))
        .await;
    assert_eq!(s, 200, "{preview}");
    assert_eq!(preview["suggested_pathway"], "employment", "{preview}");
}
