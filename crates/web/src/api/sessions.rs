//! API: 登录会话 — the caller's own sessions (list, end one) and an
//! administrator ending every session of a user.

use super::{ApiPath, ApiResult};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bangfu_domain::UserId;
use bangfu_service::sessions::SessionView;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/sessions", get(list))
        .route("/account/sessions/{handle}", delete(end))
        .route("/users/{id}/sessions/end", post(end_all))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, end, end_all),
    components(schemas(SessionDto, SessionsEndedDto))
)]
pub struct Doc;

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// Names the session to end it (not its token).
    pub handle: String,
    /// browser or api
    pub kind: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub ip: Option<String>,
    /// The User-Agent it signed in with.
    pub device: Option<String>,
    /// The session of this request.
    pub current: bool,
}

impl From<&SessionView> for SessionDto {
    fn from(s: &SessionView) -> Self {
        Self {
            handle: s.handle.clone(),
            kind: s.kind.clone(),
            created_at: api_time(&s.created_at),
            last_seen_at: api_time(&s.last_seen_at),
            ip: s.ip.clone(),
            device: s.device.clone(),
            current: s.current,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEndedDto {
    pub ended: usize,
}

#[utoipa::path(get, path = "/api/v1/account/sessions", tag = "auth",
    responses((status = 200, description = "The caller's sessions in use, the most recently used first", body = Vec<SessionDto>),
        (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<SessionDto>>> {
    let list = state.services.session_list(&actor).await?;
    Ok(Json(list.iter().map(SessionDto::from).collect()))
}

#[utoipa::path(delete, path = "/api/v1/account/sessions/{handle}", tag = "auth", params(("handle" = String, Path)),
    responses((status = 204, description = "Ended (audited); its token is refused from now on"),
        (status = 401, body = ErrorBody), (status = 404, description = "No session of the caller's by that handle", body = ErrorBody)))]
async fn end(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(handle): ApiPath<String>,
) -> ApiResult<axum::http::StatusCode> {
    state.services.session_end(&actor, &handle).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/sessions/end", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, description = "Every session of the user ended (audited)", body = SessionsEndedDto),
        (status = 403, body = ErrorBody), (status = 404, description = "A user outside the caller's subtree", body = ErrorBody)))]
async fn end_all(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SessionsEndedDto>> {
    let ended = state.services.user_sessions_end(&actor, UserId(id)).await?;
    Ok(Json(SessionsEndedDto { ended }))
}
