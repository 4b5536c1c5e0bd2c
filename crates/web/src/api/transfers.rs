//! API: merging two files found to be one household, and transfers (转移) of
//! a household to another union with the consent of both
//! (docs/rules.md §2.3).

use super::households::HouseholdDto;
use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::merge::{TransferId, TransferStatus};
use bangfu_service::transfers::{MergeInput, TransferQuery, TransferView};
use bangfu_service::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/merge", post(merge))
        .route("/households/{id}/transfers", post(propose))
        .route("/transfers", get(list))
        .route("/transfers/unions", get(unions))
        .route("/transfers/{id}", get(show))
        .route("/transfers/{id}/accept", post(accept))
        .route("/transfers/{id}/decline", post(decline))
        .route("/transfers/{id}/withdraw", post(withdraw))
}

#[derive(OpenApi)]
#[openapi(
    paths(merge, propose, list, unions, show, accept, decline, withdraw),
    components(schemas(
        MergeRequest,
        HouseholdTransferRequest,
        HouseholdTransferDto,
        TransferAnswerRequest,
        UnionChoiceDto
    ))
)]
pub struct Doc;

/// Close `other_id` into this file: its worker becomes a member (as
/// `relation` to this file's worker), its members join, each month's
/// incomes are added; both histories stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    pub other_id: i64,
    /// spouse, child, parent, parent_in_law, sibling, grandchild, grandparent or other.
    pub relation: String,
    pub reason: String,
    /// This file's version as read: a stale one is refused with 409.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdTransferRequest {
    /// The receiving union (any active union of the tree: see GET /api/v1/transfers/unions).
    pub to_union_id: i64,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TransferAnswerRequest {
    /// Required to decline; optional to accept; ignored to withdraw.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: Option<i64>,
}

/// A transfer; the worker's ID number is masked. Seen by both unions.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdTransferDto {
    pub id: i64,
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    pub worker_id_number: String,
    pub persons: i32,
    pub from_union_id: i64,
    pub from_union_name: String,
    pub to_union_id: i64,
    pub to_union_name: String,
    pub reason: String,
    /// pending, accepted, declined or withdrawn.
    pub status: String,
    pub answer: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub answered_by: String,
    pub answered_at: Option<String>,
    /// The caller may accept or decline (the receiving union is in their scope).
    pub may_answer: bool,
    /// The caller may withdraw (the sending union is in their scope).
    pub may_withdraw: bool,
}

