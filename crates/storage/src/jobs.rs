//! Background jobs: their state and progress, shared by every process that
//! serves the database (the work runs in one of them; any of them shows it).

use crate::db::{run, Conn};
use crate::schema::jobs;
use crate::{Scope, StorageError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A job as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub union_id: i64,
    pub union_path: String,
    pub user_id: i64,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub phase: String,
    pub total: i64,
    pub done: i64,
    pub message: Option<String>,
    pub result_json: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a new job starts with.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub union_id: i64,
    pub union_path: &'a str,
    pub user_id: i64,
    pub status: &'a str,
    pub phase: &'a str,
    pub total: i64,
    pub message: Option<&'a str>,
    pub result_json: Option<&'a str>,
    pub now: NaiveDateTime,
}

pub fn insert(conn: &mut Conn, j: &NewJob<'_>) -> Result<i64, StorageError> {
    Ok(run!(conn, c => diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(j.kind),
            jobs::union_id.eq(j.union_id),
            jobs::union_path.eq(j.union_path),
            jobs::user_id.eq(j.user_id),
            jobs::status.eq(j.status),
            jobs::phase.eq(j.phase),
            jobs::total.eq(j.total),
            jobs::done.eq(if j.status == "succeeded" || j.status == "failed" { j.total } else { 0 }),
            jobs::message.eq(j.message),
            jobs::result_json.eq(j.result_json),
            jobs::created_at.eq(j.now),
            jobs::updated_at.eq(j.now),
        ))
        .returning(jobs::id)
        .get_result(c))?)
}

/// A job of `user_id` inside `scope`; nobody else sees it.
pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    user_id: i64,
    id: i64,
) -> Result<Option<Job>, StorageError> {
    Ok(run!(conn, c => jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::user_id.eq(user_id))
        .filter(scope.covers(jobs::union_path))
        .select(Job::as_select())
        .first(c)
        .optional())?)
}

/// A job by id, whoever's it is (for the process doing it).
pub fn find_any(conn: &mut Conn, id: i64) -> Result<Option<Job>, StorageError> {
    Ok(run!(conn, c => jobs::table
        .filter(jobs::id.eq(id))
        .select(Job::as_select())
        .first(c)
        .optional())?)
}

/// Records progress of a job that is still running.
pub fn progress(
    conn: &mut Conn,
    id: i64,
    phase: &str,
    done: i64,
    total: i64,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(
        jobs::table.filter(jobs::id.eq(id)).filter(jobs::status.eq_any(["queued", "running"])),
    )
    .set((
        jobs::status.eq("running"),
        jobs::phase.eq(phase),
        jobs::done.eq(done),
        jobs::total.eq(total),
        jobs::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(())
}

/// Shows that a running job is alive (during one long step).
pub fn touch(conn: &mut Conn, id: i64, now: NaiveDateTime) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(
        jobs::table.filter(jobs::id.eq(id)).filter(jobs::status.eq("running")),
    )
    .set(jobs::updated_at.eq(now))
    .execute(c))?;
    Ok(())
}

/// Ends a job: `succeeded` or `failed`, with its outcome.
pub fn finish(
    conn: &mut Conn,
    id: i64,
    status: &str,
    phase: &str,
    message: &str,
    result_json: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(jobs::table.filter(jobs::id.eq(id)))
        .set((
            jobs::status.eq(status),
            jobs::phase.eq(phase),
            jobs::done.eq(jobs::total),
            jobs::message.eq(Some(message)),
            jobs::result_json.eq(result_json),
            jobs::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Records progress and the job's result so far (where a job that can be
/// resumed has got to) in one write, in the transaction of the work it
/// reports, so the two never disagree after a crash.
pub fn checkpoint(
    conn: &mut Conn,
    id: i64,
    phase: &str,
    done: i64,
    total: i64,
    result_json: &str,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    progress(conn, id, phase, done, total, now)?;
    run!(conn, c => diesel::update(jobs::table.filter(jobs::id.eq(id)))
        .set(jobs::result_json.eq(Some(result_json)))
        .execute(c))?;
    Ok(())
}

/// The jobs of `kind` still queued or running but not heard from since
/// `before`: the process doing them stopped.
pub fn stale_of_kind(
    conn: &mut Conn,
    kind: &str,
    before: NaiveDateTime,
) -> Result<Vec<Job>, StorageError> {
    Ok(run!(conn, c => jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq_any(["queued", "running"]))
        .filter(jobs::updated_at.lt(before))
        .order(jobs::id.asc())
        .select(Job::as_select())
        .load(c))?)
}

/// The running jobs of `kind` inside `scope` or covering it, newest first.
pub fn unfinished_of_kind(
    conn: &mut Conn,
    kind: &str,
    scope: &Scope,
) -> Result<Vec<Job>, StorageError> {
    Ok(run!(conn, c => jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq_any(["queued", "running"]))
        .filter(
            jobs::union_path
                .eq_any(scope.ancestor_paths())
                .or(jobs::union_path.ge(scope.start()).and(jobs::union_path.lt(scope.end()))),
        )
        .order(jobs::id.desc())
        .select(Job::as_select())
        .load(c))?)
}

/// Takes over a stale job `j` for this process: true if no other process
/// took it (or heard from it) since it was read.
pub fn take_over(conn: &mut Conn, j: &Job, now: NaiveDateTime) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        jobs::table
            .filter(jobs::id.eq(j.id))
            .filter(jobs::updated_at.eq(j.updated_at))
            .filter(jobs::status.eq_any(["queued", "running"])),
    )
    .set(jobs::updated_at.eq(now))
    .execute(c))?;
    Ok(n == 1)
}
