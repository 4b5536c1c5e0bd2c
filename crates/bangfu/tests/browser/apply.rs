//! The applicant's first hour in a real browser (issue 12):
//!
//! 1. On a phone, with JavaScript: the union is found and chosen inside the
//!    form without a reload, members are added and removed in place (up to
//!    ten), every input has a label, a submission with mistakes shows them
//!    all at once beside their fields with everything typed and the chosen
//!    document kept, and the corrected form goes in. The text reaches WCAG
//!    AA contrast on the public pages and the officer's.
//! 2. Without JavaScript: the same form works by sending itself back
//!    (查找, 添加一位家庭成员) and nothing typed is lost.
//! 3. The self-check: a region's lines fill the months, the months follow
//!    the chosen last month with each amount under its own month, and the
//!    answer comes by POST (nothing in the address bar).
//!
//! With `BANGFU_SCREENSHOTS=1` the journeys write `docs/screenshots/apply-errors-phone.png`
//! and `docs/screenshots/check-phone.png`.

use crate::common;

use common::{browser::*, id_number};

use bangfu_service::Settings;
use fantoccini::{Client, Locator};
use serde_json::json;

/// The month `n` months before the current one (UTC), as `YYYY-MM`.
fn month_back(n: i32) -> String {
    let now = chrono::Utc::now().date_naive();
    let total = chrono::Datelike::year(&now) * 12 + chrono::Datelike::month(&now) as i32 - 1 - n;
    format!(
        "{:04}-{:02}",
        total.div_euclid(12),
        total.rem_euclid(12) + 1
    )
}

/// The test tree, 荔湾区机械厂工会, 广州市's 低保 line of 800 元 and the
/// officer of 荔湾区.
async fn setup() -> (common::TestApp, i64) {
    let app = common::spawn_with(Settings {
        notice_days: 0,
        ..Settings::default()
    })
    .await;
    let t = app.tree().await;
    let g = app.grassroots().await;
    app.user("cityadmin", "admin", t.city).await;
    let admin = app.api_as("cityadmin").await;
    common::set_line(&admin, "440100", &month_back(14), 80_000).await;
    app.user("officer", "officer", t.county_a).await;
    (app, g)
}

/// A small PDF on disk, for the file input.
fn pdf_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bangfu-apply-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, b"%PDF-1.4 a diagnosis").expect("pdf");
    path
}

/// How many member rows the form shows, and their numbers.
async fn member_numbers(c: &Client) -> R<Vec<String>> {
    let v = c
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('#members fieldset.member .member-no'), \
               function (e) { return e.textContent; });",
            vec![],
        )
        .await
        .map_err(err("member rows"))?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

async fn wait_members(c: &Client, n: usize) -> R<()> {
    wait_until(
        c,
        &format!("{n} member rows"),
        &format!("return document.querySelectorAll('#members fieldset.member').length === {n};"),
    )
    .await
}

/// The CSS of member row `n` (from 1).
fn row(n: usize) -> String {
    format!("#members fieldset.member:nth-of-type({n})")
}

/// Whether the page is the one the journey started on (not reloaded).
async fn same_page(c: &Client) -> R<bool> {
    let v = c
        .execute("return window.bangfuMark === 'kept';", vec![])
        .await
        .map_err(err("mark"))?;
    Ok(v.as_bool() == Some(true))
}

async fn value(c: &Client, css: &str) -> R<String> {
    Ok(values(c, css).await?.into_iter().next().unwrap_or_default())
}

// ---------------------------------------------------------------------------
// Journey 1: with JavaScript, on a phone
// ---------------------------------------------------------------------------

