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

use crate::db::{run, Conn, Raw};
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
    if let Raw::Pg(c) = &mut conn.raw {
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
    // Rows with columns sealed at rest: `$seal` seals a copy of each.
    ($name:ident, $row:ty, $table:path, $per:expr, $seal:expr) => {
        /// Inserts the rows in batches, their sealed columns sealed.
        pub fn $name(conn: &mut Conn, rows: &[$row]) -> Result<(), StorageError> {
            for chunk in rows.chunks($per) {
                let mut sealed = chunk.to_vec();
                for r in &mut sealed {
                    let seal: fn(&Conn, &mut $row) -> Result<(), StorageError> = $seal;
                    seal(conn, r)?;
                }
                run!(conn, c => diesel::insert_into($table).values(&sealed).execute(c))?;
            }
            Ok(())
        }
    };
}

/// Seals `*v` in place for `column`.
fn seal_in(conn: &Conn, column: &str, v: &mut String) -> Result<(), StorageError> {
    *v = conn.seal(column, v)?;
    Ok(())
}

bulk!(insert_plans, PlanRow, plans::table, 1000, |c, r| {
    seal_in(c, crate::plans::SUMMARY, &mut r.summary)
});
bulk!(
    insert_measures,
    MeasureRow,
    measures::table,
    1000,
    |c, r| { seal_in(c, crate::plans::CONTENT, &mut r.content) }
);
bulk!(insert_visits, VisitRow, visits::table, 1000, |c, r| {
    seal_in(c, &crate::visits::sealed("met"), &mut r.met)?;
    seal_in(c, &crate::visits::sealed("looked"), &mut r.looked)?;
    seal_in(c, &crate::visits::sealed("asked"), &mut r.asked)?;
    seal_in(c, &crate::visits::sealed("explained"), &mut r.explained)?;
    seal_in(c, &crate::visits::sealed("findings"), &mut r.findings)?;
    seal_in(c, &crate::visits::sealed("needs"), &mut r.needs)
});
bulk!(
    insert_assistance,
    AssistanceRow,
    assistance::table,
    800,
    |c, r| { seal_in(c, crate::assistance::NOTE, &mut r.note) }
);
bulk!(insert_transfers, TransferRow, fund_transfers::table, 1500);
bulk!(insert_entries, EntryRow, ledger_entries::table, 4000);
bulk!(
    insert_pairings,
    PairingRow,
    pairings::table,
    2000,
    |c, r| { seal_in(c, crate::plans::PAIRING_NOTE, &mut r.note) }
);

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

/// Copies the day each current pairing began onto its file (`paired_on`),
/// for pairings inserted with [`insert_pairings`]: the files of each day.
pub fn set_paired_on(
    conn: &mut Conn,
    by_day: &std::collections::BTreeMap<NaiveDate, Vec<i64>>,
) -> Result<(), StorageError> {
    for (day, ids) in by_day {
        for chunk in ids.chunks(2000) {
            run!(conn, c => diesel::update(households::table.filter(households::id.eq_any(chunk)))
                .set(households::paired_on.eq(Some(*day)))
                .execute(c))?;
        }
    }
    Ok(())
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

// ---------------------------------------------------------------------------
// Leaving the file (issue 5): generated decisions, their steps, the spans
// they close and open, and yearly targets.
// ---------------------------------------------------------------------------

/// An approved decision as the generator writes it (explicit id, so a
/// revocation and the steps can point at it).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::exits)]
pub struct ExitRow {
    pub id: i64,
    pub household_id: i64,
    pub union_id: i64,
    pub union_path: String,
    pub kind: String,
    pub pathway: Option<String>,
    pub reason: Option<String>,
    pub note: String,
    pub evidence: String,
    pub cohort: String,
    pub status: String,
    pub notice_from: Option<NaiveDate>,
    pub notice_until: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub revokes_id: Option<i64>,
    pub revoked_by_id: Option<i64>,
    pub evaluation_json: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::exit_steps)]
pub struct ExitStepRow {
    pub exit_id: i64,
    pub step: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: NaiveDateTime,
    pub note: String,
}

/// A stretch on file the generator opens itself (a file back on file after
/// its exit was revoked). Everything else goes through `spans::sync`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::file_spans)]
pub struct SpanRow {
    pub household_id: i64,
    pub union_id: i64,
    pub union_path: String,
    pub tier: String,
    pub category: String,
    pub cohort: String,
    pub persons: i32,
    pub from_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crate::schema::targets)]
pub struct TargetRow {
    pub union_id: i64,
    pub year: i32,
    pub share_bp: i32,
    pub set_by: Option<i64>,
    pub set_at: NaiveDateTime,
}

