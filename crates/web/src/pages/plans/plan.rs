//! A household's pairing, plan and measures (/households/{id}/plan).

use super::*;
use crate::view::local_time;
use bangfu_domain::assistance::{Catalogue, Goal, MeasureId, MeasureStatus, PlanId, PlanStatus};
use bangfu_domain::household::HouseholdId;
use bangfu_service::dictionary::DictionaryEntry;
use bangfu_service::plans::{
    current_year, Measure, MeasureInput, PairingInput, PlanInput, PlanView,
};
use bangfu_service::ServiceError;

pub struct MeasureView {
    pub id: i64,
    pub version: i64,
    pub track: String,
    pub track_label: String,
    pub programme: String,
    pub programme_label: String,
    pub line: String,
    pub line_label: String,
    pub content: String,
    pub due_on: String,
    pub responsible_id: i64,
    pub responsible: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub done_on: String,
    pub overdue: bool,
}

pub(crate) fn measure_view(m: &Measure, v: &PlanView, today: chrono::NaiveDate) -> MeasureView {
    MeasureView {
        id: m.id.0,
        version: m.version,
        track_label: v.label(Catalogue::Track, &m.track),
        track: m.track.clone(),
        programme_label: m
            .programme
            .as_deref()
            .map(|c| v.label(Catalogue::Programme, c))
            .unwrap_or_default(),
        programme: m.programme.clone().unwrap_or_default(),
        line_label: m
            .guarantee_line
            .as_deref()
            .map(|c| v.label(Catalogue::GuaranteeLine, c))
            .unwrap_or_default(),
        line: m.guarantee_line.clone().unwrap_or_default(),
        content: m.content.clone(),
        due_on: m.due_on.to_string(),
        responsible_id: m.responsible_id.map(|u| u.0).unwrap_or(0),
        responsible: m.responsible_name.clone().unwrap_or_default(),
        status: m.status.code(),
        status_label: m.status.label(),
        done_on: date_or_none(m.done_on),
        overdue: m.status.overdue(m.due_on, today),
    }
}

pub struct PairingRow {
    pub union_name: String,
    pub responsible: String,
    pub from: String,
    pub until: String,
    pub note: String,
}

/// What the plan form shows (as stored, or as typed when refused).
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct PlanForm {
    #[serde(default)]
    pub(crate) year: String,
    #[serde(default)]
    pub(crate) goal: String,
    #[serde(default)]
    pub(crate) target_on: String,
    #[serde(default)]
    pub(crate) summary: String,
    #[serde(default)]
    pub(crate) version: String,
}

/// A measure as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct MeasureForm {
    #[serde(default)]
    pub(crate) year: String,
    #[serde(default)]
    pub(crate) plan_id: String,
    #[serde(default)]
    pub(crate) track: String,
    #[serde(default)]
    pub(crate) programme: String,
    #[serde(default)]
    pub(crate) guarantee_line: String,
    #[serde(default)]
    pub(crate) content: String,
    #[serde(default)]
    pub(crate) due_on: String,
    #[serde(default)]
    pub(crate) responsible_id: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) version: String,
}

pub(crate) type StrOptions = Vec<(String, String)>;

pub(crate) fn entry_options(list: &[DictionaryEntry]) -> StrOptions {
    list.iter()
        .map(|e| (e.code.clone(), e.label.clone()))
        .collect()
}

