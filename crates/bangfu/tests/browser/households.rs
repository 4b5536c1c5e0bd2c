//! The household journeys in a real headless Chromium, driven through
//! chromedriver:
//!
//! 1. A worker applies online on a phone (一键申报), checks the progress with
//!    ID and phone; an officer reviews with the home visit and starts the
//!    notice; a county reviewer approves, which files the household; the
//!    worker then sees the file number.
//! 2. An officer files a household by hand, types six months into the income
//!    grid with the Tab key, sees the identification change, and reveals the
//!    full ID number with a reason.
//! 3. An officer imports households from Excel: a file with one mistyped ID
//!    check digit is refused with the error list (sheet, row, column,
//!    reason) and writes nothing; the corrected file imports all three.
//!
//! With `BANGFU_SCREENSHOTS=1` the journeys write `docs/screenshots/apply-phone.png`
//! and `docs/screenshots/household.png`.
//!
//! Skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1`.

use crate::common;

use common::{
    browser::*, id_number, import_household_row, with_wrong_check, IMPORT_HOUSEHOLD_HEADERS,
    IMPORT_INCOME_HEADERS, IMPORT_MEMBER_HEADERS,
};

use bangfu_service::Settings;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

/// How the pages show an ID number without a reason given: 4 + 10 stars + 4.
fn masked(id: &str) -> String {
    format!("{}{}{}", &id[..4], "*".repeat(10), &id[14..])
}

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

/// The tree of the API tests, a grassroots union, the line, and the staff:
/// `officer` (荔湾区总工会) and the county reviewer `creviewer`.
async fn setup() -> (common::TestApp, common::Tree, i64) {
    let app = common::spawn_with(Settings {
        notice_days: 0,
        ..Settings::default()
    })
    .await;
    let t = app.tree().await;
    let g = app.grassroots().await;
    // 低保 800 元 from well before the months the journeys use.
    app.user("cityadmin", "admin", t.city).await;
    let admin = app.api_as("cityadmin").await;
    common::set_line(&admin, "440100", &month_back(14), 80_000).await;
    app.user("officer", "officer", t.county_a).await;
    app.user("creviewer", "reviewer", t.county_a).await;
    (app, t, g)
}

// ---------------------------------------------------------------------------
// Journey 1: apply online on a phone, review, notice, approval
// ---------------------------------------------------------------------------

const APPLICANT_ID17: &str = "44010319850612345";
const APPLICANT_PHONE: &str = "13800138000";

