//! The administration journey in a real headless Chromium, driven through
//! chromedriver: an administrator logs in, creates a union and a user; the
//! new user must change the initial password and cannot see a sibling union.
//! Also: the phone layout shows the menu toggle.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.

use crate::common;

use common::{browser::*, At};

use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

/// Waits until the page's text contains `text`.
async fn wait_text(c: &Client, text: &str) -> R<()> {
    let started = Instant::now();
    loop {
        let body = c.source().await.map_err(err("page source"))?;
        if body.contains(text) {
            return Ok(());
        }
        if started.elapsed() > WAIT {
            let p = path(c).await.unwrap_or_default();
            return Err(format!("waiting for “{text}” on {p}\n{}", excerpt(&body)));
        }
        common::sleep(Duration::from_millis(100)).await;
    }
}

fn excerpt(html: &str) -> String {
    html.chars().take(3000).collect()
}

/// Logs in with a given password (the shared `login` expects the test password
/// and the home page; here the first login lands on the password change).
async fn login_with(c: &Client, base: &str, username: &str, password: &str) -> R<()> {
    c.goto(&format!("{base}/login"))
        .await
        .map_err(err("open /login"))?;
    fill(c, "#login-form input[name=username]", username).await?;
    fill(c, "#login-form input[name=password]", password).await?;
    submit(c, "#login-form").await
}

async fn h1(c: &Client) -> R<String> {
    c.find(Locator::Css("h1"))
        .await
        .map_err(err("h1"))?
        .text()
        .await
        .map_err(err("h1 text"))
}

async fn journey(c: &Client, app: &common::TestApp, t: &common::Tree) -> R<()> {
    let base = app.base.as_str();

    // The administrator logs in.
    login_with(c, base, "gdadmin", common::PASSWORD).await?;
    wait_path(c, "home after login", |p| p == "/").await?;

    // Creates a county union under the city.
    c.goto(&format!("{base}/unions/{}", t.city))
        .await
        .map_err(err("open city"))?;
    wait_text(c, "广州市总工会").await?;
    fill(c, "form#create-union input[name=name]", "天河区总工会").await?;
    select(c, "form#create-union select[name=level]", "county").await?;
    fill(c, "form#create-union input[name=division_code]", "440106").await?;
    submit(c, "form#create-union").await?;
    let city_path = format!("/unions/{}", t.city);
    let new_path = wait_path(c, "the new union's page", |p| {
        p.starts_with("/unions/")
            && p != city_path
            && p.trim_start_matches("/unions/").parse::<i64>().is_ok()
    })
    .await?;
    let new_id: i64 = new_path
        .trim_start_matches("/unions/")
        .parse()
        .map_err(err("new id"))?;
    let title = h1(c).await?;
    if !title.contains("天河区总工会") {
        return Err(format!("the new union's page has h1 “{title}”"));
    }

    // Creates an officer in it.
    c.goto(&format!("{base}/users/new"))
        .await
        .map_err(err("open /users/new"))?;
    fill(c, "form#user-form input[name=username]", "newofficer").await?;
    fill(c, "form#user-form input[name=display_name]", "新干部").await?;
    select(
        c,
        "form#user-form select[name=union_id]",
        &new_id.to_string(),
    )
    .await?;
    let officer = c
        .find(Locator::Css(
            "form#user-form input[name=roles][value=officer]",
        ))
        .await
        .map_err(err("officer checkbox"))?;
    if !officer.is_selected().await.map_err(err("checkbox state"))? {
        officer.click().await.map_err(err("tick officer"))?;
    }
    fill(c, "form#user-form input[name=password]", "Start-Pass-2026").await?;
    submit(c, "form#user-form").await?;
    wait_text(c, "用户已创建").await?;

    // Logs out.
    submit(c, "form#logout-form").await?;
    wait_path(c, "the login page after logout", |p| p == "/login").await?;
    c.goto(&format!("{base}/"))
        .await
        .map_err(err("open / after logout"))?;
    wait_path(c, "logged out: / sends to /login", |p| p == "/login").await?;

    // The new officer must replace the initial password first.
    login_with(c, base, "newofficer", "Start-Pass-2026").await?;
    wait_path(c, "the forced password change", |p| {
        p == "/account/password"
    })
    .await?;
    fill(
        c,
        "form#password-form input[name=current_password]",
        "Start-Pass-2026",
    )
    .await?;
    fill(
        c,
        "form#password-form input[name=new_password]",
        "Mine-Pass-2026!",
    )
    .await?;
    fill(
        c,
        "form#password-form input[name=confirm_password]",
        "Mine-Pass-2026!",
    )
    .await?;
    submit(c, "form#password-form").await?;
    wait_path(c, "home after changing the password", |p| p == "/").await?;

    // The sibling union is out of reach; their own union is not.
    c.goto(&format!("{base}/unions/{}", t.county_a))
        .await
        .map_err(err("open sibling"))?;
    wait_text(c, "不存在").await?;
    let body = c.source().await.map_err(err("source"))?;
    if body.contains("荔湾区总工会") {
        return Err("the sibling's name shows on its not-found page".into());
    }
    c.goto(&format!("{base}/unions/{new_id}"))
        .await
        .map_err(err("open own union"))?;
    let title = h1(c).await?;
    if !title.contains("天河区总工会") {
        return Err(format!("own union page has h1 “{title}”"));
    }

    // On a phone the menu collapses behind a button (its keyboard use is in
    // the apply journey).
    c.set_window_size(390, 844)
        .await
        .map_err(err("phone window"))?;
    c.goto(&format!("{base}/"))
        .await
        .map_err(err("open / on a phone"))?;
    let toggle = c
        .find(Locator::Css("button.nav-toggle"))
        .await
        .map_err(err("button.nav-toggle"))?;
    if !toggle
        .is_displayed()
        .await
        .map_err(err("toggle displayed"))?
    {
        return Err("the menu button is hidden at 390×844".into());
    }
    let menu = c
        .find(Locator::Css("#nav-menu"))
        .await
        .map_err(err("#nav-menu"))?;
    if menu.is_displayed().await.map_err(err("menu displayed"))? {
        return Err("the menu is open before the button is pressed".into());
    }
    toggle.click().await.map_err(err("open the menu"))?;
    if !menu.is_displayed().await.map_err(err("menu displayed"))? {
        return Err("the menu button does not open the menu".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_a_union_and_a_user_who_cannot_see_a_sibling() {
    if !browser_available() {
        return;
    }
    let (app, t, _) = common::staffed(&[("gdadmin", "admin", At::Province)]).await;

    let driver = start_driver().await.expect("chromedriver");
    let client = connect(&driver).await.expect("browser session");
    let outcome = journey(&client, &app, &t).await;
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write("/tmp/bangfu-browser.png", png);
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = outcome {
        panic!("browser journey: {e}");
    }

    // What the browser did is in the database.
    let auditor_id = app.user("rootaudit", "auditor", t.root).await;
    assert!(auditor_id > 0);
    let api = app.api_as("rootaudit").await;
    let (_, users) = api.get("/api/v1/users?q=newofficer").await;
    assert_eq!(users["total"], 1, "{users}");
    assert_eq!(
        users["items"][0]["must_change_password"], false,
        "changed in the browser"
    );
    assert_eq!(users["items"][0]["union_name"], "天河区总工会");
    assert_eq!(
        api.total("/api/v1/audit?action=change_password&actor=newofficer")
            .await,
        1
    );
}