#[derive(Template)]
#[template(path = "plan.html")]
pub(crate) struct PlanPage {
    pub(crate) chrome: Chrome,
    pub(crate) household_id: i64,
    pub(crate) tab: &'static str,
    pub(crate) h: ItemView,
    pub(crate) year: i32,
    /// `(year, status label)` of the years with a plan, plus this year and next.
    pub(crate) years: Vec<(i32, String)>,
    pub(crate) has_plan: bool,
    pub(crate) plan_id: i64,
    pub(crate) plan_version: i64,
    pub(crate) plan_status: String,
    pub(crate) plan_approved: bool,
    /// Submitted for approval: waits for a reviewer.
    pub(crate) plan_submitted: bool,
    /// "张三 于 … 提交审批", while submitted.
    pub(crate) plan_submitted_by: String,
    pub(crate) plan_goal: String,
    pub(crate) plan_target: String,
    pub(crate) plan_summary: String,
    pub(crate) plan_approved_by: String,
    pub(crate) measures: Vec<MeasureView>,
    pub(crate) plan_form: PlanForm,
    pub(crate) measure_form: MeasureForm,
    pub(crate) goals: crate::pages::households::Options,
    pub(crate) statuses: crate::pages::households::Options,
    pub(crate) tracks: StrOptions,
    pub(crate) programmes: StrOptions,
    pub(crate) lines: StrOptions,
    pub(crate) people: Vec<(i64, String)>,
    pub(crate) union_options: Vec<(i64, String)>,
    pub(crate) history: Vec<PairingRow>,
    pub(crate) can_manage: bool,
    pub(crate) can_approve: bool,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

impl PlanPage {
    /// Whether a deactivated code must be offered to keep an old measure's value.
    pub(crate) fn missing(&self, options: &StrOptions, code: &str) -> bool {
        !code.is_empty() && !options.iter().any(|(c, _)| c == code)
    }
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct PlanQuery {
    pub(crate) year: Option<i32>,
    #[serde(default)]
    pub(crate) notice: String,
}

pub(crate) struct PlanExtras {
    pub(crate) plan_form: Option<PlanForm>,
    pub(crate) measure_form: Option<MeasureForm>,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

pub(crate) async fn plan_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    year: i32,
    x: PlanExtras,
    status: StatusCode,
) -> PageResult {
    let v = state
        .services
        .plan_view(actor, HouseholdId(id), year)
        .await?;
    let pairing = state.services.pairing_get(actor, HouseholdId(id)).await?;
    let today = bangfu_service::today();
    let mut years: Vec<(i32, String)> = v
        .years
        .iter()
        .map(|(y, s)| (*y, s.label().to_owned()))
        .collect();
    for y in [current_year() + 1, current_year(), year] {
        if !years.iter().any(|(x, _)| *x == y) {
            years.push((y, "未制定".into()));
        }
    }
    // Oldest first: the tabs read as a timeline, left to right.
    years.sort_by_key(|y| y.0);
    let plan = v.plan.as_ref();
    let plan_form = x.plan_form.unwrap_or_else(|| PlanForm {
        year: year.to_string(),
        goal: plan.map(|p| p.goal.code().to_owned()).unwrap_or_default(),
        target_on: plan
            .and_then(|p| p.target_on)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        summary: plan.map(|p| p.summary.clone()).unwrap_or_default(),
        version: plan.map(|p| p.version.to_string()).unwrap_or_default(),
    });
    let measure_form = x.measure_form.unwrap_or_else(|| MeasureForm {
        responsible_id: v
            .item
            .responsible_id
            .map(|u| u.0.to_string())
            .unwrap_or_default(),
        ..Default::default()
    });
    let manage = v.can_manage;
    let people = if manage {
        candidates(state, actor).await?
    } else {
        Vec::new()
    };
    Ok(render_status(
        status,
        &PlanPage {
            chrome: Chrome::new(
                actor,
                format!("{} · 结对与计划", v.item.worker_name),
                "households",
            ),
            household_id: id,
            tab: "plan",
            h: ItemView::from(&v.item),
            year,
            years,
            has_plan: plan.is_some(),
            plan_id: plan.map(|p| p.id.0).unwrap_or(0),
            plan_version: plan.map(|p| p.version).unwrap_or(0),
            plan_status: plan
                .map(|p| p.status.label().to_owned())
                .unwrap_or_default(),
            plan_approved: plan.is_some_and(|p| p.status == PlanStatus::Approved),
            plan_submitted: plan.is_some_and(|p| p.status == PlanStatus::Submitted),
            plan_submitted_by: plan
                .filter(|p| p.status == PlanStatus::Submitted)
                .and_then(|p| {
                    p.submitted_at.as_ref().map(|t| {
                        format!(
                            "{} 于 {} 提交审批",
                            p.submitted_by_name.clone().unwrap_or_default(),
                            local_time(t)
                        )
                    })
                })
                .unwrap_or_default(),
            plan_goal: plan.map(|p| p.goal.label().to_owned()).unwrap_or_default(),
            plan_target: plan
                .and_then(|p| p.target_on)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            plan_summary: plan.map(|p| p.summary.clone()).unwrap_or_default(),
            plan_approved_by: plan
                .and_then(|p| {
                    p.approved_at.as_ref().map(|t| {
                        format!(
                            "{} 于 {} 审定",
                            p.approved_by_name.clone().unwrap_or_default(),
                            local_time(t)
                        )
                    })
                })
                .unwrap_or_default(),
            measures: v
                .measures
                .iter()
                .map(|m| measure_view(m, &v, today))
                .collect(),
            plan_form,
            measure_form,
            goals: options!(Goal),
            statuses: options!(MeasureStatus),
            tracks: entry_options(&v.tracks),
            programmes: entry_options(&v.programmes),
            lines: entry_options(&v.lines),
            people,
            union_options: if manage {
                crate::pages::union_options(state, actor).await?
            } else {
                Vec::new()
            },
            history: pairing
                .history
                .iter()
                .map(|p| PairingRow {
                    union_name: p.union_name.clone(),
                    responsible: p.responsible_name.clone(),
                    from: local_time(&p.from_at),
                    until: p
                        .until_at
                        .as_ref()
                        .map(local_time)
                        .unwrap_or_else(|| "至今".into()),
                    note: p.note.clone(),
                })
                .collect(),
            can_manage: manage,
            can_approve: v.can_approve,
            notice: x.notice,
            error: x.error,
        },
    ))
}

pub(crate) async fn plan_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
) -> PageResult {
    plan_view(
        &state,
        &actor,
        id,
        q.year.unwrap_or_else(current_year),
        PlanExtras {
            plan_form: None,
            measure_form: None,
            notice: Notice::find(Notice::PLANS, Some(&q.notice)),
            error: None,
        },
        StatusCode::OK,
    )
    .await
}

pub(crate) fn back_to_plan(id: i64, year: i32, done: Notice) -> Response {
    Redirect::to(&format!(
        "/households/{id}/plan?year={year}&{}#plan",
        done.query()
    ))
    .into_response()
}

/// Re-renders the plan page with the failure above the forms.
pub(crate) async fn plan_failure(
    state: &AppState,
    actor: &Actor,
    id: i64,
    year: i32,
    e: ServiceError,
    plan_form: Option<PlanForm>,
    measure_form: Option<MeasureForm>,
) -> PageResult {
    let (status, msg, _) = form_failure(e)?;
    plan_view(
        state,
        actor,
        id,
        year,
        PlanExtras {
            plan_form,
            measure_form,
            notice: None,
            error: Some(msg),
        },
        status,
    )
    .await
}

pub(crate) fn form_year(raw: &str) -> i32 {
    raw.trim().parse().unwrap_or_else(|_| current_year())
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct PairingForm {
    #[serde(default)]
    pub(crate) union_id: String,
    #[serde(default)]
    pub(crate) responsible_id: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) year: String,
}

pub(crate) async fn pairing_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<PairingForm>,
) -> PageResult {
    let year = form_year(&f.year);
    let r = state
        .services
        .pairing_assign(
            &actor,
            HouseholdId(id),
            PairingInput {
                union_id: opt_i64(&f.union_id).unwrap_or(0),
                responsible_id: opt_i64(&f.responsible_id).unwrap_or(0),
                note: f.note,
            },
        )
        .await;
    match r {
        Ok(_) => Ok(back_to_plan(id, year, Notice::Paired)),
        Err(e) => plan_failure(&state, &actor, id, year, e, None, None).await,
    }
}

