//! API: 部门核对 — batches a department sends (plain
//! or hashed ID numbers), the findings on households and their resolution,
//! the matching key, and findings counted by dataset.

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_service::verification::{
    Batch, BatchInput, BatchJob, BatchQuery, DatasetCount, Finding, FindingQuery, KeyView,
    ResolveInput,
};
use bangfu_service::PageRequest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verification/batches/{id}", get(get_batch))
        .route("/verification/jobs/{id}", get(get_job))
        .route("/verification/findings", get(list_findings))
        .route("/verification/findings/{id}", get(get_finding))
        .route("/verification/findings/{id}/resolve", post(resolve_finding))
        .route("/verification/counts", get(counts))
        .route("/verification/key", get(get_key))
        .route("/verification/key/rotate", post(rotate_key))
}

/// A batch may be large: the list's path is mounted apart, with the upload
/// body limit (its GET, the list, is small either way).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/verification/batches",
        get(list_batches)
            .post(create_batch)
            .fallback(|| async { super::ApiError::MethodNotAllowed }),
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        create_batch,
        list_batches,
        get_batch,
        get_job,
        list_findings,
        get_finding,
        resolve_finding,
        counts,
        get_key,
        rotate_key
    ),
    components(schemas(
        BatchRequest,
        BatchDto,
        BatchJobDto,
        CheckFindingDto,
        CheckResolveRequest,
        DatasetCountDto,
        KeyDto
    ))
)]
pub struct Doc;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The code of an active dataset of the catalogue (see
    /// `/api/v1/verification/datasets`); an unknown or deactivated one is
    /// refused with 400 naming `dataset`.
    pub dataset: String,
    /// Who sends it, e.g. 民政局.
    pub source: String,
    /// YYYY-MM-DD: the date the data is as of.
    pub as_of: String,
    /// The key the hashes were made with (default: the current key).
    pub key_id: Option<i64>,
    /// Each row: `id_number` (18 characters) or `id_hash` (64 hex digits:
    /// HMAC-SHA256 of the upper-case ID number with the matching key), plus
    /// the dataset's fields (money in fen).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchDto {
    pub id: i64,
    pub dataset: String,
    pub dataset_label: String,
    pub source: String,
    pub as_of: String,
    pub union_id: i64,
    pub union_name: String,
    pub key_id: Option<i64>,
    pub file_name: Option<String>,
    /// Rows received.
    pub rows: i64,
    /// Rows keyed by hash.
    pub hashed_rows: i64,
    /// Rows naming a person already named by an earlier row (matched once).
    pub duplicate_rows: i64,
    /// People on file the rows named.
    pub matched_people: i64,
    /// Findings raised (matches that disagree with the file).
    pub findings: i64,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: String,
}

