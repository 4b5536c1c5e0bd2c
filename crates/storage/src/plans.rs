//! Pairing (一帮一), plans (一户一计划) and their measures (一户一措施).
//!
//! The current pairing unit and responsible person are copied on the file
//! (`households.pairing_union_id`, `responsible_id`) so the work lists are
//! one scoped index range; `pairings` keeps the history, one open row per
//! household. Plans and measures carry the household's union path for scope.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, update_at_version};
use crate::schema::{households, measures, pairings, plans};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::{Goal, MeasureId, MeasureStatus, PlanId, PlanStatus, VisitDates};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::{UnionId, UnionPath, UserId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

/// What a measure says it does for the family is sealed at rest (see
/// `at_rest`).
pub(crate) const CONTENT: &str = "measures.content";
/// The sealed column of a plan's summary (what the family needs, in the
/// officer's words).
pub(crate) const SUMMARY: &str = "plans.summary";
/// The sealed column of why a household was paired (or re-paired).
pub(crate) const PAIRING_NOTE: &str = "pairings.note";

fn corrupt(what: &str, id: i64, v: &str) -> StorageError {
    StorageError::Corrupt(format!("{what} {id}: {v}"))
}

pub use crate::query::{union_names, user_names};

// ---------- pairing and the work lists ----------

/// A household as the pairing lists show it.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub household_id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub status: Status,
    pub filed_on: NaiveDate,
    pub pairing_union_id: Option<UnionId>,
    pub pairing_union_name: Option<String>,
    pub responsible_id: Option<UserId>,
    pub responsible_name: Option<String>,
    /// The day (China time) the current pairing began.
    pub paired_on: Option<NaiveDate>,
    pub last_visit_on: Option<NaiveDate>,
}

impl WorkItem {
    /// The days its visit interval runs from.
    pub fn visit_dates(&self) -> VisitDates {
        VisitDates {
            filed_on: self.filed_on,
            paired_on: self.paired_on,
            last_visit_on: self.last_visit_on,
        }
    }
}

type ItemRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    NaiveDate,
    Option<i64>,
    Option<i64>,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

macro_rules! item_columns {
    () => {
        (
            households::id,
            households::file_no,
            households::worker_name,
            households::union_id,
            households::union_path,
            households::status,
            households::filed_on,
            households::pairing_union_id,
            households::responsible_id,
            households::last_visit_on,
            households::paired_on,
        )
    };
}

/// Open files whose visit is due: the later of the filing, the current
/// pairing and the last visit is before `$cutoff` — the domain's
/// `assistance::visit_overdue` as a filter on `households`.
macro_rules! visit_due_before {
    ($cutoff:expr) => {
        households::filed_on
            .lt($cutoff)
            .and(
                households::paired_on
                    .is_null()
                    .or(households::paired_on.lt($cutoff)),
            )
            .and(
                households::last_visit_on
                    .is_null()
                    .or(households::last_visit_on.lt($cutoff)),
            )
    };
}
pub(crate) use visit_due_before;

fn items(conn: &mut Conn, rows: Vec<ItemRow>) -> Result<Vec<WorkItem>, StorageError> {
    let mut union_ids: Vec<i64> = rows.iter().map(|r| r.3).collect();
    union_ids.extend(rows.iter().filter_map(|r| r.7));
    let user_ids: Vec<i64> = rows.iter().filter_map(|r| r.8).collect();
    let unions = union_names(conn, &union_ids)?;
    let people = user_names(conn, &user_ids)?;
    rows.into_iter()
        .map(|r| {
            Ok(WorkItem {
                household_id: HouseholdId(r.0),
                file_no: r.1,
                worker_name: r.2,
                union_id: UnionId(r.3),
                union_name: name_of(&unions, r.3),
                union_path: UnionPath::from_stored(r.4),
                status: Status::parse(&r.5).map_err(|_| corrupt("household status", r.0, &r.5))?,
                filed_on: r.6,
                pairing_union_id: r.7.map(UnionId),
                pairing_union_name: r.7.and_then(|u| unions.get(&u).cloned()),
                responsible_id: r.8.map(UserId),
                responsible_name: r.8.and_then(|u| people.get(&u).cloned()),
                paired_on: r.10,
                last_visit_on: r.9,
            })
        })
        .collect()
}

