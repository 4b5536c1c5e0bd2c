//! Tallies: the panel's and the targets' figures kept as they happen.
//!
//! Why: read from the rows themselves, the panel of a union grows with the
//! households beneath it (a national union's panel read every span,
//! decision and payment in the country). Database triggers (migration
//! `tallies`) add each change of those rows to `tallies`, on the union of
//! the row and on every union above it (`union_ancestors`), by day, month
//! and year. A union's figures "as of D" are then the sums of its year rows
//! before D's year, its month rows of D's year before D's month and its day
//! rows of D's month up to D: a few hundred rows per union and measure,
//! however many households lie beneath.
//!
//! The triggers are in the database, not in this crate, so every writer —
//! the services, the generator's bulk inserts, an operator's SQL — keeps the
//! tallies in step, and a restore carries them as rows like any other
//! table. [`check`] and [`rebuild`] compare them with, and make them again
//! from, the rows they count, by the same rules written once more as one
//! query ([`events_sql`]).
//!
//! What each measure counts (and its key) is said in the migration.

use crate::db::{run, Conn, Raw};
use crate::schema::tallies;
use crate::StorageError;
use bangfu_domain::UnionId;
use chrono::{Datelike, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use std::collections::HashMap;

/// What a tally counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Files on file (key `tier|category|cohort`; n households, persons).
    OnFile,
    /// Files on file accepted at the tier of their span (key `tier`).
    Accepted,
    /// Files made, not reopenings (key `cohort`).
    Filed,
    /// Reopened files (key `cohort`).
    Reopened,
    /// Approved decisions net of revocations (key `kind|pathway|reason|cohort`).
    Decided,
    /// Funds raised (amount in fen).
    Raised,
    /// Assistance given net of reversals (n 户次, persons 人次, amount cash,
    /// goods value).
    Given,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::OnFile,
        Measure::Accepted,
        Measure::Filed,
        Measure::Reopened,
        Measure::Decided,
        Measure::Raised,
        Measure::Given,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Measure::OnFile => "on_file",
            Measure::Accepted => "accepted",
            Measure::Filed => "filed",
            Measure::Reopened => "reopened",
            Measure::Decided => "decided",
            Measure::Raised => "raised",
            Measure::Given => "given",
        }
    }
}

/// The sums of one key of a measure for one union's subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub union_id: UnionId,
    pub measure: Measure,
    pub key: String,
    pub n: i64,
    pub persons: i64,
    /// Fen.
    pub amount: i64,
    /// Fen.
    pub goods: i64,
}

impl Tally {
    fn new(union_id: i64, measure: Measure, key: String) -> Self {
        Tally {
            union_id: UnionId(union_id),
            measure,
            key,
            n: 0,
            persons: 0,
            amount: 0,
            goods: 0,
        }
    }

    fn add(&mut self, n: i64, persons: i64, amount: i64, goods: i64) {
        self.n += n;
        self.persons += persons;
        self.amount += amount;
        self.goods += goods;
    }
}

/// An `on_file` tally's key, `tier|category|cohort` (as the migration's
/// triggers write it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanKey<'a> {
    pub tier: &'a str,
    pub category: &'a str,
    pub cohort: &'a str,
}

impl<'a> SpanKey<'a> {
    pub fn parse(key: &'a str) -> Self {
        let mut parts = key.split('|');
        let mut next = || parts.next().unwrap_or("");
        SpanKey {
            tier: next(),
            category: next(),
            cohort: next(),
        }
    }
}

/// A `decided` tally's key, `kind|pathway|reason|cohort`, the empty string
/// for none (as the migration's triggers write it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionKey<'a> {
    pub kind: &'a str,
    pub pathway: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub cohort: &'a str,
}

impl<'a> DecisionKey<'a> {
    pub fn parse(key: &'a str) -> Self {
        let mut parts = key.split('|');
        let mut next = || parts.next().unwrap_or("");
        let some = |s: &'a str| (!s.is_empty()).then_some(s);
        let kind = next();
        let pathway = some(next());
        let reason = some(next());
        DecisionKey {
            kind,
            pathway,
            reason,
            cohort: next(),
        }
    }
}

fn sum_of(col: &str) -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>(&format!("CAST(SUM({col}) AS BIGINT)"))
}

/// The rows of some unions and measures of one grain with `period` in
/// `[from, until]`: an index range of the primary key.
macro_rules! in_range {
    ($unions:expr, $measures:expr, $grain:expr, $from:expr, $until:expr) => {
        tallies::table
            .filter(tallies::union_id.eq_any($unions))
            .filter(tallies::measure.eq_any($measures))
            .filter(tallies::grain.eq($grain))
            .filter(tallies::period.ge($from))
            .filter(tallies::period.le($until))
    };
}

