//! Test support: writes no endpoint makes, for tests that need history at
//! past dates (a decision three years ago, a payment dated last December)
//! or a check over the whole database. Compiled only with the
//! `test-support` feature, which the integration tests turn on from their
//! `[dev-dependencies]`: the release binary does not contain it.
//!
//! Real decisions go through the exits service; these write the rows
//! straight, with the file's status change and its spans, and check no rule.

use crate::db::{run, Conn, Raw};
use crate::schema::{
    assistance, exits, file_spans, fund_transfers, households, ledger_entries, stale_decisions,
};
use crate::StorageError;
use bangfu_domain::household::{HouseholdId, Status};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

fn household(conn: &mut Conn, id: i64) -> Result<(i64, String, String), StorageError> {
    run!(conn, c => households::table
        .filter(households::id.eq(id))
        .select((households::union_id, households::union_path, households::cohort))
        .first(c)
        .optional())?
    .ok_or_else(|| StorageError::Corrupt(format!("household {id} missing")))
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut Conn,
    household_id: i64,
    kind: &str,
    pathway: Option<&str>,
    reason: Option<&str>,
    on: NaiveDate,
    revokes: Option<i64>,
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    let (union_id, union_path, cohort) = household(conn, household_id)?;
    let note = conn.seal(crate::exits::NOTE, "测试")?;
    let id: i64 = run!(conn, c => diesel::insert_into(exits::table)
        .values((
            exits::household_id.eq(household_id),
            exits::union_id.eq(union_id),
            exits::union_path.eq(&union_path),
            exits::kind.eq(kind),
            exits::pathway.eq(pathway),
            exits::reason.eq(reason),
            exits::note.eq(&note),
            exits::evidence.eq(""),
            exits::cohort.eq(&cohort),
            exits::status.eq("approved"),
            exits::decided_on.eq(Some(on)),
            exits::revokes_id.eq(revokes),
            exits::evaluation_json.eq("{}"),
            exits::version.eq(1_i64),
            exits::created_at.eq(now),
            exits::updated_at.eq(now),
        ))
        .returning(exits::id)
        .get_result(c))?;
    Ok(id)
}

/// An approved exit (`out`, with a pathway), relief or removal (with a
/// reason) decided on `on`; the file leaves on that day.
pub fn decide(
    conn: &mut Conn,
    household_id: i64,
    kind: &str,
    pathway_or_reason: Option<&str>,
    on: NaiveDate,
) -> Result<i64, StorageError> {
    let now = chrono::Utc::now().naive_utc();
    let (status, pathway, reason) = match kind {
        "out" => (Status::Exited, pathway_or_reason, None),
        "relief" => (Status::Relieved, None, None),
        _ => (Status::Removed, None, pathway_or_reason),
    };
    let id = insert(conn, household_id, kind, pathway, reason, on, None, now)?;
    crate::households::set_status(conn, HouseholdId(household_id), status, on, None, None, now)?;
    Ok(id)
}

/// An approved revocation of decision `exit_id` on `on`: the file is back
/// on file from that day.
pub fn revoke(conn: &mut Conn, exit_id: i64, on: NaiveDate) -> Result<i64, StorageError> {
    let now = chrono::Utc::now().naive_utc();
    let household_id: i64 = run!(conn, c => exits::table
        .filter(exits::id.eq(exit_id))
        .select(exits::household_id)
        .first(c))?;
    let id = insert(
        conn,
        household_id,
        "revoke",
        None,
        None,
        on,
        Some(exit_id),
        now,
    )?;
    run!(conn, c => diesel::update(exits::table.filter(exits::id.eq(exit_id)))
        .set(exits::revoked_by_id.eq(Some(id)))
        .execute(c))?;
    crate::households::set_status(
        conn,
        HouseholdId(household_id),
        Status::OnFile,
        on,
        None,
        None,
        now,
    )?;
    Ok(id)
}

/// Dates an assistance record (and its payment, if any) to `on`.
pub fn set_given_on(
    conn: &mut Conn,
    assistance_id: i64,
    on: NaiveDate,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(assistance::table.filter(assistance::id.eq(assistance_id)))
        .set(assistance::given_on.eq(on))
        .execute(c))?;
    run!(conn, c => diesel::update(
        fund_transfers::table
            .filter(fund_transfers::assistance_id.eq(assistance_id))
            .filter(fund_transfers::kind.eq("disbursement")),
    )
    .set(fund_transfers::on_date.eq(on))
    .execute(c))?;
    Ok(())
}

/// Dates the reversal of an assistance record's payment to `on`.
pub fn set_assistance_reversal_on(
    conn: &mut Conn,
    assistance_id: i64,
    on: NaiveDate,
) -> Result<(), StorageError> {
    let ids: Vec<i64> = run!(conn, c => fund_transfers::table
        .filter(fund_transfers::assistance_id.eq(assistance_id))
        .filter(fund_transfers::kind.eq("reversal"))
        .select(fund_transfers::id)
        .load(c))?;
    for id in ids {
        set_transfer_on(conn, id, on)?;
    }
    Ok(())
}

