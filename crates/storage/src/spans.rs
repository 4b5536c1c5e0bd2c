//! The stretches of time a file was on file (`file_spans`), kept in step
//! with the household row by [`sync`] — the one function every write that
//! changes a file's status, union, tier, category or size goes through.
//!
//! Why: the province panel must give the same figures for a past date no
//! matter what is recorded later (issue 5). A span is closed at the day of a
//! change and a new one opened, so rows covering past days are never
//! rewritten; "on file at D" is `from_on <= D < until_on`.

use crate::db::{run, Conn};
use crate::error::StorageError;
use crate::schema::{file_spans, households};
use bangfu_domain::household::Status;
use chrono::NaiveDate;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable)]
struct Current {
    union_id: i64,
    union_path: String,
    tier: String,
    category: String,
    cohort: String,
    size: i32,
    status: String,
    filed_on: NaiveDate,
}

/// Where a span counts a file, as `column.eq(value)`: the same for a span
/// opened and one corrected in place.
macro_rules! span_columns {
    ($cur:expr) => {
        (
            file_spans::union_id.eq($cur.union_id),
            file_spans::union_path.eq(&$cur.union_path),
            file_spans::tier.eq(&$cur.tier),
            file_spans::category.eq(&$cur.category),
            file_spans::cohort.eq(&$cur.cohort),
            file_spans::persons.eq($cur.size),
        )
    };
}

#[derive(Debug, Clone, Queryable)]
struct Open {
    id: i64,
    union_id: i64,
    union_path: String,
    tier: String,
    category: String,
    cohort: String,
    persons: i32,
    from_on: NaiveDate,
}

/// Brings the spans of one file in line with its row, as of `on` (today, a
/// China date): opens a span when the file is on file and has none, closes
/// it at `on` when the file left, and when the counted attributes changed
/// closes it and opens a new one from `on`. A span that opened on `on`
/// itself is corrected in place instead (no empty spans). A file's first
/// span starts at its filing date, which may lie in the past (imported
/// history).
pub fn sync(conn: &mut Conn, household_id: i64, on: NaiveDate) -> Result<(), StorageError> {
    let cur: Option<Current> = run!(conn, c => households::table
        .filter(households::id.eq(household_id))
        .select((
            households::union_id,
            households::union_path,
            households::tier,
            households::category,
            households::cohort,
            households::size,
            households::status,
            households::filed_on,
        ))
        .first(c)
        .optional())?;
    let Some(cur) = cur else {
        return Ok(());
    };
    let open: Option<Open> = run!(conn, c => file_spans::table
        .filter(file_spans::household_id.eq(household_id))
        .filter(file_spans::until_on.is_null())
        .select((
            file_spans::id,
            file_spans::union_id,
            file_spans::union_path,
            file_spans::tier,
            file_spans::category,
            file_spans::cohort,
            file_spans::persons,
            file_spans::from_on,
        ))
        .first(c)
        .optional())?;
    let on_file = cur.status == Status::OnFile.code();
    match (on_file, open) {
        (false, None) => Ok(()),
        (false, Some(o)) => close(conn, &o, on),
        (true, None) => {
            let had_any: i64 = run!(conn, c => file_spans::table
                .filter(file_spans::household_id.eq(household_id))
                .count()
                .get_result(c))?;
            let from = if had_any == 0 { cur.filed_on } else { on };
            insert(conn, household_id, &cur, from)
        }
        (true, Some(mut o)) => {
            if o.from_on != cur.filed_on && is_first(conn, household_id, o.id)? {
                // The filing date itself was corrected: so is the first span.
                run!(conn, c => diesel::update(file_spans::table.filter(file_spans::id.eq(o.id)))
                    .set(file_spans::from_on.eq(cur.filed_on))
                    .execute(c))?;
                o.from_on = cur.filed_on;
            }
            let same = o.union_id == cur.union_id
                && o.union_path == cur.union_path
                && o.tier == cur.tier
                && o.category == cur.category
                && o.cohort == cur.cohort
                && o.persons == cur.size;
            if same {
                return Ok(());
            }
            if o.from_on >= on {
                // Opened today: corrected in place, it never covered a past day.
                run!(conn, c => diesel::update(file_spans::table.filter(file_spans::id.eq(o.id)))
                    .set(span_columns!(cur))
                    .execute(c))?;
                return Ok(());
            }
            close(conn, &o, on)?;
            insert(conn, household_id, &cur, on)
        }
    }
}

fn is_first(conn: &mut Conn, household_id: i64, span_id: i64) -> Result<bool, StorageError> {
    let n: i64 = run!(conn, c => file_spans::table
        .filter(file_spans::household_id.eq(household_id))
        .filter(file_spans::id.ne(span_id))
        .count()
        .get_result(c))?;
    Ok(n == 0)
}

fn close(conn: &mut Conn, o: &Open, on: NaiveDate) -> Result<(), StorageError> {
    if o.from_on >= on {
        // Opened and closed the same day: it never covered a day's end.
        run!(conn, c => diesel::delete(file_spans::table.filter(file_spans::id.eq(o.id)))
            .execute(c))?;
    } else {
        run!(conn, c => diesel::update(file_spans::table.filter(file_spans::id.eq(o.id)))
            .set(file_spans::until_on.eq(Some(on)))
            .execute(c))?;
    }
    Ok(())
}

fn insert(
    conn: &mut Conn,
    household_id: i64,
    cur: &Current,
    from: NaiveDate,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(file_spans::table)
        .values((
            file_spans::household_id.eq(household_id),
            span_columns!(cur),
            file_spans::from_on.eq(from),
        ))
        .execute(c))?;
    Ok(())
}

/// The first span of a file just inserted (on file from its filing date),
/// without reading back what the caller already knows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn open_new(
    conn: &mut Conn,
    household_id: i64,
    union_id: i64,
    union_path: &str,
    tier: &str,
    category: &str,
    cohort: &str,
    persons: i32,
    filed_on: NaiveDate,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(file_spans::table)
        .values((
            file_spans::household_id.eq(household_id),
            file_spans::union_id.eq(union_id),
            file_spans::union_path.eq(union_path),
            file_spans::tier.eq(tier),
            file_spans::category.eq(category),
            file_spans::cohort.eq(cohort),
            file_spans::persons.eq(persons),
            file_spans::from_on.eq(filed_on),
        ))
        .execute(c))?;
    Ok(())
}