impl From<&Batch> for BatchDto {
    fn from(b: &Batch) -> Self {
        Self {
            id: b.id,
            dataset: b.dataset.code.clone(),
            dataset_label: b.dataset.label.clone(),
            source: b.source.clone(),
            as_of: b.as_of.to_string(),
            union_id: b.union_id.0,
            union_name: b.union_name.clone(),
            key_id: b.key_id,
            file_name: b.file_name.clone(),
            rows: b.rows,
            hashed_rows: b.hashed_rows,
            duplicate_rows: b.duplicate_rows,
            matched_people: b.matched_people,
            findings: b.findings,
            created_by: b.created_by,
            created_by_name: b.created_by_name.clone(),
            created_at: api_time(&b.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckFindingDto {
    pub id: i64,
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    pub batch_id: i64,
    pub dataset: String,
    pub dataset_label: String,
    pub union_id: i64,
    pub union_name: String,
    /// Null: the worker; else the member's id.
    pub member_id: Option<i64>,
    pub person_name: String,
    /// assets, undeclared_income, dibao, worker_died, member_died, medical_bill, relapse_risk, employment, disability, disaster
    pub concern: String,
    pub concern_label: String,
    /// The row's fields (money in fen).
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
    pub dataset_says: String,
    pub file_says: String,
    pub as_of: String,
    /// open, confirmed, dismissed
    pub status: String,
    pub status_label: String,
    /// The actions that may resolve it.
    pub actions: Vec<String>,
    pub action: Option<String>,
    pub note: String,
    /// What the action produced: `exit:<id>`, `household:<version>`, `income:<month>`, `relapse:<date>`.
    pub linked: Option<String>,
    pub resolved_by: Option<i64>,
    pub resolved_by_name: String,
    pub resolved_at: Option<String>,
    pub version: i64,
    pub created_at: String,
}

impl From<&Finding> for CheckFindingDto {
    fn from(f: &Finding) -> Self {
        Self {
            id: f.id,
            household_id: f.household_id.0,
            file_no: f.file_no.clone(),
            worker_name: f.worker_name.clone(),
            batch_id: f.batch_id,
            dataset: f.dataset.code.clone(),
            dataset_label: f.dataset.label.clone(),
            union_id: f.union_id.0,
            union_name: f.union_name.clone(),
            member_id: f.member_id,
            person_name: f.person_name.clone(),
            concern: f.concern.code().into(),
            concern_label: f.concern.label().into(),
            facts: serde_json::from_str(&f.facts).unwrap_or_default(),
            dataset_says: f.dataset_says.clone(),
            file_says: f.file_says.clone(),
            as_of: f.as_of.to_string(),
            status: f.status.code().into(),
            status_label: f.status.label().into(),
            actions: f
                .concern
                .actions()
                .iter()
                .map(|a| a.code().into())
                .collect(),
            action: f.action.map(|a| a.code().into()),
            note: f.note.clone(),
            linked: f
                .linked_kind
                .as_ref()
                .map(|k| format!("{k}:{}", f.linked_ref.clone().unwrap_or_default())),
            resolved_by: f.resolved_by,
            resolved_by_name: f.resolved_by_name.clone(),
            resolved_at: f.resolved_at.as_ref().map(api_time),
            version: f.version,
            created_at: api_time(&f.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct FindingParams {
    /// Only the findings of this batch.
    pub batch: Option<i64>,
    pub dataset: Option<String>,
    pub concern: Option<String>,
    /// open, confirmed, dismissed
    pub status: Option<String>,
    /// Only this union's subtree.
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    /// Only open findings older than 30 days.
    pub overdue: Option<bool>,
    /// Only households the caller is responsible for.
    pub mine: Option<bool>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct BatchParams {
    pub dataset: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CountParams {
    pub union_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResolveRequest {
    /// correct_file, record_expenditure, propose_removal, propose_exit,
    /// open_relapse (each done in its own flow first) or dismiss.
    pub action: String,
    /// Required to dismiss.
    #[serde(default)]
    pub note: String,
    /// The version read; a stale one is refused with 409.
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetCountDto {
    pub dataset: String,
    pub dataset_label: String,
    pub open: i64,
    /// Open and raised within the last 7 days.
    pub fresh: i64,
    /// Open for more than 30 days.
    pub overdue: i64,
    pub confirmed: i64,
    pub dismissed: i64,
}

impl From<&DatasetCount> for DatasetCountDto {
    fn from(c: &DatasetCount) -> Self {
        Self {
            dataset: c.dataset.code.clone(),
            dataset_label: c.dataset.label.clone(),
            open: c.open,
            fresh: c.fresh,
            overdue: c.overdue,
            confirmed: c.confirmed,
            dismissed: c.dismissed,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyDto {
    pub key_id: i64,
    /// 64 hex digits; departments hash with the bytes they stand for.
    pub key: String,
    pub created_at: String,
    /// Older keys (id), kept to read their batches.
    pub retired: Vec<i64>,
}

impl From<&KeyView> for KeyDto {
    fn from(k: &KeyView) -> Self {
        Self {
            key_id: k.key_id,
            key: k.key.clone(),
            created_at: api_time(&k.created_at),
            retired: k.retired.iter().map(|r| r.0).collect(),
        }
    }
}

/// A JSON row as column → text, whatever JSON type each value came in.
fn cells(row: serde_json::Map<String, serde_json::Value>) -> BTreeMap<String, String> {
    row.into_iter()
        .filter_map(|(k, v)| {
            let text = match v {
                serde_json::Value::Null => return None,
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            Some((k, text))
        })
        .collect()
}

#[utoipa::path(post, path = "/api/v1/verification/batches", tag = "verification",
    request_body = BatchRequest,
    responses((status = 200, body = BatchDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_batch(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<BatchRequest>,
) -> ApiResult<Json<BatchDto>> {
    let b = state
        .services
        .verification_batch_create(
            &actor,
            BatchInput {
                dataset: req.dataset,
                source: req.source,
                as_of: req.as_of,
                key_id: req.key_id,
                file_name: None,
                rows: req.rows.into_iter().map(cells).collect::<Vec<_>>().into(),
                first_row: 1,
            },
        )
        .await?;
    Ok(Json(BatchDto::from(&b)))
}

#[utoipa::path(get, path = "/api/v1/verification/batches", tag = "verification", params(BatchParams),
    responses((status = 200, body = PageDto<BatchDto>), (status = 403, body = ErrorBody)))]
async fn list_batches(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<BatchParams>,
) -> ApiResult<Json<PageDto<BatchDto>>> {
    let page = state
        .services
        .verification_batch_list(
            &actor,
            BatchQuery { dataset: q.dataset },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |b| BatchDto::from(b))))
}

#[utoipa::path(get, path = "/api/v1/verification/batches/{id}", tag = "verification", params(("id" = i64, Path)),
    responses((status = 200, body = BatchDto), (status = 404, body = ErrorBody)))]
async fn get_batch(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BatchDto>> {
    let b = state.services.verification_batch_get(&actor, id).await?;
    Ok(Json(BatchDto::from(&b)))
}

/// A large batch uploaded on the page, matched in the background.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchJobDto {
    pub id: i64,
    /// verification_batch
    pub kind: String,
    /// queued, running, succeeded, failed — or interrupted: still marked
    /// running but not heard from for 10 minutes (nothing was written).
    pub status: String,
    /// What it is doing, in Chinese (排队中, 核对在档人员, 写入发现, 已完成, 失败).
    pub phase: String,
    /// Plain ID numbers matched and files scanned for hashes, of `total`.
    pub done: i64,
    pub total: i64,
    /// 0–100; not meaningful while `indeterminate`.
    pub percent: i64,
    /// The final write: progress cannot be measured.
    pub indeterminate: bool,
    pub finished: bool,
    /// The batch written, when succeeded.
    pub batch_id: Option<i64>,
    /// When finished: what happened (on failure, why; nothing was written).
    pub message: Option<String>,
    pub file_name: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&BatchJob> for BatchJobDto {
    fn from(j: &BatchJob) -> Self {
        let s = &j.state;
        Self {
            id: s.id,
            kind: s.kind.clone(),
            status: if s.interrupted {
                "interrupted".into()
            } else {
                s.status.code().into()
            },
            phase: s.phase.clone(),
            done: s.done,
            total: s.total,
            percent: s.percent(),
            indeterminate: j.indeterminate,
            finished: s.finished(),
            batch_id: j.batch.as_ref().map(|b| b.id),
            message: s.message.clone(),
            file_name: j.file_name.clone(),
            created_at: api_time(&s.created_at),
            updated_at: api_time(&s.updated_at),
        }
    }
}

/// A large batch's job (started from the upload page), for the user who
/// started it; `POST /api/v1/verification/batches` itself always answers
/// at once.
#[utoipa::path(get, path = "/api/v1/verification/jobs/{id}", tag = "verification", params(("id" = i64, Path)),
    responses((status = 200, body = BatchJobDto), (status = 404, body = ErrorBody)))]
async fn get_job(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<BatchJobDto>> {
    let j = state.services.verification_batch_job(&actor, id).await?;
    Ok(Json(BatchJobDto::from(&j)))
}

#[utoipa::path(get, path = "/api/v1/verification/findings", tag = "verification", params(FindingParams),
    responses((status = 200, body = PageDto<CheckFindingDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_findings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<FindingParams>,
) -> ApiResult<Json<PageDto<CheckFindingDto>>> {
    let page = state
        .services
        .verification_finding_list(
            &actor,
            FindingQuery {
                union_id: q.union_id,
                batch: q.batch,
                dataset: q.dataset,
                concern: q.concern,
                status: q.status,
                household_id: q.household_id,
                overdue: q.overdue.unwrap_or(false),
                mine: q.mine.unwrap_or(false),
            },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |f| {
        CheckFindingDto::from(f)
    })))
}

#[utoipa::path(get, path = "/api/v1/verification/findings/{id}", tag = "verification", params(("id" = i64, Path)),
    responses((status = 200, body = CheckFindingDto), (status = 404, body = ErrorBody)))]
async fn get_finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CheckFindingDto>> {
    let f = state.services.verification_finding_get(&actor, id).await?;
    Ok(Json(CheckFindingDto::from(&f)))
}

#[utoipa::path(post, path = "/api/v1/verification/findings/{id}/resolve", tag = "verification", params(("id" = i64, Path)),
    request_body = CheckResolveRequest,
    responses((status = 200, body = CheckFindingDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resolve_finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CheckResolveRequest>,
) -> ApiResult<Json<CheckFindingDto>> {
    let f = state
        .services
        .verification_finding_resolve(
            &actor,
            id,
            ResolveInput {
                action: req.action,
                note: req.note,
                version: req.version,
            },
        )
        .await?;
    Ok(Json(CheckFindingDto::from(&f)))
}

#[utoipa::path(get, path = "/api/v1/verification/counts", tag = "verification", params(CountParams),
    responses((status = 200, body = Vec<DatasetCountDto>), (status = 403, body = ErrorBody)))]
async fn counts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CountParams>,
) -> ApiResult<Json<Vec<DatasetCountDto>>> {
    let list = state
        .services
        .verification_counts(&actor, q.union_id)
        .await?;
    Ok(Json(list.iter().map(DatasetCountDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/verification/key", tag = "verification",
    responses((status = 200, body = KeyDto), (status = 403, body = ErrorBody)))]
async fn get_key(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<KeyDto>> {
    let k = state.services.verification_key(&actor).await?;
    Ok(Json(KeyDto::from(&k)))
}

#[utoipa::path(post, path = "/api/v1/verification/key/rotate", tag = "verification",
    responses((status = 200, body = KeyDto), (status = 403, body = ErrorBody)))]
async fn rotate_key(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<KeyDto>> {
    let k = state.services.verification_key_rotate(&actor).await?;
    Ok(Json(KeyDto::from(&k)))
}
