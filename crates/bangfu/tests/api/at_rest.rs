//! Encryption at rest: ID numbers, phones, addresses, health, notes,
//! uploaded photos and documents, and the matching key are never in the
//! database in the clear (its file, its log, or a dump), yet
//! exact search by ID number and the one-open-file rule still work; a
//! database from before encryption is sealed in place by the first start;
//! `bangfu keys rotate` re-seals everything with a new key; and a wrong key
//! is refused at start, before anything is read.

use crate::common;

use bangfu_domain::household::HouseholdId;
use bangfu_service::keys::Keyring;
use bangfu_service::Operator;
use bangfu_storage::households::HouseholdFilter;
use bangfu_storage::{Db, DbOptions, PageRequest, StorageError};
use common::{assert_error, database_text, member, person, At, TestApp};
use serde_json::json;

const PHONE: &str = "13912345678";
const ADDRESS: &str = "荔湾区龙津西路八十八号三栋";
const NOTES: &str = "丈夫肝硬化晚期需长期透析";
const FINDINGS: &str = "母亲卧床三年需要上门护理";
/// A photo of the home: a PNG's header, then bytes a reader would
/// recognise wherever they lay.
const PHOTO: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR the-li-familys-kitchen-photo";
const PAIRING: &str = "原责任人调离，妻子行动不便需每月上门";
const PLAN: &str = "妻子透析每周三次需要陪护";
const PHOTO_MARK: &str = "the-li-familys-kitchen-photo";

struct World {
    app: TestApp,
    household: i64,
    worker: String,
    wife: String,
    visit: i64,
    photo_url: String,
    matching_key: String,
}