bulk!(
    insert_exits,
    ExitRow,
    crate::schema::exits::table,
    1000,
    |c, r| { seal_in(c, crate::exits::NOTE, &mut r.note) }
);
bulk!(
    insert_exit_steps,
    ExitStepRow,
    crate::schema::exit_steps::table,
    2000,
    |c, r| seal_in(c, crate::exits::STEP_NOTE, &mut r.note)
);
bulk!(
    insert_spans,
    SpanRow,
    crate::schema::file_spans::table,
    2000
);

/// Sets targets that are not set yet (a union's own row for a year wins).
pub fn insert_targets(conn: &mut Conn, rows: &[TargetRow]) -> Result<usize, StorageError> {
    let mut n = 0;
    for row in rows {
        n += run!(conn, c => diesel::insert_into(crate::schema::targets::table)
            .values(row)
            .on_conflict((crate::schema::targets::union_id, crate::schema::targets::year))
            .do_nothing()
            .execute(c))?;
    }
    Ok(n)
}

/// The next free decision id (max + 1). Call inside the transaction that inserts.
pub fn next_exit_id(conn: &mut Conn) -> Result<i64, StorageError> {
    use crate::schema::exits;
    let n: Option<i64> =
        run!(conn, c => exits::table.select(diesel::dsl::max(exits::id)).first(c))?;
    Ok(n.unwrap_or(0) + 1)
}

/// Moves PostgreSQL's identity sequence of `exits` past the explicit ids
/// (no-op on SQLite).
pub fn sync_exit_sequence(conn: &mut Conn) -> Result<(), StorageError> {
    if let Raw::Pg(c) = &mut conn.raw {
        c.batch_execute(
            "SELECT setval(pg_get_serial_sequence('exits', 'id'), GREATEST((SELECT MAX(id) FROM exits), 1));",
        )?;
    }
    Ok(())
}

/// Marks a decision revoked by a later one.
pub fn set_revoked_by(conn: &mut Conn, exit_id: i64, by: i64) -> Result<(), StorageError> {
    use crate::schema::exits;
    run!(conn, c => diesel::update(exits::table.filter(exits::id.eq(exit_id)))
        .set(exits::revoked_by_id.eq(Some(by)))
        .execute(c))?;
    Ok(())
}

/// The highest household id the decision generator has dealt with: the
/// last with a decision, or the last reopened file (0 if none).
pub fn last_decided_household(conn: &mut Conn) -> Result<i64, StorageError> {
    use crate::schema::exits;
    let e: Option<i64> =
        run!(conn, c => exits::table.select(diesel::dsl::max(exits::household_id)).first(c))?;
    let r: Option<i64> = run!(conn, c => households::table
        .filter(households::previous_id.is_not_null())
        .select(diesel::dsl::max(households::id))
        .first(c))?;
    Ok(e.unwrap_or(0).max(r.unwrap_or(0)))
}

/// A file on file as the decision generator reads it.
#[derive(Debug, Clone, Queryable)]
pub struct LeavingSeed {
    pub id: i64,
    pub union_id: i64,
    pub union_path: String,
    pub worker_id_number: String,
    pub filed_on: NaiveDate,
    pub cohort: String,
    pub health: String,
    pub category: String,
    pub tier: String,
    pub size: i32,
}

/// The original files on file (not reopened ones) of some unions with ids
/// above `after`, by id.
pub fn on_file_of(
    conn: &mut Conn,
    union_ids: &[i64],
    after: i64,
) -> Result<Vec<LeavingSeed>, StorageError> {
    let rows: Vec<LeavingSeed> = run!(conn, c => households::table
        .filter(households::union_id.eq_any(union_ids))
        .filter(households::id.gt(after))
        .filter(households::status.eq("on_file"))
        .filter(households::previous_id.is_null())
        .select((
            households::id,
            households::union_id,
            households::union_path,
            households::worker_id_number,
            households::filed_on,
            households::cohort,
            households::health,
            households::category,
            households::tier,
            households::size,
        ))
        .order(households::id)
        .load(c))?;
    rows.into_iter()
        .map(|mut r| {
            r.worker_id_number = conn.open(
                crate::households::sealed::WORKER_ID_NUMBER,
                &r.worker_id_number,
            )?;
            r.health = conn.open(crate::households::sealed::HEALTH, &r.health)?;
            Ok(r)
        })
        .collect()
}

/// A file leaving as of a past day, as the generator decides it.
#[derive(Debug, Clone)]
pub struct Left {
    pub household_id: i64,
    /// `exited`, `relieved` or `removed`.
    pub status: &'static str,
    pub left_on: NaiveDate,
    pub follow_until: Option<NaiveDate>,
    pub at: NaiveDateTime,
}

