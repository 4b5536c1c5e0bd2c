//! Matches of resources to households, and how each ended.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, page_of, Optional};
use crate::schema::{households, matches, providers, resources};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::{AssistanceId, MeasureId};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::resources::{MatchId, MatchStatus, ProviderId, ResourceId, ResourceKind};
use bangfu_domain::{UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// The sealed column of a match's reasons (they may name an illness).
pub const REASON: &str = "matches.reason";
const NOTE: &str = "matches.note";

#[derive(Debug, Clone)]
pub struct Match {
    pub id: MatchId,
    pub resource_id: ResourceId,
    pub resource_title: String,
    pub resource_kind: ResourceKind,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub household_id: HouseholdId,
    pub worker_name: String,
    pub file_no: String,
    /// The union that made the match.
    pub union_id: UnionId,
    /// The household's union path (scope).
    pub union_path: UnionPath,
    /// Who a job or training place is for.
    pub person: String,
    /// Why it was suggested, one reason a line.
    pub reason: String,
    pub quantity: i64,
    pub status: MatchStatus,
    pub outcome: Option<Outcome>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

/// How a match ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub on: NaiveDate,
    pub note: String,
    /// The assistance record of a delivered match.
    pub assistance_id: Option<AssistanceId>,
    /// The measure a hire completed.
    pub measure_id: Option<MeasureId>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = matches)]
struct Row {
    id: i64,
    resource_id: i64,
    household_id: i64,
    union_id: i64,
    union_path: String,
    person: String,
    reason: String,
    quantity: i64,
    status: String,
    outcome_on: Option<NaiveDate>,
    note: String,
    assistance_id: Option<i64>,
    measure_id: Option<i64>,
    version: i64,
    created_at: NaiveDateTime,
}

type Joined = (Row, String, String, i64, String, String, String);

macro_rules! joined {
    () => {
        matches::table
            .inner_join(resources::table.inner_join(providers::table))
            .inner_join(households::table)
    };
}

macro_rules! columns {
    () => {
        (
            Row::as_select(),
            resources::title,
            resources::kind,
            providers::id,
            providers::name,
            households::worker_name,
            households::file_no,
        )
    };
}

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Match>, StorageError> {
    rows.into_iter()
        .map(
            |(r, title, kind, provider_id, provider_name, worker_name, file_no)| {
                let corrupt = |what: &str| StorageError::Corrupt(format!("match {} {what}", r.id));
                let status = MatchStatus::parse(&r.status).map_err(|_| corrupt("status"))?;
                let outcome = r.outcome_on.map(|on| -> Result<Outcome, StorageError> {
                    Ok(Outcome {
                        on,
                        note: conn.open(NOTE, &r.note)?,
                        assistance_id: r.assistance_id.map(AssistanceId),
                        measure_id: r.measure_id.map(MeasureId),
                    })
                });
                Ok(Match {
                    id: MatchId(r.id),
                    resource_id: ResourceId(r.resource_id),
                    resource_title: title,
                    resource_kind: ResourceKind::parse(&kind)
                        .map_err(|_| corrupt("resource kind"))?,
                    provider_id: ProviderId(provider_id),
                    provider_name,
                    household_id: HouseholdId(r.household_id),
                    worker_name,
                    file_no,
                    union_id: UnionId(r.union_id),
                    union_path: UnionPath::from_stored(r.union_path),
                    person: r.person,
                    reason: conn.open(REASON, &r.reason)?,
                    quantity: r.quantity,
                    status,
                    outcome: outcome.transpose()?,
                    version: r.version,
                    created_at: r.created_at,
                })
            },
        )
        .collect()
}

/// A match as made: confirmed (holding `quantity` of the resource) or a
/// dismissed suggestion (holding none).
#[derive(Debug, Clone)]
pub struct NewMatch<'a> {
    pub resource_id: ResourceId,
    pub household_id: HouseholdId,
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub person: &'a str,
    pub reason: &'a str,
    pub quantity: i64,
    pub status: MatchStatus,
    pub by: i64,
}

/// Inserts a match; a second match of the same household to the same resource
/// is a conflict (`StorageError::Conflict`).
pub fn insert_match(
    conn: &mut Conn,
    m: &NewMatch<'_>,
    now: NaiveDateTime,
) -> Result<MatchId, StorageError> {
    let reason = conn.seal(REASON, m.reason)?;
    let note = conn.seal(NOTE, "")?;
    let id = insert_returning_id!(
        conn,
        matches,
        (
            (
                matches::resource_id.eq(m.resource_id.0),
                matches::household_id.eq(m.household_id.0),
                matches::union_id.eq(m.union_id.0),
                matches::union_path.eq(m.union_path.as_str()),
                matches::person.eq(m.person),
                matches::reason.eq(&reason),
                matches::quantity.eq(m.quantity),
                matches::status.eq(m.status.code()),
            ),
            (
                matches::note.eq(&note),
                matches::version.eq(1_i64),
                matches::created_by.eq(Some(m.by)),
                matches::created_at.eq(now),
                matches::updated_at.eq(now),
            ),
        )
    )?;
    Ok(MatchId(id))
}

/// Ends a confirmed match still at `version`; false when someone else
/// ended it first.
pub fn set_outcome(
    conn: &mut Conn,
    id: MatchId,
    version: i64,
    status: MatchStatus,
    outcome: &Outcome,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let note = conn.seal(NOTE, &outcome.note)?;
    let n = run!(conn, c => diesel::update(
        matches::table
            .filter(matches::id.eq(id.0))
            .filter(matches::version.eq(version))
            .filter(matches::status.eq(MatchStatus::Confirmed.code())),
    )
    .set((
        matches::status.eq(status.code()),
        matches::outcome_on.eq(Some(outcome.on)),
        matches::note.eq(&note),
        matches::assistance_id.eq(outcome.assistance_id.map(|a| a.0)),
        matches::measure_id.eq(outcome.measure_id.map(|m| m.0)),
        matches::version.eq(version + 1),
        matches::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// What a list of matches is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct MatchFilter {
    pub resource_id: Option<ResourceId>,
    pub household_id: Option<HouseholdId>,
    pub provider_id: Option<ProviderId>,
    pub status: Option<MatchStatus>,
    /// Leave out dismissed suggestions.
    pub made_only: bool,
}

pub fn find_match(
    conn: &mut Conn,
    scope: &Scope,
    id: MatchId,
) -> Result<Option<Match>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => joined!()
        .filter(matches::id.eq(id.0))
        .filter(scope.covers(matches::union_path))
        .select(columns!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// The matches of households in scope, newest first.
pub fn list_matches(
    conn: &mut Conn,
    scope: &Scope,
    filter: &MatchFilter,
    page: PageRequest,
) -> Result<Page<Match>, StorageError> {
    let dismissed = MatchStatus::Dismissed.code();
    macro_rules! filtered {
        () => {
            joined!()
                .filter(scope.covers(matches::union_path))
                .into_boxed()
                .if_some(filter.resource_id, |q, o| {
                    q.filter(matches::resource_id.eq(o.0))
                })
                .if_some(filter.household_id, |q, h| {
                    q.filter(matches::household_id.eq(h.0))
                })
                .if_some(filter.provider_id, |q, p| {
                    q.filter(resources::provider_id.eq(p.0))
                })
                .if_some(filter.status, |q, s| q.filter(matches::status.eq(s.code())))
                .if_some(filter.made_only.then_some(()), |q, ()| {
                    q.filter(matches::status.ne(dismissed))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: matches::id.desc(),
        select: columns!()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}
