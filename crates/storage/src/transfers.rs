//! Transfers (转移) of a household to another union: the sending union asks,
//! the receiving union answers. A transfer is seen by both sides: a caller
//! sees it when their scope covers the sending or the receiving union.
//!
//! Accepting moves the file and what follows it (plans and measures, visits,
//! referrals, open to-dos and verification findings) to the receiving
//! union's path. Money already given (assistance, payments, ledger) and
//! decisions already taken (exits) stay where they happened, so no past
//! figure of either union changes; the file's span closes at the day and
//! a new one opens under the receiving union.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, user_names, Optional};
use crate::schema::{
    household_transfers as t, households, measures, pairings, plans, referrals, subsidies, todos,
    verification_findings, visits,
};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::merge::{TransferId, TransferStatus};
use bangfu_domain::{IdNumber, UnionId, UnionPath};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Transfer {
    pub id: TransferId,
    pub household_id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    pub worker_id_number: IdNumber,
    pub persons: i32,
    pub from_union_id: UnionId,
    pub from_union_name: String,
    pub from_path: UnionPath,
    pub to_union_id: UnionId,
    pub to_union_name: String,
    pub to_path: UnionPath,
    pub reason: String,
    pub status: TransferStatus,
    pub answer: Option<String>,
    pub version: i64,
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
    pub answered_by_name: String,
    pub answered_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = t)]
struct Row {
    id: i64,
    household_id: i64,
    from_union_id: i64,
    from_path: String,
    to_union_id: i64,
    to_path: String,
    reason: String,
    status: String,
    answer: Option<String>,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    answered_by: Option<i64>,
    answered_at: Option<NaiveDateTime>,
}

type Joined = (Row, String, String, String, i32);

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Transfer>, StorageError> {
    let unions = union_names(
        conn,
        rows.iter()
            .flat_map(|r| [r.0.from_union_id, r.0.to_union_id]),
    )?;
    let people = user_names(
        conn,
        rows.iter()
            .flat_map(|r| [r.0.created_by, r.0.answered_by])
            .flatten(),
    )?;
    let who = |u: Option<i64>| u.map(|u| name_of(&people, u)).unwrap_or_default();
    rows.into_iter()
        .map(|(r, file_no, worker_name, id_number, persons)| {
            Ok(Transfer {
                id: TransferId(r.id),
                household_id: HouseholdId(r.household_id),
                file_no,
                worker_name,
                worker_id_number: IdNumber::from_stored(
                    conn.open(crate::households::sealed::WORKER_ID_NUMBER, &id_number)?,
                ),
                persons,
                from_union_id: UnionId(r.from_union_id),
                from_union_name: name_of(&unions, r.from_union_id),
                from_path: UnionPath::from_stored(r.from_path),
                to_union_id: UnionId(r.to_union_id),
                to_union_name: name_of(&unions, r.to_union_id),
                to_path: UnionPath::from_stored(r.to_path),
                reason: r.reason,
                status: TransferStatus::parse(&r.status)
                    .map_err(|_| StorageError::Corrupt(format!("transfer {} status", r.id)))?,
                answer: r.answer,
                version: r.version,
                created_by_name: who(r.created_by),
                created_at: r.created_at,
                answered_by_name: who(r.answered_by),
                answered_at: r.answered_at,
            })
        })
        .collect()
}

macro_rules! joined {
    () => {
        (
            Row::as_select(),
            households::file_no,
            households::worker_name,
            households::worker_id_number,
            households::size,
        )
    };
}

#[derive(Debug, Clone)]
pub struct NewTransfer<'a> {
    pub household_id: HouseholdId,
    pub from_union_id: UnionId,
    pub from_path: &'a UnionPath,
    pub to_union_id: UnionId,
    pub to_path: &'a UnionPath,
    pub reason: &'a str,
    pub created_by: Option<i64>,
}

/// Records a pending transfer; a second pending one for the same household
/// is refused by the database (a conflict).
pub fn insert(
    conn: &mut Conn,
    n: &NewTransfer<'_>,
    now: NaiveDateTime,
) -> Result<TransferId, StorageError> {
    let id = insert_returning_id!(
        conn,
        t,
        (
            t::household_id.eq(n.household_id.0),
            t::from_union_id.eq(n.from_union_id.0),
            t::from_path.eq(n.from_path.as_str()),
            t::to_union_id.eq(n.to_union_id.0),
            t::to_path.eq(n.to_path.as_str()),
            t::reason.eq(n.reason),
            t::status.eq(TransferStatus::Pending.code()),
            t::version.eq(1_i64),
            t::created_by.eq(n.created_by),
            t::created_at.eq(now),
        )
    )?;
    Ok(TransferId(id))
}

/// One transfer whose sending or receiving union is in scope.
pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: TransferId,
) -> Result<Option<Transfer>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => t::table
        .inner_join(households::table)
        .filter(t::id.eq(id.0))
        .filter(scope.covers(t::from_path).or(scope.covers(t::to_path)))
        .select(joined!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Which side of a transfer the caller's scope is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Either side.
    #[default]
    Any,
    /// The receiving union is in scope: transfers to answer.
    Incoming,
    /// The sending union is in scope.
    Outgoing,
}

