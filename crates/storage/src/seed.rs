//! Bulk inserts for generated data (`bangfu demo`) and for tests that plant
//! records no endpoint would write (e.g. a payment the audit must catch).
//!
//! Rows carry explicit ids, taken from [`next_ids`] inside the same
//! transaction, so a chunk's assistance records, transfers and entries can
//! point at each other without a round trip per row. Call
//! [`sync_sequences`] after a chunk (PostgreSQL's identity sequences do
//! not see explicit ids; SQLite's AUTOINCREMENT does).
//!
//! Nothing here checks a rule: the caller makes balanced transfers and
//! funds an account before paying from it.

use crate::db::{run, Conn};
use crate::schema::{
    assistance, fund_transfers, households, ledger_entries, measures, pairings, plans, visits,
};
use crate::StorageError;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i64,
    pub household_id: i64,
    pub union_path: String,
    pub year: i32,
    pub goal: String,
    pub target_on: Option<NaiveDate>,
    pub summary: String,
    pub status: String,
    pub approved_by: Option<i64>,
    pub approved_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = measures)]
pub struct MeasureRow {
    pub id: i64,
    pub plan_id: i64,
    pub household_id: i64,
    pub union_path: String,
    pub track: String,
    pub programme: Option<String>,
    pub guarantee_line: Option<String>,
    pub content: String,
    pub due_on: NaiveDate,
    pub responsible_id: Option<i64>,
    pub status: String,
    pub done_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = visits)]
pub struct VisitRow {
    pub id: i64,
    pub household_id: i64,
    pub union_path: String,
    pub visited_on: NaiveDate,
    pub met: String,
    pub looked: String,
    pub asked: String,
    pub explained: String,
    pub findings: String,
    pub needs: String,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = assistance)]
pub struct AssistanceRow {
    pub id: i64,
    pub household_id: i64,
    pub union_path: String,
    pub union_id: i64,
    pub kind: String,
    pub given_on: NaiveDate,
    pub cash: i64,
    pub goods: String,
    pub goods_value: i64,
    pub persons: i32,
    pub measure_id: Option<i64>,
    pub source: Option<String>,
    pub school: Option<String>,
    pub stage: Option<String>,
    pub note: String,
    pub status: String,
    pub transfer_id: Option<i64>,
    pub given_by: Option<i64>,
    pub approved_by: Option<i64>,
    pub subsidy_id: Option<i64>,
    pub referral_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = fund_transfers)]
pub struct TransferRow {
    pub id: i64,
    pub union_id: i64,
    pub union_path: String,
    pub kind: String,
    pub source: String,
    pub on_date: NaiveDate,
    pub amount: i64,
    pub memo: String,
    pub to_union_id: Option<i64>,
    pub assistance_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ledger_entries)]
pub struct EntryRow {
    pub id: i64,
    pub transfer_id: i64,
    pub account_id: i64,
    pub amount: i64,
    pub on_date: NaiveDate,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = pairings)]
pub struct PairingRow {
    pub household_id: i64,
    pub union_id: i64,
    pub responsible_id: i64,
    pub from_at: NaiveDateTime,
    pub until_at: Option<NaiveDateTime>,
    pub note: String,
    pub created_by: Option<i64>,
}

/// The next free id of each table a generator fills.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ids {
    pub plan: i64,
    pub measure: i64,
    pub visit: i64,
    pub assistance: i64,
    pub transfer: i64,
    pub entry: i64,
}

/// The next free ids (max + 1). Call inside the transaction that inserts.
pub fn next_ids(conn: &mut Conn) -> Result<Ids, StorageError> {
    use diesel::dsl::max;
    let (p, m, v, a, t, e) = run!(conn, c => {
        let p: Option<i64> = plans::table.select(max(plans::id)).first(c)?;
        let m: Option<i64> = measures::table.select(max(measures::id)).first(c)?;
        let v: Option<i64> = visits::table.select(max(visits::id)).first(c)?;
        let a: Option<i64> = assistance::table.select(max(assistance::id)).first(c)?;
        let t: Option<i64> = fund_transfers::table.select(max(fund_transfers::id)).first(c)?;
        let e: Option<i64> = ledger_entries::table.select(max(ledger_entries::id)).first(c)?;
        Ok::<_, diesel::result::Error>((p, m, v, a, t, e))
    })?;
    let n = |x: Option<i64>| x.unwrap_or(0) + 1;
    Ok(Ids {
        plan: n(p),
        measure: n(m),
        visit: n(v),
        assistance: n(a),
        transfer: n(t),
        entry: n(e),
    })
}

