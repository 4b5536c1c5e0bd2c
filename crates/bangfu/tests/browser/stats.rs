//! The province panel and targets in a real headless Chromium: the three
//! charts are drawn (ECharts, no inline script under the CSP), a manager
//! drills down from the province to a county and back by the breadcrumbs,
//! picks another date, the page fits a phone (tables scroll inside their
//! box), and an administrator sets a target share in the form.
//!
//! With `BANGFU_SCREENSHOTS=1` it writes `docs/screenshots/stats.png`,
//! `stats-print.png` (print media), `stats-phone.png` and `targets.png`.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.

use crate::common;

use common::{browser::*, file, household, person, today, At};

use chrono::{Datelike, NaiveDate};
use fantoccini::Locator;
use serde_json::json;

struct World {
    app: common::TestApp,
    t: common::Tree,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("admin", "admin", At::Province),
        ("officer", "officer", At::Province),
    ])
    .await;
    let off = app.api_as("officer").await;
    let mut ids = Vec::new();
    for (i, (union, filed)) in [
        (t.county_a, "2016-01-01"),
        (t.county_a, "2016-02-01"),
        (t.county_b, "2016-03-01"),
        (t.other_city, "2024-05-01"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = household(
            &format!("职工{i}"),
            &person("440103", "19750101", u32::try_from(i + 1).unwrap()),
            union,
        );
        body["filed_on"] = json!(filed);
        ids.push(file(&off, body).await);
    }
    // Two exits last year.
    let year = today().year() - 1;
    for (h, pathway, month) in [(ids[0], "employment", 3), (ids[2], "medical", 7)] {
        let on = NaiveDate::from_ymd_opt(year, month, 15).unwrap();
        common::decide(&app, h, "out", Some(pathway), &on.to_string()).await;
    }
    World { app, t }
}

