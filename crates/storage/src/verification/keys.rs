//! The matching keys and the asset thresholds by region.

use crate::db::{run, Conn};
use crate::query::insert_returning_id;
use crate::schema::{verification_keys, verification_thresholds};
use crate::StorageError;
use bangfu_domain::verification::Thresholds;
use bangfu_domain::Fen;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The sealed column of a matching key: with it and a department's batch,
/// anyone could test guesses of ID numbers against the batch's hashes.
const KEY_HEX: &str = "verification_keys.key_hex";

/// A matching key (hex of 32 random bytes), opened.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = verification_keys)]
pub struct Key {
    pub id: i64,
    pub key_hex: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

/// The key departments hash with now: the newest one not retired.
pub fn current_key(conn: &mut Conn) -> Result<Option<Key>, StorageError> {
    run!(conn, c => verification_keys::table
        .filter(verification_keys::retired_at.is_null())
        .order(verification_keys::id.desc())
        .select(Key::as_select())
        .first(c)
        .optional())?
    .map(|k| opened(conn, k))
    .transpose()
}

pub fn key_by_id(conn: &mut Conn, id: i64) -> Result<Option<Key>, StorageError> {
    run!(conn, c => verification_keys::table
        .filter(verification_keys::id.eq(id))
        .select(Key::as_select())
        .first(c)
        .optional())?
    .map(|k| opened(conn, k))
    .transpose()
}

/// Every key, newest first.
pub fn list_keys(conn: &mut Conn) -> Result<Vec<Key>, StorageError> {
    run!(conn, c => verification_keys::table
        .order(verification_keys::id.desc())
        .select(Key::as_select())
        .load(c))?
    .into_iter()
    .map(|k| opened(conn, k))
    .collect()
}

fn opened(conn: &Conn, mut k: Key) -> Result<Key, StorageError> {
    k.key_hex = conn.open(KEY_HEX, &k.key_hex)?;
    Ok(k)
}

/// Adds a key and retires the others (they still read old batches).
pub fn insert_key(
    conn: &mut Conn,
    key_hex: &str,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    let key_hex = conn.seal(KEY_HEX, key_hex)?;
    run!(conn, c => diesel::update(verification_keys::table.filter(verification_keys::retired_at.is_null()))
        .set(verification_keys::retired_at.eq(Some(now)))
        .execute(c))?;
    Ok(insert_returning_id!(
        conn,
        verification_keys,
        (
            verification_keys::key_hex.eq(&key_hex),
            verification_keys::created_by.eq(by),
            verification_keys::created_at.eq(now),
        )
    )?)
}

/// The thresholds set for one region (`''`: nationwide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredThresholds {
    pub division_code: String,
    pub thresholds: Thresholds,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// Every region's thresholds (a short table: one row per region that set any).
pub fn all_thresholds(conn: &mut Conn) -> Result<Vec<StoredThresholds>, StorageError> {
    type R = (String, i64, i64, i64, Option<i64>, NaiveDateTime);
    let rows: Vec<R> = run!(conn, c => verification_thresholds::table
        .order(verification_thresholds::division_code)
        .select((
            verification_thresholds::division_code,
            verification_thresholds::vehicle_value_fen,
            verification_thresholds::properties,
            verification_thresholds::floor_area_per_person,
            verification_thresholds::updated_by,
            verification_thresholds::updated_at,
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(
            |(division_code, v, p, a, updated_by, updated_at)| StoredThresholds {
                division_code,
                thresholds: Thresholds {
                    vehicle_value: Fen(v),
                    properties: p,
                    floor_area_per_person: a,
                },
                updated_by,
                updated_at,
            },
        )
        .collect())
}

/// Sets (or replaces) one region's thresholds.
pub fn set_thresholds(
    conn: &mut Conn,
    division_code: &str,
    t: &Thresholds,
    by: i64,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let values = (
        verification_thresholds::division_code.eq(division_code),
        verification_thresholds::vehicle_value_fen.eq(t.vehicle_value.0),
        verification_thresholds::properties.eq(t.properties),
        verification_thresholds::floor_area_per_person.eq(t.floor_area_per_person),
        verification_thresholds::updated_by.eq(Some(by)),
        verification_thresholds::updated_at.eq(now),
    );
    run!(conn, c => diesel::insert_into(verification_thresholds::table)
        .values(values)
        .on_conflict(verification_thresholds::division_code)
        .do_update()
        .set((
            verification_thresholds::vehicle_value_fen.eq(t.vehicle_value.0),
            verification_thresholds::properties.eq(t.properties),
            verification_thresholds::floor_area_per_person.eq(t.floor_area_per_person),
            verification_thresholds::updated_by.eq(Some(by)),
            verification_thresholds::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}