/// One household's pairing view, in scope.
pub fn work_item(
    conn: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<Option<WorkItem>, StorageError> {
    let rows: Vec<ItemRow> = run!(conn, c => households::table
        .filter(households::id.eq(id.0))
        .filter(scope.covers(households::union_path))
        .select(item_columns!())
        .load(c))?;
    Ok(items(conn, rows)?.into_iter().next())
}

/// Which households a work list holds (always open files of the scope).
#[derive(Debug, Clone, Copy)]
pub enum Worklist {
    /// Nobody responsible.
    Unassigned,
    /// No plan for this year.
    NoPlan(i32),
    /// Due a visit: filed, paired and last visited (if ever) before this
    /// date (`assistance::visit_cutoff`).
    NotVisitedSince(NaiveDate),
    /// Those this user is responsible for.
    ResponsibleOf(UserId),
    /// With a plan submitted for approval (any year): the reviewers' queue.
    PlanSubmitted,
}

/// A page of a work list, optionally narrowed to one union's subtree.
pub fn worklist(
    conn: &mut Conn,
    scope: &Scope,
    within: Option<&UnionPath>,
    list: Worklist,
    page: PageRequest,
) -> Result<Page<WorkItem>, StorageError> {
    let range = scope.range_within(within);
    macro_rules! filtered {
        () => {{
            let b = households::table
                .filter(range.covers(households::union_path))
                .filter(households::status.eq_any([Status::OnFile.code(), Status::Relieved.code()]))
                .into_boxed();
            match list {
                Worklist::Unassigned => b.filter(households::responsible_id.is_null()),
                Worklist::NoPlan(year) => b.filter(diesel::dsl::not(diesel::dsl::exists(
                    plans::table
                        .filter(plans::household_id.eq(households::id))
                        .filter(plans::year.eq(year)),
                ))),
                Worklist::NotVisitedSince(d) => b.filter(visit_due_before!(d)),
                Worklist::ResponsibleOf(u) => b.filter(households::responsible_id.eq(u.0)),
                Worklist::PlanSubmitted => b.filter(diesel::dsl::exists(
                    plans::table
                        .filter(plans::household_id.eq(households::id))
                        .filter(plans::status.eq(PlanStatus::Submitted.code())),
                )),
            }
        }};
    }
    let (rows, total): (Vec<ItemRow>, i64) = run!(conn, c => page_of!(c, page, filtered,
        sorted: match list {
            Worklist::NotVisitedSince(_) => filtered!().order((
                households::last_visit_on.is_not_null().asc(),
                households::last_visit_on.asc(),
                households::id.asc(),
            )),
            _ => filtered!().order(households::id.asc()),
        },
        select: item_columns!()))?;
    Ok(page.of(items(conn, rows)?, total))
}

/// One pairing of the history.
#[derive(Debug, Clone)]
pub struct Pairing {
    pub id: i64,
    pub household_id: HouseholdId,
    pub union_id: UnionId,
    pub union_name: String,
    pub responsible_id: UserId,
    pub responsible_name: String,
    pub from_at: NaiveDateTime,
    pub until_at: Option<NaiveDateTime>,
    pub note: String,
    pub created_by: Option<i64>,
}

/// Makes `union` and `responsible` the household's pairing: the file is
/// updated, the open pairing closed and a new one opened.
pub fn assign(
    conn: &mut Conn,
    household: HouseholdId,
    union: UnionId,
    responsible: UserId,
    note: &str,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let note = conn.seal(PAIRING_NOTE, note)?;
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household.0)))
        .set((
            households::pairing_union_id.eq(Some(union.0)),
            households::responsible_id.eq(Some(responsible.0)),
            households::paired_on.eq(Some(bangfu_domain::china_date(now))),
        ))
        .execute(c))?;
    run!(conn, c => diesel::update(
        pairings::table
            .filter(pairings::household_id.eq(household.0))
            .filter(pairings::until_at.is_null()),
    )
    .set(pairings::until_at.eq(Some(now)))
    .execute(c))?;
    run!(conn, c => diesel::insert_into(pairings::table)
        .values((
            pairings::household_id.eq(household.0),
            pairings::union_id.eq(union.0),
            pairings::responsible_id.eq(responsible.0),
            pairings::from_at.eq(now),
            pairings::note.eq(&note),
            pairings::created_by.eq(by),
        ))
        .execute(c))?;
    Ok(())
}

