//! Retention (PIPL art. 19, 47): the personal data of files that left the
//! programme long enough ago is anonymised in place. Figures stay: the
//! file's status, dates, category, tier, causes, incomes, decisions and
//! assistance keep counting in every statistic; who the person was does
//! not survive. A birth date keeps its year, so age groups still add up.
//!
//! Irreversible by design, so it touches only files out of the programme:
//! exited (and past their follow-up), removed or closed.

use crate::db::{run, Conn};
use crate::schema::{
    application_files, application_steps, applications, assistance, campaign_clearances,
    campaign_tasks, exit_steps, exits, households, measures, members, open_persons, pairings,
    plans, verification_findings, visit_photos, visits,
};
use crate::{Scope, StorageError};
use bangfu_domain::household::Status;
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

/// What an anonymised name reads as.
pub const ANONYMOUS: &str = "（已匿名）";

/// A file due for anonymisation: its id and its union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    pub union_id: i64,
    pub union_path: String,
}

/// Files in `scope`, after id `after`, that left the programme on or before
/// `left_by` (closed files without a leaving date: last changed by then),
/// whose follow-up has ended by `today`, and that are not anonymised yet.
pub fn due(
    conn: &mut Conn,
    scope: &Scope,
    left_by: NaiveDate,
    today: NaiveDate,
    after: i64,
    limit: i64,
) -> Result<Vec<Due>, StorageError> {
    let out_of_programme = [
        Status::Exited.code(),
        Status::Removed.code(),
        Status::Closed.code(),
    ];
    let changed_by = left_by
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let rows: Vec<(i64, i64, String)> = run!(conn, c => households::table
        .filter(households::id.gt(after))
        .filter(households::union_path.ge(scope.start()))
        .filter(households::union_path.lt(scope.end()))
        .filter(households::status.eq_any(out_of_programme))
        .filter(households::anonymised_on.is_null())
        .filter(
            households::left_on
                .le(left_by)
                .or(households::left_on.is_null().and(households::updated_at.lt(changed_by))),
        )
        .filter(
            households::follow_until
                .is_null()
                .or(households::follow_until.lt(today)),
        )
        .order(households::id.asc())
        .limit(limit)
        .select((households::id, households::union_id, households::union_path))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(id, union_id, union_path)| Due {
            id,
            union_id,
            union_path,
        })
        .collect())
}

/// The first day of a birth date's year: enough for age groups, not for
/// telling a person.
fn year_only(d: Option<NaiveDate>) -> Option<NaiveDate> {
    d.and_then(|d| NaiveDate::from_ymd_opt(d.year(), 1, 1))
}