async fn typing_journey(b: &Browser, base: &str, pdf: &std::path::Path) -> R<()> {
    let c: &Client = b;
    let id = id_number("44010319850612345");
    use_screen(b, Screen::Phone).await?;
    goto(c, base, "/apply").await?;
    wait_in(c, "h1", "困难职工建档申请").await?;
    assert_contrast(c, "/apply").await?;
    c.execute("window.bangfuMark = 'kept'; return true;", vec![])
        .await
        .map_err(err("mark the page"))?;

    // The worker starts typing, then looks for the union in the same form.
    fill(c, "#a-name", "陈建国").await?;
    fill(c, "#a-id", &id).await?;
    fill(c, "#a-phone", "13800138000").await?;
    fill(c, "#a-address", "广州市荔湾区多宝路 12 号").await?;
    fill(c, "#union-q", "机械厂").await?;
    wait_in(c, "#union-results", "荔湾区机械厂工会").await?;
    c.find(Locator::XPath(
        "//div[@id='union-results']//label[contains(., '荔湾区机械厂工会')]/input",
    ))
    .await
    .map_err(err("the union's radio button"))?
    .click()
    .await
    .map_err(err("choose the union"))?;
    if !same_page(c).await? {
        return Err("choosing the union reloaded the page".into());
    }
    if value(c, "#a-name").await? != "陈建国" || value(c, "#a-id").await? != id {
        return Err("choosing the union lost what was typed".into());
    }

    // Members are added and removed in place, numbered in order.
    if member_numbers(c).await? != ["1"] {
        return Err(format!(
            "the form starts with rows {:?}",
            member_numbers(c).await?
        ));
    }
    fill(c, &format!("{} input[name=m_name]", row(1)), "陈丽").await?;
    select(c, &format!("{} select[name=m_relation]", row(1)), "spouse").await?;
    select(
        c,
        &format!("{} select[name=m_employment]", row(1)),
        "flexible",
    )
    .await?;
    click(c, "#add-member").await?;
    wait_members(c, 2).await?;
    let focused = c
        .execute(
            "var e = document.activeElement; return e && e.name === 'm_name' && e.closest('fieldset.member') === document.querySelectorAll('#members fieldset.member')[1];",
            vec![],
        )
        .await
        .map_err(err("focus"))?;
    if focused.as_bool() != Some(true) {
        return Err("the new member's name does not have the cursor".into());
    }
    fill(c, &format!("{} input[name=m_name]", row(2)), "陈小红").await?;
    click(c, "#add-member").await?;
    wait_members(c, 3).await?;
    fill(c, &format!("{} input[name=m_name]", row(3)), "陈小刚").await?;
    select(c, &format!("{} select[name=m_relation]", row(3)), "child").await?;
    select(
        c,
        &format!("{} select[name=m_schooling]", row(3)),
        "primary",
    )
    .await?;
    select(
        c,
        &format!("{} select[name=m_employment]", row(3)),
        "not_working",
    )
    .await?;
    click(c, &format!("{} [data-remove-member]", row(2))).await?;
    wait_members(c, 2).await?;
    if member_numbers(c).await? != ["1", "2"] {
        return Err(format!(
            "after removing, rows {:?}",
            member_numbers(c).await?
        ));
    }
    let names = values(c, "#members input[name=m_name]").await?;
    if names != ["陈丽", "陈小刚"] {
        return Err(format!("after removing 陈小红 the rows hold {names:?}"));
    }
    // Up to ten: the add button goes away at the tenth and comes back.
    for n in 3..=10 {
        click(c, "#add-member").await?;
        wait_members(c, n).await?;
    }
    let add = c
        .find(Locator::Css("#add-member"))
        .await
        .map_err(err("#add-member"))?;
    if add.is_displayed().await.map_err(err("add shown"))? {
        return Err("a tenth member can still be added to".into());
    }
    wait_in(c, "#members-full", "已达 10 位").await?;
    for n in (3..=10).rev() {
        click(c, &format!("{} [data-remove-member]", row(n))).await?;
        wait_members(c, n - 1).await?;
    }
    if !add.is_displayed().await.map_err(err("add shown"))? {
        return Err("the add button stays away under ten members".into());
    }
    if !same_page(c).await? {
        return Err("changing the members reloaded the page".into());
    }

    // Every input has a label.
    let bare = unlabelled(c, "#apply-form").await?;
    if !bare.is_empty() {
        return Err(format!("inputs without a label: {bare:?}"));
    }

    // A submission with mistakes: no cause ticked, a month's cell in words.
    let labour = c
        .find_all(Locator::Css("#apply-form input[name=labour]"))
        .await
        .map_err(err("labour inputs"))?;
    for (k, el) in labour.iter().enumerate() {
        let v = if k == 0 { "六百" } else { "600" };
        el.send_keys(v).await.map_err(err("labour income"))?;
    }
    let medical = c
        .find_all(Locator::Css("#apply-form input[name=medical]"))
        .await
        .map_err(err("medical inputs"))?;
    for el in medical.iter().take(2) {
        el.send_keys("150").await.map_err(err("medical"))?;
    }
    c.find(Locator::Css("#a-files"))
        .await
        .map_err(err("file input"))?
        .send_keys(&pdf.display().to_string())
        .await
        .map_err(err("choose the document"))?;
    click(c, "#apply-form .form-actions button[type=submit]").await?;
    let summary = wait_in(c, "#form-errors", "处需要修改").await?;
    for text in ["至少选择一项致困原因", "金额“六百”", "核查授权"] {
        if !summary.contains(text) {
            return Err(format!("the list of mistakes lacks “{text}”:\n{summary}"));
        }
    }
    wait_in(c, "#a-causes-err", "至少选择一项致困原因").await?;
    wait_in(c, "#incomes-card .field-error", "六百").await?;
    wait_in(c, "#held-files", "diagnosis.pdf").await?;
    if value(c, "#a-name").await? != "陈建国" {
        return Err("the refused form lost the name".into());
    }
    let names = values(c, "#members input[name=m_name]").await?;
    if names != ["陈丽", "陈小刚"] {
        return Err(format!("the refused form shows members {names:?}"));
    }
    c.execute(
        "document.activeElement && document.activeElement.blur(); \
         document.querySelectorAll('.table-wrap').forEach(function (w) { w.scrollLeft = 0; });",
        vec![],
    )
    .await
    .map_err(err("blur"))?;
    assert_contrast(c, "/apply with mistakes").await?;
    screenshot(b, Screen::Phone, "apply-errors-phone.png").await?;

    // Corrected: it goes in, the document with it.
    tick(c, "#apply-form input[name=causes][value=illness]").await?;
    tick(c, "#apply-form input[name=consent]").await?;
    fill(c, "#apply-form input[name=labour]", "600").await?;
    click(c, "#apply-form .form-actions button[type=submit]").await?;
    wait_in(c, "h1", "申请已提交").await?;
    let number = wait_in(c, "#application-no", "SQ").await?;

    // The officer sees both members and the document.
    use_screen(b, Screen::Desktop).await?;
    login(c, base, "officer").await?;
    goto(c, base, "/applications").await?;
    wait_in(c, "#results", &number).await?;
    assert_contrast(c, "/applications").await?;
    click_link(c, &number).await?;
    wait_in(c, "h1", "陈建国 的建档申请").await?;
    wait_in(c, "main", "陈小刚").await?;
    wait_in(c, "main", "diagnosis.pdf").await?;
    assert_contrast(c, "an application").await?;

    // On a phone the menu opens from the keyboard.
    use_screen(b, Screen::Phone).await?;
    goto(c, base, "/applications").await?;
    let menu = c
        .find(Locator::Css("#nav-menu"))
        .await
        .map_err(err("#nav-menu"))?;
    if menu.is_displayed().await.map_err(err("menu shown"))? {
        return Err("the phone's menu is open before it is asked for".into());
    }
    press(c, fantoccini::key::Key::Tab.into()).await?;
    press(c, fantoccini::key::Key::Tab.into()).await?;
    let on = c
        .execute("return document.activeElement.className;", vec![])
        .await
        .map_err(err("focus"))?;
    if on.as_str() != Some("nav-toggle") {
        return Err(format!("two Tabs reach {on}, not the menu button"));
    }
    press(c, fantoccini::key::Key::Enter.into()).await?;
    wait_until(
        c,
        "the menu to open",
        "return document.querySelector('.nav-toggle').getAttribute('aria-expanded') === 'true';",
    )
    .await?;
    if !menu.is_displayed().await.map_err(err("menu shown"))? {
        return Err("Enter on the menu button does not show the menu".into());
    }
    press(c, fantoccini::key::Key::Tab.into()).await?;
    let inside = c
        .execute(
            "return !!document.activeElement.closest('#nav-menu');",
            vec![],
        )
        .await
        .map_err(err("focus"))?;
    if inside.as_bool() != Some(true) {
        return Err("Tab after opening the menu does not go into it".into());
    }
    assert_contrast(c, "/applications on a phone, menu open").await?;
    logout(c).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_types_the_whole_form_on_a_phone_without_losing_a_keystroke() {
    if !browser_available() {
        return;
    }
    let (app, g) = setup().await;
    let base = app.base.clone();
    let pdf = pdf_file("diagnosis.pdf");
    in_browser("apply-typing", |b| async move {
        let outcome = typing_journey(&b, &base, &pdf).await;
        (b, outcome)
    })
    .await;
    let api = app.api_as("officer").await;
    let (_, list) = api.get("/api/v1/applications").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["union_id"], g, "{list}");
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, d) = api.get(&format!("/api/v1/applications/{id}")).await;
    assert_eq!(d["files"], json!(["diagnosis.pdf"]), "{d}");
}

