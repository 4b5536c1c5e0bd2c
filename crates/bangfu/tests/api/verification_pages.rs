//! The 部门核对 pages: a department uploads a dataset as .csv or .xlsx and
//! lands on its batch; a bad file lists every row's problem and writes
//! nothing; a department sees only its own batches; the administrator's key
//! panel and its rotation; the templates.

use crate::common::{self, At, TestApp, PASSWORD};
use rust_xlsxwriter::Workbook;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Officers (county A, city) and an administrator, two department users at the city, and
/// one household on file in county A whose worker is returned.
async fn world() -> (TestApp, String) {
    let (app, t, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("city_admin", "admin", At::City),
        ("c_officer", "officer", At::City),
    ])
    .await;
    app.civil_affairs_user("dept", None, t.city).await;
    app.civil_affairs_user("dept2", None, t.city).await;
    let officer = app.api_as("a_officer").await;
    let worker = common::person("440103", "19700101", 123);
    common::file(&officer, common::household("王建国", &worker, t.county_a)).await;
    (app, worker)
}

/// Signs in and returns the client and the upload form's action (with `?csrf=`).
async fn upload_form(app: &TestApp, user: &str) -> (reqwest::Client, String) {
    let (client, _) = app.html_login(user, PASSWORD).await;
    let (status, html) = app.page(&client, "/verification").await;
    assert_eq!(status, 200, "{html}");
    let form = common::form_html(&html, "upload-form").expect("form#upload-form");
    let action = common::form_action(form, "/verification");
    assert!(action.contains("csrf="), "{action}");
    (client, action)
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    action: &str,
    dataset: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String, String) {
    let mime = if name.ends_with(".xlsx") {
        XLSX
    } else {
        "text/csv"
    };
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("dataset", dataset.to_owned())
        .text("source", "荔湾区民政局")
        .text("as_of", common::today().to_string())
        .part("file", part);
    let res = client
        .post(app.url(action))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, res.text().await.unwrap_or_default())
}

/// Follows an upload's redirect to its batch page and checks the counts.
async fn assert_batch(app: &TestApp, client: &reqwest::Client, location: &str) {
    assert!(
        location.starts_with("/verification/batches/") && location.contains("notice=received"),
        "{location}"
    );
    let (status, html) = app.page(client, location).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("已接收：1 行，匹配 1 人，发现 1 条"),
        "{html}"
    );
    assert!(html.contains("id=\"batch-matched\">1<"), "{html}");
    assert!(html.contains("id=\"batch-findings\">1<"), "{html}");
}