async fn apply_journey(b: &Browser, base: &str) -> R<()> {
    let c: &Client = b;
    let id = id_number(APPLICANT_ID17);

    // A worker opens the form on a phone.
    use_screen(b, Screen::Phone).await?;
    goto(c, base, "/apply").await?;
    wait_in(c, "h1", "困难职工建档申请").await?;
    let inner = c
        .execute("return window.innerWidth;", vec![])
        .await
        .map_err(err("innerWidth"))?;
    if inner.as_u64() != Some(390) {
        return Err(format!("the phone's page is {inner} px wide, not 390"));
    }

    // Finds the union by name inside the form and picks it.
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

    // Fills in the form.
    fill(c, "#a-name", "陈建国").await?;
    fill(c, "#a-id", &id).await?;
    fill(c, "#a-phone", APPLICANT_PHONE).await?;
    fill(c, "#a-address", "广州市荔湾区多宝路 12 号").await?;
    fill(c, "#a-employer", "荔湾区机械厂").await?;
    tick(c, "#apply-form input[name=causes][value=illness]").await?;
    let labour = c
        .find_all(Locator::Css("#apply-form input[name=labour]"))
        .await
        .map_err(err("labour inputs"))?;
    if labour.len() != 6 {
        return Err(format!("the form asks for {} months, not 6", labour.len()));
    }
    for el in &labour {
        el.send_keys("600").await.map_err(err("labour income"))?;
    }
    let medical = c
        .find_all(Locator::Css("#apply-form input[name=medical]"))
        .await
        .map_err(err("medical inputs"))?;
    for el in medical.iter().take(2) {
        el.send_keys("150").await.map_err(err("medical"))?;
    }
    // The filled form fits the phone: only the income table scrolls, inside its frame.
    let wide = content_width(c).await?;
    if wide > 390 {
        return Err(format!(
            "the filled form is {wide} px wide on a 390 px phone: the page scrolls sideways"
        ));
    }
    // For the picture: the table scrolled back to its months, no cursor.
    c.execute(
        "document.activeElement && document.activeElement.blur(); \
         document.querySelectorAll('.table-wrap').forEach(function (w) { w.scrollLeft = 0; });",
        vec![],
    )
    .await
    .map_err(err("reset the table's scroll"))?;
    screenshot(b, Screen::Phone, "apply-phone.png").await?;

    // Agrees to the verification, sends it and gets the application number.
    tick(c, "#apply-form input[name=consent]").await?;
    click(c, "#apply-form .form-actions button[type=submit]").await?;
    let number = wait_in(c, "#application-no", "SQ").await?;
    wait_in(c, "h1", "申请已提交").await?;
    // The notice is as configured (none in this test), not a fixed 7 days.
    wait_in(c, "#apply-next", "经公示和审批后建档").await?;

    // Checks the progress with ID and phone.
    click_link(c, "查询办理进度").await?;
    wait_path(c, "the status page", |p| p == "/apply/status").await?;
    fill(c, "#s-id", &id).await?;
    fill(c, "#s-phone", APPLICANT_PHONE).await?;
    submit(c, "#status-form").await?;
    let card = wait_in(c, "main .card h2", &number).await?;
    if !card.contains("待基层审核") {
        return Err(format!("the status shows “{card}”, not 待基层审核"));
    }

    // The officer of the county union, at a desk.
    use_screen(b, Screen::Desktop).await?;
    login(c, base, "officer").await?;
    click(c, "nav.sidebar a[href='/applications']").await?;
    wait_path(c, "the list of applications", |p| p == "/applications").await?;
    wait_in(c, "h1", "建档申请").await?;
    wait_in(c, "#results", "陈建国").await?;
    click_link(c, &number).await?;
    let app_path = wait_path(c, "the application", |p| {
        p.strip_prefix("/applications/")
            .is_some_and(|id| id.parse::<i64>().is_ok())
    })
    .await?;
    wait_in(c, "h1", "陈建国 的建档申请").await?;
    wait_in(c, "h1 .badge", "待基层审核").await?;
    // The identification on the application's data.
    wait_in(c, "main .card .alert", "符合建档条件（条件一）").await?;
    wait_in(c, "main", &masked(&id)).await?;

    // The home visit: 一看、二问、三讲.
    fill(c, "#r-seen", "两居室，家具陈旧，无大件家电").await?;
    fill(c, "#r-asked", "本人慢性病长期服药，月工资 600 元").await?;
    fill(c, "#r-explained", "讲解了医疗互助和金秋助学政策").await?;
    submit(c, "#review-form").await?;
    wait_in(
        c,
        "main .alert.success",
        "已完成基层审核（入户核查），下一步：开始公示。",
    )
    .await?;
    wait_in(c, "h1 .badge", "待公示").await?;
    wait_in(c, "ol.steps", "一看（住房、生活条件）：两居室").await?;

    // Starts the notice, answering its question.
    submit_confirmed(c, "#notice-form", "确认开始公示").await?;
    wait_in(c, "main .alert.success", "已开始公示").await?;
    wait_in(c, "h1 .badge", "公示中").await?;
    // The officer cannot approve.
    if c.find(Locator::Css("#approve-form")).await.is_ok() {
        return Err("the officer is offered the approval".into());
    }
    logout(c).await?;

    // The county reviewer approves.
    login(c, base, "creviewer").await?;
    click(c, "nav.sidebar a[href='/applications']").await?;
    wait_path(c, "the list of applications", |p| p == "/applications").await?;
    wait_in(c, "#results", &number).await?;
    click_link(c, &number).await?;
    wait_path(c, "the application", |p| p == app_path).await?;
    wait_in(c, "h1 .badge", "公示中").await?;
    fill(c, "#approve-form input[name=note]", "经核实情况属实").await?;
    submit_confirmed(c, "#approve-form", "确认批准并建档").await?;

    // Lands on the new file with its identification.
    wait_path(c, "the new household file", |p| {
        p.strip_prefix("/households/")
            .is_some_and(|id| id.parse::<i64>().is_ok())
    })
    .await?;
    wait_in(c, "h1", "陈建国").await?;
    let headline = wait_in(c, "#identification .alert strong", "符合建档条件").await?;
    if !headline.contains("条件一") {
        return Err(format!("the file's identification reads “{headline}”"));
    }
    wait_in(c, "#identification", "已录入 6 个月").await?;
    let file_no = cell_after(c, "档案编号").await?;
    if !file_no.starts_with("440103") {
        return Err(format!("档案编号 reads “{file_no}”"));
    }
    wait_in(c, "main nav", &file_no).await?;
    logout(c).await?;

    // The worker, on the phone again, sees the file number.
    use_screen(b, Screen::Phone).await?;
    goto(c, base, "/apply/status").await?;
    fill(c, "#s-id", &id).await?;
    fill(c, "#s-phone", APPLICANT_PHONE).await?;
    submit(c, "#status-form").await?;
    let card = wait_in(c, "main .card h2", "已批准建档").await?;
    if !card.contains(&number) {
        return Err(format!("the status card reads “{card}”"));
    }
    wait_in(
        c,
        "main .card .alert.success",
        &format!("已建档，档案编号 {file_no}。"),
    )
    .await?;
    wait_in(c, "main .card ol", "批准建档").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_applies_on_a_phone_and_the_approval_files_the_household() {
    if !browser_available() {
        return;
    }
    let (app, _, grassroots) = setup().await;
    let base = app.base.clone();
    in_browser("apply", |b| async move {
        let outcome = apply_journey(&b, &base).await;
        (b, outcome)
    })
    .await;

    // What the browser did is in the database.
    let api = app.api_as("officer").await;
    let (_, list) = api.get("/api/v1/applications").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["status"], "approved", "{list}");
    assert_eq!(list["items"][0]["union_id"], grassroots, "{list}");
    let (_, households) = api.get("/api/v1/households?q=陈建国").await;
    assert_eq!(households["total"], 1, "{households}");
}

