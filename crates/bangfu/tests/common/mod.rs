//! Test harness: every test starts the real server on port 0 with a fresh
//! database of its own and talks HTTP to it.
//!
//! Backend: SQLite (a temporary file) unless `BANGFU_TEST_DATABASE_URL` names a
//! PostgreSQL server (e.g. `postgres://postgres@127.0.0.1:5432`), in which case
//! each test creates a uniquely named database there and drops it afterwards.
//! When `BANGFU_TEST_READ_DATABASE_URL` also names a streaming replica of that
//! server (`scripts/pg_replica.sh start`), every server reads from the
//! replica's copy of its database (`--read-database`).
#![allow(dead_code)]

pub mod browser;
mod fixtures;
pub mod replica;
pub mod schema;

pub use fixtures::*;

use bangfu::{Config, Running};
use bangfu_service::{Operator, Services, Settings};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub const PASSWORD: &str = "Test-Pass-2026";

/// The data key of every test server, as a key file line: one fixed key,
/// so the binary run on a test's database (`BANGFU_KEY`) opens it too.
pub const TEST_KEY: &str = "ktest-000001 sm4-gcm AAECAwQFBgcICQoLDA0ODw==";

/// A server's configuration for `url`, with the test data key.
pub fn config(url: impl Into<String>) -> Config {
    let mut c = Config::new(url, "127.0.0.1:0");
    c.keyring =
        Some(bangfu_service::keys::Keyring::parse(TEST_KEY, "TEST_KEY").expect("the test key"));
    c
}

pub struct TestApp {
    pub base: String,
    /// The database the server runs on (another process may open it too).
    pub database_url: String,
    /// The replica's copy of it, when the server reads from a replica.
    pub read_database_url: Option<String>,
    pub services: Services,
    pub running: Running,
    _replica: Option<replica::Shared>,
    _db: TestDb,
}

enum TestDb {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin_url, name } => {
                let _ = std::process::Command::new("psql")
                    .arg(admin_url.as_str())
                    .arg("-qc")
                    .arg(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .output();
            }
        }
    }
}

fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}

fn fresh_db() -> (String, TestDb) {
    match postgres_db() {
        Some(db) => db,
        None => sqlite_db(),
    }
}

/// A new PostgreSQL database when `BANGFU_TEST_DATABASE_URL` names a server.
fn postgres_db() -> Option<(String, TestDb)> {
    match std::env::var("BANGFU_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!("bangfu_test_{}", unique());
            let admin_url = format!("{}/postgres", url.trim_end_matches('/'));
            let out = std::process::Command::new("psql")
                .arg(&admin_url)
                .arg("-qc")
                .arg(format!("CREATE DATABASE \"{name}\""))
                .output()
                .expect("psql must be installed to test on PostgreSQL");
            assert!(
                out.status.success(),
                "create database: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some((
                format!("{}/{}", url.trim_end_matches('/'), name),
                TestDb::Postgres { admin_url, name },
            ))
        }
        _ => None,
    }
}

