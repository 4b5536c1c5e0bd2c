//! Re-identification of every open file in a subtree with the lines in
//! force (after lines or parameters changed), as a background job: a
//! national one touches hundreds of thousands of files, longer than a
//! request may last.
//!
//! Each batch re-decides its files and records, in the same transaction,
//! the job's progress and where it has got to (the last file id). A job
//! whose process stopped (not heard from for [`STALE_AFTER`]) is taken over
//! by the next process that checks ([`Services::reidentify_resume_due`], at
//! start and every scheduler round) and goes on from there: no file is
//! re-decided twice, none skipped.

use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::households::Batch;
use crate::jobs::{interrupted, JobState, JobStatus, STALE_AFTER};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::{Permission, UnionPath};
use bangfu_storage::households;
use bangfu_storage::jobs::{self, Job, NewJob};
use bangfu_storage::Scope;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// The kind of the job's row.
pub const KIND: &str = "reidentify";
/// Files re-decided per transaction.
const BATCH: i64 = 500;
const PHASE_RUNNING: &str = "识别中";

/// Where a job has got to, kept as its result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The last file id re-decided.
    pub after: i64,
    /// Files re-decided so far.
    pub evaluated: i64,
    /// Of those, files whose decision (or cohort) changed.
    pub changed: i64,
    /// How many times a process took the job over after another stopped.
    #[serde(default)]
    pub resumed: i64,
    /// Milliseconds the last process spent on it (set at the end).
    #[serde(default)]
    pub millis: i64,
}

/// A re-identification job as its owner sees it.
#[derive(Debug, Clone)]
pub struct ReidentifyView {
    pub job: JobState,
    pub progress: Progress,
}

