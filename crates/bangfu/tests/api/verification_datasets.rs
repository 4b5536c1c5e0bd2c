//! The catalogue of department datasets, which an administrator extends: a
//! dataset added following the rule of a built-in kind receives batches
//! whose findings carry its own label and filter by its own code; only an
//! administrator adds or changes one, a bad request writes nothing, and a
//! deactivated dataset refuses new batches while what it brought still lists.

use crate::common::{self, assert_error, At, TestApp, PASSWORD};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    admin: common::Api,
    department: common::Api,
    officer: common::Api,
    auditor: common::Api,
    worker: String,
}

async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("city_admin", "admin", At::City),
        ("city_auditor", "auditor", At::City),
    ])
    .await;
    app.civil_affairs_user("dept", None, t.city).await;
    let [admin, department, officer, auditor] = app
        .apis(["city_admin", "dept", "a_officer", "city_auditor"])
        .await;
    let worker = common::person("440103", "19700101", 123);
    common::file(&officer, common::household("王建国", &worker, t.county_a)).await;
    World {
        app,
        admin,
        department,
        officer,
        auditor,
        worker,
    }
}

fn provident_fund() -> Value {
    json!({
        "code": "provident_fund",
        "label": "住房公积金缴存",
        "department": "住房公积金管理中心",
        "kind": "social_insurance",
    })
}

async fn add(api: &common::Api, body: Value) -> (u16, Value) {
    api.send("POST", "/api/v1/verification/datasets", body)
        .await
}

fn batch(dataset: &str, worker: &str) -> Value {
    json!({
        "dataset": dataset,
        "source": "广州市住房公积金管理中心",
        "as_of": "2026-11-30",
        "rows": [{ "id_number": worker, "month": "2026-10", "base_fen": 450_000 }],
    })
}

async fn send(api: &common::Api, dataset: &str, worker: &str) -> (u16, Value) {
    api.send(
        "POST",
        "/api/v1/verification/batches",
        batch(dataset, worker),
    )
    .await
}

async fn codes(api: &common::Api, query: &str) -> Vec<(String, bool)> {
    let (s, list) = api
        .get(&format!("/api/v1/verification/datasets{query}"))
        .await;
    assert_eq!(s, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_owned(), d["active"] == true))
        .collect()
}

async fn findings(api: &common::Api, query: &str) -> Vec<Value> {
    let (s, page) = api
        .get(&format!("/api/v1/verification/findings?{query}"))
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn edits(auditor: &common::Api) -> Vec<Value> {
    let (s, body) = auditor.get("/api/v1/audit?action=edit_dataset").await;
    assert_eq!(s, 200, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_added_dataset_follows_its_kind_and_its_findings_carry_its_own_label() {
    let w = world().await;
    // The shipped catalogue: eleven built-ins, each its own kind.
    let (s, list) = w.department.get("/api/v1/verification/datasets").await;
    assert_eq!(s, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 11, "{list:?}");
    for d in list {
        assert_eq!(d["builtin"], true, "{d}");
        assert_eq!(d["kind"], d["code"], "{d}");
        assert_eq!(d["active"], true, "{d}");
        assert!(!d["fields"].as_array().unwrap().is_empty(), "{d}");
    }

    let (s, d) = add(&w.admin, provident_fund()).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(
        (
            &d["code"],
            &d["label"],
            &d["kind"],
            &d["builtin"],
            &d["active"]
        ),
        (
            &json!("provident_fund"),
            &json!("住房公积金缴存"),
            &json!("social_insurance"),
            &json!(false),
            &json!(true)
        )
    );
    let fields: Vec<&str> = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["month", "base_fen", "employer"]);
    assert!(codes(&w.department, "")
        .await
        .contains(&("provident_fund".into(), true)));

    // A department sends it; the contribution base names the worker.
    let (s, b) = send(&w.department, "provident_fund", &w.worker).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["dataset"], &b["dataset_label"], &b["findings"]),
        (
            &json!("provident_fund"),
            &json!("住房公积金缴存"),
            &json!(1)
        )
    );
    let list = findings(&w.officer, "dataset=provident_fund").await;
    assert_eq!(list.len(), 1, "{list:?}");
    let f = &list[0];
    assert_eq!(f["dataset"], "provident_fund");
    assert_eq!(f["dataset_label"], "住房公积金缴存");
    assert_eq!(f["concern"], "undeclared_income", "the kind's rule: {f}");
    assert!(
        f["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("correct_file")),
        "{f}"
    );
    // Filtering by the kind's own dataset does not show it; by label does.
    assert!(findings(&w.officer, "dataset=social_insurance")
        .await
        .is_empty());
    assert_eq!(
        findings(&w.officer, "dataset=住房公积金缴存").await.len(),
        1
    );
    assert_eq!(
        w.department
            .total("/api/v1/verification/batches?dataset=provident_fund")
            .await,
        1
    );
    let (s, counts) = w.officer.get("/api/v1/verification/counts").await;
    assert_eq!(s, 200, "{counts}");
    let row = counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dataset"] == "provident_fund")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (&row["dataset_label"], &row["open"]),
        (&json!("住房公积金缴存"), &json!(1)),
        "{counts}"
    );

    // Added and audited once.
    let entries = edits(&w.auditor).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].to_string().contains("provident_fund"));
}

