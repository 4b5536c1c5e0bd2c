//! Campaigns (专项行动, docs/rules.md §8.2): a union of county level or
//! above starts a look-back (回头看) or an every-household-cleared (户户清)
//! campaign over its subtree; every household on file there gets a task for
//! its responsible person, written by one `INSERT … SELECT` in the
//! transaction of the campaign row and its audit entry. Officers record a
//! look-back task's outcome (keep, correct, or remove through the exits
//! flow) or clear a 户户清 task's items; progress is counted by union path
//! and rolled up for the direct child unions; the starting union closes it.

use crate::audit::{Owned, Record, Who};
use crate::clock::{now, today};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::campaign::{
    parse_deadline, parse_items, parse_title, CampaignKind, CampaignStatus, Outcome,
};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::leaving::ExitKind;
use bangfu_domain::verification::FindingStatus;
use bangfu_domain::{Month, Permission, UnionId, UnionLevel, UnionPath, ValidationError};
use bangfu_storage::campaigns::{self as store, Finish, NewCampaign, TaskFilter, TaskState};
use bangfu_storage::verification::{list_findings, FindingFilter};
use bangfu_storage::{exits, households, unions, Conn, Page, PageRequest, Scope};
use serde_json::json;
use std::collections::HashMap;

pub use bangfu_storage::campaigns::{Campaign, CampaignFilter, Clearance, Task};
pub use bangfu_storage::verification::Finding;

/// A campaign as typed in the form or the API.
#[derive(Debug, Clone, Default)]
pub struct CampaignInput {
    /// `look_back` or `clear_all` (codes or labels).
    pub kind: String,
    /// The union whose subtree it covers (default: the caller's own).
    pub union_id: Option<i64>,
    pub title: String,
    /// `YYYY-MM-DD`, today or later.
    pub deadline: String,
    /// 户户清: the items (None: the six).
    pub items: Option<Vec<String>>,
}

/// Tasks done, overdue and left in one part of a campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: i64,
    pub done: i64,
    /// Not done and the deadline has passed.
    pub overdue: i64,
    /// Not done.
    pub left: i64,
}

impl Counts {
    fn add(&mut self, all: i64, done: i64, past: bool) {
        self.total += all;
        self.done += done;
        self.left += all - done;
        if past {
            self.overdue += all - done;
        }
    }
}

/// A direct child union's part of a campaign.
#[derive(Debug, Clone)]
pub struct ChildProgress {
    pub union_id: i64,
    pub name: String,
    pub counts: Counts,
}

/// How the tasks of a part ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub kept: i64,
    pub corrected: i64,
    pub removed: i64,
    pub cleared: i64,
    pub not_done: i64,
}

/// A campaign's progress in one union's part of it.
#[derive(Debug, Clone)]
pub struct Progress {
    pub campaign: Campaign,
    /// The union counted: (id, name).
    pub union: (i64, String),
    pub counts: Counts,
    pub children: Vec<ChildProgress>,
    pub summary: Summary,
    /// Whether the caller may close it (the starting union's manager, running).
    pub may_close: bool,
    /// Whether the deadline has passed (China time): open tasks are overdue.
    pub overdue_now: bool,
}

/// Filters of the task list as typed.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    pub union_id: Option<i64>,
    /// `open` (default), `done`, `overdue`, `all`.
    pub state: Option<String>,
    /// Only the caller's own tasks.
    pub mine: bool,
    pub household_id: Option<i64>,
    /// A worker's name or file number, in part.
    pub q: Option<String>,
}

/// One task with what its page shows.
#[derive(Debug, Clone)]
pub struct TaskDetail {
    pub campaign: Campaign,
    pub task: Task,
    /// 户户清: the items cleared.
    pub clearances: Vec<Clearance>,
    /// The household's open verification findings (部门核对).
    pub findings: Vec<Finding>,
    /// The latest home visit recorded since the campaign started: (id, date).
    pub visit: Option<(i64, chrono::NaiveDate)>,
    /// Whether the caller may act on it now.
    pub may_act: bool,
}

