//! The files a person is in, whatever has become of them: for the copy of
//! everything Bangfu holds about one person (PIPL art. 45).

use crate::db::{run, Conn};
use crate::schema::{households, members};
use crate::{Scope, StorageError};
use bangfu_domain::household::HouseholdId;
use diesel::prelude::*;

/// Every file in the scope whose worker, or one of whose members, has the
/// ID number `id_number`, in id order: on file or not (closed, exited,
/// relieved, removed, merged away), and each file of a relapse and its
/// reopening. Two index lookups (the worker's number, the members'
/// numbers, both by their blind index under every key, as the numbers are
/// sealed), like the list's search for a full number; unlike that search,
/// members of files no longer open are found too.
pub fn files_of_person(
    conn: &mut Conn,
    scope: &Scope,
    id_number: &str,
) -> Result<Vec<HouseholdId>, StorageError> {
    let indexes = conn.indexes(id_number)?;
    let mut ids: Vec<i64> = run!(conn, c => households::table
        .filter(households::worker_id_index.eq_any(&indexes))
        .filter(scope.covers(households::union_path))
        .select(households::id)
        .load(c))?;
    let as_member: Vec<i64> = run!(conn, c => members::table
        .inner_join(households::table)
        .filter(members::id_index.eq_any(&indexes))
        .filter(scope.covers(households::union_path))
        .select(members::household_id)
        .load(c))?;
    ids.extend(as_member);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(HouseholdId).collect())
}
