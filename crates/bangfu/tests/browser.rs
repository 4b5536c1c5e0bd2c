//! The journey of issue 2 in a real headless Chromium, driven through
//! chromedriver: an administrator logs in, creates a union and a user; the
//! new user must change the initial password and cannot see a sibling union.
//! Also: the phone layout shows the menu toggle.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const WAIT: Duration = Duration::from_secs(15);

type R<T> = Result<T, String>;

fn err<E: std::fmt::Debug>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e:?}")
}

/// chromedriver as a child process, killed (with its profile removed) on drop.
struct Driver {
    child: Child,
    port: u16,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

async fn start_driver() -> R<Driver> {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(err("start chromedriver"))?;
    let profile = std::env::temp_dir().join(format!(
        "bangfu-chrome-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&profile).map_err(err("profile dir"))?;
    let driver = Driver {
        child,
        port,
        profile,
    };
    let status = format!("http://127.0.0.1:{port}/status");
    let started = Instant::now();
    loop {
        if let Ok(res) = reqwest::get(&status).await {
            if res.status().is_success() {
                return Ok(driver);
            }
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err("chromedriver did not answer within 20 s".into());
        }
        common::sleep(Duration::from_millis(100)).await;
    }
}

async fn connect(driver: &Driver) -> R<Client> {
    let mut options = json!({
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1280,900",
            format!("--user-data-dir={}", driver.profile.display()),
        ],
    });
    if std::path::Path::new(CHROMIUM).exists() {
        options["binary"] = json!(CHROMIUM);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .map_err(err("new WebDriver session"))
}

/// The path of the page the browser is on.
async fn path(c: &Client) -> R<String> {
    let url = c.current_url().await.map_err(err("current url"))?;
    Ok(url.path().to_owned())
}

/// Waits until the browser's path satisfies `ok`.
async fn wait_path(c: &Client, what: &str, ok: impl Fn(&str) -> bool) -> R<String> {
    let started = Instant::now();
    loop {
        let p = path(c).await?;
        if ok(&p) {
            return Ok(p);
        }
        if started.elapsed() > WAIT {
            let body = c.source().await.unwrap_or_default();
            return Err(format!(
                "waiting for {what}: still on {p}\n{}",
                excerpt(&body)
            ));
        }
        common::sleep(Duration::from_millis(100)).await;
    }
}

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

async fn fill(c: &Client, css: &str, value: &str) -> R<()> {
    let el = c.find(Locator::Css(css)).await.map_err(err(css))?;
    el.clear().await.map_err(err(css))?;
    el.send_keys(value).await.map_err(err(css))
}

async fn submit(c: &Client, form: &str) -> R<()> {
    let css =
        format!("{form} button[type=submit], {form} input[type=submit], {form} button:not([type])");
    c.find(Locator::Css(&css))
        .await
        .map_err(err(&css))?
        .click()
        .await
        .map_err(err(&css))
}

async fn select(c: &Client, css: &str, value: &str) -> R<()> {
    c.find(Locator::Css(css))
        .await
        .map_err(err(css))?
        .select_by_value(value)
        .await
        .map_err(err(css))
}

async fn login(c: &Client, base: &str, username: &str, password: &str) -> R<()> {
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
    login(c, base, "gdadmin", common::PASSWORD).await?;
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
    login(c, base, "newofficer", "Start-Pass-2026").await?;
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

    // On a phone the menu collapses behind a toggle.
    c.set_window_size(390, 844)
        .await
        .map_err(err("phone window"))?;
    c.goto(&format!("{base}/"))
        .await
        .map_err(err("open / on a phone"))?;
    let toggle = c
        .find(Locator::Css("label.nav-toggle-label"))
        .await
        .map_err(err("label.nav-toggle-label"))?;
    if !toggle
        .is_displayed()
        .await
        .map_err(err("toggle displayed"))?
    {
        return Err("the menu toggle is hidden at 390×844".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_a_union_and_a_user_who_cannot_see_a_sibling() {
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        if std::env::var("BANGFU_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("BANGFU_REQUIRE_BROWSER=1 but {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
        }
        // Written past the test harness's capture so the skip shows in the run's output.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED browser test: {CHROMEDRIVER} not found (apt-get install chromium chromium-driver)"
        );
        return;
    }
    let app = common::spawn().await;
    let t = app.tree().await;
    app.user("gdadmin", "admin", t.province).await;

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
