//! Assistance records (帮扶记录): one act of assistance to a household.
//!
//! A record carries its household's union path (for scope) and the giving
//! union. Records are never deleted: a refused or reversed record keeps its
//! row with its status.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, user_names, Optional};
use crate::schema::{assistance, households, measures};
use crate::{like_pattern, Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::{
    AssistanceId, AssistanceStatus, MeasureId, ReferralId, Stage, SubsidyId,
};
use bangfu_domain::funds::{Source, TransferId};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Fen, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A record as stored, with its household's name and file number and the
/// names of the giving union and the person who gave it.
#[derive(Debug, Clone)]
pub struct Assistance {
    pub id: AssistanceId,
    pub household_id: HouseholdId,
    pub worker_name: String,
    pub file_no: String,
    /// The household's union path (scope).
    pub union_path: UnionPath,
    /// The giving (paying) union.
    pub union_id: UnionId,
    pub union_name: String,
    pub kind: String,
    pub given_on: NaiveDate,
    pub cash: Fen,
    pub goods: String,
    pub goods_value: Fen,
    pub persons: i32,
    pub measure_id: Option<MeasureId>,
    pub source: Option<Source>,
    pub school: Option<String>,
    pub stage: Option<Stage>,
    pub note: String,
    pub status: AssistanceStatus,
    pub transfer_id: Option<TransferId>,
    pub given_by: Option<i64>,
    pub given_by_name: String,
    pub approved_by: Option<i64>,
    pub subsidy_id: Option<SubsidyId>,
    pub referral_id: Option<ReferralId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = assistance)]
