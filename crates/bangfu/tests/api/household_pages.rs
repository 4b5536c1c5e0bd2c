//! The household pages as officers and auditors read them: the list shows
//! the files on file by default with their status (the API's default stays
//! every status), a file names who changed it last and when, the audit log
//! names files by their number, and the browser's icon is there.

use crate::common;

use common::{file, household, person, At, PASSWORD};

#[tokio::test]
async fn the_list_shows_files_on_file_by_default_and_names_their_status() {
    let (app, t, _) = common::staffed(&[
        ("off", "officer", At::CountyA),
        ("aud", "auditor", At::CountyA),
    ])
    .await;
    let officer = app.api_as("off").await;
    let open = file(
        &officer,
        household("王建国", &person("440103", "19700101", 11), t.county_a),
    )
    .await;
    let closed = file(
        &officer,
        household("李秀英", &person("440103", "19720202", 22), t.county_a),
    )
    .await;
    app.close_household(closed).await;
    let file_no = |id: i64| {
        let officer = &officer;
        async move {
            let (_, d) = officer.get(&format!("/api/v1/households/{id}")).await;
            d["household"]["file_no"].as_str().unwrap().to_owned()
        }
    };
    let (open_no, closed_no) = (file_no(open).await, file_no(closed).await);

    // The API's default is unchanged: every status.
    assert_eq!(officer.total("/api/v1/households").await, 2);
    assert_eq!(officer.total("/api/v1/households?status=on_file").await, 1);

    let (client, _) = app.html_login("off", PASSWORD).await;
    // The page: on file by default, agreeing with the home page's count.
    let (s, html) = app.page(&client, "/households").await;
    assert_eq!(s, 200);
    assert!(html.contains("共 1 户（在档）"), "{html}");
    assert!(html.contains(&open_no) && !html.contains(&closed_no));
    assert!(html.contains("<th>档案状态</th>"), "a status column");
    assert!(
        html.contains("data-label=\"档案状态\"><span class=\"badge \">在档</span>"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"on_file\" selected>在档</option>"),
        "the filter shows what is listed"
    );
    let (_, home) = app.page(&client, "/").await;
    assert!(
        home.contains("<a href=\"/households?status=on_file\">1</a>"),
        "{home}"
    );
    // Every status, or one.
    let (_, all) = app.page(&client, "/households?status=all").await;
    assert!(all.contains("共 2 户。"), "{all}");
    assert!(all.contains(&open_no) && all.contains(&closed_no));
    assert!(all.contains("<option value=\"all\" selected>全部</option>"));
    assert!(all.contains("已关闭"));
    let (_, only) = app.page(&client, "/households?status=closed").await;
    assert!(only.contains("共 1 户（已关闭）") && only.contains(&closed_no));
    // The htmx fragment and the export follow the same default.
    let res = client
        .get(app.url("/households"))
        .header("HX-Request", "true")
        .header("HX-Target", "results")
        .send()
        .await
        .unwrap();
    let fragment = res.text().await.unwrap();
    assert!(fragment.contains("共 1 户（在档）"), "{fragment}");
    let mut book = app.download_xlsx(&client, "/households/export.xlsx").await;
    let range = calamine::Reader::worksheet_range(&mut book, "困难职工档案").expect("sheet");
    assert_eq!(range.rows().count(), 2, "a header and the file on file");

    // The file names its last change: when (China time) and who.
    let (_, page) = app.page(&client, &format!("/households/{open}")).await;
    let line = &page[page.find("id=\"last-change\"").expect("最近修改")..];
    let line = &line[..line.find("</td>").unwrap()];
    assert!(line.contains("（北京时间），由 off 修改"), "{line}");

    // The audit log names the files by their number.
    let (auditor, _) = app.html_login("aud", PASSWORD).await;
    let (_, log) = app.page(&auditor, "/audit?action=create_household").await;
    assert!(log.contains(&format!("困难职工档案 {open_no}")), "{log}");
    let aud = app.api_as("aud").await;
    let (s, entries) = aud.get("/api/v1/audit?action=create_household").await;
    assert_eq!(s, 200, "{entries}");
    let names: Vec<&str> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["object_name"].as_str())
        .collect();
    assert!(names.contains(&open_no.as_str()), "{entries}");
}

#[tokio::test]
async fn the_browser_finds_its_icon() {
    let app = common::spawn().await;
    let res = reqwest::get(app.url("/favicon.ico")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "image/x-icon"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0, 0, 1, 0]), "an ICO file");
}
