//! The home dashboard per role: an officer sees their
//! households and what is due; a manager sees the subtree's key numbers,
//! the year's target and what is overdue or waiting for a decision.

use crate::common;

use common::{first_half_2019, household, person, save_incomes, PASSWORD};

use bangfu_service::Settings;
use serde_json::json;
use std::time::Duration;

/// The text of the cell `data-k="key"` inside the card `id="card"` of a
/// page, tags removed; `None` when the card or the cell is not there.
fn dash(html: &str, card: &str, key: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{card}\""))?;
    let rest = &html[start..];
    let end = rest.find("</div>").unwrap_or(rest.len());
    let rest = &rest[..end];
    let at = rest.find(&format!("data-k=\"{key}\""))?;
    let cell = &rest[at..];
    let cell = &cell[cell.find('>')? + 1..];
    let cell = &cell[..cell.find("</td>").or_else(|| cell.find("</strong>"))?];
    let mut out = String::new();
    let mut in_tag = false;
    for ch in cell.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_shows_each_role_its_numbers() {
    let app = common::spawn_with(Settings {
        monthly_schedule: false,
        ..Settings::default()
    })
    .await;
    let t = app.tree().await;
    app.user("root_admin", "admin", t.root).await;
    app.user("a_officer", "officer", t.county_a).await;
    app.user("a_officer2", "officer", t.county_a).await;
    app.user("city_reviewer", "reviewer", t.city).await;
    app.user("b_reviewer", "reviewer", t.county_b).await;
    let [admin, officer] = app.apis(["root_admin", "a_officer"]).await;
    let (_, me) = officer.get("/api/v1/auth/me").await;
    common::set_line(&admin, "440100", "2019-01", 90_000).await;

    // Three files in 荔湾: two paired to a_officer (one above the line),
    // one paired to nobody.
    let mut ids = Vec::new();
    for (i, name) in ["王建国", "李秀英", "赵国强"].iter().enumerate() {
        let id = common::file(
            &officer,
            household(
                name,
                &person("440103", "19700101", 10 + i as u32),
                t.county_a,
            ),
        )
        .await;
        ids.push(id);
    }
    for id in &ids[..2] {
        let got = officer
            .send(
                "POST",
                &format!("/api/v1/households/{id}/pairing"),
                json!({ "union_id": t.county_a, "responsible_id": me["id"] }),
            )
            .await;
        assert!(got.0 == 200 || got.0 == 201, "{}", got.1);
    }
    // Paired long ago and never visited: both are due a visit.
    for id in &ids[..2] {
        common::pair_days_ago(&app, *id, 100).await;
    }
    save_incomes(&officer, ids[0], first_half_2019(90_001)).await;
    save_incomes(&officer, ids[2], first_half_2019(90_001)).await;

    // Before any run: households and readiness already count, no to-dos.
    let (oc, _) = app.html_login("a_officer", PASSWORD).await;
    let (s, html) = app.page(&oc, "/").await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(dash(&html, "dash-mine", "households").as_deref(), Some("2"));
    assert_eq!(dash(&html, "dash-mine", "exit_ready").as_deref(), Some("1"));
    assert_eq!(
        dash(&html, "dash-mine", "visits_overdue").as_deref(),
        Some("2")
    );
    assert_eq!(dash(&html, "dash-mine", "todos_open").as_deref(), Some("0"));
    assert!(
        dash(&html, "dash-subtree", "on_file").is_none(),
        "an officer is no manager"
    );

    // The run leaves an item for a_officer and one for nobody.
    let (s, body) = admin.send_empty("POST", "/api/v1/monthly/run").await;
    assert_eq!(s, 202, "{body}");
    let job = body["job_id"].as_i64().unwrap();
    for _ in 0..300 {
        let (_, r) = admin.get(&format!("/api/v1/monthly/runs/{job}")).await;
        if r["finished"] == true {
            assert_eq!(r["status"], "succeeded", "{r}");
            break;
        }
        common::sleep(Duration::from_millis(100)).await;
    }
    let (_, html) = app.page(&oc, "/").await;
    assert_eq!(dash(&html, "dash-mine", "todos_open").as_deref(), Some("1"));
    assert_eq!(
        dash(&html, "dash-mine", "todos_unassigned").as_deref(),
        Some("1")
    );
    assert!(html.contains("最近一次月度评估"), "{html}");
    // Another officer of the county has nothing paired.
    let (oc2, _) = app.html_login("a_officer2", PASSWORD).await;
    let (_, html) = app.page(&oc2, "/").await;
    assert_eq!(dash(&html, "dash-mine", "households").as_deref(), Some("0"));
    assert_eq!(dash(&html, "dash-mine", "todos_open").as_deref(), Some("0"));

    // A decision proposed for the ready household waits for approval.
    let got = officer
        .send(
            "POST",
            "/api/v1/exits",
            json!({ "household_id": ids[0], "kind": "out", "pathway": "employment", "causes_removed": true, "note": "已稳定就业" }),
        )
        .await;
    assert_eq!(got.0, 201, "{}", got.1);

    // The city's reviewer: the subtree's numbers.
    let (rc, _) = app.html_login("city_reviewer", PASSWORD).await;
    let (s, html) = app.page(&rc, "/").await;
    assert_eq!(s, 200);
    assert_eq!(
        dash(&html, "dash-subtree", "on_file").as_deref(),
        Some("3 / 3")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "exit_ready").as_deref(),
        Some("2")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "open_decisions").as_deref(),
        Some("1")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "todos_open").as_deref(),
        Some("2")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "this_year").as_deref(),
        Some("0 / 0")
    );
    assert!(
        dash(&html, "dash-mine", "households").is_none(),
        "no pairing of their own"
    );
    assert!(html.contains("id=\"dash-target\""), "{html}");
    // A reviewer of the other county: nothing of 荔湾.
    let (bc, _) = app.html_login("b_reviewer", PASSWORD).await;
    let (_, html) = app.page(&bc, "/").await;
    assert_eq!(
        dash(&html, "dash-subtree", "on_file").as_deref(),
        Some("0 / 0")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "exit_ready").as_deref(),
        Some("0")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "todos_open").as_deref(),
        Some("0")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "open_decisions").as_deref(),
        Some("0")
    );

    // The root's administrator: the whole tree and the year's target.
    let (ac, _) = app.html_login("root_admin", PASSWORD).await;
    let (_, html) = app.page(&ac, "/").await;
    assert_eq!(
        dash(&html, "dash-subtree", "on_file").as_deref(),
        Some("3 / 3")
    );
    assert_eq!(
        dash(&html, "dash-subtree", "todos_open").as_deref(),
        Some("2")
    );
    assert!(html.contains("年目标任务"), "{html}");
    assert!(
        html.contains("href=\"/monthly\""),
        "the administrator's to-do count leads to the monthly page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_user_sees_no_dashboard() {
    let app = common::spawn().await;
    let t = app.tree().await;
    app.civil_affairs_user("dept", None, t.city).await;
    let (c, _) = app.html_login("dept", PASSWORD).await;
    // Their home is the referrals sent to their department.
    let res = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/referrals");
    let (s, html) = app.page(&c, "/referrals").await;
    assert_eq!(s, 200, "{html}");
    assert!(!html.contains("id=\"dash-mine\""));
    assert!(!html.contains("id=\"dash-subtree\""));
    let (s, _) = app.page(&c, "/monthly").await;
    assert_eq!(s, 403);
}