type Summed = (
    i64,
    NaiveDate,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Rows of one grain with `period` in `[from, until]`, summed by union,
/// period and key.
fn summed(
    conn: &mut Conn,
    unions: &[i64],
    measure: Measure,
    grain: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Summed>, StorageError> {
    if from > until || unions.is_empty() {
        return Ok(Vec::new());
    }
    Ok(
        run!(conn, c => in_range!(unions, [measure.code()], grain, from, until)
        .group_by((tallies::union_id, tallies::period, tallies::key))
        .select((
            tallies::union_id,
            tallies::period,
            tallies::key,
            sum_of("tallies.n"),
            sum_of("tallies.persons"),
            sum_of("tallies.amount"),
            sum_of("tallies.goods"),
        ))
        .load(c))?,
    )
}

type Keyed = (
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Rows of one grain with `period` in `[from, until]`, summed by union,
/// measure and key (what [`as_of`] needs: the database adds the periods
/// up).
fn summed_by_key(
    conn: &mut Conn,
    unions: &[i64],
    measures: &[&str],
    grain: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Keyed>, StorageError> {
    if from > until || unions.is_empty() || measures.is_empty() {
        return Ok(Vec::new());
    }
    Ok(
        run!(conn, c => in_range!(unions, measures, grain, from, until)
        .group_by((tallies::union_id, tallies::measure, tallies::key))
        .select((
            tallies::union_id,
            tallies::measure,
            tallies::key,
            sum_of("tallies.n"),
            sum_of("tallies.persons"),
            sum_of("tallies.amount"),
            sum_of("tallies.goods"),
        ))
        .load(c))?,
    )
}

/// The earliest day the tallies are read from (PostgreSQL dates do not
/// reach `NaiveDate::MIN`).
pub fn beginning() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Each union's figures of `measures` as of the end of `on`, by measure
/// and key: the year rows before `on`'s year, the month rows of that year
/// before `on`'s month and the day rows of that month up to `on` (three
/// queries, whatever the measures). Keys whose sums are all zero are left
/// out.
pub fn as_of(
    conn: &mut Conn,
    unions: &[UnionId],
    measures: &[Measure],
    on: NaiveDate,
) -> Result<Vec<Tally>, StorageError> {
    let ids: Vec<i64> = unions.iter().map(|u| u.0).collect();
    let codes: Vec<&str> = measures.iter().map(|m| m.code()).collect();
    let month = first_of_month(on);
    let year = month.with_month(1).unwrap_or(month);
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        if let Some(before) = year.pred_opt() {
            rows.extend(summed_by_key(
                conn,
                chunk,
                &codes,
                "y",
                beginning(),
                before,
            )?);
        }
        if let Some(before) = month.pred_opt() {
            rows.extend(summed_by_key(conn, chunk, &codes, "m", year, before)?);
        }
        rows.extend(summed_by_key(conn, chunk, &codes, "d", month, on)?);
    }
    let mut out: HashMap<(i64, String, String), Tally> = HashMap::new();
    for (u, m, key, n, p, a, g) in rows {
        let Some(measure) = Measure::parse(&m) else {
            continue;
        };
        out.entry((u, m, key.clone()))
            .or_insert_with(|| Tally::new(u, measure, key))
            .add(
                n.unwrap_or(0),
                p.unwrap_or(0),
                a.unwrap_or(0),
                g.unwrap_or(0),
            );
    }
    let mut v: Vec<Tally> = out
        .into_values()
        .filter(|t| (t.n, t.persons, t.amount, t.goods) != (0, 0, 0, 0))
        .collect();
    v.sort_by(|a, b| {
        (a.union_id.0, a.measure.code(), &a.key).cmp(&(b.union_id.0, b.measure.code(), &b.key))
    });
    Ok(v)
}

/// Each union's changes of `measure` in each month from `from`'s month to
/// `until`'s month (whole months), by the month's first day and key.
pub fn by_month(
    conn: &mut Conn,
    unions: &[UnionId],
    measure: Measure,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(NaiveDate, Tally)>, StorageError> {
    let ids: Vec<i64> = unions.iter().map(|u| u.0).collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        for (u, period, key, n, p, a, g) in
            summed(conn, chunk, measure, "m", first_of_month(from), until)?
        {
            let mut t = Tally::new(u, measure, key);
            t.add(
                n.unwrap_or(0),
                p.unwrap_or(0),
                a.unwrap_or(0),
                g.unwrap_or(0),
            );
            out.push((period, t));
        }
    }
    Ok(out)
}

/// Moves the tallies of `root`'s subtree from under `old_parent` (and the
/// unions above it) to under `new_parent`, and the subtree's ancestry with
/// them: call before the union's row changes parent.
pub fn move_subtree(
    conn: &mut Conn,
    root: UnionId,
    old_parent: Option<UnionId>,
    new_parent: UnionId,
) -> Result<(), StorageError> {
    use diesel::sql_types::BigInt as B;
    let shift = |sign: &str| {
        format!(
            "INSERT INTO tallies (union_id, measure, grain, period, key, n, persons, amount, goods) \
             SELECT a.ancestor_id, t.measure, t.grain, t.period, t.key, \
                    {sign}t.n, {sign}t.persons, {sign}t.amount, {sign}t.goods \
             FROM tallies t JOIN union_ancestors a ON a.union_id = $2 WHERE t.union_id = $1 \
             ON CONFLICT (union_id, measure, grain, period, key) DO UPDATE SET \
             n = tallies.n + excluded.n, persons = tallies.persons + excluded.persons, \
             amount = tallies.amount + excluded.amount, goods = tallies.goods + excluded.goods"
        )
    };
    let unlink = "DELETE FROM union_ancestors \
         WHERE union_id IN (SELECT union_id FROM union_ancestors WHERE ancestor_id = $1) \
         AND ancestor_id IN (SELECT ancestor_id FROM union_ancestors WHERE union_id = $2)";
    let link = "INSERT INTO union_ancestors (union_id, ancestor_id) \
         SELECT s.union_id, a.ancestor_id FROM union_ancestors s JOIN union_ancestors a \
         ON a.union_id = $2 WHERE s.ancestor_id = $1";
    let mut steps: Vec<(String, i64)> = Vec::new();
    if let Some(old) = old_parent {
        steps.push((shift("-"), old.0));
        steps.push((unlink.to_owned(), old.0));
    }
    steps.push((shift(""), new_parent.0));
    steps.push((link.to_owned(), new_parent.0));
    for (q, parent) in steps {
        let q = match &conn.raw {
            Raw::Sqlite(_) => q.replace("$1", "?1").replace("$2", "?2"),
            Raw::Pg(_) => q,
        };
        run!(conn, c => diesel::sql_query(&q)
            .bind::<B, _>(root.0)
            .bind::<B, _>(parent)
            .execute(c))?;
    }
    Ok(())
}

/// The changes every counted row makes, by the rules the triggers follow:
/// (union_id, measure, day, key, n, persons, amount, goods).
fn events_sql(conn: &Conn) -> String {
    let china_date = match conn.raw {
        Raw::Sqlite(_) => "date(a.updated_at, '+8 hours')",
        Raw::Pg(_) => "CAST(a.updated_at + INTERVAL '8 hours' AS DATE)",
    };
    let span_key = "s.tier || '|' || s.category || '|' || s.cohort";
    let exit_key = |e: &str| {
        format!(
            "{e}.kind || '|' || COALESCE({e}.pathway, '') || '|' || COALESCE({e}.reason, '') || '|' || {e}.cohort"
        )
    };
    let accepted = "JOIN households h ON h.id = s.household_id \
                    WHERE h.report_state = 'accepted' AND h.report_tier = s.tier";
    [
        format!("SELECT s.union_id, 'on_file' AS measure, s.from_on AS day, {span_key} AS key, \
                 1 AS n, s.persons AS persons, 0 AS amount, 0 AS goods FROM file_spans s"),
        format!("SELECT s.union_id, 'on_file', s.until_on, {span_key}, -1, -s.persons, 0, 0 \
                 FROM file_spans s WHERE s.until_on IS NOT NULL"),
        format!("SELECT s.union_id, 'accepted', s.from_on, s.tier, 1, s.persons, 0, 0 \
                 FROM file_spans s {accepted}"),
        format!("SELECT s.union_id, 'accepted', s.until_on, s.tier, -1, -s.persons, 0, 0 \
                 FROM file_spans s {accepted} AND s.until_on IS NOT NULL"),
        "SELECT union_id, CASE WHEN previous_id IS NULL THEN 'filed' ELSE 'reopened' END, \
         filed_on, cohort, 1, 0, 0, 0 FROM households"
            .to_owned(),
        format!("SELECT e.union_id, 'decided', e.decided_on, {}, 1, 0, 0, 0 FROM exits e \
                 WHERE e.status = 'approved' AND e.kind <> 'revoke'", exit_key("e")),
        format!("SELECT e.union_id, 'decided', e.decided_on, {}, -1, 0, 0, 0 FROM exits e \
                 JOIN exits o ON o.id = e.revokes_id WHERE e.status = 'approved' AND e.kind = 'revoke'",
                exit_key("o")),
        "SELECT union_id, 'raised', on_date, '', 1, 0, amount, 0 FROM fund_transfers \
         WHERE kind = 'receipt'"
            .to_owned(),
        "SELECT t.union_id, 'raised', t.on_date, '', -1, 0, -t.amount, 0 FROM fund_transfers t \
         JOIN fund_transfers o ON o.id = t.reverses_id WHERE t.kind = 'reversal' AND o.kind = 'receipt'"
            .to_owned(),
        "SELECT a.union_id, 'given', a.given_on, '', 1, a.persons, a.cash, a.goods_value \
         FROM assistance a WHERE a.status IN ('given', 'reversed')"
            .to_owned(),
        format!("SELECT a.union_id, 'given', COALESCE((SELECT t.on_date FROM fund_transfers t \
                 WHERE t.reverses_id = a.transfer_id AND t.kind = 'reversal'), \
                 CASE WHEN a.transfer_id IS NULL THEN {china_date} END), '', \
                 -1, -a.persons, -a.cash, -a.goods_value FROM assistance a WHERE a.status = 'reversed'"),
    ]
    .join(" UNION ALL ")
}

/// The tallies as the rows make them: (union_id, measure, grain, period,
/// key, n, persons, amount, goods), without rows whose sums are all zero.
fn made_sql(conn: &Conn) -> String {
    let (month, year) = match conn.raw {
        Raw::Sqlite(_) => (
            "date(e.day, 'start of month')",
            "date(e.day, 'start of year')",
        ),
        Raw::Pg(_) => (
            "CAST(date_trunc('month', e.day) AS DATE)",
            "CAST(date_trunc('year', e.day) AS DATE)",
        ),
    };
    let period = format!("CASE g.grain WHEN 'd' THEN e.day WHEN 'm' THEN {month} ELSE {year} END");
    format!(
        "SELECT a.ancestor_id AS union_id, e.measure AS measure, g.grain AS grain, \
                {period} AS period, e.key AS key, \
                CAST(SUM(e.n) AS BIGINT) AS n, CAST(SUM(e.persons) AS BIGINT) AS persons, \
                CAST(SUM(e.amount) AS BIGINT) AS amount, CAST(SUM(e.goods) AS BIGINT) AS goods \
         FROM ({events}) e \
         JOIN union_ancestors a ON a.union_id = e.union_id \
         CROSS JOIN (SELECT 'd' AS grain UNION ALL SELECT 'm' UNION ALL SELECT 'y') g \
         WHERE e.day IS NOT NULL \
         GROUP BY a.ancestor_id, e.measure, g.grain, {period}, e.key \
         HAVING SUM(e.n) <> 0 OR SUM(e.persons) <> 0 OR SUM(e.amount) <> 0 OR SUM(e.goods) <> 0",
        events = events_sql(conn)
    )
}

const COLUMNS: &str = "union_id, measure, grain, period, key, n, persons, amount, goods";

/// Makes the tallies again from the rows they count; returns how many
/// rows it wrote.
pub fn rebuild(conn: &mut Conn) -> Result<usize, StorageError> {
    let made = made_sql(conn);
    run!(conn, c => diesel::sql_query("DELETE FROM tallies").execute(c))?;
    Ok(run!(conn, c => diesel::sql_query(format!(
        "INSERT INTO tallies ({COLUMNS}) SELECT {COLUMNS} FROM ({made}) m"
    ))
    .execute(c))?)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How far the tallies are from what the rows make: (rows kept that the
/// rows do not make, rows the rows make that are not kept). Rows whose
/// sums are all zero count as absent.
pub fn check(conn: &mut Conn) -> Result<(i64, i64), StorageError> {
    let made = made_sql(conn);
    let kept = format!(
        "SELECT {COLUMNS} FROM tallies WHERE n <> 0 OR persons <> 0 OR amount <> 0 OR goods <> 0"
    );
    let mut count = |a: &str, b: &str| -> Result<i64, StorageError> {
        let q = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \
             (SELECT {COLUMNS} FROM ({a}) x EXCEPT SELECT {COLUMNS} FROM ({b}) y) d"
        );
        let r: Count = run!(conn, c => diesel::sql_query(&q).get_result(c))?;
        Ok(r.n)
    };
    let extra = count(&kept, &made)?;
    let missing = count(&made, &kept)?;
    Ok((extra, missing))
}