fn sqlite_db() -> (String, TestDb) {
    let dir = std::env::temp_dir().join(format!("bangfu-test-{}", unique()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    (
        format!("sqlite://{}/test.db", dir.display()),
        TestDb::Sqlite(dir),
    )
}

/// An empty database of a test's own beside the server's (nothing in it,
/// not even migrations), dropped with the value.
pub struct Scratch {
    pub url: String,
    _db: TestDb,
}

impl Scratch {
    /// A SQLite file in a temporary folder of its own.
    pub fn sqlite() -> Self {
        let (url, db) = sqlite_db();
        Self { url, _db: db }
    }

    /// A PostgreSQL database, when `BANGFU_TEST_DATABASE_URL` names a server.
    pub fn postgres() -> Option<Self> {
        postgres_db().map(|(url, db)| Self { url, _db: db })
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(Settings::default()).await
}

pub async fn spawn_with(settings: Settings) -> TestApp {
    spawn_configured(|c| c.settings = settings).await
}

/// Starts a server after `adjust` has changed its configuration.
///
/// Two-factor sign-in is required of no role here (the tests sign in as
/// every role with a password alone); [`spawn_two_factor`] turns it on.
pub async fn spawn_configured(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_inner(|c| {
        adjust(c);
        c.settings.two_factor_roles.clear();
    })
    .await
}

/// Starts a server on which two-factor sign-in is required of `roles`
/// (role codes), after `adjust` has changed its configuration.
pub async fn spawn_two_factor(roles: &[&str], adjust: impl FnOnce(&mut Config)) -> TestApp {
    let roles: Vec<bangfu_domain::Role> = roles
        .iter()
        .map(|r| bangfu_domain::Role::parse(r).expect("role code"))
        .collect();
    spawn_inner(move |c| {
        adjust(c);
        c.settings.two_factor_roles = roles;
    })
    .await
}

async fn spawn_inner(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let (url, db) = fresh_db();
    let mut config = config(url.clone());
    adjust(&mut config);
    config.db.max_connections = 4;
    // With a replica: share it with the other tests (a test that pauses
    // it waits for them and holds them off), and read from its copy.
    let shared = match &db {
        TestDb::Postgres { name, .. } => replica::share(name).await,
        TestDb::Sqlite(_) => None,
    };
    config.db.read_url = shared.as_ref().map(|s| s.url.clone());
    let running = bangfu::start(config).await.expect("server starts");
    TestApp {
        base: format!("http://{}", running.addr),
        database_url: url,
        read_database_url: shared.as_ref().map(|s| s.url.clone()),
        services: running.services.clone(),
        running,
        _replica: shared,
        _db: db,
    }
}

/// A small tree for scope tests:
/// root → 广东省总工会 → 广州市总工会 → {荔湾区总工会, 越秀区总工会}, and 深圳市总工会.
pub struct Tree {
    pub root: i64,
    pub province: i64,
    pub city: i64,
    pub county_a: i64,
    pub county_b: i64,
    pub other_city: i64,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn tree(&self) -> Tree {
        let s = &self.services;
        let root = s.prepare().await.expect("root");
        use bangfu_domain::UnionLevel::*;
        let province = s
            .operator_create_union(Operator, &root, "广东省总工会", Province, "440000")
            .await
            .expect("p");
        let city = s
            .operator_create_union(Operator, &province, "广州市总工会", City, "440100")
            .await
            .expect("c");
        let county_a = s
            .operator_create_union(Operator, &city, "荔湾区总工会", County, "440103")
            .await
            .expect("a");
        let county_b = s
            .operator_create_union(Operator, &city, "越秀区总工会", County, "440104")
            .await
            .expect("b");
        let other_city = s
            .operator_create_union(Operator, &province, "深圳市总工会", City, "440300")
            .await
            .expect("o");
        Tree {
            root: root.id.0,
            province: province.id.0,
            city: city.id.0,
            county_a: county_a.id.0,
            county_b: county_b.id.0,
            other_city: other_city.id.0,
        }
    }

    /// Creates an account (as the operator would) whose password need not be changed.
    pub async fn user(&self, username: &str, role: &str, union_id: i64) -> i64 {
        self.services
            .operator_create_user(
                Operator,
                username,
                None,
                &[role.to_owned()],
                Some(&format!("#{union_id}")),
                PASSWORD,
                bangfu_service::FirstLogin::KeepPassword,
            )
            .await
            .expect("user")
            .id
            .0
    }

    /// Logs in through the API and returns a client that sends the bearer token.
    pub async fn api_as(&self, username: &str) -> Api {
        let client = reqwest::Client::new();
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "login as {username}");
        let body: Value = res.json().await.expect("json");
        Api {
            base: self.base.clone(),
            client,
            token: body["token"].as_str().expect("token").to_owned(),
        }
    }

    pub fn browser_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }
}

pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub token: String,
}

impl Api {
    /// GETs `path`; the answer is checked against the OpenAPI document
    /// (see [`schema`]).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        self.answer("GET", path, res).await
    }

    /// Sends `body` as JSON; the answer is checked against the OpenAPI
    /// document (see [`schema`]).
    pub async fn send(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let res = self
            .client
            .request(m, format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        self.answer(method, path, res).await
    }

    async fn answer(&self, method: &str, path: &str, res: reqwest::Response) -> (u16, Value) {
        let status = res.status().as_u16();
        let json = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        let body = res.json().await.unwrap_or(Value::Null);
        if json && path.starts_with("/api/v1/") {
            let doc = schema::document(&self.base).await;
            schema::check(doc, method, path, status, &body);
        }
        (status, body)
    }
}

pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await;
}

// ---------------------------------------------------------------------------
// Helpers added for the API, scope, admin and browser tests.
// ---------------------------------------------------------------------------