#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    pub direction: Direction,
    pub status: Option<TransferStatus>,
    pub household_id: Option<HouseholdId>,
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &TransferFilter,
    page: PageRequest,
) -> Result<Page<Transfer>, StorageError> {
    macro_rules! filtered {
        () => {{
            let q = t::table.inner_join(households::table).into_boxed();
            let q = match filter.direction {
                Direction::Any => q.filter(scope.covers(t::from_path).or(scope.covers(t::to_path))),
                Direction::Incoming => q.filter(scope.covers(t::to_path)),
                Direction::Outgoing => q.filter(scope.covers(t::from_path)),
            };
            q.if_some(filter.status, |b, s| b.filter(t::status.eq(s.code())))
                .if_some(filter.household_id, |b, h| {
                    b.filter(t::household_id.eq(h.0))
                })
        }};
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: t::id.desc(),
        select: joined!()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

/// The pending transfer of one file seen from the scope (either end), if
/// any: one fixed statement, as every file's page asks it.
pub fn pending_of(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
) -> Result<Option<Transfer>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => t::table
        .inner_join(households::table)
        .filter(t::household_id.eq(household.0))
        .filter(t::status.eq(TransferStatus::Pending.code()))
        .filter(scope.covers(t::from_path).or(scope.covers(t::to_path)))
        .order(t::id.desc())
        .limit(1)
        .select(joined!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Answers (or withdraws) a pending transfer at `version`; false when it
/// is no longer pending at that version.
pub fn answer(
    conn: &mut Conn,
    id: TransferId,
    version: i64,
    status: TransferStatus,
    answer: Option<&str>,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        t::table
            .filter(t::id.eq(id.0))
            .filter(t::version.eq(version))
            .filter(t::status.eq(TransferStatus::Pending.code())),
    )
    .set((
        t::status.eq(status.code()),
        t::answer.eq(answer),
        t::answered_by.eq(Some(by)),
        t::answered_at.eq(Some(now)),
        t::version.eq(version + 1),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Whether a household has a regular subsidy being paid (paid from the
/// sending union's funds: it is stopped before the household moves).
pub fn has_active_subsidy(conn: &mut Conn, household: HouseholdId) -> Result<bool, StorageError> {
    let n: i64 = run!(conn, c => subsidies::table
        .filter(subsidies::household_id.eq(household.0))
        .filter(subsidies::status.eq("active"))
        .count()
        .get_result(c))?;
    Ok(n > 0)
}

/// Moves a household and what follows it to `to` (see the module's note):
/// the file's pairing ends (its responsible person belongs to the sending
/// union), its version moves on, and its span is synced as of `today`.
pub fn move_household(
    conn: &mut Conn,
    household: HouseholdId,
    to: UnionId,
    to_path: &UnionPath,
    by: i64,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let h = household.0;
    let path = to_path.as_str();
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(h)))
        .set((
            households::union_id.eq(to.0),
            households::union_path.eq(path),
            households::responsible_id.eq(None::<i64>),
            households::pairing_union_id.eq(None::<i64>),
            households::paired_on.eq(None::<chrono::NaiveDate>),
            households::version.eq(households::version + 1_i64),
            households::updated_at.eq(now),
            households::updated_by.eq(Some(by)),
        ))
        .execute(c))?;
    run!(conn, c => diesel::update(
        pairings::table
            .filter(pairings::household_id.eq(h))
            .filter(pairings::until_at.is_null()),
    )
    .set(pairings::until_at.eq(Some(now)))
    .execute(c))?;
    run!(conn, c => diesel::update(plans::table.filter(plans::household_id.eq(h)))
        .set(plans::union_path.eq(path))
        .execute(c))?;
    run!(conn, c => diesel::update(measures::table.filter(measures::household_id.eq(h)))
        .set(measures::union_path.eq(path))
        .execute(c))?;
    run!(conn, c => diesel::update(visits::table.filter(visits::household_id.eq(h)))
        .set(visits::union_path.eq(path))
        .execute(c))?;
    run!(conn, c => diesel::update(referrals::table.filter(referrals::household_id.eq(h)))
        .set(referrals::union_path.eq(path))
        .execute(c))?;
    run!(conn, c => diesel::update(
        crate::schema::matches::table.filter(crate::schema::matches::household_id.eq(h)),
    )
    .set(crate::schema::matches::union_path.eq(path))
    .execute(c))?;
    run!(conn, c => diesel::update(
        todos::table
            .filter(todos::household_id.eq(h))
            .filter(todos::done_at.is_null()),
    )
    .set((todos::union_id.eq(to.0), todos::union_path.eq(path)))
    .execute(c))?;
    run!(conn, c => diesel::update(
        verification_findings::table.filter(verification_findings::household_id.eq(h)),
    )
    .set((
        verification_findings::union_id.eq(to.0),
        verification_findings::union_path.eq(path),
    ))
    .execute(c))?;
    crate::spans::sync(conn, h, bangfu_domain::china_date(now))?;
    Ok(())
}
