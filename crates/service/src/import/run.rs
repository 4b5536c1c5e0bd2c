//! Running an import: at once or as a background job, all or nothing.

use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::clock::today;
use crate::filed_elsewhere::{self, Asker, Filing};
use crate::filing::file_household;
use crate::jobs::Ending;
use crate::jobs::JobStatus;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::Tier;
use bangfu_domain::id_number::mask_id_number;
use bangfu_domain::{UnionId, ValidationError};
use bangfu_storage::jobs::{self, NewJob};
use bangfu_storage::{households, unions};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::layout::{layout, Layout};
use super::outcome::{ImportOutcome, ImportReport, ImportSummary, JobView};
use super::template::{HH, HOUSEHOLD_COLUMNS, INC, MEM};
use super::validate::{report, Issues, Plan, Validator};
use super::workbook::ImportFile;
use super::{
    BACKGROUND_ABOVE, JOB_KIND, PHASE_CHECKING, PHASE_QUEUED, PHASE_VALIDATING, PHASE_WRITING,
};

/// A file name fit to show: no control characters, not too long.
pub(super) fn clean_name(raw: &str) -> String {
    // Some browsers send a path ("C:\\fakepath\\名单.xlsx"); keep the name.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let s: String = base.chars().filter(|c| !c.is_control()).collect();
    let s = s.trim();
    let s: String = s.chars().take(200).collect();
    if s.is_empty() {
        "导入文件.xlsx".to_owned()
    } else {
        s
    }
}

/// Everything one import needs, owned (a job carries it into its task).
pub(super) struct Work {
    pub(super) actor: Actor,
    pub(super) union: unions::Union,
    /// What 地方级 in an old workbook becomes under `union`.
    pub(super) local_tier: Tier,
    pub(super) file: ImportFile,
    pub(super) layout: Layout,
    pub(super) job: Option<i64>,
}

/// Progress of a job, written in short transactions now and then.
pub(super) struct Progress {
    pub(super) job: Option<i64>,
    pub(super) total: i64,
    pub(super) done: i64,
    pub(super) last_done: i64,
    pub(super) last_at: Instant,
}

impl Progress {
    pub(super) fn new(job: Option<i64>, total: usize) -> Self {
        Self {
            job,
            total: i64::try_from(total).unwrap_or(i64::MAX),
            done: 0,
            last_done: 0,
            last_at: Instant::now(),
        }
    }

    pub(super) async fn phase(
        &mut self,
        s: &Services,
        phase: &'static str,
    ) -> Result<(), ServiceError> {
        self.last_done = self.done;
        self.last_at = Instant::now();
        let Some(id) = self.job else { return Ok(()) };
        s.job_progress(id, phase, self.done, self.total).await
    }

    /// Counts one row; every few hundred rows (and not more than a few
    /// times a second) the job's `done` is written.
    pub(super) async fn tick(&mut self, s: &Services) -> Result<(), ServiceError> {
        self.done += 1;
        if self.job.is_some()
            && self.done - self.last_done >= 300
            && self.last_at.elapsed() >= Duration::from_millis(250)
        {
            self.phase(s, PHASE_VALIDATING).await?;
        }
        Ok(())
    }
}

impl Services {
    /// Imports the households of `file` under the union `union_id` (the
    /// caller's own when absent): at once for a small file, as a background
    /// job for a large one. Nothing is written unless every row is valid.
    pub async fn households_import(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
        mut file: ImportFile,
    ) -> Result<ImportOutcome, ServiceError> {
        actor.require(bangfu_domain::Permission::ManageHouseholds)?;
        file.file_name = clean_name(&file.file_name);
        let scope = actor.scope();
        let own = actor.user.union_id;
        let (union, local_tier) = self
            .read(move |c| {
                let id = union_id.map(UnionId).unwrap_or(own);
                let union = unions::find(c, &scope, id)?.ok_or_else(|| {
                    ServiceError::from(ValidationError::new(
                        "union_id",
                        "所选工会不存在或不在您的权限范围内",
                    ))
                })?;
                let levels: Vec<_> = unions::path_unscoped(c, &union.path)?
                    .iter()
                    .map(|u| u.level)
                    .collect();
                Ok((union, Tier::local_of(&levels)))
            })
            .await?;
        if !union.active {
            return Err(ValidationError::new("union_id", "所选工会已停用，不能在其下建档").into());
        }
        let layout = match layout(&file) {
            Ok(l) => l,
            Err(problems) => {
                let report = ImportReport::file_level(&file.file_name, problems);
                let job_id = self.keep_report(actor, &union, &report).await?;
                return Ok(ImportOutcome::Invalid { job_id, report });
            }
        };
        let big = layout.households() > BACKGROUND_ABOVE;
        let mut work = Work {
            actor: actor.clone(),
            union,
            local_tier,
            file,
            layout,
            job: None,
        };
        if big {
            let job_id = self.start_job(&work).await?;
            work.job = Some(job_id);
            let s = self.clone();
            self.spawn_job(
                job_id,
                "import",
                "导入任务意外中止，未写入任何数据，请重新导入",
                async move { s.run_job(work, job_id).await },
            );
            return Ok(ImportOutcome::Queued { job_id });
        }
        match self.run(&work).await? {
            Ok(summary) => Ok(ImportOutcome::Imported(summary)),
            Err(report) => {
                let job_id = self.keep_report(actor, &work.union, &report).await?;
                Ok(ImportOutcome::Invalid { job_id, report })
            }
        }
    }

