//! Running the monthly evaluation: by hand or on schedule, as a background
//! job that claims its month, and reading the runs back.

use super::assess::run_batch;
use super::TodoKind;
use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::clock::{now, today};
use crate::jobs::{interrupted, Ending, JobStatus};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::{Month, Permission, UnionId, UnionPath};
use bangfu_storage::jobs::{self, Job, NewJob};
use bangfu_storage::todos::{self, RUN_KIND};
use bangfu_storage::{Conn, Scope};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the scheduler looks whether this month's run is due.
pub const SCHEDULE_EVERY: Duration = Duration::from_secs(60 * 60);
const PHASE_QUEUED: &str = "排队中";
const PHASE_RUNNING: &str = "正在逐户评估";

/// What a run found, kept on its job.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunResult {
    pub month: String,
    /// `schedule` or `manual`.
    pub trigger: String,
    pub evaluated: i64,
    /// Files that could not be judged (their data is inconsistent); logged.
    pub skipped: i64,
    /// Findings per to-do kind (new or already listed this month).
    pub found: BTreeMap<TodoKind, i64>,
    /// To-do items written for the first time.
    pub added: i64,
    /// Files whose stored identification changed.
    pub decisions_changed: i64,
    /// Files out of the programme past the retention period whose personal
    /// data was anonymised.
    #[serde(default)]
    pub anonymised: i64,
    pub millis: i64,
}

impl RunResult {
    pub fn headline(&self) -> String {
        format!(
            "{} 月度评估：评估 {} 户，发现待办事项 {} 项（新增 {} 项）{}。",
            self.month,
            self.evaluated,
            self.found.values().sum::<i64>(),
            self.added,
            if self.skipped > 0 {
                format!("，{} 户数据有误未能评估", self.skipped)
            } else {
                String::new()
            }
        ) + &if self.anonymised > 0 {
            format!("超过保存期限的 {} 户已匿名化个人信息。", self.anonymised)
        } else {
            String::new()
        }
    }
}

/// A run as people see it.
#[derive(Debug, Clone)]
pub struct RunView {
    pub id: i64,
    pub month: String,
    pub trigger: String,
    pub status: JobStatus,
    pub phase: String,
    pub done: i64,
    pub total: i64,
    /// Queued or running but not heard from for [`crate::import::STALE_AFTER`].
    pub interrupted: bool,
    pub message: Option<String>,
    pub result: RunResult,
    pub union_id: UnionId,
    pub union_name: String,
    pub started_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RunView {
    pub fn finished(&self) -> bool {
        self.status.finished() || self.interrupted
    }

    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            if self.finished() {
                100
            } else {
                0
            }
        } else {
            (self.done.clamp(0, self.total) * 100) / self.total
        }
    }

    pub fn status_code(&self) -> &'static str {
        if self.interrupted {
            "interrupted"
        } else {
            self.status.code()
        }
    }

    pub fn status_label(&self) -> &'static str {
        if self.interrupted {
            "已中断"
        } else {
            self.status.label()
        }
    }
}

pub(super) fn views(c: &mut Conn, jobs_: Vec<Job>) -> Result<Vec<RunView>, ServiceError> {
    let unions: Vec<i64> = jobs_.iter().map(|j| j.union_id).collect();
    let users: Vec<i64> = jobs_.iter().map(|j| j.user_id).collect();
    let union_names = bangfu_storage::plans::union_names(c, &unions)?;
    let user_names = bangfu_storage::plans::user_names(c, &users)?;
    let at = now();
    Ok(jobs_
        .into_iter()
        .map(|j| {
            let result: RunResult = j
                .result_json
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            RunView {
                id: j.id,
                month: result.month.clone(),
                trigger: result.trigger.clone(),
                status: JobStatus::parse(&j.status),
                interrupted: interrupted(&j, at),
                phase: j.phase,
                done: j.done,
                total: j.total,
                message: j.message,
                union_id: UnionId(j.union_id),
                union_name: union_names.get(&j.union_id).cloned().unwrap_or_default(),
                started_by: (result.trigger == "manual")
                    .then(|| user_names.get(&j.user_id).cloned())
                    .flatten(),
                result,
                created_at: j.created_at,
                updated_at: j.updated_at,
            }
        })
        .collect())
}

/// Who asked for a run.
enum Trigger {
    Schedule,
    Manual,
}

impl Trigger {
    fn code(&self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
        }
    }
}

