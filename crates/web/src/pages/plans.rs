//! Pages: pairing and the work lists (/pairing), "my households" (/my), a
//! household's pairing, plan and measures (/households/{id}/plan), its home
//! visits with photos (/households/{id}/visits) and the dictionary.

use super::{form_failure, pager, render_status, Chrome, PageResult};
use crate::auth::PageActor;
use crate::error::PageError;
use crate::view::local_time;
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use bangfu_domain::assistance::{Catalogue, Goal, MeasureId, MeasureStatus, PlanId, VisitId};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Permission, ValidationError};
use bangfu_service::dictionary::{may_edit, DictionaryEntry, EntryChanges, NewEntry};
use bangfu_service::plans::{
    current_year, Measure, MeasureInput, MyHousehold, PairingInput, PlanInput, PlanView, WorkItem,
    WorklistKind,
};
use bangfu_service::visits::{Visit, VisitInput, MAX_PHOTOS};
use bangfu_service::{Actor, PageRequest, ServiceError, Upload};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pairing", get(pairing_page))
        .route("/pairing/assign", post(pairing_bulk_submit))
        .route("/my", get(my_page))
        .route("/households/{id}/plan", get(plan_page).post(plan_submit))
        .route("/households/{id}/pairing", post(pairing_submit))
        .route("/households/{id}/plan/approve", post(approve_submit))
        .route("/households/{id}/measures", post(measure_new_submit))
        .route("/households/{id}/measures/{mid}", post(measure_edit_submit))
        .route("/households/{id}/visits", get(visits_page))
        .route("/visits/{id}/photos/{photo}", get(photo_download))
        .route("/dictionary", get(dictionary_page))
        .route("/dictionary/{kind}", post(entry_new_submit))
        .route("/dictionary/{kind}/{code}", post(entry_edit_submit))
}

/// `POST /households/{id}/visits` takes photos, so it is mounted with the upload routes.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/households/{id}/visits", post(visit_submit))
}

fn opt_i64(raw: &str) -> Option<i64> {
    raw.trim().parse().ok()
}

fn date_or_none(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

// ---------- shared views ----------

/// A household in a list or at the head of its pages.
pub struct ItemView {
    pub id: i64,
    pub file_no: String,
    pub name: String,
    pub union_name: String,
    pub closed: bool,
    pub pairing_union: String,
    pub responsible: String,
    pub last_visit: String,
}

impl From<&WorkItem> for ItemView {
    fn from(w: &WorkItem) -> Self {
        Self {
            id: w.household_id.0,
            file_no: w.file_no.clone(),
            name: w.worker_name.clone(),
            union_name: w.union_name.clone(),
            closed: !w.status.under_assistance(),
            pairing_union: w.pairing_union_name.clone().unwrap_or_default(),
            responsible: w.responsible_name.clone().unwrap_or_default(),
            last_visit: w
                .last_visit_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "从未走访".into()),
        }
    }
}

/// The officers who may be made responsible: `(id, "name（union）")`.
async fn candidates(state: &AppState, actor: &Actor) -> Result<Vec<(i64, String)>, PageError> {
    Ok(state
        .services
        .pairing_candidates(actor)
        .await?
        .iter()
        .map(|u| (u.id.0, format!("{}（{}）", u.display_name, u.union_name)))
        .collect())
}

// ---------- /pairing ----------