impl TestApp {
    /// A login attempt through the API that does not assert anything.
    pub async fn login(&self, username: &str, password: &str) -> (u16, Value) {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Logs in through the API with the given password and returns a client.
    pub async fn api_with(&self, username: &str, password: &str) -> Api {
        let (status, body) = self.login(username, password).await;
        assert_eq!(status, 200, "login as {username}: {body}");
        Api {
            base: self.base.clone(),
            client: reqwest::Client::new(),
            token: body["token"].as_str().expect("token").to_owned(),
        }
    }

    /// A client without any credentials.
    pub fn anonymous(&self) -> Api {
        Api {
            base: self.base.clone(),
            client: reqwest::Client::new(),
            token: String::new(),
        }
    }

    /// Signs in through the HTML login form (double-submit CSRF cookie) and
    /// returns the cookie-carrying client and where the server sent it.
    pub async fn html_login(&self, username: &str, password: &str) -> (reqwest::Client, String) {
        let client = self.browser_client();
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .expect("GET /login");
        assert_eq!(page.status(), 200, "GET /login");
        let html = page.text().await.expect("login page");
        let form = form_html(&html, "login-form").expect("form#login-form on /login");
        let csrf = input_value(form, "csrf").expect("hidden csrf in form#login-form");
        let res = client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(res.status(), 303, "POST /login as {username}");
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (client, location)
    }

    /// Fetches an HTML page with a cookie client: (status, body).
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let res = client.get(self.url(path)).send().await.expect("GET page");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    /// Downloads `path` with a cookie client, asserting a 200 answer that is
    /// an .xlsx workbook (a zip archive: it starts with `PK`).
    pub async fn assert_xlsx(&self, client: &reqwest::Client, path: &str) {
        let res = client.get(self.url(path)).send().await.expect("GET xlsx");
        assert_eq!(res.status(), 200, "GET {path}");
        let bytes = res.bytes().await.expect("body");
        assert_eq!(&bytes[..2], b"PK", "GET {path}: not an .xlsx");
    }

    /// Posts a form with a cookie client: `fields` URL-encoded (the CSRF
    /// token among them) to `path`. Returns (status, body); the server does
    /// not follow a redirect, so a 303 comes back as such.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let res = client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST form");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }
}

impl Api {
    /// A request without a JSON body (e.g. POST /auth/logout).
    pub async fn send_empty(&self, method: &str, path: &str) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let res = self
            .client
            .request(m, format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        self.answer(method, path, res).await
    }

    /// `total` of a paged list endpoint, asserting it answered 200.
    pub async fn total(&self, path: &str) -> i64 {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body["total"]
            .as_i64()
            .unwrap_or_else(|| panic!("total in GET {path}: {body}"))
    }

    /// The ids of a paged list endpoint's items, asserting it answered 200.
    pub async fn ids(&self, path: &str) -> Vec<i64> {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("items in GET {path}: {body}"))
            .iter()
            .map(|i| i["id"].as_i64().expect("id"))
            .collect()
    }
}

/// Asserts an API error: status, `error.code`, a non-empty message and, when
/// given, `error.field`.
#[track_caller]
pub fn assert_error(what: &str, got: &(u16, Value), status: u16, code: &str, field: Option<&str>) {
    let (s, body) = got;
    assert_eq!(*s, status, "{what}: status (body {body})");
    assert_eq!(
        body["error"]["code"], code,
        "{what}: error code (body {body})"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: error message (body {body})"
    );
    if let Some(f) = field {
        assert_eq!(
            body["error"]["field"], f,
            "{what}: error field (body {body})"
        );
    }
}

/// `before`/`after` of an audit item as JSON, whether the server sends an
/// object or a JSON-encoded string.
pub fn audit_json(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        other => other.clone(),
    }
}

/// The HTML of `<form id="...">…</form>` (start tag included), if present.
pub fn form_html<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(rel) = html[from..].find("<form") {
        let start = from + rel;
        let tag_end = start + html[start..].find('>')?;
        let tag = &html[start..=tag_end];
        if attr(tag, "id").as_deref() == Some(id) {
            let end = html[start..]
                .find("</form>")
                .map(|e| start + e + 7)
                .unwrap_or(html.len());
            return Some(&html[start..end]);
        }
        from = tag_end;
    }
    None
}

/// The value of attribute `name` in a start tag (`<input a="b" …>`).
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let bytes = tag.as_bytes();
    let mut i = 0;
    while let Some(rel) = tag[i..].find(name) {
        let at = i + rel;
        let before_ok = at > 0 && (bytes[at - 1] as char).is_ascii_whitespace();
        let rest = tag[at + name.len()..].trim_start();
        if before_ok && rest.starts_with('=') {
            let v = rest[1..].trim_start();
            let value = if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let inner = &v[1..];
                &inner[..inner.find(q)?]
            } else {
                let end = v
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(v.len());
                &v[..end]
            };
            return Some(unescape(value));
        }
        i = at + name.len();
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the `<input name="…">` inside some HTML (e.g. a form).
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(rel) = html[from..].find("<input") {
        let start = from + rel;
        let end = start + html[start..].find('>')?;
        let tag = &html[start..=end];
        if attr(tag, "name").as_deref() == Some(name) {
            return Some(attr(tag, "value").unwrap_or_default());
        }
        from = end;
    }
    None
}

/// The path a form posts to: its `action`, or the page it is on.
pub fn form_action(form: &str, page_path: &str) -> String {
    let tag = &form[..form.find('>').map(|e| e + 1).unwrap_or(form.len())];
    match attr(tag, "action").filter(|a| !a.is_empty()) {
        Some(a) if a.starts_with("http") => {
            let after_scheme = &a[a.find("//").map(|i| i + 2).unwrap_or(0)..];
            after_scheme[after_scheme.find('/').unwrap_or(after_scheme.len())..].to_owned()
        }
        Some(a) => a,
        None => page_path.to_owned(),
    }
}
