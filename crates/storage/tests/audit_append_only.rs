//! The audit log refuses UPDATE and DELETE in the database itself, whatever
//! code runs against it (database triggers from the migrations).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bangfu_storage::audit::{self, NewAuditEntry};
use bangfu_storage::{Conn, Db, DbOptions, StorageError};
use diesel::RunQueryDsl;

/// A fresh database: a temporary SQLite file, or a new PostgreSQL database
/// when `BANGFU_TEST_DATABASE_URL` names a server. Returns the URL and a
/// clean-up closure.
fn fresh() -> (String, Box<dyn FnOnce()>) {
    let unique = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    match std::env::var("BANGFU_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let base = url.trim_end_matches('/').to_owned();
            let name = format!("bangfu_storage_test_{unique}");
            let admin = format!("{base}/postgres");
            let ok = std::process::Command::new("psql")
                .args([
                    admin.as_str(),
                    "-qc",
                    &format!("CREATE DATABASE \"{name}\""),
                ])
                .status()
                .expect("psql")
                .success();
            assert!(ok, "create database");
            let drop_name = name.clone();
            (
                format!("{base}/{name}"),
                Box::new(move || {
                    let _ = std::process::Command::new("psql")
                        .args([
                            admin.as_str(),
                            "-qc",
                            &format!("DROP DATABASE IF EXISTS \"{drop_name}\" WITH (FORCE)"),
                        ])
                        .status();
                }),
            )
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("bangfu-storage-{unique}"));
            let url = format!("sqlite://{}/t.db", dir.display());
            (url, Box::new(move || drop(std::fs::remove_dir_all(dir))))
        }
    }
}

fn tamper(conn: &mut Conn, sql: &'static str) -> Result<usize, diesel::result::Error> {
    match conn {
        Conn::Sqlite(c) => diesel::sql_query(sql).execute(&mut **c),
        Conn::Pg(c) => diesel::sql_query(sql).execute(&mut **c),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_entries_cannot_be_changed_or_deleted() {
    let (url, cleanup) = fresh();
    let db = Db::open(&url, &DbOptions::default()).expect("open");
    db.migrate().expect("migrate");
    let entry = NewAuditEntry {
        at: chrono::Utc::now().naive_utc(),
        actor_id: None,
        actor_username: Some("tester".into()),
        union_id: None,
        union_path: None,
        action: "login".into(),
        object_kind: "session".into(),
        object_id: None,
        before_json: None,
        after_json: None,
        ip: None,
        success: false,
    };
    let outcome = db
        .write(move |c| {
            audit::insert(c, &entry)?;
            Ok::<_, StorageError>(())
        })
        .await;
    assert!(outcome.is_ok());
    let results = db
        .read(|c| {
            Ok::<_, StorageError>((
                tamper(c, "UPDATE audit_log SET success = TRUE").map_err(|e| e.to_string()),
                tamper(c, "DELETE FROM audit_log").map_err(|e| e.to_string()),
            ))
        })
        .await
        .expect("read");
    cleanup();
    let (update, delete) = results;
    assert!(
        update.as_ref().is_err_and(|e| e.contains("append-only")),
        "{update:?}"
    );
    assert!(
        delete.as_ref().is_err_and(|e| e.contains("append-only")),
        "{delete:?}"
    );
}