#[derive(Template)]
#[template(path = "pairing.html")]
struct PairingPage {
    chrome: Chrome,
    list: &'static str,
    list_label: &'static str,
    /// `(code, label, count)` of the three lists.
    lists: Vec<(&'static str, &'static str, i64)>,
    union_id: String,
    union_options: Vec<(i64, String)>,
    items: Vec<ItemView>,
    total: i64,
    pager: String,
    can_manage: bool,
    candidates: Vec<(i64, String)>,
    visit_days: u32,
    year: i32,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct PairingQuery {
    #[serde(default)]
    list: String,
    #[serde(default)]
    union_id: String,
    page: Option<i64>,
    #[serde(default)]
    notice: String,
}

async fn pairing_view(
    state: &AppState,
    actor: &Actor,
    q: PairingQuery,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let kind = WorklistKind::parse(&q.list).unwrap_or(WorklistKind::Unassigned);
    let union_id = opt_i64(&q.union_id);
    let page = state
        .services
        .worklist(actor, kind, union_id, PageRequest::new(q.page, Some(50)))
        .await?;
    let counts = state.services.worklist_counts(actor).await?;
    let can_manage = actor.can(Permission::ManageAssistance);
    let params = [
        ("list", kind.code().to_owned()),
        ("union_id", q.union_id.clone()),
    ];
    let notice = match q.notice.as_str() {
        "" => None,
        n => Some(format!("已为 {n} 户家庭落实结对责任人。")),
    };
    Ok(render_status(
        status,
        &PairingPage {
            chrome: Chrome::new(actor, "结对与计划", "pairing"),
            list: kind.code(),
            list_label: kind.label(),
            lists: vec![
                (
                    WorklistKind::Unassigned.code(),
                    WorklistKind::Unassigned.label(),
                    counts.unassigned,
                ),
                (
                    WorklistKind::NoPlan.code(),
                    WorklistKind::NoPlan.label(),
                    counts.no_plan,
                ),
                (
                    WorklistKind::NotVisited.code(),
                    WorklistKind::NotVisited.label(),
                    counts.not_visited,
                ),
            ],
            union_id: q.union_id.clone(),
            union_options: super::union_options(state, actor).await?,
            items: page.items.iter().map(ItemView::from).collect(),
            total: page.total,
            pager: pager("/pairing", &params, page.page, page.pages()),
            can_manage,
            candidates: if can_manage {
                candidates(state, actor).await?
            } else {
                Vec::new()
            },
            visit_days: state.services.settings().visit_interval_days,
            year: current_year(),
            notice,
            error,
        },
    ))
}

async fn pairing_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PairingQuery>,
) -> PageResult {
    pairing_view(&state, &actor, q, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
struct BulkForm {
    #[serde(default)]
    h: Vec<String>,
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    responsible_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    filter_union_id: String,
    page: Option<i64>,
}

async fn pairing_bulk_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<BulkForm>,
) -> PageResult {
    let ids: Vec<HouseholdId> =
        f.h.iter()
            .filter_map(|s| opt_i64(s))
            .map(HouseholdId)
            .collect();
    let result = state
        .services
        .pairing_assign_many(
            &actor,
            ids,
            PairingInput {
                union_id: opt_i64(&f.union_id).unwrap_or(0),
                responsible_id: opt_i64(&f.responsible_id).unwrap_or(0),
                note: f.note.clone(),
            },
        )
        .await;
    let q = PairingQuery {
        list: f.list.clone(),
        union_id: f.filter_union_id.clone(),
        page: f.page,
        notice: String::new(),
    };
    match result {
        Ok(n) => {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            ser.append_pair("list", &f.list);
            if !f.filter_union_id.is_empty() {
                ser.append_pair("union_id", &f.filter_union_id);
            }
            ser.append_pair("notice", &n.to_string());
            Ok(Redirect::to(&format!("/pairing?{}", ser.finish())).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            pairing_view(&state, &actor, q, Some(msg), status).await
        }
    }
}

// ---------- /my ----------

pub struct MeasureLine {
    pub content: String,
    pub track: String,
    pub due_on: String,
    pub status: &'static str,
    pub overdue: bool,
}

pub struct MyView {
    pub h: ItemView,
    pub visit_overdue: bool,
    pub plan: String,
    pub has_plan: bool,
    pub overdue_measures: usize,
    pub measures: Vec<MeasureLine>,
}

fn my_view(h: &MyHousehold, tracks: &HashMap<String, String>) -> MyView {
    let today = bangfu_service::today();
    MyView {
        h: ItemView::from(&h.item),
        visit_overdue: h.visit_overdue,
        plan: h
            .plan_this_year
            .map(|s| s.label().to_owned())
            .unwrap_or_else(|| "未制定".into()),
        has_plan: h.plan_this_year.is_some(),
        overdue_measures: h.overdue_measures,
        measures: h
            .open_measures
            .iter()
            .map(|m| MeasureLine {
                content: m.content.clone(),
                track: tracks
                    .get(&m.track)
                    .cloned()
                    .unwrap_or_else(|| m.track.clone()),
                due_on: m.due_on.to_string(),
                status: m.status.label(),
                overdue: m.status.overdue(m.due_on, today),
            })
            .collect(),
    }
}

/// Track code → label, deactivated entries included.
pub(super) async fn track_labels(
    state: &AppState,
    actor: &Actor,
) -> Result<HashMap<String, String>, PageError> {
    Ok(state
        .services
        .dictionary_list(actor, Some(Catalogue::Track), false)
        .await?
        .into_iter()
        .map(|e| (e.code, e.label))
        .collect())
}

/// The first page of "my households" for the home page (`None` when the
/// user is responsible for none), with the total.
pub(super) async fn my_summary(
    state: &AppState,
    actor: &Actor,
) -> Result<Option<(Vec<MyView>, i64)>, PageError> {
    if !actor.can(Permission::ReadAssistance) {
        return Ok(None);
    }
    let page = state
        .services
        .my_households(actor, PageRequest::new(Some(1), Some(50)))
        .await?;
    if page.total == 0 {
        return Ok(None);
    }
    let tracks = track_labels(state, actor).await?;
    let mut items: Vec<MyView> = page
        .items
        .iter()
        .filter(|h| h.has_due() || !h.open_measures.is_empty())
        .map(|h| my_view(h, &tracks))
        .collect();
    items.truncate(8);
    Ok(Some((items, page.total)))
}

#[derive(Template)]
#[template(path = "my.html")]
struct MyPage {
    chrome: Chrome,
    items: Vec<MyView>,
    total: i64,
    pager: String,
    visit_days: u32,
}

#[derive(Debug, Deserialize, Default)]
struct PageOnly {
    page: Option<i64>,
}

async fn my_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PageOnly>,
) -> PageResult {
    let page = state
        .services
        .my_households(&actor, PageRequest::new(q.page, Some(30)))
        .await?;
    let tracks = track_labels(&state, &actor).await?;
    Ok(render_status(
        StatusCode::OK,
        &MyPage {
            chrome: Chrome::new(&actor, "我的结对家庭", "pairing"),
            items: page.items.iter().map(|h| my_view(h, &tracks)).collect(),
            total: page.total,
            pager: pager("/my", &[], page.page, page.pages()),
            visit_days: state.services.settings().visit_interval_days,
        },
    ))
}

// ---------- /households/{id}/plan ----------

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

fn measure_view(m: &Measure, v: &PlanView, today: chrono::NaiveDate) -> MeasureView {
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
struct PlanForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    goal: String,
    #[serde(default)]
    target_on: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    version: String,
}

/// A measure as typed.
#[derive(Debug, Deserialize, Default, Clone)]
struct MeasureForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    plan_id: String,
    #[serde(default)]
    track: String,
    #[serde(default)]
    programme: String,
    #[serde(default)]
    guarantee_line: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    responsible_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    version: String,
}