// ---------------------------------------------------------------------------
// Journey 2: file a household by hand, record incomes, reveal the ID
// ---------------------------------------------------------------------------

const WORKER_ID17: &str = "44010319720315262";
const WORKER_PHONE: &str = "13712345678";

async fn household_journey(b: &Browser, base: &str) -> R<String> {
    let c: &Client = b;
    use_screen(b, Screen::Desktop).await?;
    let id = id_number(WORKER_ID17);
    login(c, base, "officer").await?;

    // 困难职工档案 → 新建档案.
    click(c, "nav.sidebar a[href='/households']").await?;
    wait_path(c, "the households list", |p| p == "/households").await?;
    wait_in(c, "h1", "困难职工档案").await?;
    click(c, ".page-header .actions a[href='/households/new']").await?;
    wait_in(c, "h1", "新建困难职工档案").await?;

    fill(c, "#f-name", "王秀兰").await?;
    fill(c, "#f-id", &id).await?;
    fill(c, "#f-phone", WORKER_PHONE).await?;
    fill(c, "#f-address", "广州市荔湾区中山八路 3 号").await?;
    fill(c, "#f-employer", "广州纺织厂").await?;
    tick(c, "#household-form input[name=causes][value=unemployment]").await?;
    tick(c, "#household-form input[name=causes][value=illness]").await?;
    submit(c, "#household-form").await?;

    let file_path = wait_path(c, "the new file", |p| {
        p.strip_prefix("/households/")
            .is_some_and(|id| id.parse::<i64>().is_ok())
    })
    .await?;
    wait_in(c, "h1", "王秀兰").await?;
    wait_in(c, "main .alert.success", "请录入近几个月的家庭收入").await?;
    let before = wait_in(c, "#identification .alert strong", "收入数据不足").await?;
    wait_in(c, "#identification", "没有收入记录").await?;
    if c.find(Locator::Css("#identification table.data"))
        .await
        .is_ok()
    {
        return Err(format!(
            "“{before}” but the identification shows a month table"
        ));
    }

    // 录入月收入: the 12-month grid.
    click_link(c, "录入月收入").await?;
    wait_path(c, "the income grid", |p| {
        p == format!("{file_path}/incomes")
    })
    .await?;
    wait_in(c, "h1", "录入月收入 · 王秀兰").await?;
    wait_in(c, "main .alert", "收入数据不足").await?;
    let months = values(c, "#incomes-form input[name=month]").await?;
    if months.len() != 12 {
        return Err(format!("the grid has {} months, not 12", months.len()));
    }
    // The six months before the current one (the last row) …
    let filled: Vec<String> = months[5..11].to_vec();
    // … typed in one go, moving from cell to cell with Tab:
    // wages, business, property, transfer, medical, schooling, emergency.
    let tab: &str = &Key::Tab;
    let row = format!("600{tab}{tab}{tab}50{tab}120{tab}{tab}{tab}");
    let keys = row.repeat(6);
    let first = c
        .find_all(Locator::Css("#incomes-form input[name=wages]"))
        .await
        .map_err(err("wages inputs"))?;
    first[5].click().await.map_err(err("first wages cell"))?;
    first[5]
        .send_keys(&keys)
        .await
        .map_err(err("type the grid"))?;
    // The keys went where a clerk expects them.
    for (name, want) in [
        ("wages", "600"),
        ("business", ""),
        ("property", ""),
        ("transfer", "50"),
        ("medical", "120"),
        ("schooling", ""),
        ("emergency", ""),
    ] {
        let got = values(c, &format!("#incomes-form input[name={name}]")).await?;
        for (i, v) in got.iter().enumerate() {
            let expected = if (5..11).contains(&i) { want } else { "" };
            if v != expected {
                return Err(format!(
                    "after typing with Tab, {name} of {} holds “{v}”, expected “{expected}”",
                    months[i]
                ));
            }
        }
    }
    submit(c, "#incomes-form").await?;

    // Back on the file: the identification has changed.
    wait_path(c, "the file after saving incomes", |p| p == file_path).await?;
    wait_in(c, "main .alert.success", "月收入已保存，识别结论已更新。").await?;
    let after = wait_in(c, "#identification .alert strong", "符合建档条件").await?;
    if after != "符合建档条件（条件一）" {
        return Err(format!("the headline reads “{after}”"));
    }
    let ident = wait_in(c, "#identification", "已录入 6 个月").await?;
    if !ident.contains(&format!("识别窗口：{} 至 {}", filled[0], filled[5])) {
        return Err(format!(
            "the window is not {} 至 {}:\n{ident}",
            filled[0], filled[5]
        ));
    }
    let rows = c
        .find_all(Locator::Css("#identification table.data tbody tr"))
        .await
        .map_err(err("month table"))?;
    if rows.len() != 6 {
        return Err(format!("the month table has {} rows:\n{ident}", rows.len()));
    }
    for (row, month) in rows.iter().zip(&filled) {
        let cells: Vec<String> = {
            let mut v = Vec::new();
            for td in row
                .find_all(Locator::Css("td"))
                .await
                .map_err(err("cells"))?
            {
                v.push(td.text().await.map_err(err("cell"))?);
            }
            v
        };
        let want = [
            month.as_str(),
            "650.00",
            "120.00",
            "650.00",
            "530.00",
            "800.00",
            "1,200.00（1.5 倍）",
        ];
        if cells != want {
            return Err(format!(
                "the month table row reads {cells:?}, expected {want:?}"
            ));
        }
    }
    if !ident.contains("应推荐申请低保") {
        return Err(format!("no referral for 低保 below the line:\n{ident}"));
    }

    // The masked ID, until a reason is given.
    let shown = cell_after(c, "身份证号码").await?;
    if shown != masked(&id) {
        return Err(format!("身份证号码 reads “{shown}” before any reason"));
    }
    if c.source().await.map_err(err("source"))?.contains(&id) {
        return Err("the full ID number is in the page before any reason".into());
    }
    screenshot(b, Screen::Desktop, "household.png").await?;

    fill(c, "#reveal-form input[name=reason]", "核对医疗救助资格").await?;
    submit(c, "#reveal-form").await?;
    wait_in(c, "main", "完整信息仅本次显示").await?;
    let shown = cell_after(c, "身份证号码").await?;
    if shown != id {
        return Err(format!(
            "身份证号码 reads “{shown}” after revealing, not {id}"
        ));
    }
    let phone = cell_after(c, "联系电话").await?;
    if phone != WORKER_PHONE {
        return Err(format!("联系电话 reads “{phone}” after revealing"));
    }
    if c.find(Locator::Css("#reveal-form")).await.is_ok() {
        return Err("the reveal form is still offered after revealing".into());
    }
    Ok(file_path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_files_a_household_records_incomes_and_reveals_the_id() {
    if !browser_available() {
        return;
    }
    let (app, t, _) = setup().await;
    let base = app.base.clone();
    let file_path = in_browser("household", |b| async move {
        let outcome = household_journey(&b, &base).await;
        (b, outcome)
    })
    .await;

    // What the browser did is in the database.
    let hid: i64 = file_path
        .trim_start_matches("/households/")
        .parse()
        .expect("household id");
    let api = app.api_as("officer").await;
    let (code, h) = api.get(&format!("/api/v1/households/{hid}")).await;
    assert_eq!(code, 200, "{h}");
    assert_eq!(h["household"]["worker_name"], "王秀兰", "{h}");
    assert_eq!(h["incomes"].as_array().map(Vec::len), Some(6), "{h}");
    assert_eq!(h["identification"]["eligible"], true, "{h}");
    // The look at the full ID is on record with its reason, without the number.
    app.user("auditor", "auditor", t.province).await;
    let auditor = app.api_as("auditor").await;
    let (code, log) = auditor.get("/api/v1/audit?action=reveal_identity").await;
    assert_eq!(code, 200, "{log}");
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["actor_username"], "officer", "{log}");
    assert_eq!(log["items"][0]["object_id"], hid.to_string(), "{log}");
    assert_eq!(
        common::audit_json(&log["items"][0]["after"])["reason"],
        "核对医疗救助资格"
    );
    assert!(
        !log.to_string().contains(&id_number(WORKER_ID17)),
        "the log keeps no full ID"
    );
}

// ---------------------------------------------------------------------------
// Journey 3: import from Excel, one bad row, then the corrected file
// ---------------------------------------------------------------------------

/// The three workers of the import, and the one filed before it.
const IMPORTED: [(&str, &str); 3] = [
    ("林小梅", "44010319780214021"),
    ("赵大勇", "44010319750930113"),
    ("孙丽华", "44010319820708264"),
];
const ALREADY_FILED: (&str, &str) = ("周建华", "44010319700101335");

/// A workbook in the import's format: 家庭 with `households` (name, ID),
/// an empty 成员, and 收入 with six months for each household whose ID is
/// in `with_income`.
fn import_workbook(households: &[(&str, String)], with_income: &[String]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut sheet = |name: &str, rows: Vec<Vec<String>>| {
        let ws = book.add_worksheet();
        ws.set_name(name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (
                    u32::try_from(r).expect("row"),
                    u16::try_from(c).expect("col"),
                );
                ws.write_string(r, c, v).expect("cell");
            }
        }
    };
    let strings = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let mut hh = vec![strings(&IMPORT_HOUSEHOLD_HEADERS)];
    for (name, id) in households {
        hh.push(import_household_row(name, id));
    }
    let mut inc = vec![strings(&IMPORT_INCOME_HEADERS)];
    for id in with_income {
        for m in 1..=6 {
            inc.push(strings(&[
                id,
                &format!("2019-{m:02}"),
                "1200",
                "0",
                "0",
                "100",
                "50.5",
                "",
                "",
            ]));
        }
    }
    sheet("家庭", hh);
    sheet("成员", vec![strings(&IMPORT_MEMBER_HEADERS)]);
    sheet("收入", inc);
    book.save_to_buffer().expect("workbook")
}

