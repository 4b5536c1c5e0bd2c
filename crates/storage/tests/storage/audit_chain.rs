//! The audit log's hash chain: every write transaction seals its entries
//! before committing, concurrent writers still make one unbroken chain, and
//! a walk of the chain finds an entry changed, removed or slipped in behind
//! the application's back.

use crate::common;

use bangfu_domain::audit_chain::Break;
use bangfu_storage::audit::{self, NewAuditEntry};
use bangfu_storage::audit_chain;
use bangfu_storage::{Backend, Conn, Db, DbOptions, StorageError};
use common::fresh;

fn entry(n: usize) -> NewAuditEntry {
    NewAuditEntry {
        at: chrono::Utc::now().naive_utc(),
        actor_id: Some(n as i64),
        actor_username: Some(format!("用户{n}")),
        union_id: Some(1),
        union_path: Some("/1/".into()),
        action: "update_household".into(),
        object_kind: "household".into(),
        object_id: Some(n.to_string()),
        before_json: Some(format!(r#"{{"n":{n}}}"#)),
        after_json: None,
        ip: Some("127.0.0.1".into()),
        success: !n.is_multiple_of(3),
    }
}

/// Raw SQL, as someone with the database's password would type it.
fn sql(conn: &mut Conn, sql: &str) -> Result<usize, String> {
    bangfu_storage::test_support::raw_sql(conn, sql).map_err(|e| e.to_string())
}

/// Switches the append-only guard off, as a tamperer with the database's
/// owner account can.
fn disarm(conn: &mut Conn) {
    let sqlite = conn.backend() == Backend::Sqlite;
    let stmt = if sqlite {
        "DROP TRIGGER audit_log_no_update"
    } else {
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
    };
    sql(conn, stmt).unwrap();
    if sqlite {
        sql(conn, "DROP TRIGGER audit_log_no_delete").unwrap();
    }
}

async fn open(label: &str) -> (Db, Box<dyn FnOnce()>) {
    let (url, cleanup) = fresh(label);
    let db = Db::open(&url, &DbOptions::default()).expect("open");
    db.migrate().expect("migrate");
    (db, cleanup)
}

async fn write_entries(db: &Db, from: usize, n: usize) {
    for i in from..from + n {
        db.write(move |c| {
            audit::insert(c, &entry(i))?;
            Ok::<_, StorageError>(())
        })
        .await
        .unwrap();
    }
}

async fn verify(db: &Db, expect: Option<(i64, String)>) -> audit_chain::Verified {
    db.read(move |c| audit_chain::verify(c, expect, |_| {}))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_make_one_unbroken_chain() {
    let (db, cleanup) = open("chain").await;
    let tasks: Vec<_> = (0..6)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..15 {
                    let n = t * 100 + i;
                    db.write(move |c| {
                        // Two entries in one transaction, with other work between.
                        audit::insert(c, &entry(n))?;
                        audit::insert(c, &entry(n + 50))?;
                        Ok::<_, StorageError>(())
                    })
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let v = verify(&db, None).await;
    let head = db.read(audit_chain::head).await.unwrap();
    cleanup();
    assert_eq!(v.broken, None);
    assert_eq!((v.entries, v.unsealed), (180, 0));
    assert_eq!((head.seq, head.hash.as_str()), (180, v.head.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_entries_stay_append_only() {
    let (db, cleanup) = open("chain").await;
    write_entries(&db, 1, 2).await;
    let outcome = db
        .read(|c| {
            Ok::<_, StorageError>((
                sql(
                    c,
                    "UPDATE audit_log SET chain_hash = 'x' WHERE chain_seq = 1",
                ),
                sql(
                    c,
                    "UPDATE audit_log SET chain_seq = NULL, chain_hash = NULL",
                ),
                sql(c, "UPDATE audit_log SET actor_username = 'x'"),
            ))
        })
        .await
        .unwrap();
    let v = verify(&db, None).await;
    cleanup();
    for r in [outcome.0, outcome.1, outcome.2] {
        assert!(
            r.as_ref().is_err_and(|e| e.contains("append-only")),
            "{r:?}"
        );
    }
    assert_eq!((v.entries, v.broken, v.unsealed), (2, None, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_changed_behind_the_applications_back_is_found() {
    let (db, cleanup) = open("chain").await;
    write_entries(&db, 1, 5).await;
    let good = verify(&db, None).await;
    let third: i64 = db
        .read(|c| {
            disarm(c);
            let id = audit_chain_id_at(c, 3);
            sql(
                c,
                &format!("UPDATE audit_log SET actor_username = '王五' WHERE id = {id}"),
            )
            .unwrap();
            Ok::<_, StorageError>(id)
        })
        .await
        .unwrap();
    let bad = verify(&db, Some((5, good.head.clone()))).await;
    cleanup();
    assert_eq!(good.broken, None);
    assert_eq!(good.expected, None);
    assert_eq!(bad.broken, Some(Break::Altered { id: third, seq: 3 }));
    assert_eq!(bad.entries, 2);
    // The walk stopped before position 5: nothing to compare there.
    assert_eq!(bad.expected, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_entry_is_a_gap_and_a_slipped_in_one_is_unsealed() {
    let (db, cleanup) = open("chain").await;
    write_entries(&db, 1, 4).await;
    let head = verify(&db, None).await.head;
    let (second, slipped) = db
        .read(|c| {
            disarm(c);
            let id = audit_chain_id_at(c, 2);
            sql(c, &format!("DELETE FROM audit_log WHERE id = {id}")).unwrap();
            // Outside any transaction of the application: never sealed.
            audit::insert(c, &entry(99))?;
            let slipped = audit_chain_id_unsealed(c);
            Ok::<_, StorageError>((id, slipped))
        })
        .await
        .unwrap();
    let v = verify(&db, Some((4, head))).await;
    cleanup();
    assert!(
        matches!(v.broken, Some(Break::Gap { expected: 2, found: 3, id }) if id != second),
        "{:?}",
        v.broken
    );
    assert_eq!((v.unsealed, v.first_unsealed), (1, Some(slipped)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expected_head_tells_a_rewritten_chain() {
    let (db, cleanup) = open("chain").await;
    write_entries(&db, 1, 3).await;
    let head = verify(&db, None).await.head;
    let same = verify(&db, Some((3, head.clone()))).await;
    let other = verify(&db, Some((3, "0".repeat(64)))).await;
    cleanup();
    assert_eq!(same.expected, Some(true));
    assert_eq!(other.expected, Some(false));
    assert_eq!(other.broken, None);
}

fn audit_chain_id_at(c: &mut Conn, seq: i64) -> i64 {
    let q = format!("SELECT id FROM audit_log WHERE chain_seq = {seq}");
    bangfu_storage::test_support::raw_ids(c, &q).unwrap()[0]
}

fn audit_chain_id_unsealed(c: &mut Conn) -> i64 {
    let q = "SELECT id FROM audit_log WHERE chain_seq IS NULL";
    bangfu_storage::test_support::raw_ids(c, q).unwrap()[0]
}
