//! 部门核对 over the JSON API: a department's list, plain or hashed, turns
//! into findings on exactly the households it touches (worker or member,
//! anywhere in the sender's subtree), warnings reach the responsible
//! officer, each finding is resolved through the flow that already exists,
//! and nobody outside both lists leaves a trace.

use crate::common;

use common::{assert_error, database_text, household, member, person, Api, At, TestApp, Tree};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

struct World {
    app: TestApp,
    t: Tree,
    admin: Api,
    department: Api,
    officer: Api,
    reviewer: Api,
    b_officer: Api,
    /// 王建国 (county A), his wife 张丽 a member; 李秀英 (county A); 赵强 (county B).
    wang: i64,
    li: i64,
    zhao: i64,
}

fn wang_id() -> String {
    person("440103", "19700101", 11)
}
fn wife_id() -> String {
    person("440103", "19720305", 12)
}
fn li_id() -> String {
    person("440103", "19720202", 22)
}
fn zhao_id() -> String {
    person("440104", "19750505", 33)
}
/// On nobody's file.
fn stranger_id() -> String {
    person("440105", "19800808", 44)
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("a_reviewer", "reviewer", At::CountyA),
        ("b_officer", "officer", At::CountyB),
        ("city_admin", "admin", At::City),
        ("city_auditor", "auditor", At::City),
    ])
    .await;
    app.civil_affairs_user("mz_user", Some("民政局核对员"), t.city)
        .await;
    let [admin, department, officer, reviewer, b_officer] = app
        .apis([
            "city_admin",
            "mz_user",
            "a_officer",
            "a_reviewer",
            "b_officer",
        ])
        .await;
    let mut body = household("王建国", &wang_id(), t.county_a);
    body["members"] = json!([member("张丽", &wife_id(), "spouse")]);
    let wang = common::file(&officer, body).await;
    let li = common::file(&officer, household("李秀英", &li_id(), t.county_a)).await;
    let zhao = common::file(&b_officer, household("赵强", &zhao_id(), t.county_b)).await;
    World {
        app,
        t,
        admin,
        department,
        officer,
        reviewer,
        b_officer,
        wang,
        li,
        zhao,
    }
}

fn batch(dataset: &str, rows: Value) -> Value {
    json!({ "dataset": dataset, "source": "广州市民政局", "as_of": "2026-11-30", "rows": rows })
}

async fn send_batch(api: &Api, dataset: &str, rows: Value) -> Value {
    let (s, b) = api
        .send("POST", "/api/v1/verification/batches", batch(dataset, rows))
        .await;
    assert_eq!(s, 200, "{b}");
    b
}

