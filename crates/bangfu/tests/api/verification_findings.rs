//! 核对发现 pages: a death list names a filed worker; the county's officer
//! sees the finding (another county's does not), the household page counts
//! it, dismissing needs a reason, confirming a removal needs the removal
//! proposed first, and the list downloads as .xlsx.

use crate::common::{self, assert_error, household, person, At, TestApp, Tree, PASSWORD};
use serde_json::json;

struct World {
    app: TestApp,
    t: Tree,
}

async fn world() -> World {
    let (app, t, _) = common::staffed_with(
        common::exit_settings(),
        &[
            ("a_officer", "officer", At::CountyA),
            ("a_reviewer", "reviewer", At::CountyA),
            ("b_officer", "officer", At::CountyB),
            ("city_admin", "admin", At::City),
        ],
    )
    .await;
    World { app, t }
}

/// Files 周德明 in 荔湾区 and posts a death list naming him; returns the
/// household's id and the finding's id.
async fn filed_and_died(w: &World) -> (i64, i64) {
    let officer = w.app.api_as("a_officer").await;
    let id_number = person("440103", "19620303", 811);
    let h = common::file(&officer, household("周德明", &id_number, w.t.county_a)).await;
    let admin = w.app.api_as("city_admin").await;
    let (s, b) = admin
        .send(
            "POST",
            "/api/v1/verification/batches",
            json!({
                "dataset": "death",
                "source": "民政局",
                "as_of": "2026-11-30",
                "rows": [{ "id_number": id_number, "died_on": "2026-11-02" }],
            }),
        )
        .await;
    assert_eq!(s, 200, "batch: {b}");
    let (s, list) = officer
        .get(&format!("/api/v1/verification/findings?household_id={h}"))
        .await;
    assert_eq!(s, 200, "{list}");
    let f = list["items"][0]["id"].as_i64().expect("one finding");
    (h, f)
}

fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[at..at + html[at..].find('"').expect("end")].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_page_lists_the_county_findings_only_and_counts_them_on_the_file() {
    let w = world().await;
    let (h, f) = filed_and_died(&w).await;

    let (a, _) = w.app.html_login("a_officer", PASSWORD).await;
    let (s, html) = w.app.page(&a, "/verification/findings").await;
    assert_eq!(s, 200);
    assert!(html.contains("周德明"), "the finding is listed");
    assert!(html.contains("职工本人死亡"), "its concern");
    assert!(html.contains(&format!("/verification/findings/{f}")));
    assert!(html.contains("死亡登记"), "the count by dataset");
    assert!(
        html.contains("/verification/findings?dataset=death&#38;status=open"),
        "the count drills down"
    );

    // Drill-down filters and the household filter of the warning's link.
    let (_, html) = w
        .app
        .page(
            &a,
            &format!("/verification/findings?household={h}&status=open"),
        )
        .await;
    assert!(html.contains(&format!("finding-{f}")));
    let (_, html) = w
        .app
        .page(&a, "/verification/findings?status=dismissed")
        .await;
    assert!(!html.contains(&format!("finding-{f}")), "not dismissed");

    // The finding: both sides and the actions.
    let (s, html) = w.app.page(&a, &format!("/verification/findings/{f}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("职工本人于 2026-11-02 死亡"), "dataset says");
    assert!(html.contains("档案状态为"), "file says");
    assert!(html.contains(&format!("/exits/new?household={h}&#38;kind=removal")));
    assert!(html.contains("resolve-form"));

    // The household page counts it.
    let (_, html) = w.app.page(&a, &format!("/households/{h}")).await;
    assert!(html.contains("核对发现 1 条待处置"), "badge on the file");

    // Another county sees nothing of it.
    let (b, _) = w.app.html_login("b_officer", PASSWORD).await;
    let (s, html) = w.app.page(&b, "/verification/findings").await;
    assert_eq!(s, 200);
    assert!(!html.contains("周德明"));
    assert!(html.contains("没有待处置的核对发现"), "empty state");
    let (s, _) = w.app.page(&b, &format!("/verification/findings/{f}")).await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_a_finding_needs_a_reason_or_the_flow_done_first() {
    let w = world().await;
    let (h, f) = filed_and_died(&w).await;
    let officer = w.app.api_as("a_officer").await;
    let (a, _) = w.app.html_login("a_officer", PASSWORD).await;
    let path = format!("/verification/findings/{f}");
    let (_, html) = w.app.page(&a, &path).await;
    let token = csrf(&html);
    let resolve = format!("{path}/resolve");

    // Dismissing without a reason: the error beside the note, nothing written.
    let (s, html) = w
        .app
        .post_form(
            &a,
            &resolve,
            &[("csrf", &token), ("action", "dismiss"), ("note", "")],
        )
        .await;
    assert_eq!(s, 400, "{html}");
    assert!(html.contains("请写明排除的理由"));
    assert!(html.contains("r-note-err"), "beside the field");
    let (_, got) = officer
        .get(&format!("/api/v1/verification/findings/{f}"))
        .await;
    assert_eq!(got["status"], "open", "nothing written");

    // Confirming the removal before proposing it: the rule, nothing written.
    let (s, html) = w
        .app
        .post_form(
            &a,
            &resolve,
            &[
                ("csrf", &token),
                ("action", "propose_removal"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("请先在档案页发起退出（清退）"), "{html}");
    let (_, got) = officer
        .get(&format!("/api/v1/verification/findings/{f}"))
        .await;
    assert_eq!(got["status"], "open", "nothing written");
    assert_eq!(
        officer.total("/api/v1/todos?kind=warning&done=false").await,
        1,
        "the warning is open"
    );

    // Proposed through the exit flow, the confirmation goes through.
    let (s, e) = officer
        .send(
            "POST",
            "/api/v1/exits",
            json!({ "household_id": h, "kind": "removal", "reason": "death", "note": "职工本人病故", "evidence": "死亡证明" }),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let exit = e["id"].as_i64().unwrap();
    let (s, _) = w
        .app
        .post_form(
            &a,
            &resolve,
            &[
                ("csrf", &token),
                ("action", "propose_removal"),
                ("note", "已发起清退"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let (_, html) = w.app.page(&a, &format!("{path}?notice=confirmed")).await;
    assert!(html.contains("已确认处置"), "the notice");
    assert!(html.contains("发起退出（清退）"), "how");
    assert!(
        html.contains(&format!("/exits/{exit}")),
        "the linked record"
    );
    assert!(html.contains("resolution"));
    assert!(!html.contains("resolve-form"), "no form once resolved");
    assert_eq!(
        officer.total("/api/v1/todos?kind=warning&done=false").await,
        0,
        "the warning is closed"
    );
    let (_, html) = w.app.page(&a, &format!("/households/{h}")).await;
    assert!(!html.contains("条待处置"), "no badge left");

    // A second resolution is refused.
    let got = officer
        .send(
            "POST",
            &format!("/api/v1/verification/findings/{f}/resolve"),
            json!({ "action": "dismiss", "note": "误报" }),
        )
        .await;
    assert_error("resolved twice", &got, 422, "rule_violation", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_export_as_xlsx_with_the_filters() {
    let w = world().await;
    let (_, _) = filed_and_died(&w).await;
    let (a, _) = w.app.html_login("a_officer", PASSWORD).await;
    let (_, html) = w.app.page(&a, "/verification/findings").await;
    assert!(
        html.contains("/verification/findings.xlsx?status=open"),
        "export link"
    );
    let mut book = w
        .app
        .download_xlsx(&a, "/verification/findings.xlsx?status=open&dataset=death")
        .await;
    use calamine::Reader;
    let sheet = book.worksheet_range("核对发现").expect("sheet");
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows.len(), 2, "header and one finding");
    let text: Vec<String> = rows[1].iter().map(common::cell_text).collect();
    assert!(text.contains(&"周德明".to_owned()));
    assert!(text.contains(&"职工本人死亡".to_owned()));
    let mut book = w
        .app
        .download_xlsx(&a, "/verification/findings.xlsx?status=dismissed")
        .await;
    let sheet = book.worksheet_range("核对发现").expect("sheet");
    assert_eq!(sheet.rows().count(), 1, "header only");
}
