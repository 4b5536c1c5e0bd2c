//! API: the monthly run (月度评估) and the to-do items it leaves.

use super::{ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::Month;
use bangfu_service::monthly::{MonthCounts, RunView, Todo, TodoKind, TodoQuery};
use bangfu_service::{PageRequest, ServiceError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/todos", get(list_todos))
        .route("/todos/{id}/done", post(close_todo))
        .route("/monthly/run", post(start_run))
        .route("/monthly/runs", get(list_runs))
        .route("/monthly/runs/{id}", get(get_run))
        .route("/monthly/counts", get(month_counts))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_todos, close_todo, start_run, list_runs, get_run, month_counts),
    components(schemas(TodoDto, RunDto, StartedDto, CountsDto, KindCountDto, UnionCountDto))
)]
pub struct Doc;

fn kind_label(code: &str) -> String {
    TodoKind::parse(code)
        .map(|k| k.label().to_owned())
        .unwrap_or_default()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TodoDto {
    pub id: i64,
    /// The run's month, `YYYY-MM`.
    pub month: String,
    /// exit_ready, relief_ready, relapse, not_eligible, plan_overdue, causes_changed, warning, campaign, reported, returned
    pub kind: String,
    pub kind_label: String,
    /// What was found, in Chinese.
    pub detail: String,
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    pub union_id: i64,
    pub union_name: String,
    /// The responsible person (一帮一); null when nobody is.
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    pub created_at: String,
    pub done: bool,
    pub done_at: Option<String>,
    pub done_by: Option<i64>,
    pub done_by_name: Option<String>,
}

impl From<&Todo> for TodoDto {
    fn from(t: &Todo) -> Self {
        Self {
            id: t.id,
            month: t.month.clone(),
            kind_label: kind_label(&t.kind),
            kind: t.kind.clone(),
            detail: t.detail.clone(),
            household_id: t.household_id.0,
            file_no: t.file_no.clone(),
            worker_name: t.worker_name.clone(),
            union_id: t.union_id.0,
            union_name: t.union_name.clone(),
            responsible_id: t.responsible_id.map(|u| u.0),
            responsible_name: t.responsible_name.clone(),
            created_at: api_time(&t.created_at),
            done: t.done_at.is_some(),
            done_at: t.done_at.as_ref().map(api_time),
            done_by: t.done_by.map(|u| u.0),
            done_by_name: t.done_by_name.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TodoParams {
    /// `true`: only the items addressed to the caller.
    pub mine: Option<String>,
    /// exit_ready, relief_ready, relapse, not_eligible, plan_overdue, causes_changed, warning, campaign, reported, returned
    pub kind: Option<String>,
    /// Only the items of this union's subtree.
    #[serde(alias = "union_id")]
    pub union: Option<i64>,
    /// `false` (default): open items; `true`: handled ones; `all`.
    pub done: Option<String>,
    /// `YYYY-MM`: only the items of this month's run.
    pub month: Option<String>,
    pub household_id: Option<i64>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

fn truthy(s: &Option<String>) -> Result<bool, ServiceError> {
    match s.as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(bangfu_domain::ValidationError::new(
            "mine",
            format!("“{other}”无效：mine 应为 true 或 false"),
        )
        .into()),
    }
}

#[utoipa::path(get, path = "/api/v1/todos", tag = "monthly", params(TodoParams),
    responses((status = 200, body = PageDto<TodoDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_todos(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TodoParams>,
) -> ApiResult<Json<PageDto<TodoDto>>> {
    let query = TodoQuery {
        mine: truthy(&q.mine)?,
        kind: q.kind,
        union_id: q.union,
        done: q.done,
        month: q.month,
        household_id: q.household_id,
    };
    let page = state
        .services
        .todo_list(&actor, query, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |t| TodoDto::from(t))))
}

#[utoipa::path(post, path = "/api/v1/todos/{id}/done", tag = "monthly", params(("id" = i64, Path)),
    responses((status = 200, body = TodoDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn close_todo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TodoDto>> {
    let t = state.services.todo_done(&actor, id).await?;
    Ok(Json(TodoDto::from(&t)))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MonthlyRunDto)]
pub struct RunDto {
    /// The job's id.
    pub id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// schedule or manual
    pub trigger: String,
    /// queued, running, succeeded, failed or interrupted
    pub status: String,
    pub status_label: String,
    pub phase: String,
    /// Households judged so far, and in all.
    pub done: i64,
    pub total: i64,
    pub percent: i64,
    pub finished: bool,
    pub message: Option<String>,
    pub evaluated: i64,
    /// Households whose data could not be judged.
    pub skipped: i64,
    /// Findings per to-do kind (all items of the month the run found).
    #[schema(value_type = Object)]
    pub found: BTreeMap<String, i64>,
    /// To-do items written for the first time by this run.
    pub added: i64,
    pub decisions_changed: i64,
    pub millis: i64,
    /// The union whose subtree the run covered.
    pub union_id: i64,
    pub union_name: String,
    /// Who started it by hand (null for the scheduler).
    pub started_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&RunView> for RunDto {
    fn from(r: &RunView) -> Self {
        Self {
            id: r.id,
            month: r.month.clone(),
            trigger: r.trigger.clone(),
            status: r.status_code().into(),
            status_label: r.status_label().into(),
            phase: r.phase.clone(),
            done: r.done,
            total: r.total,
            percent: r.percent(),
            finished: r.finished(),
            message: r.message.clone(),
            evaluated: r.result.evaluated,
            skipped: r.result.skipped,
            found: r
                .result
                .found
                .iter()
                .map(|(k, n)| (k.code().to_owned(), *n))
                .collect(),
            added: r.result.added,
            decisions_changed: r.result.decisions_changed,
            millis: r.result.millis,
            union_id: r.union_id.0,
            union_name: r.union_name.clone(),
            started_by: r.started_by.clone(),
            created_at: api_time(&r.created_at),
            updated_at: api_time(&r.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StartedDto {
    pub job_id: i64,
}

#[utoipa::path(post, path = "/api/v1/monthly/run", tag = "monthly",
    responses((status = 202, body = StartedDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn start_run(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<(StatusCode, Json<StartedDto>)> {
    let job_id = state.services.monthly_run_start(&actor).await?;
    Ok((StatusCode::ACCEPTED, Json(StartedDto { job_id })))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RunParams {
    /// How many of the latest runs (default 12, at most 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/monthly/runs", tag = "monthly", params(RunParams),
    responses((status = 200, body = Vec<RunDto>), (status = 403, body = ErrorBody)))]
async fn list_runs(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<RunParams>,
) -> ApiResult<Json<Vec<RunDto>>> {
    let list = state
        .services
        .monthly_runs(&actor, q.limit.unwrap_or(12))
        .await?;
    Ok(Json(list.iter().map(RunDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/monthly/runs/{id}", tag = "monthly", params(("id" = i64, Path)),
    responses((status = 200, body = RunDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_run(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RunDto>> {
    let r = state.services.monthly_run_get(&actor, id).await?;
    Ok(Json(RunDto::from(&r)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindCountDto {
    pub kind: String,
    pub kind_label: String,
    pub total: i64,
    /// Not yet handled.
    pub open: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnionCountDto {
    pub union_id: i64,
    pub union_name: String,
    /// The caller's own union (items filed directly under it).
    pub own: bool,
    pub kinds: Vec<KindCountDto>,
    pub total: i64,
    pub open: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountsDto {
    pub month: String,
    pub kinds: Vec<KindCountDto>,
    /// Per child union of the caller's union (and the union itself).
    pub unions: Vec<UnionCountDto>,
}

fn kinds(counts: &[(i64, i64); TodoKind::ALL.len()]) -> Vec<KindCountDto> {
    TodoKind::ALL
        .iter()
        .zip(counts.iter())
        .map(|(k, (total, open))| KindCountDto {
            kind: k.code().into(),
            kind_label: k.label().into(),
            total: *total,
            open: *open,
        })
        .collect()
}

impl From<&MonthCounts> for CountsDto {
    fn from(c: &MonthCounts) -> Self {
        Self {
            month: c.month.to_string(),
            kinds: kinds(&c.by_kind),
            unions: c
                .unions
                .iter()
                .map(|u| UnionCountDto {
                    union_id: u.union_id.0,
                    union_name: u.name.clone(),
                    own: u.own,
                    kinds: kinds(&u.counts),
                    total: u.total(),
                    open: u.open_total(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CountParams {
    /// `YYYY-MM`; this month when absent.
    pub month: Option<String>,
}

#[utoipa::path(get, operation_id = "get_month_counts", path = "/api/v1/monthly/counts", tag = "monthly", params(CountParams),
    responses((status = 200, body = CountsDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn month_counts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CountParams>,
) -> ApiResult<Json<CountsDto>> {
    let month = q
        .month
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|m| Month::parse("month", m))
        .transpose()
        .map_err(ServiceError::from)?;
    let c = state.services.monthly_counts(&actor, month).await?;
    Ok(Json(CountsDto::from(&c)))
}
