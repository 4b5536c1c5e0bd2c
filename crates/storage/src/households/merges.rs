//! `household_merges`: which file was closed into which when two files were
//! found to be one household. Both files keep their histories; a file's
//! page reads its links from here.

use crate::db::{run, Conn};
use crate::query::insert_returning_id;
use crate::schema::{household_merges, households};
use crate::{Scope, StorageError};
use bangfu_domain::household::HouseholdId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Records that `merged` was closed into `survivor`.
pub fn insert_merge(
    conn: &mut Conn,
    survivor: HouseholdId,
    merged: HouseholdId,
    reason: &str,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    let id = insert_returning_id!(
        conn,
        household_merges,
        (
            household_merges::survivor_id.eq(survivor.0),
            household_merges::merged_id.eq(merged.0),
            household_merges::reason.eq(reason),
            household_merges::created_by.eq(by),
            household_merges::created_at.eq(now),
        )
    )?;
    Ok(id)
}

/// A file's merge links as its page shows them: `(id, file number)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeLinks {
    /// The file this one was merged into.
    pub into: Option<(HouseholdId, String)>,
    /// The files merged into this one.
    pub from: Vec<(HouseholdId, String)>,
}

/// The links of `id` to files the caller may read.
pub fn merge_links(
    conn: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<MergeLinks, StorageError> {
    let into: Option<(i64, String)> = run!(conn, c => household_merges::table
        .inner_join(households::table.on(households::id.eq(household_merges::survivor_id)))
        .filter(household_merges::merged_id.eq(id.0))
        .filter(scope.covers(households::union_path))
        .select((households::id, households::file_no))
        .first(c)
        .optional())?;
    let from: Vec<(i64, String)> = run!(conn, c => household_merges::table
        .inner_join(households::table.on(households::id.eq(household_merges::merged_id)))
        .filter(household_merges::survivor_id.eq(id.0))
        .filter(scope.covers(households::union_path))
        .order(household_merges::id.asc())
        .select((households::id, households::file_no))
        .load(c))?;
    Ok(MergeLinks {
        into: into.map(|(i, n)| (HouseholdId(i), n)),
        from: from.into_iter().map(|(i, n)| (HouseholdId(i), n)).collect(),
    })
}