pub(crate) async fn plan_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<PlanForm>,
) -> PageResult {
    let year = form_year(&f.year);
    let r = state
        .services
        .plan_save(
            &actor,
            HouseholdId(id),
            year,
            PlanInput {
                goal: f.goal.clone(),
                target_on: f.target_on.clone(),
                summary: f.summary.clone(),
                version: opt_i64(&f.version),
            },
        )
        .await;
    match r {
        Ok(_) => Ok(back_to_plan(id, year, Notice::PlanSaved)),
        Err(e) => plan_failure(&state, &actor, id, year, e, Some(f), None).await,
    }
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ApproveForm {
    #[serde(default)]
    pub(crate) plan_id: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) year: String,
}

/// The officer submits the year's plan for approval (提交审批).
pub(crate) async fn plan_submit_for_approval(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ApproveForm>,
) -> PageResult {
    plan_step(&state, &actor, id, &f, Notice::PlanSubmitted).await
}

/// The reviewer approves a submitted plan (审定).
pub(crate) async fn approve_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ApproveForm>,
) -> PageResult {
    plan_step(&state, &actor, id, &f, Notice::PlanApproved).await
}

/// Takes the step `done` acknowledges on the plan the form names, back to
/// the plan's page; a refusal shows the page with the reason.
async fn plan_step(
    state: &AppState,
    actor: &Actor,
    id: i64,
    f: &ApproveForm,
    done: Notice,
) -> PageResult {
    let year = form_year(&f.year);
    let plan = PlanId(opt_i64(&f.plan_id).unwrap_or(0));
    let version = opt_i64(&f.version);
    let r = if done == Notice::PlanSubmitted {
        state.services.plan_submit(actor, plan, version).await
    } else {
        state.services.plan_approve(actor, plan, version).await
    };
    match r {
        Ok(_) => Ok(back_to_plan(id, year, done)),
        Err(e) => plan_failure(state, actor, id, year, e, None, None).await,
    }
}

pub(crate) fn measure_input(id: i64, f: &MeasureForm) -> MeasureInput {
    MeasureInput {
        household_id: Some(id),
        track: Some(f.track.clone()),
        programme: Some(f.programme.clone()),
        guarantee_line: Some(f.guarantee_line.clone()),
        content: Some(f.content.clone()),
        due_on: Some(f.due_on.clone()),
        responsible_id: opt_i64(&f.responsible_id),
        status: Some(f.status.clone()),
        version: opt_i64(&f.version),
    }
}

pub(crate) async fn measure_new_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<MeasureForm>,
) -> PageResult {
    let year = form_year(&f.year);
    let r = state
        .services
        .measure_add(
            &actor,
            PlanId(opt_i64(&f.plan_id).unwrap_or(0)),
            measure_input(id, &f),
        )
        .await;
    match r {
        Ok(_) => Ok(back_to_plan(id, year, Notice::MeasureSaved)),
        Err(e) => plan_failure(&state, &actor, id, year, e, None, Some(f)).await,
    }
}

pub(crate) async fn measure_edit_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, mid)): Path<(i64, i64)>,
    Form(f): Form<MeasureForm>,
) -> PageResult {
    let year = form_year(&f.year);
    let r = state
        .services
        .measure_update(&actor, MeasureId(mid), measure_input(id, &f))
        .await;
    match r {
        Ok(_) => Ok(back_to_plan(id, year, Notice::MeasureSaved)),
        Err(e) => plan_failure(&state, &actor, id, year, e, None, None).await,
    }
}
