//! File quality (档案质量, docs/rules.md §2.1): the files under assistance
//! in a scope that fail one check, counted by union path and listed.
//!
//! Every query is the scope's range on `households(union_path, id)` with
//! the check as one predicate: a column test, or `[NOT] EXISTS` on the
//! child table's household index (`assistance_household`, `visits_household`,
//! `members_household`, the primary key of `incomes`), so a count is one
//! SQL statement whatever the check.

use crate::db::{run, Conn};
use crate::query::{name_of, page_of, union_names, user_names};
use crate::schema::{assistance, households, incomes, members, visits};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::quality::Check;
use bangfu_domain::{Disclosure, IdNumber, Masked, MaskedId, Month, Stored, UnionId, UnionPath};
use chrono::NaiveDateTime;
use diesel::dsl::{count_star, exists, not};
use diesel::prelude::*;

/// The statuses whose files are checked: those under assistance (在档, 已解困).
const CHECKED: [&str; 2] = ["on_file", "relieved"];

/// One check with the instants and months it compares against (from the
/// service's clock).
#[derive(Debug, Clone, Copy)]
pub struct Criteria {
    pub check: Check,
    /// [`Check::Stale`]: last changed before this instant.
    pub stale_before: NaiveDateTime,
    /// [`Check::IncomesMissing`]: no income row in `income_from..=income_to`.
    pub income_from: Month,
    pub income_to: Month,
}

/// A file that fails a check, as the list shows it.
#[derive(Debug, Clone)]
pub struct QualityFile<D: Disclosure = Stored> {
    pub id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    pub worker_id_number: D::IdNumber,
    pub status: Status,
    pub union_id: UnionId,
    pub union_name: String,
    pub responsible_id: Option<i64>,
    /// Empty when nobody is responsible.
    pub responsible_name: String,
    pub updated_at: NaiveDateTime,
}

impl QualityFile {
    /// The row as a reader sees it: the worker's ID number masked.
    pub fn masked(self) -> QualityFile<Masked> {
        QualityFile {
            worker_id_number: MaskedId::of(&self.worker_id_number),
            id: self.id,
            file_no: self.file_no,
            worker_name: self.worker_name,
            status: self.status,
            union_id: self.union_id,
            union_name: self.union_name,
            responsible_id: self.responsible_id,
            responsible_name: self.responsible_name,
            updated_at: self.updated_at,
        }
    }
}

/// `$b` (a boxed query on `households`) narrowed to the files that fail `$k`.
macro_rules! failing {
    ($b:expr, $k:expr) => {{
        let k: &Criteria = $k;
        let b = $b;
        match k.check {
            Check::Stale => b.filter(households::updated_at.lt(k.stale_before)),
            Check::NeverAssisted => b.filter(not(exists(
                assistance::table
                    .filter(assistance::household_id.eq(households::id))
                    .filter(assistance::status.eq("given")),
            ))),
            Check::NeverVisited => b.filter(not(exists(
                visits::table.filter(visits::household_id.eq(households::id)),
            ))),
            Check::MemberWithoutId => b.filter(exists(
                members::table
                    .filter(members::household_id.eq(households::id))
                    .filter(members::id_number.is_null()),
            )),
            Check::IncomesMissing => b.filter(not(exists(
                incomes::table
                    .filter(incomes::household_id.eq(households::id))
                    .filter(incomes::month.ge(k.income_from.to_string()))
                    .filter(incomes::month.le(k.income_to.to_string())),
            ))),
            Check::NoResponsible => b.filter(households::responsible_id.is_null()),
        }
    }};
}

/// How many checked files of the scope (narrowed to `within`) fail the
/// check, by the union path they are filed under: one grouped query, whose
/// rows the caller sums for the union and buckets for its children.
pub fn counts_by_path(
    conn: &mut Conn,
    scope: &Scope,
    within: Option<&UnionPath>,
    k: &Criteria,
) -> Result<Vec<(String, i64)>, StorageError> {
    let range = scope.range_within(within);
    Ok(run!(conn, c => failing!(
        households::table
            .filter(range.covers(households::union_path))
            .filter(households::status.eq_any(CHECKED))
            .group_by(households::union_path)
            .select((households::union_path, count_star()))
            .into_boxed(),
        k
    )
    .load(c))?)
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    NaiveDateTime,
);

/// A page of the checked files of the scope (narrowed to `within`) that
/// fail the check, the longest unchanged first.
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    within: Option<&UnionPath>,
    k: &Criteria,
    page: PageRequest,
) -> Result<Page<QualityFile>, StorageError> {
    let range = scope.range_within(within);
    macro_rules! filtered {
        () => {
            failing!(
                households::table
                    .filter(range.covers(households::union_path))
                    .filter(households::status.eq_any(CHECKED))
                    .into_boxed(),
                k
            )
        };
    }
    let (rows, total): (Vec<Row>, i64) = run!(conn, c => page_of!(c, page, filtered,
    sorted: filtered!().order((households::updated_at.asc(), households::id.asc())),
    select: (
        households::id,
        households::file_no,
        households::worker_name,
        households::worker_id_number,
        households::status,
        households::union_id,
        households::responsible_id,
        households::updated_at,
    )))?;
    let unions = union_names(conn, rows.iter().map(|r| r.5))?;
    let people = user_names(conn, rows.iter().filter_map(|r| r.6))?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(QualityFile {
                status: Status::parse(&r.4).map_err(|_| {
                    StorageError::Corrupt(format!("household {} status {}", r.0, r.4))
                })?,
                id: HouseholdId(r.0),
                file_no: r.1,
                worker_name: r.2,
                worker_id_number: IdNumber::from_stored(
                    conn.open(crate::households::sealed::WORKER_ID_NUMBER, &r.3)?,
                ),
                union_id: UnionId(r.5),
                union_name: name_of(&unions, r.5),
                responsible_id: r.6,
                responsible_name: r.6.map(|u| name_of(&people, u)).unwrap_or_default(),
                updated_at: r.7,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    Ok(page.of(items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_statuses_are_those_under_assistance() {
        let under: Vec<&str> = Status::ALL
            .iter()
            .filter(|s| s.under_assistance())
            .map(|s| s.code())
            .collect();
        assert_eq!(under, CHECKED);
    }
}