/// A look-back task's outcome as typed.
#[derive(Debug, Clone, Default)]
pub struct OutcomeInput {
    /// keep, correct or remove.
    pub outcome: String,
    /// What was found; for `correct`, the changes made (required).
    pub note: String,
}

/// A 户户清 item cleared as typed.
#[derive(Debug, Clone, Default)]
pub struct ClearInput {
    /// The item's position (from 0) or its text.
    pub item: String,
    pub note: String,
}

impl Owned for Campaign {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

impl Owned for Task {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

/// Starting or closing: a household manager or an administrator.
fn require_manage(actor: &Actor) -> Result<(), ServiceError> {
    actor
        .require(Permission::ManageHouseholds)
        .or_else(|_| actor.require(Permission::ManageUnions))
}

fn find_campaign(c: &mut Conn, scope: &Scope, id: i64) -> Result<Campaign, ServiceError> {
    store::find(c, scope, id)?.ok_or(ServiceError::NotFound("专项行动"))
}

fn find_task(c: &mut Conn, scope: &Scope, id: i64) -> Result<Task, ServiceError> {
    store::find_task(c, scope, id)?.ok_or(ServiceError::NotFound("专项行动任务"))
}

/// The direct child of `parent` a stored path lies under, if any.
fn child_of(parent: &str, path: &str) -> Option<i64> {
    path.strip_prefix(parent)?.split('/').next()?.parse().ok()
}

/// The union a progress view counts: the one asked for (in scope), else the
/// campaign's own when the caller sees all of it, else the caller's.
fn part_of(
    c: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    campaign: &Campaign,
    union_id: Option<i64>,
) -> Result<(i64, String, UnionPath), ServiceError> {
    match union_id {
        Some(id) => {
            let u = unions::find(c, scope, UnionId(id))?.ok_or(ServiceError::NotFound("工会"))?;
            Ok((u.id.0, u.name, u.path))
        }
        None if scope.path().contains(&campaign.union_path) => Ok((
            campaign.union_id.0,
            campaign.union_name.clone(),
            campaign.union_path.clone(),
        )),
        None => Ok((
            actor.user.union_id.0,
            actor.user.union_name.clone(),
            actor.user.union_path.clone(),
        )),
    }
}

fn summary_of(rows: Vec<(Option<String>, i64)>) -> Summary {
    let mut s = Summary::default();
    for (outcome, n) in rows {
        match outcome.as_deref().map(Outcome::parse) {
            Some(Ok(Outcome::Keep)) => s.kept += n,
            Some(Ok(Outcome::Correct)) => s.corrected += n,
            Some(Ok(Outcome::Remove)) => s.removed += n,
            Some(Ok(Outcome::Cleared)) => s.cleared += n,
            _ => s.not_done += n,
        }
    }
    s
}

fn progress(
    c: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    campaign: Campaign,
    union_id: Option<i64>,
) -> Result<Progress, ServiceError> {
    let (id, name, path) = part_of(c, actor, scope, &campaign, union_id)?;
    let past = today() > campaign.deadline;
    let kids = unions::children_unscoped(c, UnionId(id))?;
    let index: HashMap<i64, usize> = kids.iter().enumerate().map(|(i, u)| (u.id.0, i)).collect();
    let mut children: Vec<ChildProgress> = kids
        .iter()
        .map(|u| ChildProgress {
            union_id: u.id.0,
            name: u.name.clone(),
            counts: Counts::default(),
        })
        .collect();
    let mut counts = Counts::default();
    for (p, all, done) in store::counts_by_path(c, campaign.id, scope, Some(&path))? {
        counts.add(all, done, past);
        if let Some(i) = child_of(path.as_str(), &p).and_then(|k| index.get(&k)) {
            children[*i].counts.add(all, done, past);
        }
    }
    let summary = summary_of(store::counts_by_outcome(
        c,
        campaign.id,
        scope,
        Some(&path),
    )?);
    let may_close = campaign.status == CampaignStatus::Running
        && actor.user.union_id == campaign.union_id
        && (actor.can(Permission::ManageHouseholds) || actor.can(Permission::ManageUnions));
    Ok(Progress {
        campaign,
        union: (id, name),
        counts,
        children,
        summary,
        may_close,
        overdue_now: past,
    })
}

/// Whether the caller may act on a task: its responsible person, or a
/// household manager of its union's scope.
fn may_act(actor: &Actor, campaign: &Campaign, task: &Task) -> bool {
    campaign.status == CampaignStatus::Running
        && task.done_at.is_none()
        && (actor.can(Permission::ManageHouseholds) || task.responsible_id == Some(actor.user.id.0))
}

fn check_may_act(actor: &Actor, campaign: &Campaign, task: &Task) -> Result<(), ServiceError> {
    if !(actor.can(Permission::ManageHouseholds) || task.responsible_id == Some(actor.user.id.0)) {
        return Err(ServiceError::Forbidden);
    }
    if campaign.status != CampaignStatus::Running {
        return Err(ServiceError::Rule(
            "专项行动已结束，任务不能再办理或修改".into(),
        ));
    }
    if task.done_at.is_some() {
        return Err(ServiceError::Rule("该任务已办结，不能再修改".into()));
    }
    Ok(())
}

fn detail(
    c: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    task: Task,
) -> Result<TaskDetail, ServiceError> {
    let campaign = find_campaign(c, scope, task.campaign_id)?;
    let clearances = store::clearances(c, task.id)?;
    let findings = list_findings(
        c,
        scope,
        &FindingFilter {
            household_id: Some(task.household_id),
            status: Some(FindingStatus::Open),
            ..FindingFilter::default()
        },
        PageRequest::new(Some(1), Some(50)),
    )?
    .items;
    let visit = store::visit_since(c, task.household_id, campaign.created_at)?;
    Ok(TaskDetail {
        may_act: may_act(actor, &campaign, &task),
        campaign,
        task,
        clearances,
        findings,
        visit,
    })
}

/// The removal decision that backs outcome `remove`: an open removal of
/// the household proposed since the campaign started, or the household
/// removed since.
fn removal_of(
    c: &mut Conn,
    scope: &Scope,
    campaign: &Campaign,
    task: &Task,
) -> Result<Option<i64>, ServiceError> {
    if let Some(e) = exits::open_of_household(c, scope, task.household_id)? {
        if e.kind == ExitKind::Removed && e.created_at >= campaign.created_at {
            return Ok(Some(e.id.0));
        }
    }
    let h = households::find(c, scope, task.household_id)?
        .ok_or(ServiceError::NotFound("困难职工档案"))?;
    if h.status == Status::Removed && h.updated_at >= campaign.created_at {
        return Ok(None);
    }
    Err(ServiceError::Rule(format!(
        "还没有为档案 {} 提出退出（清退）：请先在档案页发起退出（原因：复核不符合标准），再记录“建议清退”",
        task.file_no
    )))
}

fn task_state(raw: Option<&str>) -> Result<(TaskState, bool), ServiceError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("open") => Ok((TaskState::Open, false)),
        Some("done") => Ok((TaskState::Done, false)),
        Some("overdue") => Ok((TaskState::Open, true)),
        Some("all") => Ok((TaskState::All, false)),
        Some(other) => Err(ValidationError::new(
            "state",
            format!(
                "“{other}”无效：state 应为 open（未完成）、done（已完成）、overdue（逾期）或 all"
            ),
        )
        .into()),
    }
}

