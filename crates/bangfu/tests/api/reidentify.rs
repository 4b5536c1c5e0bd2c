//! Re-identifying every open file after the lines change runs as a
//! background job: the request answers at once with where to follow it,
//! the job shows its progress and result, a second one is refused while one
//! runs, and a job whose process stopped is taken over and goes on from
//! where it got to — no file re-decided twice, none skipped.

use crate::common;

use common::{first_half_2019, household, person, save_incomes, set_line, Api, At, TestApp};
use serde_json::{json, Value};

struct World {
    app: TestApp,
    admin: Api,
    officer: Api,
    first: i64,
    second: i64,
}

/// Two files with three months of incomes of 1 000 yuan each (one person),
/// and an administrator of the city who sets the lines.
async fn world() -> World {
    let (app, t, _) = common::staffed(&[
        ("admin", "admin", At::City),
        ("officer", "officer", At::CountyA),
        ("auditor", "auditor", At::Province),
    ])
    .await;
    let [admin, officer] = app.apis(["admin", "officer"]).await;
    let mut ids = Vec::new();
    for (name, seq) in [("王建国", 11), ("李秀英", 22)] {
        let id = common::file(
            &officer,
            household(name, &person("440103", "19700101", seq), t.county_a),
        )
        .await;
        save_incomes(&officer, id, first_half_2019(100_000)).await;
        ids.push(id);
    }
    World {
        app,
        admin,
        officer,
        first: ids[0],
        second: ids[1],
    }
}

/// Raw SQL on the test's database (what a stopped process leaves).
async fn raw(app: &TestApp, sql: String) {
    app.seed_write(move |c| {
        Ok(bangfu_storage::test_support::raw_sql(c, &sql)
            .map_err(bangfu_storage::StorageError::from)?)
    })
    .await
    .unwrap();
}

async fn decision(api: &Api, id: i64) -> Value {
    let (_, h) = api.get(&format!("/api/v1/households/{id}")).await;
    h["household"]["decision"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_re_identifies_every_file_shows_its_result_and_is_audited() {
    let w = world().await;
    // A line above their income: both eligible once re-identified.
    set_line(&w.admin, "440100", "2019-01", 200_000).await;
    let got = w
        .officer
        .send_empty("POST", "/api/v1/households/reidentify")
        .await;
    common::assert_error("an officer re-identifies", &got, 403, "forbidden", None);

    let job = common::reidentify(&w.admin).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["evaluated"], 2, "{job}");
    assert_eq!(
        (job["done"].clone(), job["total"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(job["percent"], 100);
    assert!(job["millis"].as_i64().is_some_and(|m| m >= 0), "{job}");
    assert!(job["message"].as_str().unwrap().contains("2 户"), "{job}");
    for id in [w.first, w.second] {
        assert_eq!(decision(&w.officer, id).await, "eligible");
    }
    // Nothing changed since: a second job finds nothing to change.
    let again = common::reidentify(&w.admin).await;
    assert_eq!(again["changed"], 0, "{again}");

    // The job is its starter's: another user does not see it.
    let url = job["status_url"].as_str().unwrap();
    let got = w.officer.get(url).await;
    assert_eq!(got.0, 403, "{}", got.1);

    // Who started it, and what it did, are in the audit log.
    let auditor = w.app.api_as("auditor").await;
    assert_eq!(auditor.total("/api/v1/audit?action=reidentify").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_job_is_refused_while_one_runs_and_a_stopped_one_is_taken_over_where_it_was() {
    let w = world().await;
    set_line(&w.admin, "440100", "2019-01", 200_000).await;
    let done = common::reidentify(&w.admin).await;
    let job = done["id"].as_i64().unwrap();

    // The line drops below their income; the job is made to look as a
    // process left it when it stopped after the first file: still running,
    // not heard from for an hour, the first file done.
    set_line(&w.admin, "440100", "2019-01", 50_000).await;
    let left = json!({ "after": w.first, "evaluated": 1, "changed": 0 }).to_string();
    let sql = format!(
        "UPDATE jobs SET status = 'running', phase = '识别中', done = 1, message = NULL, \
         updated_at = '2020-01-01 00:00:00', result_json = '{left}' WHERE id = {job}"
    );
    raw(&w.app, sql).await;
    let (_, shown) = w
        .admin
        .get(&format!("/api/v1/households/reidentify/{job}"))
        .await;
    assert_eq!(shown["status"], "interrupted", "{shown}");

    // A process takes it over and finishes it from the second file on.
    let taken = w.app.services.reidentify_resume_due().await.unwrap();
    assert_eq!(taken, vec![job]);
    assert!(
        w.app
            .services
            .reidentify_resume_due()
            .await
            .unwrap()
            .is_empty(),
        "taken once"
    );
    let end =
        common::follow_reidentify(&w.admin, &format!("/api/v1/households/reidentify/{job}")).await;
    assert_eq!(end["status"], "succeeded", "{end}");
    assert_eq!(end["evaluated"], 2, "{end}");
    assert_eq!(end["changed"], 1, "{end}");
    assert_eq!(end["resumed"], 1, "{end}");
    // The first file was not re-decided again (it keeps its decision until
    // the next job); the second was.
    assert_eq!(decision(&w.officer, w.first).await, "eligible");
    assert_eq!(decision(&w.officer, w.second).await, "not_eligible");

    // While a job runs (heard from just now), a second is refused and
    // nothing is started.
    let sql = format!(
        "UPDATE jobs SET status = 'running', updated_at = '{}' WHERE id = {job}",
        chrono::Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S")
    );
    raw(&w.app, sql).await;
    let got = w
        .admin
        .send_empty("POST", "/api/v1/households/reidentify")
        .await;
    common::assert_error("a second job", &got, 409, "conflict", None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("正在进行"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lines_page_starts_a_job_and_its_page_follows_it_to_the_result() {
    let w = world().await;
    set_line(&w.admin, "440100", "2019-01", 200_000).await;
    let (client, _) = w.app.html_login("admin", common::PASSWORD).await;
    let (_, lines) = w.app.page(&client, "/lines").await;
    assert!(lines.contains("action=\"/lines/reidentify\""), "{lines}");
    assert!(lines.contains("data-confirm"), "asks first");
    let csrf = common::csrf_of(&w.app, &client).await;
    let res = client
        .post(w.app.url("/lines/reidentify"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/lines/reidentify/"), "{to}");
    let mut page = String::new();
    for _ in 0..200 {
        (_, page) = w.app.page(&client, &format!("{to}/progress")).await;
        if page.contains("id=\"reidentify-result\"") {
            break;
        }
        common::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        page.contains("已按现行标准重新识别 2 户在档家庭，其中 2 户"),
        "{page}"
    );
    assert!(
        !page.contains("hx-trigger"),
        "a finished job stops refreshing"
    );
    let (status, whole) = w.app.page(&client, &to).await;
    assert_eq!(status, 200);
    assert!(whole.contains("重新识别 #") && whole.contains("返回标准与参数"));
}
