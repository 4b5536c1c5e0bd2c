//! The assistance journey in a real headless Chromium: an officer
//! pairs a household with themself and makes this year's plan with a
//! measure; a reviewer approves the plan; the officer records a home visit
//! on a phone-sized screen; a fund officer funds the union, generates the
//! month's regular subsidies and pays them in one batch; an auditor runs the
//! fund audit and finds a duplicate payment planted through the API.
//!
//! With `BANGFU_SCREENSHOTS=1` it writes `docs/screenshots/visit-phone.png`
//! and `docs/screenshots/fund-audit.png`.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.

use crate::common;

use chrono::Datelike;
use common::{browser::*, file, household, id_number, today};
use serde_json::json;

struct World {
    app: common::TestApp,
    county: i64,
    household: i64,
    officer_id: i64,
}

async fn world() -> World {
    let app = common::spawn().await;
    let t = app.tree().await;
    let officer_id = app.user("officer", "officer", t.county_a).await;
    app.user("reviewer", "reviewer", t.county_a).await;
    app.user("fund", "fund_officer", t.county_a).await;
    app.user("auditor", "auditor", t.county_a).await;
    let off = app.api_as("officer").await;
    let h = file(
        &off,
        household("陈立新", &id_number("44010319680405123"), t.county_a),
    )
    .await;
    World {
        county: t.county_a,
        household: h,
        officer_id,
        app,
    }
}

/// Pairing, plan, measure: the officer at a desk.
async fn plan_journey(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    let hid = w.household;
    login(b, base, "officer").await?;
    // The household is on the "nobody responsible" list.
    goto(b, base, "/pairing").await?;
    wait_in(b, "main", "陈立新").await?;
    goto(b, base, &format!("/households/{hid}/plan")).await?;
    select(b, "#p-union", &w.county.to_string()).await?;
    select(b, "#p-person", &w.officer_id.to_string()).await?;
    submit(b, "#pairing-form").await?;
    wait_in(b, "#pairing", "officer").await?;
    // This year's plan: out of hardship by the end of next year.
    select(b, "#f-goal", "exit").await?;
    set_value(b, "#f-target", &format!("{}-12-31", today().year() + 1)).await?;
    fill(
        b,
        "#f-summary",
        "患慢性病，下岗后无稳定收入；以就业帮扶为主。",
    )
    .await?;
    submit(b, "#plan-form").await?;
    wait_in(b, "main", "以就业帮扶为主").await?;
    select(b, "#m-track", "employment").await?;
    select(b, "#m-programme", "skills").await?;
    fill(b, "#m-content", "推荐参加家政服务技能培训").await?;
    set_value(b, "#m-due", &format!("{}-12-31", today().year())).await?;
    submit(b, "#measure-form").await?;
    wait_in(b, "#measures", "推荐参加家政服务技能培训").await?;
    // The officer submits the plan for approval (提交审批).
    submit_confirmed(b, "#submit-form", "提交审批").await?;
    wait_in(b, "#plan", "待审定").await?;
    logout(b).await?;

    // The reviewer finds it in the queue on the home page and approves it.
    login(b, base, "reviewer").await?;
    wait_in(b, "#review-queue", "计划待审定").await?;
    goto(b, base, "/pairing?list=plan_submitted").await?;
    wait_in(b, "#results", "陈立新").await?;
    goto(b, base, &format!("/households/{hid}/plan")).await?;
    submit_confirmed(b, "#approve-form", "确认审定").await?;
    wait_in(b, "#plan", "已审定").await?;
    logout(b).await?;
    Ok(())
}

/// The home visit, on a phone.
async fn visit_journey(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    let hid = w.household;
    use_screen(b, Screen::Phone).await?;
    login(b, base, "officer").await?;
    // The responsible person's home page lists the household first.
    wait_in(b, "main", "陈立新").await?;
    goto(b, base, &format!("/households/{hid}/visits")).await?;
    fill(b, "#v-met", "本人、配偶").await?;
    fill(b, "#v-looked", "两居室老房，家具陈旧，生活简朴").await?;
    fill(b, "#v-asked", "本人有高血压，配偶无业，孩子读高中").await?;
    fill(b, "#v-explained", "讲解了金秋助学和医疗互助政策").await?;
    fill(b, "#v-findings", "药费负担重").await?;
    fill(b, "#v-needs", "希望配偶参加培训后就业").await?;
    submit(b, "#visit-form").await?;
    wait_in(b, "main", "药费负担重").await?;
    fits_a_phone(b, "the visits page").await?;
    screenshot(b, Screen::Phone, "visit-phone.png").await?;
    // (On a phone the menu is folded away; log out from the desktop layout.)
    use_screen(b, Screen::Desktop).await?;
    logout(b).await?;
    Ok(())
}

