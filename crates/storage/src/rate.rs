//! Counters of attempts per caller in fixed windows of time (failed logins
//! from one client address, lookups of people on another union's file by
//! one user). They are rows, so every process serving the database counts
//! together; nothing is kept in a process's memory.

use crate::db::{run, Conn};
use crate::schema::rate_counters as t;
use crate::StorageError;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A bucket's count in its current window, and when that window started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub hits: i32,
    pub window_start: NaiveDateTime,
}

/// The count of `bucket` in the window that began at or after
/// `window_from` (`now − window`); `None` when nothing was counted since.
pub fn current(
    conn: &mut Conn,
    bucket: &str,
    window_from: NaiveDateTime,
) -> Result<Option<Count>, StorageError> {
    let row: Option<(i32, NaiveDateTime)> = run!(conn, c => t::table
        .filter(t::bucket.eq(bucket))
        .filter(t::window_start.gt(window_from))
        .select((t::hits, t::window_start))
        .first(c)
        .optional())?;
    Ok(row.map(|(hits, window_start)| Count { hits, window_start }))
}

/// Counts `n` more for `bucket` and returns the count of its window: a
/// window that started at or before `window_from` (`now − window`) is over,
/// and a new one starts at `now`.
///
/// Atomic: the upsert locks the row until the transaction ends (PostgreSQL)
/// or the transaction holds the write lock (SQLite), so concurrent hits are
/// never lost.
pub fn hit(
    conn: &mut Conn,
    bucket: &str,
    n: i32,
    now: NaiveDateTime,
    window_from: NaiveDateTime,
) -> Result<Count, StorageError> {
    let (hits, window_start): (i32, NaiveDateTime) = run!(conn, c => diesel::insert_into(t::table)
        .values((t::bucket.eq(bucket), t::hits.eq(n), t::window_start.eq(now)))
        .on_conflict(t::bucket)
        .do_update()
        .set(t::hits.eq(t::hits + n))
        .returning((t::hits, t::window_start))
        .get_result(c))?;
    if window_start > window_from {
        return Ok(Count { hits, window_start });
    }
    run!(conn, c => diesel::update(t::table.filter(t::bucket.eq(bucket)))
        .set((t::hits.eq(n), t::window_start.eq(now)))
        .execute(c))?;
    Ok(Count {
        hits: n,
        window_start: now,
    })
}

/// Takes one back from `bucket` (an attempt counted before it was known
/// to succeed), never below zero.
pub fn release(conn: &mut Conn, bucket: &str) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(t::table.filter(t::bucket.eq(bucket)).filter(t::hits.gt(0)))
        .set(t::hits.eq(t::hits - 1))
        .execute(c))?;
    Ok(())
}

/// Forgets windows that started before `before` (housekeeping).
pub fn purge(conn: &mut Conn, before: NaiveDateTime) -> Result<usize, StorageError> {
    Ok(run!(conn, c => diesel::delete(t::table.filter(t::window_start.lt(before))).execute(c))?)
}
