//! Referrals (需求推送) of a household's need to a department.
//!
//! A referral carries its household's union path (scope); a department
//! user's reads add their department to the filter.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, user_names, Optional};
use crate::schema::{households, referrals};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::{AssistanceId, ReferralId, ReferralStatus};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Referral {
    pub id: ReferralId,
    pub household_id: HouseholdId,
    pub worker_name: String,
    pub file_no: String,
    /// The sending union.
    pub union_id: UnionId,
    pub union_name: String,
    /// The household's union path (scope).
    pub union_path: UnionPath,
    pub department: String,
    pub need: String,
    pub policy: String,
    pub deadline: NaiveDate,
    pub status: ReferralStatus,
    pub answer: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_by_name: String,
    pub answered_at: Option<NaiveDateTime>,
    pub assistance_id: Option<AssistanceId>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = referrals)]
struct Row {
    id: i64,
    household_id: i64,
    union_id: i64,
    union_path: String,
    department: String,
    need: String,
    policy: String,
    deadline: NaiveDate,
    status: String,
    answer: Option<String>,
    answered_by: Option<i64>,
    answered_at: Option<NaiveDateTime>,
    assistance_id: Option<i64>,
    version: i64,
    created_at: NaiveDateTime,
}

type Joined = (Row, String, String);

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Referral>, StorageError> {
    let union_names = union_names(conn, rows.iter().map(|r| r.0.union_id))?;
    let people = user_names(conn, rows.iter().filter_map(|r| r.0.answered_by))?;
    rows.into_iter()
        .map(|(r, worker_name, file_no)| {
            Ok(Referral {
                id: ReferralId(r.id),
                household_id: HouseholdId(r.household_id),
                worker_name,
                file_no,
                union_id: UnionId(r.union_id),
                union_name: name_of(&union_names, r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                department: r.department,
                need: r.need,
                policy: r.policy,
                deadline: r.deadline,
                status: ReferralStatus::parse(&r.status)
                    .map_err(|_| StorageError::Corrupt(format!("referral {} status", r.id)))?,
                answer: r.answer,
                answered_by: r.answered_by,
                answered_by_name: r
                    .answered_by
                    .and_then(|u| people.get(&u).cloned())
                    .unwrap_or_default(),
                answered_at: r.answered_at,
                assistance_id: r.assistance_id.map(AssistanceId),
                version: r.version,
                created_at: r.created_at,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewReferral<'a> {
    pub household_id: HouseholdId,
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub department: &'a str,
    pub need: &'a str,
    pub policy: &'a str,
    pub deadline: NaiveDate,
    pub created_by: Option<i64>,
}

pub fn insert(
    conn: &mut Conn,
    r: &NewReferral<'_>,
    now: NaiveDateTime,
) -> Result<ReferralId, StorageError> {
    let id = insert_returning_id!(
        conn,
        referrals,
        (
            referrals::household_id.eq(r.household_id.0),
            referrals::union_id.eq(r.union_id.0),
            referrals::union_path.eq(r.union_path.as_str()),
            referrals::department.eq(r.department),
            referrals::need.eq(r.need),
            referrals::policy.eq(r.policy),
            referrals::deadline.eq(r.deadline),
            referrals::status.eq(ReferralStatus::Sent.code()),
            referrals::version.eq(1_i64),
            referrals::created_by.eq(r.created_by),
            referrals::created_at.eq(now),
            referrals::updated_at.eq(now),
        )
    )?;
    Ok(ReferralId(id))
}

#[derive(Debug, Clone, Default)]
pub struct ReferralFilter {
    pub union_path: Option<UnionPath>,
    pub household_id: Option<HouseholdId>,
    /// A department user sees only their department's.
    pub department: Option<String>,
    pub status: Option<ReferralStatus>,
    /// Only unanswered ones past their deadline (as of this date).
    pub overdue_on: Option<NaiveDate>,
}

/// One referral in scope (and of the filter's department, when given).
pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: ReferralId,
    department: Option<&str>,
) -> Result<Option<Referral>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => referrals::table
        .inner_join(households::table)
        .filter(referrals::id.eq(id.0))
        .filter(scope.covers(referrals::union_path))
        .into_boxed()
        .if_some(department, |q, d| q.filter(referrals::department.eq(d)))
        .select((Row::as_select(), households::worker_name, households::file_no))
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ReferralFilter,
    page: PageRequest,
) -> Result<Page<Referral>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    macro_rules! filtered {
        () => {
            referrals::table
                .inner_join(households::table)
                .filter(range.covers(referrals::union_path))
                .into_boxed()
                .if_some(filter.household_id, |b, h| {
                    b.filter(referrals::household_id.eq(h.0))
                })
                .if_some(filter.department.as_deref(), |b, d| {
                    b.filter(referrals::department.eq(d))
                })
                .if_some(filter.status, |b, s| {
                    b.filter(referrals::status.eq(s.code()))
                })
                .if_some(filter.overdue_on, |b, d| {
                    b.filter(referrals::status.eq(ReferralStatus::Sent.code()))
                        .filter(referrals::deadline.lt(d))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: referrals::id.desc(),
        select: (Row::as_select(), households::worker_name, households::file_no)))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

/// Records the answer if the referral is still unanswered at `version`;
/// false when someone answered first.
#[allow(clippy::too_many_arguments)]
pub fn answer(
    conn: &mut Conn,
    id: ReferralId,
    version: i64,
    status: ReferralStatus,
    answer: &str,
    by: i64,
    assistance: Option<AssistanceId>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        referrals::table
            .filter(referrals::id.eq(id.0))
            .filter(referrals::version.eq(version))
            .filter(referrals::status.eq(ReferralStatus::Sent.code())),
    )
    .set((
        referrals::status.eq(status.code()),
        referrals::answer.eq(Some(answer)),
        referrals::answered_by.eq(Some(by)),
        referrals::answered_at.eq(Some(now)),
        referrals::assistance_id.eq(assistance.map(|a| a.0)),
        referrals::version.eq(version + 1),
        referrals::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}
