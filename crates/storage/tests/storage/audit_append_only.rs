//! The audit log refuses UPDATE and DELETE — and on PostgreSQL TRUNCATE —
//! in the database itself, whatever code runs against it (database
//! triggers from the migrations).

use crate::common;

use bangfu_storage::audit::{self, NewAuditEntry};
use bangfu_storage::{Backend, Conn, Db, DbOptions, StorageError};
use common::fresh;

fn tamper(conn: &mut Conn, sql: &'static str) -> Result<usize, diesel::result::Error> {
    bangfu_storage::test_support::raw_sql(conn, sql)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_entries_cannot_be_changed_or_deleted() {
    let (url, cleanup) = fresh("storage");
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
                match c.backend() {
                    Backend::Postgres => {
                        Some(tamper(c, "TRUNCATE audit_log").map_err(|e| e.to_string()))
                    }
                    Backend::Sqlite => None,
                },
            ))
        })
        .await
        .expect("read");
    cleanup();
    let (update, delete, truncate) = results;
    assert!(
        update.as_ref().is_err_and(|e| e.contains("append-only")),
        "{update:?}"
    );
    assert!(
        delete.as_ref().is_err_and(|e| e.contains("append-only")),
        "{delete:?}"
    );
    if let Some(truncate) = truncate {
        assert!(
            truncate.as_ref().is_err_and(|e| e.contains("append-only")),
            "{truncate:?}"
        );
    }
}
