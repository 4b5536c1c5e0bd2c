//! Applications for filing: a worker applies online, the
//! grassroots union reviews with a home visit, publishes the application,
//! and a reviewer of the approving level approves it — which creates the
//! file. Refusals need a reason the applicant can read. Every step is audited.

use crate::common;

use common::{assert_error, id_number, Api, TestApp};

use bangfu_service::Settings;
use serde_json::{json, Value};

/// The last month before today (UTC is close enough for choosing months).
fn months_back(n: i32) -> Vec<String> {
    let now = chrono::Utc::now().date_naive();
    let (mut y, mut m) = (
        chrono::Datelike::year(&now),
        chrono::Datelike::month(&now) as i32,
    );
    let mut out = Vec::new();
    for _ in 0..n {
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
        out.push(format!("{y:04}-{m:02}"));
    }
    out.reverse();
    out
}

fn application(union_id: i64, name: &str, id: &str, phone: &str) -> Value {
    let incomes: Vec<Value> = months_back(6)
        .into_iter()
        .map(|m| json!({"month": m, "wages_fen": 90_000, "medical_fen": 30_000}))
        .collect();
    json!({
        "union_id": union_id,
        "household": {
            "worker_name": name,
            "worker_id_number": id,
            "phone": phone,
            "address": "广州市荔湾区多宝路 12 号",
            "employer_kind": "private",
            "employment": "flexible",
            "labour_capacity": "full",
            "health": "chronic",
            "causes": ["illness"],
            "category": "",
            "tier": ""
        },
        "incomes": incomes,
        "consent_version": "2026-12"
    })
}

struct Setup {
    app: TestApp,
    grassroots: i64,
    officer: Api,
    grassroots_reviewer: Api,
    county_reviewer: Api,
    other_officer: Api,
    auditor: Api,
}

async fn setup(notice_days: u32) -> Setup {
    let app = common::spawn_with(Settings {
        notice_days,
        ..Settings::default()
    })
    .await;
    let t = app.tree().await;
    let g = app.grassroots().await;
    // The line the rule needs for the months applied for.
    app.user("cityadmin", "admin", t.city).await;
    let admin = app.api_as("cityadmin").await;
    let first = months_back(12)[0].clone();
    common::set_line(&admin, "440100", &first, 80_000).await;
    app.user("officer", "officer", t.county_a).await;
    app.user("greviewer", "reviewer", g).await;
    app.user("creviewer", "reviewer", t.county_a).await;
    app.user("other", "officer", t.county_b).await;
    app.user("auditor", "auditor", t.province).await;
    Setup {
        grassroots: g,
        officer: app.api_as("officer").await,
        grassroots_reviewer: app.api_as("greviewer").await,
        county_reviewer: app.api_as("creviewer").await,
        other_officer: app.api_as("other").await,
        auditor: app.api_as("auditor").await,
        app,
    }
}

async fn status(app: &TestApp, id: &str, phone: &str) -> (u16, Value) {
    app.anonymous()
        .send(
            "POST",
            "/api/v1/applications/status",
            json!({"id_number": id, "phone": phone}),
        )
        .await
}

async fn step(api: &Api, id: i64, body: Value) -> (u16, Value) {
    let (s, a) = api.get(&format!("/api/v1/applications/{id}")).await;
    assert_eq!(s, 200, "{a}");
    let mut body = body;
    body["version"] = a["application"]["version"].clone();
    api.send("POST", &format!("/api/v1/applications/{id}/steps"), body)
        .await
}

fn review() -> Value {
    let today = chrono::Utc::now().date_naive().to_string();
    json!({"step": "review", "visit_date": today, "seen": "两居室，家具陈旧",
           "asked": "爱人慢性病长期服药", "explained": "讲解了医疗互助和金秋助学政策"})
}