/// Anonymises one file: the worker's name, ID number, phone, address,
/// employer and notes; its members' names and ID numbers; the applications
/// it came from (their stored form and supporting documents). Returns
/// whether it did (false when it was already anonymised).
pub fn anonymise(conn: &mut Conn, id: i64, today: NaiveDate) -> Result<bool, StorageError> {
    let birth: Option<Option<NaiveDate>> = run!(conn, c => households::table
        .filter(households::id.eq(id))
        .filter(households::anonymised_on.is_null())
        .select(households::worker_birth_date)
        .first(c)
        .optional())?;
    let Some(birth) = birth else {
        return Ok(false);
    };
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id)))
        .set((
            households::worker_name.eq(ANONYMOUS),
            households::worker_id_number.eq(""),
            households::worker_id_index.eq(None::<String>),
            households::worker_birth_date.eq(year_only(birth)),
            households::phone.eq(""),
            households::address.eq(""),
            households::employer.eq(""),
            households::notes.eq(""),
            households::relapse_reason.eq(None::<String>),
            households::report_reason.eq(None::<String>),
            households::anonymised_on.eq(Some(today)),
        ))
        .execute(c))?;
    let people: Vec<(i64, Option<NaiveDate>)> = run!(conn, c => members::table
        .filter(members::household_id.eq(id))
        .select((members::id, members::birth_date))
        .load(c))?;
    for (member, birth) in people {
        run!(conn, c => diesel::update(members::table.filter(members::id.eq(member)))
            .set((
                members::name.eq(ANONYMOUS),
                members::id_number.eq(None::<String>),
                members::id_index.eq(None::<String>),
                members::birth_date.eq(year_only(birth)),
            ))
            .execute(c))?;
    }
    let apps: Vec<i64> = run!(conn, c => applications::table
        .filter(applications::household_id.eq(id))
        .select(applications::id)
        .load(c))?;
    if !apps.is_empty() {
        run!(conn, c => diesel::delete(
            application_files::table.filter(application_files::application_id.eq_any(&apps)),
        )
        .execute(c))?;
        run!(conn, c => diesel::update(
            application_steps::table.filter(application_steps::application_id.eq_any(&apps)),
        )
        .set(application_steps::detail_json.eq("{}"))
        .execute(c))?;
        run!(conn, c => diesel::update(applications::table.filter(applications::id.eq_any(&apps)))
            .set((
                applications::worker_name.eq(ANONYMOUS),
                applications::worker_id_number.eq(""),
                applications::worker_id_index.eq(None::<String>),
                applications::phone.eq(""),
                applications::data_json.eq(ANONYMISED_APPLICATION),
            ))
            .execute(c))?;
    }
    // What officers wrote about the family, and what departments said of
    // its people: the dates, kinds and amounts stay, the words and the
    // photos of the home do not.
    run!(conn, c => diesel::delete(visit_photos::table.filter(
        visit_photos::visit_id.eq_any(
            visits::table
                .filter(visits::household_id.eq(id))
                .select(visits::id),
        ),
    ))
    .execute(c))?;
    run!(conn, c => diesel::update(visits::table.filter(visits::household_id.eq(id)))
        .set((
            visits::met.eq(""),
            visits::looked.eq(""),
            visits::asked.eq(""),
            visits::explained.eq(""),
            visits::findings.eq(""),
            visits::needs.eq(""),
        ))
        .execute(c))?;
    run!(conn, c => diesel::update(pairings::table.filter(pairings::household_id.eq(id)))
        .set(pairings::note.eq(""))
        .execute(c))?;
    run!(conn, c => diesel::update(campaign_clearances::table.filter(
        campaign_clearances::task_id.eq_any(
            campaign_tasks::table
                .filter(campaign_tasks::household_id.eq(id))
                .select(campaign_tasks::id),
        ),
    ))
    .set(campaign_clearances::note.eq(""))
    .execute(c))?;
    run!(conn, c => diesel::update(campaign_tasks::table.filter(campaign_tasks::household_id.eq(id)))
        .set(campaign_tasks::note.eq(""))
        .execute(c))?;
    run!(conn, c => diesel::update(plans::table.filter(plans::household_id.eq(id)))
        .set(plans::summary.eq(""))
        .execute(c))?;
    run!(conn, c => diesel::update(measures::table.filter(measures::household_id.eq(id)))
        .set(measures::content.eq(""))
        .execute(c))?;
    run!(conn, c => diesel::update(assistance::table.filter(assistance::household_id.eq(id)))
        .set(assistance::note.eq(""))
        .execute(c))?;
    run!(conn, c => diesel::update(
        crate::schema::matches::table.filter(crate::schema::matches::household_id.eq(id)),
    )
    .set((
        crate::schema::matches::person.eq(""),
        crate::schema::matches::reason.eq(""),
        crate::schema::matches::note.eq(""),
    ))
    .execute(c))?;
    let decisions: Vec<i64> = run!(conn, c => exits::table
        .filter(exits::household_id.eq(id))
        .select(exits::id)
        .load(c))?;
    run!(conn, c => diesel::update(exits::table.filter(exits::household_id.eq(id)))
        .set(exits::note.eq(""))
        .execute(c))?;
    if !decisions.is_empty() {
        run!(conn, c => diesel::update(exit_steps::table.filter(exit_steps::exit_id.eq_any(&decisions)))
            .set(exit_steps::note.eq(""))
            .execute(c))?;
    }
    run!(conn, c => diesel::update(
        verification_findings::table.filter(verification_findings::household_id.eq(id)),
    )
    .set((
        verification_findings::person_name.eq(ANONYMOUS),
        verification_findings::facts.eq("{}"),
        verification_findings::dataset_says.eq(""),
        verification_findings::file_says.eq(""),
        verification_findings::note.eq(""),
    ))
    .execute(c))?;
    run!(conn, c => diesel::delete(open_persons::table.filter(open_persons::household_id.eq(id)))
        .execute(c))?;
    crate::households::set_name_grams(conn, bangfu_domain::household::HouseholdId(id), ANONYMOUS)?;
    Ok(true)
}

/// What an anonymised application's stored form becomes.
pub const ANONYMISED_APPLICATION: &str = r#"{"anonymised":true}"#;
