//! API: pairing (一帮一) and the work lists, "my households", plans and
//! measures (一户一计划、一户一措施), home visits (入户走访) and the dictionary.

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::assistance::{Catalogue, MeasureId, PlanId, VisitId};
use bangfu_domain::household::HouseholdId;
use bangfu_service::dictionary::{DictionaryEntry, EntryChanges, NewEntry};
use bangfu_service::plans::{
    Measure, MeasureInput, MyHousehold, PairingInput, PairingView, Plan, PlanInput, PlanView,
    WorkItem, WorklistKind,
};
use bangfu_service::visits::{Visit, VisitInput, MAX_PHOTO_BYTES};
use bangfu_service::{Actor, PageRequest, Upload};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/households/{id}/pairing",
            get(get_pairing).post(assign_pairing),
        )
        .route("/pairing/unassigned", get(list_unassigned))
        .route("/pairing/no-plan", get(list_no_plan))
        .route("/pairing/not-visited", get(list_not_visited))
        .route("/my/households", get(my_households))
        .route(
            "/households/{id}/plans/{year}",
            get(get_plan).put(save_plan),
        )
        .route("/plans/{id}/approve", post(approve_plan))
        .route("/plans/{id}/measures", post(add_measure))
        .route("/measures/{id}", get(get_measure).patch(update_measure))
        .route(
            "/households/{id}/visits",
            get(list_visits).post(record_visit),
        )
        .route("/visits/{id}", get(get_visit))
        .route("/visits/{id}/photos/{photo}", get(get_photo))
        .route("/dictionary", get(list_dictionary))
        .route(
            "/dictionary/{kind}/{code}",
            post(add_entry).patch(edit_entry),
        )
}

/// Photos are larger than ordinary requests: mounted apart with the upload
/// body limit (see `lib.rs`).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/visits/{id}/photos",
        post(add_photos).fallback(|| async { ApiError::MethodNotAllowed }),
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_pairing,
        assign_pairing,
        list_unassigned,
        list_no_plan,
        list_not_visited,
        my_households,
        get_plan,
        save_plan,
        approve_plan,
        add_measure,
        get_measure,
        update_measure,
        list_visits,
        record_visit,
        get_visit,
        add_photos,
        get_photo,
        list_dictionary,
        add_entry,
        edit_entry
    ),
    tags(
        (name = "plans", description = "结对帮扶（一帮一）、帮扶计划和措施（一户一计划、一户一措施）"),
        (name = "visits", description = "入户走访（一看二问三讲）"),
        (name = "dictionary", description = "帮扶目录：帮扶路径、行动计划、帮扶类别、保障线、部门")
    )
)]
pub struct Doc;

// ---------- DTOs ----------

/// A household as the pairing lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemDto {
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    /// The filing union.
    pub union_id: i64,
    pub union_name: String,
    /// on_file or closed
    pub status: String,
    pub pairing_union_id: Option<i64>,
    pub pairing_union_name: Option<String>,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    /// YYYY-MM-DD
    pub last_visit_on: Option<String>,
}