fn hash(key_hex: &str, id: &str) -> String {
    let key: Vec<u8> = (0..key_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16).unwrap())
        .collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(id.to_uppercase().as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn findings(api: &Api, query: &str) -> Vec<Value> {
    let (s, page) = api
        .get(&format!("/api/v1/verification/findings?{query}"))
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_death_list_plain_and_hashed_becomes_findings_on_exactly_the_households_it_names() {
    let w = world().await;
    let (s, key) = w.admin.get("/api/v1/verification/key").await;
    assert_eq!(s, 200, "{key}");
    let k = key["key"].as_str().unwrap().to_owned();
    assert_eq!(k.len(), 64);

    let b = send_batch(
        &w.department,
        "death",
        json!([
            { "id_number": wang_id(), "died_on": "2026-11-02" },
            { "id_hash": hash(&k, &wife_id()) },
            { "id_number": stranger_id() },
            { "id_hash": hash(&k, &stranger_id()) },
            { "id_number": wang_id() },
        ]),
    )
    .await;
    assert_eq!(b["rows"], 5);
    assert_eq!(b["hashed_rows"], 2);
    assert_eq!(b["duplicate_rows"], 1, "the worker twice is matched once");
    assert_eq!(b["matched_people"], 2);
    assert_eq!(b["findings"], 2);
    assert_eq!(b["key_id"], key["key_id"]);
    let id = b["id"].as_i64().unwrap();

    // The department sees its batch and its counts, never a household.
    let (s, got) = w
        .department
        .get(&format!("/api/v1/verification/batches/{id}"))
        .await;
    assert_eq!((s, got["findings"].as_i64()), (200, Some(2)));
    let got = w.department.get("/api/v1/verification/findings").await;
    assert_error("department reads findings", &got, 403, "forbidden", None);
    let got = w
        .department
        .get(&format!("/api/v1/households/{}", w.wang))
        .await;
    assert_eq!(got.0, 403);

    let list = findings(&w.officer, &format!("batch={id}")).await;
    assert_eq!(list.len(), 2);
    let by_concern = |c: &str| list.iter().find(|f| f["concern"] == c).unwrap().clone();
    let worker = by_concern("worker_died");
    assert_eq!(worker["household_id"], w.wang);
    assert_eq!(worker["member_id"], Value::Null);
    assert_eq!(worker["person_name"], "王建国");
    assert!(worker["dataset_says"]
        .as_str()
        .unwrap()
        .contains("2026-11-02"));
    assert_eq!(worker["status"], "open");
    assert_eq!(worker["actions"], json!(["propose_removal", "dismiss"]));
    let wife = by_concern("member_died");
    assert_eq!(wife["household_id"], w.wang);
    assert_eq!(wife["person_name"], "张丽");
    assert!(wife["member_id"].is_i64());
    assert!(findings(&w.officer, &format!("household_id={}", w.li))
        .await
        .is_empty());

    // Nobody outside both lists leaves a trace; no number sent is kept.
    let text = database_text(&w.app);
    assert!(
        !text.contains(&stranger_id()),
        "an unmatched ID number was stored"
    );
    assert!(
        !text.contains(&hash(&k, &stranger_id())),
        "an unmatched hash was stored"
    );
    assert!(
        !text.contains(&hash(&k, &wife_id())),
        "a matched hash was stored"
    );

    // Counted by dataset and age: both new this week, none overdue.
    let counts = w.officer.get("/api/v1/verification/counts").await.1;
    let death = counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dataset"] == "death")
        .unwrap()
        .clone();
    assert_eq!(
        (&death["open"], &death["fresh"], &death["overdue"]),
        (&json!(2), &json!(2), &json!(0))
    );

    // The same list again raises nothing new while the findings are open.
    let again = send_batch(&w.department, "death", json!([{ "id_number": wang_id() }])).await;
    assert_eq!(
        (again["matched_people"].as_i64(), again["findings"].as_i64()),
        (Some(1), Some(0))
    );
}

#[tokio::test]
async fn findings_are_seen_only_in_their_households_subtree() {
    let w = world().await;
    send_batch(
        &w.admin,
        "death",
        json!([{ "id_number": wang_id() }, { "id_number": zhao_id() }]),
    )
    .await;
    let a = findings(&w.officer, "").await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["household_id"], w.wang);
    let b = findings(&w.b_officer, "").await;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["household_id"], w.zhao);
    let other = a[0]["id"].as_i64().unwrap();
    let got = w
        .b_officer
        .get(&format!("/api/v1/verification/findings/{other}"))
        .await;
    assert_error("another county's finding", &got, 404, "not_found", None);
    let got = w
        .b_officer
        .send(
            "POST",
            &format!("/api/v1/verification/findings/{other}/resolve"),
            json!({ "action": "dismiss", "note": "误报" }),
        )
        .await;
    assert_error(
        "resolve another county's finding",
        &got,
        404,
        "not_found",
        None,
    );

    // A county's department user matches a person wherever they are filed
    // (王建国 is filed in another county), and learns only the counts: the
    // finding is seen where the file is, never by the sender's county.
    w.app.civil_affairs_user("mz_b", None, w.t.county_b).await;
    let county_b = w.app.api_as("mz_b").await;
    let got = send_batch(&county_b, "tekun", json!([{ "id_number": wang_id() }])).await;
    assert_eq!(
        got["matched_people"], 1,
        "王建国 is matched outside 越秀区 too"
    );
    assert_eq!(got["findings"], 1, "{got}");
    let batch = got["id"].as_i64().unwrap();
    let q = format!("batch={batch}");
    assert_eq!(findings(&w.officer, &q).await.len(), 1);
    assert!(findings(&w.b_officer, &q).await.is_empty());
    let (s, _) = county_b
        .get(&format!("/api/v1/verification/findings?{q}"))
        .await;
    assert_eq!(s, 403, "a department never sees households");
    // …and sees only its own batches.
    assert_eq!(county_b.total("/api/v1/verification/batches").await, 1);
    assert_eq!(w.department.total("/api/v1/verification/batches").await, 0);
    assert_eq!(w.admin.total("/api/v1/verification/batches").await, 2);
}