/// Dates a fund transfer (a receipt, a reversal) to `on`.
pub fn set_transfer_on(
    conn: &mut Conn,
    transfer_id: i64,
    on: NaiveDate,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(fund_transfers::table.filter(fund_transfers::id.eq(transfer_id)))
        .set(fund_transfers::on_date.eq(on))
        .execute(c))?;
    run!(conn, c => diesel::update(ledger_entries::table.filter(ledger_entries::transfer_id.eq(transfer_id)))
        .set(ledger_entries::on_date.eq(on))
        .execute(c))?;
    Ok(())
}

/// Closes a file as of `at` (it left on `at`'s China date).
pub fn close_household(
    conn: &mut Conn,
    household_id: i64,
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set((
            households::status.eq("closed"),
            households::left_on.eq(Some(bangfu_domain::china_date(at))),
            households::updated_at.eq(at),
        ))
        .execute(c))?;
    crate::spans::sync(conn, household_id, bangfu_domain::china_date(at))?;
    Ok(())
}

/// Puts a file as a database of an earlier version left it after the
/// migration that changed the rule: `decision` and `condition` stored (as
/// the earlier rule decided, spans untouched) and the file listed stale.
pub fn mark_decision_stale(
    conn: &mut Conn,
    household_id: i64,
    decision: &str,
    condition: Option<i32>,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set((
            households::decision.eq(decision),
            households::decision_condition.eq(condition),
        ))
        .execute(c))?;
    run!(conn, c => diesel::insert_into(stale_decisions::table)
        .values((
            stale_decisions::household_id.eq(household_id),
            stale_decisions::reason.eq("测试"),
        ))
        .execute(c))?;
    Ok(())
}

/// Dates the current pairing of a file to `on` (as if it began that day).
pub fn set_paired_on(
    conn: &mut Conn,
    household_id: i64,
    on: NaiveDate,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set(households::paired_on.eq(Some(on)))
        .execute(c))?;
    Ok(())
}

/// Dates the last change of a file to `at` (as if nobody touched it since).
pub fn set_updated_at(
    conn: &mut Conn,
    household_id: i64,
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(household_id)))
        .set(households::updated_at.eq(at))
        .execute(c))?;
    Ok(())
}

/// How many files are still listed stale.
pub fn stale_count(conn: &mut Conn) -> Result<i64, StorageError> {
    Ok(run!(conn, c => stale_decisions::table.count().get_result(c))?)
}

/// How many jobs of `kind` there are (started, running or ended).
pub fn job_count(conn: &mut Conn, kind: &str) -> Result<i64, StorageError> {
    Ok(run!(conn, c => crate::schema::jobs::table
        .filter(crate::schema::jobs::kind.eq(kind))
        .count()
        .get_result(c))?)
}

/// The figures of the identity "on file at D = filings − decisions + revocations
/// + reopenings" as of the end of day `d`, over the whole database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnFileLedger {
    /// Spans covering `d`.
    pub on_file: i64,
    /// Original files (not reopened) filed on or before `d`.
    pub filings: i64,
    /// Approved exits, reliefs and removals decided on or before `d`.
    pub decisions: i64,
    /// Approved revocations decided on or before `d`.
    pub revocations: i64,
    /// Reopened files filed on or before `d`.
    pub reopenings: i64,
}

/// Counts [`OnFileLedger`] at `d` (the generator's history must keep the identity).
pub fn on_file_ledger(conn: &mut Conn, d: NaiveDate) -> Result<OnFileLedger, StorageError> {
    let (on_file, filings, decisions, revocations, reopenings) = run!(conn, c => {
        let on_file: i64 = file_spans::table
            .filter(file_spans::from_on.le(d))
            .filter(file_spans::until_on.is_null().or(file_spans::until_on.gt(d)))
            .count()
            .get_result(c)?;
        let filings: i64 = households::table
            .filter(households::previous_id.is_null())
            .filter(households::filed_on.le(d))
            .count()
            .get_result(c)?;
        let decisions: i64 = exits::table
            .filter(exits::status.eq("approved"))
            .filter(exits::kind.ne("revoke"))
            .filter(exits::decided_on.le(d))
            .count()
            .get_result(c)?;
        let revocations: i64 = exits::table
            .filter(exits::status.eq("approved"))
            .filter(exits::kind.eq("revoke"))
            .filter(exits::decided_on.le(d))
            .count()
            .get_result(c)?;
        let reopenings: i64 = households::table
            .filter(households::previous_id.is_not_null())
            .filter(households::filed_on.le(d))
            .count()
            .get_result(c)?;
        Ok::<_, diesel::result::Error>((on_file, filings, decisions, revocations, reopenings))
    })?;
    Ok(OnFileLedger {
        on_file,
        filings,
        decisions,
        revocations,
        reopenings,
    })
}

