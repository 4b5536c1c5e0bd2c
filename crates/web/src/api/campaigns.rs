//! API: 专项行动 — look-back (回头看) and every-household-cleared (户户清)
//! campaigns (docs/rules.md §8.2): start one over a union's subtree, its
//! progress by direct child union, its tasks (list, download, one task),
//! a look-back task's outcome, a 户户清 item cleared, and closing it.

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::campaign::{CampaignKind, CampaignStatus};
use bangfu_service::campaigns::{
    CampaignFilter, CampaignInput, ChildProgress, ClearInput, Counts, OutcomeInput, Progress, Task,
    TaskDetail, TaskQuery,
};
use bangfu_service::{PageRequest, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list).post(start))
        .route("/campaigns/{id}", get(get_campaign))
        .route("/campaigns/{id}/tasks", get(tasks))
        .route("/campaigns/{id}/export", get(export))
        .route("/campaigns/{id}/close", post(close))
        .route("/campaign-tasks/{id}", get(get_task))
        .route("/campaign-tasks/{id}/outcome", post(outcome))
        .route("/campaign-tasks/{id}/clear", post(clear))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        start,
        get_campaign,
        tasks,
        export,
        close,
        get_task,
        outcome,
        clear
    ),
    components(schemas(
        CampaignRequest,
        CampaignDto,
        CampaignProgressDto,
        CampaignChildProgressDto,
        CampaignSummaryDto,
        CampaignTaskDto,
        CampaignTaskDetailDto,
        CampaignItemDto,
        CampaignOpenFindingDto,
        CampaignVisitRefDto,
        CampaignOutcomeRequest,
        CampaignClearRequest
    ))
)]
pub struct Doc;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CampaignRequest {
    /// look_back (回头看) or clear_all (户户清)
    pub kind: String,
    /// The union (county level or above) whose subtree it covers; default the caller's own.
    pub union_id: Option<i64>,
    pub title: String,
    /// YYYY-MM-DD, today or later (China time).
    pub deadline: String,
    /// clear_all only: the items of each household's list; omitted → the six
    /// (底数清、致困原因清、帮扶措施清、政策落实清、收入状况清、责任人清).
    pub items: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignSummaryDto {
    pub kept: i64,
    pub corrected: i64,
    pub removed: i64,
    /// 户户清 tasks with every item cleared.
    pub cleared: i64,
    pub not_done: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignChildProgressDto {
    pub union_id: i64,
    pub name: String,
    pub total: i64,
    pub done: i64,
    /// Not done and past the deadline.
    pub overdue: i64,
    pub left: i64,
}

/// The campaign's tasks in one union's part of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignProgressDto {
    pub union_id: i64,
    pub union_name: String,
    pub total: i64,
    pub done: i64,
    pub overdue: i64,
    pub left: i64,
    /// Every direct child union of that union, with its part.
    pub children: Vec<CampaignChildProgressDto>,
    pub summary: CampaignSummaryDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignDto {
    pub id: i64,
    /// look_back or clear_all
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub union_id: i64,
    pub union_name: String,
    /// YYYY-MM-DD
    pub deadline: String,
    /// clear_all: the items in order; empty for a look-back.
    pub items: Vec<String>,
    /// running or closed
    pub status: String,
    /// Tasks created: the households on file in the subtree when it started.
    pub tasks: i64,
    pub created_by_name: String,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// Whether the caller may close it.
    pub may_close: bool,
    /// In the union asked for (default: the part the caller sees).
    pub progress: CampaignProgressDto,
}

fn counts_of(c: &Counts) -> (i64, i64, i64, i64) {
    (c.total, c.done, c.overdue, c.left)
}

impl From<&ChildProgress> for CampaignChildProgressDto {
    fn from(c: &ChildProgress) -> Self {
        let (total, done, overdue, left) = counts_of(&c.counts);
        Self {
            union_id: c.union_id,
            name: c.name.clone(),
            total,
            done,
            overdue,
            left,
        }
    }
}

impl From<&Progress> for CampaignDto {
    fn from(p: &Progress) -> Self {
        let c = &p.campaign;
        let (total, done, overdue, left) = counts_of(&p.counts);
        Self {
            id: c.id,
            kind: c.kind.code().into(),
            kind_label: c.kind.label().into(),
            title: c.title.clone(),
            union_id: c.union_id.0,
            union_name: c.union_name.clone(),
            deadline: c.deadline.to_string(),
            items: c.items.clone(),
            status: c.status.code().into(),
            tasks: c.task_count,
            created_by_name: c.created_by_name.clone(),
            created_at: api_time(&c.created_at),
            closed_at: c.closed_at.as_ref().map(api_time),
            may_close: p.may_close,
            progress: CampaignProgressDto {
                union_id: p.union.0,
                union_name: p.union.1.clone(),
                total,
                done,
                overdue,
                left,
                children: p
                    .children
                    .iter()
                    .map(CampaignChildProgressDto::from)
                    .collect(),
                summary: CampaignSummaryDto {
                    kept: p.summary.kept,
                    corrected: p.summary.corrected,
                    removed: p.summary.removed,
                    cleared: p.summary.cleared,
                    not_done: p.summary.not_done,
                },
            },
        }
    }
}

/// A household's task.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignTaskDto {
    pub id: i64,
    pub campaign_id: i64,
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    /// The household's status now (on_file, exited, relieved, removed, closed).
    pub household_status: String,
    pub union_id: i64,
    pub union_name: String,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    /// None while open; keep, correct, remove (look-back) or cleared (户户清).
    pub outcome: Option<String>,
    pub note: String,
    /// outcome remove: the removal decision (GET /api/v1/exits/{id}).
    pub exit_id: Option<i64>,
    /// The home visit recorded since the start that the task was done with.
    pub visit_id: Option<i64>,
    pub done: bool,
    pub done_at: Option<String>,
    pub done_by_name: Option<String>,
    /// 户户清: how many items are cleared.
    pub cleared: i64,
}

impl From<&Task> for CampaignTaskDto {
    fn from(t: &Task) -> Self {
        Self {
            id: t.id,
            campaign_id: t.campaign_id,
            household_id: t.household_id.0,
            file_no: t.file_no.clone(),
            worker_name: t.worker_name.clone(),
            household_status: t.household_status.code().into(),
            union_id: t.union_id.0,
            union_name: t.union_name.clone(),
            responsible_id: t.responsible_id,
            responsible_name: t.responsible_id.map(|_| t.responsible_name.clone()),
            outcome: t.outcome.map(|o| o.code().to_owned()),
            note: t.note.clone(),
            exit_id: t.exit_id,
            visit_id: t.visit_id,
            done: t.done_at.is_some(),
            done_at: t.done_at.as_ref().map(api_time),
            done_by_name: t.done_at.map(|_| t.done_by_name.clone()),
            cleared: t.cleared,
        }
    }
}

/// An item of a 户户清 task.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignItemDto {
    /// Its position, from 0 (what POST …/clear names as `item`).
    pub index: i64,
    pub item: String,
    pub cleared: bool,
    pub note: Option<String>,
    pub cleared_by_name: Option<String>,
    pub cleared_at: Option<String>,
}

