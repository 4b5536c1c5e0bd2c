//! Background jobs (a large import, the monthly run): their states, when one
//! counts as interrupted, and the writes every job makes at its end. A job's
//! state is a row of `jobs`, so any process can show its progress.

use crate::clock::now;
use crate::{Actor, ServiceError, Services};
use bangfu_storage::jobs::{self, Job};
use chrono::NaiveDateTime;
use std::future::Future;
use std::time::Duration;

/// A running job not heard from for this long was interrupted.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobStatus {
    pub fn code(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Queued => "排队中",
            JobStatus::Running => "进行中",
            JobStatus::Succeeded => "已完成",
            JobStatus::Failed => "未成功",
        }
    }

    /// A stored status; anything unknown counts as failed.
    pub(crate) fn parse(s: &str) -> JobStatus {
        match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "succeeded" => JobStatus::Succeeded,
            _ => JobStatus::Failed,
        }
    }

    pub fn finished(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed)
    }

    /// The status as a job's page and the API show it: `interrupted` for a
    /// job whose process stopped (see [`interrupted`]), else its code.
    pub fn shown(self, interrupted: bool) -> &'static str {
        if interrupted {
            "interrupted"
        } else {
            self.code()
        }
    }
}

/// Whether a job still queued or running was last heard from more than
/// [`STALE_AFTER`] before `at`: the process doing it stopped.
pub(crate) fn interrupted(j: &Job, at: NaiveDateTime) -> bool {
    let limit = chrono::Duration::from_std(STALE_AFTER).unwrap_or(chrono::Duration::MAX);
    !JobStatus::parse(&j.status).finished() && at.signed_duration_since(j.updated_at) > limit
}

/// Percent done, 0–100.
pub fn percent(done: i64, total: i64) -> i64 {
    if total <= 0 {
        0
    } else {
        (done.clamp(0, total) * 100) / total
    }
}

/// What every job shows: its status, phase and progress.
#[derive(Debug, Clone)]
pub struct JobState {
    pub id: i64,
    pub kind: String,
    pub status: JobStatus,
    pub phase: String,
    pub total: i64,
    pub done: i64,
    pub message: Option<String>,
    /// Still queued or running, but not heard from for [`STALE_AFTER`].
    pub interrupted: bool,
    pub union_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl JobState {
    pub(crate) fn of(j: &Job, at: NaiveDateTime) -> JobState {
        JobState {
            id: j.id,
            kind: j.kind.clone(),
            status: JobStatus::parse(&j.status),
            phase: j.phase.clone(),
            total: j.total,
            done: j.done,
            message: j.message.clone(),
            interrupted: interrupted(j, at),
            union_id: j.union_id,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }

    pub fn finished(&self) -> bool {
        self.status.finished() || self.interrupted
    }

    pub fn percent(&self) -> i64 {
        percent(self.done, self.total)
    }
}

/// The stored result of a job, when it is JSON.
pub(crate) fn result_value(j: &Job) -> Option<serde_json::Value> {
    j.result_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
}

/// How a job ended, as its row keeps it.
pub(crate) struct Ending {
    pub status: JobStatus,
    pub phase: &'static str,
    pub message: String,
    /// The result (or report) as JSON.
    pub body: Option<String>,
}

impl Services {
    /// Records the end of job `job_id`. Nobody waits for a background job,
    /// so a failure to record it is logged here and goes no further.
    pub(crate) async fn finish_job(&self, job_id: i64, what: &'static str, end: Ending) {
        let r = self
            .write(move |c| {
                Ok::<_, ServiceError>(jobs::finish(
                    c,
                    job_id,
                    end.status.code(),
                    end.phase,
                    &end.message,
                    end.body.as_deref(),
                    now(),
                )?)
            })
            .await;
        if let Err(e) = r {
            tracing::error!(error = %e, job_id, what, "could not record the end of a job");
        }
    }

    /// Runs `task` as job `job_id` in the background; if the task ends
    /// abnormally (a panic), the job is recorded as failed with `message`.
    pub(crate) fn spawn_job(
        &self,
        job_id: i64,
        what: &'static str,
        message: &'static str,
        task: impl Future<Output = ()> + Send + 'static,
    ) {
        let task = tokio::spawn(task);
        let s = self.clone();
        tokio::spawn(async move {
            if let Err(e) = task.await {
                tracing::error!(error = %e, job_id, what, "job ended abnormally");
                s.finish_job(
                    job_id,
                    what,
                    Ending {
                        status: JobStatus::Failed,
                        phase: "失败",
                        message: message.to_owned(),
                        body: None,
                    },
                )
                .await;
            }
        });
    }

    /// Job `id` as its owner sees it (nobody else may, not even in scope);
    /// with `kind`, only a job of that kind.
    pub(crate) async fn own_job(
        &self,
        actor: &Actor,
        id: i64,
        kind: Option<&'static str>,
    ) -> Result<Job, ServiceError> {
        if actor.user.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        let scope = actor.scope();
        let user = actor.user.id.0;
        self.read(move |c| {
            jobs::find(c, &scope, user, id)?
                .filter(|j| kind.is_none_or(|k| j.kind == k))
                .ok_or(ServiceError::NotFound("任务"))
        })
        .await
    }

    /// While one long step of job `job_id` runs (none: no job), records
    /// every minute that it is alive; abort the handle when the step ends.
    pub(crate) fn heartbeat(&self, job_id: Option<i64>) -> Option<tokio::task::JoinHandle<()>> {
        let id = job_id?;
        let s = self.clone();
        Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let r = s
                    .write(move |c| Ok::<_, ServiceError>(jobs::touch(c, id, now())?))
                    .await;
                if let Err(e) = r {
                    tracing::warn!(error = %e, job_id = id, "could not record a job's heartbeat");
                }
            }
        }))
    }

    /// Writes a job's phase and progress.
    pub(crate) async fn job_progress(
        &self,
        job_id: i64,
        phase: &'static str,
        done: i64,
        total: i64,
    ) -> Result<(), ServiceError> {
        self.write(move |c| Ok(jobs::progress(c, job_id, phase, done, total, now())?))
            .await
    }
}