impl Services {
    /// Starts the monthly run by hand over the administrator's subtree, as a
    /// background job; returns its id. An administrator of the root union
    /// also claims the month, so the scheduler does not run it again.
    pub async fn monthly_run_start(&self, actor: &Actor) -> Result<i64, ServiceError> {
        actor.require(Permission::RunMonthly)?;
        let scope = actor.scope();
        let today = today();
        let a = actor.clone();
        let s = scope.clone();
        let job = self
            .write(move |c| {
                let at = now();
                if let Some(j) = todos::unfinished_runs(c, &s)?
                    .into_iter()
                    .find(|j| !interrupted(j, at))
                {
                    return Err(ServiceError::Conflict {
                        field: "run",
                        message: format!("月度评估正在运行（任务 #{}），请等它完成后再运行", j.id),
                    });
                }

                let job_id = insert_job(
                    c,
                    &Trigger::Manual,
                    a.user.id.0,
                    a.user.union_id,
                    &a.user.union_path,
                    &s,
                    today,
                )?;
                if a.user.union_path.depth() == 1 {
                    todos::claim_month(c, Month::of_date(today), job_id, at)?;
                }
                Record::of(Action::RunMonthly, "run", job_id, a.user.owner())
                    .after(json!({ "month": Month::of_date(today), "trigger": "manual" }))
                    .write(c, Who::Actor(&a))?;
                Ok(job_id)
            })
            .await?;
        self.spawn_monthly_run(job, scope, today);
        Ok(job)
    }

