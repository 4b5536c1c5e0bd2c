//! Exit decisions (`exits`, `exit_steps`) and the lists that lead to them.
//!
//! A decision carries its household's union path, so a scope is the same
//! index range as for the household. At most one decision per household is
//! open (proposed, reviewed or on notice) at a time: the service checks it
//! with [`open_of_household`] after [`lock_household`], which on PostgreSQL
//! locks the household's row for the rest of the transaction (SQLite's
//! writers are serialised by `BEGIN IMMEDIATE`), so two officers proposing
//! at the same moment cannot both succeed.

use crate::db::{run, Conn, Raw};
use crate::households::{self, Household};
use crate::query::{
    insert_returning_id, name_of, page_of, union_names, update_at_version, user_names, Optional,
};
use crate::schema::{assistance, exit_steps, exits, households as hh, measures, subsidies};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::{AssistanceStatus, MeasureStatus, SubsidyStatus};
use bangfu_domain::household::{Cohort, HouseholdId, Status};
use bangfu_domain::id_number::mask_id_number;
use bangfu_domain::leaving::{ExitId, ExitKind, ExitStatus, ExitStep, Pathway, RemovalReason};
use bangfu_domain::{UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

/// A decision as stored, with its household's name and number.
#[derive(Debug, Clone)]
pub struct Exit {
    pub id: ExitId,
    pub household_id: HouseholdId,
    pub worker_name: String,
    /// The worker's ID number as stored; masked by [`Exit::masked`] for a reader.
    pub worker_id_number: String,
    pub file_no: String,
    /// The household's status now.
    pub household_status: Status,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub kind: ExitKind,
    pub pathway: Option<Pathway>,
    pub reason: Option<RemovalReason>,
    pub note: String,
    pub evidence: String,
    /// The household's cohort when the decision was proposed.
    pub cohort: Cohort,
    pub status: ExitStatus,
    pub notice_from: Option<NaiveDate>,
    pub notice_until: Option<NaiveDate>,
    /// The day it took effect (approval).
    pub decided_on: Option<NaiveDate>,
    pub revokes_id: Option<ExitId>,
    pub revoked_by_id: Option<ExitId>,
    pub evaluation_json: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Exit {
    /// The decision as a reader sees it: the worker's ID number masked. The
    /// service decides when to call it.
    pub fn masked(self) -> Self {
        Self {
            worker_id_number: mask_id_number(&self.worker_id_number),
            ..self
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = exits)]
struct Row {
    id: i64,
    household_id: i64,
    union_id: i64,
    union_path: String,
    kind: String,
    pathway: Option<String>,
    reason: Option<String>,
    note: String,
    evidence: String,
    cohort: String,
    status: String,
    notice_from: Option<NaiveDate>,
    notice_until: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    revokes_id: Option<i64>,
    revoked_by_id: Option<i64>,
    evaluation_json: String,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The notes of a decision and of its steps are sealed at rest (see
/// `at_rest`).
pub(crate) const NOTE: &str = "exits.note";
pub(crate) const STEP_NOTE: &str = "exit_steps.note";

/// A row with its household's name, ID number, number and status.
type Joined = (Row, String, String, String, String);

fn corrupt(id: i64, what: &str, v: &str) -> StorageError {
    StorageError::Corrupt(format!("exit {id} {what} {v}"))
}

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Exit>, StorageError> {
    let union_names = union_names(conn, rows.iter().map(|r| r.0.union_id))?;
    let people = user_names(conn, rows.iter().filter_map(|r| r.0.created_by))?;
    rows.into_iter()
        .map(
            |(r, worker_name, worker_id_number, file_no, household_status)| {
                let id = r.id;
                macro_rules! code {
                    ($t:ty, $v:expr) => {
                        <$t>::parse(&$v).map_err(|_| corrupt(id, stringify!($t), &$v))?
                    };
                }
                Ok(Exit {
                    id: ExitId(id),
                    household_id: HouseholdId(r.household_id),
                    worker_name,
                    worker_id_number: conn.open(
                        crate::households::sealed::WORKER_ID_NUMBER,
                        &worker_id_number,
                    )?,
                    file_no,
                    household_status: code!(Status, household_status),
                    union_id: UnionId(r.union_id),
                    union_name: name_of(&union_names, r.union_id),
                    union_path: UnionPath::from_stored(r.union_path),
                    kind: code!(ExitKind, r.kind),
                    pathway: match r.pathway {
                        Some(p) => Some(code!(Pathway, p)),
                        None => None,
                    },
                    reason: match r.reason {
                        Some(p) => Some(code!(RemovalReason, p)),
                        None => None,
                    },
                    note: conn.open(NOTE, &r.note)?,
                    evidence: r.evidence,
                    cohort: code!(Cohort, r.cohort),
                    status: code!(ExitStatus, r.status),
                    notice_from: r.notice_from,
                    notice_until: r.notice_until,
                    decided_on: r.decided_on,
                    revokes_id: r.revokes_id.map(ExitId),
                    revoked_by_id: r.revoked_by_id.map(ExitId),
                    evaluation_json: r.evaluation_json,
                    version: r.version,
                    created_by: r.created_by,
                    created_by_name: r
                        .created_by
                        .and_then(|u| people.get(&u).cloned())
                        .unwrap_or_default(),
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                })
            },
        )
        .collect()
}

macro_rules! joined_columns {
    () => {
        (
            Row::as_select(),
            hh::worker_name,
            hh::worker_id_number,
            hh::file_no,
            hh::status,
        )
    };
}

/// A decision as proposed.
#[derive(Debug, Clone)]
pub struct NewExit<'a> {
    pub household_id: HouseholdId,
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub kind: ExitKind,
    pub pathway: Option<Pathway>,
    pub reason: Option<RemovalReason>,
    pub note: &'a str,
    pub evidence: &'a str,
    pub cohort: Cohort,
    pub revokes_id: Option<ExitId>,
    pub evaluation_json: &'a str,
    pub created_by: Option<i64>,
}

/// Stores a new decision, status proposed, version 1.
pub fn insert(
    conn: &mut Conn,
    e: &NewExit<'_>,
    now: NaiveDateTime,
) -> Result<ExitId, StorageError> {
    let note = conn.seal(NOTE, e.note)?;
    let id = insert_returning_id!(
        conn,
        exits,
        (
            (
                exits::household_id.eq(e.household_id.0),
                exits::union_id.eq(e.union_id.0),
                exits::union_path.eq(e.union_path.as_str()),
                exits::kind.eq(e.kind.code()),
                exits::pathway.eq(e.pathway.map(Pathway::code)),
                exits::reason.eq(e.reason.map(RemovalReason::code)),
                exits::note.eq(&note),
                exits::evidence.eq(e.evidence),
                exits::cohort.eq(e.cohort.code()),
                exits::status.eq(ExitStatus::Proposed.code()),
            ),
            (
                exits::revokes_id.eq(e.revokes_id.map(|r| r.0)),
                exits::evaluation_json.eq(e.evaluation_json),
                exits::version.eq(1_i64),
                exits::created_by.eq(e.created_by),
                exits::created_at.eq(now),
                exits::updated_at.eq(now),
            ),
        )
    )?;
    Ok(ExitId(id))
}

/// One step taken on a decision.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub step: ExitStep,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: NaiveDateTime,
    pub note: String,
}

pub fn add_step(conn: &mut Conn, id: ExitId, s: &StepRecord) -> Result<(), StorageError> {
    let note = conn.seal(STEP_NOTE, &s.note)?;
    run!(conn, c => diesel::insert_into(exit_steps::table)
        .values((
            exit_steps::exit_id.eq(id.0),
            exit_steps::step.eq(s.step.code()),
            exit_steps::actor_id.eq(s.actor_id),
            exit_steps::actor_name.eq(&s.actor_name),
            exit_steps::at.eq(s.at),
            exit_steps::note.eq(&note),
        ))
        .execute(c))?;
    Ok(())
}

/// The steps of a decision, oldest first.
pub fn steps(conn: &mut Conn, id: ExitId) -> Result<Vec<StepRecord>, StorageError> {
    type R = (String, Option<i64>, String, NaiveDateTime, String);
    let rows: Vec<R> = run!(conn, c => exit_steps::table
        .filter(exit_steps::exit_id.eq(id.0))
        .order(exit_steps::id.asc())
        .select((
            exit_steps::step,
            exit_steps::actor_id,
            exit_steps::actor_name,
            exit_steps::at,
            exit_steps::note,
        ))
        .load(c))?;
    rows.into_iter()
        .map(|(step, actor_id, actor_name, at, note)| {
            Ok(StepRecord {
                step: ExitStep::parse(&step).map_err(|_| corrupt(id.0, "step", &step))?,
                actor_id,
                actor_name,
                at,
                note: conn.open(STEP_NOTE, &note)?,
            })
        })
        .collect()
}

/// One decision in scope.
pub fn find(conn: &mut Conn, scope: &Scope, id: ExitId) -> Result<Option<Exit>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => exits::table
        .inner_join(hh::table)
        .filter(exits::id.eq(id.0))
        .filter(scope.covers(exits::union_path))
        .select(joined_columns!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// The statuses of an open decision.
fn open_codes() -> [&'static str; 3] {
    [
        ExitStatus::Proposed.code(),
        ExitStatus::Reviewed.code(),
        ExitStatus::Notice.code(),
    ]
}

/// Filters of the decision list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct ExitFilter {
    pub kind: Option<ExitKind>,
    pub status: Option<ExitStatus>,
    pub pathway: Option<Pathway>,
    /// Only decisions of this union's subtree (narrowed to the scope).
    pub union_path: Option<UnionPath>,
    pub household_id: Option<HouseholdId>,
    /// `Some(true)`: only open decisions (proposed, reviewed, on notice);
    /// `Some(false)`: only closed ones (approved, rejected).
    pub open: Option<bool>,
}

/// Decisions in scope, newest first.
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ExitFilter,
    page: PageRequest,
) -> Result<Page<Exit>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    macro_rules! filtered {
        () => {
            exits::table
                .inner_join(hh::table)
                .filter(range.covers(exits::union_path))
                .into_boxed()
                .if_some(filter.kind, |b, k| b.filter(exits::kind.eq(k.code())))
                .if_some(filter.status, |b, s| b.filter(exits::status.eq(s.code())))
                .if_some(filter.pathway, |b, p| b.filter(exits::pathway.eq(p.code())))
                .if_some(filter.household_id, |b, h| {
                    b.filter(exits::household_id.eq(h.0))
                })
                .if_some(filter.open, |b, open| match open {
                    true => b.filter(exits::status.eq_any(open_codes())),
                    false => b.filter(exits::status.ne_all(open_codes())),
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: exits::id.desc(),
        select: joined_columns!()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

/// Moves a decision read at `version` to `status`; false when someone else
/// acted first (nothing is written then). `notice` sets the notice period,
/// `decided_on` the day it took effect.
pub fn advance(
    conn: &mut Conn,
    id: ExitId,
    version: i64,
    status: ExitStatus,
    notice: Option<(NaiveDate, NaiveDate)>,
    decided_on: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let status = (exits::status.eq(status.code()), exits::updated_at.eq(now));
    if !update_at_version!(conn, exits, id.0, version, status)? {
        return Ok(false);
    }
    if let Some((from, until)) = notice {
        run!(conn, c => diesel::update(exits::table.filter(exits::id.eq(id.0)))
            .set((
                exits::notice_from.eq(Some(from)),
                exits::notice_until.eq(Some(until)),
            ))
            .execute(c))?;
    }
    if let Some(on) = decided_on {
        run!(conn, c => diesel::update(exits::table.filter(exits::id.eq(id.0)))
            .set(exits::decided_on.eq(Some(on)))
            .execute(c))?;
    }
    Ok(true)
}

/// Marks an approved decision as revoked by `by` (once: false when it
/// already was).
pub fn mark_revoked(
    conn: &mut Conn,
    id: ExitId,
    by: ExitId,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        exits::table
            .filter(exits::id.eq(id.0))
            .filter(exits::revoked_by_id.is_null()),
    )
    .set((
        exits::revoked_by_id.eq(Some(by.0)),
        exits::version.eq(exits::version + 1_i64),
        exits::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Locks a household's row until the transaction ends (PostgreSQL: `FOR
/// UPDATE`; SQLite's write transaction already holds the database's lock).
/// Returns false when there is no such household.
pub fn lock_household(conn: &mut Conn, id: HouseholdId) -> Result<bool, StorageError> {
    let found: Option<i64> = match &mut conn.raw {
        Raw::Pg(c) => hh::table
            .filter(hh::id.eq(id.0))
            .select(hh::id)
            .for_update()
            .first(&mut **c)
            .optional()?,
        Raw::Sqlite(c) => hh::table
            .filter(hh::id.eq(id.0))
            .select(hh::id)
            .first(&mut **c)
            .optional()?,
    };
    Ok(found.is_some())
}

/// The household's open decision, if any (there is at most one).
pub fn open_of_household(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
) -> Result<Option<Exit>, StorageError> {
    let open = open_codes();
    let rows: Vec<Joined> = run!(conn, c => exits::table
        .inner_join(hh::table)
        .filter(exits::household_id.eq(household.0))
        .filter(exits::status.eq_any(open))
        .filter(scope.covers(exits::union_path))
        .order(exits::id.desc())
        .select(joined_columns!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Which list of households leads to a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidates {
    /// 待脱困: on file, the exit standard met (`ready_pathway` set by the
    /// monthly run), no decision open.
    Ready,
    /// 可解困: on file, the relief standard met, no decision open.
    Relief,
    /// 返困: exited, flagged as relapsed and not yet reopened.
    Relapse,
}

/// Filters of the candidate lists.
#[derive(Debug, Clone, Default)]
pub struct CandidateFilter {
    pub union_path: Option<UnionPath>,
    /// Ready list only: the suggested pathway.
    pub pathway: Option<Pathway>,
}

/// The households of a candidate list in scope, a page at a time: ready
/// and relief by file number, relapses newest flag first.
pub fn candidates(
    conn: &mut Conn,
    scope: &Scope,
    which: Candidates,
    filter: &CandidateFilter,
    page: PageRequest,
) -> Result<Page<Household>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    let open = open_codes();
    macro_rules! filtered {
        () => {{
            let b = hh::table.filter(range.covers(hh::union_path)).into_boxed();
            match which {
                Candidates::Ready | Candidates::Relief => {
                    let b =
                        b.filter(hh::status.eq(Status::OnFile.code()))
                            .filter(diesel::dsl::not(diesel::dsl::exists(
                                exits::table
                                    .filter(exits::household_id.eq(hh::id))
                                    .filter(exits::status.eq_any(open)),
                            )));
                    if which == Candidates::Ready {
                        b.filter(hh::ready_pathway.is_not_null())
                            .if_some(filter.pathway, |b, p| {
                                b.filter(hh::ready_pathway.eq(p.code()))
                            })
                    } else {
                        b.filter(hh::relief_ready.eq(true))
                    }
                }
                Candidates::Relapse => b
                    .filter(hh::status.eq(Status::Exited.code()))
                    .filter(hh::relapse_on.is_not_null())
                    .filter(hh::reopened_id.is_null()),
            }
        }};
    }
    let (ids, total): (Vec<i64>, i64) = run!(conn, c => page_of!(c, page, filtered,
        sorted: match which {
            Candidates::Relapse => filtered!().order((hh::relapse_on.desc(), hh::id.desc())),
            _ => filtered!().order((hh::file_no.asc(), hh::id.asc())),
        },
        select: hh::id))?;
    let ids: Vec<HouseholdId> = ids.into_iter().map(HouseholdId).collect();
    let mut found: HashMap<HouseholdId, Household> = households::find_many(conn, scope, &ids)?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    Ok(page.of(ids.iter().filter_map(|i| found.remove(i)).collect(), total))
}

/// The catalogue codes of what was done for a household, newest first: the
/// track and programme of each completed measure (by completion day) and
/// the kind of each act of assistance given (by day), for suggesting the
/// pathway out of hardship.
pub fn recent_codes(conn: &mut Conn, household: HouseholdId) -> Result<Vec<String>, StorageError> {
    type M = (Option<NaiveDate>, NaiveDate, String, Option<String>);
    let done: Vec<M> = run!(conn, c => measures::table
        .filter(measures::household_id.eq(household.0))
        .filter(measures::status.eq(MeasureStatus::Done.code()))
        .select((measures::done_on, measures::due_on, measures::track, measures::programme))
        .load(c))?;
    let given: Vec<(NaiveDate, String)> = run!(conn, c => assistance::table
        .filter(assistance::household_id.eq(household.0))
        .filter(assistance::status.eq(AssistanceStatus::Given.code()))
        .select((assistance::given_on, assistance::kind))
        .load(c))?;
    // (day, order within the day, code): a measure's programme before its track.
    let mut dated: Vec<(NaiveDate, u8, String)> = Vec::new();
    for (done_on, due_on, track, programme) in done {
        let on = done_on.unwrap_or(due_on);
        if let Some(p) = programme {
            dated.push((on, 2, p));
        }
        dated.push((on, 1, track));
    }
    for (on, kind) in given {
        dated.push((on, 0, kind));
    }
    dated.sort_by_key(|d| std::cmp::Reverse((d.0, d.1)));
    Ok(dated.into_iter().map(|(_, _, c)| c).collect())
}

/// Whether the household receives an active regular subsidy (常态化帮扶).
pub fn has_active_subsidy(conn: &mut Conn, household: HouseholdId) -> Result<bool, StorageError> {
    let n: i64 = run!(conn, c => subsidies::table
        .filter(subsidies::household_id.eq(household.0))
        .filter(subsidies::status.eq(SubsidyStatus::Active.code()))
        .count()
        .get_result(c))?;
    Ok(n > 0)
}