#[tokio::test]
async fn a_finding_warns_the_responsible_officer_and_is_resolved_through_the_removal_flow() {
    let w = world().await;
    send_batch(&w.department, "death", json!([{ "id_number": wang_id() }])).await;
    let (s, todos) = w.officer.get("/api/v1/todos?kind=warning").await;
    assert_eq!(s, 200, "{todos}");
    assert_eq!(todos["total"], 1, "{todos}");
    assert_eq!(todos["items"][0]["household_id"], w.wang);
    assert!(todos["items"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("死亡登记"));

    let f = &findings(&w.officer, "status=open").await[0];
    let fid = f["id"].as_i64().unwrap();
    let path = format!("/api/v1/verification/findings/{fid}/resolve");

    // Confirming before the removal is proposed is refused; nothing changes.
    let got = w
        .officer
        .send("POST", &path, json!({ "action": "propose_removal" }))
        .await;
    assert_error(
        "confirm before proposing",
        &got,
        422,
        "rule_violation",
        None,
    );
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("发起退出"));
    // An action the concern does not allow is refused by field.
    let got = w
        .officer
        .send("POST", &path, json!({ "action": "record_expenditure" }))
        .await;
    assert_error("wrong action", &got, 400, "invalid_input", Some("action"));
    // Dismissing needs a reason.
    let got = w
        .officer
        .send("POST", &path, json!({ "action": "dismiss" }))
        .await;
    assert_error(
        "dismiss without a reason",
        &got,
        400,
        "invalid_input",
        Some("note"),
    );
    // A reviewer does not resolve (no ManageHouseholds).
    let got = w
        .reviewer
        .send(
            "POST",
            &path,
            json!({ "action": "dismiss", "note": "误报" }),
        )
        .await;
    assert_error("reviewer resolves", &got, 403, "forbidden", None);
    assert_eq!(findings(&w.officer, "status=open").await.len(), 1);

    let (s, e) = w
        .officer
        .send(
            "POST",
            "/api/v1/exits",
            json!({ "household_id": w.wang, "kind": "removal", "reason": "death",
                    "note": "民政部门死亡登记核实", "evidence": "死亡登记（核对批次）" }),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let (s, done) = w
        .officer
        .send(
            "POST",
            &path,
            json!({ "action": "propose_removal", "note": "已发起清退", "version": f["version"] }),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "confirmed");
    assert_eq!(done["action"], "propose_removal");
    assert_eq!(done["linked"], format!("exit:{}", e["id"]));
    assert_eq!(
        done["resolved_by_name"].as_str().map(str::is_empty),
        Some(false)
    );
    // The warning is closed with its last finding.
    let (_, todos) = w.officer.get("/api/v1/todos?kind=warning").await;
    assert_eq!(todos["total"], 0, "{todos}");
    // Resolved once only.
    let got = w
        .officer
        .send(
            "POST",
            &path,
            json!({ "action": "dismiss", "note": "再次处置" }),
        )
        .await;
    assert_error("resolve twice", &got, 422, "rule_violation", None);
    let audit =
        common::audit_entries(&w.app.api_as("city_auditor").await, "resolve_check", fid).await;
    assert_eq!(audit.len(), 1, "one audit entry for the resolution");
}

#[tokio::test]
async fn a_dismissal_keeps_the_reason_and_a_correction_needs_the_file_changed() {
    let w = world().await;
    send_batch(
        &w.department,
        "disability",
        json!([{ "id_number": li_id(), "grade": 2 }, { "id_number": wang_id(), "grade": "3" }]),
    )
    .await;
    let list = findings(&w.officer, "dataset=disability").await;
    assert_eq!(list.len(), 2);
    let li = list.iter().find(|f| f["household_id"] == w.li).unwrap();
    let wang = list.iter().find(|f| f["household_id"] == w.wang).unwrap();

    let (s, d) = w
        .officer
        .send(
            "POST",
            &format!("/api/v1/verification/findings/{}/resolve", li["id"]),
            json!({ "action": "dismiss", "note": "入户核实：残疾证已注销" }),
        )
        .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("dismissed")), "{d}");
    assert_eq!(d["note"], "入户核实：残疾证已注销");

    let path = format!("/api/v1/verification/findings/{}/resolve", wang["id"]);
    let got = w
        .officer
        .send("POST", &path, json!({ "action": "correct_file" }))
        .await;
    assert_error("correct before editing", &got, 422, "rule_violation", None);
    // The officer corrects the file (the disability grade), then confirms.
    let (s, h) = w
        .officer
        .get(&format!("/api/v1/households/{}", w.wang))
        .await;
    assert_eq!(s, 200);
    let mut edit = household("王建国", &wang_id(), w.t.county_a);
    edit["members"] = json!([member("张丽", &wife_id(), "spouse")]);
    edit["version"] = h["household"]["version"].clone();
    edit["health"] = json!("disabled");
    edit["disability_grade"] = json!(3);
    edit.as_object_mut().unwrap().remove("union_id");
    let (s, edited) = w
        .officer
        .send("PUT", &format!("/api/v1/households/{}", w.wang), edit)
        .await;
    assert_eq!(s, 200, "{edited}");
    let (s, d) = w
        .officer
        .send("POST", &path, json!({ "action": "correct_file" }))
        .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("confirmed")), "{d}");
    assert!(d["linked"].as_str().unwrap().starts_with("household:"));
    let counts = w.officer.get("/api/v1/verification/counts").await.1;
    let disability = counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dataset"] == "disability")
        .unwrap()
        .clone();
    assert_eq!(
        (
            &disability["open"],
            &disability["confirmed"],
            &disability["dismissed"]
        ),
        (&json!(0), &json!(1), &json!(1))
    );
}