    /// The scheduler's call: if this month (China time) has no run yet (or
    /// its run was interrupted), claims it and starts the run over the whole
    /// tree. Of any number of processes calling at once, one runs it; the
    /// others get `None`. Nothing is claimed while there are no households
    /// or no administrator (the job belongs to the earliest of the highest
    /// union that has one, and covers its subtree).
    pub async fn monthly_run_due(&self) -> Result<Option<i64>, ServiceError> {
        let today = today();
        let month = Month::of_date(today);
        let claimed = self
            .write(move |c| {
                let at = now();
                let existing = todos::month_claim(c, month)?;
                if existing.as_ref().is_some_and(|j| !interrupted(j, at)) {
                    return Ok(None);
                }
                if !todos::any_household(c)? {
                    return Ok(None);
                }
                let Some((user, union_id, path)) = todos::root_admin(c)? else {
                    return Ok(None);
                };
                let path = UnionPath::from_stored(path);
                let scope = Scope::of(path.clone());
                let job_id = insert_job(
                    c,
                    &Trigger::Schedule,
                    user,
                    UnionId(union_id),
                    &path,
                    &scope,
                    today,
                )?;
                let won = match &existing {
                    None => todos::claim_month(c, month, job_id, at)?,
                    Some(old) => {
                        jobs::finish(
                            c,
                            old.id,
                            "failed",
                            "已中断",
                            "处理该任务的服务进程已停止，本月评估已重新运行",
                            None,
                            at,
                        )?;
                        todos::reclaim_month(c, month, old.id, job_id, at)?
                    }
                };
                if !won {
                    // Another process claimed it first: undo this job.
                    return Err(ServiceError::Conflict {
                        field: "month",
                        message: "本月评估已由其他进程运行".into(),
                    });
                }
                Record::of(Action::RunMonthly, "run", job_id, (union_id, &path))
                    .after(json!({ "month": month, "trigger": "schedule", "by": "定时任务" }))
                    .write(c, Who::Operator)?;
                Ok(Some((job_id, scope)))
            })
            .await;
        match claimed {
            Ok(Some((job_id, scope))) => {
                self.spawn_monthly_run(job_id, scope, today);
                Ok(Some(job_id))
            }
            Ok(None) => Ok(None),
            Err(ServiceError::Conflict { field: "month", .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every [`SCHEDULE_EVERY`], checks whether this month's run is due and
    /// starts it (see [`Services::monthly_run_due`]; the server also checks
    /// once at start). Runs until the process ends.
    pub async fn monthly_schedule(self) {
        loop {
            tokio::time::sleep(SCHEDULE_EVERY).await;
            match self.monthly_run_due().await {
                Ok(Some(id)) => tracing::info!(job_id = id, "monthly run started"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "monthly run could not start"),
            }
        }
    }

    fn spawn_monthly_run(&self, job_id: i64, scope: Scope, today: NaiveDate) {
        let s = self.clone();
        self.spawn_job(
            job_id,
            "monthly run",
            "月度评估意外中止；已评估的家庭结果已保存，可重新运行",
            async move { s.monthly_job(job_id, scope, today).await },
        );
    }

    async fn monthly_job(self, job_id: i64, scope: Scope, today: NaiveDate) {
        let started = Instant::now();
        let initial: RunResult = self
            .read(move |c| jobs_result(c, job_id))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, job_id, "monthly run: its initial result is unreadable");
                RunResult::default()
            });
        let outcome = self.monthly_batches(job_id, &scope, today, initial).await;
        let end = match outcome {
            Ok(mut r) => {
                r.millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                Ending {
                    status: JobStatus::Succeeded,
                    phase: "已完成",
                    message: r.headline(),
                    body: serde_json::to_string(&r).ok(),
                }
            }
            Err((mut r, e)) => {
                tracing::error!(error = %e, job_id, "monthly run failed");
                r.millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                Ending {
                    status: JobStatus::Failed,
                    phase: "失败",
                    message: format!(
                        "月度评估未能完成（已评估 {} 户的结果已保存）：{e}",
                        r.evaluated
                    ),
                    body: serde_json::to_string(&r).ok(),
                }
            }
        };
        self.finish_job(job_id, "monthly run", end).await;
    }

    async fn monthly_batches(
        &self,
        job_id: i64,
        scope: &Scope,
        today: NaiveDate,
        mut result: RunResult,
    ) -> Result<RunResult, (RunResult, ServiceError)> {
        let s = scope.clone();
        let loaded = self
            .read(move |c| {
                let books = Books::load(c)?;
                let total = todos::count_to_assess(c, &s, today)?;
                Ok((books, total))
            })
            .await;
        let (books, mut total) = match loaded {
            Ok(v) => v,
            Err(e) => return Err((result, e)),
        };
        let books = Arc::new(books);
        if let Err(e) = self.job_progress(job_id, PHASE_RUNNING, 0, total).await {
            return Err((result, e));
        }
        let mut after = 0_i64;
        loop {
            let s = scope.clone();
            let b = books.clone();
            let done_before = result.evaluated + result.skipped;
            let batch = self
                .write(move |c| {
                    let out = run_batch(c, &s, &b, today, after)?;
                    let done = done_before + out.evaluated + out.skipped;
                    jobs::progress(c, job_id, PHASE_RUNNING, done, total.max(done), now())?;
                    Ok(out)
                })
                .await;
            let out = match batch {
                Ok(o) => o,
                Err(e) => return Err((result, e)),
            };
            let Some(last) = out.last else { break };
            after = last;
            result.evaluated += out.evaluated;
            result.skipped += out.skipped;
            result.added += out.added;
            result.decisions_changed += out.decisions_changed;
            for (k, n) in out.found {
                *result.found.entry(k).or_default() += n;
            }
            total = total.max(result.evaluated + result.skipped);
        }
        match self.anonymise_due(scope, today).await {
            Ok(n) => result.anonymised = n,
            Err(e) => return Err((result, e)),
        }
        Ok(result)
    }

    /// The monthly runs that cover the caller's subtree or lie inside it, newest first.
    pub async fn monthly_runs(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> Result<Vec<RunView>, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        self.read(move |c| {
            let list = todos::list_runs(c, &scope, limit.clamp(1, 100))?;
            views(c, list)
        })
        .await
    }

    /// One run and its progress.
    pub async fn monthly_run_get(&self, actor: &Actor, id: i64) -> Result<RunView, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        self.read(move |c| {
            let j =
                todos::find_run(c, &scope, id)?.ok_or(ServiceError::NotFound("月度评估任务"))?;
            views(c, vec![j])?
                .pop()
                .ok_or(ServiceError::NotFound("月度评估任务"))
        })
        .await
    }
}

fn insert_job(
    c: &mut Conn,
    trigger: &Trigger,
    user: i64,
    union_id: UnionId,
    path: &UnionPath,
    scope: &Scope,
    today: NaiveDate,
) -> Result<i64, ServiceError> {
    let total = todos::count_to_assess(c, scope, today)?;
    let initial = RunResult {
        month: Month::of_date(today).to_string(),
        trigger: trigger.code().into(),
        ..Default::default()
    };
    let body =
        serde_json::to_string(&initial).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(jobs::insert(
        c,
        &NewJob {
            kind: RUN_KIND,
            union_id: union_id.0,
            union_path: path.as_str(),
            user_id: user,
            status: JobStatus::Queued.code(),
            phase: PHASE_QUEUED,
            total,
            message: None,
            result_json: Some(&body),
            now: now(),
        },
    )?)
}

fn jobs_result(c: &mut Conn, id: i64) -> Result<RunResult, ServiceError> {
    Ok(todos::run_result_json(c, id)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}
