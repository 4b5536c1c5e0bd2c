//! A large 部门核对 upload runs as a background job: its rows are parsed in
//! the request (a bad file lists its problems at once and starts no job),
//! then the upload lands on the job's progress page, the job finishes with
//! the batch, and the batch has its counts and findings. The job is seen
//! by the user who started it only.

use crate::common::{self, At, TestApp, PASSWORD};
use bangfu_service::Settings;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::time::{Duration, Instant};

/// Rows above this are matched in the background (lowered for the tests).
const ABOVE: usize = 10;
/// People on no file in the large batch.
const STRANGERS: u32 = 40;

struct World {
    app: TestApp,
    /// The worker named by ID number.
    wang: String,
    /// The worker named by a hash of the ID number.
    li: String,
    key: String,
}

async fn world() -> World {
    let settings = Settings {
        verification_background_above: ABOVE,
        ..Settings::default()
    };
    let (app, t, _) = common::staffed_with(
        settings,
        &[
            ("a_officer", "officer", At::CountyA),
            ("city_admin", "admin", At::City),
        ],
    )
    .await;
    app.civil_affairs_user("dept", None, t.city).await;
    let officer = app.api_as("a_officer").await;
    let wang = common::person("440103", "19700101", 123);
    let li = common::person("440103", "19720202", 45);
    common::file(&officer, common::household("王建国", &wang, t.county_a)).await;
    common::file(&officer, common::household("李秀英", &li, t.county_a)).await;
    let admin = app.api_as("city_admin").await;
    let (s, key) = admin.get("/api/v1/verification/key").await;
    assert_eq!(s, 200, "{key}");
    let key = key["key"].as_str().unwrap().to_owned();
    World { app, wang, li, key }
}

fn hash(key_hex: &str, id: &str) -> String {
    let key: Vec<u8> = (0..key_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16).unwrap())
        .collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// People on no file, each a valid ID number.
fn strangers() -> Vec<String> {
    (1..=STRANGERS)
        .map(|n| common::person("440104", "19850315", n))
        .collect()
}

async fn upload_csv(app: &TestApp, csv: String) -> (reqwest::Client, u16, String, String) {
    let (client, _) = app.html_login("dept", PASSWORD).await;
    let (status, html) = app.page(&client, "/verification").await;
    assert_eq!(status, 200, "{html}");
    let form = common::form_html(&html, "upload-form").expect("form#upload-form");
    let action = common::form_action(form, "/verification");
    let part = reqwest::multipart::Part::bytes(csv.into_bytes())
        .file_name("死亡名单.csv")
        .mime_str("text/csv")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("dataset", "death")
        .text("source", "荔湾区民政局")
        .text("as_of", common::today().to_string())
        .part("file", part);
    let res = client
        .post(app.url(&action))
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
    let body = res.text().await.unwrap_or_default();
    (client, status, location, body)
}

/// Polls the job over the API until it has finished.
async fn finished(api: &common::Api, id: i64) -> Value {
    let started = Instant::now();
    loop {
        let (s, job) = api.get(&format!("/api/v1/verification/jobs/{id}")).await;
        assert_eq!(s, 200, "{job}");
        assert_eq!(job["kind"], "verification_batch", "{job}");
        if job["finished"] == true {
            return job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the job did not finish: {job}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn job_count(app: &TestApp) -> i64 {
    app.seed_write(|c| {
        Ok(bangfu_storage::test_support::job_count(
            c,
            "verification_batch",
        )?)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_runs_as_a_job_and_lands_on_its_batch() {
    let w = world().await;
    let mut csv = String::from("\u{feff}id_number,id_hash,died_on\r\n");
    for s in strangers() {
        csv.push_str(&format!("{s},,\r\n"));
    }
    csv.push_str(&format!("{},,2024-05-01\r\n", w.wang));
    csv.push_str(&format!(",{},2024-06-01\r\n", hash(&w.key, &w.li)));
    let rows = STRANGERS as i64 + 2;
    assert!(rows as usize > ABOVE);

    let (client, status, location, body) = upload_csv(&w.app, csv).await;
    assert_eq!(status, 303, "{body}");
    let id: i64 = location
        .strip_prefix("/verification/jobs/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("to the job page: {location}"));

    // The progress page (phase, bar, polled fragment) answers at once.
    let (status, html) = w.app.page(&client, &location).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!("核对任务 #{id}")), "{html}");
    assert!(html.contains("id=\"job-card\""), "{html}");

    let dept = w.app.api_as("dept").await;
    let job = finished(&dept, id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["phase"], "已完成", "{job}");
    assert_eq!(job["percent"], 100, "{job}");
    assert_eq!(job["file_name"], "死亡名单.csv", "{job}");
    let batch_id = job["batch_id"].as_i64().expect("batch_id");

    let (s, b) = dept
        .get(&format!("/api/v1/verification/batches/{batch_id}"))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["rows"], rows, "{b}");
    assert_eq!(b["hashed_rows"], 1, "{b}");
    assert_eq!(b["matched_people"], 2, "{b}");
    assert_eq!(b["findings"], 2, "{b}");

    let officer = w.app.api_as("a_officer").await;
    let (s, page) = officer
        .get(&format!("/api/v1/verification/findings?batch={batch_id}"))
        .await;
    assert_eq!(s, 200, "{page}");
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["person_name"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["李秀英", "王建国"], "{page}");

    // Finished: the page links to the batch with the received notice, and
    // the polled fragment sends htmx on to it.
    let (_, html) = w.app.page(&client, &location).await;
    let to = format!("/verification/batches/{batch_id}?notice=received");
    assert!(html.contains("id=\"job-result\""), "{html}");
    assert!(html.contains(&to), "{html}");
    assert!(!html.contains("hx-trigger"), "no more polling: {html}");
    let res = client
        .get(w.app.url(&format!("{location}/progress")))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let redirect = res
        .headers()
        .get("hx-redirect")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(redirect.starts_with(&to), "{redirect}");
    let (status, html) = w.app.page(&client, &redirect).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!("已接收：{rows} 行，匹配 2 人，发现 2 条")),
        "{html}"
    );

    // Nobody else sees the job, not even an officer whose scope holds it.
    let (s, _) = officer
        .get(&format!("/api/v1/verification/jobs/{id}"))
        .await;
    assert_eq!(s, 404);
    assert_eq!(job_count(&w.app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_large_file_lists_its_row_problems_at_once_and_starts_no_job() {
    let w = world().await;
    let mut csv = String::from("id_number,died_on\n");
    for s in strangers() {
        csv.push_str(&format!("{s},\n"));
    }
    // Rows 42 and 43 (under the header): a bad ID number, a bad date.
    csv.push_str("440103197001011234,\n");
    csv.push_str(&format!("{},2024-13-01\n", w.wang));

    let (client, status, _, html) = upload_csv(&w.app, csv).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("整批未接收"), "{html}");
    for row in ["42", "43"] {
        assert!(
            html.contains(&format!("data-label=\"行\" class=\"num\">{row}</td>")),
            "row {row} listed: {html}"
        );
    }
    assert_eq!(job_count(&w.app).await, 0, "no job was started");
    let (_, hub) = w.app.page(&client, "/verification").await;
    assert!(hub.contains("共 0 批"), "{hub}");
}