#[tokio::test]
async fn only_an_administrator_adds_and_a_bad_dataset_writes_nothing() {
    let w = world().await;
    for who in [&w.officer, &w.department] {
        assert_error(
            "not an administrator",
            &add(who, provident_fund()).await,
            403,
            "forbidden",
            None,
        );
    }
    let mut bad_kind = provident_fund();
    bad_kind["kind"] = json!("weather");
    let mut taken_code = provident_fund();
    taken_code["code"] = json!("death");
    let mut bad_code = provident_fund();
    bad_code["code"] = json!("Provident-Fund");
    let mut taken_label = provident_fund();
    taken_label["label"] = json!("死亡登记");
    let mut no_label = provident_fund();
    no_label["label"] = json!(" ");
    let mut no_department = provident_fund();
    no_department["department"] = json!("");
    for (what, body, field) in [
        ("an unknown kind", bad_kind, "kind"),
        ("a code already in the catalogue", taken_code, "code"),
        ("a code that is not lowercase ASCII", bad_code, "code"),
        ("a label already in the catalogue", taken_label, "label"),
        ("no label", no_label, "label"),
        ("no department", no_department, "department"),
    ] {
        let got = add(&w.admin, body).await;
        assert_error(what, &got, 400, "invalid_input", Some(field));
    }
    assert_eq!(codes(&w.admin, "?all=true").await.len(), 11);
    assert!(edits(&w.auditor).await.is_empty());

    // A second add of the same code is refused too.
    assert_eq!(add(&w.admin, provident_fund()).await.0, 201);
    let got = add(&w.admin, provident_fund()).await;
    assert_error(
        "the same code twice",
        &got,
        400,
        "invalid_input",
        Some("code"),
    );
    assert_eq!(codes(&w.admin, "?all=true").await.len(), 12);
    assert_eq!(edits(&w.auditor).await.len(), 1);

    // Neither may anyone else change one; an unknown code is 404.
    let off = json!({ "active": false });
    let got = w
        .officer
        .send("PATCH", "/api/v1/verification/datasets/death", off.clone())
        .await;
    assert_error("officer", &got, 403, "forbidden", None);
    let got = w
        .admin
        .send("PATCH", "/api/v1/verification/datasets/weather", off)
        .await;
    assert_error("unknown", &got, 404, "not_found", None);
}