type StrOptions = Vec<(String, String)>;

fn entry_options(list: &[DictionaryEntry]) -> StrOptions {
    list.iter()
        .map(|e| (e.code.clone(), e.label.clone()))
        .collect()
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    household_id: i64,
    tab: &'static str,
    h: ItemView,
    year: i32,
    /// `(year, status label)` of the years with a plan, plus this year and next.
    years: Vec<(i32, String)>,
    has_plan: bool,
    plan_id: i64,
    plan_version: i64,
    plan_status: String,
    plan_approved: bool,
    plan_goal: String,
    plan_target: String,
    plan_summary: String,
    plan_approved_by: String,
    measures: Vec<MeasureView>,
    plan_form: PlanForm,
    measure_form: MeasureForm,
    goals: super::households::Options,
    statuses: super::households::Options,
    tracks: StrOptions,
    programmes: StrOptions,
    lines: StrOptions,
    people: Vec<(i64, String)>,
    union_options: Vec<(i64, String)>,
    history: Vec<PairingRow>,
    can_manage: bool,
    can_approve: bool,
    notice: Option<String>,
    error: Option<String>,
}

impl PlanPage {
    /// Whether a deactivated code must be offered to keep an old measure's value.
    fn missing(&self, options: &StrOptions, code: &str) -> bool {
        !code.is_empty() && !options.iter().any(|(c, _)| c == code)
    }
}

