//! 两步验证 in a real headless Chromium on a 390 px phone screen: a
//! reviewer, who must use two-factor, signs in, is taken to enrolment, reads
//! the key shown beside the QR code, confirms with a code, sees the recovery
//! codes once; signs out and in again in two steps.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.

use crate::common;

use common::browser::*;
use common::{totp_code_at as code_at, unix_now};
use fantoccini::{Client, Locator};

async fn text(c: &Client, css: &str) -> R<String> {
    c.find(Locator::Css(css))
        .await
        .map_err(err(css))?
        .text()
        .await
        .map_err(err(css))
}

async fn sign_in(c: &Client, base: &str) -> R<()> {
    goto(c, base, "/login").await?;
    fill(c, "#login-form input[name=username]", "bt_rev").await?;
    fill(c, "#login-form input[name=password]", common::PASSWORD).await?;
    submit(c, "#login-form").await
}

async fn journey(b: &Browser, base: &str) -> R<Vec<String>> {
    use_screen(b, Screen::Phone).await?;
    sign_in(b, base).await?;
    wait_path(b, "enrolment after the password", |p| {
        p == "/account/two-factor"
    })
    .await?;
    wait_in(b, "#enrolment-due", "启用之前").await?;
    fits_a_phone(b, "the enrolment page").await?;
    screenshot(b, Screen::Phone, "two-factor-enrol-phone.png").await?;
    b.find(Locator::Css(".qr-box svg"))
        .await
        .map_err(err("the QR code"))?;
    // Nothing else until enrolled.
    goto(b, base, "/households").await?;
    wait_path(b, "back to enrolment", |p| p == "/account/two-factor").await?;

    let secret: String = text(b, "#secret")
        .await?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let t0 = unix_now();
    fill(b, "#confirm-code", &code_at(&secret, t0)).await?;
    submit(b, "#confirm-form").await?;
    wait_in(b, "h1", "两步验证已启用").await?;
    fits_a_phone(b, "the recovery codes").await?;
    let codes: Vec<String> = text(b, "#recovery-codes")
        .await?
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    click(b, "#codes-saved").await?;
    wait_path(b, "home after enrolment", |p| p == "/").await?;
    // (On a phone the sign-out button is behind the menu toggle.)
    use_screen(b, Screen::Desktop).await?;
    logout(b).await?;
    use_screen(b, Screen::Phone).await?;

    // Signing in again: the password, then the code.
    sign_in(b, base).await?;
    wait_path(b, "the second step", |p| p == "/login/two-factor").await?;
    fits_a_phone(b, "the second step").await?;
    screenshot(b, Screen::Phone, "two-factor-login-phone.png").await?;
    fill(b, "#code", &code_at(&secret, t0 + 30)).await?;
    submit(b, "#code-form").await?;
    wait_path(b, "home after the code", |p| p == "/").await?;
    Ok(codes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_enrols_on_a_phone_and_signs_in_in_two_steps() {
    if !browser_available() {
        return;
    }
    let app = common::spawn_two_factor(&["reviewer"], |_| {}).await;
    let t = app.tree().await;
    app.user("bt_rev", "reviewer", t.county_a).await;
    let base = app.base.clone();
    let codes = in_browser("two-factor", |b| async move {
        let r = journey(&b, &base).await;
        (b, r)
    })
    .await;
    assert_eq!(codes.len(), 10, "{codes:?}");
    assert!(
        codes.iter().all(|c| c.len() == 11 && c.contains('-')),
        "{codes:?}"
    );
}
