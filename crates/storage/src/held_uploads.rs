//! Documents held for an applicant across a refused submission of the
//! public form, keyed to the hash of the form's token (see the migration
//! `held_uploads`). Their bytes are only read to be attached.

use crate::db::{run, Conn};
use crate::query::insert_returning_id;
use crate::schema::held_uploads;
use crate::StorageError;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A held document as the form lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldInfo {
    pub id: i64,
    pub name: String,
    pub size: i64,
}

pub fn insert(
    conn: &mut Conn,
    owner_hash: &str,
    name: &str,
    content_type: &str,
    data: &[u8],
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    let size = i64::try_from(data.len()).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let data = conn.seal_bytes(crate::at_rest::files::HELD, data)?;
    Ok(insert_returning_id!(
        conn,
        held_uploads,
        (
            held_uploads::owner_hash.eq(owner_hash),
            held_uploads::name.eq(name),
            held_uploads::content_type.eq(content_type),
            held_uploads::size.eq(size),
            held_uploads::data.eq(&data),
            held_uploads::created_at.eq(now),
        )
    )?)
}

/// Those of `ids` the owner holds, in the order they were uploaded.
pub fn list(conn: &mut Conn, owner_hash: &str, ids: &[i64]) -> Result<Vec<HeldInfo>, StorageError> {
    let rows: Vec<(i64, String, i64)> = run!(conn, c => held_uploads::table
        .filter(held_uploads::owner_hash.eq(owner_hash))
        .filter(held_uploads::id.eq_any(ids))
        .order(held_uploads::id.asc())
        .select((held_uploads::id, held_uploads::name, held_uploads::size))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(id, name, size)| HeldInfo { id, name, size })
        .collect())
}

/// Restarts the hold of `ids` (the applicant is still at the form).
pub fn touch(
    conn: &mut Conn,
    owner_hash: &str,
    ids: &[i64],
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(
        held_uploads::table
            .filter(held_uploads::owner_hash.eq(owner_hash))
            .filter(held_uploads::id.eq_any(ids)),
    )
    .set(held_uploads::created_at.eq(now))
    .execute(c))?;
    Ok(())
}

/// Those of `ids` the owner holds, as `(name, content type, bytes)`, and
/// no longer held: they are being attached.
pub fn take(
    conn: &mut Conn,
    owner_hash: &str,
    ids: &[i64],
) -> Result<Vec<(String, String, Vec<u8>)>, StorageError> {
    let rows: Vec<(String, String, Vec<u8>)> = run!(conn, c => held_uploads::table
        .filter(held_uploads::owner_hash.eq(owner_hash))
        .filter(held_uploads::id.eq_any(ids))
        .order(held_uploads::id.asc())
        .select((held_uploads::name, held_uploads::content_type, held_uploads::data))
        .load(c))?;
    run!(conn, c => diesel::delete(
        held_uploads::table
            .filter(held_uploads::owner_hash.eq(owner_hash))
            .filter(held_uploads::id.eq_any(ids)),
    )
    .execute(c))?;
    rows.into_iter()
        .map(|(name, kind, data)| {
            Ok((
                name,
                kind,
                conn.open_bytes(crate::at_rest::files::HELD, &data)?,
            ))
        })
        .collect()
}

/// Removes every document held since before `cutoff`.
pub fn purge(conn: &mut Conn, cutoff: NaiveDateTime) -> Result<usize, StorageError> {
    Ok(run!(conn, c => diesel::delete(
        held_uploads::table.filter(held_uploads::created_at.lt(cutoff)),
    )
    .execute(c))?)
}