struct Row {
    id: i64,
    household_id: i64,
    union_path: String,
    union_id: i64,
    kind: String,
    given_on: NaiveDate,
    cash: i64,
    goods: String,
    goods_value: i64,
    persons: i32,
    measure_id: Option<i64>,
    source: Option<String>,
    school: Option<String>,
    stage: Option<String>,
    note: String,
    status: String,
    transfer_id: Option<i64>,
    given_by: Option<i64>,
    approved_by: Option<i64>,
    subsidy_id: Option<i64>,
    referral_id: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

type Joined = (Row, String, String);

fn corrupt(id: i64, what: &str) -> StorageError {
    StorageError::Corrupt(format!("assistance {id} {what}"))
}

/// Converts rows, reading the names of the giving unions and people in two queries.
fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Assistance>, StorageError> {
    let union_names = union_names(conn, rows.iter().map(|(r, _, _)| r.union_id))?;
    let user_names = user_names(conn, rows.iter().filter_map(|(r, _, _)| r.given_by))?;
    rows.into_iter()
        .map(|(r, worker_name, file_no)| {
            let id = r.id;
            Ok(Assistance {
                id: AssistanceId(id),
                household_id: HouseholdId(r.household_id),
                worker_name,
                file_no,
                union_path: UnionPath::from_stored(r.union_path),
                union_id: UnionId(r.union_id),
                union_name: name_of(&union_names, r.union_id),
                kind: r.kind,
                given_on: r.given_on,
                cash: Fen(r.cash),
                goods: r.goods,
                goods_value: Fen(r.goods_value),
                persons: r.persons,
                measure_id: r.measure_id.map(MeasureId),
                source: r
                    .source
                    .map(|s| Source::parse(&s).map_err(|_| corrupt(id, "source")))
                    .transpose()?,
                school: r.school,
                stage: r
                    .stage
                    .map(|s| Stage::parse(&s).map_err(|_| corrupt(id, "stage")))
                    .transpose()?,
                note: conn.open(NOTE, &r.note)?,
                status: AssistanceStatus::parse(&r.status).map_err(|_| corrupt(id, "status"))?,
                transfer_id: r.transfer_id.map(TransferId),
                given_by: r.given_by,
                given_by_name: r
                    .given_by
                    .and_then(|u| user_names.get(&u).cloned())
                    .unwrap_or_default(),
                approved_by: r.approved_by,
                subsidy_id: r.subsidy_id.map(SubsidyId),
                referral_id: r.referral_id.map(ReferralId),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// What a new record says.
#[derive(Debug, Clone)]
pub struct NewAssistance<'a> {
    pub household_id: HouseholdId,
    pub union_path: &'a UnionPath,
    pub union_id: UnionId,
    pub kind: &'a str,
    pub given_on: NaiveDate,
    pub cash: Fen,
    pub goods: &'a str,
    pub goods_value: Fen,
    pub persons: i32,
    pub measure_id: Option<MeasureId>,
    pub source: Option<Source>,
    pub school: Option<&'a str>,
    pub stage: Option<Stage>,
    pub note: &'a str,
    pub status: AssistanceStatus,
    pub given_by: Option<i64>,
    pub subsidy_id: Option<SubsidyId>,
    pub referral_id: Option<ReferralId>,
    pub created_by: Option<i64>,
}

/// The note is sealed at rest (see `at_rest`).
pub(crate) const NOTE: &str = "assistance.note";

pub fn insert(
    conn: &mut Conn,
    a: &NewAssistance<'_>,
    now: NaiveDateTime,
) -> Result<AssistanceId, StorageError> {
    let note = conn.seal(NOTE, a.note)?;
    let id = insert_returning_id!(
        conn,
        assistance,
        (
            assistance::household_id.eq(a.household_id.0),
            assistance::union_path.eq(a.union_path.as_str()),
            assistance::union_id.eq(a.union_id.0),
            assistance::kind.eq(a.kind),
            assistance::given_on.eq(a.given_on),
            assistance::cash.eq(a.cash.0),
            assistance::goods.eq(a.goods),
            assistance::goods_value.eq(a.goods_value.0),
            assistance::persons.eq(a.persons),
            assistance::measure_id.eq(a.measure_id.map(|m| m.0)),
            assistance::source.eq(a.source.map(|s| s.code())),
            assistance::school.eq(a.school),
            assistance::stage.eq(a.stage.map(|s| s.code())),
            assistance::note.eq(&note),
            assistance::status.eq(a.status.code()),
            assistance::given_by.eq(a.given_by),
            assistance::subsidy_id.eq(a.subsidy_id.map(|s| s.0)),
            assistance::referral_id.eq(a.referral_id.map(|s| s.0)),
            assistance::created_by.eq(a.created_by),
            assistance::created_at.eq(now),
            assistance::updated_at.eq(now),
        )
    )?;
    Ok(AssistanceId(id))
}

/// Records the transfer that paid a record's cash.
pub fn set_transfer(
    conn: &mut Conn,
    id: AssistanceId,
    transfer: TransferId,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(assistance::table.filter(assistance::id.eq(id.0)))
        .set((
            assistance::transfer_id.eq(Some(transfer.0)),
            assistance::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Moves a record from `from` to `to` (and records the reviewer, if any);
/// false when it was no longer at `from` — someone acted on it first.
pub fn change_status(
    conn: &mut Conn,
    id: AssistanceId,
    from: AssistanceStatus,
    to: AssistanceStatus,
    approved_by: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => {
        let target = assistance::table
            .filter(assistance::id.eq(id.0))
            .filter(assistance::status.eq(from.code()));
        match approved_by {
            Some(by) => diesel::update(target)
                .set((
                    assistance::status.eq(to.code()),
                    assistance::approved_by.eq(Some(by)),
                    assistance::updated_at.eq(now),
                ))
                .execute(c),
            None => diesel::update(target)
                .set((assistance::status.eq(to.code()), assistance::updated_at.eq(now)))
                .execute(c),
        }
    })?;
    Ok(n == 1)
}

/// Appends to a record's note (e.g. why it was refused or reversed).
pub fn append_note(conn: &mut Conn, id: AssistanceId, note: &str) -> Result<(), StorageError> {
    let old: String = run!(conn, c => assistance::table
        .filter(assistance::id.eq(id.0))
        .select(assistance::note)
        .first(c))?;
    let old = conn.open(NOTE, &old)?;
    let new = conn.seal(
        NOTE,
        &if old.is_empty() {
            note.to_owned()
        } else {
            format!("{old}\n{note}")
        },
    )?;
    run!(conn, c => diesel::update(assistance::table.filter(assistance::id.eq(id.0)))
        .set(assistance::note.eq(new))
        .execute(c))?;
    Ok(())
}

pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: AssistanceId,
) -> Result<Option<Assistance>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => assistance::table
        .inner_join(households::table)
        .filter(assistance::id.eq(id.0))
        .filter(scope.covers(assistance::union_path))
        .select((Row::as_select(), households::worker_name, households::file_no))
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Every record of a household in scope, newest first.
pub fn of_household(
    conn: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<Vec<Assistance>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => assistance::table
        .inner_join(households::table)
        .filter(assistance::household_id.eq(id.0))
        .filter(scope.covers(assistance::union_path))
        .order((assistance::given_on.desc(), assistance::id.desc()))
        .select((Row::as_select(), households::worker_name, households::file_no))
        .load(c))?;
    assemble(conn, rows)
}

#[derive(Debug, Clone, Default)]
pub struct AssistanceFilter {
    /// Only records of households in this union's subtree (inside the scope).
    pub union_path: Option<UnionPath>,
    pub household_id: Option<HouseholdId>,
    pub kind: Option<String>,
    pub status: Option<AssistanceStatus>,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Part of the worker's name.
    pub q: Option<String>,
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &AssistanceFilter,
    page: PageRequest,
) -> Result<Page<Assistance>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(like_pattern);
    macro_rules! filtered {
        () => {
            assistance::table
                .inner_join(households::table)
                .filter(range.covers(assistance::union_path))
                .into_boxed()
                .if_some(filter.household_id, |b, h| {
                    b.filter(assistance::household_id.eq(h.0))
                })
                .if_some(filter.kind.as_deref(), |b, k| {
                    b.filter(assistance::kind.eq(k))
                })
                .if_some(filter.status, |b, s| {
                    b.filter(assistance::status.eq(s.code()))
                })
                .if_some(filter.from, |b, d| b.filter(assistance::given_on.ge(d)))
                .if_some(filter.until, |b, d| b.filter(assistance::given_on.le(d)))
                .if_some(q.as_deref(), |b, p| {
                    b.filter(households::worker_name.like(p).escape('\\'))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: (assistance::given_on.desc(), assistance::id.desc()),
        select: (Row::as_select(), households::worker_name, households::file_no)))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

/// The household a measure belongs to, if the measure exists.
pub fn measure_household(
    conn: &mut Conn,
    id: MeasureId,
) -> Result<Option<HouseholdId>, StorageError> {
    let h: Option<i64> = run!(conn, c => measures::table
        .filter(measures::id.eq(id.0))
        .select(measures::household_id)
        .first(c)
        .optional())?;
    Ok(h.map(HouseholdId))
}