/// Puts a file back as it was before the five filing levels: a file not
/// 全国级 is 地方级 (`local`), in `households` and in its `file_spans`.
pub fn set_tier_local(conn: &mut Conn, household_id: i64) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(
        households::table
            .filter(households::id.eq(household_id))
            .filter(households::tier.ne("national")),
    )
    .set(households::tier.eq("local"))
    .execute(c))?;
    run!(conn, c => diesel::update(
        file_spans::table
            .filter(file_spans::household_id.eq(household_id))
            .filter(file_spans::tier.ne("national")),
    )
    .set(file_spans::tier.eq("local"))
    .execute(c))?;
    Ok(())
}

/// Runs the data part of the migration `2026-12-11-000020_filing_levels`
/// again, as it ran on the files that were 地方级 then.
pub fn rerun_filing_levels(conn: &mut Conn) -> Result<(), StorageError> {
    use diesel::connection::SimpleConnection;
    match &mut conn.raw {
        Raw::Sqlite(c) => c.batch_execute(include_str!(
            "../migrations/sqlite/2026-12-11-000020_filing_levels/up.sql"
        ))?,
        Raw::Pg(c) => c.batch_execute(include_str!(
            "../migrations/postgres/2026-12-11-000020_filing_levels/up.sql"
        ))?,
    }
    Ok(())
}

/// The stored tier of a file and of each of its spans (oldest first).
pub fn tiers_of(conn: &mut Conn, household_id: i64) -> Result<(String, Vec<String>), StorageError> {
    let h: String = run!(conn, c => households::table
        .filter(households::id.eq(household_id))
        .select(households::tier)
        .first(c))?;
    let spans: Vec<String> = run!(conn, c => file_spans::table
        .filter(file_spans::household_id.eq(household_id))
        .order(file_spans::id.asc())
        .select(file_spans::tier)
        .load(c))?;
    Ok((h, spans))
}

/// Moves a campaign's deadline (to put it in the past, which the service
/// refuses to start with).
pub fn set_campaign_deadline(
    conn: &mut Conn,
    campaign_id: i64,
    deadline: chrono::NaiveDate,
) -> Result<(), StorageError> {
    use crate::schema::campaigns;
    run!(conn, c => diesel::update(campaigns::table.filter(campaigns::id.eq(campaign_id)))
        .set(campaigns::deadline.eq(deadline))
        .execute(c))?;
    Ok(())
}

/// Changes the actor name of the audit entry at chain position `seq`
/// behind the application's back, as someone holding the database owner's
/// password could: the append-only guard is switched off for the change
/// and back on after it. Returns the entry's id.
pub fn tamper_audit_entry(conn: &mut Conn, seq: i64, actor: &str) -> Result<i64, StorageError> {
    use crate::schema::audit_log as a;
    use diesel::connection::SimpleConnection;
    let id: i64 = run!(conn, c => a::table
        .filter(a::chain_seq.eq(seq))
        .select(a::id)
        .first(c))?;
    let set = format!(
        "UPDATE audit_log SET actor_username = '{}' WHERE id = {id}",
        actor.replace('\'', "''")
    );
    match &mut conn.raw {
        Raw::Sqlite(c) => {
            let guard: String = diesel::dsl::sql::<diesel::sql_types::Text>(
                "SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'",
            )
            .get_result(&mut **c)?;
            c.batch_execute(&format!(
                "DROP TRIGGER audit_log_no_update; {set}; {guard};"
            ))?;
        }
        Raw::Pg(c) => c.batch_execute(&format!(
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; {set}; \
             ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;"
        ))?,
    }
    Ok(id)
}

/// Tries to delete an audit entry: the log's guard triggers must refuse it
/// (a test checks they are back after a restore set them aside).
pub fn delete_audit_entry(conn: &mut Conn, id: i64) -> Result<usize, StorageError> {
    use crate::schema::audit_log;
    Ok(run!(conn, c => diesel::delete(audit_log::table.filter(audit_log::id.eq(id))).execute(c))?)
}

/// Runs raw SQL as someone with the database's password would type it
/// (tests that tamper behind the application's back).
pub fn raw_sql(conn: &mut Conn, sql: &str) -> Result<usize, diesel::result::Error> {
    run!(conn, c => diesel::sql_query(sql).execute(c))
}

/// The `id` column of a raw query's rows.
pub fn raw_ids(conn: &mut Conn, sql: &str) -> Result<Vec<i64>, diesel::result::Error> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let rows: Vec<Id> = run!(conn, c => diesel::sql_query(sql).load(c))?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
