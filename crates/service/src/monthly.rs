//! The monthly run (月度评估): evaluates every household each month and
//! leaves to-do items for the responsible person; and the dashboards' counts.
//!
//! One household is judged by [`assess`], a function of what is recorded
//! about it (its file, months, measures, assistance and subsidy), the lines
//! and today's date. The run claims the month in `monthly_runs` (whichever
//! process inserts first runs it), then walks the files of its scope in id
//! order a batch at a time: each batch is loaded in a few bulk queries,
//! judged, and written — readiness flags, relapses, new decisions, to-do
//! items and the job's progress — in one transaction.

use crate::audit::{self, Record, Who};
use crate::households::{today, Books};
use crate::import::{JobStatus, STALE_AFTER};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::exit::{self, ReliefFlags};
use bangfu_domain::household::{
    Cohort, Decision, Health, HouseholdId, LabourCapacity, MonthlyIncome, Status,
};
use bangfu_domain::identification::MonthFigures;
use bangfu_domain::leaving::{suggest_pathway, Pathway};
use bangfu_domain::lines::decision_of;
use bangfu_domain::{Month, Permission, UnionId, UnionPath, UserId, ValidationError};
use bangfu_storage::households::{self, Household};
use bangfu_storage::jobs::{self, Job, NewJob};
use bangfu_storage::todos::{self, NewTodo, TodoFilter, Whose};
use bangfu_storage::{Conn, Page, PageRequest, Scope};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use bangfu_storage::todos::{MyCounts, SubtreeCounts, Todo, RUN_KIND};

/// Files judged and written per transaction.
const BATCH: i64 = 1000;
/// How often the scheduler looks whether this month's run is due.
pub const SCHEDULE_EVERY: Duration = Duration::from_secs(60 * 60);
const PHASE_QUEUED: &str = "排队中";
const PHASE_RUNNING: &str = "正在逐户评估";

/// What a to-do item asks of the responsible person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodoKind {
    ExitReady,
    ReliefReady,
    Relapse,
    NotEligible,
    PlanOverdue,
    CausesChanged,
}

impl TodoKind {
    pub const ALL: [TodoKind; 6] = [
        TodoKind::ExitReady,
        TodoKind::ReliefReady,
        TodoKind::Relapse,
        TodoKind::NotEligible,
        TodoKind::PlanOverdue,
        TodoKind::CausesChanged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TodoKind::ExitReady => "exit_ready",
            TodoKind::ReliefReady => "relief_ready",
            TodoKind::Relapse => "relapse",
            TodoKind::NotEligible => "not_eligible",
            TodoKind::PlanOverdue => "plan_overdue",
            TodoKind::CausesChanged => "causes_changed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TodoKind::ExitReady => "达到脱困标准，待确认脱困",
            TodoKind::ReliefReady => "达到解困条件，待确认解困",
            TodoKind::Relapse => "脱困后返困，待重新建档",
            TodoKind::NotEligible => "已不符合建档条件，待复核",
            TodoKind::PlanOverdue => "帮扶措施逾期未完成",
            TodoKind::CausesChanged => "符合的建档条件发生变化",
        }
    }

    /// A short label for tables.
    pub fn short(self) -> &'static str {
        match self {
            TodoKind::ExitReady => "待确认脱困",
            TodoKind::ReliefReady => "待确认解困",
            TodoKind::Relapse => "返困",
            TodoKind::NotEligible => "不再符合条件",
            TodoKind::PlanOverdue => "措施逾期",
            TodoKind::CausesChanged => "条件变化",
        }
    }

    pub fn parse(raw: &str) -> Result<TodoKind, ValidationError> {
        let raw = raw.trim();
        TodoKind::ALL
            .into_iter()
            .find(|k| k.code() == raw || k.short() == raw)
            .ok_or_else(|| {
                ValidationError::new(
                    "kind",
                    format!(
                        "未知待办类别“{raw}”，可选：exit_ready、relief_ready、relapse、not_eligible、plan_overdue、causes_changed"
                    ),
                )
            })
    }

    fn position(self) -> usize {
        TodoKind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------
// One household
// ---------------------------------------------------------------------------

/// What [`assess`] reads of one household beside the file itself.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub household: &'a Household,
    /// Worker plus members.
    pub size: usize,
    /// Oldest first.
    pub incomes: &'a [MonthlyIncome],
    /// Catalogue codes of completed measures and assistance given, newest first.
    pub pathway_codes: &'a [String],
    /// Open measures past their due date.
    pub overdue_measures: i64,
    /// A regular subsidy (常态化帮扶) runs this month.
    pub subsidised: bool,
    /// An exit, relief or removal decision is under way: what it decides
    /// is not asked again.
    pub open_decision: bool,
}