/// A directory of files to upload, removed on drop.
struct UploadDir(std::path::PathBuf);

impl UploadDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "bangfu-upload-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("upload dir");
        UploadDir(dir)
    }

    /// Writes `bytes` as `name` and returns its absolute path.
    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let file = self.0.join(name);
        std::fs::write(&file, bytes).expect("write the upload");
        file.canonicalize()
            .expect("absolute path")
            .display()
            .to_string()
    }
}

impl Drop for UploadDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fetches `href` with the browser's session (as a click on the link
/// would) and answers (status, content type, first bytes as text, size).
async fn fetch_in_page(c: &Client, href: &str) -> R<(u64, String, String, u64)> {
    let v = c
        .execute_async(
            "var href = arguments[0], done = arguments[arguments.length - 1];
             fetch(href, { credentials: 'same-origin' })
               .then(function (r) {
                 return r.arrayBuffer().then(function (b) {
                   var u = new Uint8Array(b);
                   done({ status: r.status, type: r.headers.get('content-type') || '',
                          head: String.fromCharCode.apply(null, u.slice(0, 4)), size: u.length });
                 });
               })
               .catch(function (e) { done({ error: String(e) }); });",
            vec![json!(href)],
        )
        .await
        .map_err(err(&format!("fetch {href}")))?;
    if let Some(e) = v.get("error") {
        return Err(format!("fetch {href}: {e}"));
    }
    Ok((
        v["status"].as_u64().unwrap_or(0),
        v["type"].as_str().unwrap_or_default().to_owned(),
        v["head"].as_str().unwrap_or_default().to_owned(),
        v["size"].as_u64().unwrap_or(0),
    ))
}

