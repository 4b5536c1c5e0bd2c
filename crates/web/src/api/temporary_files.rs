//! API: 临时救助档案 — temporary relief files (docs/rules.md §2.2): record
//! one-off help after a sudden event, list and count them apart, close one,
//! or convert (转正) one into a full file.

use super::households::{parse_incomes, HouseholdDto, HouseholdRequest};
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
use bangfu_domain::temporary::TemporaryFileId;
use bangfu_domain::Fen;
use bangfu_service::temporary_files::{
    TemporaryInput, TemporaryList, TemporaryQuery, TemporaryView,
};
use bangfu_service::{PageRequest, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/temporary-files", get(list).post(create))
        .route("/temporary-files/export", get(export))
        .route("/temporary-files/{id}", get(show))
        .route("/temporary-files/{id}/close", post(close))
        .route("/temporary-files/{id}/convert", post(convert))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, export, show, close, convert),
    components(schemas(
        TemporaryRequest,
        TemporaryDto,
        TemporaryListDto,
        TemporaryTotalsDto,
        CloseTemporaryRequest,
        ConvertTemporaryRequest
    ))
)]
pub struct Doc;

/// A temporary relief file to record, with the help given.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TemporaryRequest {
    /// The union that helps and keeps the record (default: the caller's own).
    #[serde(default)]
    pub union_id: Option<i64>,
    pub worker_name: String,
    /// 18-character resident ID number.
    pub worker_id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub employer: String,
    /// illness, accident, disaster, disability, unemployment or other.
    pub cause: String,
    /// What happened.
    pub event: String,
    /// YYYY-MM-DD, not in the future.
    pub event_on: String,
    /// YYYY-MM-DD, on or after the event; today when absent.
    #[serde(default)]
    pub given_on: String,
    /// Cash given, in fen, paid from the union's fund of `source`.
    #[serde(default)]
    pub cash_fen: i64,
    /// The fund source (required when cash_fen > 0): e.g. union_funds, special, donation.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub goods: String,
    #[serde(default)]
    pub goods_value_fen: i64,
    /// Persons helped (1–20).
    pub persons: i32,
}

/// A temporary relief file; the worker's ID number and phone are masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemporaryDto {
    pub id: i64,
    pub union_id: i64,
    pub union_name: String,
    pub worker_name: String,
    pub worker_id_number: String,
    pub phone: String,
    pub address: String,
    pub employer: String,
    pub cause: String,
    pub event: String,
    pub event_on: String,
    pub given_on: String,
    pub cash_fen: i64,
    pub source: Option<String>,
    pub goods: String,
    pub goods_value_fen: i64,
    pub persons: i32,
    /// open, converted or closed — as of today: an open file past closes_on reads closed.
    pub status: String,
    /// Closed because its period ran out.
    pub expired: bool,
    /// Its last open day.
    pub closes_on: String,
    /// The full file it was converted into.
    pub household_id: Option<i64>,
    pub file_no: Option<String>,
    pub closed_reason: Option<String>,
    pub closed_on: Option<String>,
    /// Give it back when closing or converting: a stale one is refused with 409.
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
}

impl From<&TemporaryView> for TemporaryDto {
    fn from(v: &TemporaryView) -> Self {
        let t = &v.file;
        Self {
            id: t.id.0,
            union_id: t.union_id.0,
            union_name: t.union_name.clone(),
            worker_name: t.worker_name.clone(),
            worker_id_number: v.worker_id_number.text.clone(),
            phone: v.phone.clone(),
            address: t.address.clone(),
            employer: t.employer.clone(),
            cause: t.cause.code().into(),
            event: t.event.clone(),
            event_on: t.event_on.to_string(),
            given_on: t.given_on.to_string(),
            cash_fen: t.cash.0,
            source: t.source.map(|s| s.code().into()),
            goods: t.goods.clone(),
            goods_value_fen: t.goods_value.0,
            persons: t.persons,
            status: t.status.code().into(),
            expired: t.expired,
            closes_on: t.closes_on.to_string(),
            household_id: t.household_id.map(|h| h.0),
            file_no: t.file_no.clone(),
            closed_reason: t.closed_reason.clone(),
            closed_on: t.closed_on.map(|d| d.to_string()),
            version: t.version,
            created_by: t.created_by_name.clone(),
            created_at: api_time(&t.created_at),
        }
    }
}