/// What the run concludes about one household.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// On file and the exit standard met (or taken into the safety net
    /// after filing): the pathway to suggest.
    pub ready_pathway: Option<Pathway>,
    /// On file and the relief standard met.
    pub relief_ready: bool,
    /// Exited, followed, and fallen back below the line: why (set only when
    /// not flagged before).
    pub relapse: Option<String>,
    /// The identification with today's lines, when it differs from the
    /// stored one: to be stored (as re-identification does).
    pub decision: Option<(Decision, Option<i32>, Cohort)>,
    /// To-do items for this month.
    pub todos: Vec<(TodoKind, String)>,
}

/// Households that cannot get out of hardship by work (DOMAIN.md §5
/// 解困): no labour capacity, a serious illness or a disability.
fn cannot_get_out(h: &Household) -> bool {
    h.data.labour_capacity == LabourCapacity::None
        || matches!(h.data.health, Health::Serious | Health::Disabled)
}

/// Each recorded month with the 低保 line in force for the file's region; a
/// month without a line is left out (it counts as missing).
fn figures(h: &Household, incomes: &[MonthlyIncome], books: &Books) -> Vec<MonthFigures> {
    incomes
        .iter()
        .filter_map(|m| {
            books
                .lines
                .line_for(&h.data.division_code, m.month)
                .map(|l| MonthFigures {
                    month: m.month,
                    income: m.income(),
                    rigid_expenditure: m.rigid(),
                    dibao_line: l.dibao_line,
                    low_income_line: l.low_income_line,
                })
        })
        .collect()
}