/// Checks that the link `css` downloads an .xlsx (a zip: starts with PK).
async fn link_downloads_xlsx(c: &Client, css: &str) -> R<()> {
    let href = c
        .find(Locator::Css(css))
        .await
        .map_err(err(css))?
        .prop("href")
        .await
        .map_err(err(css))?
        .ok_or_else(|| format!("{css} has no href"))?;
    let (status, kind, head, size) = fetch_in_page(c, &href).await?;
    if status != 200 || !kind.contains("spreadsheetml") || !head.starts_with("PK") || size < 100 {
        return Err(format!(
            "{href} answered {status} {kind}, {size} bytes starting “{head}”: not an .xlsx"
        ));
    }
    Ok(())
}

/// The text of each cell of each row of `css` (a `tbody tr` selector).
async fn table_rows(c: &Client, css: &str) -> R<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for tr in c.find_all(Locator::Css(css)).await.map_err(err(css))? {
        let mut row = Vec::new();
        for td in tr
            .find_all(Locator::Css("td"))
            .await
            .map_err(err("cells"))?
        {
            row.push(td.text().await.map_err(err("cell"))?);
        }
        out.push(row);
    }
    Ok(out)
}

/// Opens 困难职工档案 from the menu and waits for its total “共 N 户”.
async fn open_households(c: &Client, total: usize) -> R<String> {
    click(c, "nav.sidebar a[href='/households']").await?;
    wait_path(c, "the households list", |p| p == "/households").await?;
    wait_in(c, "h1", "困难职工档案").await?;
    wait_in(c, "#results", &format!("共 {total} 户")).await
}