    /// A job as its owner sees it; nobody else may (not even in scope).
    pub async fn job_get(&self, actor: &Actor, id: i64) -> Result<JobView, ServiceError> {
        let j = self.own_job(actor, id, Some(JOB_KIND)).await?;
        Ok(JobView::of(j, now()))
    }

    pub(super) async fn start_job(&self, w: &Work) -> Result<i64, ServiceError> {
        let union_id = w.union.id.0;
        let path = w.union.path.as_str().to_owned();
        let user = w.actor.user.id.0;
        let total = i64::try_from(w.layout.rows()).unwrap_or(i64::MAX);
        let initial = json!({ "file_name": w.file.file_name }).to_string();
        self.write(move |c| {
            Ok(jobs::insert(
                c,
                &NewJob {
                    kind: JOB_KIND,
                    union_id,
                    union_path: &path,
                    user_id: user,
                    status: JobStatus::Queued.code(),
                    phase: PHASE_QUEUED,
                    total,
                    message: None,
                    result_json: Some(&initial),
                    now: now(),
                },
            )?)
        })
        .await
    }

    /// Keeps a refused file's report as a finished job, so its error
    /// workbook can be downloaded after the page that showed it.
    pub(super) async fn keep_report(
        &self,
        actor: &Actor,
        union: &unions::Union,
        report: &ImportReport,
    ) -> Result<i64, ServiceError> {
        let union_id = union.id.0;
        let path = union.path.as_str().to_owned();
        let user = actor.user.id.0;
        let body =
            serde_json::to_string(report).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let message = report.headline();
        let total = i64::try_from(report.error_total).unwrap_or(i64::MAX);
        self.write(move |c| {
            Ok(jobs::insert(
                c,
                &NewJob {
                    kind: JOB_KIND,
                    union_id,
                    union_path: &path,
                    user_id: user,
                    status: JobStatus::Failed.code(),
                    phase: "未通过校验",
                    total,
                    message: Some(&message),
                    result_json: Some(&body),
                    now: now(),
                },
            )?)
        })
        .await
    }

    pub(super) async fn run_job(self, work: Work, job_id: i64) {
        let outcome = self.run(&work).await;
        let file_name = work.file.file_name.clone();
        let (status, phase, message, body) = match outcome {
            Ok(Ok(summary)) => (
                JobStatus::Succeeded,
                "已完成",
                summary.headline(),
                serde_json::to_string(&summary).ok(),
            ),
            Ok(Err(report)) => (
                JobStatus::Failed,
                "未通过校验",
                report.headline(),
                serde_json::to_string(&report).ok(),
            ),
            Err(e) => {
                if let ServiceError::Internal(detail) = &e {
                    tracing::error!(%detail, job_id, "import failed");
                }
                let report = ImportReport::file_level(
                    &file_name,
                    vec![format!("导入失败，未写入任何数据：{e}")],
                );
                (
                    JobStatus::Failed,
                    "失败",
                    report
                        .errors
                        .first()
                        .map(|x| x.message.clone())
                        .unwrap_or_default(),
                    serde_json::to_string(&report).ok(),
                )
            }
        };
        self.finish_job(
            job_id,
            "import",
            Ending {
                status,
                phase,
                message,
                body,
            },
        )
        .await;
    }