/// The pairings of a household, newest first (the caller checked scope).
pub fn history(conn: &mut Conn, household: HouseholdId) -> Result<Vec<Pairing>, StorageError> {
    type R = (
        i64,
        i64,
        i64,
        i64,
        NaiveDateTime,
        Option<NaiveDateTime>,
        String,
        Option<i64>,
    );
    let rows: Vec<R> = run!(conn, c => pairings::table
        .filter(pairings::household_id.eq(household.0))
        .order(pairings::id.desc())
        .select((
            pairings::id,
            pairings::household_id,
            pairings::union_id,
            pairings::responsible_id,
            pairings::from_at,
            pairings::until_at,
            pairings::note,
            pairings::created_by,
        ))
        .load(c))?;
    let unions = union_names(conn, rows.iter().map(|r| r.2))?;
    let people = user_names(conn, rows.iter().map(|r| r.3))?;
    rows.into_iter()
        .map(|r| {
            Ok(Pairing {
                id: r.0,
                household_id: HouseholdId(r.1),
                union_id: UnionId(r.2),
                union_name: name_of(&unions, r.2),
                responsible_id: UserId(r.3),
                responsible_name: name_of(&people, r.3),
                from_at: r.4,
                until_at: r.5,
                note: conn.open(PAIRING_NOTE, &r.6)?,
                created_by: r.7,
            })
        })
        .collect()
}

// ---------- plans ----------

#[derive(Debug, Clone)]
pub struct Plan {
    pub id: PlanId,
    pub household_id: HouseholdId,
    pub union_path: UnionPath,
    pub year: i32,
    pub goal: Goal,
    pub target_on: Option<NaiveDate>,
    pub summary: String,
    pub status: PlanStatus,
    pub approved_by: Option<i64>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
    /// Who submitted it for approval, and when (while submitted or approved).
    pub submitted_by: Option<i64>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = plans)]
