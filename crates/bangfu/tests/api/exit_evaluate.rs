//! The exit calculator over the JSON API: out of
//! hardship (脱困) when the causes are removed and per-capita income is
//! strictly above each month's 低保 line for N consecutive months, exact in
//! fen; public like the identification calculator, and in the OpenAPI document.

use crate::common;

/// Asks the public exit calculator, without signing in.
async fn evaluate(app: &TestApp, body: Value) -> (u16, Value) {
    common::post_anonymous(app, "/api/v1/exit/evaluate", body).await
}

use common::{assert_error, TestApp};
use serde_json::{json, Value};

/// One month in the identification calculator's format.
fn month(m: &str, income: i64, line: i64) -> Value {
    json!({ "month": m, "income_fen": income, "dibao_line_fen": line })
}

/// A household of three, months 2019-01.. with the given incomes, line 800.01 元.
fn body(incomes: &[(&str, i64)], causes_removed: bool) -> Value {
    json!({
        "household_size": 3,
        "causes_removed": causes_removed,
        "months": incomes.iter().map(|(m, i)| month(m, *i, 80_001)).collect::<Vec<_>>(),
    })
}

const SIX: [&str; 6] = [
    "2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06",
];

/// 3 × 800.01 元 = 2,400.03 元: the household total at the line.
const AT_LINE: i64 = 240_003;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_months_one_fen_above_the_line_meet_the_standard() {
    let app = common::spawn().await;
    let incomes: Vec<(&str, i64)> = SIX.iter().map(|m| (*m, AT_LINE + 1)).collect();
    let (status, r) = evaluate(&app, body(&incomes, true)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["meets_standard"], true, "{r}");
    assert_eq!(r["insufficient_data"], false);
    assert_eq!(r["window_months"], 6);
    let window = r["window"].as_array().unwrap();
    let months: Vec<&str> = window
        .iter()
        .map(|w| w["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, SIX, "the latest six, ascending");
    assert_eq!(window[0]["income_fen"], AT_LINE + 1);
    assert_eq!(window[0]["per_capita_income_fen"], 80_001);
    assert_eq!(window[0]["dibao_line_fen"], 80_001);
    assert_eq!(window[0]["above_line"], true);
    assert!(
        r["reasons"][0].as_str().unwrap().contains("符合脱困标准"),
        "{r}"
    );

    // The same months with the causes not removed do not meet it.
    let (status, r) = evaluate(&app, body(&incomes, false)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["meets_standard"], false);
    assert_eq!(r["causes_removed"], false);
    assert_eq!(r["reasons"], json!(["致困原因尚未消除"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn income_equal_to_the_line_is_not_above_it() {
    let app = common::spawn().await;
    let incomes: Vec<(&str, i64)> = SIX
        .iter()
        .map(|m| {
            (
                *m,
                if *m == "2019-04" {
                    AT_LINE
                } else {
                    AT_LINE + 1
                },
            )
        })
        .collect();
    let (status, r) = evaluate(&app, body(&incomes, true)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["meets_standard"], false, "{r}");
    assert_eq!(r["insufficient_data"], false);
    assert_eq!(r["window"][3]["above_line"], false);
    assert_eq!(r["window"][2]["above_line"], true);
    assert_eq!(
        r["reasons"],
        json!(["2019-04 家庭人均可支配收入 800.01 元，未高于当月低保标准 800.01 元"]),
        "the month is named"
    );

    // Every month equal: every month is named.
    let incomes: Vec<(&str, i64)> = SIX.iter().map(|m| (*m, AT_LINE)).collect();
    let (_, r) = evaluate(&app, body(&incomes, true)).await;
    assert_eq!(r["meets_standard"], false);
    let reasons = r["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 6, "{r}");
    for (reason, m) in reasons.iter().zip(SIX) {
        assert!(reason.as_str().unwrap().starts_with(m), "{r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_breaks_the_consecutive_months_and_the_line_is_each_months_own() {
    let app = common::spawn().await;
    // 2019-03 missing: only four consecutive months end with the latest.
    let incomes = [
        ("2019-01", 900_000),
        ("2019-02", 900_000),
        ("2019-04", 900_000),
        ("2019-05", 900_000),
        ("2019-06", 900_000),
        ("2019-07", 900_000),
    ];
    let (status, r) = evaluate(&app, body(&incomes, true)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["meets_standard"], false, "{r}");
    assert_eq!(r["insufficient_data"], true);
    assert_eq!(r["window"].as_array().unwrap().len(), 4);
    assert!(
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x.as_str().unwrap().contains("缺少 2019-03")),
        "{r}"
    );

    // A line rising in 2019-04 is applied from that month: 1,100.00 元 a
    // head is above 1,000.00 but not above 1,200.00. A shorter window set
    // by the caller, in any order.
    let months: Vec<Value> = ["2019-06", "2019-02", "2019-05", "2019-03", "2019-04"]
        .iter()
        .map(|m| {
            let line = if *m >= "2019-04" { 120_000 } else { 100_000 };
            month(m, 220_000, line)
        })
        .collect();
    let req = json!({ "household_size": 2, "causes_removed": true,
        "window_months": 5, "months": months });
    let (status, r) = evaluate(&app, req).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["meets_standard"], false);
    assert_eq!(r["window_months"], 5);
    let above: Vec<bool> = r["window"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["above_line"].as_bool().unwrap())
        .collect();
    assert_eq!(above, [true, true, false, false, false], "{r}");
    assert_eq!(r["window"][2]["dibao_line_fen"], 120_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_naming_the_field() {
    let app = common::spawn().await;
    let good: Vec<(&str, i64)> = SIX.iter().map(|m| (*m, AT_LINE + 1)).collect();

    let mut bad_month = body(&good, true);
    bad_month["months"][2]["month"] = json!("2019-13");
    let got = evaluate(&app, bad_month).await;
    assert_error("month 13", &got, 400, "invalid_input", Some("months"));
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("months[2]"),
        "{}",
        got.1
    );

    let mut not_a_month = body(&good, true);
    not_a_month["months"][0]["month"] = json!("June 2019");
    let got = evaluate(&app, not_a_month).await;
    assert_error("not a month", &got, 400, "invalid_input", Some("months"));

    let mut duplicate = body(&good, true);
    duplicate["months"][1]["month"] = json!("2019-01");
    let got = evaluate(&app, duplicate).await;
    assert_error("duplicate", &got, 400, "invalid_input", Some("months"));

    let mut negative = body(&good, true);
    negative["months"][0]["income_fen"] = json!(-1);
    let got = evaluate(&app, negative).await;
    assert_error("negative", &got, 400, "invalid_input", Some("months"));

    let mut size = body(&good, true);
    size["household_size"] = json!(0);
    let got = evaluate(&app, size).await;
    assert_error("size", &got, 400, "invalid_input", Some("household_size"));

    for n in [json!(0), json!(37), json!(-1)] {
        let mut window = body(&good, true);
        window["window_months"] = n.clone();
        let got = evaluate(&app, window).await;
        assert_error(
            &format!("window {n}"),
            &got,
            400,
            "invalid_input",
            Some("window_months"),
        );
    }

    let mut missing = body(&good, true);
    missing.as_object_mut().unwrap().remove("causes_removed");
    let got = evaluate(&app, missing).await;
    assert_eq!(got.0, 400, "{}", got.1);
    assert_eq!(got.1["error"]["field"], "causes_removed", "{}", got.1);
}

/// The identification calculator's body for a household of three: on
/// 低保, migrant, the rule's parameters, the months with expenditure and a
/// low-income line.
fn identification_body(incomes: &[(&str, i64)], window_months: i64) -> Value {
    json!({
        "household_size": 3,
        "on_dibao": true,
        "migrant": true,
        "params": { "window_months": window_months, "multiple_k": 5 },
        "months": incomes.iter().map(|(m, i)| json!({
            "month": m, "income_fen": i, "rigid_expenditure_fen": 10_000,
            "dibao_line_fen": 80_001, "low_income_line_fen": 120_000,
        })).collect::<Vec<_>>(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identification_body_is_accepted_with_causes_removed() {
    let app = common::spawn().await;
    // Five months above the line after one below it.
    let incomes: Vec<(&str, i64)> = SIX
        .iter()
        .map(|m| {
            (
                *m,
                if *m == "2019-01" {
                    AT_LINE
                } else {
                    AT_LINE + 1
                },
            )
        })
        .collect();

    // The identification calculator takes the body as it is.
    let body = identification_body(&incomes, 5);
    let (status, r) =
        common::post_anonymous(&app, "/api/v1/identification/evaluate", body.clone()).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["window_months"], 5);

    // The exit calculator takes the same body with causes_removed; N comes
    // from params.window_months.
    let mut exit_body = body.clone();
    exit_body["causes_removed"] = json!(true);
    let (status, r) = evaluate(&app, exit_body.clone()).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["window_months"], 5, "{r}");
    assert_eq!(r["meets_standard"], true, "{r}");
    assert_eq!(r["window"][0]["month"], "2019-02");
    // With N = 6 the month at the line is in the window.
    let mut six = identification_body(&incomes, 6);
    six["causes_removed"] = json!(true);
    let (status, r) = evaluate(&app, six).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["window_months"].clone(), r["meets_standard"].clone()),
        (json!(6), json!(false))
    );

    // The top-level window_months still works, alone or agreeing with params;
    // two different values are refused, naming the field.
    let mut agree = exit_body.clone();
    agree["window_months"] = json!(5);
    let (status, r) = evaluate(&app, agree).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["window_months"], 5);
    let mut disagree = exit_body.clone();
    disagree["window_months"] = json!(6);
    let got = evaluate(&app, disagree).await;
    assert_error(
        "two windows",
        &got,
        400,
        "invalid_input",
        Some("window_months"),
    );
    let mut top_only = exit_body.clone();
    top_only.as_object_mut().unwrap().remove("params");
    top_only["window_months"] = json!(5);
    let (status, r) = evaluate(&app, top_only).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["window_months"], 5);
    // Neither: the default.
    let mut neither = exit_body.clone();
    neither.as_object_mut().unwrap().remove("params");
    let (status, r) = evaluate(&app, neither).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["window_months"], 6);

    // The parameters are checked as the identification calculator checks them.
    for (field, value) in [
        ("window_months", 0),
        ("window_months", 37),
        ("multiple_k", 0),
    ] {
        let mut bad = exit_body.clone();
        bad["params"][field] = json!(value);
        let got = evaluate(&app, bad.clone()).await;
        assert_error(
            &format!("exit {field} {value}"),
            &got,
            400,
            "invalid_input",
            Some(field),
        );
        bad.as_object_mut().unwrap().remove("causes_removed");
        let got = common::post_anonymous(&app, "/api/v1/identification/evaluate", bad).await;
        assert_error(
            &format!("identification {field} {value}"),
            &got,
            400,
            "invalid_input",
            Some(field),
        );
    }
    // Fields neither calculator knows are still refused.
    let mut unknown = exit_body;
    unknown["colour"] = json!("red");
    let got = evaluate(&app, unknown).await;
    assert_error("unknown field", &got, 400, "invalid_input", Some("colour"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exit_calculator_is_public_and_documented() {
    let app = common::spawn().await;
    let res = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    let post = &doc["paths"]["/api/v1/exit/evaluate"]["post"];
    assert!(post.is_object(), "path missing from the document");
    let security = &post["security"];
    assert!(
        security.as_array().is_some_and(|s| s
            .iter()
            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))),
        "needs no token: {security}"
    );
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ExitEvaluateRequest"]["properties"]["causes_removed"].is_object());
    // Both shapes are documented: the identification body's fields and the
    // top-level window.
    for field in [
        "household_size",
        "on_dibao",
        "migrant",
        "params",
        "window_months",
        "months",
    ] {
        assert!(
            schemas["ExitEvaluateRequest"]["properties"][field].is_object(),
            "ExitEvaluateRequest.{field}"
        );
    }
    for field in ["household_size", "on_dibao", "migrant", "params", "months"] {
        assert!(
            schemas["EvaluateRequest"]["properties"][field].is_object(),
            "EvaluateRequest.{field}"
        );
    }
    let params = &schemas["EvaluateParamsRequest"]["properties"];
    assert!(
        params["window_months"].is_object() && params["multiple_k"].is_object(),
        "{params}"
    );
    assert!(schemas["ExitEvaluationDto"]["properties"]["meets_standard"].is_object());
}