/// Moves PostgreSQL's identity sequences past the explicit ids (no-op on SQLite).
pub fn sync_sequences(conn: &mut Conn) -> Result<(), StorageError> {
    if let Conn::Pg(c) = conn {
        let mut sql = String::new();
        for t in [
            "plans",
            "measures",
            "visits",
            "assistance",
            "fund_transfers",
            "ledger_entries",
        ] {
            sql.push_str(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT MAX(id) FROM {t}), 1));"
            ));
        }
        c.batch_execute(&sql)?;
    }
    Ok(())
}

macro_rules! bulk {
    ($name:ident, $row:ty, $table:path, $per:expr) => {
        /// Inserts the rows in batches.
        pub fn $name(conn: &mut Conn, rows: &[$row]) -> Result<(), StorageError> {
            for chunk in rows.chunks($per) {
                run!(conn, c => diesel::insert_into($table).values(chunk).execute(c))?;
            }
            Ok(())
        }
    };
}

bulk!(insert_plans, PlanRow, plans::table, 1000);
bulk!(insert_measures, MeasureRow, measures::table, 1000);
bulk!(insert_visits, VisitRow, visits::table, 1000);
bulk!(insert_assistance, AssistanceRow, assistance::table, 800);
bulk!(insert_transfers, TransferRow, fund_transfers::table, 1500);
bulk!(insert_entries, EntryRow, ledger_entries::table, 4000);
bulk!(insert_pairings, PairingRow, pairings::table, 2000);

/// A household as a generator needs it.
#[derive(Debug, Clone, Queryable)]
pub struct SeedHousehold {
    pub id: i64,
    pub union_id: i64,
    pub union_path: String,
    pub division_code: String,
    pub filed_on: NaiveDate,
    pub status: String,
    pub size: i32,
}

/// The unions that hold households with ids above `after`, with how many, by union id.
pub fn household_unions(
    conn: &mut Conn,
    after: i64,
) -> Result<Vec<(i64, String, i64)>, StorageError> {
    let rows: Vec<(i64, String, i64)> = run!(conn, c => households::table
        .filter(households::id.gt(after))
        .group_by((households::union_id, households::union_path))
        .select((households::union_id, households::union_path, diesel::dsl::count_star()))
        .order(households::union_id)
        .load(c))?;
    Ok(rows)
}

/// The households of some unions with ids above `after`, by union then id.
pub fn households_of(
    conn: &mut Conn,
    union_ids: &[i64],
    after: i64,
) -> Result<Vec<SeedHousehold>, StorageError> {
    let rows: Vec<SeedHousehold> = run!(conn, c => households::table
        .filter(households::union_id.eq_any(union_ids))
        .filter(households::id.gt(after))
        .select((
            households::id,
            households::union_id,
            households::union_path,
            households::division_code,
            households::filed_on,
            households::status,
            households::size,
        ))
        .order((households::union_id, households::id))
        .load(c))?;
    Ok(rows)
}

/// The highest household id with any assistance record (0 if none): a
/// generator gives records to the households filed after it.
pub fn last_assisted_household(conn: &mut Conn) -> Result<i64, StorageError> {
    let n: Option<i64> = run!(conn, c => assistance::table
        .select(diesel::dsl::max(assistance::household_id))
        .first(c))?;
    Ok(n.unwrap_or(0))
}

/// Sets the pairing unit and responsible person of a union's households.
pub fn pair_union(
    conn: &mut Conn,
    union_id: i64,
    pairing_union: i64,
    responsible: i64,
) -> Result<usize, StorageError> {
    let n = run!(conn, c => diesel::update(households::table.filter(households::union_id.eq(union_id)))
        .set((
            households::pairing_union_id.eq(Some(pairing_union)),
            households::responsible_id.eq(Some(responsible)),
        ))
        .execute(c))?;
    Ok(n)
}

/// Sets one household's last visit date.
pub fn set_last_visit(
    conn: &mut Conn,
    household_id: i64,
    on: NaiveDate,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set(households::last_visit_on.eq(Some(on)))
        .execute(c))?;
    Ok(())
}

/// Tests only: sets a file's filing date.
#[doc(hidden)]
pub fn set_filed_on(conn: &mut Conn, household_id: i64, on: NaiveDate) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set(households::filed_on.eq(on))
        .execute(c))?;
    crate::spans::sync(conn, household_id, on)?;
    Ok(())
}

/// Tests only: closes a file as of `at` (the fund audit reads a closed
/// file's `updated_at` as its closing date).
#[doc(hidden)]
pub fn close_household(
    conn: &mut Conn,
    household_id: i64,
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set((households::status.eq("closed"), households::updated_at.eq(at)))
        .execute(c))?;
    crate::spans::sync(conn, household_id, bangfu_domain::china_date(at))?;
    Ok(())
}