/// A monthly subsidy set by the officer, funded and paid in a batch by the
/// fund officer.
async fn subsidy_journey(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    let hid = w.household;
    login(b, base, "officer").await?;
    goto(b, base, &format!("/households/{hid}/assistance")).await?;
    fill(b, "#s-amount", "300").await?;
    select(b, "#s-period", "monthly").await?;
    select(b, "#s-source", "union").await?;
    submit(b, "#subsidy-form").await?;
    wait_in(b, "main", "300.00").await?;
    logout(b).await?;

    login(b, base, "fund").await?;
    goto(b, base, "/funds").await?;
    select(b, "#r-source", "union").await?;
    fill(b, "#r-amount", "10000").await?;
    set_value(b, "#r-date", &today().to_string()).await?;
    fill(b, "#r-payer", "广州市总工会").await?;
    submit(b, "#receipt-form").await?;
    wait_in(b, "main", "资金收入已登记").await?;
    goto(b, base, "/subsidies").await?;
    submit(b, "#generate-form").await?;
    wait_in(b, "#due", "应发名单：1 笔").await?;
    submit_confirmed(b, "#pay-form", "确认发放").await?;
    wait_in(b, "#due", "没有待发放的补助").await?;
    // The payment is on the household's assistance page, as 送温暖.
    goto(b, base, &format!("/households/{hid}/assistance")).await?;
    wait_in(b, "main", "送温暖").await?;
    logout(b).await?;
    Ok(())
}

/// The auditor runs the fund audit and finds the planted duplicate.
async fn audit_journey(b: &Browser, w: &World) -> R<()> {
    let base = w.app.base.as_str();
    login(b, base, "auditor").await?;
    goto(b, base, "/fund-audit").await?;
    submit(b, "#run-form").await?;
    wait_in(b, "main", "陈立新").await?;
    goto(b, base, "/fund-audit?check=duplicate&status=open").await?;
    wait_in(b, "main", "陈立新").await?;
    screenshot(b, Screen::Desktop, "fund-audit.png").await?;
    logout(b).await?;
    Ok(())
}

/// Two identical cash payments a week apart: a duplicate for the audit.
async fn plant_duplicate(w: &World) {
    let off = w.app.api_as("officer").await;
    for days in [10, 3] {
        let (s, r) = off
            .send(
                "POST",
                &format!("/api/v1/households/{}/assistance", w.household),
                json!({"kind": "living", "given_on": (today() - chrono::Duration::days(days)).to_string(),
                       "cash": 50_000, "goods": "", "goods_value": 0, "persons": 1,
                       "source": "union", "note": "生活救助"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_assistance_in_the_browser() {
    if !browser_available() {
        return;
    }
    let w = world().await;
    in_browser("assistance", |b| async {
        let outcome = async {
            plan_journey(&b, &w).await?;
            visit_journey(&b, &w).await?;
            subsidy_journey(&b, &w).await?;
            plant_duplicate(&w).await;
            audit_journey(&b, &w).await?;
            Ok(())
        }
        .await;
        (b, outcome)
    })
    .await;

    // What the browser did is in the database, as the API tells it.
    let api = w.app.api_as("auditor").await;
    let hid = w.household;
    let (s, plan) = api
        .get(&format!(
            "/api/v1/households/{hid}/plans/{}",
            today().year()
        ))
        .await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["plan"]["status"], "approved", "{plan}");
    let (s, visits) = api.get(&format!("/api/v1/households/{hid}/visits")).await;
    assert_eq!(s, 200, "{visits}");
    assert!(visits.to_string().contains("药费负担重"), "{visits}");
    let (s, given) = api
        .get(&format!("/api/v1/households/{hid}/assistance"))
        .await;
    assert_eq!(s, 200, "{given}");
    let text = given.to_string();
    assert!(text.contains("warmth"), "the subsidy was paid: {given}");
    let (s, findings) = api.get("/api/v1/fund-audit/findings?check=duplicate").await;
    assert_eq!(s, 200, "{findings}");
    assert_eq!(findings["total"], 1, "{findings}");
}