/// Counted apart from the files on record, over the whole subtree asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemporaryTotalsDto {
    pub open: i64,
    pub converted: i64,
    pub closed: i64,
    pub cash_fen: i64,
    pub goods_value_fen: i64,
    /// Persons helped (人次).
    pub persons: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemporaryListDto {
    pub union_name: String,
    pub totals: TemporaryTotalsDto,
    pub items: Vec<TemporaryDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl From<&TemporaryList> for TemporaryListDto {
    fn from(l: &TemporaryList) -> Self {
        let t = &l.totals;
        let page = PageDto::from_page(&l.page, |v| TemporaryDto::from(v));
        Self {
            union_name: l.union_name.clone(),
            totals: TemporaryTotalsDto {
                open: t.open,
                converted: t.converted,
                closed: t.closed,
                cash_fen: t.cash.0,
                goods_value_fen: t.goods_value.0,
                persons: t.persons,
            },
            items: page.items,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TemporaryParams {
    /// A union in the caller's subtree (default: the caller's own).
    pub union_id: Option<i64>,
    /// open, converted or closed (as of today).
    pub status: Option<String>,
    /// Part of the worker's name, or a whole ID number.
    pub q: Option<String>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

impl TemporaryParams {
    fn query(&self) -> TemporaryQuery {
        TemporaryQuery {
            union_id: self.union_id,
            status: self.status.clone(),
            search: self.q.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseTemporaryRequest {
    pub reason: String,
    #[serde(default)]
    pub version: Option<i64>,
}

/// The full file to file from a temporary one: a household as `POST
/// /api/v1/households` takes it. The worker must be the same person; the
/// masked ID number or phone of the temporary file stands for the recorded one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertTemporaryRequest {
    pub household: HouseholdRequest,
    /// The temporary file's version as read.
    #[serde(default)]
    pub version: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/temporary-files", tag = "households", params(TemporaryParams),
    responses((status = 200, body = TemporaryListDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TemporaryParams>,
) -> ApiResult<Json<TemporaryListDto>> {
    let l = state
        .services
        .temporary_file_list(&actor, q.query(), PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(TemporaryListDto::from(&l)))
}

#[utoipa::path(post, path = "/api/v1/temporary-files", tag = "households", request_body = TemporaryRequest,
    responses((status = 201, body = TemporaryDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The person is in an open file, or has an open temporary file (the union is named)", body = ErrorBody),
        (status = 422, description = "The fund has too little money for the cash", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(r): ApiJson<TemporaryRequest>,
) -> ApiResult<(StatusCode, Json<TemporaryDto>)> {
    let input = TemporaryInput {
        union_id: r.union_id,
        worker_name: r.worker_name,
        worker_id_number: r.worker_id_number,
        phone: r.phone,
        address: r.address,
        employer: r.employer,
        cause: r.cause,
        event: r.event,
        event_on: r.event_on,
        given_on: r.given_on,
        cash: Fen(r.cash_fen),
        source: r.source,
        goods: r.goods,
        goods_value: Fen(r.goods_value_fen),
        persons: r.persons,
    };
    let v = state.services.temporary_file_create(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(TemporaryDto::from(&v))))
}

#[utoipa::path(get, path = "/api/v1/temporary-files/export", tag = "households", params(TemporaryParams),
    responses(
        (status = 200, description = "An .xlsx workbook of the files listed (ID numbers masked)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "More files than one download carries", body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TemporaryParams>,
) -> ApiResult<Response> {
    let l = state
        .services
        .temporary_file_export(&actor, q.query(), crate::xlsx::MAX_ROWS)
        .await?;
    let (name, bytes) = crate::pages::temporary_workbook(&l)
        .map_err(|e| ApiError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}

#[utoipa::path(get, path = "/api/v1/temporary-files/{id}", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = TemporaryDto), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TemporaryDto>> {
    let v = state
        .services
        .temporary_file_get(&actor, TemporaryFileId(id))
        .await?;
    Ok(Json(TemporaryDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/temporary-files/{id}/close", tag = "households", params(("id" = i64, Path)),
    request_body = CloseTemporaryRequest,
    responses((status = 200, body = TemporaryDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Someone acted on it since `version`", body = ErrorBody),
        (status = 422, description = "Not open any more (converted, closed or expired)", body = ErrorBody)))]
async fn close(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<CloseTemporaryRequest>,
) -> ApiResult<Json<TemporaryDto>> {
    let v = state
        .services
        .temporary_file_close(&actor, TemporaryFileId(id), r.version, &r.reason)
        .await?;
    Ok(Json(TemporaryDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/temporary-files/{id}/convert", tag = "households", params(("id" = i64, Path)),
    request_body = ConvertTemporaryRequest,
    responses((status = 201, description = "The full file filed from it", body = HouseholdDto),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Someone acted on it since `version`, or a person is on another open file", body = ErrorBody),
        (status = 422, description = "Not open any more (converted, closed or expired)", body = ErrorBody)))]
async fn convert(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<ConvertTemporaryRequest>,
) -> ApiResult<(StatusCode, Json<HouseholdDto>)> {
    let incomes = parse_incomes(&r.household.incomes)?;
    let h = state
        .services
        .temporary_file_convert(
            &actor,
            TemporaryFileId(id),
            r.version,
            r.household.input(),
            incomes,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(HouseholdDto::from(&h))))
}