/// Judges one household as the monthly run does (see the module's doc).
pub(crate) fn assess(
    f: &Facts<'_>,
    books: &Books,
    today: NaiveDate,
) -> Result<Assessment, ServiceError> {
    let h = f.household;
    let data = &h.data;
    let region = books.params.for_region(&data.division_code);
    let n = region.params.window_months;
    let this_month = Month::of_date(today);
    let size = u32::try_from(f.size.max(1)).unwrap_or(u32::MAX);
    let mut out = Assessment::default();

    if h.status.under_assistance() && f.overdue_measures > 0 {
        out.todos.push((
            TodoKind::PlanOverdue,
            format!("有 {} 项帮扶措施已过完成期限仍未完成", f.overdue_measures),
        ));
    }

    match h.status {
        Status::OnFile => {
            let filed = Month::of_date(data.filed_on);
            let nets = [data.dibao_since, data.other_relief_since];
            let in_net = nets.iter().flatten().any(|m| *m <= this_month);
            let net_since_filing = nets
                .iter()
                .flatten()
                .filter(|m| **m > filed && **m <= this_month)
                .min()
                .copied();

            let exit_eval = books.evaluate_exit(data, f.size, f.incomes)?;
            if exit_eval.meets_standard || net_since_filing.is_some() {
                let p = suggest_pathway(
                    net_since_filing.is_some(),
                    f.pathway_codes.iter().map(String::as_str),
                );
                out.ready_pathway = Some(p);
            }

            let relief = exit::relief_ready(
                &exit::Household {
                    size,
                    months: figures(h, f.incomes, books),
                },
                ReliefFlags {
                    in_safety_net: in_net,
                    under_regular_assistance: f.subsidised,
                },
                n,
            )?;
            out.relief_ready = relief.ready;

            if let Some(p) = out.ready_pathway.filter(|_| !f.open_decision) {
                if !(out.relief_ready && cannot_get_out(h)) {
                    let why = match net_since_filing {
                        Some(m) if !exit_eval.meets_standard => {
                            format!("建档后自 {m} 起纳入低保、特困供养等社会救助")
                        }
                        _ => exit_eval.reasons.first().cloned().unwrap_or_default(),
                    };
                    out.todos.push((
                        TodoKind::ExitReady,
                        format!(
                            "{why}；建议脱困路径：{}。请核实致困原因是否已消除",
                            p.label()
                        ),
                    ));
                }
            }
            if out.relief_ready && !f.open_decision {
                out.todos.push((
                    TodoKind::ReliefReady,
                    relief.reasons.first().cloned().unwrap_or_default(),
                ));
            }

            let ident = books.identify(data, f.size, f.incomes)?;
            let (decision, condition) = decision_of(&ident);
            let cohort = Cohort::of(data.filed_on, region.baseline_cutoff);
            if decision == Decision::NotEligible
                && !f.open_decision
                && out.ready_pathway.is_none()
                && !out.relief_ready
            {
                let why = ident
                    .reasons
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "按现有数据不符合任何建档条件".to_owned());
                out.todos.push((
                    TodoKind::NotEligible,
                    format!("按现行标准已不符合建档条件：{why}"),
                ));
            }
            if h.decision == Decision::Eligible
                && decision == Decision::Eligible
                && h.decision_condition != condition
            {
                let name = |c: Option<i32>| c.map_or("—".to_owned(), |c| format!("条件{c}"));
                out.todos.push((
                    TodoKind::CausesChanged,
                    format!(
                        "符合的建档条件由{}变为{}，请核实家庭情况和帮扶措施",
                        name(h.decision_condition),
                        name(condition)
                    ),
                ));
            }
            if (decision, condition, cohort) != (h.decision, h.decision_condition, h.cohort) {
                out.decision = Some((decision, condition, cohort));
            }
        }
        Status::Exited => {
            let followed = h.leaving.follow_until.is_some_and(|d| today <= d);
            if followed && h.leaving.reopened_id.is_none() {
                match h.leaving.relapse_on {
                    Some(on) => out.todos.push((
                        TodoKind::Relapse,
                        format!(
                            "{on} 标记返困：{}。请重新建档（增量库）",
                            h.leaving.relapse_reason.clone().unwrap_or_default()
                        ),
                    )),
                    None => {
                        if let Some(reason) = relapse_reason(h, f.incomes, books, n, f.size)? {
                            out.todos.push((
                                TodoKind::Relapse,
                                format!("{reason}。请重新建档（增量库）"),
                            ));
                            out.relapse = Some(reason);
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

/// The relapse rule on the months recorded since the household left.
fn relapse_reason(
    h: &Household,
    incomes: &[MonthlyIncome],
    books: &Books,
    n: u32,
    size: usize,
) -> Result<Option<String>, ServiceError> {
    let Some(left) = h.leaving.left_on.map(Month::of_date) else {
        return Ok(None);
    };
    let since: Vec<MonthlyIncome> = incomes
        .iter()
        .filter(|m| m.month >= left)
        .cloned()
        .collect();
    let r = exit::relapsed(
        &exit::Household {
            size: u32::try_from(size.max(1)).unwrap_or(u32::MAX),
            months: figures(h, &since, books),
        },
        n,
    )?;
    Ok(r.relapsed
        .then(|| r.reasons.first().cloned().unwrap_or_default()))
}

/// Writes what an assessment changes on the file (not the to-do items).
fn apply(
    c: &mut Conn,
    h: &Household,
    a: &Assessment,
    today: NaiveDate,
    with_decision: bool,
) -> Result<(), ServiceError> {
    if h.status == Status::OnFile {
        let pathway = a.ready_pathway.map(|p| p.code());
        if pathway != h.leaving.ready_pathway.as_deref() || a.relief_ready != h.leaving.relief_ready
        {
            households::set_readiness(c, h.id, pathway, a.relief_ready)?;
        }
    }
    if let Some(reason) = &a.relapse {
        households::set_relapse(c, h.id, Some((today, reason)))?;
    }
    if with_decision {
        if let Some((d, cond, cohort)) = a.decision {
            households::set_decision(c, h.id, d, cond, cohort, now())?;
        }
    }
    Ok(())
}

fn new_todos(h: &Household, responsible: Option<i64>, a: &Assessment) -> Vec<NewTodo> {
    a.todos
        .iter()
        .map(|(k, detail)| NewTodo {
            household_id: h.id,
            union_id: h.union_id,
            union_path: h.union_path.clone(),
            responsible_id: responsible,
            kind: k.code(),
            detail: detail.clone(),
        })
        .collect()
}

/// Recomputes one file's readiness flags (and a relapse) after its incomes
/// were saved, in the caller's transaction. A relapse found now is also a
/// to-do item at once; the rest wait for the monthly run.
pub(crate) fn refresh_household(
    c: &mut Conn,
    scope: &Scope,
    books: &Books,
    id: HouseholdId,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let Some(h) = households::find(c, scope, id)? else {
        return Ok(());
    };
    let ids = [id];
    let size = households::members_of(c, id)?.len() + 1;
    let incomes = households::incomes_of(c, id)?;
    let codes = todos::pathway_codes_of_many(c, &ids)?
        .remove(&id)
        .unwrap_or_default();
    let overdue = todos::overdue_measures_of_many(c, &ids, today)?
        .get(&id)
        .copied()
        .unwrap_or(0);
    let subsidised = todos::subsidised_in(c, &ids, Month::of_date(today))?.contains(&id);
    let open_decision = todos::with_open_decision(c, &ids)?.contains(&id);
    let a = assess(
        &Facts {
            household: &h,
            size,
            incomes: &incomes,
            pathway_codes: &codes,
            overdue_measures: overdue,
            subsidised,
            open_decision,
        },
        books,
        today,
    )?;
    apply(c, &h, &a, today, false)?;
    if a.relapse.is_some() {
        let responsible = todos::responsible_of_many(c, &ids)?.get(&id).copied();
        let mut relapse = a.clone();
        relapse.todos.retain(|(k, _)| *k == TodoKind::Relapse);
        todos::insert_many(
            c,
            Month::of_date(today),
            &new_todos(&h, responsible, &relapse),
            now(),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

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
        )
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
    /// Queued or running but not heard from for [`STALE_AFTER`].
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
        matches!(self.status, JobStatus::Succeeded | JobStatus::Failed) || self.interrupted
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

fn job_status(s: &str) -> JobStatus {
    match s {
        "queued" => JobStatus::Queued,
        "running" => JobStatus::Running,
        "succeeded" => JobStatus::Succeeded,
        _ => JobStatus::Failed,
    }
}

fn stale(j: &Job, at: NaiveDateTime) -> bool {
    let limit = chrono::Duration::from_std(STALE_AFTER).unwrap_or(chrono::Duration::MAX);
    matches!(j.status.as_str(), "queued" | "running")
        && at.signed_duration_since(j.updated_at) > limit
}

fn views(c: &mut Conn, jobs_: Vec<Job>) -> Result<Vec<RunView>, ServiceError> {
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
                status: job_status(&j.status),
                interrupted: stale(&j, at),
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

/// What one batch did.
#[derive(Default)]
struct BatchOutcome {
    last: Option<i64>,
    evaluated: i64,
    skipped: i64,
    found: BTreeMap<TodoKind, i64>,
    added: i64,
    decisions_changed: i64,
}

/// Judges and writes the next batch of files after `after`, in one transaction.
fn run_batch(
    c: &mut Conn,
    scope: &Scope,
    books: &Books,
    today: NaiveDate,
    after: i64,
) -> Result<BatchOutcome, ServiceError> {
    let mut out = BatchOutcome::default();
    let ids = todos::ids_to_assess_after(c, scope, today, after, BATCH)?;
    let Some(last) = ids.last() else {
        return Ok(out);
    };
    out.last = Some(last.0);
    let files = households::find_many(c, scope, &ids)?;
    let members = households::members_of_many(c, &ids)?;
    let incomes = households::incomes_of_many(c, &ids)?;
    let codes = todos::pathway_codes_of_many(c, &ids)?;
    let overdue = todos::overdue_measures_of_many(c, &ids, today)?;
    let subsidised: HashSet<HouseholdId> = todos::subsidised_in(c, &ids, Month::of_date(today))?;
    let responsible: HashMap<HouseholdId, i64> = todos::responsible_of_many(c, &ids)?;
    let deciding = todos::with_open_decision(c, &ids)?;
    let mut list = Vec::new();
    for h in &files {
        let facts = Facts {
            household: h,
            size: members.get(&h.id).map_or(0, Vec::len) + 1,
            incomes: incomes.get(&h.id).map(Vec::as_slice).unwrap_or(&[]),
            pathway_codes: codes.get(&h.id).map(Vec::as_slice).unwrap_or(&[]),
            overdue_measures: overdue.get(&h.id).copied().unwrap_or(0),
            subsidised: subsidised.contains(&h.id),
            open_decision: deciding.contains(&h.id),
        };
        let a = match assess(&facts, books, today) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(household = h.id.0, error = %e, "monthly run: cannot judge");
                out.skipped += 1;
                continue;
            }
        };
        out.evaluated += 1;
        apply(c, h, &a, today, true)?;
        if a.decision.is_some() {
            out.decisions_changed += 1;
        }
        for (k, _) in &a.todos {
            *out.found.entry(*k).or_default() += 1;
        }
        list.extend(new_todos(h, responsible.get(&h.id).copied(), &a));
    }
    let added = todos::insert_many(c, Month::of_date(today), &list, now())?;
    out.added = i64::try_from(added).unwrap_or(i64::MAX);
    Ok(out)
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
                    .find(|j| !stale(j, at))
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
                audit::write(
                    c,
                    Who::Actor(&a),
                    Record::change(
                        Action::RunMonthly,
                        "run",
                        job_id,
                        (a.user.union_id.0, &a.user.union_path),
                        None,
                        Some(json!({ "month": Month::of_date(today), "trigger": "manual" })),
                    ),
                )?;
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
                if existing.as_ref().is_some_and(|j| !stale(j, at)) {
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
                audit::write(
                    c,
                    Who::Operator,
                    Record::change(
                        Action::RunMonthly,
                        "run",
                        job_id,
                        (union_id, &path),
                        None,
                        Some(json!({ "month": month, "trigger": "schedule", "by": "定时任务" })),
                    ),
                )?;
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
        let task = tokio::spawn(async move { s.monthly_job(job_id, scope, today).await });
        let s = self.clone();
        tokio::spawn(async move {
            if let Err(e) = task.await {
                tracing::error!(error = %e, job_id, "monthly run ended abnormally");
                let _ = s
                    .write(move |c| {
                        Ok::<_, ServiceError>(jobs::finish(
                            c,
                            job_id,
                            JobStatus::Failed.code(),
                            "失败",
                            "月度评估意外中止；已评估的家庭结果已保存，可重新运行",
                            None,
                            now(),
                        )?)
                    })
                    .await;
            }
        });
    }

    async fn monthly_job(self, job_id: i64, scope: Scope, today: NaiveDate) {
        let started = Instant::now();
        let initial: RunResult = self
            .read(move |c| jobs_result(c, job_id))
            .await
            .unwrap_or_default();
        let outcome = self.monthly_batches(job_id, &scope, today, initial).await;
        let (status, phase, message, body) = match outcome {
            Ok(mut r) => {
                r.millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                (
                    JobStatus::Succeeded,
                    "已完成",
                    r.headline(),
                    serde_json::to_string(&r).ok(),
                )
            }
            Err((mut r, e)) => {
                tracing::error!(error = %e, job_id, "monthly run failed");
                r.millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                (
                    JobStatus::Failed,
                    "失败",
                    format!(
                        "月度评估未能完成（已评估 {} 户的结果已保存）：{e}",
                        r.evaluated
                    ),
                    serde_json::to_string(&r).ok(),
                )
            }
        };
        let r = self
            .write(move |c| {
                Ok::<_, ServiceError>(jobs::finish(
                    c,
                    job_id,
                    status.code(),
                    phase,
                    &message,
                    body.as_deref(),
                    now(),
                )?)
            })
            .await;
        if let Err(e) = r {
            tracing::error!(error = %e, job_id, "could not record the end of a monthly run");
        }
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
        let r = self
            .write(move |c| {
                Ok::<_, ServiceError>(jobs::progress(c, job_id, PHASE_RUNNING, 0, total, now())?)
            })
            .await;
        if let Err(e) = r {
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

    /// To-do items of `month` in the caller's subtree: per kind, and per
    /// child union (the caller's own union first, as 本级).
    pub async fn monthly_counts(
        &self,
        actor: &Actor,
        month: Option<Month>,
    ) -> Result<MonthCounts, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        let own = actor.user.union_id;
        let own_name = actor.user.union_name.clone();
        let depth = actor.user.union_path.ids().len();
        let month = month.unwrap_or_else(|| Month::of_date(today()));
        self.read(move |c| {
            let rows = todos::counts_by_union(c, &scope, month)?;
            let mut by_kind = [(0_i64, 0_i64); 6];
            let mut by_union: BTreeMap<i64, [(i64, i64); 6]> = BTreeMap::new();
            for (path, kind, all, open) in rows {
                let Ok(k) = TodoKind::parse(&kind) else {
                    continue;
                };
                let i = k.position();
                by_kind[i].0 += all;
                by_kind[i].1 += open;
                let ids = UnionPath::from_stored(path).ids();
                let child = ids.get(depth).copied().unwrap_or(own);
                let e = by_union.entry(child.0).or_insert([(0, 0); 6]);
                e[i].0 += all;
                e[i].1 += open;
            }
            let ids: Vec<i64> = by_union.keys().copied().collect();
            let names = bangfu_storage::plans::union_names(c, &ids)?;
            let mut unions: Vec<UnionCounts> = by_union
                .into_iter()
                .map(|(id, counts)| UnionCounts {
                    union_id: UnionId(id),
                    name: if id == own.0 {
                        format!("{own_name}（本级）")
                    } else {
                        names.get(&id).cloned().unwrap_or_default()
                    },
                    own: id == own.0,
                    counts,
                })
                .collect();
            unions.sort_by_key(|u| (!u.own, u.name.clone()));
            Ok(MonthCounts {
                month,
                by_kind,
                unions,
            })
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

/// To-do counts of a month: (all, open) per kind in [`TodoKind::ALL`] order.
#[derive(Debug, Clone)]
pub struct MonthCounts {
    pub month: Month,
    pub by_kind: [(i64, i64); 6],
    pub unions: Vec<UnionCounts>,
}

#[derive(Debug, Clone)]
pub struct UnionCounts {
    pub union_id: UnionId,
    pub name: String,
    /// The caller's own union (items filed directly under it).
    pub own: bool,
    pub counts: [(i64, i64); 6],
}

impl UnionCounts {
    pub fn open_total(&self) -> i64 {
        self.counts.iter().map(|c| c.1).sum()
    }
    pub fn total(&self) -> i64 {
        self.counts.iter().map(|c| c.0).sum()
    }
}

// ---------------------------------------------------------------------------
// To-do items
// ---------------------------------------------------------------------------

/// Filters of the to-do list as typed.
#[derive(Debug, Clone, Default)]
pub struct TodoQuery {
    /// Only the caller's own items.
    pub mine: bool,
    pub kind: Option<String>,
    pub union_id: Option<i64>,
    /// `false`/absent: open items; `true`: done ones; `all`.
    pub done: Option<String>,
    pub month: Option<String>,
    pub household_id: Option<i64>,
}

/// Whether the caller sees everyone's items in their subtree (reviewers,
/// auditors, fund officers) or only their own and unassigned ones (officers).
fn sees_all_todos(actor: &Actor) -> bool {
    actor.can(Permission::ApproveExits)
        || actor.can(Permission::ReadAudit)
        || actor.can(Permission::ReadFunds)
}

fn whose(actor: &Actor, mine: bool) -> Whose {
    if mine {
        Whose::Mine(actor.user.id)
    } else if sees_all_todos(actor) {
        Whose::All
    } else {
        Whose::MineOrNobody(actor.user.id)
    }
}

impl Services {
    pub async fn todo_list(
        &self,
        actor: &Actor,
        q: TodoQuery,
        page: PageRequest,
    ) -> Result<Page<Todo>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let nonempty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let kind = nonempty(&q.kind)
            .map(|k| TodoKind::parse(&k))
            .transpose()?
            .map(|k| k.code().to_owned());
        let done = match nonempty(&q.done).as_deref() {
            None | Some("false") | Some("open") => Some(false),
            Some("true") | Some("done") => Some(true),
            Some("all") => None,
            Some(other) => {
                return Err(ValidationError::new(
                    "done",
                    format!("“{other}”无效：done 应为 false（未处理）、true（已处理）或 all"),
                )
                .into())
            }
        };
        let month = nonempty(&q.month)
            .map(|m| Month::parse("month", &m))
            .transpose()?;
        let mut filter = TodoFilter {
            whose: whose(actor, q.mine),
            kind,
            union_path: None,
            done,
            month,
            household_id: q.household_id.map(HouseholdId),
        };
        self.read(move |c| {
            if let Some(u) = q.union_id {
                let u = bangfu_storage::unions::find(c, &scope, UnionId(u))?
                    .ok_or(ServiceError::NotFound("工会"))?;
                filter.union_path = Some(u.path);
            }
            Ok(todos::list(c, &scope, &filter, page)?)
        })
        .await
    }

    /// Marks a to-do item handled (audited).
    pub async fn todo_done(&self, actor: &Actor, id: i64) -> Result<Todo, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        let w = whose(actor, false);
        self.write(move |c| {
            let t = todos::find(c, &scope, id)?.ok_or(ServiceError::NotFound("待办事项"))?;
            let visible = match w {
                Whose::All => true,
                Whose::Mine(u) => t.responsible_id == Some(u),
                Whose::MineOrNobody(u) => t.responsible_id.is_none_or(|r| r == u),
            };
            if !visible {
                return Err(ServiceError::NotFound("待办事项"));
            }
            if !todos::mark_done(c, id, a.user.id, now())? {
                return Err(ServiceError::Rule("该待办事项已处理".into()));
            }
            audit::write(
                c,
                Who::Actor(&a),
                Record::change(
                    Action::CloseTodo,
                    "todo",
                    id,
                    (t.union_id.0, &t.union_path),
                    Some(json!({ "done": false })),
                    Some(json!({
                        "done": true,
                        "kind": t.kind,
                        "month": t.month,
                        "household_id": t.household_id.0,
                    })),
                ),
            )?;
            todos::find(c, &scope, id)?.ok_or(ServiceError::NotFound("待办事项"))
        })
        .await
    }
}

// ---------------------------------------------------------------------------
// The home dashboard
// ---------------------------------------------------------------------------

/// What the home page counts for the signed-in user.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// For an officer: the files paired to them.
    pub mine: Option<MyCounts>,
    /// For a manager: their subtree.
    pub subtree: Option<SubtreeCounts>,
    pub year: i32,
    pub visit_days: u32,
    /// The latest monthly run covering the subtree.
    pub latest_run: Option<RunView>,
}

/// Managers: those who read statistics and decide, check or fund.
pub fn is_manager(actor: &Actor) -> bool {
    actor.can(Permission::ReadStats)
        && (actor.can(Permission::ApproveExits)
            || actor.can(Permission::RunMonthly)
            || actor.can(Permission::ReadAudit)
            || actor.can(Permission::ReadFunds))
}

impl Services {
    /// A few aggregate counts for the home page, by role (a handful of
    /// scoped index-range counts: it is the first page everyone sees).
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        let me: UserId = actor.user.id;
        let officer = actor.can(Permission::ManageHouseholds);
        let manager = is_manager(actor);
        let today = today();
        let days = self.settings().visit_interval_days;
        let cutoff = bangfu_domain::assistance::visit_cutoff(today, days);
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        self.read(move |c| {
            let mine = if officer {
                Some(todos::my_counts(c, &scope, me, cutoff)?)
            } else {
                None
            };
            let subtree = if manager {
                Some(todos::subtree_counts(c, &scope, year_start, today)?)
            } else {
                None
            };
            let latest = todos::list_runs(c, &scope, 1)?;
            let latest_run = views(c, latest)?.pop();
            Ok(Dashboard {
                mine,
                subtree,
                year: today.year(),
                visit_days: days,
                latest_run,
            })
        })
        .await
    }
}
