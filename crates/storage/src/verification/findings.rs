//! Findings: a matched row that disagrees with a household's file, open
//! until the responsible person resolves it.

use super::datasets::catalogue;
use crate::db::{run, Conn};
use crate::query::{name_of, page_of, union_names, user_names, Optional};
use crate::schema::{households, todos, verification_findings};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::verification::{Action, Concern, DatasetEntry, FindingStatus};
use bangfu_domain::{UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashSet;

/// How many rows one multi-row insert carries.
const INSERT_CHUNK: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: i64,
    pub batch_id: i64,
    /// The catalogue's entry of its batch (active or not now).
    pub dataset: DatasetEntry,
    pub household_id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    pub responsible_id: Option<i64>,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    /// None: the worker.
    pub member_id: Option<i64>,
    pub person_name: String,
    pub concern: Concern,
    /// The row's fields as JSON (field code → value).
    pub facts: String,
    pub dataset_says: String,
    pub file_says: String,
    pub as_of: NaiveDate,
    pub status: FindingStatus,
    pub action: Option<Action>,
    pub note: String,
    pub linked_kind: Option<String>,
    pub linked_ref: Option<String>,
    pub resolved_by: Option<i64>,
    pub resolved_by_name: String,
    pub resolved_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = verification_findings)]
struct Row {
    id: i64,
    batch_id: i64,
    dataset: String,
    household_id: i64,
    union_id: i64,
    union_path: String,
    member_id: Option<i64>,
    person_name: String,
    concern: String,
    facts: String,
    dataset_says: String,
    file_says: String,
    as_of: NaiveDate,
    status: String,
    action: Option<String>,
    note: String,
    linked_kind: Option<String>,
    linked_ref: Option<String>,
    resolved_by: Option<i64>,
    resolved_at: Option<NaiveDateTime>,
    version: i64,
    created_at: NaiveDateTime,
}

