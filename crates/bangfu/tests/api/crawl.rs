//! The demo as each of its accounts sees it: every link and htmx request a
//! page offers opens (no 403, 404 or 500 — a page shows only what its reader
//! may open), and every GET of the API document answers as the document
//! says (the `Api` helper checks each answer against it).

use crate::common::{self, input_value, TestApp};
use bangfu_demo as demo;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The demo as `serve --demo` loads it, smaller.
async fn demo_app() -> (TestApp, Vec<demo::DemoAccount>) {
    let app = common::spawn().await;
    let accounts = demo::load(&app.services).await.expect("demo tree");
    demo::load_households(&app.services, 150, &|_| {})
        .await
        .expect("demo households");
    demo::load_exits(&app.services, &|_| {})
        .await
        .expect("demo exits");
    demo::load_assistance(&app.services, 2, true, &|_| {})
        .await
        .expect("demo assistance");
    demo::load_subsidies(&app.services)
        .await
        .expect("subsidies");
    demo::load_applications(&app.services, &accounts)
        .await
        .expect("demo applications");
    demo::load_fund_audit(&app.services)
        .await
        .expect("fund audit");
    demo::load_verification(&app.services, &accounts)
        .await
        .expect("demo verification");
    demo::load_assessment(&app.services, &accounts)
        .await
        .expect("demo assessment");
    let resources = demo::load_resources(&app.services, &accounts)
        .await
        .expect("demo resources");
    assert_eq!(resources.delivered, 2, "{resources:?}");
    (app, accounts)
}

/// Signs in through the login form, changing the password first when the
/// account must.
async fn sign_in(app: &TestApp, a: &demo::DemoAccount) -> reqwest::Client {
    let (client, location) = app.html_login(&a.username, &a.password).await;
    if location == "/account/password" {
        let (_, html) = app.page(&client, "/account/password").await;
        let csrf = input_value(&html, "csrf").expect("csrf");
        let new = format!("{}-Renewed-7", a.password);
        let res = client
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current_password", a.password.as_str()),
                ("new_password", new.as_str()),
                ("confirm_password", new.as_str()),
            ])
            .send()
            .await
            .expect("change password");
        assert_eq!(res.status(), 303, "{}: change password", a.username);
    }
    client
}

/// The links and htmx GETs of a page, same-site, decoded.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "hx-get=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let Some(end) = rest.find('"') else { break };
            let link = rest[..end].replace("&amp;", "&");
            rest = &rest[end..];
            let internal = link.starts_with('/') && !link.starts_with("//");
            let skipped = link.starts_with("/static/")
                || link.starts_with("/logout")
                || link.starts_with("/api/");
            if internal && !skipped {
                out.push(link.split('#').next().unwrap_or_default().to_owned());
            }
        }
    }
    out
}

/// The first segment of the sidebar link marked active on a page, if any.
fn active_area(html: &str) -> Option<String> {
    let nav = &html[html.find("class=\"sidebar\"")?..];
    let nav = &nav[..nav.find("</nav>")?];
    let at = nav.find("class=\"active\"")?;
    let href = nav[..at].rfind("href=\"")?;
    let link = &nav[href + 6..at];
    let link = &link[..link.find('"')?];
    Some(area_of(link))
}

