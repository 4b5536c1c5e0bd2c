//! API: 个人信息副本 — everything Bangfu holds about one person in the
//! caller's subtree, as an .xlsx, produced on the person's request (PIPL
//! art. 45) for a stated reason, and audited.

use super::{ApiJson, ApiResult};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use bangfu_service::ServiceError;
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/persons/export", post(export))
}

#[derive(OpenApi)]
#[openapi(paths(export), components(schemas(PersonExportRequest)))]
pub struct Doc;

/// Whose data to export, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonExportRequest {
    /// The person's 18-character resident ID number (worker, member,
    /// applicant or temporary relief recipient).
    pub id_number: String,
    /// Why the copy is produced (2 to 200 characters), e.g. the person's
    /// written request; recorded in the audit log.
    pub reason: String,
}

#[utoipa::path(post, operation_id = "export_person", path = "/api/v1/persons/export", tag = "households",
    request_body = PersonExportRequest,
    responses(
        (status = 200, description = "An .xlsx workbook of everything held about the person in the caller's subtree, \
            not masked (其他人员的证件号码仍脱敏): a first sheet 说明 (who, when, why, the scope, each sheet's row count), \
            then one sheet per area. Needs `reveal_identity`; audited as `export_person_data` with the number masked",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, description = "A bad ID number (`id_number`) or no reason (`reason`); nothing written", body = ErrorBody),
        (status = 403, description = "The caller may not see identities in full", body = ErrorBody),
        (status = 404, description = "The person is in nothing of the caller's subtree (the search is audited)", body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<PersonExportRequest>,
) -> ApiResult<Response> {
    let copy = state
        .services
        .person_export(&actor, &req.id_number, &req.reason)
        .await?;
    crate::pages::person_download(&copy).map_err(|e| ApiError::Service(ServiceError::Internal(e)))
}
