//! Background jobs (a large import, the monthly run): their states, when one
//! counts as interrupted, and the writes every job makes at its end. A job's
//! state is a row of `jobs`, so any process can show its progress.

use crate::clock::now;
use crate::{ServiceError, Services};
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
}

/// Whether a job still queued or running was last heard from more than
/// [`STALE_AFTER`] before `at`: the process doing it stopped.
pub(crate) fn interrupted(j: &Job, at: NaiveDateTime) -> bool {
    let limit = chrono::Duration::from_std(STALE_AFTER).unwrap_or(chrono::Duration::MAX);
    !JobStatus::parse(&j.status).finished() && at.signed_duration_since(j.updated_at) > limit
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
