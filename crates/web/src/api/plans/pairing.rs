//! Pairing a household with a responsible person, the work lists and "my
//! households".

use super::*;
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use bangfu_domain::household::HouseholdId;
use bangfu_service::plans::{MyHousehold, PairingInput, WorklistKind};
use bangfu_service::{Actor, PageRequest};

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

pub(crate) async fn worklist(
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

#[utoipa::path(get, path = "/api/v1/pairing/plan-submitted", tag = "plans", params(WorklistQuery),
    responses((status = 200, description = "Open files of the scope with a plan submitted for approval (the reviewers' queue)", body = PageDto<WorkItemDto>)))]
pub async fn list_plan_submitted(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<WorklistQuery>,
) -> ApiResult<Json<PageDto<WorkItemDto>>> {
    worklist(&state, &actor, WorklistKind::PlanSubmitted, q).await
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
