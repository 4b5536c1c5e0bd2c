//! The exit evaluation of a stored file: from
//! the recorded months and the lines in force, whether the household meets
//! the exit income standard, in `GET /api/v1/households/{id}` and on the
//! file's page, with the months and lines used. The causes of hardship are
//! left for an officer to confirm.

use crate::common;

use common::{filing, first_half_2019, member, person, save_incomes, wages, At, PASSWORD};

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_above_the_line_for_six_months_meets_the_exit_standard() {
    let (app, _, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("city_admin", "admin", At::City),
    ])
    .await;
    let [officer, admin] = app.apis(["a_officer", "city_admin"]).await;

    // The city's line: 800.00 元 per person from 2019-01.
    common::set_line(&admin, "440100", "2019-01", 80_000).await;

    // A household of two in 荔湾区.
    let got = officer
        .send("POST", "/api/v1/households", {
            let mut body = filing("李明", &person("440103", "19800101", 123));
            body["members"] = json!([member("陈丽", &person("440103", "19820315", 246), "spouse")]);
            body
        })
        .await;
    assert_eq!(got.0, 201, "{}", got.1);
    let id = got.1["id"].as_i64().unwrap();
    let path = format!("/api/v1/households/{id}");

    // Nothing recorded yet: not met, data insufficient, the confirmation due.
    let (_, d) = officer.get(&path).await;
    let exit = &d["exit"];
    assert_eq!(exit["meets_standard"], false, "{exit}");
    assert_eq!(exit["insufficient_data"], true);
    assert_eq!(exit["window"], json!([]));
    assert!(d["identification"].is_object(), "existing fields kept");

    // 1,600.01 元 for two: one fen above 800.00 × 2, six months running.
    save_incomes(&officer, id, first_half_2019(160_001)).await;
    let (status, d) = officer.get(&path).await;
    assert_eq!(status, 200, "{d}");
    let exit = &d["exit"];
    assert_eq!(exit["meets_standard"], true, "{exit}");
    assert_eq!(exit["insufficient_data"], false);
    assert_eq!(exit["window_months"], 6);
    let window = exit["window"].as_array().unwrap();
    let months: Vec<&str> = window
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert_eq!(
        months,
        ["2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"]
    );
    assert!(window.iter().all(|m| m["dibao_line_fen"] == 80_000));
    assert!(window.iter().all(|m| m["above_line"] == true));
    assert_eq!(window[0]["income_fen"], 160_001);
    assert_eq!(window[0]["per_capita_income_fen"], 80_000);
    assert_eq!(
        exit["reasons"],
        json!([
            "达到脱困收入标准：2019-01 至 2019-06 连续 6 个月家庭人均可支配收入均高于当月低保标准",
            "须由帮扶干部确认致困原因已消除",
        ])
    );
    assert!(exit.get("causes_removed").is_none(), "not claimed: {exit}");

    // The page shows the card with the months used.
    let (client, _) = app.html_login("a_officer", PASSWORD).await;
    let page_path = format!("/households/{id}");
    let (status, html) = app.page(&client, &page_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("脱困评估"), "{html}");
    assert!(html.contains("达到脱困收入标准：连续 6 个月人均收入高于低保标准"));
    assert!(html.contains("须由帮扶干部确认致困原因已消除"));
    let card = &html[html.find("id=\"exit\"").expect("the exit card")..];
    for m in &months {
        assert!(card.contains(&format!("<td>{m}</td>")), "{m} in the card");
    }
    assert!(card.contains("是否高于"));

    // 2019-03 falls to exactly the line: equal is not above.
    save_incomes(&officer, id, vec![wages("2019-03", 160_000)]).await;
    let (_, d) = officer.get(&path).await;
    let exit = &d["exit"];
    assert_eq!(exit["meets_standard"], false, "{exit}");
    assert_eq!(exit["insufficient_data"], false);
    let flags: Vec<bool> = exit["window"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["above_line"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [true, true, false, true, true, true]);
    assert_eq!(
        exit["reasons"],
        json!([
            "2019-03 家庭人均可支配收入 800.00 元，未高于当月低保标准 800.00 元",
            "须由帮扶干部确认致困原因已消除",
        ])
    );
    let (_, html) = app.page(&client, &page_path).await;
    let card = &html[html.find("id=\"exit\"").expect("the exit card")..];
    assert!(card.contains("尚未达到脱困收入标准"), "{card}");
    assert!(card.contains("2019-03 家庭人均可支配收入 800.00 元，未高于当月低保标准 800.00 元"));
}