#[derive(Debug, Deserialize, Default)]
struct PlanQuery {
    year: Option<i32>,
    #[serde(default)]
    notice: String,
}

fn notice_text(code: &str) -> Option<String> {
    Some(
        match code {
            "paired" => "已落实结对帮扶责任人。",
            "plan" => "帮扶计划已保存。",
            "approved" => "帮扶计划已审定。",
            "measure" => "帮扶措施已保存。",
            "visit" => "走访记录已保存。",
            "entry" => "目录已保存。",
            _ => return None,
        }
        .to_owned(),
    )
}

struct PlanExtras {
    plan_form: Option<PlanForm>,
    measure_form: Option<MeasureForm>,
    notice: Option<String>,
    error: Option<String>,
}

async fn plan_view(
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
    years.sort_by_key(|y| std::cmp::Reverse(y.0));
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
                "pairing",
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
            plan_approved: plan
                .is_some_and(|p| p.status == bangfu_domain::assistance::PlanStatus::Approved),
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
                super::union_options(state, actor).await?
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

async fn plan_page(
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
            notice: notice_text(&q.notice),
            error: None,
        },
        StatusCode::OK,
    )
    .await
}

fn back_to_plan(id: i64, year: i32, notice: &str) -> Response {
    Redirect::to(&format!(
        "/households/{id}/plan?year={year}&notice={notice}#plan"
    ))
    .into_response()
}

/// Re-renders the plan page with the failure above the forms.
async fn plan_failure(
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

fn form_year(raw: &str) -> i32 {
    raw.trim().parse().unwrap_or_else(|_| current_year())
}

#[derive(Debug, Deserialize, Default)]
struct PairingForm {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    responsible_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    year: String,
}

async fn pairing_submit(
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
        Ok(_) => Ok(back_to_plan(id, year, "paired")),
        Err(e) => plan_failure(&state, &actor, id, year, e, None, None).await,
    }
}

async fn plan_submit(
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
        Ok(_) => Ok(back_to_plan(id, year, "plan")),
        Err(e) => plan_failure(&state, &actor, id, year, e, Some(f), None).await,
    }
}

#[derive(Debug, Deserialize, Default)]
struct ApproveForm {
    #[serde(default)]
    plan_id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    year: String,
}

async fn approve_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ApproveForm>,
) -> PageResult {
    let year = form_year(&f.year);
    let r = state
        .services
        .plan_approve(
            &actor,
            PlanId(opt_i64(&f.plan_id).unwrap_or(0)),
            opt_i64(&f.version),
        )
        .await;
    match r {
        Ok(_) => Ok(back_to_plan(id, year, "approved")),
        Err(e) => plan_failure(&state, &actor, id, year, e, None, None).await,
    }
}

fn measure_input(id: i64, f: &MeasureForm) -> MeasureInput {
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

async fn measure_new_submit(
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
        Ok(_) => Ok(back_to_plan(id, year, "measure")),
        Err(e) => plan_failure(&state, &actor, id, year, e, None, Some(f)).await,
    }
}

async fn measure_edit_submit(
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
        Ok(_) => Ok(back_to_plan(id, year, "measure")),
        Err(e) => plan_failure(&state, &actor, id, year, e, None, None).await,
    }
}

// ---------- /households/{id}/visits ----------

pub struct VisitView {
    pub id: i64,
    pub visited_on: String,
    pub met: String,
    pub looked: String,
    pub asked: String,
    pub explained: String,
    pub findings: String,
    pub needs: String,
    pub by: String,
    pub photos: Vec<(i64, String)>,
}