impl From<&TransferView> for HouseholdTransferDto {
    fn from(v: &TransferView) -> Self {
        let t = &v.transfer;
        Self {
            id: t.id.0,
            household_id: t.household_id.0,
            file_no: t.file_no.clone(),
            worker_name: t.worker_name.clone(),
            worker_id_number: v.worker_id_number.text.clone(),
            persons: t.persons,
            from_union_id: t.from_union_id.0,
            from_union_name: t.from_union_name.clone(),
            to_union_id: t.to_union_id.0,
            to_union_name: t.to_union_name.clone(),
            reason: t.reason.clone(),
            status: t.status.code().into(),
            answer: t.answer.clone(),
            version: t.version,
            created_by: t.created_by_name.clone(),
            created_at: api_time(&t.created_at),
            answered_by: t.answered_by_name.clone(),
            answered_at: t.answered_at.as_ref().map(api_time),
            may_answer: v.may_answer,
            may_withdraw: v.may_withdraw,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnionChoiceDto {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TransferParams {
    /// incoming (to a union in the caller's scope) or outgoing; both when absent.
    pub direction: Option<String>,
    /// pending, accepted, declined or withdrawn.
    pub status: Option<String>,
    pub household_id: Option<i64>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UnionSearch {
    /// Part of a union's name (two characters at least).
    pub q: String,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/merge", tag = "households", params(("id" = i64, Path, description = "The file that stays")),
    request_body = MergeRequest,
    responses((status = 200, description = "The file that stayed, with the other's people and months", body = HouseholdDto),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The file changed since `version`", body = ErrorBody),
        (status = 422, description = "A file is not on file", body = ErrorBody)))]
async fn merge(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<MergeRequest>,
) -> ApiResult<Json<HouseholdDto>> {
    let h = state
        .services
        .household_merge(
            &actor,
            HouseholdId(id),
            MergeInput {
                other_id: r.other_id,
                other_file_no: String::new(),
                relation: r.relation,
                reason: r.reason,
                version: r.version,
            },
        )
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/transfers", tag = "households", params(("id" = i64, Path)),
    request_body = HouseholdTransferRequest,
    responses((status = 201, body = HouseholdTransferDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A transfer of this file is already waiting", body = ErrorBody),
        (status = 422, description = "The file has left, or a regular subsidy is still being paid", body = ErrorBody)))]
async fn propose(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<HouseholdTransferRequest>,
) -> ApiResult<(StatusCode, Json<HouseholdTransferDto>)> {
    let v = state
        .services
        .transfer_propose(&actor, HouseholdId(id), r.to_union_id, &r.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(HouseholdTransferDto::from(&v))))
}

#[utoipa::path(get, path = "/api/v1/transfers", tag = "households", params(TransferParams),
    responses((status = 200, body = PageDto<HouseholdTransferDto>), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TransferParams>,
) -> ApiResult<Json<PageDto<HouseholdTransferDto>>> {
    let page = state
        .services
        .transfer_list(
            &actor,
            TransferQuery {
                direction: q.direction,
                status: q.status,
                household_id: q.household_id,
            },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |v| {
        HouseholdTransferDto::from(v)
    })))
}

#[utoipa::path(get, path = "/api/v1/transfers/unions", tag = "households", params(UnionSearch),
    responses((status = 200, description = "Active unions whose name contains q (at most 30)", body = Vec<UnionChoiceDto>)))]
async fn unions(
    State(state): State<AppState>,
    ApiActor(_actor): ApiActor,
    ApiQuery(q): ApiQuery<UnionSearch>,
) -> ApiResult<Json<Vec<UnionChoiceDto>>> {
    let found = state.services.public_unions(&q.q).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|(id, name)| UnionChoiceDto { id, name })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdTransferDto), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HouseholdTransferDto>> {
    let v = state.services.transfer_get(&actor, TransferId(id)).await?;
    Ok(Json(HouseholdTransferDto::from(&v)))
}

async fn answer(
    state: &AppState,
    actor: &bangfu_service::Actor,
    id: i64,
    act: TransferStatus,
    r: TransferAnswerRequest,
) -> ApiResult<Json<HouseholdTransferDto>> {
    let v = state
        .services
        .transfer_answer(actor, TransferId(id), r.version, act, &r.reason)
        .await?;
    Ok(Json(HouseholdTransferDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/accept", tag = "households", params(("id" = i64, Path)),
    request_body = TransferAnswerRequest,
    responses((status = 200, description = "Accepted: the household is the receiving union's", body = HouseholdTransferDto),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "Not the receiving union, or no longer pending", body = ErrorBody)))]
async fn accept(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<TransferAnswerRequest>,
) -> ApiResult<Json<HouseholdTransferDto>> {
    answer(&state, &actor, id, TransferStatus::Accepted, r).await
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/decline", tag = "households", params(("id" = i64, Path)),
    request_body = TransferAnswerRequest,
    responses((status = 200, body = HouseholdTransferDto), (status = 400, description = "No reason", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "Not the receiving union, or no longer pending", body = ErrorBody)))]
async fn decline(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<TransferAnswerRequest>,
) -> ApiResult<Json<HouseholdTransferDto>> {
    answer(&state, &actor, id, TransferStatus::Declined, r).await
}

#[utoipa::path(post, path = "/api/v1/transfers/{id}/withdraw", tag = "households", params(("id" = i64, Path)),
    request_body = TransferAnswerRequest,
    responses((status = 200, body = HouseholdTransferDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "Not the sending union, or no longer pending", body = ErrorBody)))]
async fn withdraw(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<TransferAnswerRequest>,
) -> ApiResult<Json<HouseholdTransferDto>> {
    answer(&state, &actor, id, TransferStatus::Withdrawn, r).await
}