#[tokio::test]
async fn bad_lists_are_refused_whole_with_every_row_named() {
    let w = world().await;
    let got = w
        .department
        .send(
            "POST",
            "/api/v1/verification/batches",
            batch(
                "medical",
                json!([
                    { "id_number": wang_id(), "month": "2026-10", "amount_fen": 3_000_000 },
                    { "id_number": "44010319700101001", "month": "2026-10", "amount_fen": 1 },
                    { "id_hash": "abc", "month": "2026-10", "amount_fen": 1 },
                    { "id_number": li_id(), "month": "2026-13", "amount_fen": -5 },
                    { "id_number": li_id(), "month": "2026-10", "amount_fen": 1, "colour": "red" },
                ]),
            ),
        )
        .await;
    assert_error("bad rows", &got, 400, "invalid_rows", None);
    let rows: Vec<(i64, String)> = got.1["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (2, "id_number".into()),
            (3, "id_hash".into()),
            (4, "month".into()),
            (4, "amount_fen".into()),
            (5, "colour".into()),
        ]
    );
    assert_eq!(
        w.admin.total("/api/v1/verification/batches").await,
        0,
        "nothing written"
    );
    assert!(findings(&w.officer, "").await.is_empty());

    for (what, body, field) in [
        (
            "unknown dataset",
            batch("weather", json!([{ "id_number": wang_id() }])),
            "dataset",
        ),
        ("empty list", batch("death", json!([])), "rows"),
        (
            "no source",
            json!({ "dataset": "death", "source": " ", "as_of": "2026-11-30", "rows": [{ "id_number": wang_id() }] }),
            "source",
        ),
        (
            "future date",
            json!({ "dataset": "death", "source": "x", "as_of": "2999-01-01", "rows": [{ "id_number": wang_id() }] }),
            "as_of",
        ),
    ] {
        let got = w
            .department
            .send("POST", "/api/v1/verification/batches", body)
            .await;
        assert_error(what, &got, 400, "invalid_input", Some(field));
    }
    // Hashes before any key exists are a rule, not a crash.
    let got = w
        .department
        .send(
            "POST",
            "/api/v1/verification/batches",
            batch("death", json!([{ "id_hash": "a".repeat(64) }])),
        )
        .await;
    assert_error("no key yet", &got, 422, "rule_violation", None);
    // An officer does not send datasets; a department user does not read the key.
    let got = w
        .officer
        .send(
            "POST",
            "/api/v1/verification/batches",
            batch("death", json!([{ "id_number": wang_id() }])),
        )
        .await;
    assert_error("officer sends", &got, 403, "forbidden", None);
    let got = w.department.get("/api/v1/verification/key").await;
    assert_error("department reads key", &got, 403, "forbidden", None);
    assert_eq!(w.admin.total("/api/v1/verification/batches").await, 0);
}