async fn charts_drawn(b: &Browser) -> R<()> {
    let started = std::time::Instant::now();
    loop {
        let n = b
            .execute(
                "return document.querySelectorAll('[data-chart][data-drawn=\"1\"] svg').length;",
                vec![],
            )
            .await
            .map_err(err("charts"))?
            .as_u64()
            .unwrap_or(0);
        let want = b
            .execute(
                "return document.querySelectorAll('[data-chart]').length;",
                vec![],
            )
            .await
            .map_err(err("charts"))?
            .as_u64()
            .unwrap_or(0);
        if want > 0 && n >= want {
            return Ok(());
        }
        if started.elapsed() > WAIT {
            return Err(format!("{n} of {want} charts drawn"));
        }
        common::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until the cell after `header` reads `value`.
async fn wait_cell(b: &Browser, header: &str, value: &str) -> R<()> {
    let started = std::time::Instant::now();
    loop {
        let seen = cell_after(b, header).await.unwrap_or_default();
        if seen.trim() == value {
            return Ok(());
        }
        if started.elapsed() > WAIT {
            return Err(format!("{header}: {seen}, expected {value}"));
        }
        common::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn journey(b: &Browser, w: &World) -> R<()> {
    let base = &w.app.base;
    use_screen(b, Screen::Desktop).await?;
    login(b, base, "admin").await?;
    goto(b, base, "/stats").await?;
    wait_in(b, "h1", "统计报表 · 广东省总工会").await?;
    charts_drawn(b).await?;
    // Households on file today: four filed, two out.
    wait_in(b, "#kpis", "2").await?;
    let total = cell_after(b, "在档困难职工家庭合计").await?;
    if total.trim() != "2" {
        return Err(format!("on file: {total}"));
    }
    screenshot(b, Screen::Desktop, "stats.png").await?;
    // Printed: no menu, no form, no buttons; a heading that names the date.
    cdp(b, "Emulation.setEmulatedMedia", json!({ "media": "print" })).await?;
    let shown = b
        .execute(
            "return ['nav.sidebar', '#panel-form', '.page-header .actions', '.print-heading'] \
             .map(function (s) { return getComputedStyle(document.querySelector(s)).display; });",
            vec![],
        )
        .await
        .map_err(err("print styles"))?;
    if shown != json!(["none", "none", "none", "block"]) {
        return Err(format!("printed page shows {shown}"));
    }
    screenshot(b, Screen::Desktop, "stats-print.png").await?;
    cdp(b, "Emulation.setEmulatedMedia", json!({ "media": "" })).await?;

    // Drill down to the city, then the county; the breadcrumbs lead back.
    click_link(b, "广州市总工会").await?;
    wait_in(b, "h1", "广州市总工会").await?;
    click_link(b, "荔湾区总工会").await?;
    wait_in(b, "h1", "荔湾区总工会").await?;
    wait_in(
        b,
        ".breadcrumbs",
        "广东省总工会 › 广州市总工会 › 荔湾区总工会",
    )
    .await?;
    charts_drawn(b).await?;
    click_link(b, "广东省总工会").await?;
    wait_in(b, "h1", "广东省总工会").await?;

    // Another date: before the exits, all four on file.
    let last_year_start = format!("{}-01-31", today().year() - 1);
    set_value(b, "#panel-form input[name=as_of]", &last_year_start).await?;
    submit(b, "#panel-form").await?;
    wait_cell(b, "在档困难职工家庭合计", "4").await?;
    let shown = b
        .execute(
            "return document.querySelector('#panel-form input[name=as_of]').value;",
            vec![],
        )
        .await
        .map_err(err("date"))?;
    if shown != json!(last_year_start) {
        return Err(format!("the date picker shows {shown}"));
    }

    // A phone: nothing wider than the screen; wide tables scroll in their box.
    use_screen(b, Screen::Phone).await?;
    goto(b, base, "/stats").await?;
    charts_drawn(b).await?;
    // Every category of every bar chart is labelled on the phone too (turned
    // or shortened, never dropped for lack of room; a long trend labels
    // every n-th month on purpose).
    let dropped = b
        .execute(
            "var out = []; document.querySelectorAll('[data-chart]').forEach(function (el) { \
             if (el.getAttribute('data-chart') !== 'bars') { return; } \
             var texts = Array.prototype.map.call(el.querySelectorAll('text'), function (t) { return t.textContent; }); \
             JSON.parse(el.getAttribute('data-labels') || '[]').forEach(function (l) { \
               l = String(l); var shown = l.length > 8 ? l.slice(0, 7) + '…' : l; \
               if (texts.indexOf(shown) < 0) { out.push(el.id + ': ' + l); } }); }); \
             return out;",
            vec![],
        )
        .await
        .map_err(err("axis labels"))?;
    if dropped != json!([]) {
        return Err(format!("axis labels dropped on a phone: {dropped}"));
    }
    let width = content_width(b).await?;
    if width > 390 {
        let wide = b
            .execute(
                "var out = []; document.querySelectorAll('main *').forEach(function (e) { \
                 var r = e.getBoundingClientRect(); if (r.right > 391) { \
                 out.push(e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(r.right)); } }); \
                 return out.slice(0, 12).join('; ');",
                vec![],
            )
            .await
            .map_err(err("wide elements"))?;
        return Err(format!(
            "the panel is {width} px wide on a 390 px phone: {wide}"
        ));
    }
    screenshot(b, Screen::Phone, "stats-phone.png").await?;
    use_screen(b, Screen::Desktop).await?;

    // Targets: last year, the city sits first; the admin sets 2026's share.
    let year = today().year() - 1;
    goto(b, base, &format!("/targets?year={year}")).await?;
    wait_in(b, "h1", &format!("{year} 年")).await?;
    wait_in(b, "#ranking", "广州市总工会").await?;
    fill(b, "#t-share", "35").await?;
    submit(b, "#target-form").await?;
    wait_in(b, ".alert.success", "目标比例已保存").await?;
    wait_in(b, "#summary", "35%").await?;
    wait_in(b, "#summary", "本级设定").await?;
    screenshot(b, Screen::Desktop, "targets.png").await?;
    // A bad share: the message, nothing saved.
    fill(b, "#t-share", "150").await?;
    submit(b, "#target-form").await?;
    wait_in(b, ".alert.error", "目标比例应在 0% 至 100% 之间").await?;
    b.find(Locator::Css("#summary"))
        .await
        .map_err(err("summary"))?;
    wait_in(b, "#summary", "35%").await?;
    Ok(())
}

#[tokio::test]
async fn the_panel_and_targets_in_a_browser() {
    if !browser_available() {
        return;
    }
    let w = world().await;
    in_browser("stats", |b| async {
        let outcome = journey(&b, &w).await;
        (b, outcome)
    })
    .await;
    // What the browser saved, as the API tells it.
    let api = w.app.api_as("admin").await;
    let year = today().year() - 1;
    let (s, p) = api
        .get(&format!(
            "/api/v1/targets/progress?union={}&year={year}",
            w.t.province
        ))
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["share_bp"], 3500);
    assert_eq!(p["achieved"], 2);
}