// ---------------------------------------------------------------------------
// Journey 2: without JavaScript
// ---------------------------------------------------------------------------

async fn no_script_journey(b: &Browser, base: &str) -> R<()> {
    let c: &Client = b;
    cdp(
        b,
        "Emulation.setScriptExecutionDisabled",
        json!({"value": true}),
    )
    .await?;
    use_screen(b, Screen::Phone).await?;
    goto(c, base, "/apply").await?;
    wait_in(c, "h1", "困难职工建档申请").await?;
    let id = id_number("44010319770707777");
    fill(c, "#a-name", "黄志强").await?;
    fill(c, "#a-id", &id).await?;
    fill(c, "#union-q", "机械厂").await?;
    click(c, "#find-union").await?;
    wait_in(c, "#union-results", "荔湾区机械厂工会").await?;
    if value(c, "#a-name").await? != "黄志强" || value(c, "#a-id").await? != id {
        return Err("查找 without JavaScript lost what was typed".into());
    }
    c.find(Locator::XPath(
        "//div[@id='union-results']//label[contains(., '荔湾区机械厂工会')]/input",
    ))
    .await
    .map_err(err("the union's radio button"))?
    .click()
    .await
    .map_err(err("choose the union"))?;
    fill(c, &format!("{} input[name=m_name]", row(1)), "黄丽").await?;
    select(c, &format!("{} select[name=m_relation]", row(1)), "spouse").await?;
    select(
        c,
        &format!("{} select[name=m_employment]", row(1)),
        "unemployed",
    )
    .await?;
    click(c, "#add-member").await?;
    wait_members(c, 2).await?;
    if values(c, "#members input[name=m_name]").await? != ["黄丽", ""] {
        return Err("adding a member without JavaScript lost the first".into());
    }
    fill(c, &format!("{} input[name=m_name]", row(2)), "黄小明").await?;
    select(c, &format!("{} select[name=m_relation]", row(2)), "child").await?;
    select(
        c,
        &format!("{} select[name=m_employment]", row(2)),
        "not_working",
    )
    .await?;
    fill(c, "#a-phone", "13700137000").await?;
    fill(c, "#a-address", "广州市荔湾区芳村大道 8 号").await?;
    tick(c, "#apply-form input[name=causes][value=unemployment]").await?;
    for el in c
        .find_all(Locator::Css("#apply-form input[name=labour]"))
        .await
        .map_err(err("labour inputs"))?
    {
        el.send_keys("500").await.map_err(err("labour"))?;
    }
    let union_checked = c
        .find(Locator::Css("#union-results input[type=radio]:checked"))
        .await
        .is_ok();
    if !union_checked {
        return Err("the chosen union was lost when a member was added".into());
    }
    tick(c, "#apply-form input[name=consent]").await?;
    click(c, "#apply-form .form-actions button[type=submit]").await?;
    wait_in(c, "h1", "申请已提交").await?;
    cdp(
        b,
        "Emulation.setScriptExecutionDisabled",
        json!({"value": false}),
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_the_form_sends_itself_back_and_keeps_everything() {
    if !browser_available() {
        return;
    }
    let (app, g) = setup().await;
    let base = app.base.clone();
    in_browser("apply-no-script", |b| async move {
        let outcome = no_script_journey(&b, &base).await;
        (b, outcome)
    })
    .await;
    let api = app.api_as("officer").await;
    let (_, list) = api.get("/api/v1/applications").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["union_id"], g, "{list}");
    assert_eq!(list["items"][0]["worker_name"], "黄志强", "{list}");
}

// ---------------------------------------------------------------------------
// Journey 3: the self-check
// ---------------------------------------------------------------------------

async fn check_journey(b: &Browser, base: &str) -> R<()> {
    let c: &Client = b;
    use_screen(b, Screen::Phone).await?;
    goto(c, base, "/check").await?;
    wait_in(c, "h1", "困难职工认定自测").await?;
    assert_contrast(c, "/check").await?;
    // The region's line fills each month.
    select(c, "#c-region", "440103").await?;
    wait_in(c, "#check-grid thead", "当月低保标准").await?;
    wait_in(c, "#check-grid tbody", "800.00").await?;
    fill(c, "#c-size", "3").await?;
    let income = c
        .find_all(Locator::Css("#check-grid input[name=income]"))
        .await
        .map_err(err("income inputs"))?;
    for (k, el) in income.iter().enumerate() {
        let v = if k == 0 { "1111" } else { "1500" };
        el.send_keys(v).await.map_err(err("income"))?;
    }
    for el in c
        .find_all(Locator::Css("#check-grid input[name=rigid]"))
        .await
        .map_err(err("rigid inputs"))?
    {
        el.send_keys("300").await.map_err(err("rigid"))?;
    }
    // The last month moves one back: the months follow at once and 1111
    // stays with the month it was typed under (now the second row).
    set_value(c, "#c-end", &month_back(2)).await?;
    wait_in(c, "#months-moved", &month_back(2)).await?;
    let months = values(c, "#check-grid input[name=month]").await?;
    if months.first() != Some(&month_back(7)) || months.last() != Some(&month_back(2)) {
        return Err(format!("the months after the change: {months:?}"));
    }
    let amounts = values(c, "#check-grid input[name=income]").await?;
    if amounts.get(1).map(String::as_str) != Some("1111") || !amounts[0].is_empty() {
        return Err(format!("the amounts after the change: {amounts:?}"));
    }
    fill(c, "#check-grid input[name=income]", "1500").await?;
    c.execute(
        "document.activeElement && document.activeElement.blur(); return true;",
        vec![],
    )
    .await
    .map_err(err("blur"))?;
    screenshot(b, Screen::Phone, "check-phone.png").await?;
    submit(c, "#check-form").await?;
    wait_in(c, "#result", "符合建档条件").await?;
    wait_in(c, "#result", "在线申请建档").await?;
    let url = c.current_url().await.map_err(err("url"))?;
    if url.path() != "/check" || url.query().is_some() {
        return Err(format!("the answer is at {url}"));
    }
    let months = values(c, "#check-grid input[name=month]").await?;
    let amounts = values(c, "#check-grid input[name=income]").await?;
    if months.get(1) != Some(&month_back(6)) || amounts.get(1).map(String::as_str) != Some("1111") {
        return Err(format!("after sending: {months:?} {amounts:?}"));
    }
    assert_contrast(c, "/check with an answer").await?;

    // The status check answers by POST as well.
    goto(c, base, "/apply/status").await?;
    fill(c, "#s-id", &id_number("44010319850612345")).await?;
    fill(c, "#s-phone", "13800138000").await?;
    submit(c, "#status-form").await?;
    wait_in(c, "main", "没有查到申请").await?;
    let url = c.current_url().await.map_err(err("url"))?;
    if url.query().is_some() {
        return Err(format!("the status check answered at {url}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_self_check_fills_the_lines_and_keeps_each_amount_under_its_month() {
    if !browser_available() {
        return;
    }
    let (app, _) = setup().await;
    let base = app.base.clone();
    in_browser("check", |b| async move {
        let outcome = check_journey(&b, &base).await;
        (b, outcome)
    })
    .await;
}