#[tokio::test]
async fn an_online_application_goes_through_review_notice_and_approval_to_a_file() {
    let s = setup(0).await;
    let id = id_number("44010319800101123");
    let anon = s.app.anonymous();
    let (code, body) = anon
        .send(
            "POST",
            "/api/v1/applications",
            application(s.grassroots, "陈建国", &id, "13800138000"),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    let app_id = body["id"].as_i64().unwrap();
    assert!(body["number"].as_str().unwrap().starts_with("SQ"));

    // The applicant sees it with ID and phone; a wrong phone shows nothing.
    let (code, list) = status(&s.app, &id, "138-0013-8000").await;
    assert_eq!(code, 200);
    assert_eq!(list[0]["status"], "submitted", "{list}");
    let (_, none) = status(&s.app, &id, "13900000000").await;
    assert_eq!(none.as_array().unwrap().len(), 0);

    // The officer sees it with the identification on its data.
    let (code, d) = s
        .officer
        .get(&format!("/api/v1/applications/{app_id}"))
        .await;
    assert_eq!(code, 200, "{d}");
    // With the consent the applicant gave, its version and its text.
    let (_, current) = anon.get("/api/v1/applications/consent").await;
    assert_eq!(d["consent"]["version"], current["version"], "{d}");
    assert_eq!(d["consent"]["text"], current["text"]);
    assert!(current["text"].as_str().unwrap().contains("民政"));
    assert_eq!(d["identification"]["eligible"], true, "{d}");
    assert_eq!(d["application"]["channel"], "online");
    // Another county's officer does not.
    let (code, _) = s
        .other_officer
        .get(&format!("/api/v1/applications/{app_id}"))
        .await;
    assert_eq!(code, 404);

    // No skipping: approval before review and notice is refused.
    let r = step(&s.county_reviewer, app_id, json!({"step": "approve"})).await;
    assert_error("approve too early", &r, 422, "rule_violation", None);
    // A review without the visit record is refused.
    let r = step(
        &s.officer,
        app_id,
        json!({"step": "review", "visit_date": "2020-01-01"}),
    )
    .await;
    assert_eq!(r.0, 400, "{}", r.1);

    let r = step(&s.officer, app_id, review()).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["status"], "reviewed");
    let r = step(&s.officer, app_id, json!({"step": "notice"})).await;
    assert_eq!(r.1["status"], "notice", "{}", r.1);
    let r = step(
        &s.officer,
        app_id,
        json!({"step": "objection", "text": "邻居反映其有一辆私家车"}),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    // An officer cannot approve; a grassroots reviewer is below the approving level.
    let r = step(&s.officer, app_id, json!({"step": "approve"})).await;
    assert_error("officer approves", &r, 403, "forbidden", None);
    let r = step(&s.grassroots_reviewer, app_id, json!({"step": "approve"})).await;
    assert_error("grassroots approves", &r, 422, "rule_violation", None);
    assert!(r.1["error"]["message"].as_str().unwrap().contains("县级"));

    let r = step(
        &s.county_reviewer,
        app_id,
        json!({"step": "approve", "note": "经核实车辆已于去年出售"}),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["status"], "approved");
    let hid = r.1["household_id"].as_i64().expect("a file was created");
    let (code, h) = s.officer.get(&format!("/api/v1/households/{hid}")).await;
    assert_eq!(code, 200, "{h}");
    assert_eq!(h["household"]["worker_name"], "陈建国");
    // Applied without a tier: 地方级 at the level of the union applied to.
    assert_eq!(h["household"]["tier"], "grassroots");
    assert_eq!(h["incomes"].as_array().unwrap().len(), 6);

    // The applicant sees the file number and every step.
    let (_, list) = status(&s.app, &id, "13800138000").await;
    assert_eq!(list[0]["status"], "approved");
    assert!(list[0]["file_no"].as_str().unwrap().starts_with("440103"));
    assert_eq!(list[0]["steps"].as_array().unwrap().len(), 5, "{list}");

    // Every step is in the audit log.
    for action in [
        "submit_application",
        "review_application",
        "notice_application",
        "object_application",
        "approve_application",
        "create_household",
    ] {
        let total = s
            .auditor
            .total(&format!("/api/v1/audit?action={action}"))
            .await;
        assert!(total >= 1, "audit {action}");
    }
    // What the review found, the objection and the approver's note are
    // read back on the application, and are nowhere in the clear in the
    // database: the steps keep them sealed, the audit log their length.
    let (_, d) = s
        .officer
        .get(&format!("/api/v1/applications/{app_id}"))
        .await;
    let shown = d.to_string();
    let database = common::database_text(&s.app);
    for text in [
        "爱人慢性病长期服药",
        "邻居反映其有一辆私家车",
        "经核实车辆已于去年出售",
    ] {
        assert!(shown.contains(text), "“{text}” on the application: {shown}");
        assert!(!database.contains(text), "“{text}” is in the clear");
    }
    // Nothing more can happen to it.
    let r = step(
        &s.county_reviewer,
        app_id,
        json!({"step": "reject", "reason": "x"}),
    )
    .await;
    assert_eq!(r.0, 422, "{}", r.1);
}

#[tokio::test]
async fn approval_waits_for_the_notice_and_a_refusal_tells_the_applicant_why() {
    let s = setup(7).await;
    let id = id_number("44010319750505222");
    let (code, body) = s
        .app
        .anonymous()
        .send(
            "POST",
            "/api/v1/applications",
            application(s.grassroots, "李秀英", &id, "13700137000"),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    let app_id = body["id"].as_i64().unwrap();
    step(&s.officer, app_id, review()).await;
    let r = step(&s.officer, app_id, json!({"step": "notice"})).await;
    assert!(r.1["notice_until"].is_string(), "{}", r.1);
    let r = step(&s.county_reviewer, app_id, json!({"step": "approve"})).await;
    assert_error("approve during notice", &r, 422, "rule_violation", None);
    assert!(r.1["error"]["message"].as_str().unwrap().contains("公示期"));

    // A refusal needs a reason.
    let r = step(&s.county_reviewer, app_id, json!({"step": "reject"})).await;
    assert_error(
        "reject without reason",
        &r,
        400,
        "invalid_input",
        Some("reason"),
    );
    let r = step(
        &s.county_reviewer,
        app_id,
        json!({"step": "reject", "reason": "经核查家庭人均收入高于本地低收入标准"}),
    )
    .await;
    assert_eq!(r.1["status"], "rejected", "{}", r.1);
    let (_, list) = status(&s.app, &id, "13700137000").await;
    assert_eq!(list[0]["status"], "rejected");
    assert!(list[0]["reason"].as_str().unwrap().contains("低收入标准"));
    // After a refusal the worker may apply again.
    let (code, body) = s
        .app
        .anonymous()
        .send(
            "POST",
            "/api/v1/applications",
            application(s.grassroots, "李秀英", &id, "13700137000"),
        )
        .await;
    assert_eq!(code, 201, "{body}");
}

#[tokio::test]
async fn bad_or_duplicate_applications_are_refused_and_write_nothing() {
    let s = setup(0).await;
    let anon = s.app.anonymous();
    let before = s.officer.total("/api/v1/applications").await;

    // A wrong check digit.
    let mut bad = application(s.grassroots, "王五", "440103198001011230", "13800138000");
    let good_id = id_number("44010319800101123");
    if good_id.ends_with('0') {
        bad["household"]["worker_id_number"] = json!("440103198001011231");
    }
    let r = anon.send("POST", "/api/v1/applications", bad).await;
    assert_error("bad id", &r, 400, "invalid_input", Some("worker_id_number"));
    // No months.
    let mut no_months = application(s.grassroots, "王五", &good_id, "13800138000");
    no_months["incomes"] = json!([]);
    let r = anon.send("POST", "/api/v1/applications", no_months).await;
    assert_error("no months", &r, 400, "invalid_input", Some("incomes"));
    // An inactive or unknown union.
    let r = anon
        .send(
            "POST",
            "/api/v1/applications",
            application(999_999, "王五", &good_id, "13800138000"),
        )
        .await;
    assert_error("no union", &r, 400, "invalid_input", Some("union_id"));
    // Without the consent to verification, or with a text no longer in use.
    for consent in [json!(null), json!("2020-01")] {
        let mut unconsented = application(s.grassroots, "王五", &good_id, "13800138000");
        unconsented["consent_version"] = consent;
        let r = anon.send("POST", "/api/v1/applications", unconsented).await;
        assert_error("no consent", &r, 400, "invalid_input", Some("consent"));
    }
    assert_eq!(s.officer.total("/api/v1/applications").await, before);

    // One open application per person.
    let ok = anon
        .send(
            "POST",
            "/api/v1/applications",
            application(s.grassroots, "王五", &good_id, "13800138000"),
        )
        .await;
    assert_eq!(ok.0, 201, "{}", ok.1);
    let again = anon
        .send(
            "POST",
            "/api/v1/applications",
            application(s.grassroots, "王五", &good_id, "13800138000"),
        )
        .await;
    assert_error("twice", &again, 409, "conflict", Some("worker_id_number"));
    assert!(again.1["error"]["message"].as_str().unwrap().contains("SQ"));

    // Someone already in an open file elsewhere: the union that holds it is named.
    let filed = id_number("44010419700101333");
    let mut h = application(s.grassroots, "赵六", &filed, "13600136000")["household"].clone();
    h["category"] = json!("sudden");
    h["tier"] = json!("grassroots");
    let r = s.other_officer.send("POST", "/api/v1/households", h).await;
    assert_eq!(r.0, 201, "{}", r.1);
    let r = anon
        .send(
            "POST",
            "/api/v1/applications",
            application(s.grassroots, "赵六", &filed, "13600136000"),
        )
        .await;
    assert_error("already on file", &r, 409, "conflict", None);
    assert!(r.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("越秀区总工会"));
}

#[tokio::test]
async fn the_public_form_takes_documents_and_refuses_files_that_are_not_documents() {
    let s = setup(0).await;
    let client = s.app.browser_client();
    let page = client
        .get(s.app.url(&format!("/apply?union_id={}", s.grassroots)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("荔湾区机械厂工会"),
        "the chosen union is named"
    );
    let action = html
        .split("action=\"/apply?csrf=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("form posts with its token")
        .to_owned();
    let id = id_number("44010319900202444");
    let form = |file: (&'static str, Vec<u8>)| {
        let mut f = reqwest::multipart::Form::new()
            .text("union_id", s.grassroots.to_string())
            .text("worker_name", "周芳")
            .text("worker_id_number", id.clone())
            .text("phone", "13500135000")
            .text("address", "荔湾区中山八路 3 号")
            .text("employer_kind", "private")
            .text("employment", "flexible")
            .text("labour_capacity", "full")
            .text("health", "healthy")
            .text("causes", "schooling")
            .text("consent", "2026-12");
        for m in months_back(6) {
            f = f
                .text("month", m)
                .text("labour", "1500")
                .text("other", "")
                .text("medical", "")
                .text("schooling", "800")
                .text("emergency", "");
        }
        f.part(
            "files",
            reqwest::multipart::Part::bytes(file.1).file_name(file.0),
        )
    };
    // An executable renamed to .pdf is refused by its content.
    let res = client
        .post(s.app.url(&format!("/apply?csrf={action}")))
        .multipart(form(("证明.pdf", b"MZ\x90\x00 not a pdf".to_vec())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("不是 JPG、PNG 图片或 PDF"));
    assert_eq!(s.officer.total("/api/v1/applications").await, 0);
    // Without the token nothing is accepted.
    let res = client
        .post(s.app.url("/apply"))
        .multipart(form(("证明.pdf", b"%PDF-1.4".to_vec())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A real PDF goes through and the receipt gives the number.
    let res = client
        .post(s.app.url(&format!("/apply?csrf={action}")))
        .multipart(form(("诊断证明.pdf", b"%PDF-1.4 hello".to_vec())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let receipt = res.text().await.unwrap();
    assert!(receipt.contains("SQ"), "{receipt}");
    let (_, list) = s.officer.get("/api/v1/applications").await;
    let app_id = list["items"][0]["id"].as_i64().unwrap();
    let (_, d) = s
        .officer
        .get(&format!("/api/v1/applications/{app_id}"))
        .await;
    assert_eq!(d["files"][0], "诊断证明.pdf", "{d}");
}