type Joined = (Row, String, String, Option<i64>);

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Finding>, StorageError> {
    let unions = union_names(conn, rows.iter().map(|r| r.0.union_id))?;
    let people = user_names(conn, rows.iter().filter_map(|r| r.0.resolved_by))?;
    let datasets = if rows.is_empty() {
        Vec::new()
    } else {
        catalogue(conn)?
    };
    rows.into_iter()
        .map(|(r, file_no, worker_name, responsible_id)| {
            let corrupt = |what: &str| StorageError::Corrupt(format!("finding {} {what}", r.id));
            Ok(Finding {
                dataset: datasets
                    .iter()
                    .find(|d| d.code == r.dataset)
                    .cloned()
                    .ok_or_else(|| corrupt("dataset"))?,
                concern: Concern::parse(&r.concern).map_err(|_| corrupt("concern"))?,
                status: FindingStatus::parse(&r.status).map_err(|_| corrupt("status"))?,
                action: r
                    .action
                    .as_deref()
                    .map(Action::parse)
                    .transpose()
                    .map_err(|_| corrupt("action"))?,
                id: r.id,
                batch_id: r.batch_id,
                household_id: HouseholdId(r.household_id),
                file_no,
                worker_name,
                responsible_id,
                union_id: UnionId(r.union_id),
                union_name: name_of(&unions, r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                member_id: r.member_id,
                person_name: r.person_name,
                facts: conn.open(FACTS, &r.facts)?,
                dataset_says: conn.open(DATASET_SAYS, &r.dataset_says)?,
                file_says: conn.open(FILE_SAYS, &r.file_says)?,
                as_of: r.as_of,
                note: conn.open(NOTE, &r.note)?,
                linked_kind: r.linked_kind,
                linked_ref: r.linked_ref,
                resolved_by: r.resolved_by,
                resolved_by_name: r
                    .resolved_by
                    .map(|u| name_of(&people, u))
                    .unwrap_or_default(),
                resolved_at: r.resolved_at,
                version: r.version,
                created_at: r.created_at,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewFinding {
    pub batch_id: i64,
    /// The catalogue code.
    pub dataset: String,
    pub household_id: HouseholdId,
    pub union_id: UnionId,
    pub union_path: UnionPath,
    pub member_id: Option<i64>,
    pub person_name: String,
    pub concern: Concern,
    pub facts: String,
    pub dataset_says: String,
    pub file_says: String,
    pub as_of: NaiveDate,
}

pub fn insert_findings(
    conn: &mut Conn,
    all: &[NewFinding],
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    for chunk in all.chunks(INSERT_CHUNK) {
        let mut rows = Vec::with_capacity(chunk.len());
        for f in chunk {
            let facts = conn.seal(FACTS, &f.facts)?;
            let dataset_says = conn.seal(DATASET_SAYS, &f.dataset_says)?;
            let file_says = conn.seal(FILE_SAYS, &f.file_says)?;
            rows.push((
                verification_findings::batch_id.eq(f.batch_id),
                verification_findings::dataset.eq(&f.dataset),
                verification_findings::household_id.eq(f.household_id.0),
                verification_findings::union_id.eq(f.union_id.0),
                verification_findings::union_path.eq(f.union_path.as_str()),
                verification_findings::member_id.eq(f.member_id),
                verification_findings::person_name.eq(&f.person_name),
                verification_findings::concern.eq(f.concern.code()),
                verification_findings::facts.eq(facts),
                verification_findings::dataset_says.eq(dataset_says),
                verification_findings::file_says.eq(file_says),
                verification_findings::as_of.eq(f.as_of),
                verification_findings::status.eq(FindingStatus::Open.code()),
                verification_findings::note.eq(""),
                verification_findings::version.eq(1_i64),
                verification_findings::created_at.eq(now),
            ));
        }
        run!(conn, c => diesel::insert_into(verification_findings::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// The (household, member, dataset) of every open finding on `households`:
/// a person already flagged by a dataset is not flagged again until resolved.
pub fn open_keys_of(
    conn: &mut Conn,
    households: &[i64],
) -> Result<HashSet<(i64, Option<i64>, String)>, StorageError> {
    let mut out = HashSet::new();
    for chunk in households.chunks(1000) {
        let rows: Vec<(i64, Option<i64>, String)> = run!(conn, c => verification_findings::table
            .filter(verification_findings::household_id.eq_any(chunk))
            .filter(verification_findings::status.eq(FindingStatus::Open.code()))
            .select((
                verification_findings::household_id,
                verification_findings::member_id,
                verification_findings::dataset,
            ))
            .load(c))?;
        out.extend(rows);
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Narrows the scope to one union's subtree.
    pub union_path: Option<UnionPath>,
    pub batch_id: Option<i64>,
    /// A catalogue code.
    pub dataset: Option<String>,
    pub concern: Option<Concern>,
    pub status: Option<FindingStatus>,
    pub household_id: Option<HouseholdId>,
    /// Only open findings raised before this instant (overdue).
    pub open_before: Option<NaiveDateTime>,
    /// Only findings on households this person is responsible for.
    pub responsible_id: Option<i64>,
}

macro_rules! joined {
    () => {
        (
            Row::as_select(),
            households::file_no,
            households::worker_name,
            households::responsible_id,
        )
    };
}

pub fn list_findings(
    conn: &mut Conn,
    scope: &Scope,
    filter: &FindingFilter,
    page: PageRequest,
) -> Result<Page<Finding>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    macro_rules! filtered {
        () => {
            verification_findings::table
                .inner_join(households::table)
                .filter(range.covers(verification_findings::union_path))
                .into_boxed()
                .if_some(filter.batch_id, |q, b| {
                    q.filter(verification_findings::batch_id.eq(b))
                })
                .if_some(filter.dataset.as_deref(), |q, d| {
                    q.filter(verification_findings::dataset.eq(d))
                })
                .if_some(filter.concern, |q, d| {
                    q.filter(verification_findings::concern.eq(d.code()))
                })
                .if_some(filter.status, |q, s| {
                    q.filter(verification_findings::status.eq(s.code()))
                })
                .if_some(filter.household_id, |q, h| {
                    q.filter(verification_findings::household_id.eq(h.0))
                })
                .if_some(filter.open_before, |q, t| {
                    q.filter(verification_findings::status.eq(FindingStatus::Open.code()))
                        .filter(verification_findings::created_at.lt(t))
                })
                .if_some(filter.responsible_id, |q, u| {
                    q.filter(households::responsible_id.eq(u))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: verification_findings::id.desc(),
        select: joined!()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

pub fn find_finding(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
) -> Result<Option<Finding>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => verification_findings::table
        .inner_join(households::table)
        .filter(verification_findings::id.eq(id))
        .filter(scope.covers(verification_findings::union_path))
        .select(joined!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// How a finding was resolved.
#[derive(Debug, Clone)]
pub struct Resolution<'a> {
    pub status: FindingStatus,
    pub action: Action,
    pub note: &'a str,
    pub linked_kind: Option<&'a str>,
    pub linked_ref: Option<String>,
    pub by: i64,
}

/// The officer's note on a finding and what the department and the file
/// said are sealed at rest (see `at_rest`).
const NOTE: &str = "verification_findings.note";
const FACTS: &str = "verification_findings.facts";
const DATASET_SAYS: &str = "verification_findings.dataset_says";
const FILE_SAYS: &str = "verification_findings.file_says";

/// Resolves an open finding still at `version`; false when someone else
/// resolved it first.
pub fn resolve_finding(
    conn: &mut Conn,
    id: i64,
    version: i64,
    r: &Resolution<'_>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let note = conn.seal(NOTE, r.note)?;
    let n = run!(conn, c => diesel::update(
        verification_findings::table
            .filter(verification_findings::id.eq(id))
            .filter(verification_findings::version.eq(version))
            .filter(verification_findings::status.eq(FindingStatus::Open.code())),
    )
    .set((
        verification_findings::status.eq(r.status.code()),
        verification_findings::action.eq(Some(r.action.code())),
        verification_findings::note.eq(&note),
        verification_findings::linked_kind.eq(r.linked_kind),
        verification_findings::linked_ref.eq(r.linked_ref.as_deref()),
        verification_findings::resolved_by.eq(Some(r.by)),
        verification_findings::resolved_at.eq(Some(now)),
        verification_findings::version.eq(version + 1),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// The to-do kind of a verification warning (预警).
pub const WARNING_KIND: &str = "warning";

/// Marks the open warnings of `household` done once it has no open finding
/// left; returns how many were closed.
pub fn close_warnings_without_findings(
    conn: &mut Conn,
    household: HouseholdId,
    by: i64,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let open: i64 = run!(conn, c => verification_findings::table
        .filter(verification_findings::household_id.eq(household.0))
        .filter(verification_findings::status.eq(FindingStatus::Open.code()))
        .count()
        .get_result(c))?;
    if open > 0 {
        return Ok(0);
    }
    crate::todos::close_kind_of_household(conn, household, WARNING_KIND, by, now)
}

/// How many open findings a household in the scope has (its file page's
/// badge).
pub fn open_count_of_household(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
) -> Result<i64, StorageError> {
    Ok(run!(conn, c => verification_findings::table
        .filter(verification_findings::household_id.eq(household.0))
        .filter(scope.covers(verification_findings::union_path))
        .filter(verification_findings::status.eq(FindingStatus::Open.code()))
        .count()
        .get_result(c))?)
}

/// Findings by dataset and status in a subtree: (dataset, status, count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetCount {
    pub dataset: DatasetEntry,
    pub open: i64,
    /// Open and raised at or after `fresh_after`.
    pub fresh: i64,
    pub overdue: i64,
    pub confirmed: i64,
    pub dismissed: i64,
}

/// Counts per dataset in the scope (narrowed to `union_path` when given):
/// every active dataset of the catalogue, and an inactive one that has
/// findings; open findings raised before `overdue_before` are overdue,
/// those raised at or after `fresh_after` new.
pub fn counts_by_dataset(
    conn: &mut Conn,
    scope: &Scope,
    union_path: Option<&UnionPath>,
    overdue_before: NaiveDateTime,
    fresh_after: NaiveDateTime,
) -> Result<Vec<DatasetCount>, StorageError> {
    let range = scope.range_within(union_path);
    let rows: Vec<(String, String, i64)> = run!(conn, c => verification_findings::table
        .filter(range.covers(verification_findings::union_path))
        .group_by((verification_findings::dataset, verification_findings::status))
        .select((
            verification_findings::dataset,
            verification_findings::status,
            diesel::dsl::count_star(),
        ))
        .load(c))?;
    let overdue: Vec<(String, i64)> = run!(conn, c => verification_findings::table
        .filter(range.covers(verification_findings::union_path))
        .filter(verification_findings::status.eq(FindingStatus::Open.code()))
        .filter(verification_findings::created_at.lt(overdue_before))
        .group_by(verification_findings::dataset)
        .select((verification_findings::dataset, diesel::dsl::count_star()))
        .load(c))?;
    let fresh: Vec<(String, i64)> = run!(conn, c => verification_findings::table
        .filter(range.covers(verification_findings::union_path))
        .filter(verification_findings::status.eq(FindingStatus::Open.code()))
        .filter(verification_findings::created_at.ge(fresh_after))
        .group_by(verification_findings::dataset)
        .select((verification_findings::dataset, diesel::dsl::count_star()))
        .load(c))?;
    let mut out: Vec<DatasetCount> = catalogue(conn)?
        .into_iter()
        .filter(|d| d.active || rows.iter().any(|(code, _, _)| *code == d.code))
        .map(|d| DatasetCount {
            dataset: d,
            open: 0,
            fresh: 0,
            overdue: 0,
            confirmed: 0,
            dismissed: 0,
        })
        .collect();
    for (d, s, n) in rows {
        let Some(c) = out.iter_mut().find(|c| c.dataset.code == d) else {
            continue;
        };
        match FindingStatus::parse(&s) {
            Ok(FindingStatus::Open) => c.open += n,
            Ok(FindingStatus::Confirmed) => c.confirmed += n,
            Ok(FindingStatus::Dismissed) => c.dismissed += n,
            Err(_) => {}
        }
    }
    for (d, n) in overdue {
        if let Some(c) = out.iter_mut().find(|c| c.dataset.code == d) {
            c.overdue = n;
        }
    }
    for (d, n) in fresh {
        if let Some(c) = out.iter_mut().find(|c| c.dataset.code == d) {
            c.fresh = n;
        }
    }
    Ok(out)
}

/// Opens again this month's warnings of `households` that were closed: a
/// new finding on a household whose earlier ones were resolved warns anew.
pub fn reopen_warnings(
    conn: &mut Conn,
    month: bangfu_domain::Month,
    households: &[i64],
) -> Result<(), StorageError> {
    let m = month.to_string();
    for chunk in households.chunks(1000) {
        run!(conn, c => diesel::update(
            todos::table
                .filter(todos::household_id.eq_any(chunk))
                .filter(todos::kind.eq(WARNING_KIND))
                .filter(todos::month.eq(&m))
                .filter(todos::done_at.is_not_null()),
        )
        .set((todos::done_at.eq(None::<NaiveDateTime>), todos::done_by.eq(None::<i64>)))
        .execute(c))?;
    }
    Ok(())
}

/// Findings in a subtree: open (核对预警, 待处置) and resolved (已处置:
/// confirmed or dismissed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindingTotals {
    pub open: i64,
    pub resolved: i64,
}

/// Open and resolved findings in the scope (narrowed to `union_path` when
/// given): one query grouped by status.
pub fn finding_totals(
    conn: &mut Conn,
    scope: &Scope,
    union_path: Option<&UnionPath>,
) -> Result<FindingTotals, StorageError> {
    let range = scope.range_within(union_path);
    let rows: Vec<(String, i64)> = run!(conn, c => verification_findings::table
        .filter(range.covers(verification_findings::union_path))
        .group_by(verification_findings::status)
        .select((verification_findings::status, diesel::dsl::count_star()))
        .load(c))?;
    let mut out = FindingTotals::default();
    for (s, n) in rows {
        match FindingStatus::parse(&s) {
            Ok(FindingStatus::Open) => out.open += n,
            Ok(FindingStatus::Confirmed | FindingStatus::Dismissed) => out.resolved += n,
            Err(_) => {}
        }
    }
    Ok(out)
}
