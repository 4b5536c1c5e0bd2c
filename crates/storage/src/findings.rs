//! Fund-audit findings, the assistance standards, and the set-based queries
//! the checks run.
//!
//! Each check is one grouped or joined query over the caller's scope that
//! returns only the rows that break the rule (never a loop over households),
//! so the whole audit stays fast at national scale. Findings are keyed by
//! (check, subject): running the audit again adds only what is new, and a
//! finding once resolved stays resolved with who, when and how.

use crate::db::{run, Backend, Conn};
use crate::query::{page_of, Optional};
use crate::schema::{
    assistance, assistance_standards, fund_accounts, fund_findings, fund_transfers, households,
    ledger_entries, measures, plans, unions, users,
};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::{Check, FindingId, FindingStatus};
use bangfu_domain::Fen;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use std::collections::HashMap;

// ---------------------------------------------------------------------------
// Standards
// ---------------------------------------------------------------------------

/// The most cash one act of a kind may give in a region (`''`: nationwide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standard {
    pub kind: String,
    pub division_code: String,
    pub max_cash: Fen,
    pub updated_by: Option<i64>,
    pub updated_by_name: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// Every standard, by kind then region.
pub fn standards(conn: &mut Conn) -> Result<Vec<Standard>, StorageError> {
    type R = (
        String,
        String,
        i64,
        Option<i64>,
        Option<String>,
        NaiveDateTime,
    );
    let rows: Vec<R> = run!(conn, c => assistance_standards::table
            .left_join(users::table.on(users::id.nullable().eq(assistance_standards::updated_by)))
            .select((
                assistance_standards::kind,
                assistance_standards::division_code,
                assistance_standards::max_cash,
                assistance_standards::updated_by,
                users::display_name.nullable(),
                assistance_standards::updated_at,
            ))
            .order((assistance_standards::kind, assistance_standards::division_code))
            .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(kind, division_code, max, by, name, at)| Standard {
            kind,
            division_code,
            max_cash: Fen(max),
            updated_by: by,
            updated_by_name: name,
            updated_at: at,
        })
        .collect())
}

/// One standard, if set.
pub fn standard(
    conn: &mut Conn,
    kind: &str,
    division_code: &str,
) -> Result<Option<Fen>, StorageError> {
    let v: Option<i64> = run!(conn, c => assistance_standards::table
        .filter(assistance_standards::kind.eq(kind))
        .filter(assistance_standards::division_code.eq(division_code))
        .select(assistance_standards::max_cash)
        .first(c)
        .optional())?;
    Ok(v.map(Fen))
}