/// Takes files off the file as of past days: their status and dates, their
/// open span closed at the day they left, their people free for another
/// file — what `households::set_status` does today, dated in the past.
pub fn mark_left(conn: &mut Conn, rows: &[Left]) -> Result<(), StorageError> {
    use crate::schema::open_persons;
    // One statement per thousand files on PostgreSQL: a round trip per row
    // is what makes it slow here.
    if let Raw::Pg(c) = &mut conn.raw {
        for chunk in rows.chunks(1000) {
            mark_left_pg(c, chunk)?;
        }
    } else {
        {
            for l in rows {
                run!(conn, c => diesel::update(households::table.filter(households::id.eq(l.household_id)))
                    .set((
                        households::status.eq(l.status),
                        households::left_on.eq(Some(l.left_on)),
                        households::follow_until.eq(l.follow_until),
                        households::ready_pathway.eq(None::<String>),
                        households::relief_ready.eq(false),
                        households::version.eq(households::version + 1_i64),
                        households::updated_at.eq(l.at),
                    ))
                    .execute(c))?;
                close_span(conn, l.household_id, l.left_on)?;
            }
        }
    }
    let ids: Vec<i64> = rows.iter().map(|l| l.household_id).collect();
    for chunk in ids.chunks(1000) {
        run!(conn, c => diesel::delete(open_persons::table.filter(open_persons::household_id.eq_any(chunk)))
            .execute(c))?;
    }
    Ok(())
}

/// [`mark_left`] for a chunk on PostgreSQL: `UPDATE … FROM (VALUES …)`.
fn mark_left_pg(c: &mut diesel::pg::PgConnection, rows: &[Left]) -> Result<(), StorageError> {
    use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};
    if rows.is_empty() {
        return Ok(());
    }
    let values = |per: usize, types: &[&str]| {
        (0..rows.len())
            .map(|k| {
                let cols: Vec<String> = types
                    .iter()
                    .enumerate()
                    .map(|(j, t)| format!("${}::{t}", k * per + j + 1))
                    .collect();
                format!("({})", cols.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sql = format!(
        "UPDATE households AS h SET status = v.status, left_on = v.left_on, \
         follow_until = v.follow_until, ready_pathway = NULL, relief_ready = FALSE, \
         version = h.version + 1, updated_at = v.at \
         FROM (VALUES {}) AS v(id, status, left_on, follow_until, at) WHERE h.id = v.id",
        values(5, &["bigint", "text", "date", "date", "timestamp"])
    );
    let mut q = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
    for l in rows {
        q = q
            .bind::<BigInt, _>(l.household_id)
            .bind::<Text, _>(l.status)
            .bind::<Date, _>(l.left_on)
            .bind::<Nullable<Date>, _>(l.follow_until)
            .bind::<Timestamp, _>(l.at);
    }
    q.execute(c)?;
    let sql = format!(
        "UPDATE file_spans AS s SET until_on = v.until_on \
         FROM (VALUES {}) AS v(household_id, until_on) \
         WHERE s.household_id = v.household_id AND s.until_on IS NULL",
        values(2, &["bigint", "date"])
    );
    let mut q = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
    for l in rows {
        q = q
            .bind::<BigInt, _>(l.household_id)
            .bind::<Date, _>(l.left_on);
    }
    q.execute(c)?;
    Ok(())
}

/// Closes a file's open span at `on` (a past day after it opened).
pub fn close_span(conn: &mut Conn, household_id: i64, on: NaiveDate) -> Result<(), StorageError> {
    use crate::schema::file_spans;
    run!(conn, c => diesel::update(
        file_spans::table
            .filter(file_spans::household_id.eq(household_id))
            .filter(file_spans::until_on.is_null()),
    )
    .set(file_spans::until_on.eq(Some(on)))
    .execute(c))?;
    Ok(())
}

/// Bumps a file's version (a revoked decision changed it twice).
pub fn bump_version(conn: &mut Conn, household_id: i64, by: i64) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set(households::version.eq(households::version + by))
        .execute(c))?;
    Ok(())
}

/// When files left (`left_on`) by id, for those that did.
pub fn left_on_of(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, NaiveDate>, StorageError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(2000) {
        let rows: Vec<(i64, Option<NaiveDate>)> = run!(conn, c => households::table
            .filter(households::id.eq_any(chunk))
            .filter(households::left_on.is_not_null())
            .select((households::id, households::left_on))
            .load(c))?;
        out.extend(rows.into_iter().filter_map(|(i, d)| d.map(|d| (i, d))));
    }
    Ok(out)
}
