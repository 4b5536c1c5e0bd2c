//! A county may have thousands of grassroots unions: its page lists them a page at a time.

use crate::common;

use bangfu_domain::UnionLevel;
use bangfu_service::Operator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_are_paged_with_their_total() {
    let app = common::spawn().await;
    let t = app.tree().await;
    let county = app
        .services
        .operator_find_union(Operator, "荔湾区总工会")
        .await
        .unwrap()
        .expect("county_a");
    assert_eq!(county.id.0, t.county_a);
    for i in 0..105 {
        app.services
            .operator_create_union(
                Operator,
                &county,
                &format!("荔湾区第{i}企业工会"),
                UnionLevel::Grassroots,
                "440103",
            )
            .await
            .unwrap();
    }
    app.user("alice", "officer", t.county_a).await;
    let api = app.api_as("alice").await;
    let (s, d) = api
        .get(&format!(
            "/api/v1/unions/{}?child_page=2&child_per_page=50",
            t.county_a
        ))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["children_total"], 105);
    assert_eq!(d["children"].as_array().unwrap().len(), 50);

    let (client, _) = app.html_login("alice", common::PASSWORD).await;
    let (s, html) = app.page(&client, &format!("/unions/{}", t.county_a)).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("下级工会（105）"),
        "the heading counts all children"
    );
    assert!(html.contains("第 1 / 2 页"), "a pager for the rest");
    let (_, page2) = app
        .page(&client, &format!("/unions/{}?page=2", t.county_a))
        .await;
    assert!(page2.contains("第 2 / 2 页"));
}
