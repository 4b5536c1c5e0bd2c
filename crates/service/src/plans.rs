//! Pairing households with a responsible person (一帮一), the work lists of
//! a scope, "my households", and plans and measures (一户一计划、一户一措施).

use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::dictionary::require_active;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::assistance::{Catalogue, Goal, MeasureId, MeasureStatus, PlanId, PlanStatus};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{parse_text, HouseholdId};
use bangfu_domain::{Permission, Role, UnionId, UserId, ValidationError};
use bangfu_storage::dictionary as dict;
use bangfu_storage::plans::{self as store, MeasureFields, PlanFields, Worklist};
use bangfu_storage::{unions, users, Conn, Page, PageRequest, Scope};
use chrono::{Datelike, NaiveDate};
use serde_json::json;
use std::collections::HashMap;

pub use bangfu_storage::dictionary::Entry;
pub use bangfu_storage::plans::{Measure, Pairing, Plan, WorkItem};

/// The year plans are made for by default: this year (China time).
pub fn current_year() -> i32 {
    today().year()
}

/// A new pairing as typed.
#[derive(Debug, Clone, Default)]
pub struct PairingInput {
    /// The pairing unit (a union in scope).
    pub union_id: i64,
    /// The responsible person (an active officer in scope).
    pub responsible_id: i64,
    pub note: String,
}

/// A household's pairing: where it stands and the history.
#[derive(Debug, Clone)]
pub struct PairingView {
    pub item: WorkItem,
    pub history: Vec<Pairing>,
}

/// The work lists of the pairing page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorklistKind {
    /// No responsible person.
    Unassigned,
    /// No plan for the year.
    NoPlan,
    /// Not visited within the set interval.
    NotVisited,
    /// A plan submitted for approval: what waits for a reviewer.
    PlanSubmitted,
}

impl WorklistKind {
    pub const ALL: [WorklistKind; 4] = [
        WorklistKind::Unassigned,
        WorklistKind::NoPlan,
        WorklistKind::NotVisited,
        WorklistKind::PlanSubmitted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WorklistKind::Unassigned => "unassigned",
            WorklistKind::NoPlan => "no_plan",
            WorklistKind::NotVisited => "not_visited",
            WorklistKind::PlanSubmitted => "plan_submitted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WorklistKind::Unassigned => "未落实责任人",
            WorklistKind::NoPlan => "本年度无帮扶计划",
            WorklistKind::NotVisited => "超期未走访",
            WorklistKind::PlanSubmitted => "计划待审定",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == raw.trim())
    }
}

/// How many households of the scope each work list holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorklistCounts {
    pub unassigned: i64,
    pub no_plan: i64,
    pub not_visited: i64,
    pub plan_submitted: i64,
}

/// One of "my households" with what is due.
#[derive(Debug, Clone)]
pub struct MyHousehold {
    pub item: WorkItem,
    /// Open measures (planned, in progress), by due date.
    pub open_measures: Vec<Measure>,
    /// Of those, due before today.
    pub overdue_measures: usize,
    /// Never visited, or not within the interval.
    pub visit_overdue: bool,
    /// The status of this year's plan, if there is one.
    pub plan_this_year: Option<PlanStatus>,
}

impl MyHousehold {
    /// Something needs doing.
    pub fn has_due(&self) -> bool {
        self.overdue_measures > 0 || self.visit_overdue || self.plan_this_year.is_none()
    }
}

/// A household's plan for a year with its measures and what the viewer may do.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub item: WorkItem,
    pub year: i32,
    pub plan: Option<Plan>,
    pub measures: Vec<Measure>,
    /// Years with a plan, newest first.
    pub years: Vec<(i32, PlanStatus)>,
    /// Code → label for tracks, programmes and guarantee lines (deactivated
    /// entries included, so old measures stay readable).
    pub labels: HashMap<(Catalogue, String), String>,
    /// Active entries, for forms.
    pub tracks: Vec<Entry>,
    pub programmes: Vec<Entry>,
    pub lines: Vec<Entry>,
    pub can_manage: bool,
    pub can_approve: bool,
}