/// An open verification finding (部门核对) of the household.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignOpenFindingDto {
    pub id: i64,
    pub dataset_label: String,
    pub concern: String,
    pub concern_label: String,
    pub person_name: String,
    pub dataset_says: String,
    pub file_says: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignVisitRefDto {
    /// GET /api/v1/visits/{id}
    pub id: i64,
    pub visited_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignTaskDetailDto {
    pub task: CampaignTaskDto,
    pub campaign_kind: String,
    pub campaign_title: String,
    /// running or closed
    pub campaign_status: String,
    pub deadline: String,
    pub overdue: bool,
    /// clear_all: every item, cleared or not.
    pub items: Vec<CampaignItemDto>,
    pub open_findings: Vec<CampaignOpenFindingDto>,
    /// The latest home visit recorded since the campaign started (POST
    /// /api/v1/households/{id}/visits records one).
    pub visit: Option<CampaignVisitRefDto>,
    /// Whether the caller may record its outcome or clear its items now.
    pub may_act: bool,
}

impl From<&TaskDetail> for CampaignTaskDetailDto {
    fn from(d: &TaskDetail) -> Self {
        let items = d
            .campaign
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let c = d
                    .clearances
                    .iter()
                    .find(|c| usize::try_from(c.item).ok() == Some(i));
                CampaignItemDto {
                    index: i64::try_from(i).unwrap_or(0),
                    item: item.clone(),
                    cleared: c.is_some(),
                    note: c.map(|c| c.note.clone()),
                    cleared_by_name: c.map(|c| c.cleared_by_name.clone()),
                    cleared_at: c.map(|c| api_time(&c.cleared_at)),
                }
            })
            .collect();
        Self {
            task: CampaignTaskDto::from(&d.task),
            campaign_kind: d.campaign.kind.code().into(),
            campaign_title: d.campaign.title.clone(),
            campaign_status: d.campaign.status.code().into(),
            deadline: d.campaign.deadline.to_string(),
            overdue: d.task.done_at.is_none() && bangfu_service::today() > d.campaign.deadline,
            items,
            open_findings: d
                .findings
                .iter()
                .map(|f| CampaignOpenFindingDto {
                    id: f.id,
                    dataset_label: f.dataset.label.clone(),
                    concern: f.concern.code().into(),
                    concern_label: f.concern.label().into(),
                    person_name: f.person_name.clone(),
                    dataset_says: f.dataset_says.clone(),
                    file_says: f.file_says.clone(),
                })
                .collect(),
            visit: d.visit.map(|(id, on)| CampaignVisitRefDto {
                id,
                visited_on: on.to_string(),
            }),
            may_act: d.may_act,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CampaignOutcomeRequest {
    /// keep (保留), correct (更正) or remove (建议清退: propose the removal
    /// first with POST /api/v1/households/{id}/exits, kind removal)
    pub outcome: String,
    /// What was checked; for correct, the changes made (required).
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CampaignClearRequest {
    /// The item's index (from 0) or its text.
    #[schema(value_type = String)]
    pub item: serde_json::Value,
    pub note: String,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CampaignListParams {
    /// look_back or clear_all
    pub kind: Option<String>,
    /// running or closed
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// A union in the caller's subtree (default: the part of the campaign the caller sees).
    pub union_id: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TaskParams {
    pub union_id: Option<i64>,
    /// open (default), done, overdue or all
    pub state: Option<String>,
    /// Only the caller's own tasks.
    pub mine: Option<bool>,
    pub household_id: Option<i64>,
    /// A worker's name or file number, in part.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl TaskParams {
    fn query(&self) -> TaskQuery {
        TaskQuery {
            union_id: self.union_id,
            state: self.state.clone(),
            mine: self.mine.unwrap_or(false),
            household_id: self.household_id,
            q: self.q.clone(),
        }
    }
}

fn filter_of(q: &CampaignListParams) -> Result<CampaignFilter, ServiceError> {
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(CampaignFilter {
        kind: nonempty(&q.kind)
            .map(|k| CampaignKind::parse(&k))
            .transpose()?,
        status: nonempty(&q.status)
            .map(|s| CampaignStatus::parse(&s))
            .transpose()?,
    })
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(CampaignListParams),
    responses((status = 200, description = "The campaigns of the caller's subtree and of its ancestors, running first; progress is the caller's part", body = PageDto<CampaignDto>),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CampaignListParams>,
) -> ApiResult<Json<PageDto<CampaignDto>>> {
    let filter = filter_of(&q)?;
    let page = state
        .services
        .campaign_list(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |p| CampaignDto::from(p))))
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignRequest,
    responses((status = 201, description = "Started (audited): one task per household on file in the union's subtree", body = CampaignDto),
        (status = 400, description = "Bad kind, title, deadline (past) or items; nothing written", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "A union outside the caller's subtree", body = ErrorBody),
        (status = 422, description = "A grassroots union", body = ErrorBody)))]
async fn start(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CampaignRequest>,
) -> ApiResult<(StatusCode, Json<CampaignDto>)> {
    let p = state
        .services
        .campaign_start(
            &actor,
            CampaignInput {
                kind: req.kind,
                union_id: req.union_id,
                title: req.title,
                deadline: req.deadline,
                items: req.items,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CampaignDto::from(&p))))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path), ProgressParams),
    responses((status = 200, body = CampaignDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ProgressParams>,
) -> ApiResult<Json<CampaignDto>> {
    let p = state
        .services
        .campaign_progress(&actor, id, q.union_id)
        .await?;
    Ok(Json(CampaignDto::from(&p)))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/tasks", tag = "campaigns", params(("id" = i64, Path), TaskParams),
    responses((status = 200, description = "The tasks of the caller's part (open ones first)", body = PageDto<CampaignTaskDto>),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn tasks(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<TaskParams>,
) -> ApiResult<Json<PageDto<CampaignTaskDto>>> {
    let (_, page) = state
        .services
        .campaign_tasks(&actor, id, q.query(), PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |t| {
        CampaignTaskDto::from(t)
    })))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/export", tag = "campaigns", params(("id" = i64, Path), TaskParams),
    responses(
        (status = 200, description = "An .xlsx workbook of the tasks listed with the same filters",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "More tasks than one download carries: narrow to a child union", body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<TaskParams>,
) -> ApiResult<Response> {
    let (campaign, page) = state
        .services
        .campaign_export(&actor, id, q.query(), crate::xlsx::MAX_ROWS)
        .await?;
    let (name, bytes) = crate::pages::campaign_workbook(&campaign, &page.items)
        .map_err(|e| ApiError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/close", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "Closed (audited), with the summary; no task changes afterwards", body = CampaignDto),
        (status = 403, description = "Not the union that started it", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Closed already", body = ErrorBody)))]
async fn close(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CampaignDto>> {
    let p = state.services.campaign_close(&actor, id).await?;
    Ok(Json(CampaignDto::from(&p)))
}

#[utoipa::path(get, path = "/api/v1/campaign-tasks/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignTaskDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CampaignTaskDetailDto>> {
    let d = state.services.campaign_task(&actor, id).await?;
    Ok(Json(CampaignTaskDetailDto::from(&d)))
}

#[utoipa::path(post, path = "/api/v1/campaign-tasks/{id}/outcome", tag = "campaigns", params(("id" = i64, Path)),
    request_body = CampaignOutcomeRequest,
    responses((status = 200, description = "Recorded (audited); the task is done", body = CampaignTaskDetailDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Done already, campaign closed, a 户户清 task, or remove without a removal proposed", body = ErrorBody)))]
async fn outcome(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CampaignOutcomeRequest>,
) -> ApiResult<Json<CampaignTaskDetailDto>> {
    let d = state
        .services
        .campaign_task_outcome(
            &actor,
            id,
            OutcomeInput {
                outcome: req.outcome,
                note: req.note,
            },
        )
        .await?;
    Ok(Json(CampaignTaskDetailDto::from(&d)))
}

#[utoipa::path(post, path = "/api/v1/campaign-tasks/{id}/clear", tag = "campaigns", params(("id" = i64, Path)),
    request_body = CampaignClearRequest,
    responses((status = 200, description = "Cleared (audited); the task is done once every item is", body = CampaignTaskDetailDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Cleared already, campaign closed, or a look-back task", body = ErrorBody)))]
async fn clear(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CampaignClearRequest>,
) -> ApiResult<Json<CampaignTaskDetailDto>> {
    let item = match req.item {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    let d = state
        .services
        .campaign_task_clear(
            &actor,
            id,
            ClearInput {
                item,
                note: req.note,
            },
        )
        .await?;
    Ok(Json(CampaignTaskDetailDto::from(&d)))
}