impl From<&Visit> for VisitView {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id.0,
            visited_on: v.visited_on.to_string(),
            met: v.met.clone(),
            looked: v.looked.clone(),
            asked: v.asked.clone(),
            explained: v.explained.clone(),
            findings: v.findings.clone(),
            needs: v.needs.clone(),
            by: v.recorded_by_name.clone(),
            photos: v.photos.iter().map(|p| (p.id, p.name.clone())).collect(),
        }
    }
}

/// The visit form's text fields.
#[derive(Debug, Deserialize, Default, Clone)]
struct VisitForm {
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    met: String,
    #[serde(default)]
    looked: String,
    #[serde(default)]
    asked: String,
    #[serde(default)]
    explained: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    needs: String,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct VisitsPage {
    chrome: Chrome,
    household_id: i64,
    tab: &'static str,
    h: ItemView,
    visit_overdue: bool,
    visit_days: u32,
    visits: Vec<VisitView>,
    total: i64,
    pager: String,
    can_manage: bool,
    form: VisitForm,
    max_photos: usize,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct VisitsQuery {
    page: Option<i64>,
    #[serde(default)]
    notice: String,
}

#[allow(clippy::too_many_arguments)]
async fn visits_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    page: Option<i64>,
    form: Option<VisitForm>,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let pairing = state.services.pairing_get(actor, HouseholdId(id)).await?;
    let list = state
        .services
        .visit_list(actor, HouseholdId(id), PageRequest::new(page, Some(20)))
        .await?;
    let days = state.services.settings().visit_interval_days;
    Ok(render_status(
        status,
        &VisitsPage {
            chrome: Chrome::new(
                actor,
                format!("{} · 入户走访", pairing.item.worker_name),
                "pairing",
            ),
            household_id: id,
            tab: "visits",
            visit_overdue: bangfu_domain::assistance::visit_overdue(
                pairing.item.last_visit_on,
                bangfu_service::today(),
                days,
            ),
            h: ItemView::from(&pairing.item),
            visit_days: days,
            visits: list.items.iter().map(VisitView::from).collect(),
            total: list.total,
            pager: pager(
                &format!("/households/{id}/visits"),
                &[],
                list.page,
                list.pages(),
            ),
            can_manage: actor.can(Permission::ManageAssistance),
            form: form.unwrap_or_else(|| VisitForm {
                visited_on: bangfu_service::today().to_string(),
                ..Default::default()
            }),
            max_photos: MAX_PHOTOS,
            notice,
            error,
        },
    ))
}

async fn visits_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<VisitsQuery>,
) -> PageResult {
    visits_view(
        &state,
        &actor,
        id,
        q.page,
        None,
        notice_text(&q.notice),
        None,
        StatusCode::OK,
    )
    .await
}

/// Reads the visit's multipart form: text fields, and the photos apart.
async fn read_visit_form(mut mp: Multipart) -> Result<(VisitForm, Vec<Upload>), ValidationError> {
    let mut f = VisitForm::default();
    let mut photos = Vec::new();
    let too_big = || ValidationError::new("photos", "提交的内容过大：每张照片不超过 5 MB");
    while let Some(field) = mp.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let file_name = field.file_name().unwrap_or("照片").to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            if !bytes.is_empty() {
                photos.push(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let text = field.text().await.map_err(|_| too_big())?;
        match name.as_str() {
            "visited_on" => f.visited_on = text,
            "met" => f.met = text,
            "looked" => f.looked = text,
            "asked" => f.asked = text,
            "explained" => f.explained = text,
            "findings" => f.findings = text,
            "needs" => f.needs = text,
            _ => {}
        }
    }
    Ok((f, photos))
}

async fn visit_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (f, photos) = match read_visit_form(mp).await {
        Ok(x) => x,
        Err(e) => return Err(PageError::BadRequest(e.message)),
    };
    let r = state
        .services
        .visit_record(
            &actor,
            HouseholdId(id),
            VisitInput {
                visited_on: f.visited_on.clone(),
                met: f.met.clone(),
                looked: f.looked.clone(),
                asked: f.asked.clone(),
                explained: f.explained.clone(),
                findings: f.findings.clone(),
                needs: f.needs.clone(),
                photos,
            },
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}/visits?notice=visit")).into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            visits_view(&state, &actor, id, None, Some(f), None, Some(msg), status).await
        }
    }
}