/// Sets (inserts or replaces) one standard.
pub fn set_standard(
    conn: &mut Conn,
    kind: &str,
    division_code: &str,
    max_cash: Fen,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(assistance_standards::table)
        .values((
            assistance_standards::kind.eq(kind),
            assistance_standards::division_code.eq(division_code),
            assistance_standards::max_cash.eq(max_cash.0),
            assistance_standards::updated_by.eq(by),
            assistance_standards::updated_at.eq(now),
        ))
        .on_conflict((assistance_standards::kind, assistance_standards::division_code))
        .do_update()
        .set((
            assistance_standards::max_cash.eq(max_cash.0),
            assistance_standards::updated_by.eq(by),
            assistance_standards::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Removes one standard; whether there was one.
pub fn remove_standard(
    conn: &mut Conn,
    kind: &str,
    division_code: &str,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::delete(
        assistance_standards::table
            .filter(assistance_standards::kind.eq(kind))
            .filter(assistance_standards::division_code.eq(division_code)),
    )
    .execute(c))?;
    Ok(n > 0)
}

// ---------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------

/// A finding as stored, with its household's name and file number.
#[derive(Debug, Clone)]
pub struct Finding {
    pub id: FindingId,
    pub union_path: String,
    pub check: Check,
    pub subject: String,
    pub household_id: Option<i64>,
    pub worker_name: Option<String>,
    pub file_no: Option<String>,
    pub assistance_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub amount: Option<Fen>,
    /// JSON: the records, dates, amounts, the standard …
    pub evidence: String,
    pub found_at: NaiveDateTime,
    pub status: FindingStatus,
    /// JSON: how it was resolved (note, linked reversal).
    pub resolution: Option<String>,
    pub resolved_by: Option<i64>,
    pub resolved_by_name: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = fund_findings)]
struct Row {
    id: i64,
    union_path: String,
    check_kind: String,
    subject: String,
    household_id: Option<i64>,
    assistance_id: Option<i64>,
    transfer_id: Option<i64>,
    amount: Option<i64>,
    evidence: String,
    found_at: NaiveDateTime,
    status: String,
    resolution: Option<String>,
    resolved_by: Option<i64>,
    resolved_at: Option<NaiveDateTime>,
}

type Joined = (Row, Option<String>, Option<String>, Option<String>);

fn convert((r, worker, file_no, resolver): Joined) -> Result<Finding, StorageError> {
    Ok(Finding {
        id: FindingId(r.id),
        check: Check::parse(&r.check_kind)
            .map_err(|_| StorageError::Corrupt(format!("finding {} check", r.id)))?,
        status: FindingStatus::parse(&r.status)
            .map_err(|_| StorageError::Corrupt(format!("finding {} status", r.id)))?,
        union_path: r.union_path,
        subject: r.subject,
        household_id: r.household_id,
        worker_name: worker,
        file_no,
        assistance_id: r.assistance_id,
        transfer_id: r.transfer_id,
        amount: r.amount.map(Fen),
        evidence: r.evidence,
        found_at: r.found_at,
        resolution: r.resolution,
        resolved_by: r.resolved_by,
        resolved_by_name: resolver,
        resolved_at: r.resolved_at,
    })
}

/// Something a check found, before it is stored.
#[derive(Debug, Clone)]
pub struct NewFinding {
    pub union_path: String,
    pub check: Check,
    pub subject: String,
    pub household_id: Option<i64>,
    pub assistance_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub amount: Option<Fen>,
    pub evidence: String,
}

/// Stores what is new; a (check, subject) already stored — open or
/// resolved — is left as it is. Returns how many were added.
pub fn record(
    conn: &mut Conn,
    found: &[NewFinding],
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let mut added = 0;
    for chunk in found.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|f| {
                (
                    fund_findings::union_path.eq(f.union_path.as_str()),
                    fund_findings::check_kind.eq(f.check.code()),
                    fund_findings::subject.eq(f.subject.as_str()),
                    fund_findings::household_id.eq(f.household_id),
                    fund_findings::assistance_id.eq(f.assistance_id),
                    fund_findings::transfer_id.eq(f.transfer_id),
                    fund_findings::amount.eq(f.amount.map(|a| a.0)),
                    fund_findings::evidence.eq(f.evidence.as_str()),
                    fund_findings::found_at.eq(now),
                    fund_findings::status.eq(FindingStatus::Open.code()),
                )
            })
            .collect();
        added += run!(conn, c => diesel::insert_into(fund_findings::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(added)
}

/// Which findings a list shows.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub check: Option<Check>,
    pub status: Option<FindingStatus>,
    /// Only those of this union's subtree (a path inside the caller's scope).
    pub under: Option<Scope>,
    pub household_id: Option<i64>,
}

/// One page of findings in scope, newest first.
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &FindingFilter,
    page: PageRequest,
) -> Result<Page<Finding>, StorageError> {
    macro_rules! filtered {
        () => {
            fund_findings::table
                .left_join(
                    households::table.on(households::id.nullable().eq(fund_findings::household_id)),
                )
                .left_join(users::table.on(users::id.nullable().eq(fund_findings::resolved_by)))
                .filter(scope.covers(fund_findings::union_path))
                .into_boxed()
                .if_some(filter.check, |q, k| {
                    q.filter(fund_findings::check_kind.eq(k.code()))
                })
                .if_some(filter.status, |q, s| {
                    q.filter(fund_findings::status.eq(s.code()))
                })
                .if_some(filter.under.as_ref(), |q, u| {
                    q.filter(u.covers(fund_findings::union_path))
                })
                .if_some(filter.household_id, |q, h| {
                    q.filter(fund_findings::household_id.eq(h))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
    order: fund_findings::id.desc(),
    select: (
        Row::as_select(),
        households::worker_name.nullable(),
        households::file_no.nullable(),
        users::display_name.nullable(),
    )))?;
    Ok(page.of(
        rows.into_iter().map(convert).collect::<Result<_, _>>()?,
        total,
    ))
}

/// One finding in scope.
pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: FindingId,
) -> Result<Option<Finding>, StorageError> {
    let row: Option<Joined> = run!(conn, c => fund_findings::table
        .left_join(households::table.on(households::id.nullable().eq(fund_findings::household_id)))
        .left_join(users::table.on(users::id.nullable().eq(fund_findings::resolved_by)))
        .filter(fund_findings::id.eq(id.0))
        .filter(scope.covers(fund_findings::union_path))
        .select((
            Row::as_select(),
            households::worker_name.nullable(),
            households::file_no.nullable(),
            users::display_name.nullable(),
        ))
        .first(c)
        .optional())?;
    row.map(convert).transpose()
}

/// Records the resolution of an open finding; false when it was no longer open.
pub fn resolve(
    conn: &mut Conn,
    id: FindingId,
    status: FindingStatus,
    resolution: &str,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        fund_findings::table
            .filter(fund_findings::id.eq(id.0))
            .filter(fund_findings::status.eq(FindingStatus::Open.code())),
    )
    .set((
        fund_findings::status.eq(status.code()),
        fund_findings::resolution.eq(Some(resolution)),
        fund_findings::resolved_by.eq(Some(by)),
        fund_findings::resolved_at.eq(Some(now)),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Counts of findings in scope by check and status.
pub fn counts(
    conn: &mut Conn,
    scope: &Scope,
) -> Result<Vec<(Check, FindingStatus, i64)>, StorageError> {
    let rows: Vec<(String, String, i64)> = run!(conn, c => fund_findings::table
        .filter(scope.covers(fund_findings::union_path))
        .group_by((fund_findings::check_kind, fund_findings::status))
        .select((fund_findings::check_kind, fund_findings::status, diesel::dsl::count_star()))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, s, n)| Some((Check::parse(&k).ok()?, FindingStatus::parse(&s).ok()?, n)))
        .collect())
}

/// The unions that have findings in scope (by path), with their names, for the filter.
pub fn unions_with_findings(
    conn: &mut Conn,
    scope: &Scope,
) -> Result<Vec<(i64, String)>, StorageError> {
    let paths: Vec<String> = run!(conn, c => fund_findings::table
        .filter(scope.covers(fund_findings::union_path))
        .select(fund_findings::union_path)
        .distinct()
        .order(fund_findings::union_path)
        .limit(500)
        .load(c))?;
    let ids: Vec<i64> = paths
        .iter()
        .filter_map(|p| p.trim_end_matches('/').rsplit('/').next()?.parse().ok())
        .collect();
    let rows: Vec<(i64, String)> = run!(conn, c => unions::table
        .filter(unions::id.eq_any(&ids))
        .select((unions::id, unions::name))
        .order(unions::path)
        .load(c))?;
    Ok(rows)
}

// ---------------------------------------------------------------------------
// The checks' queries
// ---------------------------------------------------------------------------

/// `date(timestamp column)` on either backend.
fn day_of(backend: Backend, col: &str) -> String {
    match backend {
        Backend::Sqlite => format!("date({col})"),
        Backend::Postgres => format!("CAST({col} AS DATE)"),
    }
}

/// Days from date column `a` to date column `b` on either backend.
fn days_between(backend: Backend, a: &str, b: &str) -> String {
    match backend {
        Backend::Sqlite => format!("CAST(julianday({b}) - julianday({a}) AS INTEGER)"),
        Backend::Postgres => format!("({b} - {a})"),
    }
}

/// A payment of cash to a household, as a check sees it.
#[derive(Debug, Clone, Queryable)]
pub struct Payment {
    pub id: i64,
    pub household_id: i64,
    pub union_path: String,
    pub union_id: i64,
    pub kind: String,
    pub given_on: NaiveDate,
    pub cash: i64,
    pub measure_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub worker_name: String,
    pub file_no: String,
}

macro_rules! payment_cols {
    () => {
        (
            assistance::id,
            assistance::household_id,
            assistance::union_path,
            assistance::union_id,
            assistance::kind,
            assistance::given_on,
            assistance::cash,
            assistance::measure_id,
            assistance::transfer_id,
            households::worker_name,
            households::file_no,
        )
    };
}

/// A payment, its file's filing date, status and the day it left.
pub type OffFilePayment = (Payment, NaiveDate, String, Option<NaiveDate>);

/// Cash given to a household whose file was not on file that day: filed
/// later, or on or after the day it left (exited, removed, or closed before
/// exits existed). A relieved file stays under regular assistance, so cash
/// to it is not a finding. With the file's filing date, status and the day
/// it left.
pub fn not_on_file(conn: &mut Conn, scope: &Scope) -> Result<Vec<OffFilePayment>, StorageError> {
    let rows = run!(conn, c => assistance::table
        .inner_join(households::table)
        .filter(scope.covers(assistance::union_path))
        .filter(assistance::status.eq("given"))
        .filter(assistance::cash.gt(0))
        .filter(
            households::filed_on.gt(assistance::given_on).or(households::status
                .eq_any(["closed", "exited", "removed"])
                .and(households::left_on.le(assistance::given_on.nullable()))),
        )
        .select((payment_cols!(), households::filed_on, households::status, households::left_on))
        .order(assistance::id)
        .load::<OffFilePayment>(c))?;
    Ok(rows)
}

/// A payment, the later payment it repeats, that one's date and transfer.
pub type DuplicatePair = (Payment, i64, NaiveDate, Option<i64>);

/// Pairs of cash payments to the same household of the same kind and
/// amount within `window_days` of each other (earlier id first).
pub fn duplicates(
    conn: &mut Conn,
    scope: &Scope,
    window_days: i64,
) -> Result<Vec<DuplicatePair>, StorageError> {
    let other = diesel::alias!(assistance as dup);
    let within = format!(
        "ABS({}) <= {window_days}",
        days_between(conn.backend(), "assistance.given_on", "dup.given_on")
    );
    let rows = run!(conn, c => assistance::table
        .inner_join(households::table)
        .inner_join(
            other.on(other
                .field(assistance::household_id)
                .eq(assistance::household_id)
                .and(other.field(assistance::kind).eq(assistance::kind))
                .and(other.field(assistance::cash).eq(assistance::cash))
                .and(other.field(assistance::id).gt(assistance::id))),
        )
        .filter(scope.covers(assistance::union_path))
        .filter(assistance::status.eq("given"))
        .filter(assistance::cash.gt(0))
        .filter(other.field(assistance::status).eq("given"))
        .filter(sql::<Bool>(&within))
        .select((
            payment_cols!(),
            other.field(assistance::id),
            other.field(assistance::given_on),
            other.field(assistance::transfer_id),
        ))
        .order((assistance::id, other.field(assistance::id)))
        .load::<DuplicatePair>(c))?;
    Ok(rows)
}

/// Cash payments of `kind` above `max` to households whose region is one
/// of `codes` (or, with `except`, none of them).
pub fn over_standard(
    conn: &mut Conn,
    scope: &Scope,
    kind: &str,
    max: Fen,
    codes: &[String],
    except: bool,
) -> Result<Vec<(Payment, String)>, StorageError> {
    if codes.is_empty() && !except {
        return Ok(Vec::new());
    }
    let rows = run!(conn, c => {
        let mut q = assistance::table
            .inner_join(households::table)
            .filter(scope.covers(assistance::union_path))
            .filter(assistance::status.eq("given"))
            .filter(assistance::kind.eq(kind))
            .filter(assistance::cash.gt(max.0))
            .into_boxed();
        if except {
            if !codes.is_empty() {
                q = q.filter(households::division_code.ne_all(codes));
            }
        } else {
            q = q.filter(households::division_code.eq_any(codes));
        }
        q.select((payment_cols!(), households::division_code))
            .order(assistance::id)
            .load::<(Payment, String)>(c)
    })?;
    Ok(rows)
}

/// What a payment's measure was when it was paid.
#[derive(Debug, Clone, Queryable)]
pub struct MeasureAtPayment {
    pub measure_household: Option<i64>,
    pub content: Option<String>,
    pub plan_id: Option<i64>,
    pub plan_year: Option<i32>,
    pub plan_status: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
}

/// Cash paid without a measure, with a measure of another household, or
/// with a measure whose plan was not approved on the payment date.
pub fn without_measure(
    conn: &mut Conn,
    scope: &Scope,
) -> Result<Vec<(Payment, MeasureAtPayment)>, StorageError> {
    let b = conn.backend();
    let cond = format!(
        "(assistance.measure_id IS NULL OR measures.id IS NULL \
          OR measures.household_id <> assistance.household_id \
          OR plans.id IS NULL OR plans.status <> 'approved' OR plans.approved_at IS NULL \
          OR {} > assistance.given_on)",
        day_of(b, "plans.approved_at")
    );
    let rows = run!(conn, c => assistance::table
        .inner_join(households::table)
        .left_join(measures::table.on(measures::id.nullable().eq(assistance::measure_id)))
        .left_join(plans::table.on(plans::id.nullable().eq(measures::plan_id.nullable())))
        .filter(scope.covers(assistance::union_path))
        .filter(assistance::status.eq("given"))
        .filter(assistance::cash.gt(0))
        .filter(sql::<Bool>(&cond))
        .select((
            payment_cols!(),
            (
                measures::household_id.nullable(),
                measures::content.nullable(),
                plans::id.nullable(),
                plans::year.nullable(),
                plans::status.nullable(),
                plans::approved_at.nullable(),
            ),
        ))
        .order(assistance::id)
        .load::<(Payment, MeasureAtPayment)>(c))?;
    Ok(rows)
}

/// An allocation to a child union and the account it went into.
#[derive(Debug, Clone, Queryable)]
pub struct Allocation {
    pub id: i64,
    pub union_id: i64,
    pub on_date: NaiveDate,
    pub amount: i64,
    pub source: String,
    pub memo: String,
    pub to_union_id: Option<i64>,
    pub account_id: i64,
    pub account_path: String,
}

/// Allocations (not reversed) dated on or before `before` into an account
/// in scope, with the date of that account's last outflow (if any).
pub fn unspent_allocations(
    conn: &mut Conn,
    scope: &Scope,
    before: NaiveDate,
) -> Result<Vec<(Allocation, Option<NaiveDate>)>, StorageError> {
    let rev = diesel::alias!(fund_transfers as rev);
    let allocs: Vec<Allocation> = run!(conn, c => fund_transfers::table
        .inner_join(
            fund_accounts::table.on(fund_accounts::union_id
                .nullable()
                .eq(fund_transfers::to_union_id)
                .and(fund_accounts::source.eq(fund_transfers::source))
                .and(fund_accounts::kind.eq("fund"))),
        )
        .left_join(rev.on(rev.field(fund_transfers::reverses_id).eq(fund_transfers::id.nullable())))
        .filter(fund_transfers::kind.eq("allocation"))
        .filter(fund_transfers::on_date.le(before))
        .filter(rev.field(fund_transfers::id).nullable().is_null())
        .filter(scope.covers(fund_accounts::union_path))
        .select((
            fund_transfers::id,
            fund_transfers::union_id,
            fund_transfers::on_date,
            fund_transfers::amount,
            fund_transfers::source,
            fund_transfers::memo,
            fund_transfers::to_union_id,
            fund_accounts::id,
            fund_accounts::union_path,
        ))
        .order(fund_transfers::id)
        .load(c))?;
    if allocs.is_empty() {
        return Ok(Vec::new());
    }
    let mut accounts: Vec<i64> = allocs.iter().map(|a| a.account_id).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let mut last: HashMap<i64, NaiveDate> = HashMap::new();
    for chunk in accounts.chunks(1000) {
        let rows: Vec<(i64, Option<NaiveDate>)> = run!(conn, c => ledger_entries::table
            .filter(ledger_entries::account_id.eq_any(chunk))
            .filter(ledger_entries::amount.lt(0))
            .group_by(ledger_entries::account_id)
            .select((ledger_entries::account_id, diesel::dsl::max(ledger_entries::on_date)))
            .load(c))?;
        last.extend(rows.into_iter().filter_map(|(a, d)| Some((a, d?))));
    }
    Ok(allocs
        .into_iter()
        .map(|a| {
            let d = last.get(&a.account_id).copied();
            (a, d)
        })
        .collect())
}

pub use crate::query::union_names;

/// An assistance record's household and status, if it is in scope (to link a reversal).
pub fn assistance_status(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
) -> Result<Option<(i64, String)>, StorageError> {
    let row: Option<(i64, String)> = run!(conn, c => assistance::table
        .filter(assistance::id.eq(id))
        .filter(scope.covers(assistance::union_path))
        .select((assistance::household_id, assistance::status))
        .first(c)
        .optional())?;
    Ok(row)
}