#[tokio::test]
async fn a_deactivated_dataset_refuses_new_batches_while_its_findings_still_list() {
    let w = world().await;
    assert_eq!(add(&w.admin, provident_fund()).await.0, 201);
    let (s, b) = send(&w.department, "provident_fund", &w.worker).await;
    assert_eq!(s, 200, "{b}");
    let batches = || {
        w.department
            .total("/api/v1/verification/batches?dataset=provident_fund")
    };
    assert_eq!(batches().await, 1);

    let (s, d) = w
        .admin
        .send(
            "PATCH",
            "/api/v1/verification/datasets/provident_fund",
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["active"], false);
    assert!(!codes(&w.department, "")
        .await
        .iter()
        .any(|(c, _)| c == "provident_fund"));
    assert!(codes(&w.department, "?all=true")
        .await
        .contains(&("provident_fund".into(), false)));

    // No new batch, of it or of a dataset nobody added.
    for dataset in ["provident_fund", "weather"] {
        let got = send(&w.department, dataset, &w.worker).await;
        assert_error(dataset, &got, 400, "invalid_input", Some("dataset"));
    }
    assert_eq!(batches().await, 1);
    assert_eq!(w.department.total("/api/v1/verification/batches").await, 1);

    // What it brought still lists, under its label, even renamed.
    let (s, _) = w
        .admin
        .send(
            "PATCH",
            "/api/v1/verification/datasets/provident_fund",
            json!({ "label": "公积金缴存", "department": "市住房公积金中心" }),
        )
        .await;
    assert_eq!(s, 200);
    let list = findings(&w.officer, "dataset=provident_fund").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["dataset_label"], "公积金缴存");
    let (s, b) = w
        .department
        .get(&format!("/api/v1/verification/batches/{}", b["id"]))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["dataset_label"], "公积金缴存");
    // Deactivated, renamed: two more audited edits.
    assert_eq!(edits(&w.auditor).await.len(), 3);

    // Active again, it receives batches again (the person already flagged
    // is not flagged twice while the first finding is open).
    let (s, _) = w
        .admin
        .send(
            "PATCH",
            "/api/v1/verification/datasets/provident_fund",
            json!({ "active": true }),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = send(&w.department, "provident_fund", &w.worker).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["matched_people"], &b["findings"]),
        (&json!(1), &json!(0))
    );
}