/// 困难职工档案 → 导入 Excel.
async fn open_import(c: &Client) -> R<()> {
    click_link(c, "导入 Excel").await?;
    wait_path(c, "the import page", |p| p == "/households/import").await?;
    wait_in(c, "h1", "从 Excel 导入困难职工档案").await?;
    Ok(())
}

/// Chooses `file` (an absolute path) in the import form and sends it.
async fn upload_file(c: &Client, file: &str) -> R<()> {
    c.find(Locator::Css("#import-form input[type=file]"))
        .await
        .map_err(err("the file input"))?
        .send_keys(file)
        .await
        .map_err(err("choose the file"))?;
    submit(c, "#import-form").await
}

async fn import_journey(b: &Browser, base: &str, bad_file: &str, good_file: &str) -> R<()> {
    let c: &Client = b;
    use_screen(b, Screen::Desktop).await?;
    login(c, base, "officer").await?;

    // 困难职工档案: one household on file so far.
    let list = open_households(c, 1).await?;
    if !list.contains(ALREADY_FILED.0) {
        return Err(format!(
            "the list does not show {}:\n{list}",
            ALREADY_FILED.0
        ));
    }
    open_import(c).await?;
    let chosen = c
        .find(Locator::Css("#f-union option:checked"))
        .await
        .map_err(err("the chosen union"))?
        .text()
        .await
        .map_err(err("the chosen union"))?;
    if chosen != "荔湾区总工会" {
        return Err(format!("the import files under “{chosen}” by default"));
    }
    wait_in(c, "main .card", "全部或全不").await?;
    // The template downloads as a workbook.
    let template = ".page-header .actions a[href='/households/import/template.xlsx']";
    wait_in(c, template, "下载导入模板").await?;
    link_downloads_xlsx(c, template).await?;

    // The file with a mistyped check digit in its second household (Excel row 3).
    upload_file(c, bad_file).await?;
    wait_in(c, "#import-error-list tbody", "身份证号码").await?;
    wait_path(c, "the import's answer", |p| p == "/households/import").await?;
    wait_in(
        c,
        "#import-errors .alert.error",
        "导入文件中发现 1 处错误，未写入任何数据。请改正后重新导入。",
    )
    .await?;
    let rows = table_rows(c, "#import-error-list tbody tr").await?;
    let [row] = rows.as_slice() else {
        return Err(format!("the error list has {} rows: {rows:?}", rows.len()));
    };
    if row.len() != 4 || row[0] != "家庭" || row[1] != "3" || row[2] != "身份证号码" {
        return Err(format!(
            "the error reads {row:?}, expected 家庭 | 3 | 身份证号码 | …"
        ));
    }
    let reason = &row[3];
    if !reason.contains("校验位")
        || !reason
            .chars()
            .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))
    {
        return Err(format!("the reason reads “{reason}”"));
    }
    // The error list downloads too.
    link_downloads_xlsx(c, "#import-errors a[href$='/errors.xlsx']").await?;

    // Nothing was written: the total is unchanged, no imported name listed.
    click_link(c, "返回列表").await?;
    wait_path(c, "the households list", |p| p == "/households").await?;
    let list = wait_in(c, "#results", "共 1 户").await?;
    for (name, _) in IMPORTED {
        if list.contains(name) {
            return Err(format!(
                "{name} is on the list after a refused import:\n{list}"
            ));
        }
    }

    // The corrected file.
    open_import(c).await?;
    upload_file(c, good_file).await?;
    let result = wait_in(c, "#import-result", "导入 3 户").await?;
    if !result.contains("已从“三户.xlsx”导入 3 户困难职工档案") || !result.contains("荔湾区总工会")
    {
        return Err(format!("the result reads “{result}”"));
    }
    if c.find(Locator::Css("#import-error-list")).await.is_ok() {
        return Err("the success page still shows an error list".into());
    }
    click_link(c, "查看档案列表").await?;
    wait_path(c, "the households list", |p| p == "/households").await?;
    let list = wait_in(c, "#results", "共 4 户").await?;
    for (name, _) in IMPORTED.iter().chain([&ALREADY_FILED]) {
        if !list.contains(name) {
            return Err(format!("{name} is not on the list:\n{list}"));
        }
    }
    // And from the menu, without the link's filter.
    open_households(c, 4).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_with_one_bad_row_shows_the_error_list() {
    if !browser_available() {
        return;
    }
    let (app, _, _) = setup().await;
    let api = app.api_as("officer").await;
    let (code, body) = api
        .send(
            "POST",
            "/api/v1/households",
            json!({
                "worker_name": ALREADY_FILED.0,
                "worker_id_number": id_number(ALREADY_FILED.1),
                "phone": "13800138000",
                "address": "广州市荔湾区多宝路 12 号 3 栋 401",
                "employer": "广州某纺织厂",
                "employer_kind": "state_owned",
                "employment": "laid_off",
                "labour_capacity": "partial",
                "health": "chronic",
                "causes": ["illness"],
                "category": "near_dibao",
                "tier": "national",
                "members": [],
            }),
        )
        .await;
    assert!(code == 200 || code == 201, "{code} {body}");

    let ids: Vec<String> = IMPORTED.iter().map(|(_, id)| id_number(id)).collect();
    let incomes = [ids[0].clone(), ids[2].clone()];
    let dir = UploadDir::new();
    let bad: Vec<(&str, String)> = IMPORTED
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(n, ((name, _), id))| {
            let id = if n == 1 {
                with_wrong_check(id)
            } else {
                id.clone()
            };
            (*name, id)
        })
        .collect();
    let bad_file = dir.write("三户-有错.xlsx", &import_workbook(&bad, &incomes));
    let good: Vec<(&str, String)> = IMPORTED
        .iter()
        .zip(&ids)
        .map(|((name, _), id)| (*name, id.clone()))
        .collect();
    let good_file = dir.write("三户.xlsx", &import_workbook(&good, &incomes));

    let base = app.base.clone();
    in_browser("import", |b| async move {
        let outcome = import_journey(&b, &base, &bad_file, &good_file).await;
        (b, outcome)
    })
    .await;

    // What the browser did is in the database: the three, once.
    assert_eq!(api.total("/api/v1/households").await, 4);
    for id in &ids {
        let (_, found) = api.get(&format!("/api/v1/households?q={id}")).await;
        assert_eq!(found["total"], 1, "{found}");
    }
}

