//! A large batch uploaded on the page: its rows are parsed in the request
//! (row problems come back at once, nothing written), then it is matched
//! as a background job whose state is a row of `jobs` (see `crate::jobs`),
//! so any process can show its progress. The matching reads the files in
//! short read transactions, writing the job's progress between them; the
//! batch, its findings and warnings are then written in one transaction,
//! which reads the matched files again.

use super::intake::{
    hash_key, match_numbers, parse, record, scan_step, BatchInput, Matched, Parsed, SCAN_STEP,
};
use crate::clock::{now, today};
use crate::jobs::{result_value, Ending, JobState, JobStatus};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::Permission;
use bangfu_storage::jobs::{self, NewJob};
use bangfu_storage::verification::{self as store, Batch};
use bangfu_storage::Scope;
use serde_json::json;
use std::sync::Arc;

pub const JOB_KIND: &str = "verification_batch";
pub const PHASE_QUEUED: &str = "排队中";
pub const PHASE_MATCHING: &str = "核对在档人员";
pub const PHASE_WRITING: &str = "写入发现";

/// What starting a batch did.
#[derive(Debug, Clone)]
pub enum Started {
    /// A small batch, received at once.
    Done(Box<Batch>),
    /// A large one: it is matched in the background as this job.
    Job(i64),
}

/// A batch's job as the user who started it sees it.
#[derive(Debug, Clone)]
pub struct BatchJob {
    pub state: JobState,
    pub file_name: Option<String>,
    /// The batch written (the job succeeded).
    pub batch: Option<Batch>,
    /// Progress cannot be measured (the final write).
    pub indeterminate: bool,
}

