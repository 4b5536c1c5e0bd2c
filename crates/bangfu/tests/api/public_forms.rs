//! The public forms over HTTP (issue 12, the applicant's first hour):
//!
//! - /apply comes back with everything typed when the union is looked up or
//!   a member row is added or removed (the path without JavaScript);
//! - a refused application shows every refusal at once, beside its field,
//!   and holds the documents chosen (for that browser only) so they need
//!   not be chosen again;
//! - the status check and the self-check are sent by POST with the public
//!   form's token, ignore a query string, and the server's log never holds
//!   a query string;
//! - the self-check's months follow the chosen last month, with each amount
//!   under its own month, and it offers the stored lines of a region.

use crate::common;

use common::{form_html, id_number, input_value, TestApp};

use bangfu_service::Settings;
use std::sync::{Arc, Mutex};

/// `n` months back from the current one (UTC), as `YYYY-MM`.
fn month_back(n: i32) -> String {
    let now = chrono::Utc::now().date_naive();
    let total = chrono::Datelike::year(&now) * 12 + chrono::Datelike::month(&now) as i32 - 1 - n;
    format!(
        "{:04}-{:02}",
        total.div_euclid(12),
        total.rem_euclid(12) + 1
    )
}

/// A server with the test tree, 荔湾区机械厂工会, a 低保 line of 800 元 for
/// 广州市 and an officer of 荔湾区 who reads applications through the API.
async fn setup() -> (TestApp, i64, common::Api) {
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
    let officer = app.api_as("officer").await;
    (app, g, officer)
}

/// Opens /apply with a fresh browser-like client: the client and the token
/// its form carries.
async fn open_apply(app: &TestApp) -> (reqwest::Client, String) {
    let client = app.browser_client();
    let (status, html) = app.page(&client, "/apply").await;
    assert_eq!(status, 200);
    let csrf = html
        .split("action=\"/apply?csrf=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the form posts with its token")
        .to_owned();
    (client, csrf)
}

