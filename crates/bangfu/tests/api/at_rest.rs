//! Encryption at rest: ID numbers, phones, addresses, health and notes are
//! never in the database in the clear (its file, its log, or a dump), yet
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

struct World {
    app: TestApp,
    household: i64,
    worker: String,
    wife: String,
}

/// A file with a worker, his wife, a phone, an address and a note, and an
/// officer named `officer` in 荔湾区.
async fn world() -> World {
    let (app, t, ids) = common::staffed(&[("officer", "officer", At::CountyA)]).await;
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
    common::pair(&officer, household, t.county_a, ids[0]).await;
    let (s, v) = officer
        .send(
            "POST",
            &format!("/api/v1/households/{household}/visits"),
            json!({ "visited_on": common::today().to_string(), "met": "李明", "looked": "住房简陋",
                    "asked": "医药费负担重", "explained": "医疗互助政策", "findings": FINDINGS }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    World {
        app,
        household,
        worker,
        wife,
    }
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
    assert!(
        database_text(&w.app).contains(&w.worker),
        "the old database holds the number in the clear"
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