impl Services {
    /// Receives a department's dataset from the upload page: a batch of more
    /// than `Settings::verification_background_above` rows is matched as a
    /// background job once every row has parsed; a smaller one at once.
    pub async fn verification_batch_start(
        &self,
        actor: &Actor,
        input: BatchInput,
    ) -> Result<Started, ServiceError> {
        if input.rows.len() <= self.settings.verification_background_above {
            return Ok(Started::Done(Box::new(
                self.verification_batch_create(actor, input).await?,
            )));
        }
        actor.require(Permission::SendDatasets)?;
        let datasets = self.read(|c| Ok(store::catalogue(c)?)).await?;
        let parsed = parse(input, &datasets, today())?;
        let union_id = actor.user.union_id.0;
        let path = actor.user.union_path.as_str().to_owned();
        let user = actor.user.id.0;
        let total = i64::try_from(parsed.rows).unwrap_or(i64::MAX);
        let initial = json!({ "file_name": parsed.file_name }).to_string();
        let job_id = self
            .write(move |c| {
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
            .await?;
        let s = self.clone();
        let a = actor.clone();
        self.spawn_job(
            job_id,
            "verification batch",
            "核对任务意外中止，未写入任何数据，请重新上传",
            async move { s.batch_job(a, Arc::new(parsed), job_id).await },
        );
        Ok(Started::Job(job_id))
    }

    /// A batch's job, for the user who started it (within their scope).
    pub async fn verification_batch_job(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<BatchJob, ServiceError> {
        let j = self.own_job(actor, id, Some(JOB_KIND)).await?;
        let state = JobState::of(&j, now());
        let value = result_value(&j);
        let file_name = value
            .as_ref()
            .and_then(|v| v.get("file_name"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let batch_id = value
            .as_ref()
            .filter(|_| state.status == JobStatus::Succeeded)
            .and_then(|v| v.get("batch_id"))
            .and_then(|v| v.as_i64());
        let batch = match batch_id {
            Some(b) => {
                let scope = actor.scope();
                self.read(move |c| Ok(store::find_batch(c, &scope, b, None)?))
                    .await?
            }
            None => None,
        };
        Ok(BatchJob {
            indeterminate: state.status == JobStatus::Running && state.phase == PHASE_WRITING,
            state,
            file_name,
            batch,
        })
    }

    async fn batch_job(self, actor: Actor, p: Arc<Parsed>, job_id: i64) {
        let file_name = p.file_name.clone();
        let end = match self.match_and_record(&actor, p, job_id).await {
            Ok(id) => Ending {
                status: JobStatus::Succeeded,
                phase: "已完成",
                message: format!("已接收核对数据，批次 #{id}"),
                body: Some(json!({ "file_name": file_name, "batch_id": id }).to_string()),
            },
            Err(e) => {
                if let ServiceError::Internal(detail) = &e {
                    tracing::error!(%detail, job_id, "verification batch failed");
                }
                Ending {
                    status: JobStatus::Failed,
                    phase: "失败",
                    message: format!("核对未完成，未写入任何数据：{e}"),
                    body: Some(json!({ "file_name": file_name }).to_string()),
                }
            }
        };
        self.finish_job(job_id, "verification batch", end).await;
    }

    /// Matches in steps (each a short read, the job's progress written
    /// between them), then writes the batch in one transaction.
    async fn match_and_record(
        &self,
        actor: &Actor,
        p: Arc<Parsed>,
        job_id: i64,
    ) -> Result<i64, ServiceError> {
        let today = today();
        // A person is matched wherever they are filed (see `intake::receive`).
        let scope = Scope::whole_tree();
        let (sc, pc) = (scope.clone(), p.clone());
        let (key, files) = self
            .read(move |c| {
                let key = hash_key(c, &pc)?;
                let files = match key {
                    Some(_) => store::count_files(c, &sc, today)?,
                    None => 0,
                };
                Ok((key, files))
            })
            .await?;
        let plain = i64::try_from(p.plain.len()).unwrap_or(i64::MAX);
        let total = plain.saturating_add(files);
        let mut done = 0_i64;
        self.job_progress(job_id, PHASE_MATCHING, done, total)
            .await?;

        let mut matched = Matched::new();
        let mut numbers: Vec<String> = p.numbers().into_iter().map(str::to_owned).collect();
        numbers.sort_unstable();
        let step = usize::try_from(SCAN_STEP).unwrap_or(usize::MAX);
        for chunk in numbers.chunks(step) {
            let n = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
            let (sc, pc, chunk) = (scope.clone(), p.clone(), chunk.to_vec());
            let found = self
                .read(move |c| {
                    let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
                    let mut m = Matched::new();
                    match_numbers(c, &sc, &pc, &refs, today, &mut m)?;
                    Ok(m)
                })
                .await?;
            merge(&mut matched, found);
            done = done.saturating_add(n);
            self.job_progress(job_id, PHASE_MATCHING, done, total.max(done))
                .await?;
        }
        if let Some((_, bytes)) = &key {
            let bytes = Arc::new(bytes.clone());
            let mut after = 0;
            loop {
                let (sc, pc, kb) = (scope.clone(), p.clone(), bytes.clone());
                let (found, files, last) = self
                    .read(move |c| {
                        let mut m = Matched::new();
                        let (files, last) = scan_step(c, &sc, &pc, &kb, after, today, &mut m)?;
                        Ok((m, files, last))
                    })
                    .await?;
                merge(&mut matched, found);
                done = done.saturating_add(files);
                self.job_progress(job_id, PHASE_MATCHING, done, total.max(done))
                    .await?;
                match last {
                    Some(l) => after = l,
                    None => break,
                }
            }
        }

        self.job_progress(job_id, PHASE_WRITING, done, total.max(done))
            .await?;
        let heartbeat = self.heartbeat(Some(job_id));
        let a = actor.clone();
        let key_id = key.map(|k| k.0);
        let written = self
            .write(move |c| record(c, &a, &p, &matched, key_id))
            .await;
        if let Some(h) = heartbeat {
            h.abort();
        }
        written
    }
}

/// Adds what one step matched; a person matched earlier keeps their row.
fn merge(into: &mut Matched, found: Matched) {
    for (person, facts) in found {
        into.entry(person).or_insert(facts);
    }
}
