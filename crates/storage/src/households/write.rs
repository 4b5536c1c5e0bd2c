//! Filing and saving a file, and recording what happens to it: decisions,
//! status, readiness, relapse and reopening.

use super::{set_open_persons, Derived};
use crate::db::{run, Conn};
use crate::query::{insert_returning_id, update_at_version};
use crate::schema::{file_no_counters, households};
use crate::StorageError;
use bangfu_domain::household::{Cohort, Decision, HouseholdData, HouseholdId, Status};
use bangfu_domain::{UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// Draws the next number of a file-number counter (one per region and year).
pub fn next_seq(conn: &mut Conn, prefix: &str) -> Result<i64, StorageError> {
    Ok(run!(conn, c => diesel::insert_into(file_no_counters::table)
        .values((file_no_counters::prefix.eq(prefix), file_no_counters::last.eq(1_i64)))
        .on_conflict(file_no_counters::prefix)
        .do_update()
        .set(file_no_counters::last.eq(file_no_counters::last + 1_i64))
        .returning(file_no_counters::last)
        .get_result(c))?)
}

/// The entered values kept sealed at rest, sealed, and the blind index of
/// the worker's ID number.
pub(crate) struct SealedEntry {
    worker_id_number: String,
    worker_id_index: String,
    phone: String,
    address: String,
    health: String,
    notes: String,
}

pub(crate) fn seal_entry(conn: &Conn, d: &HouseholdData) -> Result<SealedEntry, StorageError> {
    use super::sealed;
    Ok(SealedEntry {
        worker_id_number: conn.seal(sealed::WORKER_ID_NUMBER, d.worker_id_number.as_str())?,
        worker_id_index: conn.index(d.worker_id_number.as_str())?,
        phone: conn.seal(sealed::PHONE, &d.phone)?,
        address: conn.seal(sealed::ADDRESS, &d.address)?,
        health: conn.seal(
            sealed::HEALTH,
            &sealed::health_text(d.health.code(), d.disability_grade),
        )?,
        notes: conn.seal(sealed::NOTES, &d.notes)?,
    })
}

/// The columns of the entered data, as `column.eq(value)` tuples: the same
/// for a new file and a saved one. `$s` is its [`SealedEntry`].
macro_rules! entered {
    ($d:expr, $s:expr) => {
        (
            (
                households::worker_name.eq(&$d.worker_name),
                households::worker_id_number.eq(&$s.worker_id_number),
                households::worker_sex.eq($d.worker_id_number.sex().code()),
                households::worker_birth_date.eq($d.worker_id_number.birth_date()),
                households::phone.eq(&$s.phone),
                households::address.eq(&$s.address),
                households::division_code.eq(&$d.division_code),
                households::employer.eq(&$d.employer),
                households::employer_kind.eq($d.employer_kind.code()),
                households::employment.eq($d.employment.code()),
                households::labour_capacity.eq($d.labour_capacity.code()),
                households::health.eq(&$s.health),
                households::disability_grade.eq(None::<i32>),
            ),
            (
                households::migrant.eq($d.migrant),
                households::zero_employment.eq($d.zero_employment),
                households::closure_laid_off.eq($d.closure_laid_off),
                households::trade_friction.eq($d.trade_friction),
                households::causes.eq($d.causes.stored()),
                households::category.eq($d.category.code()),
                households::tier.eq($d.tier.code()),
                households::filed_on.eq($d.filed_on),
                households::dibao_since.eq($d.dibao_since.map(|m| m.to_string())),
                households::other_relief_since.eq($d.other_relief_since.map(|m| m.to_string())),
                households::notes.eq(&$s.notes),
                households::worker_id_index.eq(Some(&$s.worker_id_index)),
            ),
        )
    };
}

/// The columns the system derives from the entered data, decided at `$now`.
macro_rules! derived {
    ($derived:expr, $now:expr) => {
        (
            households::cohort.eq($derived.cohort.code()),
            households::size.eq($derived.size),
            households::decision.eq($derived.decision.code()),
            households::decision_condition.eq($derived.decision_condition),
            households::decided_at.eq(Some($now)),
        )
    };
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &mut Conn,
    union_id: UnionId,
    union_path: &UnionPath,
    file_no: &str,
    data: &HouseholdData,
    derived: &Derived,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<HouseholdId, StorageError> {
    let d = data;
    let s = seal_entry(conn, d)?;
    let id = insert_returning_id!(
        conn,
        households,
        (
            (
                households::union_id.eq(union_id.0),
                households::union_path.eq(union_path.as_str()),
                households::file_no.eq(file_no),
                households::status.eq(Status::OnFile.code()),
            ),
            entered!(d, s),
            derived!(derived, now),
            (
                households::version.eq(1_i64),
                households::created_by.eq(by),
                households::created_at.eq(now),
                households::updated_at.eq(now),
                households::updated_by.eq(by),
            ),
        )
    )?;
    crate::spans::open_new(
        conn,
        id,
        union_id.0,
        union_path.as_str(),
        d.tier.code(),
        d.category.code(),
        derived.cohort.code(),
        derived.size,
        d.filed_on,
    )?;
    super::set_name_grams(conn, HouseholdId(id), &d.worker_name)?;
    Ok(HouseholdId(id))
}

/// Saves the entered data if the file is still at `version`, as changed by
/// `by`; returns false when someone else saved first (nothing is written then).
pub fn update(
    conn: &mut Conn,
    id: HouseholdId,
    version: i64,
    data: &HouseholdData,
    derived: &Derived,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let s = seal_entry(conn, data)?;
    let saved = update_at_version!(
        conn,
        households,
        id.0,
        version,
        (
            entered!(data, s),
            derived!(derived, now),
            households::updated_at.eq(now),
            households::updated_by.eq(by),
        )
    )?;
    if saved {
        super::set_name_grams(conn, id, &data.worker_name)?;
        super::reporting::reset_if_tier_changed(conn, id, data.tier)?;
        crate::spans::sync(conn, id.0, bangfu_domain::china_date(now))?;
    }
    Ok(saved)
}

/// Bumps the version of a file whose incomes `by` changed (and records the
/// new decision); false when someone else saved first.
pub fn touch(
    conn: &mut Conn,
    id: HouseholdId,
    version: i64,
    decision: Decision,
    condition: Option<i32>,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    update_at_version!(
        conn,
        households,
        id.0,
        version,
        (
            households::decision.eq(decision.code()),
            households::decision_condition.eq(condition),
            households::decided_at.eq(Some(now)),
            households::updated_at.eq(now),
            households::updated_by.eq(by),
        )
    )
}

/// Records a new decision and cohort without touching the version (a re-run
/// after the lines or the cut-off changed is not an edit of the file).
pub fn set_decision(
    conn: &mut Conn,
    id: HouseholdId,
    decision: Decision,
    condition: Option<i32>,
    cohort: Cohort,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::cohort.eq(cohort.code()),
            households::decision.eq(decision.code()),
            households::decision_condition.eq(condition),
            households::decided_at.eq(Some(now)),
        ))
        .execute(c))?;
    crate::spans::sync(conn, id.0, bangfu_domain::china_date(now))?;
    Ok(())
}

