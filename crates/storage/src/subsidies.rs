//! Regular subsidies (送温暖常态化) and their due payments.
//!
//! A subsidy carries its household's union path (scope) and the paying
//! union. Each period's payment is one row of `subsidy_payments`, unique per
//! subsidy and period, so generating twice adds nothing.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, Optional};
use crate::schema::{households, subsidies, subsidy_payments};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::{
    AssistanceId, MeasureId, PaymentId, PaymentStatus, SubsidyId, SubsidyPeriod, SubsidyStatus,
};
use bangfu_domain::funds::Source;
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::{Fen, Month, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Subsidy {
    pub id: SubsidyId,
    pub household_id: HouseholdId,
    pub worker_name: String,
    pub file_no: String,
    pub household_status: Status,
    pub household_size: i32,
    /// The paying union.
    pub union_id: UnionId,
    pub union_name: String,
    /// The household's union path (scope).
    pub union_path: UnionPath,
    pub amount: Fen,
    pub period: SubsidyPeriod,
    pub start_month: Month,
    pub end_month: Option<Month>,
    pub source: Source,
    pub measure_id: Option<MeasureId>,
    pub status: SubsidyStatus,
    pub stopped_on: Option<NaiveDate>,
    pub stop_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = subsidies)]
struct Row {
    id: i64,
    household_id: i64,
    union_id: i64,
    union_path: String,
    amount: i64,
    period: String,
    start_month: String,
    end_month: Option<String>,
    source: String,
    measure_id: Option<i64>,
    status: String,
    stopped_on: Option<NaiveDate>,
    stop_reason: Option<String>,
    created_at: NaiveDateTime,
}

type Joined = (Row, String, String, String, i32);

fn corrupt(id: i64, what: &str) -> StorageError {
    StorageError::Corrupt(format!("subsidy {id} {what}"))
}

