//! The browser harness shared by the browser tests: chromedriver as a child
//! process, a Chromium session with a DevTools door (phone-sized screens,
//! whole-page screenshots), and page helpers that wait explicitly instead of
//! sleeping.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const WAIT: Duration = Duration::from_secs(15);

pub type R<T> = Result<T, String>;

pub fn err<E: std::fmt::Debug>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e:?}")
}

// ---------------------------------------------------------------------------
// chromedriver and the browser session (as in browser.rs)
// ---------------------------------------------------------------------------

/// chromedriver as a child process, killed (with its profile removed) on drop.
pub struct Driver {
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

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

pub async fn start_driver() -> R<Driver> {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(err("start chromedriver"))?;
    let profile = std::env::temp_dir().join(format!("bangfu-chrome-{}", super::unique()));
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
        super::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn connect(driver: &Driver) -> R<Client> {
    let mut options = json!({
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            "--window-size=1280,900",
            "--lang=zh-CN",
            format!("--user-data-dir={}", driver.profile.display()),
        ],
    });
    if std::path::Path::new(CHROMIUM).exists() {
        options["binary"] = json!(CHROMIUM);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert("goog:chromeOptions".into(), options);
    // Dialogs (data-confirm) are answered by the test, never dismissed behind its back.
    caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .map_err(err("new WebDriver session"))
}

/// Whether the browser tests run here; prints why not when they are skipped.
pub fn browser_available() -> bool {
    if std::path::Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    if std::env::var("BANGFU_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("BANGFU_REQUIRE_BROWSER=1 but {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
    }
    // Written past the test harness's capture so the skip shows in the run's output.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED browser test: {CHROMEDRIVER} not found (apt-get install chromium chromium-driver)"
    );
    false
}

/// A browser session, and chromedriver's door to the DevTools protocol for
/// what WebDriver cannot do: a real 390 px phone screen (headless Chromium
/// will not make a window narrower than 500 px) and whole-page screenshots.
pub struct Browser {
    client: Client,
    cdp: String,
}

impl std::ops::Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Runs `journey` in a fresh browser; on failure keeps a screenshot in /tmp
/// and panics with what the journey was waiting for.
pub async fn in_browser<T, F, Fut>(name: &str, journey: F) -> T
where
    F: FnOnce(Browser) -> Fut,
    Fut: std::future::Future<Output = (Browser, R<T>)>,
{
    let driver = start_driver().await.expect("chromedriver");
    let client = connect(&driver).await.expect("browser session");
    let session = client
        .session_id()
        .await
        .expect("session id")
        .expect("a W3C session");
    let browser = Browser {
        client,
        cdp: format!(
            "http://127.0.0.1:{}/session/{session}/goog/cdp/execute",
            driver.port
        ),
    };
    let (browser, outcome) = journey(browser).await;
    if outcome.is_err() {
        if let Ok(png) = browser.screenshot().await {
            let file = std::env::temp_dir().join(format!("bangfu-{name}.png"));
            let _ = std::fs::write(&file, png);
        }
    }
    let _ = browser.client.close().await;
    drop(driver);
    match outcome {
        Ok(t) => t,
        Err(e) => panic!("browser journey “{name}”: {e}\n(screenshot: /tmp/bangfu-{name}.png)"),
    }
}

/// A DevTools command through chromedriver.
pub async fn cdp(b: &Browser, cmd: &str, params: serde_json::Value) -> R<serde_json::Value> {
    let res = reqwest::Client::new()
        .post(&b.cdp)
        .json(&json!({ "cmd": cmd, "params": params }))
        .send()
        .await
        .map_err(err(cmd))?;
    let status = res.status();
    let body: serde_json::Value = res.json().await.map_err(err(cmd))?;
    if !status.is_success() {
        return Err(format!("{cmd}: {status} {body}"));
    }
    Ok(body["value"].clone())
}

#[derive(Clone, Copy, Debug)]
pub enum Screen {
    /// 390×844, a phone's screen with its `width=device-width` viewport.
    Phone,
    /// 1280×900, an office's monitor.
    Desktop,
}

impl Screen {
    fn size(self) -> (u32, u32) {
        match self {
            Screen::Phone => (390, 844),
            Screen::Desktop => (1280, 900),
        }
    }
}

/// Emulates `screen` at `height` CSS pixels high.
pub async fn emulate(b: &Browser, screen: Screen, height: u32) -> R<()> {
    cdp(
        b,
        "Emulation.setDeviceMetricsOverride",
        json!({
            "width": screen.size().0,
            "height": height,
            "deviceScaleFactor": 1,
            "mobile": matches!(screen, Screen::Phone),
        }),
    )
    .await
    .map(|_| ())
}

/// Switches to `screen`.
pub async fn use_screen(b: &Browser, screen: Screen) -> R<()> {
    emulate(b, screen, screen.size().1).await
}

/// How wide the page's content is, in CSS pixels; wider than the screen
/// means it scrolls sideways (or, on a phone, is shown zoomed out).
pub async fn content_width(c: &Client) -> R<u64> {
    let v = c
        .execute(
            "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);",
            vec![],
        )
        .await
        .map_err(err("content width"))?;
    Ok(v.as_u64().unwrap_or(0))
}

/// Fails when the page scrolls sideways on a 390 px phone; `what` names
/// the page in the failure.
pub async fn fits_a_phone(b: &Browser, what: &str) -> R<()> {
    let width = content_width(b).await?;
    if width > 390 {
        return Err(format!("{what} is {width} px wide on a 390 px phone"));
    }
    Ok(())
}

/// With `BANGFU_SCREENSHOTS=1`, writes the whole page (not only what fits
/// on the screen) as `screen` shows it to `docs/screenshots/{name}`.
pub async fn screenshot(b: &Browser, screen: Screen, name: &str) -> R<()> {
    if std::env::var("BANGFU_SCREENSHOTS").as_deref() != Ok("1") {
        return Ok(());
    }
    let full = b
        .execute(
            "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);",
            vec![],
        )
        .await
        .map_err(err("page height"))?
        .as_u64()
        .unwrap_or(0) as u32;
    emulate(b, screen, full.clamp(screen.size().1, 10_000)).await?;
    let png = b.screenshot().await.map_err(err("screenshot"));
    use_screen(b, screen).await?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&dir).map_err(err("docs/screenshots"))?;
    std::fs::write(dir.join(name), png?).map_err(err(name))
}

// ---------------------------------------------------------------------------
// Page helpers: explicit waits, never fixed sleeps
// ---------------------------------------------------------------------------

/// The path of the page the browser is on.
pub async fn path(c: &Client) -> R<String> {
    let url = c.current_url().await.map_err(err("current url"))?;
    Ok(url.path().to_owned())
}

/// The visible text of the page's `<main>` (or body), for error messages.
pub async fn page_text(c: &Client) -> String {
    c.execute(
        "var m = document.querySelector('main') || document.body; return m ? m.innerText : '';",
        vec![],
    )
    .await
    .ok()
    .and_then(|v| v.as_str().map(str::to_owned))
    .unwrap_or_default()
    .chars()
    .take(2500)
    .collect()
}

/// Waits until the browser's path satisfies `ok`.
pub async fn wait_path(c: &Client, what: &str, ok: impl Fn(&str) -> bool) -> R<String> {
    let started = Instant::now();
    loop {
        let p = path(c).await?;
        if ok(&p) {
            return Ok(p);
        }
        if started.elapsed() > WAIT {
            return Err(format!(
                "waiting for {what}: still on {p}\n{}",
                page_text(c).await
            ));
        }
        super::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the element `css` exists and its visible text contains `text`;
/// returns that text.
pub async fn wait_in(c: &Client, css: &str, text: &str) -> R<String> {
    let started = Instant::now();
    loop {
        let seen = match c.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if seen.contains(text) {
            return Ok(seen);
        }
        if started.elapsed() > WAIT {
            let p = path(c).await.unwrap_or_default();
            return Err(format!(
                "waiting for “{text}” in {css} on {p}; it shows:\n{seen}\npage:\n{}",
                page_text(c).await
            ));
        }
        super::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the table cell right after the header cell `header`.
pub async fn cell_after(c: &Client, header: &str) -> R<String> {
    let xpath = format!("//th[normalize-space()='{header}']/following-sibling::td[1]");
    c.find(Locator::XPath(&xpath))
        .await
        .map_err(err(header))?
        .text()
        .await
        .map_err(err(header))
}

pub async fn goto(c: &Client, base: &str, p: &str) -> R<()> {
    c.goto(&format!("{base}{p}"))
        .await
        .map_err(err(&format!("open {p}")))
}

pub async fn click(c: &Client, css: &str) -> R<()> {
    c.find(Locator::Css(css))
        .await
        .map_err(err(css))?
        .click()
        .await
        .map_err(err(css))
}

pub async fn click_link(c: &Client, text: &str) -> R<()> {
    c.find(Locator::LinkText(text))
        .await
        .map_err(err(&format!("link “{text}”")))?
        .click()
        .await
        .map_err(err(&format!("click “{text}”")))
}

pub async fn fill(c: &Client, css: &str, value: &str) -> R<()> {
    let el = c.find(Locator::Css(css)).await.map_err(err(css))?;
    el.clear().await.map_err(err(css))?;
    el.send_keys(value).await.map_err(err(css))
}

/// Chooses an option of a `<select>` by its value.
pub async fn select(c: &Client, css: &str, value: &str) -> R<()> {
    c.find(Locator::Css(css))
        .await
        .map_err(err(css))?
        .select_by_value(value)
        .await
        .map_err(err(css))
}

/// Sets an input's value as a script would (date inputs take typed keys in
/// the browser's locale order; this does not), firing `input` and `change`.
pub async fn set_value(c: &Client, css: &str, value: &str) -> R<()> {
    c.execute(
        "var e = document.querySelector(arguments[0]); if (!e) { return false; } \
         e.value = arguments[1]; e.dispatchEvent(new Event('input', {bubbles: true})); \
         e.dispatchEvent(new Event('change', {bubbles: true})); return true;",
        vec![json!(css), json!(value)],
    )
    .await
    .map_err(err(css))?
    .as_bool()
    .filter(|found| *found)
    .map(|_| ())
    .ok_or_else(|| format!("no element {css}"))
}

pub async fn tick(c: &Client, css: &str) -> R<()> {
    let el = c.find(Locator::Css(css)).await.map_err(err(css))?;
    if !el.is_selected().await.map_err(err(css))? {
        el.click().await.map_err(err(css))?;
    }
    Ok(())
}

pub async fn submit(c: &Client, form: &str) -> R<()> {
    let css =
        format!("{form} button[type=submit], {form} input[type=submit], {form} button:not([type])");
    click(c, &css).await
}

/// Submits a form that asks “确认…？” (`data-confirm`) and answers 确定,
/// checking the question is the expected one.
pub async fn submit_confirmed(c: &Client, form: &str, question: &str) -> R<()> {
    submit(c, form).await?;
    let started = Instant::now();
    loop {
        match c.get_alert_text().await {
            Ok(asked) => {
                if !asked.contains(question) {
                    return Err(format!("{form} asked “{asked}”, expected “{question}”"));
                }
                return c.accept_alert().await.map_err(err("accept the confirm"));
            }
            Err(e) if started.elapsed() > WAIT => {
                return Err(format!("{form}: no confirm dialog appeared ({e:?})"));
            }
            Err(_) => super::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The `value` property of every element matching `css`, in document order.
pub async fn values(c: &Client, css: &str) -> R<Vec<String>> {
    let mut out = Vec::new();
    for el in c.find_all(Locator::Css(css)).await.map_err(err(css))? {
        out.push(
            el.prop("value")
                .await
                .map_err(err(css))?
                .unwrap_or_default(),
        );
    }
    Ok(out)
}

pub async fn login(c: &Client, base: &str, username: &str) -> R<()> {
    goto(c, base, "/login").await?;
    fill(c, "#login-form input[name=username]", username).await?;
    fill(c, "#login-form input[name=password]", super::PASSWORD).await?;
    submit(c, "#login-form").await?;
    wait_path(c, &format!("home after {username} logs in"), |p| p == "/").await?;
    Ok(())
}

pub async fn logout(c: &Client) -> R<()> {
    submit(c, "#logout-form").await?;
    wait_path(c, "the login page after logout", |p| p == "/login").await?;
    Ok(())
}

/// Presses `key` (a character, or a `fantoccini::key::Key` as a char) on
/// whatever has the focus, as the keyboard does.
pub async fn press(c: &Client, key: char) -> R<()> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.map_err(err("press a key"))?;
    c.release_actions().await.map_err(err("release the keys"))
}

/// Runs `script` (which ends in a `return`) until it returns `true`.
pub async fn wait_until(c: &Client, what: &str, script: &str) -> R<()> {
    let started = Instant::now();
    loop {
        let v = c.execute(script, vec![]).await.map_err(err(what))?;
        if v.as_bool() == Some(true) {
            return Ok(());
        }
        if started.elapsed() > WAIT {
            return Err(format!("waiting for {what}:\n{}", page_text(c).await));
        }
        super::sleep(Duration::from_millis(100)).await;
    }
}

/// The text on the page whose contrast with what is behind it is below
/// WCAG AA (4.5:1; 3:1 for large text), as "tag.class “text” ratio". Text
/// of disabled controls is exempt, as WCAG allows.
pub async fn low_contrast(c: &Client) -> R<Vec<String>> {
    let v = c
        .execute(
            r#"
function rgba(s) {
  var m = (s.match(/[\d.]+/g) || []).map(Number);
  return { r: m[0] || 0, g: m[1] || 0, b: m[2] || 0, a: m.length > 3 ? m[3] : 1 };
}
function over(top, under) {
  var a = top.a;
  return { r: top.r * a + under.r * (1 - a), g: top.g * a + under.g * (1 - a),
           b: top.b * a + under.b * (1 - a), a: 1 };
}
function lum(c) {
  function ch(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
}
function behind(el) {
  var layers = [];
  for (var e = el; e && e.nodeType === 1; e = e.parentElement) {
    var bg = rgba(getComputedStyle(e).backgroundColor);
    if (bg.a > 0) { layers.push(bg); if (bg.a >= 1) { break; } }
  }
  var c = { r: 255, g: 255, b: 255, a: 1 };
  for (var i = layers.length - 1; i >= 0; i--) { c = over(layers[i], c); }
  return c;
}
function opacity(el) {
  var o = 1;
  for (var e = el; e && e.nodeType === 1; e = e.parentElement) { o *= parseFloat(getComputedStyle(e).opacity); }
  return o;
}
var out = [];
document.querySelectorAll('body *').forEach(function (el) {
  var text = '';
  el.childNodes.forEach(function (n) { if (n.nodeType === 3) { text += n.textContent; } });
  text = text.trim();
  if (!text || el.closest('[disabled], .disabled, [aria-disabled="true"], option, script, style')) { return; }
  if (!el.getClientRects().length) { return; }
  var st = getComputedStyle(el);
  if (st.visibility === 'hidden') { return; }
  var bg = behind(el);
  var fg = rgba(st.color);
  fg.a *= opacity(el);
  fg = over(fg, bg);
  var l1 = lum(fg), l2 = lum(bg);
  var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  var size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
  var need = (size >= 24 || (size >= 18.66 && bold)) ? 3 : 4.5;
  if (ratio < need) {
    out.push(el.tagName.toLowerCase() + '.' + el.className + ' “' + text.slice(0, 30) + '” ' + ratio.toFixed(2));
  }
});
return out;
"#,
            vec![],
        )
        .await
        .map_err(err("contrast"))?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Fails with the text below WCAG AA contrast on the current page, if any.
pub async fn assert_contrast(c: &Client, page: &str) -> R<()> {
    let low = low_contrast(c).await?;
    if low.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "text below WCAG AA contrast on {page}:\n{}",
            low.join("\n")
        ))
    }
}

/// The names of the form controls in `scope` (a CSS selector) that have no
/// label: neither a `<label>` nor `aria-label` / `aria-labelledby`.
pub async fn unlabelled(c: &Client, scope: &str) -> R<Vec<String>> {
    let v = c
        .execute(
            "return Array.prototype.slice.call(document.querySelectorAll(arguments[0] + ' input, ' + arguments[0] + ' select, ' + arguments[0] + ' textarea'))\
               .filter(function (e) { return e.type !== 'hidden' && !(e.labels && e.labels.length) \
                 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'); })\
               .map(function (e) { return (e.name || e.id || e.type); });",
            vec![json!(scope)],
        )
        .await
        .map_err(err("labels"))?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// A reviewer signed in takes the open exit decision of `worker` through
/// its steps in the browser: review (with `note`), public notice, approval.
pub async fn approve_exit(c: &Client, base: &str, worker: &str, note: &str) -> R<()> {
    goto(c, base, "/exits?tab=open").await?;
    wait_in(c, "main", worker).await?;
    click(c, "#results table a[href^='/exits/']").await?;
    fill(c, "#review-form input[name=note]", note).await?;
    submit(c, "#review-form").await?;
    wait_in(c, "main", "已审核").await?;
    submit_confirmed(c, "#notice-form", "确认开始公示").await?;
    wait_in(c, "main", "已开始公示").await?;
    submit_confirmed(c, "#approve-form", "确认批准").await?;
    wait_in(c, "main", "已批准，档案状态已随之更新").await?;
    Ok(())
}
