//! API: the head of the audit log's hash chain, which an auditor copies
//! outside the system to prove the log later (`bangfu audit verify
//! --expect SEQ:HASH`).

use super::ApiResult;
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit/chain", get(head))
}

#[derive(OpenApi)]
#[openapi(paths(head), components(schemas(ChainHeadDto)))]
pub struct Doc;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainHeadDto {
    /// Entries in the chain (the last one's position); 0 when empty.
    pub seq: i64,
    /// SM3 hash (hex) of the last entry; 64 zeros when empty.
    pub hash: String,
    /// When the last entry was written.
    pub at: Option<String>,
    /// How to prove the log against this head later.
    pub verify_with: String,
}

#[utoipa::path(get, path = "/api/v1/audit/chain", tag = "audit",
    responses((status = 200, body = ChainHeadDto), (status = 403, body = ErrorBody)))]
async fn head(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<ChainHeadDto>> {
    let h = state.services.audit_chain_head(&actor).await?;
    Ok(Json(ChainHeadDto {
        verify_with: format!("bangfu audit verify --expect {}:{}", h.seq, h.hash),
        seq: h.seq,
        at: h.at.as_ref().map(api_time),
        hash: h.hash,
    }))
}