    /// Checks every row, then writes everything in one transaction.
    pub(super) async fn run(
        &self,
        w: &Work,
    ) -> Result<Result<ImportSummary, ImportReport>, ServiceError> {
        let mut progress = Progress::new(w.job, w.layout.rows());
        progress.phase(self, PHASE_VALIDATING).await?;
        let mut v = Validator::new(
            &w.file,
            &w.layout,
            today(),
            &w.union.division_code,
            w.local_tier,
        );
        for sheet in [HH, MEM, INC] {
            for n in 0..w.layout.sheets[sheet].data.len() {
                let pos = w.layout.sheets[sheet].data[n];
                match sheet {
                    HH => v.household_row(pos),
                    MEM => v.member_row(pos),
                    _ => v.income_row(pos),
                }
                progress.tick(self).await?;
            }
        }

        progress.phase(self, PHASE_CHECKING).await?;
        // Who is on another union's file is a lookup like a filing's: refused
        // at once when the hour's allowance is used, else audited and counted.
        let limit = self.settings.filed_elsewhere_per_hour;
        let a = w.actor.clone();
        if let Some(refusal) = self
            .read(move |c| filed_elsewhere::check_allowance(c, Asker::User(&a), limit))
            .await?
        {
            return Err(refusal);
        }
        let ids: Vec<String> = v.people.iter().map(|p| p.0.clone()).collect();
        let holders: HashMap<String, String> = self
            .read(move |c| {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                Ok(households::open_holders(c, &refs)?.into_iter().collect())
            })
            .await?;
        let found: Vec<serde_json::Value> = v
            .people
            .iter()
            .filter_map(|(id, name, _, _, row, _)| {
                holders.get(id).map(|union_name| {
                    json!({
                        "name": name,
                        "id_number": mask_id_number(id),
                        "row": row,
                        "holder_union": union_name,
                    })
                })
            })
            .collect();
        if !found.is_empty() {
            let a = w.actor.clone();
            let union = w.union.clone();
            let refusal = self
                .write(move |c| {
                    let filing = Filing {
                        context: "import_households",
                        union: union.owner(),
                    };
                    filed_elsewhere::refuse(c, Asker::User(&a), limit, &filing, found)
                })
                .await?;
            if let Some(refusal) = refusal {
                return Err(refusal);
            }
        }
        v.open_elsewhere(&holders);
        let plans = match v.finish() {
            Ok(p) => p,
            Err(issues) => return Ok(Err(report(&w.file, Some(&w.layout), issues))),
        };

        progress.phase(self, PHASE_WRITING).await?;
        let heartbeat = self.heartbeat(w.job);
        let written = self.write_all(w, plans).await;
        if let Some(h) = heartbeat {
            h.abort();
        }
        match written {
            Ok(summary) => Ok(Ok(summary)),
            Err(Refused::Row(issue)) => {
                let mut issues = Issues::default();
                let pos = w.layout.sheets[HH]
                    .data
                    .iter()
                    .copied()
                    .find(|&p| w.file.sheets[w.layout.sheets[HH].index].rows[p].number == issue.row)
                    .unwrap_or_default();
                issues.add(HH, pos, issue.row, issue.column, issue.message);
                Ok(Err(report(&w.file, Some(&w.layout), issues)))
            }
            Err(Refused::Other(e)) => Err(e),
        }
    }

    /// Files every household in one transaction; the first refusal (a race
    /// with another filing, say) rolls all of it back.
    pub(super) async fn write_all(
        &self,
        w: &Work,
        plans: Vec<Plan>,
    ) -> Result<ImportSummary, Refused> {
        let a = w.actor.clone();
        let union = w.union.clone();
        let file_name = w.file.file_name.clone();
        let job = w.job;
        let refused: Arc<Mutex<Option<RowRefusal>>> = Arc::new(Mutex::new(None));
        let slot = refused.clone();
        let r = self
            .write(move |c| {
                let books = Books::load(c)?;
                let (mut members, mut months) = (0, 0);
                for p in &plans {
                    let filed = file_household(
                        c,
                        Who::Actor(&a),
                        &union,
                        &p.data,
                        &p.members,
                        &p.incomes,
                        &books,
                    );
                    match filed {
                        Ok(_) => {}
                        Err(
                            e @ (ServiceError::Conflict { .. }
                            | ServiceError::Invalid(_)
                            | ServiceError::Rule(_)),
                        ) => {
                            let column = e
                                .field()
                                .and_then(|f| HOUSEHOLD_COLUMNS.iter().position(|c| c.field == f));
                            if let Ok(mut s) = slot.lock() {
                                *s = Some(RowRefusal {
                                    row: p.row,
                                    column,
                                    message: format!("写入时被拒绝，全部未写入：{e}"),
                                });
                            }
                            return Err(e);
                        }
                        Err(e) => return Err(e),
                    }
                    members += p.members.len();
                    months += p.incomes.len();
                }
                let summary = ImportSummary {
                    file_name: file_name.clone(),
                    union_id: union.id.0,
                    union_name: union.name.clone(),
                    households: plans.len(),
                    members,
                    months,
                };
                Record::of(Action::ImportHouseholds, "household", "*", union.owner())
                    .after(json!({
                        "file_name": summary.file_name,
                        "households": summary.households,
                        "members": summary.members,
                        "months": summary.months,
                        "job_id": job,
                    }))
                    .write(c, Who::Actor(&a))?;
                Ok(summary)
            })
            .await;
        r.map_err(|e| match refused.lock().ok().and_then(|mut s| s.take()) {
            Some(row) => Refused::Row(row),
            None => Refused::Other(e),
        })
    }
}

pub(super) struct RowRefusal {
    pub(super) row: u32,
    pub(super) column: Option<usize>,
    pub(super) message: String,
}

pub(super) enum Refused {
    Row(RowRefusal),
    Other(ServiceError),
}