/// A file with a worker, his wife, a phone, an address and a note, and an
/// officer named `officer` in 荔湾区.
async fn world() -> World {
    let (app, t, ids) = common::staffed(&[
        ("officer", "officer", At::CountyA),
        ("admin", "admin", At::CountyA),
    ])
    .await;
    let officer = app.api_as("officer").await;
    let worker = person("440103", "19800101", 123);
    let wife = person("440103", "19820315", 246);
    let mut body = common::household("李明", &worker, t.county_a);
    body["phone"] = json!(PHONE);
    body["address"] = json!(ADDRESS);
    body["notes"] = json!(NOTES);
    let mut spouse = member("陈丽", &wife, "spouse");
    spouse["health"] = json!("disabled");
    spouse["disability_grade"] = json!(2);
    body["members"] = json!([spouse]);
    let household = common::file(&officer, body).await;
    // Paired and visited: what the officer found is sealed too.
    let (s, v) = officer
        .send(
            "POST",
            &format!("/api/v1/households/{household}/pairing"),
            json!({ "union_id": t.county_a, "responsible_id": ids[0], "note": PAIRING }),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = officer
        .send(
            "POST",
            &format!("/api/v1/households/{household}/visits"),
            json!({ "visited_on": common::today().to_string(), "met": "李明", "looked": "住房简陋",
                    "asked": "医药费负担重", "explained": "医疗互助政策", "findings": FINDINGS }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let visit = v["id"].as_i64().unwrap();
    let (s, v) = common::upload_photo(&officer, visit, "kitchen.png", PHOTO).await;
    assert_eq!(s, 201, "{v}");
    let photo_url = v["photos"][0]["url"].as_str().unwrap().to_owned();
    let year = chrono::Datelike::year(&common::today());
    let (s, p) = officer
        .send(
            "PUT",
            &format!("/api/v1/households/{household}/plans/{year}"),
            json!({ "goal": "exit", "target_on": format!("{year}-12-31"), "summary": PLAN }),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    // The key departments hash ID numbers with.
    let (s, k) = app
        .api_as("admin")
        .await
        .get("/api/v1/verification/key")
        .await;
    assert_eq!(s, 200, "{k}");
    World {
        app,
        household,
        worker,
        wife,
        visit,
        photo_url,
        matching_key: k["key"].as_str().unwrap().to_owned(),
    }
}

/// The photo as the officer downloads it.
async fn photo(officer: &common::Api, url: &str) -> Vec<u8> {
    let res = officer
        .client
        .get(format!("{}{url}", officer.base))
        .bearer_auth(&officer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

/// The photo downloads as it was uploaded, and the matching key reads as
/// it was made.
async fn assert_files_open(w: &World, officer: &common::Api) {
    assert_eq!(photo(officer, &w.photo_url).await, PHOTO, "the photo opens");
    let admin = w.app.api_as("admin").await;
    let (s, k) = admin.get("/api/v1/verification/key").await;
    assert_eq!(
        k["key"],
        w.matching_key.as_str(),
        "the matching key opens: {s} {k}"
    );
}

/// Bytes as a dump shows them: themselves in a SQLite file, hex in
/// `pg_dump`'s text.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn assert_nothing_in_the_clear(label: &str, w: &World) {
    let text = database_text(&w.app);
    assert!(text.contains("李明"), "{label}: the names are read (plain)");
    for (what, secret) in [
        ("the worker's ID number", w.worker.as_str()),
        ("the wife's ID number", w.wife.as_str()),
        ("the phone", PHONE),
        ("the address", ADDRESS),
        ("the note", NOTES),
        ("the visit's findings", FINDINGS),
        ("the plan's summary", PLAN),
        ("the pairing's note", PAIRING),
        ("the photo", PHOTO_MARK),
        ("the photo (hex)", &hex(PHOTO_MARK.as_bytes())),
        ("the matching key", &w.matching_key),
    ] {
        assert!(!text.contains(secret), "{label}: {what} is in the clear");
    }
}

async fn search_total(app: &TestApp, q: &str) -> i64 {
    let officer = app.api_as("officer").await;
    officer.total(&format!("/api/v1/households?q={q}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_holds_no_identity_in_the_clear_yet_search_and_the_one_file_rule_work() {
    let w = world().await;
    assert_nothing_in_the_clear("after filing", &w);

    // The file reads back whole: the officer reveals it with a reason.
    let officer = w.app.api_as("officer").await;
    let (s, r) = officer
        .send(
            "POST",
            &format!("/api/v1/households/{}/reveal", w.household),
            json!({ "reason": "核对身份证号码" }),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["worker_id_number"], w.worker.as_str());
    assert_eq!(r["phone"], PHONE);
    let (s, h) = officer
        .get(&format!("/api/v1/households/{}", w.household))
        .await;
    assert_eq!(s, 200, "{h}");
    assert_eq!(h["household"]["address"], ADDRESS, "{h}");
    assert_eq!(h["household"]["notes"], NOTES, "{h}");
    assert_eq!(h["household"]["health"], "chronic", "{h}");
    assert_files_open(&w, &officer).await;
    // The disability grade is sealed with the health, not in its own column.
    assert_eq!(h["members"][0]["health"], "disabled", "{h}");
    assert_eq!(h["members"][0]["disability_grade"], 2, "{h}");
    let graded = raw_count(
        &w.app,
        "SELECT COUNT(*) AS id FROM members WHERE disability_grade IS NOT NULL",
    )
    .await;
    assert_eq!(graded, 0, "no grade in the clear");

    // Exact search by the worker's or a member's number, in either case.
    assert_eq!(search_total(&w.app, &w.worker).await, 1);
    assert_eq!(search_total(&w.app, &w.wife).await, 1);
    assert_eq!(
        search_total(&w.app, &person("440103", "19800101", 124)).await,
        0
    );

    // The wife cannot be filed again as the worker of another file.
    let got = officer
        .send(
            "POST",
            "/api/v1/households",
            common::filing("陈丽", &w.wife),
        )
        .await;
    assert_error(
        "a member filed again",
        &got,
        409,
        "conflict",
        Some("worker_id_number"),
    );
}

/// Raw SQL on the test's database, as an older version of Bangfu (or the
/// database's owner) would write it.
async fn raw(app: &TestApp, statements: Vec<String>) {
    let db = Db::open(&app.database_url, &DbOptions::default()).expect("open");
    db.read(move |c| {
        for s in &statements {
            bangfu_storage::test_support::raw_sql(c, s).map_err(StorageError::from)?;
        }
        Ok::<_, StorageError>(())
    })
    .await
    .expect("raw sql");
}

/// `bytes` as an SQL literal of the test's backend.
fn blob(app: &TestApp, bytes: &[u8]) -> String {
    if app.database_url.starts_with("sqlite") {
        format!("X'{}'", hex(bytes))
    } else {
        format!("decode('{}', 'hex')", hex(bytes))
    }
}

/// A count from raw SQL (`SELECT COUNT(*) AS id …`) on the test's database.
async fn raw_count(app: &TestApp, sql: &'static str) -> i64 {
    let db = Db::open(&app.database_url, &DbOptions::default()).expect("open");
    db.read(move |c| bangfu_storage::test_support::raw_ids(c, sql).map_err(StorageError::from))
        .await
        .expect("raw count")[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_encryption_is_sealed_in_place_by_the_first_start() {
    let w = world().await;
    let h = w.household;
    // What a database of the version before holds: every column in the
    // clear, no blind indexes, `open_persons` by plain number, no key check.
    raw(
        &w.app,
        vec![
            format!(
                "UPDATE households SET worker_id_number = '{}', worker_id_index = NULL, \
                 phone = '{PHONE}', address = '{ADDRESS}', health = 'chronic', \
                 notes = '{NOTES}' WHERE id = {h}",
                w.worker
            ),
            format!(
                "UPDATE members SET id_number = '{}', id_index = NULL, health = 'disabled', \
                 disability_grade = 3 WHERE household_id = {h}",
                w.wife
            ),
            format!("UPDATE visits SET findings = '{FINDINGS}' WHERE household_id = {h}"),
            format!(
                "UPDATE visit_photos SET data = {} WHERE visit_id = {}",
                blob(&w.app, PHOTO),
                w.visit
            ),
            format!("UPDATE verification_keys SET key_hex = '{}'", w.matching_key),
            "DELETE FROM open_persons".into(),
            format!(
                "INSERT INTO open_persons (person_index, household_id) VALUES ('{}', {h}), ('{}', {h})",
                w.worker, w.wife
            ),
            "DELETE FROM at_rest".into(),
            // The planner's samples of index keys, as the old version's
            // bulk loads left them (SQLite keeps them in sqlite_stat4).
            "ANALYZE".into(),
        ],
    )
    .await;
    let old = database_text(&w.app);
    assert!(
        old.contains(&w.worker) && old.contains(&w.matching_key),
        "the old database holds the number and the key in the clear"
    );
    assert!(
        old.contains(PHOTO_MARK) || old.contains(&hex(PHOTO_MARK.as_bytes())),
        "and the photo"
    );

    // The first start of this version seals it.
    let second = bangfu::start(common::config(w.app.database_url.clone()))
        .await
        .expect("starts and seals");
    assert_nothing_in_the_clear("after the first start", &w);

    // Everything reads as before, through the new server (sessions live
    // in the database, so the officer's token works there too).
    let mut officer = w.app.api_as("officer").await;
    officer.base = format!("http://{}", second.addr);
    assert_eq!(
        officer
            .total(&format!("/api/v1/households?q={}", w.wife))
            .await,
        1,
        "found by the new blind index"
    );
    let again = officer
        .send(
            "POST",
            "/api/v1/households",
            common::filing("李明", &w.worker),
        )
        .await;
    assert_error(
        "open_persons was re-indexed",
        &again,
        409,
        "conflict",
        Some("worker_id_number"),
    );
    let (s, h) = officer.get(&format!("/api/v1/households/{h}")).await;
    assert_eq!(s, 200, "{h}");
    assert_eq!(h["household"]["address"], ADDRESS);
    assert_eq!(h["members"][0]["health"], "disabled");
    // (The key through the first server: the second requires
    // administrators to enrol in two-factor sign-in; both read the one
    // database.)
    assert_files_open(&w, &officer).await;
    assert_eq!(
        h["members"][0]["disability_grade"], 3,
        "the old grade moved into the sealed health"
    );
    let graded = raw_count(
        &w.app,
        "SELECT COUNT(*) AS id FROM members WHERE disability_grade IS NOT NULL",
    )
    .await;
    assert_eq!(graded, 0, "no grade left in the clear");
    second.task.abort();
}

/// The photo's id, the last part of its address.
fn photo_id(url: &str) -> i64 {
    url.rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("photo id")
}

fn write_key_file(dir: &common::Folder, text: &str) -> std::path::PathBuf {
    let path = dir.path("bangfu.key");
    std::fs::write(&path, format!("{text}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn config_with(url: &str, key_text: &str) -> bangfu::Config {
    let mut c = common::config(url.to_owned());
    c.keyring = Some(Keyring::parse(key_text, "test").expect("key"));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_refused_at_start_and_a_rotation_reseals_everything_with_the_new_key() {
    let w = world().await;
    let url = w.app.database_url.clone();
    let other = bangfu_service::keys::Key::generate(bangfu_service::keys::Algorithm::Sm4Gcm);
    let refused = bangfu::open(&config_with(&url, &other.line())).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("数据密钥不对"), "{message}");

    let dir = common::Folder::new();
    let key_file = write_key_file(&dir, common::TEST_KEY);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .args(["--database", &url, "--key-file"])
        .arg(&key_file)
        .args(["keys", "rotate", "--algorithm", "aes-256-gcm"])
        .env_remove("BANGFU_KEY")
        .env_remove("BANGFU_KEY_FILE")
        .env_remove("BANGFU_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run bangfu");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&key_file).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        2,
        "the old key stays, the new one is current: {text}"
    );
    assert!(lines[1].contains("aes-256-gcm"));

    // The old key alone no longer opens the data; the new one alone does,
    // values and blind indexes alike.
    let old = bangfu::open(&config_with(&url, common::TEST_KEY)).await;
    assert!(old.is_err(), "the old key alone is refused");
    let services = bangfu::open(&config_with(&url, lines[1]))
        .await
        .expect("the new key alone opens it");
    let officer = services
        .operator_act_as(Operator, "officer")
        .await
        .expect("officer");
    let r = services
        .household_reveal(&officer, HouseholdId(w.household), "核对")
        .await
        .expect("reveal");
    assert_eq!(r.worker_id_number, w.worker);
    assert_eq!(r.phone, PHONE);
    assert_eq!(r.members, vec![("陈丽".to_owned(), Some(w.wife.clone()))]);
    let (_, bytes) = services
        .visit_photo(
            &officer,
            bangfu_domain::assistance::VisitId(w.visit),
            photo_id(&w.photo_url),
        )
        .await
        .expect("the photo opens with the new key");
    assert_eq!(bytes, PHOTO);
    let found = services
        .household_list(
            &officer,
            HouseholdFilter {
                q: Some(w.wife.clone()),
                ..Default::default()
            },
            None,
            PageRequest {
                page: 1,
                per_page: 20,
            },
        )
        .await
        .expect("list");
    assert_eq!(found.total, 1, "the member is found by the new index");
    assert_nothing_in_the_clear("after the rotation", &w);
}