async fn photo_download(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, photo)): Path<(i64, i64)>,
) -> PageResult {
    let (info, bytes) = state
        .services
        .visit_photo(&actor, VisitId(id), photo)
        .await?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let ct = if info.content_type == "image/png" {
        "image/png"
    } else {
        "image/jpeg"
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(res)
}

// ---------- /dictionary ----------

pub struct EntryView {
    pub code: String,
    pub label: String,
    pub position: i32,
    pub active: bool,
}

pub struct CatalogueView {
    pub kind: &'static str,
    pub label: &'static str,
    pub entries: Vec<EntryView>,
}

#[derive(Template)]
#[template(path = "dictionary.html")]
struct DictionaryPage {
    chrome: Chrome,
    catalogues: Vec<CatalogueView>,
    can_edit: bool,
    notice: Option<String>,
    error: Option<String>,
    /// The new-entry form as typed when refused: kind, code, label, position.
    new_kind: String,
    new_code: String,
    new_label: String,
    new_position: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
struct EntryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    active: String,
}

async fn dictionary_view(
    state: &AppState,
    actor: &Actor,
    notice: Option<String>,
    error: Option<String>,
    new: Option<(String, EntryForm)>,
    status: StatusCode,
) -> PageResult {
    if !actor.can(Permission::ManageCatalogues) {
        return Err(ServiceError::Forbidden.into());
    }
    let all = state.services.dictionary_list(actor, None, false).await?;
    let catalogues = Catalogue::ALL
        .iter()
        .map(|k| CatalogueView {
            kind: k.code(),
            label: k.label(),
            entries: all
                .iter()
                .filter(|e| e.kind == *k)
                .map(|e| EntryView {
                    code: e.code.clone(),
                    label: e.label.clone(),
                    position: e.position,
                    active: e.active,
                })
                .collect(),
        })
        .collect();
    let (new_kind, f) = new.unwrap_or_default();
    Ok(render_status(
        status,
        &DictionaryPage {
            chrome: Chrome::new(actor, "帮扶目录", "dictionary"),
            catalogues,
            can_edit: may_edit(actor),
            notice,
            error,
            new_kind,
            new_code: f.code,
            new_label: f.label,
            new_position: f.position,
        },
    ))
}

#[derive(Debug, Deserialize, Default)]
struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

async fn dictionary_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    dictionary_view(
        &state,
        &actor,
        notice_text(&q.notice),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

fn parse_catalogue(raw: &str) -> Result<Catalogue, PageError> {
    Catalogue::parse(raw).map_err(|e| PageError::BadRequest(e.message))
}

fn parse_position(raw: &str) -> Result<Option<i32>, ServiceError> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| ValidationError::new("position", "排序应为整数").into()),
    }
}

async fn entry_new_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(kind): Path<String>,
    Form(f): Form<EntryForm>,
) -> PageResult {
    let k = parse_catalogue(&kind)?;
    let r = match parse_position(&f.position) {
        Ok(position) => {
            state
                .services
                .dictionary_add(
                    &actor,
                    k,
                    NewEntry {
                        code: f.code.clone(),
                        label: f.label.clone(),
                        position,
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/dictionary?notice=entry#{kind}")).into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            dictionary_view(&state, &actor, None, Some(msg), Some((kind, f)), status).await
        }
    }
}

async fn entry_edit_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((kind, code)): Path<(String, String)>,
    Form(f): Form<EntryForm>,
) -> PageResult {
    let k = parse_catalogue(&kind)?;
    let r = match parse_position(&f.position) {
        Ok(position) => {
            state
                .services
                .dictionary_edit(
                    &actor,
                    k,
                    code,
                    EntryChanges {
                        label: Some(f.label.clone()).filter(|l| !l.trim().is_empty()),
                        position,
                        active: match f.active.as_str() {
                            "true" | "1" | "on" => Some(true),
                            "false" | "0" => Some(false),
                            _ => None,
                        },
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/dictionary?notice=entry#{kind}")).into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            dictionary_view(&state, &actor, None, Some(msg), None, status).await
        }
    }
}