impl Services {
    /// Starts a campaign over a union's subtree with one task per household
    /// on file there (audited).
    pub async fn campaign_start(
        &self,
        actor: &Actor,
        input: CampaignInput,
    ) -> Result<Progress, ServiceError> {
        require_manage(actor)?;
        let kind = CampaignKind::parse(&input.kind)?;
        let title = parse_title(&input.title)?;
        let deadline = parse_deadline(&input.deadline, today())?;
        let items = parse_items(kind, input.items.as_deref())?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let u = match input.union_id {
                Some(id) => unions::find(c, &scope, UnionId(id))?,
                None => unions::find(c, &scope, a.user.union_id)?,
            }
            .ok_or(ServiceError::NotFound("工会"))?;
            if u.level == UnionLevel::Grassroots {
                return Err(ServiceError::Rule(format!(
                    "{} 是基层工会：专项行动由县级及以上工会发起",
                    u.name
                )));
            }
            let at = now();
            let id = store::insert(
                c,
                &NewCampaign {
                    kind,
                    title: &title,
                    union_id: u.id,
                    union_path: &u.path,
                    deadline,
                    items: &items,
                    created_by: a.user.id.0,
                },
                at,
            )?;
            let tasks = store::insert_tasks(c, id, &u.path)?;
            store::insert_todos(
                c,
                id,
                Month::of_date(today()),
                &format!("{}：{}（截止 {deadline}）", kind.label(), title),
                at,
            )?;
            let campaign = find_campaign(c, &scope, id)?;
            Record::of(Action::StartCampaign, "campaign", id, campaign.owner())
                .after(json!({
                    "kind": kind.code(),
                    "title": title,
                    "union_id": u.id.0,
                    "deadline": deadline.to_string(),
                    "items": items,
                    "tasks": tasks,
                }))
                .write(c, Who::Actor(&a))?;
            progress(c, &a, &scope, campaign, None)
        })
        .await
    }

    /// The campaigns the caller may read (their subtree's and their
    /// ancestors'), each with its progress in the caller's part of it.
    pub async fn campaign_list(
        &self,
        actor: &Actor,
        filter: CampaignFilter,
        page: PageRequest,
    ) -> Result<Page<Progress>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let list = store::list(c, &scope, &filter, page)?;
            let mut items = Vec::with_capacity(list.items.len());
            for campaign in list.items.iter().cloned() {
                items.push(progress(c, &a, &scope, campaign, None)?);
            }
            Ok(list.with_items(items))
        })
        .await
    }

    /// A campaign's progress in a union's part of it (by default the part
    /// the caller sees), by direct child union.
    pub async fn campaign_progress(
        &self,
        actor: &Actor,
        id: i64,
        union_id: Option<i64>,
    ) -> Result<Progress, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let campaign = find_campaign(c, &scope, id)?;
            progress(c, &a, &scope, campaign, union_id)
        })
        .await
    }

    /// A page of a campaign's tasks in the caller's part of it.
    pub async fn campaign_tasks(
        &self,
        actor: &Actor,
        id: i64,
        q: TaskQuery,
        page: PageRequest,
    ) -> Result<(Campaign, Page<Task>), ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let (state, overdue) = task_state(q.state.as_deref())?;
        let scope = actor.scope();
        let me = actor.user.id.0;
        self.read(move |c| {
            let campaign = find_campaign(c, &scope, id)?;
            let within = match q.union_id {
                Some(u) => Some(
                    unions::find(c, &scope, UnionId(u))?
                        .ok_or(ServiceError::NotFound("工会"))?
                        .path,
                ),
                None => None,
            };
            let within = within.or_else(|| {
                scope
                    .path()
                    .contains(&campaign.union_path)
                    .then(|| campaign.union_path.clone())
            });
            let filter = TaskFilter {
                state,
                responsible_id: q.mine.then_some(me),
                household_id: q.household_id.map(HouseholdId),
                q: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
            };
            let page = if overdue && today() <= campaign.deadline {
                page.of(Vec::new(), 0)
            } else {
                store::tasks(c, campaign.id, &scope, within.as_ref(), &filter, page)?
            };
            Ok((campaign, page))
        })
        .await
    }

    /// Every task of the list for a download of at most `limit` rows: more
    /// is refused, asking to narrow to a child union.
    pub async fn campaign_export(
        &self,
        actor: &Actor,
        id: i64,
        q: TaskQuery,
        limit: usize,
    ) -> Result<(Campaign, Page<Task>), ServiceError> {
        let per_page = i64::try_from(limit).unwrap_or(i64::MAX);
        let all = PageRequest {
            page: 1,
            per_page: per_page.saturating_add(1),
        };
        let (campaign, list) = self.campaign_tasks(actor, id, q, all).await?;
        if list.total > per_page {
            return Err(ServiceError::Rule(format!(
                "共 {} 项任务，超过单次导出上限 {limit} 项，请选择下级工会后分别导出。",
                list.total
            )));
        }
        Ok((campaign, list))
    }

    /// One task with its campaign, items, the household's open findings and
    /// its latest visit since the start.
    pub async fn campaign_task(&self, actor: &Actor, id: i64) -> Result<TaskDetail, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let task = find_task(c, &scope, id)?;
            detail(c, &a, &scope, task)
        })
        .await
    }

    /// The household's open task of a running campaign: (campaign, task).
    pub async fn campaign_task_of_household(
        &self,
        actor: &Actor,
        household: HouseholdId,
    ) -> Result<Option<(i64, i64)>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        self.read(move |c| Ok(store::open_task_of_household(c, &scope, household)?))
            .await
    }

    /// Records a look-back task's outcome (audited): keep, correct (with
    /// the changes noted) or remove (a removal proposed through the exits
    /// flow since the campaign started).
    pub async fn campaign_task_outcome(
        &self,
        actor: &Actor,
        id: i64,
        input: OutcomeInput,
    ) -> Result<TaskDetail, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let outcome = Outcome::parse_look_back(&input.outcome)?;
        let note = input.note.trim().to_owned();
        if outcome == Outcome::Correct && note.is_empty() {
            return Err(ValidationError::new("note", "请写明更正了档案的哪些内容").into());
        }
        if note.chars().count() > 500 {
            return Err(ValidationError::new("note", "说明最多 500 字").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let task = find_task(c, &scope, id)?;
            let campaign = find_campaign(c, &scope, task.campaign_id)?;
            check_may_act(&a, &campaign, &task)?;
            if campaign.kind != CampaignKind::LookBack {
                return Err(ServiceError::Rule(
                    "户户清的任务按清单逐项销号，不记录核查结果".into(),
                ));
            }
            let exit_id = match outcome {
                Outcome::Remove => removal_of(c, &scope, &campaign, &task)?,
                _ => None,
            };
            let visit_id =
                store::visit_since(c, task.household_id, campaign.created_at)?.map(|v| v.0);
            let at = now();
            let f = Finish {
                outcome,
                note: &note,
                exit_id,
                visit_id,
                by: a.user.id.0,
            };
            if !store::finish_task(c, task.id, task.version, &f, at)? {
                return Err(ServiceError::Rule(
                    "该任务刚被他人办理，请刷新后查看".into(),
                ));
            }
            store::close_todos_of_household(c, task.household_id, a.user.id.0, at)?;
            Record::of(
                Action::RecordCampaignTask,
                "campaign_task",
                task.id,
                task.owner(),
            )
            .before(json!({ "done": false }))
            .after(json!({
                "campaign_id": campaign.id,
                "household_id": task.household_id.0,
                "outcome": outcome.code(),
                "note": bangfu_domain::id_number::note_marker(&note),
                "exit_id": exit_id,
                "visit_id": visit_id,
            }))
            .write(c, Who::Actor(&a))?;
            let task = find_task(c, &scope, id)?;
            detail(c, &a, &scope, task)
        })
        .await
    }

    /// Clears an item of a 户户清 task with a note (audited); the task is
    /// done when every item is cleared.
    pub async fn campaign_task_clear(
        &self,
        actor: &Actor,
        id: i64,
        input: ClearInput,
    ) -> Result<TaskDetail, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let note = input.note.trim().to_owned();
        if note.is_empty() {
            return Err(ValidationError::new("note", "请写明该项核清的情况").into());
        }
        if note.chars().count() > 500 {
            return Err(ValidationError::new("note", "说明最多 500 字").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let task = find_task(c, &scope, id)?;
            let campaign = find_campaign(c, &scope, task.campaign_id)?;
            check_may_act(&a, &campaign, &task)?;
            if campaign.kind != CampaignKind::ClearAll {
                return Err(ServiceError::Rule(
                    "回头看的任务记录核查结果（保留、更正或建议清退），没有清单项目".into(),
                ));
            }
            let raw = input.item.trim();
            let index = raw
                .parse::<usize>()
                .ok()
                .filter(|i| *i < campaign.items.len())
                .or_else(|| campaign.items.iter().position(|i| i == raw))
                .ok_or_else(|| {
                    ValidationError::new(
                        "item",
                        format!("清单项目“{raw}”无效，可选：{}", campaign.items.join("、")),
                    )
                })?;
            let item = i32::try_from(index).map_err(|e| ServiceError::Internal(e.to_string()))?;
            let at = now();
            if !store::clear_item(c, task.id, item, &note, a.user.id.0, at)? {
                return Err(ServiceError::Rule(format!(
                    "“{}”已经核清",
                    campaign.items[index]
                )));
            }
            let cleared = store::clearances(c, task.id)?.len();
            let done = cleared >= campaign.items.len();
            let written = if done {
                let visit_id =
                    store::visit_since(c, task.household_id, campaign.created_at)?.map(|v| v.0);
                store::finish_task(
                    c,
                    task.id,
                    task.version,
                    &Finish {
                        outcome: Outcome::Cleared,
                        note: &task.note,
                        exit_id: None,
                        visit_id,
                        by: a.user.id.0,
                    },
                    at,
                )?
            } else {
                store::touch_task(c, task.id, task.version)?
            };
            if !written {
                return Err(ServiceError::Rule(
                    "该任务刚被他人办理，请刷新后查看".into(),
                ));
            }
            if done {
                store::close_todos_of_household(c, task.household_id, a.user.id.0, at)?;
            }
            Record::of(
                Action::RecordCampaignTask,
                "campaign_task",
                task.id,
                task.owner(),
            )
            .after(json!({
                "campaign_id": campaign.id,
                "household_id": task.household_id.0,
                "item": campaign.items[index],
                "note": bangfu_domain::id_number::note_marker(&note),
                "cleared": cleared,
                "of": campaign.items.len(),
                "done": done,
            }))
            .write(c, Who::Actor(&a))?;
            let task = find_task(c, &scope, id)?;
            detail(c, &a, &scope, task)
        })
        .await
    }

    /// Closes a running campaign (the union that started it; audited with
    /// its summary): no task changes afterwards, and its to-do items close.
    pub async fn campaign_close(&self, actor: &Actor, id: i64) -> Result<Progress, ServiceError> {
        require_manage(actor)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let campaign = find_campaign(c, &scope, id)?;
            if campaign.union_id != a.user.union_id {
                return Err(ServiceError::Forbidden);
            }
            if campaign.status != CampaignStatus::Running {
                return Err(ServiceError::Rule("该专项行动已经结束".into()));
            }
            let at = now();
            if !store::close(c, id, campaign.version, a.user.id.0, at)? {
                return Err(ServiceError::Rule(
                    "该专项行动刚被他人修改，请刷新后重试".into(),
                ));
            }
            store::close_todos_of_campaign(c, id, a.user.id.0, at)?;
            let closed = find_campaign(c, &scope, id)?;
            let p = progress(c, &a, &scope, closed, None)?;
            Record::of(Action::CloseCampaign, "campaign", id, campaign.owner())
                .before(json!({ "status": CampaignStatus::Running.code() }))
                .after(json!({
                    "status": CampaignStatus::Closed.code(),
                    "kept": p.summary.kept,
                    "corrected": p.summary.corrected,
                    "removed": p.summary.removed,
                    "cleared": p.summary.cleared,
                    "not_done": p.summary.not_done,
                }))
                .write(c, Who::Actor(&a))?;
            Ok(p)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_roll_up_and_overdue_only_past_the_deadline() {
        let mut c = Counts::default();
        c.add(5, 2, false);
        assert_eq!((c.total, c.done, c.left, c.overdue), (5, 2, 3, 0));
        c.add(4, 1, true);
        assert_eq!((c.total, c.done, c.left, c.overdue), (9, 3, 6, 3));
        assert_eq!(child_of("/1/5/", "/1/5/23/77/"), Some(23));
        assert_eq!(child_of("/1/5/", "/1/5/"), None);
    }

    #[test]
    fn a_summary_counts_outcomes_and_open_tasks() {
        let s = summary_of(vec![
            (Some("keep".into()), 3),
            (Some("correct".into()), 2),
            (Some("remove".into()), 1),
            (None, 4),
        ]);
        assert_eq!((s.kept, s.corrected, s.removed, s.not_done), (3, 2, 1, 4));
    }
}
