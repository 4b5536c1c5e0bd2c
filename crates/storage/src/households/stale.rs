//! Files whose stored identification is stale: listed by a migration that
//! changed the rule (`stale_decisions`), re-identified when a server starts.
//!
//! A process takes rows with `DELETE … RETURNING` in its own transaction,
//! so when several processes start at once each row is taken by one of
//! them (PostgreSQL makes a second `DELETE` of a row wait for the first and
//! then find it gone; SQLite writers are serialised), and a row comes back
//! if the transaction that took it fails.

use crate::db::{run, Conn};
use crate::schema::stale_decisions;
use crate::StorageError;
use bangfu_domain::household::HouseholdId;
use diesel::prelude::*;

/// Up to `limit` files marked stale, in id order.
pub fn stale_ids(conn: &mut Conn, limit: i64) -> Result<Vec<HouseholdId>, StorageError> {
    let ids: Vec<i64> = run!(conn, c => stale_decisions::table
        .order(stale_decisions::household_id.asc())
        .limit(limit)
        .select(stale_decisions::household_id)
        .load(c))?;
    Ok(ids.into_iter().map(HouseholdId).collect())
}

/// Removes the marks of `ids` and returns those this call removed: the
/// files this transaction now re-identifies (another process may have
/// taken the rest).
pub fn take_stale(conn: &mut Conn, ids: &[HouseholdId]) -> Result<Vec<HouseholdId>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let mut taken: Vec<i64> = run!(conn, c => diesel::delete(
        stale_decisions::table.filter(stale_decisions::household_id.eq_any(&raw)),
    )
    .returning(stale_decisions::household_id)
    .get_results(c))?;
    taken.sort_unstable();
    Ok(taken.into_iter().map(HouseholdId).collect())
}