/// Posts the application form as a browser does (multipart).
async fn post_apply(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    fields: &[(&str, String)],
    files: &[(&str, &[u8])],
) -> (u16, String) {
    // The applicant ticks the consent to verification (its own test is in
    // applications.rs).
    let mut form = reqwest::multipart::Form::new().text("consent", "2026-12");
    for (k, v) in fields {
        form = form.text(k.to_string(), v.clone());
    }
    for (name, bytes) in files {
        form = form.part(
            "files",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    let res = client
        .post(app.url(&format!("/apply?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("POST /apply");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// The `value` of every `<input name=…>` in order.
fn input_values(html: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<input") {
        let end = at + rest[at..].find('>').unwrap_or(rest.len() - at);
        let tag = &rest[at..=end.min(rest.len() - 1)];
        if common::attr(tag, "name").as_deref() == Some(name) {
            out.push(common::attr(tag, "value").unwrap_or_default());
        }
        rest = &rest[end..];
    }
    out
}

/// A complete application of 周芳 to `union`, as typed in the form.
fn complete(union: i64, id: &str) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("action", "submit".to_owned()),
        ("union_id", union.to_string()),
        ("worker_name", "周芳".into()),
        ("worker_id_number", id.to_owned()),
        ("phone", "13500135000".into()),
        ("address", "荔湾区中山八路 3 号".into()),
        ("employer_kind", "private".into()),
        ("employment", "flexible".into()),
        ("labour_capacity", "full".into()),
        ("health", "healthy".into()),
        ("causes", "schooling".into()),
    ];
    for k in (1..=6).rev() {
        f.push(("month", month_back(k)));
        f.push(("labour", "1500".into()));
        f.push(("other", String::new()));
        f.push(("medical", String::new()));
        f.push(("schooling", "800".into()));
        f.push(("emergency", String::new()));
    }
    f
}

/// One member row as the form sends it.
fn member_row(name: &str, income: &str) -> Vec<(&'static str, String)> {
    vec![
        ("m_name", name.to_owned()),
        ("m_id_number", String::new()),
        ("m_relation", "child".into()),
        ("m_health", "healthy".into()),
        ("m_disability_grade", String::new()),
        ("m_schooling", "primary".into()),
        ("m_employment", "not_working".into()),
        ("m_income", income.to_owned()),
    ]
}

fn set(fields: &mut [(&'static str, String)], name: &str, value: &str) {
    for (k, v) in fields.iter_mut() {
        if *k == name {
            *v = value.to_owned();
            return;
        }
    }
    panic!("no field {name}");
}

const PDF: &[u8] = b"%PDF-1.4 a diagnosis";

#[tokio::test]
async fn the_form_comes_back_with_everything_typed_to_find_the_union_and_change_the_members() {
    let (app, g, officer) = setup().await;
    let (client, csrf) = open_apply(&app).await;
    let id = id_number("44010319900202444");

    // Without JavaScript: 查找 sends the whole form back with the matches as
    // radio buttons inside it, every typed value in place and the chosen
    // document held.
    let mut typed = complete(g, &id);
    set(&mut typed, "union_id", "");
    set(&mut typed, "action", "find_union");
    typed.push(("union_q", "机械厂".into()));
    typed.extend(member_row("周小明", "0"));
    let (status, html) = post_apply(&app, &client, &csrf, &typed, &[("诊断证明.pdf", PDF)]).await;
    assert_eq!(status, 200, "{html}");
    let form = form_html(&html, "apply-form").expect("the form");
    assert!(
        form.contains(&format!("type=\"radio\" name=\"union_id\" value=\"{g}\"")),
        "{form}"
    );
    assert!(form.contains("荔湾区机械厂工会"));
    assert_eq!(input_value(form, "worker_name").as_deref(), Some("周芳"));
    assert_eq!(input_value(form, "worker_id_number"), Some(id.clone()));
    assert_eq!(input_value(form, "union_q").as_deref(), Some("机械厂"));
    assert_eq!(input_values(form, "m_name"), ["周小明"]);
    assert_eq!(input_values(form, "labour"), vec!["1500"; 6]);
    assert!(
        !html.contains("field-error"),
        "nothing is refused yet: {html}"
    );
    let held = input_values(form, "keep_file");
    assert_eq!(held.len(), 1, "the document is held: {form}");
    assert!(form.contains("诊断证明.pdf"));

    // Adding a member keeps every row; removing one takes all its cells.
    let mut typed = complete(g, &id);
    set(&mut typed, "action", "add_member");
    typed.extend(member_row("周小明", "0"));
    typed.push(("keep_file", held[0].clone()));
    let (status, html) = post_apply(&app, &client, &csrf, &typed, &[]).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(input_values(&html, "m_name"), ["周小明", ""]);
    assert!(html.contains("家庭成员 <span class=\"member-no\">2</span>"));
    assert_eq!(input_values(&html, "keep_file"), held, "still held");
    let mut typed = complete(g, &id);
    set(&mut typed, "action", "remove_member:0");
    typed.extend(member_row("周小明", "0"));
    typed.extend(member_row("周小红", "120"));
    let (_, html) = post_apply(&app, &client, &csrf, &typed, &[]).await;
    assert_eq!(input_values(&html, "m_name"), ["周小红"]);
    assert_eq!(input_values(&html, "m_income"), ["120"]);
    // Up to ten members: the add button goes away at ten.
    let mut typed = complete(g, &id);
    set(&mut typed, "action", "add_member");
    for k in 0..10 {
        typed.extend(member_row(&format!("成员{k}"), ""));
    }
    let (_, html) = post_apply(&app, &client, &csrf, &typed, &[]).await;
    assert_eq!(input_values(&html, "m_name").len(), 10);
    assert!(html.contains("id=\"add-member\""));
    assert!(html.contains("hidden>＋ 添加一位家庭成员"), "{html}");

    // The fragments htmx swaps in place.
    let (status, part) = app
        .page(&client, "/apply/unions?union_q=%E6%9C%BA%E6%A2%B0%E5%8E%82")
        .await;
    assert_eq!(status, 200);
    assert!(part.starts_with("<div id=\"union-results\""), "{part}");
    assert!(part.contains(&format!("value=\"{g}\"")));
    assert!(!part.contains("<html"));
    let (_, part) = app.page(&client, "/apply/member?n=3").await;
    assert!(
        part.starts_with("<fieldset class=\"member\" id=\"member-3\""),
        "{part}"
    );
    assert!(part.contains("value=\"remove_member:2\""));

    // The application goes in with the union chosen, both members and the
    // document held since the first answer.
    let mut typed = complete(g, &id);
    typed.extend(member_row("周小明", "0"));
    typed.extend(member_row("周小红", "120"));
    typed.push(("keep_file", held[0].clone()));
    let (status, receipt) = post_apply(&app, &client, &csrf, &typed, &[]).await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt.contains("SQ"), "{receipt}");
    let (_, list) = officer.get("/api/v1/applications").await;
    let app_id = list["items"][0]["id"].as_i64().unwrap();
    let (_, d) = officer.get(&format!("/api/v1/applications/{app_id}")).await;
    assert_eq!(d["files"], serde_json::json!(["诊断证明.pdf"]), "{d}");
    assert_eq!(d["application"]["union_id"], g);

    // The officer opens the document as it was uploaded (it is stored
    // sealed: see at_rest.rs).
    let (client, _) = app.html_login("officer", common::PASSWORD).await;
    let (_, page) = app.page(&client, &format!("/applications/{app_id}")).await;
    let prefix = format!("/applications/{app_id}/files/");
    let link = page
        .split(&format!("href=\"{prefix}"))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a link to the document");
    let res = client
        .get(app.url(&format!("{prefix}{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
}

#[tokio::test]
async fn every_refusal_is_shown_at_once_and_the_documents_need_not_be_chosen_again() {
    let (app, g, officer) = setup().await;
    let (client, csrf) = open_apply(&app).await;
    let good = id_number("44010319900202444");
    let bad_id = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('1') { '2' } else { '1' }
    );

    // Seven mistakes in one submission: no union, a wrong check digit, a
    // phone that is not one, no address, no cause, a member's income that
    // is not an amount, and a month's cell that is not an amount.
    let mut typed = complete(g, &bad_id);
    set(&mut typed, "union_id", "");
    set(&mut typed, "phone", "123");
    set(&mut typed, "address", "");
    typed.retain(|(k, _)| *k != "causes");
    typed.extend(member_row("周小明", "三百"));
    let first_labour = typed.iter().position(|(k, _)| *k == "labour").unwrap();
    typed[first_labour].1 = "一千".into();
    let (status, html) = post_apply(
        &app,
        &client,
        &csrf,
        &typed,
        &[("诊断证明.pdf", PDF), ("病历.pdf", PDF)],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    let summary = html
        .split("id=\"form-errors\"")
        .nth(1)
        .and_then(|r| r.split("</div>").next())
        .expect("the list of refusals");
    assert!(summary.contains("有 7 处需要修改"), "{summary}");
    // Each beside its field.
    for (id, text) in [
        ("union-err", "请先查找并选择您所在单位的工会"),
        ("a-id-err", "身份证"),
        ("a-phone-err", "手机号码"),
        ("a-address-err", "请填写家庭住址"),
        ("a-causes-err", "至少选择一项致困原因"),
        ("member-1-err", "第 1 位家庭成员：金额“三百”"),
    ] {
        let at = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in {html}"));
        assert!(
            html[at..at + 400].contains(text),
            "#{id} should say {text}: {}",
            &html[at..at + 400]
        );
    }
    assert!(html.contains(&format!("{}：金额“一千”", month_back(6))));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"a-phone-err\""));
    // Everything typed is still there.
    let form = form_html(&html, "apply-form").unwrap();
    assert_eq!(input_value(form, "worker_name").as_deref(), Some("周芳"));
    assert_eq!(input_value(form, "phone").as_deref(), Some("123"));
    assert_eq!(input_values(form, "m_income"), ["三百"]);
    assert_eq!(input_values(form, "labour")[0], "一千");
    // Both documents are held for this browser, and said so beside the input.
    let held = input_values(form, "keep_file");
    assert_eq!(held.len(), 2, "{form}");
    assert!(form.contains("已收到的材料（无需重新选择"));
    assert_eq!(officer.total("/api/v1/applications").await, 0);

    // A document that is not one is refused by name; the rest are held.
    let (status, html) = post_apply(
        &app,
        &client,
        &csrf,
        &complete(0, &bad_id),
        &[("照片.jpg", b"MZ not an image")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        html.contains("“照片.jpg”不是 JPG、PNG 图片或 PDF 文件"),
        "{html}"
    );
    assert!(input_values(&html, "keep_file").is_empty());

    // Another browser cannot claim them by their numbers.
    let (other, other_csrf) = open_apply(&app).await;
    let mut theirs = complete(g, &id_number("44010319850303555"));
    theirs.push(("keep_file", held[0].clone()));
    let (status, _) = post_apply(&app, &other, &other_csrf, &theirs, &[]).await;
    assert_eq!(status, 200);
    let (_, list) = officer.get("/api/v1/applications").await;
    let theirs_id = list["items"][0]["id"].as_i64().unwrap();
    let (_, d) = officer
        .get(&format!("/api/v1/applications/{theirs_id}"))
        .await;
    assert_eq!(d["files"], serde_json::json!([]), "{d}");

    // Corrected, with one of the two documents still ticked: it goes in
    // with that one only.
    let mut typed = complete(g, &good);
    typed.extend(member_row("周小明", "300"));
    typed.push(("keep_file", held[1].clone()));
    let (status, receipt) = post_apply(&app, &client, &csrf, &typed, &[]).await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt.contains("SQ"));
    let (_, list) = officer.get("/api/v1/applications?q=周芳").await;
    let app_id = list["items"][0]["id"].as_i64().unwrap();
    let (_, d) = officer.get(&format!("/api/v1/applications/{app_id}")).await;
    assert_eq!(d["files"], serde_json::json!(["病历.pdf"]), "{d}");
    // Taken once: the same number attaches nothing to a later application.
    let mut again = complete(g, &id_number("44010319800101123"));
    again.push(("keep_file", held[1].clone()));
    let (status, _) = post_apply(&app, &client, &csrf, &again, &[]).await;
    assert_eq!(status, 200);
    let (_, list) = officer.get("/api/v1/applications?q=周芳").await;
    let newest = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .max()
        .unwrap();
    let (_, d) = officer.get(&format!("/api/v1/applications/{newest}")).await;
    assert_eq!(d["files"], serde_json::json!([]), "{d}");

    // The API keeps its one error: the first refusal, with its field.
    let (code, body) = app
        .anonymous()
        .send(
            "POST",
            "/api/v1/applications",
            serde_json::json!({
                "union_id": 999_999,
                "household": {"worker_name": "", "worker_id_number": bad_id, "phone": "1",
                    "address": "", "employer_kind": "private", "employment": "flexible",
                    "labour_capacity": "full", "health": "healthy", "causes": [],
                    "category": "", "tier": ""},
                "incomes": [],
            }),
        )
        .await;
    common::assert_error(
        "several mistakes",
        &(code, body.clone()),
        400,
        "invalid_input",
        Some("incomes"),
    );
}

/// Everything the server logs while the guard lives, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// One thread: the server's tasks run on the test's thread, inside the
// subscriber set for it (at every level, as an operator debugging would).
#[tokio::test(flavor = "current_thread")]
async fn the_status_check_and_the_self_check_are_posted_and_the_log_keeps_no_query() {
    // With a single subscriber alive, tracing asks only the current thread's
    // subscriber whether a new callsite is wanted, so a callsite first met on
    // another test's thread would stay off for this one too; a second,
    // unused subscriber makes it ask every subscriber alive.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (app, g, _) = setup().await;
    let id = id_number("44010319900202444");
    let phone = "13500135000";
    let (client, csrf) = open_apply(&app).await;
    let (status, _) = post_apply(&app, &client, &csrf, &complete(g, &id), &[]).await;
    assert_eq!(status, 200);

    // The status check is a POST form with the public token.
    let (status, html) = app.page(&client, "/apply/status").await;
    assert_eq!(status, 200);
    let form = form_html(&html, "status-form").expect("the status form");
    assert!(form.contains("method=\"post\""), "{form}");
    let token = input_value(form, "csrf").expect("its token");
    let (status, answer) = app
        .post_form(
            &client,
            "/apply/status",
            &[("csrf", &token), ("id_number", &id), ("phone", phone)],
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("待基层审核"), "{answer}");
    // Without the token nothing is told.
    let (status, _) = app
        .post_form(
            &app.browser_client(),
            "/apply/status",
            &[("id_number", &id), ("phone", phone)],
        )
        .await;
    assert_eq!(status, 403);
    // An old link with the numbers in its query shows the empty form only.
    let (status, html) = app
        .page(
            &client,
            &format!("/apply/status?id_number={id}&phone={phone}"),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        !html.contains(&id) && !html.contains("待基层审核"),
        "{html}"
    );

    // The self-check too: a POST form; a query string is not read.
    let (_, html) = app.page(&client, "/check").await;
    let form = form_html(&html, "check-form").expect("the check form");
    assert!(form.contains("method=\"post\""), "{form}");
    let token = input_value(form, "csrf").expect("its token");
    let (_, html) = app.page(&client, "/check?size=3&line=800").await;
    assert!(!html.contains("id=\"result\""));
    let mut fields = vec![
        ("csrf", token.clone()),
        ("size", "3".to_owned()),
        ("line", "800".into()),
        ("end", month_back(1)),
    ];
    for k in (1..=6).rev() {
        fields.push(("month", month_back(k)));
        fields.push(("income", "1500".into()));
        fields.push(("rigid", "300".into()));
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = app.post_form(&client, "/check", &pairs).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("符合建档条件"), "{html}");
    let (status, _) = app
        .post_form(&app.browser_client(), "/check", &pairs[1..])
        .await;
    assert_eq!(status, 403);

    // The log names the paths, never a query string, an ID number or a phone.
    let text = log.text();
    for secret in [id.as_str(), phone, "id_number=", "size=3"] {
        assert!(!text.contains(secret), "the log holds {secret}:\n{text}");
    }
    assert!(text.contains("path=/apply/status"), "{text}");
    assert!(text.contains("path=/check"), "{text}");
}

#[tokio::test]
async fn the_self_check_keeps_each_amount_under_its_month_and_offers_the_lines_of_a_region() {
    let (app, _, _) = setup().await;
    let client = app.browser_client();
    let (_, html) = app.page(&client, "/check").await;
    let token = input_value(&html, "csrf").unwrap();
    // The regions with stored lines, and those below them, are offered.
    assert!(html.contains("<option value=\"440100\""), "{html}");
    assert!(html.contains("广东省 广州市 荔湾区"), "{html}");
    assert!(html.contains("href=\"/apply\""), "a way to apply");

    // Typed under the six months up to last month, sent with the last month
    // moved two months back: the rows follow it, each amount stays with its
    // month, the two that fall out are named, and nothing is judged yet.
    let typed: Vec<String> = (1..=6).rev().map(month_back).collect();
    let mut fields = vec![
        ("csrf", token.clone()),
        ("size", "3".to_owned()),
        ("region", "440103".into()),
        ("end", month_back(3)),
    ];
    for (k, m) in typed.iter().enumerate() {
        fields.push(("month", m.clone()));
        fields.push(("income", format!("{}", 1000 + k)));
        fields.push(("rigid", "300".into()));
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = app.post_form(&client, "/check", &pairs).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("id=\"result\""), "{html}");
    let note = html
        .split("id=\"months-moved\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .expect("a note that the months moved");
    assert!(note.contains(&month_back(3)), "{note}");
    assert!(
        note.contains(&format!("{}、{}", month_back(2), month_back(1))),
        "{note}"
    );
    let months = input_values(&html, "month");
    let expected: Vec<String> = (3..=8).rev().map(month_back).collect();
    assert_eq!(months, expected);
    // 1000 was typed under month_back(6): it is now the third row.
    assert_eq!(
        input_values(&html, "income"),
        ["", "", "1000", "1001", "1002", "1003"]
    );
    // The region's line is shown for each month.
    assert!(html.contains("<td class=\"num\">800.00</td>"), "{html}");

    // Sent again as shown: judged with 广州市's line, no line typed.
    let mut fields = vec![
        ("csrf", token.clone()),
        ("size", "3".to_owned()),
        ("region", "440103".into()),
        ("end", month_back(3)),
    ];
    for m in &expected {
        fields.push(("month", m.clone()));
        fields.push(("income", "1500".into()));
        fields.push(("rigid", "300".into()));
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = app.post_form(&client, "/check", &pairs).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"result\""), "{html}");
    assert!(html.contains("符合建档条件"), "{html}");
    assert!(html.contains("在线申请建档"));

    // The grid htmx swaps when the last month changes: the rows alone.
    let (status, part) = app.post_form(&client, "/check/grid", &pairs).await;
    assert_eq!(status, 200);
    assert!(part.starts_with("<div id=\"check-grid\""), "{part}");
    assert!(!part.contains("<html"));

    // A region without any line and no line typed: said plainly.
    let mut bare = pairs.clone();
    for p in bare.iter_mut() {
        if p.0 == "region" {
            p.1 = "440300";
        }
    }
    let (status, html) = app.post_form(&client, "/check", &bare).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("没有低保标准"), "{html}");
}
