//! Rate-limit windows (`rate_counters`) and the password history, on both
//! backends. Times are given, never read from the clock.

use crate::common;

use bangfu_domain::UserId;
use bangfu_storage::{rate, users, Db, DbOptions, StorageError};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use common::fresh;

fn at(secs: i64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 6)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("a time")
        + Duration::seconds(secs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_counts_until_it_is_over_then_starts_again() {
    let (url, cleanup) = fresh("rate");
    let db = Db::open(&url, &DbOptions::default()).expect("open");
    db.migrate().expect("migrate");
    let window = Duration::seconds(600);
    let got = db
        .write(move |c| {
            let b = "login_address:203.0.113.7";
            let mut seen = Vec::new();
            for s in [0, 10, 20] {
                seen.push(rate::hit(c, b, 1, at(s), at(s) - window)?);
            }
            // Several at once (an import), in the same window.
            seen.push(rate::hit(c, b, 5, at(30), at(30) - window)?);
            let current = rate::current(c, b, at(40) - window)?;
            rate::release(c, b)?;
            let released = rate::current(c, b, at(40) - window)?;
            // The window began at 0: at 600 it is over, and a new one starts.
            let over = rate::current(c, b, at(600) - window)?;
            let fresh_window = rate::hit(c, b, 1, at(600), at(600) - window)?;
            let other = rate::hit(
                c,
                "login_address:198.51.100.2",
                1,
                at(600),
                at(600) - window,
            )?;
            let purged = rate::purge(c, at(1))?;
            Ok::<_, StorageError>((seen, current, released, over, fresh_window, other, purged))
        })
        .await;
    cleanup();
    let (seen, current, released, over, fresh_window, other, purged) = got.expect("write");
    let hits: Vec<i32> = seen.iter().map(|c| c.hits).collect();
    assert_eq!(hits, [1, 2, 3, 8]);
    assert!(seen.iter().all(|c| c.window_start == at(0)), "{seen:?}");
    assert_eq!(current.map(|c| c.hits), Some(8));
    assert_eq!(released.map(|c| c.hits), Some(7));
    assert_eq!(over, None);
    assert_eq!((fresh_window.hits, fresh_window.window_start), (1, at(600)));
    assert_eq!(other.hits, 1);
    assert_eq!(purged, 0, "both windows started after the cut-off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_history_keeps_the_last_five_with_the_current_one() {
    let (url, cleanup) = fresh("pwhist");
    let db = Db::open(&url, &DbOptions::default()).expect("open");
    db.migrate().expect("migrate");
    let got = db
        .write(move |c| {
            let root = bangfu_storage::unions::insert(
                c,
                None,
                &bangfu_storage::unions::NewUnion {
                    name: "中华全国总工会".into(),
                    level: bangfu_domain::UnionLevel::National,
                    division_code: "000000".into(),
                },
                at(0),
            )?;
            let roles = bangfu_domain::Roles::new([bangfu_domain::Role::Officer])
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            let id = users::insert(
                c,
                &users::NewUser {
                    union_id: root.id,
                    union_path: root.path.clone(),
                    username: "rotor".into(),
                    display_name: "轮换".into(),
                    password_hash: "h0".into(),
                    must_change_password: false,
                },
                &roles,
                at(0),
            )?;
            let mut after = Vec::new();
            for i in 1..=7 {
                users::set_password(c, id, &format!("h{i}"), false, at(i))?;
                after.push(users::recent_password_hashes(c, id)?);
            }
            Ok::<_, StorageError>((id, after))
        })
        .await;
    cleanup();
    let (id, after) = got.expect("write");
    assert!(id > UserId(0));
    assert_eq!(after[0], ["h1", "h0"]);
    assert_eq!(after[3], ["h4", "h3", "h2", "h1", "h0"]);
    assert_eq!(
        after[6],
        ["h7", "h6", "h5", "h4", "h3"],
        "the oldest are gone"
    );
}
