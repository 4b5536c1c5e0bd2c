//! API: reporting a file up (上报) to the union of its tier, and that
//! union's accepting (接收) or returning (退回) it (docs/rules.md §2).
//!
//! The receiving union's inbox (待接收的上报档案) is the household list
//! with `inbox=true`; `report_state=` filters any list by the state.

use super::households::HouseholdDto;
use super::{ApiJson, ApiPath, ApiResult};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use bangfu_domain::household::HouseholdId;
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/report", post(report_up))
        .route("/households/{id}/accept", post(accept_report))
        .route("/households/{id}/return", post(return_down))
}

#[derive(OpenApi)]
#[openapi(
    paths(report_up, accept_report, return_down),
    components(schemas(ReturnRequest))
)]
pub struct Doc;

/// Why the file goes back to the filing union: what to complete.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnRequest {
    /// Required, at most 500 characters.
    #[serde(default)]
    pub reason: String,
}

/// Reports a file up to the union of its tier's level on the filing union's
/// path (state none or returned → reported). A household manager of the
/// filing union's subtree; a grassroots file is not reported (400), nor one
/// whose path has no union of its level (400).
#[utoipa::path(post, path = "/api/v1/households/{id}/report", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Already reported or accepted, or not under assistance", body = ErrorBody)))]
async fn report_up(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HouseholdDto>> {
    let h = state
        .services
        .household_report_up(&actor, HouseholdId(id))
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
}

/// The receiving union accepts a reported file (reported → accepted): a
/// reviewer whose scope holds the union it was reported to (403 otherwise).
#[utoipa::path(post, path = "/api/v1/households/{id}/accept", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdDto), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Not waiting to be accepted", body = ErrorBody)))]
async fn accept_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HouseholdDto>> {
    let h = state
        .services
        .household_accept_report(&actor, HouseholdId(id))
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
}

/// The receiving union returns a reported file to the filing union for
/// completion, with a reason (reported → returned); it may be corrected
/// and reported again.
#[utoipa::path(post, path = "/api/v1/households/{id}/return", tag = "households", params(("id" = i64, Path)),
    request_body = ReturnRequest,
    responses((status = 200, body = HouseholdDto), (status = 400, description = "No reason", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not waiting to be accepted", body = ErrorBody)))]
async fn return_down(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReturnRequest>,
) -> ApiResult<Json<HouseholdDto>> {
    let h = state
        .services
        .household_return_down(&actor, HouseholdId(id), &req.reason)
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
}
