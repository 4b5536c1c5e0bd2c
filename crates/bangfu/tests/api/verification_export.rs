//! 部门核对: the asset thresholds per region, and the hashed export a
//! department matches on its side and answers as an `id_hash` batch.

use crate::common;

use common::{assert_error, audit_entries, file, household, member, person, At};
use serde_json::{json, Value};

async fn vehicle(api: &common::Api, id: &str, value_fen: i64) -> Value {
    let (status, b) = api
        .send(
            "POST",
            "/api/v1/verification/batches",
            json!({
                "dataset": "vehicle", "source": "公安局", "as_of": "2024-06-30",
                "rows": [{ "id_number": id, "value_fen": value_fen }],
            }),
        )
        .await;
    assert_eq!(status, 200, "{b}");
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_threshold_below_the_national_default_makes_a_vehicle_a_finding() {
    let (app, t, _) = common::staffed(&[
        ("root_admin", "admin", At::Root),
        ("city_admin", "admin", At::City),
        ("a_officer", "officer", At::CountyA),
    ])
    .await;
    let [admin, city_admin, officer] = app.apis(["root_admin", "city_admin", "a_officer"]).await;
    let worker = person("440103", "19700101", 11);
    let h = file(&officer, household("王建国", &worker, t.county_a)).await;

    // Nationwide default 10 万: a car worth 9 万 agrees with the file.
    let b = vehicle(&admin, &worker, 9_000_000).await;
    assert_eq!(
        (b["matched_people"].as_i64(), b["findings"].as_i64()),
        (Some(1), Some(0))
    );

    // 广州 sets 8 万; the longest region wins for a file in 荔湾区.
    let (status, set) = city_admin
        .send(
            "PUT",
            "/api/v1/verification/thresholds",
            json!({ "division_code": "440100", "vehicle_value_fen": 8_000_000, "properties": 1, "floor_area_per_person": 40 }),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["division_code"], "440100");
    assert_eq!(set["division_name"], "广东省 广州市");
    let b = vehicle(&admin, &worker, 9_000_000).await;
    assert_eq!(b["findings"], 1, "{b}");
    let (_, found) = officer
        .get(&format!("/api/v1/verification/findings?household_id={h}"))
        .await;
    assert_eq!(found["items"][0]["concern"], "assets", "{found}");

    // Listed for officers and administrators; audited.
    let (status, list) = officer.get("/api/v1/verification/thresholds").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["vehicle_value_fen"], 8_000_000);

    // Refused: an officer, an unknown code, a negative number, a region
    // outside the administrator's own, nationwide by a city's administrator.
    let body = |code: &str, v: i64| json!({ "division_code": code, "vehicle_value_fen": v, "properties": 1, "floor_area_per_person": 40 });
    let got = officer
        .send("PUT", "/api/v1/verification/thresholds", body("440100", 1))
        .await;
    assert_eq!(got.0, 403, "{}", got.1);
    let got = admin
        .send("PUT", "/api/v1/verification/thresholds", body("449999", 1))
        .await;
    assert_error(
        "unknown code",
        &got,
        400,
        "invalid_input",
        Some("division_code"),
    );
    let got = admin
        .send("PUT", "/api/v1/verification/thresholds", body("440100", -1))
        .await;
    assert_error(
        "negative",
        &got,
        400,
        "invalid_input",
        Some("vehicle_value_fen"),
    );
    let got = city_admin
        .send("PUT", "/api/v1/verification/thresholds", body("440300", 1))
        .await;
    assert_eq!(got.0, 422, "another city: {}", got.1);
    let got = city_admin
        .send("PUT", "/api/v1/verification/thresholds", body("", 1))
        .await;
    assert_eq!(got.0, 422, "nationwide: {}", got.1);
    let (status, national) = admin
        .send(
            "PUT",
            "/api/v1/verification/thresholds",
            body("", 12_000_000),
        )
        .await;
    assert_eq!(status, 200, "{national}");
    assert_eq!(national["division_name"], "全国");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_answers_the_hashed_export_and_the_household_gets_a_finding() {
    let (app, t, _) = common::staffed(&[
        ("root_admin", "admin", At::Root),
        ("a_officer", "officer", At::CountyA),
        ("auditor", "auditor", At::Root),
    ])
    .await;
    app.civil_affairs_user("minzheng", None, t.city).await;
    let [admin, officer, dept] = app.apis(["root_admin", "a_officer", "minzheng"]).await;
    let wang_id = person("440103", "19700101", 11);
    let wife_id = person("440103", "19720202", 22);
    let li_id = person("440103", "19750505", 33);
    let mut body = household("王建国", &wang_id, t.county_a);
    body["members"] = json!([member("陈丽", &wife_id, "spouse")]);
    let wang = file(&officer, body).await;
    let li = file(&officer, household("李秀英", &li_id, t.county_a)).await;
    let url = |q: &str| app.url(&format!("/api/v1/verification/export{q}"));

    // No key yet: a reader may not make one.
    let res = officer
        .client
        .get(url(""))
        .bearer_auth(&officer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(
        err["error"]["message"].as_str().unwrap().contains("管理员"),
        "{err}"
    );

    let (_, key) = admin.get("/api/v1/verification/key").await;
    let key_id = key["key_id"].as_i64().unwrap();
    let res = officer
        .client
        .get(url(&format!("?union_id={}&format=csv", t.county_a)))
        .bearer_auth(&officer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    for id in [&wang_id, &wife_id, &li_id] {
        assert!(!csv.contains(id.as_str()), "no ID number in the export");
    }
    assert!(!csv.contains("王建国") && !csv.contains("陈丽"), "no name");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(format!("# key_id={key_id}").as_str()));
    assert_eq!(lines.next(), Some("id_hash,ref,key_id"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3, "two workers and one member: {csv}");
    let refs: Vec<&str> = rows.iter().map(|r| r[1]).collect();
    assert!(refs.contains(&format!("H{wang}").as_str()), "{refs:?}");
    assert!(refs.contains(&format!("H{li}").as_str()), "{refs:?}");
    assert!(
        refs.iter().any(|r| r.starts_with(&format!("H{wang}-M"))),
        "{refs:?}"
    );
    assert!(rows
        .iter()
        .all(|r| r[0].len() == 64 && r[2] == key_id.to_string()));

    // The department finds 李秀英's hash among its deaths and answers with it.
    let li_hash = rows.iter().find(|r| r[1] == format!("H{li}")).unwrap()[0];
    let (status, b) = dept
        .send(
            "POST",
            "/api/v1/verification/batches",
            json!({
                "dataset": "death", "source": "民政局", "as_of": "2024-06-30", "key_id": key_id,
                "rows": [{ "id_hash": li_hash, "died_on": "2024-06-01" }, { "id_hash": "0".repeat(64) }],
            }),
        )
        .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(
        (b["matched_people"].as_i64(), b["findings"].as_i64()),
        (Some(1), Some(1))
    );
    let (_, found) = officer.get("/api/v1/verification/findings").await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["household_id"], li);
    assert_eq!(found["items"][0]["concern"], "worker_died");
    // The statistics panel counts it as open (核对预警, 待处置).
    let (status, panel) = admin.get("/api/v1/stats/panel").await;
    assert_eq!(status, 200, "{panel}");
    assert_eq!(panel["findings"], json!({ "open": 1, "resolved": 0 }));

    // The workbook carries the same rows; the export is audited by count.
    let res = officer
        .client
        .get(url("?format=xlsx"))
        .bearer_auth(&officer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 4, "header and three people");
    let [auditor] = app.apis(["auditor"]).await;
    let entries = audit_entries(&auditor, "export_hashes", key_id).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries
            .iter()
            .any(|e| e.to_string().contains("\"people\":3")),
        "{entries:?}"
    );

    // A department user may not export.
    let res = dept
        .client
        .get(url(""))
        .bearer_auth(&dept.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