struct PlanRow {
    id: i64,
    household_id: i64,
    union_path: String,
    year: i32,
    goal: String,
    target_on: Option<NaiveDate>,
    summary: String,
    status: String,
    approved_by: Option<i64>,
    approved_at: Option<NaiveDateTime>,
    submitted_by: Option<i64>,
    submitted_at: Option<NaiveDateTime>,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn plans_from(conn: &mut Conn, rows: Vec<PlanRow>) -> Result<Vec<Plan>, StorageError> {
    let ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.approved_by, r.submitted_by])
        .flatten()
        .collect();
    let names = user_names(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            Ok(Plan {
                id: PlanId(r.id),
                household_id: HouseholdId(r.household_id),
                union_path: UnionPath::from_stored(r.union_path),
                year: r.year,
                goal: Goal::parse(&r.goal).map_err(|_| corrupt("plan goal", r.id, &r.goal))?,
                target_on: r.target_on,
                summary: conn.open(SUMMARY, &r.summary)?,
                status: PlanStatus::parse(&r.status)
                    .map_err(|_| corrupt("plan status", r.id, &r.status))?,
                approved_by: r.approved_by,
                approved_by_name: r.approved_by.and_then(|u| names.get(&u).cloned()),
                approved_at: r.approved_at,
                submitted_by: r.submitted_by,
                submitted_by_name: r.submitted_by.and_then(|u| names.get(&u).cloned()),
                submitted_at: r.submitted_at,
                version: r.version,
                created_by: r.created_by,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

pub fn find_plan(conn: &mut Conn, scope: &Scope, id: PlanId) -> Result<Option<Plan>, StorageError> {
    let rows: Vec<PlanRow> = run!(conn, c => plans::table
        .filter(plans::id.eq(id.0))
        .filter(scope.covers(plans::union_path))
        .select(PlanRow::as_select())
        .load(c))?;
    Ok(plans_from(conn, rows)?.into_iter().next())
}

pub fn plan_for_year(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
    year: i32,
) -> Result<Option<Plan>, StorageError> {
    let rows: Vec<PlanRow> = run!(conn, c => plans::table
        .filter(plans::household_id.eq(household.0))
        .filter(plans::year.eq(year))
        .filter(scope.covers(plans::union_path))
        .select(PlanRow::as_select())
        .load(c))?;
    Ok(plans_from(conn, rows)?.into_iter().next())
}

/// The years a household has plans for, newest first.
pub fn plan_years(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
) -> Result<Vec<(i32, PlanStatus)>, StorageError> {
    let rows: Vec<(i32, String)> = run!(conn, c => plans::table
        .filter(plans::household_id.eq(household.0))
        .filter(scope.covers(plans::union_path))
        .order(plans::year.desc())
        .select((plans::year, plans::status))
        .load(c))?;
    rows.into_iter()
        .map(|(y, s)| {
            Ok((
                y,
                PlanStatus::parse(&s).map_err(|_| corrupt("plan status", household.0, &s))?,
            ))
        })
        .collect()
}

/// What a plan says.
#[derive(Debug, Clone)]
pub struct PlanFields {
    pub goal: Goal,
    pub target_on: Option<NaiveDate>,
    pub summary: String,
}

/// Adds a plan; `None` when the household already has one for the year.
pub fn insert_plan(
    conn: &mut Conn,
    household: HouseholdId,
    union_path: &UnionPath,
    year: i32,
    f: &PlanFields,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<Option<PlanId>, StorageError> {
    let summary = conn.seal(SUMMARY, &f.summary)?;
    let id: Option<i64> = run!(conn, c => diesel::insert_into(plans::table)
        .values((
            plans::household_id.eq(household.0),
            plans::union_path.eq(union_path.as_str()),
            plans::year.eq(year),
            plans::goal.eq(f.goal.code()),
            plans::target_on.eq(f.target_on),
            plans::summary.eq(&summary),
            plans::status.eq(PlanStatus::Draft.code()),
            plans::version.eq(1_i64),
            plans::created_by.eq(by),
            plans::created_at.eq(now),
            plans::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .returning(plans::id)
        .get_result(c)
        .optional())?;
    Ok(id.map(PlanId))
}

/// Saves a plan still at `version` with `status`; false when someone saved first.
pub fn update_plan(
    conn: &mut Conn,
    id: PlanId,
    version: i64,
    f: &PlanFields,
    status: PlanStatus,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let summary = conn.seal(SUMMARY, &f.summary)?;
    let fields = (
        plans::goal.eq(f.goal.code()),
        plans::target_on.eq(f.target_on),
        plans::summary.eq(&summary),
        plans::status.eq(status.code()),
        plans::updated_at.eq(now),
    );
    if status == PlanStatus::Draft {
        // Back to a draft: the submission and the approval no longer hold.
        let unapproved = (
            plans::approved_by.eq(None::<i64>),
            plans::approved_at.eq(None::<NaiveDateTime>),
            plans::submitted_by.eq(None::<i64>),
            plans::submitted_at.eq(None::<NaiveDateTime>),
        );
        update_at_version!(conn, plans, id.0, version, (fields, unapproved))
    } else {
        update_at_version!(conn, plans, id.0, version, fields)
    }
}

/// Marks a draft still at `version` submitted for approval by `by`; false
/// when someone saved first.
pub fn submit_plan(
    conn: &mut Conn,
    id: PlanId,
    version: i64,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    update_at_version!(
        conn,
        plans,
        id.0,
        version,
        (
            plans::status.eq(PlanStatus::Submitted.code()),
            plans::submitted_by.eq(Some(by)),
            plans::submitted_at.eq(Some(now)),
            plans::updated_at.eq(now),
        )
    )
}

/// Marks a plan still at `version` approved; false when someone saved first.
pub fn approve_plan(
    conn: &mut Conn,
    id: PlanId,
    version: i64,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    update_at_version!(
        conn,
        plans,
        id.0,
        version,
        (
            plans::status.eq(PlanStatus::Approved.code()),
            plans::approved_by.eq(Some(by)),
            plans::approved_at.eq(Some(now)),
            plans::updated_at.eq(now),
        )
    )
}

// ---------- measures ----------

#[derive(Debug, Clone)]
pub struct Measure {
    pub id: MeasureId,
    pub plan_id: PlanId,
    pub household_id: HouseholdId,
    pub union_path: UnionPath,
    pub track: String,
    pub programme: Option<String>,
    pub guarantee_line: Option<String>,
    pub content: String,
    pub due_on: NaiveDate,
    pub responsible_id: Option<UserId>,
    pub responsible_name: Option<String>,
    pub status: MeasureStatus,
    pub done_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The plan's year and status (an approved plan's measures are approved).
    pub plan_year: i32,
    pub plan_status: PlanStatus,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = measures)]
struct MeasureRow {
    id: i64,
    plan_id: i64,
    household_id: i64,
    union_path: String,
    track: String,
    programme: Option<String>,
    guarantee_line: Option<String>,
    content: String,
    due_on: NaiveDate,
    responsible_id: Option<i64>,
    status: String,
    done_on: Option<NaiveDate>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn measures_from(
    conn: &mut Conn,
    rows: Vec<(MeasureRow, i32, String)>,
) -> Result<Vec<Measure>, StorageError> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.0.responsible_id).collect();
    let names = user_names(conn, &ids)?;
    rows.into_iter()
        .map(|(r, year, plan_status)| {
            Ok(Measure {
                id: MeasureId(r.id),
                plan_id: PlanId(r.plan_id),
                household_id: HouseholdId(r.household_id),
                union_path: UnionPath::from_stored(r.union_path),
                track: r.track,
                programme: r.programme,
                guarantee_line: r.guarantee_line,
                content: conn.open(CONTENT, &r.content)?,
                due_on: r.due_on,
                responsible_id: r.responsible_id.map(UserId),
                responsible_name: r.responsible_id.and_then(|u| names.get(&u).cloned()),
                status: MeasureStatus::parse(&r.status)
                    .map_err(|_| corrupt("measure status", r.id, &r.status))?,
                done_on: r.done_on,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
                plan_year: year,
                plan_status: PlanStatus::parse(&plan_status)
                    .map_err(|_| corrupt("plan status", r.plan_id, &plan_status))?,
            })
        })
        .collect()
}

/// The measures of a plan, by due date (the caller checked scope).
pub fn measures_of(conn: &mut Conn, plan: PlanId) -> Result<Vec<Measure>, StorageError> {
    let rows: Vec<(MeasureRow, i32, String)> = run!(conn, c => measures::table
        .inner_join(plans::table)
        .filter(measures::plan_id.eq(plan.0))
        .order((measures::due_on.asc(), measures::id.asc()))
        .select((MeasureRow::as_select(), plans::year, plans::status))
        .load(c))?;
    measures_from(conn, rows)
}

/// One measure in scope, with its plan's year and status (also for other
/// use cases that refer to a measure: assistance, subsidies, the fund audit).
pub fn find_measure(
    conn: &mut Conn,
    scope: &Scope,
    id: MeasureId,
) -> Result<Option<Measure>, StorageError> {
    let rows: Vec<(MeasureRow, i32, String)> = run!(conn, c => measures::table
        .inner_join(plans::table)
        .filter(measures::id.eq(id.0))
        .filter(scope.covers(measures::union_path))
        .select((MeasureRow::as_select(), plans::year, plans::status))
        .load(c))?;
    Ok(measures_from(conn, rows)?.into_iter().next())
}

/// The open measures (planned or in progress) of these households, by due date.
pub fn open_measures_of(
    conn: &mut Conn,
    households_: &[HouseholdId],
) -> Result<Vec<Measure>, StorageError> {
    if households_.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = households_.iter().map(|h| h.0).collect();
    let open = [
        MeasureStatus::Planned.code(),
        MeasureStatus::InProgress.code(),
    ];
    let rows: Vec<(MeasureRow, i32, String)> = run!(conn, c => measures::table
        .inner_join(plans::table)
        .filter(measures::household_id.eq_any(&ids))
        .filter(measures::status.eq_any(open))
        .order((measures::due_on.asc(), measures::id.asc()))
        .select((MeasureRow::as_select(), plans::year, plans::status))
        .load(c))?;
    measures_from(conn, rows)
}

/// The measures of one household in its plans of these years that are not
/// cancelled, newest plan first, then by due date (the caller checked scope;
/// for choosing the measure an act of assistance serves).
pub fn live_measures_of_household(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
    years: &[i32],
) -> Result<Vec<Measure>, StorageError> {
    if years.is_empty() {
        return Ok(Vec::new());
    }
    let cancelled = MeasureStatus::Cancelled.code();
    let rows: Vec<(MeasureRow, i32, String)> = run!(conn, c => measures::table
        .inner_join(plans::table)
        .filter(measures::household_id.eq(household.0))
        .filter(scope.covers(measures::union_path))
        .filter(plans::year.eq_any(years))
        .filter(measures::status.ne(cancelled))
        .order((plans::year.desc(), measures::due_on.asc(), measures::id.asc()))
        .select((MeasureRow::as_select(), plans::year, plans::status))
        .load(c))?;
    measures_from(conn, rows)
}

/// Which of these households have a plan for `year`.
pub fn with_plan(
    conn: &mut Conn,
    households_: &[HouseholdId],
    year: i32,
) -> Result<HashMap<i64, PlanStatus>, StorageError> {
    if households_.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = households_.iter().map(|h| h.0).collect();
    let rows: Vec<(i64, String)> = run!(conn, c => plans::table
        .filter(plans::household_id.eq_any(&ids))
        .filter(plans::year.eq(year))
        .select((plans::household_id, plans::status))
        .load(c))?;
    rows.into_iter()
        .map(|(h, s)| {
            Ok((
                h,
                PlanStatus::parse(&s).map_err(|_| corrupt("plan status", h, &s))?,
            ))
        })
        .collect()
}

/// What a measure says.
#[derive(Debug, Clone)]
pub struct MeasureFields {
    pub track: String,
    pub programme: Option<String>,
    pub guarantee_line: Option<String>,
    pub content: String,
    pub due_on: NaiveDate,
    pub responsible_id: Option<UserId>,
    pub status: MeasureStatus,
    pub done_on: Option<NaiveDate>,
}

pub fn insert_measure(
    conn: &mut Conn,
    plan: &Plan,
    f: &MeasureFields,
    now: NaiveDateTime,
) -> Result<MeasureId, StorageError> {
    let content = conn.seal(CONTENT, &f.content)?;
    let id = insert_returning_id!(
        conn,
        measures,
        (
            measures::plan_id.eq(plan.id.0),
            measures::household_id.eq(plan.household_id.0),
            measures::union_path.eq(plan.union_path.as_str()),
            measures::track.eq(&f.track),
            measures::programme.eq(&f.programme),
            measures::guarantee_line.eq(&f.guarantee_line),
            measures::content.eq(&content),
            measures::due_on.eq(f.due_on),
            measures::responsible_id.eq(f.responsible_id.map(|u| u.0)),
            measures::status.eq(f.status.code()),
            measures::done_on.eq(f.done_on),
            measures::version.eq(1_i64),
            measures::created_at.eq(now),
            measures::updated_at.eq(now),
        )
    )?;
    Ok(MeasureId(id))
}

/// Saves a measure still at `version`; false when someone saved first.
pub fn update_measure(
    conn: &mut Conn,
    id: MeasureId,
    version: i64,
    f: &MeasureFields,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let content = conn.seal(CONTENT, &f.content)?;
    update_at_version!(
        conn,
        measures,
        id.0,
        version,
        (
            measures::track.eq(&f.track),
            measures::programme.eq(&f.programme),
            measures::guarantee_line.eq(&f.guarantee_line),
            measures::content.eq(&content),
            measures::due_on.eq(f.due_on),
            measures::responsible_id.eq(f.responsible_id.map(|u| u.0)),
            measures::status.eq(f.status.code()),
            measures::done_on.eq(f.done_on),
            measures::updated_at.eq(now),
        )
    )
}
