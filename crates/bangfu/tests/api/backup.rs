//! `bangfu backup` and `bangfu restore`, run as the operator runs them (the
//! binary): a backup of a working database restores on each backend and
//! across them with every table equal, row by row; a database holding data
//! is replaced only with --force; a truncated, altered or foreign file, or
//! one sealed with another key, is refused and restores nothing; and the
//! file shows none of the data it holds.

use crate::common::{self, Folder, Scratch};
use bangfu_demo as demo;
use bangfu_service::{FirstLogin, Operator};
use bangfu_storage::backup::{self, Value};
use bangfu_storage::{Db, DbOptions, StorageError};
use chrono::Timelike;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Every table's rows (key order), each as column → value, timestamps to
/// the microsecond (what PostgreSQL keeps).
type Contents = BTreeMap<String, Vec<BTreeMap<String, Value>>>;

async fn contents(url: &str) -> Contents {
    let db = Db::open(url, &DbOptions::default()).expect("open");
    db.read(|c| {
        let mut out = Contents::new();
        for t in backup::tables(c)? {
            let mut rows = Vec::new();
            backup::rows(c, &t, &t.columns, |values: Vec<Value>| {
                rows.push(
                    t.columns
                        .iter()
                        .map(|c| c.name.clone())
                        .zip(values.into_iter().map(micros))
                        .collect(),
                );
                Ok::<(), StorageError>(())
            })?;
            out.insert(t.name.clone(), rows);
        }
        Ok::<_, StorageError>(out)
    })
    .await
    .expect("read every table")
}

fn micros(v: Value) -> Value {
    match v {
        Value::Timestamp(t) => Value::Timestamp(
            t.with_nanosecond(t.nanosecond() / 1000 * 1000)
                .expect("a valid time"),
        ),
        other => other,
    }
}

fn counts(c: &Contents) -> BTreeMap<&str, usize> {
    c.iter().map(|(t, rows)| (t.as_str(), rows.len())).collect()
}

/// Runs the binary against `database` with the key file `key`.
fn bangfu(database: &str, key: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .args(["--database", database, "--key-file"])
        .arg(key)
        .args(args)
        .env_remove("BANGFU_KEY")
        .env_remove("BANGFU_KEY_FILE")
        .env_remove("BANGFU_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run bangfu")
}

fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "bangfu failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn refused(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "bangfu should have refused:\n{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

fn key_file(folder: &Folder, name: &str) -> PathBuf {
    let key = folder.path(name);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .args(["keys", "generate", "--to"])
        .arg(&key)
        .output()
        .expect("run bangfu");
    ok(out);
    key
}

/// A server with a working year of the demo on it (no scheduled run, so
/// nothing writes behind the test's back).
async fn working_database(households: usize) -> common::TestApp {
    let app = common::spawn_with(common::exit_settings()).await;
    demo::load(&app.services).await.expect("demo tree");
    demo::load_households(&app.services, households, &|_| {})
        .await
        .expect("households");
    demo::load_exits(&app.services, &|_| {})
        .await
        .expect("exits");
    demo::load_assistance(&app.services, 1, true, &|_| {})
        .await
        .expect("assistance");
    app
}

fn text(rows: &[BTreeMap<String, Value>], column: &str) -> String {
    rows.iter()
        .find_map(|r| match r.get(column) {
            Some(Value::Text(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("some row has {column}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_on_each_backend_and_across_them() {
    let app = working_database(40).await;
    let folder = Folder::new();
    let key = key_file(&folder, "bangfu.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is its owner's only");
    }
    // Online: the server keeps running while the backup is taken.
    let file = folder.path("one.bfbak");
    let said = ok(bangfu(
        &app.database_url,
        &key,
        &["backup", "--to", file.to_str().unwrap()],
    ));
    assert!(said.contains("已备份"), "{said}");
    let source = contents(&app.database_url).await;
    assert!(source["households"].len() >= 40);
    assert!(source["ledger_entries"].len() > 10);
    assert!(!source["audit_log"].is_empty());

    // Nothing it holds shows in the file: not a name, an ID number, a union.
    let bytes = std::fs::read(&file).unwrap();
    let name = text(&source["members"], "name");
    let id_number = text(&source["members"], "id_number");
    let union = text(&source["unions"], "name");
    for plain in [&name, &id_number, &union, &"households".to_owned()] {
        assert!(
            !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
            "{plain} shows in the backup"
        );
    }

    // Into a fresh database of each backend, and across them and back.
    let mut targets = vec![Scratch::sqlite()];
    targets.extend(Scratch::postgres());
    for target in &targets {
        let said = ok(bangfu(
            &target.url,
            &key,
            &["restore", "--from", file.to_str().unwrap()],
        ));
        assert!(said.contains("已从"), "{said}");
        let restored = contents(&target.url).await;
        assert_eq!(counts(&restored), counts(&source), "{}", target.url);
        assert!(restored == source, "every row equal in {}", target.url);
    }
    if let Some(pg) = targets.get(1) {
        // SQLite → PostgreSQL and PostgreSQL → SQLite, whichever the
        // first hop was.
        for (from, to) in [
            (&targets[0], Scratch::postgres()),
            (pg, Some(Scratch::sqlite())),
        ] {
            let to = to.expect("a database of the other backend");
            let hop = folder.path(&format!("hop-{}.bfbak", to.url.len()));
            ok(bangfu(
                &from.url,
                &key,
                &["backup", "--to", hop.to_str().unwrap()],
            ));
            ok(bangfu(
                &to.url,
                &key,
                &["restore", "--from", hop.to_str().unwrap()],
            ));
            assert!(
                contents(&to.url).await == source,
                "{} → {}",
                from.url,
                to.url
            );
        }
    }

    // The restored database works on: new rows get new ids (PostgreSQL's
    // sequences were moved past the loaded ones), and the audit log takes
    // the entry.
    for target in &targets {
        let services = bangfu::open(&common::config(target.url.clone()))
            .await
            .expect("open the restored database");
        services
            .operator_create_user(
                Operator,
                "after-restore",
                None,
                &["officer".to_owned()],
                None,
                common::PASSWORD,
                FirstLogin::ChangePassword,
            )
            .await
            .expect("a new account in the restored database");
        let after = contents(&target.url).await;
        assert_eq!(after["users"].len(), source["users"].len() + 1);
        assert!(after["audit_log"].len() > source["audit_log"].len());
        // The audit log's hash chain still proves itself, across backends
        // too: the restored entries and the new one.
        // (Opening the database takes the key that sealed its columns: the
        // test servers' key, not the one this backup was encrypted with.)
        let data_key = folder.path("data.key");
        std::fs::write(&data_key, common::TEST_KEY).unwrap();
        let verified = ok(bangfu(&target.url, &data_key, &["audit", "verify"]));
        assert!(verified.contains("审计日志完整"), "{verified}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_holding_data_is_replaced_only_with_force() {
    let app = working_database(10).await;
    let folder = Folder::new();
    let key = key_file(&folder, "bangfu.key");
    let file = folder.path("before.bfbak");
    ok(bangfu(
        &app.database_url,
        &key,
        &["backup", "--to", file.to_str().unwrap()],
    ));
    let at_backup = contents(&app.database_url).await;
    // Work goes on after the backup: one more account, and its audit entry.
    app.services
        .operator_create_user(
            Operator,
            "after-backup",
            None,
            &["officer".to_owned()],
            None,
            common::PASSWORD,
            FirstLogin::ChangePassword,
        )
        .await
        .unwrap();
    let now = contents(&app.database_url).await;
    assert_eq!(now["users"].len(), at_backup["users"].len() + 1);

    let said = refused(bangfu(
        &app.database_url,
        &key,
        &["restore", "--from", file.to_str().unwrap()],
    ));
    assert!(
        said.contains("不是空的") && said.contains("--force"),
        "{said}"
    );
    assert!(contents(&app.database_url).await == now, "nothing changed");

    // With --force everything is replaced, the append-only audit log too
    // (its guard triggers are set aside inside the transaction and put back).
    let said = ok(bangfu(
        &app.database_url,
        &key,
        &["restore", "--force", "--from", file.to_str().unwrap()],
    ));
    assert!(said.contains("已替换"), "{said}");
    assert!(contents(&app.database_url).await == at_backup);
    // The guard is back: the audit log still refuses to lose an entry.
    let refused_delete = app
        .seed_write(|c| {
            bangfu_storage::test_support::delete_audit_entry(c, 1)
                .map_err(bangfu_service::ServiceError::from)
        })
        .await;
    assert!(
        refused_delete.is_err(),
        "the audit log is append-only again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_altered_or_foreign_backup_restores_nothing() {
    let app = working_database(10).await;
    let folder = Folder::new();
    let key = key_file(&folder, "bangfu.key");
    let file = folder.path("good.bfbak");
    ok(bangfu(
        &app.database_url,
        &key,
        &["backup", "--to", file.to_str().unwrap()],
    ));
    let good = std::fs::read(&file).unwrap();
    assert!(good.len() > 1000);
    let mut cases: Vec<(&str, Vec<u8>, PathBuf, &str)> = Vec::new();
    cases.push(("half", good[..good.len() / 2].to_vec(), key.clone(), "截断"));
    cases.push((
        "one byte short",
        good[..good.len() - 1].to_vec(),
        key.clone(),
        "截断",
    ));
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    cases.push(("a flipped byte", flipped, key.clone(), "改动"));
    let mut version = good.clone();
    version[8] = 9;
    cases.push(("an unknown format", version, key.clone(), "格式版本 9"));
    cases.push((
        "not a backup",
        b"PK\x03\x04 a spreadsheet".to_vec(),
        key.clone(),
        "不是帮扶备份",
    ));
    let other = key_file(&folder, "other.key");
    cases.push(("another key", good.clone(), other, "没有这个密钥"));
    // The same key id with another secret (a key file rebuilt by hand).
    let line = std::fs::read_to_string(&key).unwrap();
    let line = line
        .lines()
        .rfind(|l| !l.starts_with('#'))
        .unwrap()
        .to_owned();
    let forged = folder.path("forged.key");
    let other_line = std::fs::read_to_string(folder.path("other.key")).unwrap();
    let other_secret = other_line
        .lines()
        .rfind(|l| !l.starts_with('#'))
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    let id = line.split(' ').next().unwrap();
    std::fs::write(&forged, format!("{id} sm4-gcm {other_secret}\n")).unwrap();
    cases.push((
        "the same id, another secret",
        good.clone(),
        forged,
        "打不开",
    ));

    let target = Scratch::sqlite();
    for (what, bytes, key, expect) in cases {
        let path = folder.path(&format!("{}.bfbak", what.replace(' ', "-")));
        std::fs::write(&path, bytes).unwrap();
        let said = refused(bangfu(
            &target.url,
            &key,
            &["restore", "--from", path.to_str().unwrap()],
        ));
        assert!(said.contains(expect), "{what}: {said}");
        let left = contents(&target.url).await;
        assert!(
            left.values().all(|rows| rows.is_empty()),
            "{what}: nothing restored"
        );
    }
    // And the good file restores into that same database.
    ok(bangfu(
        &target.url,
        &key,
        &["restore", "--from", file.to_str().unwrap()],
    ));
    assert_eq!(
        counts(&contents(&target.url).await),
        counts(&contents(&app.database_url).await)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_key_encrypts_and_the_old_ones_still_decrypt() {
    let app = common::spawn_with(common::exit_settings()).await;
    demo::load(&app.services).await.expect("demo tree");
    let folder = Folder::new();
    let key = key_file(&folder, "bangfu.key");
    let old_only = folder.path("old.key");
    std::fs::copy(&key, &old_only).unwrap();
    // generate never overwrites.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .args(["keys", "generate", "--to"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(refused(out).contains("已存在"));
    let old_backup = folder.path("old.bfbak");
    ok(bangfu(
        &app.database_url,
        &key,
        &["backup", "--to", old_backup.to_str().unwrap()],
    ));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .args(["keys", "add", "--algorithm", "aes-256-gcm", "--to"])
        .arg(&key)
        .output()
        .unwrap();
    let said = ok(out);
    let new_id = said
        .split_whitespace()
        .find(|w| w.contains("k2"))
        .map(|w| w.trim_start_matches("中加入新的当前密钥").to_owned());
    let new_backup = folder.path("new.bfbak");
    let said = ok(bangfu(
        &app.database_url,
        &key,
        &["backup", "--to", new_backup.to_str().unwrap()],
    ));
    assert!(
        said.contains("aes-256-gcm"),
        "the new key seals: {said} {new_id:?}"
    );
    // A backup never overwrites a file.
    assert!(refused(bangfu(
        &app.database_url,
        &key,
        &["backup", "--to", new_backup.to_str().unwrap()]
    ))
    .contains("已存在"));

    // The old key alone opens the old backup, not the new one.
    let a = Scratch::sqlite();
    let said = refused(bangfu(
        &a.url,
        &old_only,
        &["restore", "--from", new_backup.to_str().unwrap()],
    ));
    assert!(said.contains("没有这个密钥"), "{said}");
    ok(bangfu(
        &a.url,
        &old_only,
        &["restore", "--from", old_backup.to_str().unwrap()],
    ));
    // The rotated file opens both.
    let b = Scratch::sqlite();
    ok(bangfu(
        &b.url,
        &key,
        &["restore", "--from", old_backup.to_str().unwrap()],
    ));
    ok(bangfu(
        &b.url,
        &key,
        &["restore", "--force", "--from", new_backup.to_str().unwrap()],
    ));
    assert!(contents(&b.url).await == contents(&a.url).await);
}
