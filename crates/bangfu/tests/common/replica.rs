//! The streaming replica the tests read from, when
//! `BANGFU_TEST_READ_DATABASE_URL` names one (`scripts/pg_replica.sh start`
//! makes it, with `BANGFU_TEST_DATABASE_URL` naming its primary).
//!
//! Every test server then reads from the replica's copy of its database.
//! A test that makes the replica lag on purpose ([`alone`]) has it to
//! itself: it waits for the tests that use it and holds new ones off, since
//! a paused replica would hold up every other test's reads (and the copy of
//! each new database).

use std::cell::RefCell;
use std::sync::{Arc, LazyLock, Weak};
use std::time::Duration;
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

static GATE: LazyLock<Arc<RwLock<()>>> = LazyLock::new(|| Arc::new(RwLock::new(())));

thread_local! {
    /// This test's share of the replica (each test runs on a thread of its
    /// own), so a test that starts two servers takes one share: a second
    /// one could wait behind a test waiting to have it alone, which waits
    /// for the first.
    static HELD: RefCell<Weak<OwnedRwLockReadGuard<()>>> = const { RefCell::new(Weak::new()) };
    /// This test has the replica to itself.
    static ALONE: RefCell<bool> = const { RefCell::new(false) };
}

/// The replica server (without a database name), if the tests have one.
pub fn server() -> Option<String> {
    let url = std::env::var("BANGFU_TEST_READ_DATABASE_URL").ok()?;
    let url = url.trim().trim_end_matches('/').to_owned();
    url.starts_with("postgres").then_some(url)
}

/// A test's use of the replica's copy of its database.
pub struct Shared {
    pub url: String,
    _share: Option<Arc<OwnedRwLockReadGuard<()>>>,
}

/// The replica's copy of database `name` (made on the primary a moment
/// ago), once the replica has it.
pub async fn share(name: &str) -> Option<Shared> {
    let server = server()?;
    let share = if ALONE.with(|a| *a.borrow()) {
        None
    } else if let Some(held) = HELD.with(|h| h.borrow().upgrade()) {
        Some(held)
    } else {
        let guard = Arc::new(GATE.clone().read_owned().await);
        HELD.with(|h| *h.borrow_mut() = Arc::downgrade(&guard));
        Some(guard)
    };
    let url = format!("{server}/{name}");
    for _ in 0..300 {
        if psql(&url, "SELECT 1").is_some() {
            return Some(Shared { url, _share: share });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica did not get database {name} within 30 s");
}

/// The replica to this test alone, while the value lives.
pub struct Alone {
    admin: String,
    _gate: OwnedRwLockWriteGuard<()>,
}

/// Waits until no other test uses the replica and keeps them off; `None`
/// when the tests have no replica.
pub async fn alone() -> Option<Alone> {
    let server = server()?;
    std::env::var("BANGFU_TEST_DATABASE_URL").ok()?;
    let gate = GATE.clone().write_owned().await;
    ALONE.with(|a| *a.borrow_mut() = true);
    Some(Alone {
        admin: format!("{server}/postgres"),
        _gate: gate,
    })
}

impl Alone {
    /// The replica stops applying what the primary sends (it keeps
    /// receiving it): from now on it lags.
    pub fn pause(&self) {
        psql(&self.admin, "SELECT pg_wal_replay_pause()").expect("pause the replica");
    }

    /// The replica applies again.
    pub fn resume(&self) {
        psql(&self.admin, "SELECT pg_wal_replay_resume()").expect("resume the replica");
    }

    /// Waits until the replica has applied everything the primary has
    /// written so far.
    pub async fn catch_up(&self) {
        settle();
    }
}

impl Drop for Alone {
    fn drop(&mut self) {
        let _ = psql(&self.admin, "SELECT pg_wal_replay_resume()");
        ALONE.with(|a| *a.borrow_mut() = false);
    }
}

/// One value from `psql -Atc`, or `None` when it fails.
/// Waits until the replica has applied everything the primary has written
/// so far, when the tests have one. A write made by another process (the
/// command line) carries no position back to the test's server, so its
/// reads see it only once the replica has it, as in a deployment.
pub fn settle() {
    let (Some(server), Ok(primary)) = (server(), std::env::var("BANGFU_TEST_DATABASE_URL")) else {
        return;
    };
    let primary = format!("{}/postgres", primary.trim().trim_end_matches('/'));
    let Some(target) = psql(&primary, "SELECT pg_current_wal_lsn()") else {
        return;
    };
    for _ in 0..300 {
        let caught = psql(
            &format!("{server}/postgres"),
            &format!("SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"),
        );
        if caught.as_deref() == Some("t") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the replica did not catch up with {target} within 15 s");
}

fn psql(url: &str, sql: &str) -> Option<String> {
    let out = std::process::Command::new("psql")
        .arg(url)
        .arg("-Atqc")
        .arg(sql)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
