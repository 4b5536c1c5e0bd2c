//! A household's yearly plan, its approval and its measures.

use super::*;
use crate::api::{ApiJson, ApiPath, ApiResult};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use bangfu_domain::assistance::{MeasureId, PlanId};
use bangfu_domain::household::HouseholdId;
use bangfu_service::plans::PlanInput;

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

/// An optional JSON body naming the version read (empty body: none).
fn optional_version(body: &[u8]) -> Result<ApproveRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(ApproveRequest::default())
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("请求体不是有效的 JSON：{e}")))
    }
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/submit", tag = "plans", params(("id" = i64, Path)),
    request_body(content = ApproveRequest, description = "Optional: the version read"),
    responses((status = 200, description = "Submitted for approval (提交审批): the plan waits for a reviewer", body = PlanDto),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "Not a draft, no measures, or the file is closed", body = ErrorBody)))]
pub async fn submit_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<PlanDto>> {
    let req = optional_version(&body)?;
    let p = state
        .services
        .plan_submit(&actor, PlanId(id), req.version)
        .await?;
    Ok(Json(PlanDto::from(&p)))
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/approve", tag = "plans", params(("id" = i64, Path)),
    request_body(content = ApproveRequest, description = "Optional"),
    responses((status = 200, body = PlanDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, description = "Not submitted for approval yet, or already approved, or no measures", body = ErrorBody)))]
pub async fn approve_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<PlanDto>> {
    let req = optional_version(&body)?;
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