/// Takes a file off the file, or puts it back, as an approved decision says:
/// sets its status, the day it left and the follow-up, releases its people
/// from `open_persons` when it leaves (putting it back must claim them again
/// with [`set_open_persons`]), and closes or reopens its span — all in the
/// caller's transaction. `on` is the decision's day; `by` who approved it.
pub fn set_status(
    conn: &mut Conn,
    id: HouseholdId,
    status: Status,
    on: NaiveDate,
    follow_until: Option<NaiveDate>,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let left_on = (status != Status::OnFile).then_some(on);
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::status.eq(status.code()),
            households::left_on.eq(left_on),
            households::follow_until.eq(follow_until),
            households::ready_pathway.eq(None::<String>),
            households::relief_ready.eq(false),
            households::version.eq(households::version + 1_i64),
            households::updated_at.eq(now),
            households::updated_by.eq(by),
        ))
        .execute(c))?;
    if status != Status::OnFile {
        set_open_persons(conn, id, &[])?;
    }
    crate::spans::sync(conn, id.0, on)?;
    Ok(())
}

/// Records (or clears) the monthly run's findings on a file: the suggested
/// pathway when the exit standard is met, whether relief is met. Not an edit
/// of the file: the version stays.
pub fn set_readiness(
    conn: &mut Conn,
    id: HouseholdId,
    ready_pathway: Option<&str>,
    relief_ready: bool,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::ready_pathway.eq(ready_pathway),
            households::relief_ready.eq(relief_ready),
        ))
        .execute(c))?;
    Ok(())
}

/// Flags (or clears) a relapse (返困) on an exited file.
pub fn set_relapse(
    conn: &mut Conn,
    id: HouseholdId,
    relapse: Option<(NaiveDate, &str)>,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::relapse_on.eq(relapse.map(|r| r.0)),
            households::relapse_reason.eq(relapse.map(|r| r.1)),
        ))
        .execute(c))?;
    Ok(())
}

/// Links a reopened file to the exited file it continues.
pub fn link_reopened(
    conn: &mut Conn,
    old: HouseholdId,
    new: HouseholdId,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(new.0)))
        .set(households::previous_id.eq(Some(old.0)))
        .execute(c))?;
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(old.0)))
        .set(households::reopened_id.eq(Some(new.0)))
        .execute(c))?;
    Ok(())
}
