//! 个人信息副本 (PIPL art. 45): an officer who may see identities in full
//! exports, for a reason, everything held about one person in their
//! subtree — closed files included — as an .xlsx; out of scope is not
//! found, without the permission forbidden, without a reason refused; and
//! the audit log records it with the number masked.

use crate::common;

use calamine::Data;
use common::{
    assert_error, audit_json, cell_text, csrf_of, file, filing, form_html, member, person,
    save_incomes, wages, workbook_sheets, At, PASSWORD,
};
use serde_json::{json, Value};

const PATH: &str = "/api/v1/persons/export";

/// A cell as text; an empty cell as "".
fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        other => cell_text(other),
    }
}

/// The cells of `sheet` as text, header row first.
fn sheet_text(sheets: &[(String, Vec<Vec<Data>>)], sheet: &str) -> Vec<Vec<String>> {
    sheets
        .iter()
        .find(|(n, _)| n == sheet)
        .unwrap_or_else(|| panic!("sheet {sheet} in {:?}", names(sheets)))
        .1
        .iter()
        .map(|r| r.iter().map(text_of).collect())
        .collect()
}

fn names(sheets: &[(String, Vec<Vec<Data>>)]) -> Vec<String> {
    sheets.iter().map(|(n, _)| n.clone()).collect()
}

/// The column named `header` of a sheet's rows (header row left out).
fn column(rows: &[Vec<String>], header: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("column {header} in {:?}", rows[0]));
    rows[1..]
        .iter()
        .map(|r| r.get(i).cloned().unwrap_or_default())
        .collect()
}

/// Every text of the workbook, joined: what a reader of it could see.
fn all_text(sheets: &[(String, Vec<Vec<Data>>)]) -> String {
    sheets
        .iter()
        .flat_map(|(_, rows)| rows.iter().flatten().map(text_of))
        .collect::<Vec<_>>()
        .join("|")
}

