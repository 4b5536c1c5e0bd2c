//! Aggregate reads for the province panel and targets: counts and sums
//! grouped by union, never a person's data.
//!
//! Every figure family is one `GROUP BY union_path` query over the range of
//! the union's subtree (narrowed to the caller's scope). The rows come back
//! keyed by the path the row carries — the same column the range filters on
//! — and the service rolls them up to "the union itself" and "each child
//! subtree" in Rust, so `total = own + Σ children` holds by construction and
//! the panel costs the same handful of queries at any depth of the tree.
//!
//! Figures "as of D" read only rows that later events never rewrite:
//! `file_spans` (closed at a change, never edited), decisions by their
//! decision date, revocations at their own date, money by its date, and
//! reversals at the reversal's date.

use crate::db::{run, Conn};
use crate::schema::{assistance, exits, file_spans, fund_transfers, households, targets, unions};
use crate::scope::PathRange;
use crate::{Scope, StorageError};
use bangfu_domain::filing::ReportState;
use bangfu_domain::{UnionId, UnionLevel, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use std::collections::HashMap;

/// `CAST(SUM(col) AS BIGINT)`: PostgreSQL sums integers to numeric/bigint,
/// SQLite to integer; the cast gives both the same type.
fn sum_of(col: &str) -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>(&format!("CAST(SUM({col}) AS BIGINT)"))
}

/// The key range of `union`'s subtree within the scope.
fn range(scope: &Scope, union: &UnionPath) -> PathRange {
    scope.range_within(Some(union))
}

/// A union as the panel names it.
#[derive(Debug, Clone)]
pub struct UnionRef {
    pub id: UnionId,
    pub name: String,
    pub path: UnionPath,
    pub level: UnionLevel,
    pub active: bool,
}

/// The direct children of a union, inside the scope, by name.
pub fn children(
    conn: &mut Conn,
    scope: &Scope,
    parent: UnionId,
) -> Result<Vec<UnionRef>, StorageError> {
    let rows: Vec<(i64, String, String, String, bool)> = run!(conn, c => unions::table
        .filter(unions::parent_id.eq(parent.0))
        .filter(scope.covers(unions::path))
        .order(unions::id.asc())
        .select((unions::id, unions::name, unions::path, unions::level, unions::active))
        .load(c))?;
    rows.into_iter()
        .map(|(id, name, path, level, active)| {
            Ok(UnionRef {
                id: UnionId(id),
                name,
                path: UnionPath::from_stored(path),
                level: UnionLevel::parse(&level)
                    .map_err(|_| StorageError::Corrupt(format!("union {id} level {level}")))?,
                active,
            })
        })
        .collect()
}

/// Households on file at the end of day `on`, by union path and the labels
/// the panel splits by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnFileRow {
    pub union_path: String,
    pub tier: String,
    pub category: String,
    pub cohort: String,
    pub households: i64,
    /// The sum of the household sizes (供养人口 as the panel counts it).
    pub persons: i64,
}

