//! Failed-login counting per name, whether or not the name exists, so a
//! lockout does not reveal which accounts are real.

use crate::db::{run, Conn};
use crate::schema::login_throttle as t;
use crate::StorageError;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
pub struct Throttle {
    pub username: String,
    pub failures: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut Conn, username: &str) -> Result<Option<Throttle>, StorageError> {
    Ok(run!(conn, c => t::table
        .filter(t::username.eq(username))
        .select(Throttle::as_select())
        .first(c)
        .optional())?)
}

pub fn put(conn: &mut Conn, row: &Throttle) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(t::table)
        .values((
            t::username.eq(&row.username),
            t::failures.eq(row.failures),
            t::locked_until.eq(row.locked_until),
            t::updated_at.eq(row.updated_at),
        ))
        .on_conflict(t::username)
        .do_update()
        .set((
            t::failures.eq(row.failures),
            t::locked_until.eq(row.locked_until),
            t::updated_at.eq(row.updated_at),
        ))
        .execute(c))?;
    Ok(())
}

/// Counts one more failure for `username`, atomically (the row stays locked
/// until the transaction ends, so concurrent failures are never lost), and
/// returns the new count.
pub fn count_failure(
    conn: &mut Conn,
    username: &str,
    now: NaiveDateTime,
) -> Result<i32, StorageError> {
    Ok(run!(conn, c => diesel::insert_into(t::table)
        .values((
            t::username.eq(username),
            t::failures.eq(1),
            t::locked_until.eq(None::<NaiveDateTime>),
            t::updated_at.eq(now),
        ))
        .on_conflict(t::username)
        .do_update()
        .set((t::failures.eq(t::failures + 1), t::updated_at.eq(now)))
        .returning(t::failures)
        .get_result(c))?)
}

pub fn clear(conn: &mut Conn, username: &str) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(t::table.filter(t::username.eq(username))).execute(c))?;
    Ok(())
}

/// Forgets counters that are neither locked nor recent, so guessing at
/// random names cannot grow the table without bound.
pub fn purge(
    conn: &mut Conn,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    Ok(run!(conn, c => diesel::delete(
        t::table
            .filter(t::updated_at.lt(before))
            .filter(t::locked_until.is_null().or(t::locked_until.lt(now))),
    )
    .execute(c))?)
}