/// A row with its household's name, number, status and size.
macro_rules! joined_columns {
    () => {
        (
            Row::as_select(),
            households::worker_name,
            households::file_no,
            households::status,
            households::size,
        )
    };
}

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Subsidy>, StorageError> {
    let names = union_names(conn, rows.iter().map(|r| r.0.union_id))?;
    rows.into_iter()
        .map(|(r, worker_name, file_no, hstatus, size)| {
            let id = r.id;
            let month = |s: &str| Month::parse("month", s).map_err(|_| corrupt(id, "month"));
            Ok(Subsidy {
                id: SubsidyId(id),
                household_id: HouseholdId(r.household_id),
                worker_name,
                file_no,
                household_status: Status::parse(&hstatus)
                    .map_err(|_| corrupt(id, "household status"))?,
                household_size: size,
                union_id: UnionId(r.union_id),
                union_name: name_of(&names, r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                amount: Fen(r.amount),
                period: SubsidyPeriod::parse(&r.period).map_err(|_| corrupt(id, "period"))?,
                start_month: month(&r.start_month)?,
                end_month: r.end_month.as_deref().map(month).transpose()?,
                source: Source::parse(&r.source).map_err(|_| corrupt(id, "source"))?,
                measure_id: r.measure_id.map(MeasureId),
                status: SubsidyStatus::parse(&r.status).map_err(|_| corrupt(id, "status"))?,
                stopped_on: r.stopped_on,
                stop_reason: r.stop_reason,
                created_at: r.created_at,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewSubsidy<'a> {
    pub household_id: HouseholdId,
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub amount: Fen,
    pub period: SubsidyPeriod,
    pub start_month: Month,
    pub end_month: Option<Month>,
    pub source: Source,
    pub measure_id: Option<MeasureId>,
    pub created_by: Option<i64>,
}

pub fn insert(
    conn: &mut Conn,
    s: &NewSubsidy<'_>,
    now: NaiveDateTime,
) -> Result<SubsidyId, StorageError> {
    let id = insert_returning_id!(
        conn,
        subsidies,
        (
            subsidies::household_id.eq(s.household_id.0),
            subsidies::union_id.eq(s.union_id.0),
            subsidies::union_path.eq(s.union_path.as_str()),
            subsidies::amount.eq(s.amount.0),
            subsidies::period.eq(s.period.code()),
            subsidies::start_month.eq(s.start_month.to_string()),
            subsidies::end_month.eq(s.end_month.map(|m| m.to_string())),
            subsidies::source.eq(s.source.code()),
            subsidies::measure_id.eq(s.measure_id.map(|m| m.0)),
            subsidies::status.eq(SubsidyStatus::Active.code()),
            subsidies::created_by.eq(s.created_by),
            subsidies::created_at.eq(now),
            subsidies::updated_at.eq(now),
        )
    )?;
    Ok(SubsidyId(id))
}

pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: SubsidyId,
) -> Result<Option<Subsidy>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => subsidies::table
        .inner_join(households::table)
        .filter(subsidies::id.eq(id.0))
        .filter(scope.covers(subsidies::union_path))
        .select(joined_columns!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

#[derive(Debug, Clone, Default)]
pub struct SubsidyFilter {
    pub union_path: Option<UnionPath>,
    pub household_id: Option<HouseholdId>,
    pub status: Option<SubsidyStatus>,
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &SubsidyFilter,
    page: PageRequest,
) -> Result<Page<Subsidy>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    macro_rules! filtered {
        () => {
            subsidies::table
                .inner_join(households::table)
                .filter(range.covers(subsidies::union_path))
                .into_boxed()
                .if_some(filter.household_id, |b, h| {
                    b.filter(subsidies::household_id.eq(h.0))
                })
                .if_some(filter.status, |b, s| {
                    b.filter(subsidies::status.eq(s.code()))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: subsidies::id.desc(),
        select: joined_columns!()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

/// Every active subsidy of a union's subtree (inside the scope), for generating due payments.
pub fn active_in(
    conn: &mut Conn,
    scope: &Scope,
    union_path: &UnionPath,
) -> Result<Vec<Subsidy>, StorageError> {
    let range = scope.range_within(Some(union_path));
    let rows: Vec<Joined> = run!(conn, c => subsidies::table
        .inner_join(households::table)
        .filter(range.covers(subsidies::union_path))
        .filter(subsidies::status.eq(SubsidyStatus::Active.code()))
        .order(subsidies::id)
        .select(joined_columns!())
        .load(c))?;
    assemble(conn, rows)
}

/// Stops an active subsidy; false if it was already stopped.
pub fn stop(
    conn: &mut Conn,
    id: SubsidyId,
    on: NaiveDate,
    reason: &str,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        subsidies::table
            .filter(subsidies::id.eq(id.0))
            .filter(subsidies::status.eq(SubsidyStatus::Active.code())),
    )
    .set((
        subsidies::status.eq(SubsidyStatus::Stopped.code()),
        subsidies::stopped_on.eq(Some(on)),
        subsidies::stop_reason.eq(Some(reason)),
        subsidies::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Adds the due payment of one period unless it exists; true if added.
pub fn add_payment(
    conn: &mut Conn,
    s: &Subsidy,
    period: Month,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::insert_into(subsidy_payments::table)
        .values((
            subsidy_payments::subsidy_id.eq(s.id.0),
            subsidy_payments::household_id.eq(s.household_id.0),
            subsidy_payments::union_path.eq(s.union_path.as_str()),
            subsidy_payments::period.eq(period.to_string()),
            subsidy_payments::amount.eq(s.amount.0),
            subsidy_payments::status.eq(PaymentStatus::Due.code()),
            subsidy_payments::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Decides the payments `$which` picks that are still due, as `$set` says;
/// evaluates to how many it decided (none when someone decided first).
macro_rules! decide_due {
    ($conn:expr, $which:expr, $set:expr) => {
        run!($conn, c => diesel::update(
            subsidy_payments::table
                .filter($which)
                .filter(subsidy_payments::status.eq(PaymentStatus::Due.code())),
        )
        .set($set)
        .execute(c))
    };
}

/// Who decided a payment and when.
macro_rules! decided {
    ($by:expr, $now:expr) => {
        (
            subsidy_payments::decided_by.eq($by),
            subsidy_payments::decided_at.eq(Some($now)),
        )
    };
}

/// Cancels the due (unpaid) payments of a subsidy; returns how many.
pub fn cancel_due(
    conn: &mut Conn,
    subsidy: SubsidyId,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let cancelled = subsidy_payments::status.eq(PaymentStatus::Cancelled.code());
    let which = subsidy_payments::subsidy_id.eq(subsidy.0);
    Ok(decide_due!(conn, which, (cancelled, decided!(by, now)))?)
}

/// Cancels one due payment; false if it was no longer due.
pub fn cancel_payment(
    conn: &mut Conn,
    id: PaymentId,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let cancelled = subsidy_payments::status.eq(PaymentStatus::Cancelled.code());
    let which = subsidy_payments::id.eq(id.0);
    Ok(decide_due!(conn, which, (cancelled, decided!(by, now)))? == 1)
}

/// Marks a due payment paid by an assistance record; false if it was no longer due.
pub fn mark_paid(
    conn: &mut Conn,
    id: PaymentId,
    record: AssistanceId,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let paid = (
        subsidy_payments::status.eq(PaymentStatus::Paid.code()),
        subsidy_payments::assistance_id.eq(Some(record.0)),
    );
    let which = subsidy_payments::id.eq(id.0);
    Ok(decide_due!(conn, which, (paid, decided!(by, now)))? == 1)
}

/// A due (or decided) payment with what paying it needs.
#[derive(Debug, Clone)]
pub struct Payment {
    pub id: PaymentId,
    pub subsidy_id: SubsidyId,
    pub household_id: HouseholdId,
    pub worker_name: String,
    pub file_no: String,
    pub household_status: Status,
    pub household_size: i32,
    pub union_path: UnionPath,
    /// The paying union, its fund source and the measure, from the subsidy.
    pub union_id: UnionId,
    pub union_name: String,
    pub source: Source,
    pub measure_id: Option<MeasureId>,
    pub period: Month,
    pub amount: Fen,
    pub status: PaymentStatus,
    pub assistance_id: Option<AssistanceId>,
}

type PaymentRow = (
    (i64, i64, i64, String, String, i64, String, Option<i64>),
    (i64, String, Option<i64>),
    (String, String, String, i32),
);

#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub union_path: Option<UnionPath>,
    pub status: Option<PaymentStatus>,
    /// Only these payments.
    pub ids: Option<Vec<i64>>,
}

fn payments_of(conn: &mut Conn, rows: Vec<PaymentRow>) -> Result<Vec<Payment>, StorageError> {
    let names = union_names(conn, rows.iter().map(|r| r.1 .0))?;
    rows.into_iter()
        .map(
            |(
                (id, subsidy_id, household_id, union_path, period, amount, status, assistance_id),
                (union_id, source, measure_id),
                (worker_name, file_no, hstatus, size),
            )| {
                let bad = |w: &str| StorageError::Corrupt(format!("subsidy payment {id} {w}"));
                Ok(Payment {
                    id: PaymentId(id),
                    subsidy_id: SubsidyId(subsidy_id),
                    household_id: HouseholdId(household_id),
                    worker_name,
                    file_no,
                    household_status: Status::parse(&hstatus)
                        .map_err(|_| bad("household status"))?,
                    household_size: size,
                    union_path: UnionPath::from_stored(union_path),
                    union_id: UnionId(union_id),
                    union_name: name_of(&names, union_id),
                    source: Source::parse(&source).map_err(|_| bad("source"))?,
                    measure_id: measure_id.map(MeasureId),
                    period: Month::parse("period", &period).map_err(|_| bad("period"))?,
                    amount: Fen(amount),
                    status: PaymentStatus::parse(&status).map_err(|_| bad("status"))?,
                    assistance_id: assistance_id.map(AssistanceId),
                })
            },
        )
        .collect()
}

macro_rules! payment_select {
    () => {
        (
            (
                subsidy_payments::id,
                subsidy_payments::subsidy_id,
                subsidy_payments::household_id,
                subsidy_payments::union_path,
                subsidy_payments::period,
                subsidy_payments::amount,
                subsidy_payments::status,
                subsidy_payments::assistance_id,
            ),
            (
                subsidies::union_id,
                subsidies::source,
                subsidies::measure_id,
            ),
            (
                households::worker_name,
                households::file_no,
                households::status,
                households::size,
            ),
        )
    };
}

/// Payments in scope, by period then id; with their count and total amount.
pub fn payments(
    conn: &mut Conn,
    scope: &Scope,
    filter: &PaymentFilter,
    page: Option<PageRequest>,
) -> Result<(Vec<Payment>, i64, Fen), StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    macro_rules! filtered {
        () => {
            subsidy_payments::table
                .inner_join(subsidies::table.inner_join(households::table))
                .filter(range.covers(subsidy_payments::union_path))
                .into_boxed()
                .if_some(filter.status, |b, s| {
                    b.filter(subsidy_payments::status.eq(s.code()))
                })
                .if_some(filter.ids.clone(), |b, ids| {
                    b.filter(subsidy_payments::id.eq_any(ids))
                })
        };
    }
    let (rows, total, sum): (Vec<PaymentRow>, i64, Option<i64>) = run!(conn, c => {
        let total = filtered!().count().get_result(c)?;
        let sum = filtered!()
            .select(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "CAST(SUM(subsidy_payments.amount) AS BIGINT)",
            ))
            .first::<Option<i64>>(c)?;
        let rows = filtered!()
            .order((subsidy_payments::period, subsidy_payments::id))
            .select(payment_select!())
            .if_some(page, |q, p| q.limit(p.per_page).offset(p.offset()))
            .load(c)?;
        Ok::<_, diesel::result::Error>((rows, total, sum))
    })?;
    Ok((payments_of(conn, rows)?, total, Fen(sum.unwrap_or(0))))
}