/// On file at the end of `on`: spans with `from_on <= on < until_on`.
pub fn on_file(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<OnFileRow>, StorageError> {
    let range = range(scope, union);
    let rows: Vec<(String, String, String, String, i64, Option<i64>)> = run!(conn, c => file_spans::table
        .filter(range.covers(file_spans::union_path))
        .filter(file_spans::from_on.le(on))
        .filter(file_spans::until_on.is_null().or(file_spans::until_on.gt(on)))
        .group_by((
            file_spans::union_path,
            file_spans::tier,
            file_spans::category,
            file_spans::cohort,
        ))
        .select((
            file_spans::union_path,
            file_spans::tier,
            file_spans::category,
            file_spans::cohort,
            count_star(),
            sum_of("file_spans.persons"),
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(
            |(union_path, tier, category, cohort, households, persons)| OnFileRow {
                union_path,
                tier,
                category,
                cohort,
                households,
                persons: persons.unwrap_or(0),
            },
        )
        .collect())
}

/// Of the files on file at the end of `on`, those accepted (已接收) by the
/// union of their level at the tier of the span, by union path and tier:
/// the report state is the file's now.
pub fn accepted_on_file(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<OnFileRow>, StorageError> {
    let range = range(scope, union);
    let rows: Vec<(String, String, i64, Option<i64>)> = run!(conn, c => file_spans::table
        .inner_join(households::table.on(households::id.eq(file_spans::household_id)))
        .filter(range.covers(file_spans::union_path))
        .filter(file_spans::from_on.le(on))
        .filter(file_spans::until_on.is_null().or(file_spans::until_on.gt(on)))
        .filter(households::report_state.eq(ReportState::Accepted.code()))
        .filter(households::report_tier.nullable().eq(file_spans::tier.nullable()))
        .group_by((file_spans::union_path, file_spans::tier))
        .select((
            file_spans::union_path,
            file_spans::tier,
            count_star(),
            sum_of("file_spans.persons"),
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(union_path, tier, households, persons)| OnFileRow {
            union_path,
            tier,
            category: String::new(),
            cohort: String::new(),
            households,
            persons: persons.unwrap_or(0),
        })
        .collect())
}

/// Files made on or before `on` (the file's `filed_on`), not counting
/// reopenings: by union path and cohort.
pub fn filings(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<(String, String, i64)>, StorageError> {
    let range = range(scope, union);
    Ok(run!(conn, c => households::table
        .filter(range.covers(households::union_path))
        .filter(households::filed_on.le(on))
        .filter(households::previous_id.is_null())
        .group_by((households::union_path, households::cohort))
        .select((households::union_path, households::cohort, count_star()))
        .load(c))?)
}

/// Reopened files (返困, linked to the exited file they continue) made on or
/// before `on`, by union path.
pub fn reopenings(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<(String, i64)>, StorageError> {
    let range = range(scope, union);
    Ok(run!(conn, c => households::table
        .filter(range.covers(households::union_path))
        .filter(households::filed_on.le(on))
        .filter(households::previous_id.is_not_null())
        .group_by(households::union_path)
        .select((households::union_path, count_star()))
        .load(c))?)
}

/// (union path, kind, pathway, reason) of a decision.
type DecisionKey = (String, String, Option<String>, Option<String>);
/// A [`DecisionKey`] with its count.
type DecisionTuple = (String, String, Option<String>, Option<String>, i64);
/// (union path, acts, persons, cash, goods) as summed by the database.
type GivenTuple = (String, i64, Option<i64>, Option<i64>, Option<i64>);

/// Approved decisions counted by what they decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub union_path: String,
    /// out, relief or removal.
    pub kind: String,
    pub pathway: Option<String>,
    pub reason: Option<String>,
    pub count: i64,
}

impl From<DecisionTuple> for DecisionRow {
    fn from((union_path, kind, pathway, reason, count): DecisionTuple) -> Self {
        DecisionRow {
            union_path,
            kind,
            pathway,
            reason,
            count,
        }
    }
}

/// Approved exits, reliefs and removals decided on or before `on`, by union
/// path, kind, pathway and reason.
pub fn decisions(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<DecisionRow>, StorageError> {
    let range = range(scope, union);
    let rows: Vec<DecisionTuple> = run!(conn, c => exits::table
        .filter(range.covers(exits::union_path))
        .filter(exits::status.eq("approved"))
        .filter(exits::kind.ne("revoke"))
        .filter(exits::decided_on.le(on))
        .group_by((exits::union_path, exits::kind, exits::pathway, exits::reason))
        .select((exits::union_path, exits::kind, exits::pathway, exits::reason, count_star()))
        .load(c))?;
    Ok(rows.into_iter().map(DecisionRow::from).collect())
}

/// Approved revocations decided on or before `on`, counted by what the
/// revoked decision had decided (its kind, pathway and reason) and bucketed
/// under the revocation's own union path (that of the household, as the
/// revoked decision's).
pub fn revocations(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<DecisionRow>, StorageError> {
    let range = range(scope, union);
    let orig = diesel::alias!(exits as revoked);
    // Revocations are rare: read them one by one and count here (an
    // aliased column cannot be grouped by).
    let each: Vec<DecisionKey> = run!(conn, c => exits::table
        .inner_join(orig.on(exits::revokes_id.eq(orig.field(exits::id).nullable())))
        .filter(range.covers(exits::union_path))
        .filter(exits::status.eq("approved"))
        .filter(exits::kind.eq("revoke"))
        .filter(exits::decided_on.le(on))
        .select((
            exits::union_path,
            orig.field(exits::kind),
            orig.field(exits::pathway),
            orig.field(exits::reason),
        ))
        .load(c))?;
    let mut counted: HashMap<DecisionKey, i64> = HashMap::new();
    for key in each {
        *counted.entry(key).or_default() += 1;
    }
    Ok(counted
        .into_iter()
        .map(|((p, k, w, r), n)| DecisionRow::from((p, k, w, r, n)))
        .collect())
}

/// Funds raised on or before `on`, by union path: receipts (资金收入) at
/// their date, less the reversals of receipts at the reversal's date.
pub fn raised(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<(String, i64)>, StorageError> {
    let range = range(scope, union);
    let received: Vec<(String, Option<i64>)> = run!(conn, c => fund_transfers::table
        .filter(range.covers(fund_transfers::union_path))
        .filter(fund_transfers::kind.eq("receipt"))
        .filter(fund_transfers::on_date.le(on))
        .group_by(fund_transfers::union_path)
        .select((fund_transfers::union_path, sum_of("fund_transfers.amount")))
        .load(c))?;
    let orig = diesel::alias!(fund_transfers as reversed);
    let undone: Vec<(String, Option<i64>)> = run!(conn, c => fund_transfers::table
        .inner_join(orig.on(fund_transfers::reverses_id.eq(orig.field(fund_transfers::id).nullable())))
        .filter(range.covers(fund_transfers::union_path))
        .filter(fund_transfers::kind.eq("reversal"))
        .filter(orig.field(fund_transfers::kind).eq("receipt"))
        .filter(fund_transfers::on_date.le(on))
        .group_by(fund_transfers::union_path)
        .select((fund_transfers::union_path, sum_of("fund_transfers.amount")))
        .load(c))?;
    let mut out: HashMap<String, i64> = HashMap::new();
    for (p, s) in received {
        *out.entry(p).or_default() += s.unwrap_or(0);
    }
    for (p, s) in undone {
        *out.entry(p).or_default() -= s.unwrap_or(0);
    }
    Ok(out.into_iter().collect())
}

/// Assistance given, by union path (the household's union).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GivenRow {
    pub union_path: String,
    /// Household-times (户次): acts of assistance.
    pub times: i64,
    /// Person-times (人次): the persons each act reached, summed.
    pub persons: i64,
    /// Fen.
    pub cash: i64,
    /// Fen: the value of the goods.
    pub goods: i64,
}

/// Assistance given on or before `on`, by union path, as it stood at the
/// end of `on`: every record given by then (status given, or reversed
/// since), less the reversed ones whose reversal is dated on or before
/// `on`. A reversal's date is its ledger posting's date; a record reversed
/// without money (goods only) has no posting and takes the (China) date it
/// was marked reversed (`updated_at`, never changed afterwards).
pub fn given(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    on: NaiveDate,
) -> Result<Vec<GivenRow>, StorageError> {
    let range = range(scope, union);
    let rows: Vec<GivenTuple> = run!(conn, c => assistance::table
        .filter(range.covers(assistance::union_path))
        .filter(assistance::status.eq_any(["given", "reversed"]))
        .filter(assistance::given_on.le(on))
        .group_by(assistance::union_path)
        .select((
            assistance::union_path,
            count_star(),
            sum_of("assistance.persons"),
            sum_of("assistance.cash"),
            sum_of("assistance.goods_value"),
        ))
        .load(c))?;
    let mut out: HashMap<String, GivenRow> = rows
        .into_iter()
        .map(|(p, n, persons, cash, goods)| {
            (
                p.clone(),
                GivenRow {
                    union_path: p,
                    times: n,
                    persons: persons.unwrap_or(0),
                    cash: cash.unwrap_or(0),
                    goods: goods.unwrap_or(0),
                },
            )
        })
        .collect();
    // Reversals are rare: read them one by one.
    type Reversed = (Option<i64>, String, i32, i64, i64, NaiveDateTime);
    let reversed: Vec<Reversed> = run!(conn, c => assistance::table
        .filter(assistance::status.eq("reversed"))
        .filter(range.covers(assistance::union_path))
        .filter(assistance::given_on.le(on))
        .select((
            assistance::transfer_id,
            assistance::union_path,
            assistance::persons,
            assistance::cash,
            assistance::goods_value,
            assistance::updated_at,
        ))
        .load(c))?;
    // The reversal posting of each payment, through the unique `reverses_id`.
    let mut dates: HashMap<i64, NaiveDate> = HashMap::new();
    let paid: Vec<i64> = reversed.iter().filter_map(|r| r.0).collect();
    for chunk in paid.chunks(500) {
        let posted: Vec<(Option<i64>, NaiveDate)> = run!(conn, c => fund_transfers::table
            .filter(fund_transfers::reverses_id.eq_any(chunk))
            .select((fund_transfers::reverses_id, fund_transfers::on_date))
            .load(c))?;
        dates.extend(posted.into_iter().filter_map(|(t, d)| Some((t?, d))));
    }
    for (transfer, path, persons, cash, goods, updated_at) in reversed {
        let undone_on = transfer
            .and_then(|t| dates.get(&t).copied())
            .unwrap_or_else(|| bangfu_domain::china_date(updated_at));
        if undone_on > on {
            continue;
        }
        let row = out.entry(path.clone()).or_insert_with(|| GivenRow {
            union_path: path,
            ..GivenRow::default()
        });
        row.times -= 1;
        row.persons -= i64::from(persons);
        row.cash -= cash;
        row.goods -= goods;
    }
    Ok(out.into_values().collect())
}

/// For the trend of households on file: how many spans opened on each day
/// up to `until`, and how many closed on each day up to `until` (two
/// GROUP BY queries; the caller accumulates).
#[derive(Debug, Clone, Default)]
pub struct SpanDays {
    pub opened: Vec<(NaiveDate, i64)>,
    pub closed: Vec<(NaiveDate, i64)>,
}

pub fn span_days(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    until: NaiveDate,
) -> Result<SpanDays, StorageError> {
    let range = range(scope, union);
    let opened: Vec<(NaiveDate, i64)> = run!(conn, c => file_spans::table
        .filter(range.covers(file_spans::union_path))
        .filter(file_spans::from_on.le(until))
        .group_by(file_spans::from_on)
        .select((file_spans::from_on, count_star()))
        .load(c))?;
    let closed: Vec<(Option<NaiveDate>, i64)> = run!(conn, c => file_spans::table
        .filter(range.covers(file_spans::union_path))
        .filter(file_spans::until_on.le(until))
        .group_by(file_spans::until_on)
        .select((file_spans::until_on, count_star()))
        .load(c))?;
    Ok(SpanDays {
        opened,
        closed: closed
            .into_iter()
            .filter_map(|(d, n)| Some((d?, n)))
            .collect(),
    })
}

// ---------------------------------------------------------------------------
// Targets (目标任务)
// ---------------------------------------------------------------------------

/// The shares set for `year` by any of `union_ids` (basis points). Not
/// scoped: the ids are a union in the caller's scope, its ancestors (whose
/// shares it inherits) and its children — shares are not a person's data.
pub fn shares(
    conn: &mut Conn,
    union_ids: &[UnionId],
    year: i32,
) -> Result<HashMap<UnionId, i32>, StorageError> {
    let ids: Vec<i64> = union_ids.iter().map(|u| u.0).collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i32)> = run!(conn, c => targets::table
            .filter(targets::year.eq(year))
            .filter(targets::union_id.eq_any(chunk))
            .select((targets::union_id, targets::share_bp))
            .load(c))?;
        out.extend(rows.into_iter().map(|(u, bp)| (UnionId(u), bp)));
    }
    Ok(out)
}

/// One union's own row for a year: (share in basis points, set by, set at).
pub fn share_of(
    conn: &mut Conn,
    union_id: UnionId,
    year: i32,
) -> Result<Option<(i32, Option<i64>, NaiveDateTime)>, StorageError> {
    Ok(run!(conn, c => targets::table
        .filter(targets::union_id.eq(union_id.0))
        .filter(targets::year.eq(year))
        .select((targets::share_bp, targets::set_by, targets::set_at))
        .first(c)
        .optional())?)
}

/// Sets a union's own share for a year (insert or replace).
pub fn set_share(
    conn: &mut Conn,
    union_id: UnionId,
    year: i32,
    share_bp: i32,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(targets::table)
        .values((
            targets::union_id.eq(union_id.0),
            targets::year.eq(year),
            targets::share_bp.eq(share_bp),
            targets::set_by.eq(by),
            targets::set_at.eq(now),
        ))
        .on_conflict((targets::union_id, targets::year))
        .do_update()
        .set((
            targets::share_bp.eq(share_bp),
            targets::set_by.eq(by),
            targets::set_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Removes a union's own share for a year (it inherits again); false when
/// it had none.
pub fn clear_share(conn: &mut Conn, union_id: UnionId, year: i32) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::delete(
        targets::table
            .filter(targets::union_id.eq(union_id.0))
            .filter(targets::year.eq(year)),
    )
    .execute(c))?;
    Ok(n > 0)
}

/// Approved exits (脱困) and reliefs (解困) of baseline households decided
/// in `[from, until]`, by union path and decision date — what targets count.
pub fn achieved(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i64)>, StorageError> {
    let range = range(scope, union);
    let rows: Vec<(String, Option<NaiveDate>, i64)> = run!(conn, c => exits::table
        .filter(range.covers(exits::union_path))
        .filter(exits::status.eq("approved"))
        .filter(exits::kind.eq_any(["out", "relief"]))
        .filter(exits::cohort.eq("baseline"))
        .filter(exits::decided_on.ge(from))
        .filter(exits::decided_on.le(until))
        .group_by((exits::union_path, exits::decided_on))
        .select((exits::union_path, exits::decided_on, count_star()))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, d, n)| Some((p, d?, n)))
        .collect())
}

/// Approved revocations decided in `[from, until]` of exits or reliefs of
/// baseline households, by union path and the revocation's date.
pub fn achieved_revoked(
    conn: &mut Conn,
    scope: &Scope,
    union: &UnionPath,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(String, NaiveDate, i64)>, StorageError> {
    let range = range(scope, union);
    let orig = diesel::alias!(exits as revoked);
    let rows: Vec<(String, Option<NaiveDate>, i64)> = run!(conn, c => exits::table
        .inner_join(orig.on(exits::revokes_id.eq(orig.field(exits::id).nullable())))
        .filter(range.covers(exits::union_path))
        .filter(exits::status.eq("approved"))
        .filter(exits::kind.eq("revoke"))
        .filter(exits::decided_on.ge(from))
        .filter(exits::decided_on.le(until))
        .filter(orig.field(exits::kind).eq_any(["out", "relief"]))
        .filter(orig.field(exits::cohort).eq("baseline"))
        .group_by((exits::union_path, exits::decided_on))
        .select((exits::union_path, exits::decided_on, count_star()))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, d, n)| Some((p, d?, n)))
        .collect())
}