#[tokio::test]
async fn the_hub_lets_an_administrator_add_and_deactivate_a_dataset() {
    let w = world().await;
    let app = &w.app;
    let (admin, _) = app.html_login("city_admin", PASSWORD).await;
    let (status, hub) = app.page(&admin, "/verification").await;
    assert_eq!(status, 200, "{hub}");
    let form = common::form_html(&hub, "dataset-form").expect("form#dataset-form");
    assert!(
        form.contains("社会保险缴费（字段：缴费月份（必填）"),
        "{form}"
    );
    let csrf = common::input_value(form, "csrf").expect("csrf");

    // A bad code comes back with what was typed and the message beside it.
    let (status, html) = app
        .post_form(
            &admin,
            "/verification/datasets",
            &[
                ("csrf", &csrf),
                ("code", "公积金"),
                ("label", "住房公积金缴存"),
                ("department", "住房公积金管理中心"),
                ("kind", "social_insurance"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("id=\"ne-code\""), "{html}");
    assert!(html.contains("value=\"住房公积金缴存\""), "{html}");
    assert!(codes(&w.admin, "?all=true").await.len() == 11);

    let (status, _) = app
        .post_form(
            &admin,
            "/verification/datasets",
            &[
                ("csrf", &csrf),
                ("code", "provident_fund"),
                ("label", "住房公积金缴存"),
                ("department", "住房公积金管理中心"),
                ("kind", "social_insurance"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, hub) = app.page(&admin, "/verification?notice=dataset_added").await;
    assert!(hub.contains("已添加数据集"), "{hub}");
    assert!(hub.contains("id=\"dataset-provident_fund\""), "{hub}");
    assert!(
        hub.contains("data-confirm=\"确认停用数据集“住房公积金缴存”"),
        "{hub}"
    );

    // A department downloads its template and uploads it on the page.
    let (dept, _) = app.html_login("dept", PASSWORD).await;
    app.assert_xlsx(&dept, "/verification/template?dataset=provident_fund")
        .await;
    let (_, dept_hub) = app.page(&dept, "/verification").await;
    assert!(
        dept_hub.contains("住房公积金缴存（住房公积金管理中心）"),
        "{dept_hub}"
    );
    assert!(
        !dept_hub.contains("dataset-form"),
        "only administrators edit"
    );

    let (status, _) = app
        .post_form(
            &admin,
            "/verification/datasets/provident_fund",
            &[("csrf", &csrf), ("active", "false")],
        )
        .await;
    assert_eq!(status, 303);
    assert!(codes(&w.admin, "?all=true")
        .await
        .contains(&("provident_fund".into(), false)));
    let (_, dept_hub) = app.page(&dept, "/verification").await;
    assert!(
        !dept_hub.contains("住房公积金缴存（住房公积金管理中心）"),
        "{dept_hub}"
    );
    let (status, _) = app
        .page(&dept, "/verification/template?dataset=provident_fund")
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_added_dataset_arrives_as_a_file_on_the_page_and_at_the_command_line() {
    let w = world().await;
    assert_eq!(add(&w.admin, provident_fund()).await.0, 201);
    // Columns by their Chinese names; money in yuan.
    let csv = format!("身份证号码,缴费月份,缴费基数\n{},2026-10,4500\n", w.worker);

    // The upload page.
    let (dept, _) = w.app.html_login("dept", PASSWORD).await;
    let (_, hub) = w.app.page(&dept, "/verification").await;
    let form = common::form_html(&hub, "upload-form").expect("form#upload-form");
    let action = common::form_action(form, "/verification");
    let part = reqwest::multipart::Part::bytes(csv.clone().into_bytes())
        .file_name("公积金.csv")
        .mime_str("text/csv")
        .unwrap();
    let res = dept
        .post(w.app.url(&action))
        .multipart(
            reqwest::multipart::Form::new()
                .text("dataset", "provident_fund")
                .text("source", "住房公积金管理中心")
                .text("as_of", common::today().to_string())
                .part("file", part),
        )
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status().as_u16(), 303);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (status, page) = w.app.page(&dept, &location).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("住房公积金缴存"), "{page}");
    assert_eq!(
        findings(&w.officer, "dataset=provident_fund").await.len(),
        1
    );

    // The command line, then refused once the dataset is deactivated.
    let dir = std::env::temp_dir().join(format!("bangfu-ds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fund.csv");
    std::fs::write(&file, csv).unwrap();
    let path = file.display().to_string();
    let verify = |path: &str| {
        common::cli(
            &w.app,
            &[
                "verify",
                "--user",
                "dept",
                "--dataset",
                "provident_fund",
                "--source",
                "住房公积金管理中心",
                "--as-of",
                "2026-11-30",
                path,
            ],
            "",
        )
    };
    let run = || verify(&path);
    let out = run();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("匹配 1 人"), "{said}");
    // A column the rule does not have is refused in the dataset's own name.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "身份证号码,缴费月份,缴费基数,颜色\n{},2026-10,4500,红\n",
            w.worker
        ),
    )
    .unwrap();
    let out = verify(&bad.display().to_string());
    let told = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{told}");
    assert!(told.contains("“住房公积金缴存”没有“颜色”这一列"), "{told}");
    assert_eq!(
        w.department
            .total("/api/v1/verification/batches?dataset=provident_fund")
            .await,
        2
    );
    let (s, _) = w
        .admin
        .send(
            "PATCH",
            "/api/v1/verification/datasets/provident_fund",
            json!({ "active": false }),
        )
        .await;
    assert_eq!(s, 200);
    let out = run();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("已停用"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        w.department
            .total("/api/v1/verification/batches?dataset=provident_fund")
            .await,
        2,
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
