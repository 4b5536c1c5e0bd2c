//! Reference data for clients (roles, divisions) and response hygiene.

use crate::common;

use common::{assert_error, At};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_divisions_are_listed_for_signed_in_clients() {
    let (app, _, _) = common::staffed(&[("alice", "officer", At::CountyA)]).await;
    let api = app.api_as("alice").await;

    let (s, roles) = api.get("/api/v1/roles").await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "admin",
            "officer",
            "reviewer",
            "fund_officer",
            "auditor",
            "department"
        ]
    );
    let auditor = &roles[4];
    assert_eq!(auditor["label"], "审计/督查");
    assert!(auditor["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["code"] == "read_audit"));
    // A department's user answers referrals and sends datasets for
    // verification, and may do nothing else (no household is read).
    let department = &roles[5];
    assert_eq!(department["label"], "部门用户");
    assert_eq!(
        department["permissions"],
        serde_json::json!([
            {"code": "answer_referrals", "label": "答复推送给本部门的需求"},
            {"code": "send_datasets", "label": "报送部门核对数据，查看本人报送的批次"}
        ]),
        "{department}"
    );

    let (s, provinces) = api.get("/api/v1/divisions").await;
    assert_eq!(s, 200);
    assert_eq!(provinces.as_array().unwrap().len(), 31);
    let (s, districts) = api.get("/api/v1/divisions?parent=440100").await;
    assert_eq!(s, 200);
    let liwan = districts
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "440103")
        .expect("荔湾区");
    assert_eq!(liwan["name"], "荔湾区");
    assert_eq!(liwan["full_name"], "广东省 广州市 荔湾区");
    assert_error(
        "unknown parent",
        &api.get("/api/v1/divisions?parent=999999").await,
        404,
        "not_found",
        None,
    );

    let anonymous = app.anonymous();
    assert_error(
        "no token",
        &anonymous.get("/api/v1/roles").await,
        401,
        "unauthenticated",
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_never_cached() {
    let (app, _, _) = common::staffed(&[("alice", "officer", At::CountyA)]).await;
    let api = app.api_as("alice").await;
    let res = api
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (client, _) = app.html_login("alice", common::PASSWORD).await;
    let res = client.get(app.url("/users")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    // Static assets may be cached.
    let res = client.get(app.url("/assets/app.css")).send().await.unwrap();
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    // The vendored chart library is served from the binary, nothing fetched elsewhere.
    let res = client
        .get(app.url("/assets/echarts.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Apache License"),
        "the licence header is kept"
    );
    assert!(
        body.len() > 500_000,
        "the whole library: {} bytes",
        body.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_errors_naming_the_field() {
    let (app, t, _) = common::staffed(&[("padmin", "admin", At::Province)]).await;
    let api = app.api_as("padmin").await;

    let missing = api
        .send(
            "POST",
            "/api/v1/unions",
            serde_json::json!({"parent_id": t.city, "name": "天河区总工会"}),
        )
        .await;
    assert_error(
        "missing field",
        &missing,
        400,
        "invalid_input",
        Some("level"),
    );
    let wrong_type = api
        .send(
            "POST",
            "/api/v1/unions",
            serde_json::json!({"parent_id": "x", "name": "天河区总工会", "level": "county", "division_code": "440106"}),
        )
        .await;
    assert_error(
        "wrong type",
        &wrong_type,
        400,
        "invalid_input",
        Some("parent_id"),
    );
    let bad_id = api.get("/api/v1/unions/abc").await;
    assert_error("bad path id", &bad_id, 400, "invalid_input", None);
    let unknown = api.get("/api/v1/no-such-thing").await;
    assert_error("unknown route", &unknown, 404, "not_found", None);
    let method = api
        .send("DELETE", "/api/v1/audit/1", serde_json::json!({}))
        .await;
    assert_error("wrong method", &method, 405, "method_not_allowed", None);
    // None of it wrote anything.
    assert_eq!(api.get("/api/v1/unions?q=天河").await.1["total"], 0);
}
