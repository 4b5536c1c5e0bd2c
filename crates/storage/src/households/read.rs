//! Finding files: one, many, a batch of ids, and counts.

use super::{convert, convert_all, Household, Row};
use crate::db::{run, Conn};
use crate::schema::{households, unions};
use crate::{Scope, StorageError};
use bangfu_domain::household::{Decision, HouseholdId, Status};
use diesel::prelude::*;

/// One file in scope.
pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<Option<Household>, StorageError> {
    let row: Option<(Row, String)> = run!(conn, c => households::table
        .inner_join(unions::table)
        .filter(households::id.eq(id.0))
        .filter(scope.covers(households::union_path))
        .select((Row::as_select(), unions::name))
        .first(c)
        .optional())?;
    row.map(|(r, n)| convert(conn, r, n)).transpose()
}

/// How many files in the scope are on file.
pub fn count_open(conn: &mut Conn, scope: &Scope) -> Result<i64, StorageError> {
    Ok(run!(conn, c => households::table
        .filter(scope.covers(households::union_path))
        .filter(households::status.eq(Status::OnFile.code()))
        .count()
        .get_result(c))?)
}

/// The ids of open files in a scope after `after`, in id order, a batch at a
/// time (for re-identifying a whole subtree without holding it in memory).
pub fn open_ids_after(
    conn: &mut Conn,
    scope: &Scope,
    after: i64,
    limit: i64,
) -> Result<Vec<HouseholdId>, StorageError> {
    let ids: Vec<i64> = run!(conn, c => households::table
        .filter(scope.covers(households::union_path))
        .filter(households::status.eq(Status::OnFile.code()))
        .filter(households::id.gt(after))
        .order(households::id.asc())
        .limit(limit)
        .select(households::id)
        .load(c))?;
    Ok(ids.into_iter().map(HouseholdId).collect())
}

/// Many files by id, in scope (for batch work), in id order.
pub fn find_many(
    conn: &mut Conn,
    scope: &Scope,
    ids: &[HouseholdId],
) -> Result<Vec<Household>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(Row, String)> = run!(conn, c => households::table
        .inner_join(unions::table)
        .filter(households::id.eq_any(&raw))
        .filter(scope.covers(households::union_path))
        .order(households::id.asc())
        .select((Row::as_select(), unions::name))
        .load(c))?;
    convert_all(conn, rows)
}

/// The id of the file numbered `file_no`, in scope.
pub fn id_by_file_no(
    conn: &mut Conn,
    scope: &Scope,
    file_no: &str,
) -> Result<Option<HouseholdId>, StorageError> {
    let id: Option<i64> = run!(conn, c => households::table
        .filter(households::file_no.eq(file_no))
        .filter(scope.covers(households::union_path))
        .select(households::id)
        .first(c)
        .optional())?;
    Ok(id.map(HouseholdId))
}

/// Every file, whatever its scope (the operator's demo generator numbers its people from it).
pub fn count_all(conn: &mut Conn) -> Result<i64, StorageError> {
    Ok(run!(conn, c => households::table.count().get_result(c))?)
}

/// A file's number by id, whatever its scope (an applicant learns the number
/// of the file their approved application created).
pub fn file_no_unscoped(conn: &mut Conn, id: HouseholdId) -> Result<Option<String>, StorageError> {
    Ok(run!(conn, c => households::table
        .filter(households::id.eq(id.0))
        .select(households::file_no)
        .first(c)
        .optional())?)
}

/// Open files in a scope counted by their stored decision.
pub fn count_by_decision(
    conn: &mut Conn,
    scope: &Scope,
) -> Result<Vec<(Decision, i64)>, StorageError> {
    let rows: Vec<(String, i64)> = run!(conn, c => households::table
        .filter(scope.covers(households::union_path))
        .filter(households::status.eq(Status::OnFile.code()))
        .group_by(households::decision)
        .select((households::decision, diesel::dsl::count_star()))
        .load(c))?;
    rows.into_iter()
        .map(|(d, n)| {
            Decision::parse(&d)
                .map(|d| (d, n))
                .map_err(|_| StorageError::Corrupt(format!("decision {d}")))
        })
        .collect()
}
