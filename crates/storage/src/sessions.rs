//! Server-side sessions (browser cookies and API bearer tokens). Only the
//! SHA-256 of a token is stored.

use crate::db::{run, Conn};
use crate::schema::sessions;
use crate::StorageError;
use bangfu_domain::UserId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub kind: String,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub ip: Option<String>,
    /// The User-Agent it signed in with.
    pub device: Option<String>,
}

impl Session {
    pub fn user(&self) -> UserId {
        UserId(self.user_id)
    }
}

pub fn insert(conn: &mut Conn, s: &Session) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(&s.token_hash),
            sessions::user_id.eq(s.user_id),
            sessions::kind.eq(&s.kind),
            sessions::csrf_token.eq(&s.csrf_token),
            sessions::created_at.eq(s.created_at),
            sessions::last_seen_at.eq(s.last_seen_at),
            sessions::ip.eq(&s.ip),
            sessions::device.eq(&s.device),
        ))
        .execute(c))?;
    Ok(())
}

pub fn find(conn: &mut Conn, token_hash: &str) -> Result<Option<Session>, StorageError> {
    Ok(run!(conn, c => sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .select(Session::as_select())
        .first(c)
        .optional())?)
}

pub fn touch(conn: &mut Conn, token_hash: &str, now: NaiveDateTime) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::last_seen_at.eq(now))
        .execute(c))?;
    Ok(())
}

pub fn delete(conn: &mut Conn, token_hash: &str) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(c))?;
    Ok(())
}

/// Ends every session of a user (disabled, password reset or changed, or
/// ended by an administrator); how many there were.
pub fn delete_for_user(
    conn: &mut Conn,
    user: UserId,
    except: Option<&str>,
) -> Result<usize, StorageError> {
    Ok(run!(conn, c => diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user.0))
            .filter(sessions::token_hash.ne(except.unwrap_or(""))),
    )
    .execute(c))?)
}

/// A user's sessions, the most recently used first.
pub fn of_user(conn: &mut Conn, user: UserId) -> Result<Vec<Session>, StorageError> {
    Ok(run!(conn, c => sessions::table
        .filter(sessions::user_id.eq(user.0))
        .order(sessions::last_seen_at.desc())
        .select(Session::as_select())
        .load(c))?)
}

/// Removes sessions idle since before `cutoff`; they are refused anyway.
pub fn delete_idle(conn: &mut Conn, cutoff: NaiveDateTime) -> Result<usize, StorageError> {
    Ok(
        run!(conn, c => diesel::delete(sessions::table.filter(sessions::last_seen_at.lt(cutoff))).execute(c))?,
    )
}