impl From<&WorkItem> for WorkItemDto {
    fn from(w: &WorkItem) -> Self {
        Self {
            household_id: w.household_id.0,
            file_no: w.file_no.clone(),
            worker_name: w.worker_name.clone(),
            union_id: w.union_id.0,
            union_name: w.union_name.clone(),
            status: w.status.code().into(),
            pairing_union_id: w.pairing_union_id.map(|u| u.0),
            pairing_union_name: w.pairing_union_name.clone(),
            responsible_id: w.responsible_id.map(|u| u.0),
            responsible_name: w.responsible_name.clone(),
            last_visit_on: w.last_visit_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairingRecordDto {
    pub union_id: i64,
    pub union_name: String,
    pub responsible_id: i64,
    pub responsible_name: String,
    pub from_at: String,
    /// Absent while current.
    pub until_at: Option<String>,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairingDto {
    pub current: WorkItemDto,
    /// Newest first.
    pub history: Vec<PairingRecordDto>,
}

impl From<&PairingView> for PairingDto {
    fn from(v: &PairingView) -> Self {
        Self {
            current: WorkItemDto::from(&v.item),
            history: v
                .history
                .iter()
                .map(|p| PairingRecordDto {
                    union_id: p.union_id.0,
                    union_name: p.union_name.clone(),
                    responsible_id: p.responsible_id.0,
                    responsible_name: p.responsible_name.clone(),
                    from_at: api_time(&p.from_at),
                    until_at: p.until_at.as_ref().map(api_time),
                    note: p.note.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// The pairing unit: a union in the caller's scope.
    pub union_id: i64,
    /// The responsible person: an active officer (帮扶干部) in scope.
    pub responsible_id: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub id: i64,
    pub household_id: i64,
    pub year: i32,
    /// exit (脱困 by target_on) or relief (解困)
    pub goal: String,
    pub goal_label: String,
    pub target_on: Option<String>,
    pub summary: String,
    /// draft or approved
    pub status: String,
    pub status_label: String,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<String>,
    /// Send back to change the plan.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Plan> for PlanDto {
    fn from(p: &Plan) -> Self {
        Self {
            id: p.id.0,
            household_id: p.household_id.0,
            year: p.year,
            goal: p.goal.code().into(),
            goal_label: p.goal.label().into(),
            target_on: p.target_on.map(|d| d.to_string()),
            summary: p.summary.clone(),
            status: p.status.code().into(),
            status_label: p.status.label().into(),
            approved_by_name: p.approved_by_name.clone(),
            approved_at: p.approved_at.as_ref().map(api_time),
            version: p.version,
            created_at: api_time(&p.created_at),
            updated_at: api_time(&p.updated_at),
        }
    }
}

/// Code → label of the dictionary, deactivated entries included.
type Labels = HashMap<(Catalogue, String), String>;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDto {
    pub id: i64,
    pub plan_id: i64,
    pub household_id: i64,
    /// A `track` code of the dictionary (四个一批).
    pub track: String,
    pub track_label: String,
    /// A `programme` code (十大行动计划).
    pub programme: Option<String>,
    pub programme_label: Option<String>,
    /// A `guarantee_line` code (六条保障线).
    pub guarantee_line: Option<String>,
    pub guarantee_line_label: Option<String>,
    pub content: String,
    pub due_on: String,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    /// planned, in_progress, done, cancelled
    pub status: String,
    pub status_label: String,
    pub done_on: Option<String>,
    /// Open and past its due date.
    pub overdue: bool,
    pub plan_year: i32,
    /// The plan's status: an approved plan's measures are approved measures.
    pub plan_status: String,
    /// Send back to change the measure.
    pub version: i64,
}

fn measure_dto(m: &Measure, labels: &Labels, today: chrono::NaiveDate) -> MeasureDto {
    let label = |k: Catalogue, c: &str| {
        labels
            .get(&(k, c.to_owned()))
            .cloned()
            .unwrap_or_else(|| c.to_owned())
    };
    MeasureDto {
        id: m.id.0,
        plan_id: m.plan_id.0,
        household_id: m.household_id.0,
        track: m.track.clone(),
        track_label: label(Catalogue::Track, &m.track),
        programme: m.programme.clone(),
        programme_label: m
            .programme
            .as_deref()
            .map(|c| label(Catalogue::Programme, c)),
        guarantee_line: m.guarantee_line.clone(),
        guarantee_line_label: m
            .guarantee_line
            .as_deref()
            .map(|c| label(Catalogue::GuaranteeLine, c)),
        content: m.content.clone(),
        due_on: m.due_on.to_string(),
        responsible_id: m.responsible_id.map(|u| u.0),
        responsible_name: m.responsible_name.clone(),
        status: m.status.code().into(),
        status_label: m.status.label().into(),
        done_on: m.done_on.map(|d| d.to_string()),
        overdue: m.status.overdue(m.due_on, today),
        plan_year: m.plan_year,
        plan_status: m.plan_status.code().into(),
        version: m.version,
    }
}

async fn labels(state: &AppState, actor: &Actor) -> ApiResult<Labels> {
    Ok(state
        .services
        .dictionary_list(actor, None, false)
        .await?
        .into_iter()
        .map(|e| ((e.kind, e.code), e.label))
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetailDto {
    pub household_id: i64,
    pub year: i32,
    /// Absent when the household has no plan for the year yet.
    pub plan: Option<PlanDto>,
    /// By due date.
    pub measures: Vec<MeasureDto>,
    /// Years with a plan, newest first.
    pub years: Vec<i32>,
}

impl From<&PlanView> for PlanDetailDto {
    fn from(v: &PlanView) -> Self {
        let today = bangfu_service::today();
        Self {
            household_id: v.item.household_id.0,
            year: v.year,
            plan: v.plan.as_ref().map(PlanDto::from),
            measures: v
                .measures
                .iter()
                .map(|m| measure_dto(m, &v.labels, today))
                .collect(),
            years: v.years.iter().map(|(y, _)| *y).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// exit or relief
    pub goal: String,
    /// YYYY-MM-DD, required for exit: between 1 January of the year and the end of the year after next.
    #[serde(default)]
    pub target_on: Option<String>,
    /// The household's situation and the plan of help.
    pub summary: String,
    /// The version read; required to change an existing plan. Changing an
    /// approved plan returns it to draft.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// The version read (optional).
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MeasureRequest {
    /// When given, must be the plan's household.
    #[serde(default)]
    pub household_id: Option<i64>,
    /// An active `track` code; required for a new measure.
    #[serde(default)]
    pub track: Option<String>,
    /// An active `programme` code, or "" for none.
    #[serde(default)]
    pub programme: Option<String>,
    /// An active `guarantee_line` code, or "" for none.
    #[serde(default)]
    pub guarantee_line: Option<String>,
    /// Required for a new measure.
    #[serde(default)]
    pub content: Option<String>,
    /// YYYY-MM-DD within the plan's year or the next; required for a new measure.
    #[serde(default)]
    pub due_on: Option<String>,
    /// A user in scope; the household's responsible person when absent.
    #[serde(default)]
    pub responsible_id: Option<i64>,
    /// planned (default), in_progress, done, cancelled
    #[serde(default)]
    pub status: Option<String>,
    /// Required to change a measure.
    #[serde(default)]
    pub version: Option<i64>,
}

impl MeasureRequest {
    fn input(self) -> MeasureInput {
        MeasureInput {
            household_id: self.household_id,
            track: self.track,
            programme: self.programme,
            guarantee_line: self.guarantee_line,
            content: self.content,
            due_on: self.due_on,
            responsible_id: self.responsible_id,
            status: self.status,
            version: self.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyHouseholdDto {
    pub household: WorkItemDto,
    /// Open measures (planned, in progress), by due date.
    pub open_measures: Vec<MeasureDto>,
    pub overdue_measures: usize,
    /// Never visited or not within the visit interval.
    pub visit_overdue: bool,
    /// The status of this year's plan; absent when there is none.
    pub plan_this_year: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoDto {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// GET it with the same credentials.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitDto {
    pub id: i64,
    pub household_id: i64,
    pub visited_on: String,
    /// Who was met.
    pub met: String,
    /// 一看: housing and living conditions.
    pub looked: String,
    /// 二问: situation and needs.
    pub asked: String,
    /// 三讲: policies explained.
    pub explained: String,
    pub findings: String,
    /// New needs.
    pub needs: String,
    pub recorded_by: i64,
    pub recorded_by_name: String,
    pub created_at: String,
    pub photos: Vec<PhotoDto>,
}

impl From<&Visit> for VisitDto {
    fn from(v: &Visit) -> Self {
        Self {
            id: v.id.0,
            household_id: v.household_id.0,
            visited_on: v.visited_on.to_string(),
            met: v.met.clone(),
            looked: v.looked.clone(),
            asked: v.asked.clone(),
            explained: v.explained.clone(),
            findings: v.findings.clone(),
            needs: v.needs.clone(),
            recorded_by: v.recorded_by.0,
            recorded_by_name: v.recorded_by_name.clone(),
            created_at: api_time(&v.created_at),
            photos: v
                .photos
                .iter()
                .map(|p| PhotoDto {
                    id: p.id,
                    name: p.name.clone(),
                    content_type: p.content_type.clone(),
                    size: p.size,
                    url: format!("/api/v1/visits/{}/photos/{}", v.id.0, p.id),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRequest {
    /// YYYY-MM-DD, not in the future, within the last year.
    pub visited_on: String,
    /// Who was met.
    pub met: String,
    /// 一看: housing and living conditions.
    pub looked: String,
    /// 二问: situation and needs.
    pub asked: String,
    /// 三讲: policies explained.
    pub explained: String,
    #[serde(default)]
    pub findings: String,
    /// New needs.
    #[serde(default)]
    pub needs: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DictionaryEntryDto {
    /// track, programme, assistance_kind, guarantee_line, department
    pub kind: String,
    pub code: String,
    pub label: String,
    pub position: i32,
    /// Inactive entries are no longer offered but old records keep them.
    pub active: bool,
}

impl From<&DictionaryEntry> for DictionaryEntryDto {
    fn from(e: &DictionaryEntry) -> Self {
        Self {
            kind: e.kind.code().into(),
            code: e.code.clone(),
            label: e.label.clone(),
            position: e.position,
            active: e.active,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DictionaryQuery {
    /// One catalogue: track, programme, assistance_kind, guarantee_line, department.
    pub kind: Option<String>,
    /// Include deactivated entries (default: only those forms offer).
    pub all: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryRequest {
    pub label: String,
    /// At the end when absent.
    #[serde(default)]
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EntryPatch {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub position: Option<i32>,
    /// false deactivates (never deletes); true offers it again.
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// Only this union's subtree (in scope).
    pub union_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PhotoQuery {
    /// The photo's file name.
    pub name: Option<String>,
}

// ---------- pairing ----------

#[utoipa::path(get, path = "/api/v1/households/{id}/pairing", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = PairingDto), (status = 404, body = ErrorBody)))]
pub async fn get_pairing(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PairingDto>> {
    let v = state.services.pairing_get(&actor, HouseholdId(id)).await?;
    Ok(Json(PairingDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/pairing", tag = "plans", params(("id" = i64, Path)),
    request_body = PairingRequest,
    responses((status = 200, description = "Paired; the previous pairing is closed (audited)", body = PairingDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "The file is closed", body = ErrorBody)))]
pub async fn assign_pairing(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PairingRequest>,
) -> ApiResult<Json<PairingDto>> {
    let v = state
        .services
        .pairing_assign(
            &actor,
            HouseholdId(id),
            PairingInput {
                union_id: req.union_id,
                responsible_id: req.responsible_id,
                note: req.note,
            },
        )
        .await?;
    Ok(Json(PairingDto::from(&v)))
}

async fn worklist(
    state: &AppState,
    actor: &Actor,
    kind: WorklistKind,
    q: WorklistQuery,
) -> ApiResult<Json<PageDto<WorkItemDto>>> {
    let page = state
        .services
        .worklist(
            actor,
            kind,
            q.union_id,
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |w| WorkItemDto::from(w))))
}

#[utoipa::path(get, path = "/api/v1/pairing/unassigned", tag = "plans", params(WorklistQuery),
    responses((status = 200, description = "Open files of the scope without a responsible person", body = PageDto<WorkItemDto>)))]
pub async fn list_unassigned(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<WorklistQuery>,
) -> ApiResult<Json<PageDto<WorkItemDto>>> {
    worklist(&state, &actor, WorklistKind::Unassigned, q).await
}

#[utoipa::path(get, path = "/api/v1/pairing/no-plan", tag = "plans", params(WorklistQuery),
    responses((status = 200, description = "Open files of the scope without a plan for the current year", body = PageDto<WorkItemDto>)))]
pub async fn list_no_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<WorklistQuery>,
) -> ApiResult<Json<PageDto<WorkItemDto>>> {
    worklist(&state, &actor, WorklistKind::NoPlan, q).await
}

#[utoipa::path(get, path = "/api/v1/pairing/not-visited", tag = "plans", params(WorklistQuery),
    responses((status = 200, description = "Open files never visited or not within the visit interval (a setting, default 90 days), longest first", body = PageDto<WorkItemDto>)))]
pub async fn list_not_visited(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<WorklistQuery>,
) -> ApiResult<Json<PageDto<WorkItemDto>>> {
    worklist(&state, &actor, WorklistKind::NotVisited, q).await
}

pub(crate) fn my_dto(h: &MyHousehold, labels: &Labels) -> MyHouseholdDto {
    let today = bangfu_service::today();
    MyHouseholdDto {
        household: WorkItemDto::from(&h.item),
        open_measures: h
            .open_measures
            .iter()
            .map(|m| measure_dto(m, labels, today))
            .collect(),
        overdue_measures: h.overdue_measures,
        visit_overdue: h.visit_overdue,
        plan_this_year: h.plan_this_year.map(|s| s.code().to_owned()),
    }
}

#[utoipa::path(get, path = "/api/v1/my/households", tag = "plans", params(PageQuery),
    responses((status = 200, description = "The households the caller is responsible for, with what is due", body = PageDto<MyHouseholdDto>)))]
pub async fn my_households(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageDto<MyHouseholdDto>>> {
    let page = state
        .services
        .my_households(&actor, PageRequest::new(q.page, q.per_page))
        .await?;
    let labels = labels(&state, &actor).await?;
    Ok(Json(PageDto::from_page(&page, |h| my_dto(h, &labels))))
}

// ---------- plans and measures ----------

#[utoipa::path(get, path = "/api/v1/households/{id}/plans/{year}", tag = "plans",
    params(("id" = i64, Path), ("year" = i32, Path)),
    responses((status = 200, body = PlanDetailDto), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, year)): ApiPath<(i64, i32)>,
) -> ApiResult<Json<PlanDetailDto>> {
    let v = state
        .services
        .plan_view(&actor, HouseholdId(id), year)
        .await?;
    Ok(Json(PlanDetailDto::from(&v)))
}

#[utoipa::path(put, path = "/api/v1/households/{id}/plans/{year}", tag = "plans",
    params(("id" = i64, Path), ("year" = i32, Path)),
    request_body = PlanRequest,
    responses((status = 200, description = "Created or changed (audited)", body = PlanDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Changed since read, or version missing for an existing plan", body = ErrorBody),
        (status = 422, description = "The file is closed", body = ErrorBody)))]
pub async fn save_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, year)): ApiPath<(i64, i32)>,
    ApiJson(req): ApiJson<PlanRequest>,
) -> ApiResult<Json<PlanDto>> {
    let p = state
        .services
        .plan_save(
            &actor,
            HouseholdId(id),
            year,
            PlanInput {
                goal: req.goal,
                target_on: req.target_on.unwrap_or_default(),
                summary: req.summary,
                version: req.version,
            },
        )
        .await?;
    Ok(Json(PlanDto::from(&p)))
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/approve", tag = "plans", params(("id" = i64, Path)),
    request_body(content = ApproveRequest, description = "Optional"),
    responses((status = 200, body = PlanDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, description = "Already approved, or no measures", body = ErrorBody)))]
pub async fn approve_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<PlanDto>> {
    let req: ApproveRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApproveRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?
    };
    let p = state
        .services
        .plan_approve(&actor, PlanId(id), req.version)
        .await?;
    Ok(Json(PlanDto::from(&p)))
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/measures", tag = "plans", params(("id" = i64, Path)),
    request_body = MeasureRequest,
    responses((status = 201, body = MeasureDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "The file is closed", body = ErrorBody)))]
pub async fn add_measure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MeasureRequest>,
) -> ApiResult<(StatusCode, Json<MeasureDto>)> {
    let m = state
        .services
        .measure_add(&actor, PlanId(id), req.input())
        .await?;
    let labels = labels(&state, &actor).await?;
    Ok((
        StatusCode::CREATED,
        Json(measure_dto(&m, &labels, bangfu_service::today())),
    ))
}

#[utoipa::path(get, path = "/api/v1/measures/{id}", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = MeasureDto), (status = 404, body = ErrorBody)))]
pub async fn get_measure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MeasureDto>> {
    let m = state.services.measure_get(&actor, MeasureId(id)).await?;
    let labels = labels(&state, &actor).await?;
    Ok(Json(measure_dto(&m, &labels, bangfu_service::today())))
}

#[utoipa::path(patch, path = "/api/v1/measures/{id}", tag = "plans", params(("id" = i64, Path)),
    request_body = MeasureRequest,
    responses((status = 200, description = "Changed (audited; a measure of an approved plan stays approved)", body = MeasureDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn update_measure(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MeasureRequest>,
) -> ApiResult<Json<MeasureDto>> {
    let m = state
        .services
        .measure_update(&actor, MeasureId(id), req.input())
        .await?;
    let labels = labels(&state, &actor).await?;
    Ok(Json(measure_dto(&m, &labels, bangfu_service::today())))
}

// ---------- visits ----------

#[utoipa::path(get, path = "/api/v1/households/{id}/visits", tag = "visits", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = PageDto<VisitDto>), (status = 404, body = ErrorBody)))]
pub async fn list_visits(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageDto<VisitDto>>> {
    let page = state
        .services
        .visit_list(
            &actor,
            HouseholdId(id),
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |v| VisitDto::from(v))))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/visits", tag = "visits", params(("id" = i64, Path)),
    request_body = VisitRequest,
    responses((status = 201, description = "Recorded (audited); the file's last visit date follows. Add photos with POST /api/v1/visits/{id}/photos", body = VisitDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "The file is closed", body = ErrorBody)))]
pub async fn record_visit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<VisitRequest>,
) -> ApiResult<(StatusCode, Json<VisitDto>)> {
    let v = state
        .services
        .visit_record(
            &actor,
            HouseholdId(id),
            VisitInput {
                visited_on: req.visited_on,
                met: req.met,
                looked: req.looked,
                asked: req.asked,
                explained: req.explained,
                findings: req.findings,
                needs: req.needs,
                photos: Vec::new(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(VisitDto::from(&v))))
}

#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "visits", params(("id" = i64, Path)),
    responses((status = 200, body = VisitDto), (status = 404, body = ErrorBody)))]
pub async fn get_visit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VisitDto>> {
    let v = state.services.visit_get(&actor, VisitId(id)).await?;
    Ok(Json(VisitDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/visits/{id}/photos", tag = "visits", params(("id" = i64, Path), PhotoQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg",
        description = "The photo itself (not multipart): JPEG or PNG, judged by its bytes, at most 5 MB; at most 9 per visit."),
    responses((status = 201, body = VisitDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn add_photos(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PhotoQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<VisitDto>)> {
    let bytes = axum::body::to_bytes(body, crate::UPLOAD_LIMIT)
        .await
        .map_err(|_| ApiError::BadRequest("照片过大".into()))?;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::Service(
            bangfu_domain::ValidationError::new(
                "photos",
                format!(
                    "照片超过 {} MB，请压缩后再上传",
                    MAX_PHOTO_BYTES / 1024 / 1024
                ),
            )
            .into(),
        ));
    }
    let v = state
        .services
        .visit_add_photos(
            &actor,
            VisitId(id),
            vec![Upload {
                name: q.name.unwrap_or_else(|| "照片".into()),
                bytes: bytes.to_vec(),
            }],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(VisitDto::from(&v))))
}

#[utoipa::path(get, path = "/api/v1/visits/{id}/photos/{photo}", tag = "visits",
    params(("id" = i64, Path), ("photo" = i64, Path)),
    responses((status = 200, description = "The photo (image/jpeg or image/png)", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn get_photo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, photo)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let (info, bytes) = state
        .services
        .visit_photo(&actor, VisitId(id), photo)
        .await?;
    Ok(photo_response(&info.content_type, bytes))
}

/// A stored photo as a response (its type was sniffed when it was stored).
pub(crate) fn photo_response(content_type: &str, bytes: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, bytes).into_response();
    let ct = match content_type {
        "image/png" => "image/png",
        _ => "image/jpeg",
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res
}

// ---------- dictionary ----------

fn catalogue(raw: &str) -> Result<Catalogue, ApiError> {
    Catalogue::parse(raw).map_err(|e| {
        ApiError::Service(bangfu_domain::ValidationError::new("kind", e.message).into())
    })
}

#[utoipa::path(get, path = "/api/v1/dictionary", tag = "dictionary", params(DictionaryQuery),
    responses((status = 200, description = "Entries in order (the options forms offer)", body = Vec<DictionaryEntryDto>),
        (status = 400, body = ErrorBody)))]
pub async fn list_dictionary(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DictionaryQuery>,
) -> ApiResult<Json<Vec<DictionaryEntryDto>>> {
    let kind = q
        .kind
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .map(catalogue)
        .transpose()?;
    let list = state
        .services
        .dictionary_list(&actor, kind, !q.all.unwrap_or(false))
        .await?;
    Ok(Json(list.iter().map(DictionaryEntryDto::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/dictionary/{kind}/{code}", tag = "dictionary",
    params(("kind" = String, Path), ("code" = String, Path, description = "Lowercase ASCII letters, digits and underscores")),
    request_body = NewEntryRequest,
    responses((status = 201, body = DictionaryEntryDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The code exists", body = ErrorBody)))]
pub async fn add_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((kind, code)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<NewEntryRequest>,
) -> ApiResult<(StatusCode, Json<DictionaryEntryDto>)> {
    let kind = catalogue(&kind)?;
    let e = state
        .services
        .dictionary_add(
            &actor,
            kind,
            NewEntry {
                code,
                label: req.label,
                position: req.position,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(DictionaryEntryDto::from(&e))))
}

#[utoipa::path(patch, path = "/api/v1/dictionary/{kind}/{code}", tag = "dictionary",
    params(("kind" = String, Path), ("code" = String, Path)),
    request_body = EntryPatch,
    responses((status = 200, body = DictionaryEntryDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn edit_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((kind, code)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<EntryPatch>,
) -> ApiResult<Json<DictionaryEntryDto>> {
    let kind = catalogue(&kind)?;
    let e = state
        .services
        .dictionary_edit(
            &actor,
            kind,
            code,
            EntryChanges {
                label: req.label,
                position: req.position,
                active: req.active,
            },
        )
        .await?;
    Ok(Json(DictionaryEntryDto::from(&e)))
}