fn progress_of(j: &Job) -> Progress {
    j.result_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

impl Services {
    /// Starts re-identifying every open file in the caller's subtree;
    /// returns the job's id. Refused while another re-identification
    /// overlapping the subtree is running.
    pub async fn reidentify_start(&self, actor: &Actor) -> Result<i64, ServiceError> {
        actor.require(Permission::ManageLines)?;
        let scope = actor.scope();
        let a = actor.clone();
        let s = scope.clone();
        let job_id = self
            .write(move |c| {
                let at = now();
                if let Some(j) = jobs::unfinished_of_kind(c, KIND, &s)?
                    .into_iter()
                    .find(|j| !interrupted(j, at))
                {
                    return Err(ServiceError::Conflict {
                        field: "reidentify",
                        message: format!("重新识别正在进行（任务 #{}），请等它完成", j.id),
                    });
                }
                let total = households::count_open(c, &s)?;
                let start = serde_json::to_string(&Progress::default())
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                let job_id = jobs::insert(
                    c,
                    &NewJob {
                        kind: KIND,
                        union_id: a.user.union_id.0,
                        union_path: a.user.union_path.as_str(),
                        user_id: a.user.id.0,
                        status: "queued",
                        phase: "排队中",
                        total,
                        message: None,
                        result_json: Some(&start),
                        now: at,
                    },
                )?;
                Record::of(Action::Reidentify, "job", job_id, a.user.owner())
                    .after(json!({ "job_id": job_id, "files": total }))
                    .write(c, Who::Actor(&a))?;
                Ok(job_id)
            })
            .await?;
        self.spawn_reidentify(job_id, scope);
        Ok(job_id)
    }

    /// A re-identification job of the caller's.
    pub async fn reidentify_get(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<ReidentifyView, ServiceError> {
        actor.require(Permission::ManageLines)?;
        let j = self.own_job(actor, id, Some(KIND)).await?;
        Ok(ReidentifyView {
            job: JobState::of(&j, now()),
            progress: progress_of(&j),
        })
    }

    /// Takes over every re-identification whose process stopped and goes
    /// on from where it got to. Of processes checking at once, one takes
    /// each. Returns the jobs taken over.
    pub async fn reidentify_resume_due(&self) -> Result<Vec<i64>, ServiceError> {
        let limit = chrono::Duration::from_std(STALE_AFTER).unwrap_or(chrono::Duration::MAX);
        let taken = self
            .write(move |c| {
                let at = now();
                let mut taken = Vec::new();
                for j in jobs::stale_of_kind(c, KIND, at - limit)? {
                    if jobs::take_over(c, &j, at)? {
                        taken.push(j);
                    }
                }
                Ok(taken)
            })
            .await?;
        let mut ids = Vec::with_capacity(taken.len());
        for j in taken {
            tracing::info!(job_id = j.id, "re-identification taken over");
            self.spawn_reidentify(j.id, Scope::of(UnionPath::from_stored(j.union_path)));
            ids.push(j.id);
        }
        Ok(ids)
    }

    /// Every half of [`STALE_AFTER`], takes over the re-identifications
    /// whose process stopped. Runs until the process ends.
    pub async fn reidentify_watch(self) {
        loop {
            tokio::time::sleep(STALE_AFTER / 2).await;
            if let Err(e) = self.reidentify_resume_due().await {
                tracing::error!(error = %e, "re-identification could not be resumed");
            }
        }
    }

    fn spawn_reidentify(&self, job_id: i64, scope: Scope) {
        let s = self.clone();
        self.spawn_job(
            job_id,
            "re-identification",
            "重新识别意外中止；已识别的家庭结果已保存，任务会从中断处继续",
            async move { s.reidentify_job(job_id, scope).await },
        );
    }

    async fn reidentify_job(self, job_id: i64, scope: Scope) {
        let started = Instant::now();
        let outcome = self.reidentify_batches(job_id, &scope).await;
        let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let failed = match outcome {
            // Its audit entry and its end in one transaction: a process
            // stopping between them would have the next one audit it twice.
            Ok(mut p) => {
                p.millis = millis;
                match self.reidentify_end(job_id, p).await {
                    Ok(()) => return,
                    Err(e) => (p, e),
                }
            }
            Err(failed) => failed,
        };
        let (p, e) = failed;
        tracing::error!(error = %e, job_id, "re-identification failed");
        let end = crate::jobs::Ending {
            status: JobStatus::Failed,
            phase: "失败",
            message: format!(
                "重新识别未能完成（已识别 {} 户的结果已保存）：{e}",
                p.evaluated
            ),
            body: serde_json::to_string(&p).ok(),
        };
        self.finish_job(job_id, "re-identification", end).await;
    }

    /// Records a finished job: its audit entry (evaluated, changed) and its
    /// end, together.
    async fn reidentify_end(&self, job_id: i64, p: Progress) -> Result<(), ServiceError> {
        let message = format!(
            "已按现行标准重新识别 {} 户在档家庭，其中 {} 户的识别结论有变化。",
            p.evaluated, p.changed
        );
        let body = serde_json::to_string(&p).map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.write(move |c| {
            let j = jobs::find_any(c, job_id)?.ok_or(ServiceError::NotFound("任务"))?;
            let owner = UnionPath::from_stored(j.union_path);
            Record::of(Action::Reidentify, "job", job_id, (j.union_id, &owner))
                .after(json!({
                    "job_id": job_id,
                    "evaluated": p.evaluated,
                    "changed": p.changed,
                    "resumed": p.resumed,
                }))
                .write(c, Who::Operator)?;
            jobs::finish(
                c,
                job_id,
                JobStatus::Succeeded.code(),
                "已完成",
                &message,
                Some(&body),
                now(),
            )?;
            Ok(())
        })
        .await
    }

    async fn reidentify_batches(
        &self,
        job_id: i64,
        scope: &Scope,
    ) -> Result<Progress, (Progress, ServiceError)> {
        let loaded = self
            .read(move |c| {
                let j = jobs::find_any(c, job_id)?.ok_or(ServiceError::NotFound("任务"))?;
                Ok((Books::load(c)?, j))
            })
            .await;
        let (books, job) = loaded.map_err(|e| (Progress::default(), e))?;
        let mut p = progress_of(&job);
        if job.status == "running" {
            p.resumed += 1;
        }
        let total = job.total;
        let books = Arc::new(books);
        loop {
            let s = scope.clone();
            let b = books.clone();
            let before = p;
            let step = self
                .write(move |c| {
                    let ids = households::open_ids_after(c, &s, before.after, BATCH)?;
                    let Some(last) = ids.last().copied() else {
                        return Ok(None);
                    };
                    let files = Batch::load(c, &s, &ids)?;
                    let at = now();
                    let mut next = before;
                    for h in &files.files {
                        if files.redecide(c, &b, h, at)? {
                            next.changed += 1;
                        }
                    }
                    next.after = last.0;
                    next.evaluated += i64::try_from(files.files.len()).unwrap_or(0);
                    let body = serde_json::to_string(&next)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?;
                    jobs::checkpoint(
                        c,
                        job_id,
                        PHASE_RUNNING,
                        next.evaluated,
                        total.max(next.evaluated),
                        &body,
                        at,
                    )?;
                    Ok(Some(next))
                })
                .await;
            match step {
                Ok(Some(next)) => p = next,
                Ok(None) => return Ok(p),
                Err(e) => return Err((p, e)),
            }
        }
    }
}