/// The area of a path: its first segment ("" for the home page).
fn area_of(path: &str) -> String {
    path.trim_start_matches('/')
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The sidebar area a page belongs to: its own first segment, but "my
/// households" sits under 结对与计划, the to-do list under 月度评估 and a
/// person's copy of their data (`/persons/export`) under 困难职工档案.
fn expected_area(path: &str) -> String {
    match area_of(path).as_str() {
        "my" => "pairing".into(),
        "todos" => "monthly".into(),
        "persons" => "households".into(),
        other => other.into(),
    }
}

/// One place of each kind: the path with its numbers as `N`, and its query
/// parameters with their values when they are words.
fn kind(link: &str) -> String {
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    let path: String = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "N"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    // Numbers are one kind; words (a tab, a status) are kinds of their own.
    let params: BTreeSet<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let word = v.len() <= 12 && v.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if word {
                format!("{k}={v}")
            } else {
                format!("{k}=…")
            }
        })
        .collect();
    format!("{path}?{params:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_link_of_every_page_opens_for_every_demo_account() {
    let (app, accounts) = demo_app().await;
    let mut broken: Vec<String> = Vec::new();
    let mut misplaced: BTreeSet<String> = BTreeSet::new();
    let mut opened: BTreeMap<String, usize> = BTreeMap::new();
    for a in &accounts {
        let client = sign_in(&app, a).await;
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        let mut queue: VecDeque<(String, String)> = VecDeque::from([("/".into(), "登录".into())]);
        let mut pages = 0;
        while let Some((link, from)) = queue.pop_front() {
            if !seen.insert(link.clone()) {
                continue;
            }
            let k = kinds.entry(kind(&link)).or_default();
            *k += 1;
            if *k > 2 || pages >= 250 {
                continue;
            }
            pages += 1;
            let res = client
                .get(app.url(&link))
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {link}: {e}"));
            let status = res.status().as_u16();
            if matches!(status, 403 | 404) || status >= 500 {
                broken.push(format!(
                    "{} ({}): {link} → {status}, linked from {from}",
                    a.username, a.role
                ));
                continue;
            }
            // A page that sends its reader elsewhere (a department's user's
            // home is 部门核对) is followed there.
            if res.status().is_redirection() {
                let to = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .filter(|l| l.starts_with('/') && !l.starts_with("//"));
                if let Some(to) = to {
                    queue.push_back((to.to_owned(), link.clone()));
                }
                continue;
            }
            let html = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html"));
            if html {
                let body = res.text().await.unwrap_or_default();
                // The sidebar highlights the area the page belongs to.
                if let Some(area) = active_area(&body) {
                    if area != expected_area(&link) {
                        misplaced.insert(format!("{} → sidebar “{area}”", kind(&link)));
                    }
                }
                for l in links(&body) {
                    if !seen.contains(&l) {
                        queue.push_back((l, link.clone()));
                    }
                }
            }
        }
        opened.insert(a.username.clone(), pages);
    }
    eprintln!("pages opened per account: {opened:?}");
    assert!(
        broken.is_empty(),
        "links that do not open:\n{}",
        broken.join("\n")
    );
    assert!(
        misplaced.is_empty(),
        "pages whose sidebar highlights another area:\n{}",
        misplaced.into_iter().collect::<Vec<_>>().join("\n")
    );
    // Not vacuous: each account went well beyond its home page.
    for (who, n) in &opened {
        assert!(*n > 10, "{who} opened only {n} pages");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_get_of_the_api_document_answers_as_documented() {
    let (app, accounts) = demo_app().await;
    let anyone = app.anonymous();
    let (_, doc) = anyone.get("/api/v1/openapi.json").await;
    let mut templates: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(p, _)| p.clone())
        .collect();
    templates.sort();
    let mut answered = 0;
    let mut reached: BTreeSet<String> = BTreeSet::new();
    for a in &accounts {
        let (status, body) = app.login(&a.username, &a.password).await;
        assert_eq!(status, 200, "{}: {body}", a.username);
        let api = common::Api {
            base: app.base.clone(),
            client: reqwest::Client::new(),
            token: body["token"].as_str().expect("token").to_owned(),
        };
        // The first row of each list fills the `{id}` of the paths below it.
        let mut first: BTreeMap<String, String> = BTreeMap::new();
        for t in &templates {
            let Some(path) = fill(t, &first) else {
                continue;
            };
            // `Api::get` checks the answer against the document.
            let (status, v) = api.get(&path).await;
            assert!(status < 500, "{} GET {path} → {status}: {v}", a.username);
            if status == 200 {
                answered += 1;
                reached.insert(t.clone());
                let id = v["items"][0]["id"].as_i64().or_else(|| v[0]["id"].as_i64());
                if let Some(id) = id {
                    first.insert(t.clone(), id.to_string());
                }
            }
        }
    }
    assert!(answered > 60, "only {answered} GETs answered");
    // Paths whose id no list in the document gives are named, to be reached
    // by the area's own tests.
    let unreached: Vec<&String> = templates.iter().filter(|t| !reached.contains(*t)).collect();
    eprintln!("GET paths not reached by the crawl: {unreached:?}");
}

/// `template` with its one `{…}` parameter filled from the list above it
/// (`/api/v1/exits/{id}/…` from `/api/v1/exits`); `None` when it has more
/// parameters or no list gave a row.
fn fill(template: &str, first: &BTreeMap<String, String>) -> Option<String> {
    let Some(open) = template.find('{') else {
        return Some(template.to_owned());
    };
    let close = open + template[open..].find('}')?;
    if template[close + 1..].contains('{') {
        return None;
    }
    let list = template[..open].trim_end_matches('/');
    let id = first.get(list)?;
    Some(format!(
        "{}{id}{}",
        &template[..open],
        &template[close + 1..]
    ))
}
