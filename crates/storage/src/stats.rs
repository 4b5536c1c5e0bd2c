//! Reads for the province panel and targets that are not tallies (see
//! [`crate::tallies`]): a union's children, the target shares, and the
//! filings and decisions of an assessment's window, grouped by union path,
//! never a person's data.

use crate::db::{run, Conn};
use crate::schema::{exits, households, targets, unions};
use crate::scope::PathRange;
use crate::{Scope, StorageError};
use bangfu_domain::{UnionId, UnionLevel, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use std::collections::HashMap;

/// The key range of `union`'s subtree within the scope.
fn range(scope: &Scope, union: &UnionPath) -> PathRange {
    scope.range_within(Some(union))
}

/// A union as the panel names it.
#[derive(Debug, Clone)]
pub struct UnionRef {
    pub id: UnionId,
    pub name: String,
    pub path: UnionPath,
    pub level: UnionLevel,
    pub active: bool,
}

/// The direct children of a union, inside the scope, by name.
pub fn children(
    conn: &mut Conn,
    scope: &Scope,
    parent: UnionId,
) -> Result<Vec<UnionRef>, StorageError> {
    let rows: Vec<(i64, String, String, String, bool)> = run!(conn, c => unions::table
        .filter(unions::parent_id.eq(parent.0))
        .filter(scope.covers(unions::path))
        .order(unions::id.asc())
        .select((unions::id, unions::name, unions::path, unions::level, unions::active))
        .load(c))?;
    rows.into_iter()
        .map(|(id, name, path, level, active)| {
            Ok(UnionRef {
                id: UnionId(id),
                name,
                path: UnionPath::from_stored(path),
                level: UnionLevel::parse(&level)
                    .map_err(|_| StorageError::Corrupt(format!("union {id} level {level}")))?,
                active,
            })
        })
        .collect()
}

/// Files made on or before `on` (the file's `filed_on`), not counting
/// reopenings: by union path and cohort.
pub fn filings(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<(String, String, i64)>, StorageError> {
    let range = range(scope, union);
    Ok(run!(conn, c => households::table
        .filter(range.covers(households::union_path))
        .filter(households::filed_on.le(on))
        .filter(households::previous_id.is_null())
        .group_by((households::union_path, households::cohort))
        .select((households::union_path, households::cohort, count_star()))
        .load(c))?)
}

// ---------------------------------------------------------------------------
// Targets (目标任务)
// ---------------------------------------------------------------------------

/// The shares set for `year` by any of `union_ids` (basis points). Not
/// scoped: the ids are a union in the caller's scope, its ancestors (whose
/// shares it inherits) and its children — shares are not a person's data.
pub fn shares(
    conn: &mut Conn,
    union_ids: &[UnionId],
    year: i32,
) -> Result<HashMap<UnionId, i32>, StorageError> {
    let ids: Vec<i64> = union_ids.iter().map(|u| u.0).collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i32)> = run!(conn, c => targets::table
            .filter(targets::year.eq(year))
            .filter(targets::union_id.eq_any(chunk))
            .select((targets::union_id, targets::share_bp))
            .load(c))?;
        out.extend(rows.into_iter().map(|(u, bp)| (UnionId(u), bp)));
    }
    Ok(out)
}

/// One union's own row for a year: (share in basis points, set by, set at).
pub fn share_of(
    conn: &mut Conn,
    union_id: UnionId,
    year: i32,
) -> Result<Option<(i32, Option<i64>, NaiveDateTime)>, StorageError> {
    Ok(run!(conn, c => targets::table
        .filter(targets::union_id.eq(union_id.0))
        .filter(targets::year.eq(year))
        .select((targets::share_bp, targets::set_by, targets::set_at))
        .first(c)
        .optional())?)
}

/// Sets a union's own share for a year (insert or replace).
pub fn set_share(
    conn: &mut Conn,
    union_id: UnionId,
    year: i32,
    share_bp: i32,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(targets::table)
        .values((
            targets::union_id.eq(union_id.0),
            targets::year.eq(year),
            targets::share_bp.eq(share_bp),
            targets::set_by.eq(by),
            targets::set_at.eq(now),
        ))
        .on_conflict((targets::union_id, targets::year))
        .do_update()
        .set((
            targets::share_bp.eq(share_bp),
            targets::set_by.eq(by),
            targets::set_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Removes a union's own share for a year (it inherits again); false when
/// it had none.
pub fn clear_share(conn: &mut Conn, union_id: UnionId, year: i32) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::delete(
        targets::table
            .filter(targets::union_id.eq(union_id.0))
            .filter(targets::year.eq(year)),
    )
    .execute(c))?;
    Ok(n > 0)
}

/// Approved exits (脱困) and reliefs (解困) of baseline households decided
/// in `[from, until]`, by union path and decision date — what targets count.
pub fn achieved(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i64)>, StorageError> {
    let range = range(scope, union);
    let rows: Vec<(String, Option<NaiveDate>, i64)> = run!(conn, c => exits::table
        .filter(range.covers(exits::union_path))
        .filter(exits::status.eq("approved"))
        .filter(exits::kind.eq_any(["out", "relief"]))
        .filter(exits::cohort.eq("baseline"))
        .filter(exits::decided_on.ge(from))
        .filter(exits::decided_on.le(until))
        .group_by((exits::union_path, exits::decided_on))
        .select((exits::union_path, exits::decided_on, count_star()))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, d, n)| Some((p, d?, n)))
        .collect())
}

/// Approved revocations decided in `[from, until]` of exits or reliefs of
/// baseline households, by union path and the revocation's date.
pub fn achieved_revoked(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i64)>, StorageError> {
    let range = range(scope, union);
    let orig = diesel::alias!(exits as revoked);
    let rows: Vec<(String, Option<NaiveDate>, i64)> = run!(conn, c => exits::table
        .inner_join(orig.on(exits::revokes_id.eq(orig.field(exits::id).nullable())))
        .filter(range.covers(exits::union_path))
        .filter(exits::status.eq("approved"))
        .filter(exits::kind.eq("revoke"))
        .filter(exits::decided_on.ge(from))
        .filter(exits::decided_on.le(until))
        .filter(orig.field(exits::kind).eq_any(["out", "relief"]))
        .filter(orig.field(exits::cohort).eq("baseline"))
        .group_by((exits::union_path, exits::decided_on))
        .select((exits::union_path, exits::decided_on, count_star()))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, d, n)| Some((p, d?, n)))
        .collect())
}