impl PlanView {
    /// The label of a code in a catalogue (the code itself when unknown).
    pub fn label(&self, kind: Catalogue, code: &str) -> String {
        self.labels
            .get(&(kind, code.to_owned()))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
}

/// A plan as typed. `version` names the plan as read (required to change an
/// existing plan).
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub goal: String,
    /// YYYY-MM-DD; required for the goal `exit`.
    pub target_on: String,
    pub summary: String,
    pub version: Option<i64>,
}

/// A measure as typed; for a change, what is absent stays as it is.
#[derive(Debug, Clone, Default)]
pub struct MeasureInput {
    /// When given, must be the plan's household.
    pub household_id: Option<i64>,
    pub track: Option<String>,
    /// Empty: none.
    pub programme: Option<String>,
    /// Empty: none.
    pub guarantee_line: Option<String>,
    pub content: Option<String>,
    /// YYYY-MM-DD.
    pub due_on: Option<String>,
    pub responsible_id: Option<i64>,
    pub status: Option<String>,
    /// Required to change a measure.
    pub version: Option<i64>,
}

fn stale(what: &str) -> ServiceError {
    ServiceError::stale(format!("该{what}刚刚已被他人修改，请刷新页面后再保存。"))
}

fn parse_day(field: &'static str, what: &str, raw: &str) -> Result<NaiveDate, ValidationError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ValidationError::new(field, format!("请填写{what}（YYYY-MM-DD）")))
}

fn year_start(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn year_end(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX)
}

fn check_year(year: i32) -> Result<(), ValidationError> {
    let now = current_year();
    if (2000..=now + 1).contains(&year) {
        Ok(())
    } else {
        Err(ValidationError::new(
            "year",
            format!("计划年度应在 2000 到 {} 之间", now + 1),
        ))
    }
}

/// The household in scope, or 404.
fn household(c: &mut Conn, scope: &Scope, id: HouseholdId) -> Result<WorkItem, ServiceError> {
    store::work_item(c, scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))
}

/// An active user in scope, or an error naming `field`.
fn user_in_scope(
    c: &mut Conn,
    scope: &Scope,
    field: &'static str,
    id: i64,
    officer: bool,
) -> Result<users::User, ServiceError> {
    let u = users::find(c, scope, UserId(id))?
        .filter(|u| u.active)
        .ok_or_else(|| ValidationError::new(field, "责任人须是本工会或下级工会的在用账号"))?;
    if officer && !u.roles.allows(Permission::ManageAssistance) {
        return Err(ValidationError::new(
            field,
            format!("“{}”不是帮扶干部，不能担任结对责任人", u.display_name),
        )
        .into());
    }
    Ok(u)
}

fn plan_json(p: &PlanFields, status: PlanStatus, year: i32) -> serde_json::Value {
    json!({
        "year": year,
        "goal": p.goal.code(),
        "target_on": p.target_on.map(|d| d.to_string()),
        "summary": bangfu_domain::id_number::note_marker(&p.summary),
        "status": status.code(),
    })
}

pub(crate) fn measure_json(m: &MeasureFields, plan_status: PlanStatus) -> serde_json::Value {
    json!({
        "track": m.track,
        "programme": m.programme,
        "guarantee_line": m.guarantee_line,
        "content": bangfu_domain::id_number::note_marker(&m.content),
        "due_on": m.due_on.to_string(),
        "responsible_id": m.responsible_id.map(|u| u.0),
        "status": m.status.code(),
        "done_on": m.done_on.map(|d| d.to_string()),
        "plan_status": plan_status.code(),
    })
}

pub(crate) fn fields_of(m: &Measure) -> MeasureFields {
    MeasureFields {
        track: m.track.clone(),
        programme: m.programme.clone(),
        guarantee_line: m.guarantee_line.clone(),
        content: m.content.clone(),
        due_on: m.due_on,
        responsible_id: m.responsible_id,
        status: m.status,
        done_on: m.done_on,
    }
}

/// Checks a dictionary code; an unchanged code of an existing measure is
/// kept even if its entry was deactivated since.
fn check_code(
    c: &mut Conn,
    kind: Catalogue,
    field: &'static str,
    raw: &str,
    old: Option<&str>,
) -> Result<String, ServiceError> {
    let code = raw.trim();
    if old == Some(code) {
        return Ok(code.to_owned());
    }
    require_active(c, kind, field, code)?;
    Ok(code.to_owned())
}

