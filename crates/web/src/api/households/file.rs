//! Listing, filing, reading and editing household files, revealing an ID
//! number with a reason, and re-identifying every file.

use super::*;
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::ValidationError;
use bangfu_service::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(HouseholdQuery),
    responses((status = 200, body = PageDto<HouseholdDto>), (status = 400, body = ErrorBody)))]
pub async fn list_households(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<HouseholdQuery>,
) -> ApiResult<Json<PageDto<HouseholdDto>>> {
    let filter = q.filter().map_err(invalid)?;
    let page = state
        .services
        .household_list(
            &actor,
            filter,
            q.union_id,
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |h| HouseholdDto::from(h))))
}

#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdRequest,
    responses((status = 201, body = HouseholdDto), (status = 400, body = ErrorBody),
        (status = 409, description = "Someone is already on an open file (of the union named); audited", body = ErrorBody),
        (status = 429, description = "Too many such refusals this hour (Retry-After)", body = ErrorBody)))]
pub async fn create_household(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<HouseholdRequest>,
) -> ApiResult<(StatusCode, Json<HouseholdDto>)> {
    let incomes = parse_incomes(&req.incomes)?;
    let h = state
        .services
        .household_create(&actor, req.input(), incomes)
        .await?;
    Ok((StatusCode::CREATED, Json(HouseholdDto::from(&h))))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdDetailDto), (status = 404, body = ErrorBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HouseholdDetailDto>> {
    let d = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    Ok(Json(HouseholdDetailDto::from(&d)))
}

#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)),
    request_body = HouseholdRequest,
    responses((status = 200, body = HouseholdDto), (status = 400, body = ErrorBody),
        (status = 409, description = "A stale version, or someone already on another open file (audited)", body = ErrorBody),
        (status = 429, description = "Too many refusals naming another union this hour (Retry-After)", body = ErrorBody)))]
pub async fn update_household(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<HouseholdRequest>,
) -> ApiResult<Json<HouseholdDto>> {
    let version = req.version.ok_or_else(|| {
        invalid(ValidationError::new(
            "version",
            "请提供读取档案时的 version",
        ))
    })?;
    // Say so rather than silently ignore what an edit cannot change.
    if !req.incomes.is_empty() {
        return Err(invalid(ValidationError::new(
            "incomes",
            "修改档案时不能录入月收入，请用 PUT /api/v1/households/{id}/incomes",
        )));
    }
    if req.union_id.is_some() {
        return Err(invalid(ValidationError::new(
            "union_id",
            "建档工会不能在修改档案时更改",
        )));
    }
    let h = state
        .services
        .household_update(&actor, HouseholdId(id), version, req.input())
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Why the full numbers are needed; recorded in the audit log.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedMemberDto {
    pub name: String,
    pub id_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RevealDto)]
pub struct RevealResponse {
    pub worker_id_number: String,
    pub phone: String,
    pub members: Vec<RevealedMemberDto>,
}

#[utoipa::path(post, operation_id = "reveal_household", path = "/api/v1/households/{id}/reveal", tag = "households", params(("id" = i64, Path)),
    request_body = RevealRequest,
    responses((status = 200, body = RevealResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> ApiResult<Json<RevealResponse>> {
    let r = state
        .services
        .household_reveal(&actor, HouseholdId(id), &req.reason)
        .await?;
    Ok(Json(RevealResponse {
        worker_id_number: r.worker_id_number,
        phone: r.phone,
        members: r
            .members
            .into_iter()
            .map(|(name, id_number)| RevealedMemberDto { name, id_number })
            .collect(),
    }))
}

/// A re-identification job (every open file in the caller's subtree
/// identified again with the lines in force).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReidentifyDto)]
pub struct ReidentifyResponse {
    pub id: i64,
    /// queued, running, succeeded, failed — or interrupted: its process
    /// stopped; the next process to check takes it over and goes on.
    pub status: String,
    /// What it is doing, in Chinese.
    pub phase: String,
    /// Open files in the subtree when it started.
    pub total: i64,
    /// Files identified so far.
    pub done: i64,
    /// 0–100.
    pub percent: i64,
    pub finished: bool,
    pub message: Option<String>,
    /// Files identified again (so far).
    pub evaluated: i64,
    /// Of those, files whose decision changed.
    pub changed: i64,
    /// Times another process took it over after one stopped.
    pub resumed: i64,
    /// Milliseconds the process that finished it spent on it (0 until it
    /// has finished).
    pub millis: i64,
    /// Where to follow it.
    pub status_url: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&bangfu_service::reidentify::ReidentifyView> for ReidentifyResponse {
    fn from(v: &bangfu_service::reidentify::ReidentifyView) -> Self {
        let j = &v.job;
        Self {
            id: j.id,
            status: j.status.shown(j.interrupted).into(),
            phase: j.phase.clone(),
            total: j.total,
            done: j.done,
            percent: j.percent(),
            finished: j.status.finished(),
            message: j.message.clone(),
            evaluated: v.progress.evaluated,
            changed: v.progress.changed,
            resumed: v.progress.resumed,
            millis: v.progress.millis,
            status_url: format!("/api/v1/households/reidentify/{}", j.id),
            created_at: crate::view::api_time(&j.created_at),
            updated_at: crate::view::api_time(&j.updated_at),
        }
    }
}

#[utoipa::path(post, operation_id = "reidentify_households", path = "/api/v1/households/reidentify", tag = "households",
    responses((status = 202, body = ReidentifyResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reidentify(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<(StatusCode, Json<ReidentifyResponse>)> {
    let id = state.services.reidentify_start(&actor).await?;
    let v = state.services.reidentify_get(&actor, id).await?;
    Ok((StatusCode::ACCEPTED, Json(ReidentifyResponse::from(&v))))
}

#[utoipa::path(get, operation_id = "get_reidentify_job", path = "/api/v1/households/reidentify/{id}", tag = "households",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReidentifyResponse), (status = 404, body = ErrorBody)))]
pub async fn get_reidentify(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReidentifyResponse>> {
    let v = state.services.reidentify_get(&actor, id).await?;
    Ok(Json(ReidentifyResponse::from(&v)))
}