// ---------------------------------------------------------------------------
// The printed card: one A4 page for five people and twelve months
// ---------------------------------------------------------------------------

/// How many pages a PDF has: its `/Type /Page` objects (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

/// The page as Chromium prints it (its `@page` size and margins), as PDF bytes.
async fn print_to_pdf(b: &Browser) -> R<Vec<u8>> {
    use base64::Engine as _;
    let v = cdp(
        b,
        "Page.printToPDF",
        json!({ "preferCSSPageSize": true, "printBackground": true }),
    )
    .await?;
    let data = v["data"].as_str().ok_or("printToPDF: no data")?;
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(err("printToPDF data"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_print_card_of_five_people_and_twelve_months_fits_one_a4_page() {
    if !browser_available() {
        return;
    }
    let (app, t, _) = setup().await;
    // A twelve-month window: the longest card the rule prints.
    let admin = app.api_as("cityadmin").await;
    let got = admin
        .send(
            "PUT",
            "/api/v1/params",
            json!({ "division_code": "440100", "window_months": 12, "multiple_k": 5,
                    "baseline_cutoff": "2016-10-31" }),
        )
        .await;
    assert_eq!(got.0, 200, "{}", got.1);
    let officer = app.api_as("officer").await;
    let mut body = common::household("欧阳建华", &id_number("44010319700101123"), t.county_a);
    body["address"] = json!("广州市荔湾区芳村大道中 318 号花地湾小区 7 栋 2 单元 1204 房");
    body["employer"] = json!("广州市荔湾区某某纺织品进出口有限公司");
    body["causes"] = json!(["illness", "schooling", "unemployment", "disaster"]);
    body["members"] = json!([
        common::member("李秀芬", &id_number("44010319720305124"), "spouse"),
        common::member("欧阳小明", &id_number("44010320100708111"), "child"),
        common::member("欧阳小红", &id_number("44010320121111122"), "child"),
        common::member("欧阳大山", &id_number("44010319450202113"), "parent"),
    ]);
    let hid = common::file(&officer, body).await;
    let months: Vec<_> = (1..=12)
        .map(|n| {
            json!({ "month": month_back(n), "wages_fen": 180_000, "business_fen": 12_345,
                    "transfer_fen": 50_000, "medical_fen": 123_456, "schooling_fen": 88_800,
                    "emergency_fen": 10_000 })
        })
        .collect();
    common::save_incomes(&officer, hid, months).await;

    let base = app.base.clone();
    let pages = in_browser("print-card", |b| async move {
        let outcome = async {
            login(&b, &base, "officer").await?;
            goto(&b, &base, &format!("/households/{hid}/print")).await?;
            let status = wait_in(&b, "#file-status", "在档").await?;
            let rows = b
                .find_all(Locator::Css("#print-months tr"))
                .await
                .map_err(err("month rows"))?
                .len();
            if rows != 13 {
                return Err(format!(
                    "{rows} rows in the months table, expected 12 and a header"
                ));
            }
            let pdf = print_to_pdf(&b).await?;
            if let Ok(dir) = std::env::var("BANGFU_PRINT_PDF") {
                let _ = std::fs::write(std::path::Path::new(&dir).join("print-card.pdf"), &pdf);
            }
            Ok::<_, String>((status, pdf_pages(&pdf)))
        }
        .await;
        (b, outcome)
    })
    .await;
    assert_eq!(pages.0.trim(), "在档");
    assert_eq!(pages.1, 1, "the card prints on one A4 page");
}