fn optional_code(
    c: &mut Conn,
    kind: Catalogue,
    field: &'static str,
    raw: Option<&str>,
    old: Option<&str>,
) -> Result<Option<String>, ServiceError> {
    match raw.map(str::trim) {
        None => Ok(old.map(str::to_owned)),
        Some("") => Ok(None),
        Some(code) => check_code(c, kind, field, code, old).map(Some),
    }
}

impl Services {
    /// The active officers of the scope, who may be made responsible for a household.
    pub async fn pairing_candidates(
        &self,
        actor: &Actor,
    ) -> Result<Vec<users::User>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            Ok(users::list(
                c,
                &scope,
                &users::UserFilter {
                    role: Some(Role::Officer),
                    active: Some(true),
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
            )?
            .items)
        })
        .await
    }

    /// A household's pairing and its history.
    pub async fn pairing_get(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<PairingView, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            let item = household(c, &scope, id)?;
            let history = store::history(c, id)?;
            Ok(PairingView { item, history })
        })
        .await
    }

    /// Makes a union the household's pairing unit and a user its responsible
    /// person (closing the previous pairing). Audited.
    pub async fn pairing_assign(
        &self,
        actor: &Actor,
        id: HouseholdId,
        input: PairingInput,
    ) -> Result<PairingView, ServiceError> {
        self.pairing_assign_many(actor, vec![id], input).await?;
        self.pairing_get(actor, id).await
    }

    /// Pairs several households at once with one unit and responsible
    /// person, all or nothing; returns how many changed.
    pub async fn pairing_assign_many(
        &self,
        actor: &Actor,
        ids: Vec<HouseholdId>,
        input: PairingInput,
    ) -> Result<usize, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        if ids.is_empty() {
            return Err(ValidationError::new("household_ids", "请先勾选要结对的家庭").into());
        }
        if ids.len() > 200 {
            return Err(ValidationError::new("household_ids", "一次最多为 200 户结对").into());
        }
        let note = parse_text("note", "备注", &input.note, false, 200)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let union = unions::find(c, &scope, UnionId(input.union_id))?
                .filter(|u| u.active)
                .ok_or_else(|| {
                    ValidationError::new("union_id", "请选择本工会或下级工会作为结对单位")
                })?;
            let person = user_in_scope(c, &scope, "responsible_id", input.responsible_id, true)?;
            let at = now();
            let mut changed = 0;
            for id in ids {
                let h = household(c, &scope, id)?;
                if !h.status.under_assistance() {
                    return Err(ServiceError::Rule(format!(
                        "{}（{}）的档案已关闭，不再结对帮扶",
                        h.worker_name, h.file_no
                    )));
                }
                if h.pairing_union_id == Some(union.id) && h.responsible_id == Some(person.id) {
                    continue;
                }
                store::assign(c, id, union.id, person.id, &note, Some(a.user.id.0), at)?;
                Record::of(Action::AssignPairing, "household", id, h.owner())
                    .before(json!({
                        "pairing_union_id": h.pairing_union_id.map(|u| u.0),
                        "responsible_id": h.responsible_id.map(|u| u.0),
                        "responsible_name": h.responsible_name,
                    }))
                    .after(json!({
                        "pairing_union_id": union.id.0,
                        "responsible_id": person.id.0,
                        "responsible_name": person.display_name,
                        "note": bangfu_domain::id_number::note_marker(&note),
                    }))
                    .write(c, Who::Actor(&a))?;
                changed += 1;
            }
            Ok(changed)
        })
        .await
    }

    /// A work list of the scope (optionally one union's subtree).
    pub async fn worklist(
        &self,
        actor: &Actor,
        kind: WorklistKind,
        union_id: Option<i64>,
        page: PageRequest,
    ) -> Result<Page<WorkItem>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        let list = match kind {
            WorklistKind::Unassigned => Worklist::Unassigned,
            WorklistKind::NoPlan => Worklist::NoPlan(current_year()),
            WorklistKind::NotVisited => Worklist::NotVisitedSince(self.visit_cutoff()),
            WorklistKind::PlanSubmitted => Worklist::PlanSubmitted,
        };
        self.read(move |c| {
            let within = match union_id {
                Some(u) => Some(
                    unions::find(c, &scope, UnionId(u))?
                        .ok_or(ServiceError::NotFound("工会"))?
                        .path,
                ),
                None => None,
            };
            Ok(store::worklist(c, &scope, within.as_ref(), list, page)?)
        })
        .await
    }

    /// Visits on or after this date are within the interval.
    fn visit_cutoff(&self) -> NaiveDate {
        bangfu_domain::assistance::visit_cutoff(today(), self.settings().visit_interval_days)
    }

    /// How many households each work list holds.
    pub async fn worklist_counts(&self, actor: &Actor) -> Result<WorklistCounts, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        let cutoff = self.visit_cutoff();
        self.read(move |c| {
            let one = PageRequest::new(Some(1), Some(1));
            let count = |c: &mut Conn, l| -> Result<i64, ServiceError> {
                Ok(store::worklist(c, &scope, None, l, one)?.total)
            };
            Ok(WorklistCounts {
                unassigned: count(c, Worklist::Unassigned)?,
                no_plan: count(c, Worklist::NoPlan(current_year()))?,
                not_visited: count(c, Worklist::NotVisitedSince(cutoff))?,
                plan_submitted: count(c, Worklist::PlanSubmitted)?,
            })
        })
        .await
    }

    /// The households the signed-in user is responsible for, with what is
    /// due; within a page, those with overdue work first.
    pub async fn my_households(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<MyHousehold>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        let me = actor.user.id;
        let days = self.settings().visit_interval_days;
        let today = today();
        self.read(move |c| {
            let mut p = store::worklist(c, &scope, None, Worklist::ResponsibleOf(me), page)?;
            let ids: Vec<HouseholdId> = p.items.iter().map(|i| i.household_id).collect();
            let mut open: HashMap<i64, Vec<Measure>> = HashMap::new();
            for m in store::open_measures_of(c, &ids)? {
                open.entry(m.household_id.0).or_default().push(m);
            }
            let plans = store::with_plan(c, &ids, today.year())?;
            let mut items: Vec<MyHousehold> = std::mem::take(&mut p.items)
                .into_iter()
                .map(|item| {
                    let open_measures = open.remove(&item.household_id.0).unwrap_or_default();
                    let overdue_measures = open_measures
                        .iter()
                        .filter(|m| m.status.overdue(m.due_on, today))
                        .count();
                    MyHousehold {
                        visit_overdue: bangfu_domain::assistance::visit_overdue(
                            item.visit_dates(),
                            today,
                            days,
                        ),
                        plan_this_year: plans.get(&item.household_id.0).copied(),
                        item,
                        open_measures,
                        overdue_measures,
                    }
                })
                .collect();
            items.sort_by_key(|h| {
                (
                    h.overdue_measures == 0,
                    !h.visit_overdue,
                    h.plan_this_year.is_some(),
                    h.open_measures.first().map(|m| m.due_on),
                )
            });
            Ok(p.with_items(items))
        })
        .await
    }

    /// A household's plan for `year` (none yet is not an error) with its measures.
    pub async fn plan_view(
        &self,
        actor: &Actor,
        id: HouseholdId,
        year: i32,
    ) -> Result<PlanView, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        check_year(year)?;
        let scope = actor.scope();
        let can_manage = actor.can(Permission::ManageAssistance);
        let can_approve = actor.can(Permission::ApproveAssistance);
        self.read(move |c| {
            let item = household(c, &scope, id)?;
            let plan = store::plan_for_year(c, &scope, id, year)?;
            let measures = match &plan {
                Some(p) => store::measures_of(c, p.id)?,
                None => Vec::new(),
            };
            let years = store::plan_years(c, &scope, id)?;
            let mut labels = HashMap::new();
            for kind in [
                Catalogue::Track,
                Catalogue::Programme,
                Catalogue::GuaranteeLine,
            ] {
                for (code, label) in dict::labels(c, kind)? {
                    labels.insert((kind, code), label);
                }
            }
            Ok(PlanView {
                item,
                year,
                plan,
                measures,
                years,
                labels,
                tracks: dict::list(c, Some(Catalogue::Track), true)?,
                programmes: dict::list(c, Some(Catalogue::Programme), true)?,
                lines: dict::list(c, Some(Catalogue::GuaranteeLine), true)?,
                can_manage,
                can_approve,
            })
        })
        .await
    }

    /// Creates or changes a household's plan for a year. Changing what an
    /// approved plan says returns it to draft for a new approval.
    pub async fn plan_save(
        &self,
        actor: &Actor,
        id: HouseholdId,
        year: i32,
        input: PlanInput,
    ) -> Result<Plan, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        check_year(year)?;
        let goal = Goal::parse(&input.goal).map_err(|e| ValidationError::new("goal", e.message))?;
        let target_on = match goal {
            Goal::Exit => {
                let d = parse_day("target_on", "计划脱困日期", &input.target_on)?;
                if d < year_start(year) || d > year_end(year + 2) {
                    return Err(ValidationError::new(
                        "target_on",
                        format!(
                            "计划脱困日期应在 {} 至 {} 之间",
                            year_start(year),
                            year_end(year + 2)
                        ),
                    )
                    .into());
                }
                Some(d)
            }
            Goal::Relief => None,
        };
        let summary = parse_text(
            "summary",
            "计划概述（家庭困难情况和帮扶思路）",
            &input.summary,
            true,
            2000,
        )?;
        let fields = PlanFields {
            goal,
            target_on,
            summary,
        };
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = household(c, &scope, id)?;
            let at = now();
            match store::plan_for_year(c, &scope, id, year)? {
                None => {
                    if !h.status.under_assistance() {
                        return Err(ServiceError::Rule(
                            "该户档案已关闭，不能制定新的帮扶计划".into(),
                        ));
                    }
                    let pid = store::insert_plan(
                        c,
                        id,
                        &h.union_path,
                        year,
                        &fields,
                        Some(a.user.id.0),
                        at,
                    )?
                    .ok_or_else(|| ServiceError::Conflict {
                        field: "year",
                        message: format!("该户 {year} 年度的帮扶计划刚刚已由他人建立，请刷新页面"),
                    })?;
                    Record::of(Action::SavePlan, "plan", pid, h.owner())
                    .after(plan_json(&fields, PlanStatus::Draft, year))
                    .write(c, Who::Actor(&a))?;
                }
                Some(p) => {
                    let Some(version) = input.version else {
                        return Err(ServiceError::Conflict {
                            field: "version",
                            message: format!(
                                "该户 {year} 年度已有帮扶计划，修改时须带上读取时的版本号（version）"
                            ),
                        });
                    };
                    if version != p.version {
                        return Err(stale("帮扶计划"));
                    }
                    let old = PlanFields {
                        goal: p.goal,
                        target_on: p.target_on,
                        summary: p.summary.clone(),
                    };
                    let same = old.goal == fields.goal
                        && old.target_on == fields.target_on
                        && old.summary == fields.summary;
                    if same {
                        return Ok(p);
                    }
                    // What was approved changed: it needs approving again.
                    let status = PlanStatus::Draft;
                    if !store::update_plan(c, p.id, version, &fields, status, at)? {
                        return Err(stale("帮扶计划"));
                    }
                    Record::of(Action::SavePlan, "plan", p.id, h.owner())
                    .before(plan_json(&old, p.status, year))
                    .after(plan_json(&fields, status, year))
                    .write(c, Who::Actor(&a))?;
                }
            }
            store::plan_for_year(c, &scope, id, year)?.ok_or(ServiceError::NotFound("帮扶计划"))
        })
        .await
    }

    /// The officer submits a draft plan with its measures for approval
    /// (提交审批); it then waits in the reviewers' queue.
    pub async fn plan_submit(
        &self,
        actor: &Actor,
        id: PlanId,
        version: Option<i64>,
    ) -> Result<Plan, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let p = store::find_plan(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶计划"))?;
            if version.is_some_and(|v| v != p.version) {
                return Err(stale("帮扶计划"));
            }
            match p.status {
                PlanStatus::Draft => {}
                PlanStatus::Submitted => {
                    return Err(ServiceError::Rule("该计划已提交审批，正等待审定".into()))
                }
                PlanStatus::Approved => return Err(ServiceError::Rule("该计划已经审定".into())),
            }
            if store::measures_of(c, p.id)?.is_empty() {
                return Err(ServiceError::Rule(
                    "计划还没有帮扶措施，请先制定措施再提交审批".into(),
                ));
            }
            let h = household(c, &scope, p.household_id)?;
            if !h.status.under_assistance() {
                return Err(ServiceError::Rule(
                    "该户档案已关闭，不能再提交帮扶计划".into(),
                ));
            }
            if !store::submit_plan(c, p.id, p.version, a.user.id.0, now())? {
                return Err(stale("帮扶计划"));
            }
            Record::of(Action::SubmitPlan, "plan", p.id, h.owner())
                .before(json!({ "status": p.status.code(), "year": p.year }))
                .after(json!({ "status": PlanStatus::Submitted.code(), "year": p.year }))
                .write(c, Who::Actor(&a))?;
            store::find_plan(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶计划"))
        })
        .await
    }

    /// A reviewer approves a submitted plan (审定): its measures become approved measures.
    pub async fn plan_approve(
        &self,
        actor: &Actor,
        id: PlanId,
        version: Option<i64>,
    ) -> Result<Plan, ServiceError> {
        actor.require(Permission::ApproveAssistance)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let p = store::find_plan(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶计划"))?;
            if version.is_some_and(|v| v != p.version) {
                return Err(stale("帮扶计划"));
            }
            match p.status {
                PlanStatus::Submitted => {}
                PlanStatus::Draft => {
                    return Err(ServiceError::Rule(
                        "该计划尚未提交审批：请帮扶干部先提交审批，再审定".into(),
                    ))
                }
                PlanStatus::Approved => return Err(ServiceError::Rule("该计划已经审定".into())),
            }
            if store::measures_of(c, p.id)?.is_empty() {
                return Err(ServiceError::Rule(
                    "计划还没有帮扶措施，请先制定措施再审定".into(),
                ));
            }
            let h = household(c, &scope, p.household_id)?;
            if !store::approve_plan(c, p.id, p.version, a.user.id.0, now())? {
                return Err(stale("帮扶计划"));
            }
            Record::of(Action::ApprovePlan, "plan", p.id, h.owner())
                .before(json!({ "status": p.status.code(), "year": p.year }))
                .after(json!({ "status": PlanStatus::Approved.code(), "year": p.year }))
                .write(c, Who::Actor(&a))?;
            store::find_plan(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶计划"))
        })
        .await
    }

    /// Adds a measure to a plan.
    pub async fn measure_add(
        &self,
        actor: &Actor,
        plan: PlanId,
        input: MeasureInput,
    ) -> Result<Measure, ServiceError> {
        self.measure_save(actor, Err(plan), input).await
    }

    /// Changes a measure (read at `input.version`). A measure of an approved
    /// plan stays approved; the change is audited with the plan's status.
    pub async fn measure_update(
        &self,
        actor: &Actor,
        id: MeasureId,
        input: MeasureInput,
    ) -> Result<Measure, ServiceError> {
        self.measure_save(actor, Ok(id), input).await
    }

    /// The measure (`Ok`) or a new one on the plan (`Err`).
    async fn measure_save(
        &self,
        actor: &Actor,
        target: Result<MeasureId, PlanId>,
        input: MeasureInput,
    ) -> Result<Measure, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let content = input
            .content
            .as_deref()
            .map(|s| parse_text("content", "措施内容", s, true, 500))
            .transpose()?;
        let due_on = input
            .due_on
            .as_deref()
            .map(|s| parse_day("due_on", "完成期限", s))
            .transpose()?;
        let status = input
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| MeasureStatus::parse(s).map_err(|e| ValidationError::new("status", e.message)))
            .transpose()?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let (existing, plan) = match target {
                Ok(mid) => {
                    let m = store::find_measure(c, &scope, mid)?
                        .ok_or(ServiceError::NotFound("帮扶措施"))?;
                    let Some(version) = input.version else {
                        return Err(ValidationError::new(
                            "version",
                            "修改措施须带上读取时的版本号（version）",
                        )
                        .into());
                    };
                    if version != m.version {
                        return Err(stale("帮扶措施"));
                    }
                    let p = store::find_plan(c, &scope, m.plan_id)?
                        .ok_or(ServiceError::NotFound("帮扶计划"))?;
                    (Some(m), p)
                }
                Err(pid) => {
                    let p = store::find_plan(c, &scope, pid)?
                        .ok_or(ServiceError::NotFound("帮扶计划"))?;
                    (None, p)
                }
            };
            if input.household_id.is_some_and(|h| h != plan.household_id.0) {
                return Err(ValidationError::new(
                    "plan_id",
                    "该帮扶计划属于另一户家庭，措施只能加在本户的计划上",
                )
                .into());
            }
            let h = household(c, &scope, plan.household_id)?;
            if existing.is_none() && !h.status.under_assistance() {
                return Err(ServiceError::Rule(
                    "该户档案已关闭，不能再增加帮扶措施".into(),
                ));
            }
            let old = existing.as_ref().map(fields_of);
            let track = match (input.track.as_deref(), &old) {
                (Some(t), o) => check_code(
                    c,
                    Catalogue::Track,
                    "track",
                    t,
                    o.as_ref().map(|o| o.track.as_str()),
                )?,
                (None, Some(o)) => o.track.clone(),
                (None, None) => {
                    return Err(ValidationError::new("track", "请选择帮扶路径（四个一批）").into())
                }
            };
            let programme = optional_code(
                c,
                Catalogue::Programme,
                "programme",
                input.programme.as_deref(),
                old.as_ref().and_then(|o| o.programme.as_deref()),
            )?;
            let guarantee_line = optional_code(
                c,
                Catalogue::GuaranteeLine,
                "guarantee_line",
                input.guarantee_line.as_deref(),
                old.as_ref().and_then(|o| o.guarantee_line.as_deref()),
            )?;
            let content = match (content, &old) {
                (Some(s), _) => s,
                (None, Some(o)) => o.content.clone(),
                (None, None) => {
                    return Err(ValidationError::new("content", "请填写措施内容").into())
                }
            };
            let due_on = match (due_on, &old) {
                (Some(d), _) => {
                    let (from, until) = (year_start(plan.year), year_end(plan.year + 1));
                    if d < from || d > until {
                        return Err(ValidationError::new(
                            "due_on",
                            format!(
                                "{} 年度计划的措施完成期限应在 {from} 至 {until} 之间",
                                plan.year
                            ),
                        )
                        .into());
                    }
                    d
                }
                (None, Some(o)) => o.due_on,
                (None, None) => {
                    return Err(
                        ValidationError::new("due_on", "请填写完成期限（YYYY-MM-DD）").into(),
                    )
                }
            };
            let responsible_id = match (input.responsible_id, &old) {
                (Some(u), o) if o.as_ref().and_then(|o| o.responsible_id) == Some(UserId(u)) => {
                    Some(UserId(u))
                }
                (Some(u), _) => Some(user_in_scope(c, &scope, "responsible_id", u, false)?.id),
                (None, Some(o)) => o.responsible_id,
                (None, None) => Some(h.responsible_id.unwrap_or(a.user.id)),
            };
            let status = status
                .or(old.as_ref().map(|o| o.status))
                .unwrap_or(MeasureStatus::Planned);
            let done_on = if status == MeasureStatus::Done {
                old.as_ref().and_then(|o| o.done_on).or(Some(today()))
            } else {
                None
            };
            let fields = MeasureFields {
                track,
                programme,
                guarantee_line,
                content,
                due_on,
                responsible_id,
                status,
                done_on,
            };
            let at = now();
            let id = match &existing {
                Some(m) => {
                    if !store::update_measure(c, m.id, m.version, &fields, at)? {
                        return Err(stale("帮扶措施"));
                    }
                    m.id
                }
                None => store::insert_measure(c, &plan, &fields, at)?,
            };
            Record::of(Action::SaveMeasure, "measure", id, h.owner())
                .before_opt(old.as_ref().map(|o| measure_json(o, plan.status)))
                .after(measure_json(&fields, plan.status))
                .write(c, Who::Actor(&a))?;
            store::find_measure(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶措施"))
        })
        .await
    }

    /// One measure in scope.
    pub async fn measure_get(&self, actor: &Actor, id: MeasureId) -> Result<Measure, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            store::find_measure(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶措施"))
        })
        .await
    }
}