fn death_xlsx(rows: &[[&str; 2]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["身份证号码", "死亡日期"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_uploads_deaths_as_csv() {
    let (app, worker) = world().await;
    let (client, action) = upload_form(&app, "dept").await;

    let csv = format!("\u{feff}id_number,died_on\r\n{worker},2024-05-01\r\n");
    let (status, location, body) = upload(
        &app,
        &client,
        &action,
        "death",
        "死亡.csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_batch(&app, &client, &location).await;

    // The hub lists the batch, linking to it.
    let (_, hub) = app.page(&client, "/verification").await;
    assert!(hub.contains("共 1 批"), "{hub}");
    assert!(hub.contains("href=\"/verification/batches/"), "{hub}");
    // A department user never gets the way to the findings (households).
    let (_, batch) = app.page(&client, &location).await;
    assert!(!batch.contains("/verification/findings"), "{batch}");
    // The city's officer does (a county's officer does not see a batch
    // the city received).
    let (officer, _) = app.html_login("c_officer", PASSWORD).await;
    let (status, batch) = app
        .page(&officer, location.split('?').next().unwrap())
        .await;
    assert_eq!(status, 200, "{batch}");
    assert!(batch.contains("/verification/findings?batch="), "{batch}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_uploads_deaths_as_xlsx_with_chinese_headers() {
    let (app, worker) = world().await;
    let (client, action) = upload_form(&app, "dept").await;
    let xlsx = death_xlsx(&[[worker.as_str(), "2024-05-01"]]);
    let (status, location, body) = upload(&app, &client, &action, "death", "死亡.xlsx", xlsx).await;
    assert_eq!(status, 303, "{body}");
    assert_batch(&app, &client, &location).await;
    let (_, batch) = app.page(&client, &location).await;
    assert!(batch.contains("死亡.xlsx"), "the file's name: {batch}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_lists_every_row_problem_and_writes_nothing() {
    let (app, worker) = world().await;
    let (client, action) = upload_form(&app, "dept").await;

    // Row 2 is fine, row 3 has a bad ID number, row 4 a bad date.
    let csv = format!(
        "id_number,died_on\n{worker},2024-05-01\n440103197001011234,2024-05-01\n{worker},2024-13-01\n"
    );
    let (status, _, html) = upload(
        &app,
        &client,
        &action,
        "death",
        "死亡.csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("id=\"upload-error-list\""), "{html}");
    assert!(html.contains("整批未接收"), "{html}");
    for row in ["3", "4"] {
        assert!(
            html.contains(&format!("data-label=\"行\" class=\"num\">{row}</td>")),
            "row {row} listed: {html}"
        );
    }
    assert!(
        !html.contains("class=\"num\">2</td>"),
        "row 2 is fine: {html}"
    );

    // An .xlsx with a bad row is numbered as Excel shows it.
    let xlsx = death_xlsx(&[[worker.as_str(), "2024-05-01"], ["123", "2024-05-01"]]);
    let (status, _, html) = upload(&app, &client, &action, "death", "死亡.xlsx", xlsx).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("data-label=\"行\" class=\"num\">3</td>"),
        "{html}"
    );

    // Nothing was written.
    let (_, hub) = app.page(&client, "/verification").await;
    assert!(hub.contains("共 0 批"), "{hub}");
    assert!(hub.contains("还没有报送过数据"), "{hub}");

    // An empty file, a wrong extension, no dataset: said beside the field.
    let (status, _, html) = upload(&app, &client, &action, "death", "a.csv", vec![]).await;
    assert_eq!(status, 400);
    assert!(
        html.contains("id=\"e-file\"") && html.contains("文件是空的"),
        "{html}"
    );
    let (status, _, html) =
        upload(&app, &client, &action, "death", "a.pdf", b"%PDF".to_vec()).await;
    assert_eq!(status, 400);
    assert!(
        html.contains("id=\"e-file\"") && html.contains(".csv"),
        "{html}"
    );
    let (status, _, html) = upload(
        &app,
        &client,
        &action,
        "",
        "a.csv",
        b"id_number\n1\n".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"e-dataset\""), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_sees_only_its_own_batches() {
    let (app, worker) = world().await;
    let (client, action) = upload_form(&app, "dept").await;
    let csv = format!("id_number,died_on\n{worker},2024-05-01\n");
    let (status, location, body) = upload(
        &app,
        &client,
        &action,
        "death",
        "死亡.csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let batch = location.split('?').next().unwrap().to_owned();

    let (other, _) = app.html_login("dept2", PASSWORD).await;
    let (status, hub) = app.page(&other, "/verification").await;
    assert_eq!(status, 200);
    assert!(hub.contains("共 0 批"), "{hub}");
    assert!(!hub.contains(&format!("href=\"{batch}\"")), "{hub}");
    let (status, _) = app.page(&other, &batch).await;
    assert_eq!(status, 404, "another's batch");

    // The union's staff see it.
    let (admin, _) = app.html_login("city_admin", PASSWORD).await;
    let (_, hub) = app.page(&admin, "/verification").await;
    assert!(hub.contains(&format!("href=\"{batch}\"")), "{hub}");
}

fn key_id(html: &str) -> String {
    let at = html.find("id=\"key-id\">").expect("key id") + "id=\"key-id\">".len();
    html[at..html[at..].find('<').unwrap() + at].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_sees_the_key_and_rotates_it() {
    let (app, _) = world().await;
    let (admin, _) = app.html_login("city_admin", PASSWORD).await;
    let (_, hub) = app.page(&admin, "/verification").await;
    assert!(hub.contains("id=\"key\""), "{hub}");
    assert!(hub.contains("HMAC-SHA256"), "{hub}");
    let form = common::form_html(&hub, "rotate-form").expect("form#rotate-form");
    assert!(form.contains("data-confirm"), "{form}");
    let csrf = common::input_value(form, "csrf").expect("csrf");

    // The first press makes the key.
    let (status, _) = app
        .post_form(&admin, "/verification/key/rotate", &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    let (_, hub) = app.page(&admin, "/verification?notice=key_rotated").await;
    assert!(hub.contains("已生成新的核对密钥"), "{hub}");
    let first = key_id(&hub);
    let at = hub.find("id=\"key-hex\"").unwrap();
    let hex: String = hub[at..]
        .chars()
        .skip_while(|c| *c != '>')
        .skip(1)
        .take(64)
        .collect();
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{hex}");

    let (status, _) = app
        .post_form(&admin, "/verification/key/rotate", &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    let (_, hub) = app.page(&admin, "/verification").await;
    let second = key_id(&hub);
    assert_ne!(first, second, "a new key");
    assert!(
        hub.contains(&format!("#{first}（")),
        "the old key is listed as retired: {hub}"
    );

    // Nobody else sees or rotates it.
    let (dept, _) = app.html_login("dept", PASSWORD).await;
    let (_, hub) = app.page(&dept, "/verification").await;
    assert!(!hub.contains("id=\"key\""), "{hub}");
    let (status, _) = app
        .post_form(&dept, "/verification/key/rotate", &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_download_with_the_dataset_columns() {
    use calamine::Reader;
    let (app, _) = world().await;
    let (client, _) = app.html_login("dept", PASSWORD).await;
    let (_, hub) = app.page(&client, "/verification").await;
    assert!(
        hub.contains("href=\"/verification/template?dataset=vehicle\""),
        "{hub}"
    );
    let mut book = app
        .download_xlsx(&client, "/verification/template?dataset=vehicle")
        .await;
    let names = book.sheet_names();
    assert_eq!(names, vec!["数据".to_owned(), "说明".to_owned()]);
    let range = book.worksheet_range("数据").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(common::cell_text)
        .collect();
    assert_eq!(header, ["id_number", "id_hash", "value_fen", "plate"]);
    let (status, _) = app
        .page(&client, "/verification/template?dataset=nonsense")
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_administrator_sets_a_regions_asset_thresholds_and_officers_read_them() {
    let (app, _) = world().await;
    let (admin, _) = app.html_login("city_admin", PASSWORD).await;
    let (status, html) = app.page(&admin, "/verification/thresholds").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("100,000.00"),
        "the nationwide default is shown"
    );
    assert!(html.contains("还没有地区设置标准"));
    let form = common::form_html(&html, "thresholds-form").expect("form#thresholds-form");
    let csrf = common::input_value(form, "csrf").expect("csrf");

    // A bad number is shown beside its field and nothing is saved.
    let (status, html) = app
        .post_form(
            &admin,
            "/verification/thresholds",
            &[
                ("csrf", &csrf),
                ("division_code", "440100"),
                ("vehicle_yuan", "8万"),
                ("properties", "1"),
                ("floor_area_per_person", "40"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("还没有地区设置标准"), "nothing saved");
    // Another region than the admin's own is refused.
    let (status, html) = app
        .post_form(
            &admin,
            "/verification/thresholds",
            &[
                ("csrf", &csrf),
                ("division_code", "110100"),
                ("vehicle_yuan", "80000"),
                ("properties", "1"),
                ("floor_area_per_person", "40"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("只能设置本工会所在地区"));

    let (status, _) = app
        .post_form(
            &admin,
            "/verification/thresholds",
            &[
                ("csrf", &csrf),
                ("division_code", "440100"),
                ("vehicle_yuan", "80000"),
                ("properties", "2"),
                ("floor_area_per_person", "35"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = app
        .page(&admin, "/verification/thresholds?notice=thresholds")
        .await;
    assert!(html.contains("核对资产标准已保存"));
    assert!(
        html.contains("80,000.00") && html.contains("广州市"),
        "{html}"
    );

    // An officer reads them, without the form; a department user does not.
    let (officer, _) = app.html_login("a_officer", PASSWORD).await;
    let (status, html) = app.page(&officer, "/verification/thresholds").await;
    assert_eq!(status, 200);
    assert!(html.contains("80,000.00"));
    assert!(common::form_html(&html, "thresholds-form").is_none());
    let (dept, _) = app.html_login("dept", PASSWORD).await;
    let (status, _) = app.page(&dept, "/verification/thresholds").await;
    assert_eq!(status, 403);
}