#[tokio::test]
async fn a_rotated_key_still_reads_batches_hashed_with_the_old_one() {
    let w = world().await;
    let (_, old) = w.admin.get("/api/v1/verification/key").await;
    let (s, new) = w
        .admin
        .send_empty("POST", "/api/v1/verification/key/rotate")
        .await;
    assert_eq!(s, 200, "{new}");
    assert_ne!(new["key_id"], old["key_id"]);
    assert_eq!(new["retired"], json!([old["key_id"]]));
    let old_hex = old["key"].as_str().unwrap();
    let new_hex = new["key"].as_str().unwrap();

    // A hash with the old key matches only when the batch names the old key.
    let rows = json!([{ "id_hash": hash(old_hex, &zhao_id()) }]);
    let got = send_batch(&w.admin, "death", rows.clone()).await;
    assert_eq!(got["matched_people"], 0);
    let mut body = batch("death", rows);
    body["key_id"] = old["key_id"].clone();
    let (s, got) = w
        .admin
        .send("POST", "/api/v1/verification/batches", body)
        .await;
    assert_eq!((s, got["matched_people"].as_i64()), (200, Some(1)), "{got}");
    let got = send_batch(
        &w.admin,
        "unemployment",
        json!([{ "id_hash": hash(new_hex, &zhao_id()) }]),
    )
    .await;
    assert_eq!(got["matched_people"], 1);
    let _ = (&w.reviewer, w.zhao);
}

#[tokio::test]
async fn each_dataset_touches_its_rule_on_a_filed_household() {
    let w = world().await;
    let cases = [
        ("dibao", json!({ "since": "2026-06" }), "dibao"),
        (
            "vehicle",
            json!({ "value_fen": 15_000_000, "plate": "粤A12345" }),
            "assets",
        ),
        (
            "property",
            json!({ "properties": 3, "floor_area_m2": 210 }),
            "assets",
        ),
        (
            "business",
            json!({ "registered_capital_fen": 50_000_000 }),
            "undeclared_income",
        ),
        (
            "social_insurance",
            json!({ "month": "2026-10", "base_fen": 450_000 }),
            "undeclared_income",
        ),
        (
            "medical",
            json!({ "month": "2026-10", "amount_fen": 3_200_000 }),
            "medical_bill",
        ),
        ("disaster", json!({ "loss_fen": 2_000_000 }), "disaster"),
    ];
    for (dataset, fields, concern) in cases {
        let mut row = fields.clone();
        row["id_number"] = json!(li_id());
        let b = send_batch(&w.department, dataset, json!([row])).await;
        assert_eq!(b["findings"], 1, "{dataset}: {b}");
        let f = &findings(&w.officer, &format!("batch={}", b["id"])).await[0];
        assert_eq!(f["concern"], concern, "{dataset}");
        assert!(!f["file_says"].as_str().unwrap().is_empty());
    }
    // Under the threshold nothing is raised.
    let b = send_batch(
        &w.department,
        "vehicle",
        json!([{ "id_number": wang_id(), "value_fen": 3_000_000 }]),
    )
    .await;
    assert_eq!(
        (b["matched_people"].as_i64(), b["findings"].as_i64()),
        (Some(1), Some(0))
    );
}

#[tokio::test]
async fn a_list_that_arrives_as_a_file_is_received_at_the_command_line() {
    let w = world().await;
    let dir = std::env::temp_dir().join(format!("bangfu-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("deaths.csv");
    std::fs::write(
        &good,
        format!(
            "身份证号码,死亡日期\n{},2026-11-02\n{},\n",
            wang_id(),
            stranger_id()
        ),
    )
    .unwrap();
    let args = |file: &std::path::Path| {
        vec![
            "verify".to_owned(),
            "--user".into(),
            "mz_user".into(),
            "--dataset".into(),
            "死亡登记".into(),
            "--source".into(),
            "民政局".into(),
            "--as-of".into(),
            "2026-11-30".into(),
            file.display().to_string(),
        ]
    };
    let run = |file: &std::path::Path| {
        let a = args(file);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        common::cli(&w.app, &refs, "")
    };
    let out = run(&good);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("2 行") && said.contains("匹配 1 人，发现 1 条"),
        "{said}"
    );
    assert_eq!(findings(&w.officer, "dataset=death").await.len(), 1);
    assert_eq!(
        w.department.total("/api/v1/verification/batches").await,
        1,
        "received as that user"
    );

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "id_number\n123\n").unwrap();
    let out = run(&bad);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("第 2 行"));
    assert_eq!(
        w.department.total("/api/v1/verification/batches").await,
        1,
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
