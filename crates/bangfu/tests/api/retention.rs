//! Retention (PIPL): the monthly run anonymises the personal data of files
//! that left the programme more than the retention period ago; the figures
//! stay, files still in the programme or left recently are untouched, and
//! each anonymisation is in the audit log.

use crate::common;

use bangfu_service::Settings;
use common::{household, member, person, At};
use serde_json::json;
use std::time::Duration;

const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR a leaking roof";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_run_anonymises_files_past_retention_and_keeps_the_figures() {
    let (app, t, ids) = common::staffed_with(
        Settings {
            monthly_schedule: false,
            retention_years: 5,
            ..Settings::default()
        },
        &[
            ("root_admin", "admin", At::Root),
            ("a_officer", "officer", At::CountyA),
            ("root_auditor", "auditor", At::Root),
        ],
    )
    .await;
    let [admin, officer, auditor] = app.apis(["root_admin", "a_officer", "root_auditor"]).await;
    let old_id = person("440103", "19700615", 11);
    let mut body = household("王建国", &old_id, t.county_a);
    body["filed_on"] = json!("2015-01-01");
    body["members"] = json!([member("王小明", &person("440103", "20050304", 12), "child")]);
    let old = common::file(&officer, body).await;
    // Visited while on file: what the officer wrote goes with the identity.
    common::pair(&officer, old, t.county_a, ids[1]).await;
    let (s, v) = officer
        .send(
            "POST",
            &format!("/api/v1/households/{old}/visits"),
            json!({ "visited_on": common::today().to_string(), "met": "王建国", "looked": "住房漏雨",
                    "asked": "儿子上学费用", "explained": "助学政策", "findings": "妻子患尿毒症" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let visit = v["id"].as_i64().unwrap();
    let year = chrono::Datelike::year(&common::today());
    let plan_path = format!("/api/v1/households/{old}/plans/{year}");
    let (s, p) = officer
        .send(
            "PUT",
            &plan_path,
            json!({ "goal": "exit", "target_on": format!("{year}-12-31"), "summary": "妻子透析，儿子在读高中" }),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let (s, m) = officer
        .send(
            "POST",
            &format!("/api/v1/plans/{}/measures", p["id"]),
            json!({ "track": "medical", "content": "联系医院减免透析费用",
                    "due_on": common::today().to_string() }),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let (s, v) = common::upload_photo(&officer, visit, "home.png", PHOTO).await;
    assert_eq!(s, 201, "{v}");
    let recent = common::file(
        &officer,
        household("李秀英", &person("440103", "19720202", 22), t.county_a),
    )
    .await;
    let staying = common::file(
        &officer,
        household("赵大勇", &person("440103", "19750303", 33), t.county_a),
    )
    .await;
    // Matched to a job while on file: the match names him and says why.
    let (s, firm) = officer
        .send(
            "POST",
            "/api/v1/providers",
            json!({ "name": "某物流公司", "kind": "enterprise" }),
        )
        .await;
    assert_eq!(s, 201, "{firm}");
    let (s, job) = officer
        .send(
            "POST",
            "/api/v1/resources",
            json!({ "provider_id": firm["id"], "kind": "job", "title": "仓库管理员", "quantity": 1 }),
        )
        .await;
    assert_eq!(s, 201, "{job}");
    let (s, matched) = officer
        .send(
            "POST",
            &format!("/api/v1/resources/{}/matches", job["id"]),
            json!({ "household_id": old }),
        )
        .await;
    assert_eq!(s, 201, "{matched}");
    assert!(
        matched["reason"].as_str().unwrap().contains("王建国"),
        "{matched}"
    );
    // Removed six years ago; removed last year; still on file.
    let long_ago = (common::today() - chrono::Duration::days(6 * 366)).to_string();
    let last_year = (common::today() - chrono::Duration::days(366)).to_string();
    common::decide(&app, old, "removal", Some("迁出本地"), &long_ago).await;
    common::decide(&app, recent, "removal", Some("迁出本地"), &last_year).await;
    let removed_before = officer.total("/api/v1/households?status=removed").await;

    let (s, run) = admin.send_empty("POST", "/api/v1/monthly/run").await;
    assert_eq!(s, 202, "{run}");
    let id = run["job_id"].as_i64().unwrap();
    let mut finished = json!(null);
    for _ in 0..600 {
        let (_, r) = admin.get(&format!("/api/v1/monthly/runs/{id}")).await;
        if r["finished"] == true {
            finished = r;
            break;
        }
        common::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(finished["status"], "succeeded", "{finished}");
    assert!(
        finished["message"]
            .as_str()
            .unwrap()
            .contains("1 户已匿名化"),
        "{finished}"
    );

    let (_, h) = officer.get(&format!("/api/v1/households/{old}")).await;
    let d = &h["household"];
    assert_eq!(d["worker_name"], "（已匿名）", "{h}");
    let shown = h.to_string();
    for gone in [&old_id[..], "13800138000", "多宝路", "王小明", "纺织厂"] {
        assert!(!shown.contains(gone), "“{gone}” is still there: {shown}");
    }
    let (s, visits) = officer
        .get(&format!("/api/v1/households/{old}/visits"))
        .await;
    assert_eq!(s, 200, "{visits}");
    let visits = visits.to_string();
    assert!(
        visits.contains(&common::today().to_string()),
        "the visit's date stays: {visits}"
    );
    for gone in ["尿毒症", "漏雨", "上学费用"] {
        assert!(!visits.contains(gone), "“{gone}” is still there: {visits}");
    }
    let (_, plan) = officer.get(&plan_path).await;
    let plan_text = plan.to_string();
    assert!(
        plan_text.contains("\"track\":\"medical\""),
        "the measure stays: {plan_text}"
    );
    for gone in ["透析", "高中"] {
        assert!(
            !plan_text.contains(gone),
            "“{gone}” is still there: {plan_text}"
        );
    }
    let (_, m) = officer
        .get(&format!("/api/v1/matches/{}", matched["id"]))
        .await;
    assert_eq!(m["resource_title"], "仓库管理员", "the match stays: {m}");
    assert!(
        !m.to_string().contains("王建国"),
        "the match still names him: {m}"
    );
    let (_, v) = officer.get(&format!("/api/v1/visits/{visit}")).await;
    assert_eq!(
        v["photos"],
        json!([]),
        "the photos of the home are gone: {v}"
    );
    // The figures stay: status, category, causes, the birth year.
    assert_eq!(d["status"], "removed");
    assert_eq!(d["category"], "near_dibao");
    assert!(shown.contains("1970-01-01"), "{shown}");
    assert_eq!(
        officer.total("/api/v1/households?status=removed").await,
        removed_before
    );
    // Left recently, or still on file: untouched.
    for (id, name) in [(recent, "李秀英"), (staying, "赵大勇")] {
        let (_, h) = officer.get(&format!("/api/v1/households/{id}")).await;
        assert_eq!(h["household"]["worker_name"], name);
    }
    let entries = common::audit_entries(&auditor, "anonymise_household", old).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        common::audit_entries(&auditor, "anonymise_household", recent)
            .await
            .is_empty()
    );
}