/// How many `export_person_data` entries the auditor sees.
async fn exports_logged(auditor: &common::Api) -> i64 {
    auditor
        .total("/api/v1/audit?action=export_person_data")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_exports_everything_held_about_a_person_files_that_left_included_and_audited() {
    let (app, t, ids) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("b_officer", "officer", At::CountyB),
        ("city_auditor", "auditor", At::City),
        ("a_fund", "fund_officer", At::CountyA),
        ("city_admin", "admin", At::City),
    ])
    .await;
    let [officer, b_officer, auditor, fund, admin] = app
        .apis([
            "a_officer",
            "b_officer",
            "city_auditor",
            "a_fund",
            "city_admin",
        ])
        .await;
    let worker = person("440103", "19800101", 123);
    let wife = person("440103", "19820315", 246);
    let stranger = person("440103", "19750505", 357);
    let mut body = filing("李明", &worker);
    body["members"] = json!([
        member("陈丽", &wife, "spouse"),
        member("李小宝", "", "child")
    ]);
    let h = file(&officer, body).await;
    // 3 000.50 yuan of wages in one month: exact fen, shown as yuan.
    let month = (common::today() - chrono::Duration::days(40))
        .format("%Y-%m")
        .to_string();
    save_incomes(&officer, h, vec![wages(&month, 300_050)]).await;
    // Paired and visited while on file.
    common::pair(&officer, h, t.county_a, ids[0]).await;
    let (s, v) = officer
        .send(
            "POST",
            &format!("/api/v1/households/{h}/visits"),
            json!({ "visited_on": common::today().to_string(), "met": "陈丽", "looked": "住房简陋",
                    "asked": "医药费负担重", "explained": "医疗互助政策" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    // Someone else's file in the same union, which the copy must not hold.
    file(&officer, filing("王芳", &stranger)).await;
    // The family moves away and leaves the programme: the copy still holds the file.
    let today = common::today().to_string();
    common::decide(&app, h, "removal", Some("moved"), &today).await;
    let logged_before = exports_logged(&auditor).await;

    // The wife, a member of a closed file, asks for her copy.
    let reason = "本人书面申请查阅、复制个人信息";
    let (status, headers, bytes) = officer
        .post_bytes(PATH, json!({ "id_number": wife, "reason": reason }))
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let ct = headers["content-type"].to_str().unwrap();
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let cd = headers["content-disposition"].to_str().unwrap();
    let masked = format!("{}**********{}", &wife[..4], &wife[14..]);
    let ascii = format!("person-{}-{}.xlsx", &wife[..4], &wife[14..]);
    assert!(
        cd.starts_with("attachment") && cd.contains(&format!("filename=\"{ascii}\"")),
        "{cd}"
    );
    let sheets = workbook_sheets(&bytes);
    assert_eq!(names(&sheets)[0], "说明", "{:?}", names(&sheets));

    // 说明: who, why, the scope, and each sheet with its row count.
    let about = sheet_text(&sheets, "说明");
    let value = |label: &str| {
        about
            .iter()
            .find(|r| r.first().map(String::as_str) == Some(label))
            .and_then(|r| r.get(1).cloned())
            .unwrap_or_else(|| panic!("{label} in 说明: {about:?}"))
    };
    assert_eq!(value("姓名"), "陈丽");
    assert_eq!(value("身份证号码"), wife, "her number in full");
    assert_eq!(value("导出理由"), reason);
    assert!(value("生成人").contains("a_officer"), "{about:?}");
    assert!(value("查询范围").contains("荔湾区总工会"), "{about:?}");
    assert_eq!(value("困难职工档案"), "1", "one file listed: {about:?}");
    assert_eq!(value("家庭成员"), "2");
    assert_eq!(value("家庭月收入"), "1");
    assert_eq!(value("退出决定"), "1");
    assert_eq!(value("结对帮扶"), "1");
    assert_eq!(value("入户走访"), "1");

    // The closed file, with her place in it.
    let files = sheet_text(&sheets, "困难职工档案");
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(column(&files, "职工姓名"), ["李明"]);
    assert_eq!(column(&files, "档案状态"), ["已退出"]);
    let decisions = sheet_text(&sheets, "退出决定");
    assert_eq!(column(&decisions, "退出原因"), ["迁离本地"]);
    let visits = sheet_text(&sheets, "入户走访");
    assert_eq!(column(&visits, "问（困难和需求）"), ["医药费负担重"]);
    assert_eq!(column(&files, "本人在档案中的身份"), ["家庭成员（配偶）"]);
    // Her number is hers; her husband's is not, so it stays masked.
    assert_eq!(
        column(&files, "职工身份证号码"),
        [format!("{}**********{}", &worker[..4], &worker[14..])]
    );
    let members = sheet_text(&sheets, "家庭成员");
    assert_eq!(column(&members, "姓名"), ["陈丽", "李小宝"]);
    assert_eq!(
        column(&members, "身份证号码"),
        [wife.clone(), String::new()]
    );
    assert_eq!(column(&members, "与职工关系"), ["配偶", "子女"]);

    // Money as yuan (a number shown with two decimals), never a float in storage.
    let incomes = sheets.iter().find(|(n, _)| n == "家庭月收入").unwrap();
    assert_eq!(cell_text(&incomes.1[1][1]), month);
    assert_eq!(incomes.1[1][2], Data::Float(3000.5), "{:?}", incomes.1[1]);
    // Dates as dates.
    let birth = &sheets.iter().find(|(n, _)| n == "家庭成员").unwrap().1[1][5];
    assert!(matches!(birth, Data::DateTime(_)), "{birth:?}");

    let text = all_text(&sheets);
    assert!(!text.contains(&worker), "another person's number in full");
    assert!(!text.contains("王芳"), "another family's file");

    // The husband's own copy holds his number, and masks hers.
    let (status, _, bytes) = officer
        .post_bytes(PATH, json!({ "id_number": worker, "reason": reason }))
        .await;
    assert_eq!(status, 200);
    let sheets = workbook_sheets(&bytes);
    let files = sheet_text(&sheets, "困难职工档案");
    assert_eq!(column(&files, "职工身份证号码"), [worker.as_str()]);
    assert_eq!(column(&files, "本人在档案中的身份"), ["职工本人"]);
    assert_eq!(column(&files, "联系电话"), ["13800138000"]);
    let members = sheet_text(&sheets, "家庭成员");
    assert_eq!(column(&members, "身份证号码")[0], masked);

    // Another county's officer does not find her: not found, nothing to download.
    let got = b_officer
        .send("POST", PATH, json!({ "id_number": wife, "reason": reason }))
        .await;
    assert_error("out of scope", &got, 404, "not_found", None);

    // Without the permission: forbidden, whoever the person.
    for api in [&fund, &admin] {
        let got = api
            .send("POST", PATH, json!({ "id_number": wife, "reason": reason }))
            .await;
        assert_error("no reveal permission", &got, 403, "forbidden", None);
    }

    // The audit log: the two exports and the search that found nobody,
    // each with the reason and the number masked — never in full.
    let (status, log) = auditor.get("/api/v1/audit?action=export_person_data").await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log["total"].as_i64(), Some(logged_before + 3), "{log}");
    let items = log["items"].as_array().unwrap();
    let hers: Vec<&Value> = items
        .iter()
        .filter(|e| audit_json(&e["after"])["id_number"] == masked.as_str())
        .collect();
    assert_eq!(hers.len(), 2, "{log}");
    let found = hers
        .iter()
        .find(|e| e["actor_username"] == "a_officer")
        .unwrap_or_else(|| panic!("the officer's export in {log}"));
    assert_eq!(found["success"], true);
    let after = audit_json(&found["after"]);
    assert_eq!(after["reason"], reason);
    assert_eq!(after["found"], true);
    let missed = hers
        .iter()
        .find(|e| e["actor_username"] == "b_officer")
        .unwrap_or_else(|| panic!("the out-of-scope search in {log}"));
    assert_eq!(missed["success"], false);
    assert_eq!(audit_json(&missed["after"])["found"], false);
    assert!(!log.to_string().contains(&wife), "the log keeps no full ID");
    assert!(
        !log.to_string().contains(&worker),
        "the log keeps no full ID"
    );

    // An administrator cannot read the audit log at all.
    let (status, _) = admin.get("/api/v1/audit?action=export_person_data").await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_number_or_no_reason_is_refused_and_writes_nothing() {
    let (app, _, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("a_auditor", "auditor", At::CountyA),
    ])
    .await;
    let [officer, auditor] = app.apis(["a_officer", "a_auditor"]).await;
    let worker = person("440103", "19800101", 123);
    file(&officer, filing("李明", &worker)).await;
    let before = exports_logged(&auditor).await;

    let got = officer
        .send(
            "POST",
            PATH,
            json!({ "id_number": worker, "reason": "   " }),
        )
        .await;
    assert_error("blank reason", &got, 400, "invalid_input", Some("reason"));
    let got = officer
        .send("POST", PATH, json!({ "id_number": worker }))
        .await;
    assert_error("no reason", &got, 400, "invalid_input", Some("reason"));
    let got = officer
        .send("POST", PATH, json!({ "id_number": worker, "reason": "查" }))
        .await;
    assert_error("one character", &got, 400, "invalid_input", Some("reason"));
    let bad = common::with_wrong_check(&worker);
    let got = officer
        .send(
            "POST",
            PATH,
            json!({ "id_number": bad, "reason": "本人申请" }),
        )
        .await;
    assert_error(
        "bad check digit",
        &got,
        400,
        "invalid_input",
        Some("id_number"),
    );

    assert_eq!(exports_logged(&auditor).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_exports_for_the_roles_that_may_and_shows_refusals_in_chinese() {
    let (app, _, _) = common::staffed(&[
        ("a_officer", "officer", At::CountyA),
        ("a_fund", "fund_officer", At::CountyA),
        ("a_auditor", "auditor", At::CountyA),
    ])
    .await;
    let [officer, auditor] = app.apis(["a_officer", "a_auditor"]).await;
    let worker = person("440103", "19800101", 123);
    file(&officer, filing("李明", &worker)).await;
    let before = exports_logged(&auditor).await;

    let (client, _) = app.html_login("a_officer", PASSWORD).await;
    let (_, list) = app.page(&client, "/households").await;
    assert!(
        list.contains("href=\"/persons/export\""),
        "linked from the list"
    );
    let (status, html) = app.page(&client, "/persons/export").await;
    assert_eq!(status, 200);
    assert!(form_html(&html, "person-export-form").is_some(), "{html}");
    assert!(html.contains("导出个人信息副本"));
    let csrf = csrf_of(&app, &client).await;

    // No reason: the form again, the refusal beside the field, nothing written.
    let (status, html) = app
        .post_form(
            &client,
            "/persons/export",
            &[("csrf", &csrf), ("id_number", &worker), ("reason", "")],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("请填写导出理由"), "{html}");
    assert!(html.contains(&worker), "what was typed is kept");
    // Nobody with this number in scope: said on the page (and audited).
    let nobody = person("440104", "19900101", 11);
    let (status, html) = app
        .post_form(
            &client,
            "/persons/export",
            &[
                ("csrf", &csrf),
                ("id_number", &nobody),
                ("reason", "本人申请"),
            ],
        )
        .await;
    assert_eq!(status, 404, "{html}");
    assert!(html.contains("不存在或不在您的权限范围内"), "{html}");
    assert_eq!(exports_logged(&auditor).await, before + 1);

    // The download.
    let res = client
        .post(app.url("/persons/export"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("id_number", worker.as_str()),
            ("reason", "本人申请查阅"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let sheets = workbook_sheets(&bytes);
    assert!(all_text(&sheets).contains(&worker));
    assert_eq!(exports_logged(&auditor).await, before + 2);

    // A role without the permission neither sees the link nor opens the page.
    let (fund, _) = app.html_login("a_fund", PASSWORD).await;
    let (_, list) = app.page(&fund, "/households").await;
    assert!(!list.contains("/persons/export"));
    let (status, _) = app.page(&fund, "/persons/export").await;
    assert_eq!(status, 403);
}
