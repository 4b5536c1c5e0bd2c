//! API: 两步验证 — the second step of signing in, the caller's own
//! two-factor (enrol, confirm, recovery codes, turn off) and an
//! administrator's reset of a user's two-factor.

use super::dto::LoginResponse;
use super::{ApiJson, ApiPath, ApiResult};
use crate::auth::{ApiActor, ClientOrigin};
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::UserId;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login/two-factor", post(login_code))
        .route("/account/two-factor", get(status))
        .route("/account/two-factor/enrol", post(enrol))
        .route("/account/two-factor/confirm", post(confirm))
        .route("/account/two-factor/recovery-codes", post(regenerate))
        .route("/account/two-factor/disable", post(disable))
        .route("/users/{id}/two-factor/reset", post(reset))
}

#[derive(OpenApi)]
#[openapi(
    paths(login_code, status, enrol, confirm, regenerate, disable, reset),
    components(schemas(
        TwoFactorLoginRequest,
        TwoFactorStatusDto,
        EnrolmentDto,
        CodeRequest,
        RecoveryCodesDto,
        TwoFactorResetDto
    ))
)]
pub struct Doc;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorLoginRequest {
    /// The `challenge` that `POST /api/v1/auth/login` answered.
    pub challenge: String,
    /// The 6 digits of the authenticator app, or one unused recovery code.
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The 6 digits of the authenticator app (to disable: or a recovery code).
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorStatusDto {
    pub enrolled: bool,
    pub enrolled_at: Option<String>,
    /// Required of the caller (their roles, or an administrator's reset):
    /// it cannot be turned off.
    pub required: bool,
    /// The caller must enrol before anything else works.
    pub enrolment_due: bool,
    pub recovery_codes_left: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentDto {
    /// The secret in base32, for typing into an authenticator app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` URI (the QR code's content).
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri` as an SVG element, drawn by the server.
    pub qr_svg: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodesDto {
    /// One-time recovery codes, shown this once: each signs in once in
    /// place of a code.
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorResetDto {
    pub sessions_ended: usize,
}

#[utoipa::path(post, path = "/api/v1/auth/login/two-factor", tag = "auth", security(()),
    request_body = TwoFactorLoginRequest,
    responses((status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, body = ErrorBody),
        (status = 401, description = "A wrong or used code (`bad_credentials`, counted toward the lockout like a wrong password), or the challenge expired or was used (`two_factor_expired`)", body = ErrorBody),
        (status = 429, description = "The account is locked", body = ErrorBody)))]
async fn login_code(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(req): ApiJson<TwoFactorLoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let out = state
        .services
        .login_two_factor(&req.challenge, &req.code, origin)
        .await?;
    Ok(Json(super::signed_in(&state, out)))
}

#[utoipa::path(get, path = "/api/v1/account/two-factor", tag = "auth",
    responses((status = 200, body = TwoFactorStatusDto), (status = 401, body = ErrorBody)))]
async fn status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<TwoFactorStatusDto>> {
    let s = state.services.two_factor_status(&actor).await?;
    Ok(Json(TwoFactorStatusDto {
        enrolled: s.enrolled_at.is_some(),
        enrolled_at: s.enrolled_at.as_ref().map(api_time),
        required: s.required,
        enrolment_due: actor.two_factor_enrolment_due,
        recovery_codes_left: s.recovery_codes_left,
    }))
}

#[utoipa::path(post, path = "/api/v1/account/two-factor/enrol", tag = "auth",
    responses((status = 200, description = "A secret to enrol (the same one until it is confirmed)", body = EnrolmentDto),
        (status = 409, description = "Already enrolled", body = ErrorBody)))]
async fn enrol(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<EnrolmentDto>> {
    let e = state.services.two_factor_begin(&actor).await?;
    Ok(Json(EnrolmentDto {
        qr_svg: crate::qr::svg(&e.uri).unwrap_or_default(),
        secret: e.secret,
        otpauth_uri: e.uri,
    }))
}

#[utoipa::path(post, path = "/api/v1/account/two-factor/confirm", tag = "auth", request_body = CodeRequest,
    responses((status = 200, description = "Enrolled (audited); the caller's other sessions ended", body = RecoveryCodesDto),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn confirm(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CodeRequest>,
) -> ApiResult<Json<RecoveryCodesDto>> {
    let recovery_codes = state.services.two_factor_confirm(&actor, &req.code).await?;
    Ok(Json(RecoveryCodesDto { recovery_codes }))
}

#[utoipa::path(post, path = "/api/v1/account/two-factor/recovery-codes", tag = "auth", request_body = CodeRequest,
    responses((status = 200, description = "New recovery codes (audited); the old ones no longer work", body = RecoveryCodesDto),
        (status = 400, description = "A wrong code (counted toward the lockout)", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn regenerate(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CodeRequest>,
) -> ApiResult<Json<RecoveryCodesDto>> {
    let recovery_codes = state
        .services
        .two_factor_regenerate(&actor, &req.code)
        .await?;
    Ok(Json(RecoveryCodesDto { recovery_codes }))
}

#[utoipa::path(post, path = "/api/v1/account/two-factor/disable", tag = "auth", request_body = CodeRequest,
    responses((status = 204, description = "Turned off (audited); the caller's other sessions ended"),
        (status = 400, description = "A wrong code (counted toward the lockout)", body = ErrorBody),
        (status = 422, description = "Required of the caller's roles, or not enrolled", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn disable(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CodeRequest>,
) -> ApiResult<StatusCode> {
    state.services.two_factor_disable(&actor, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/two-factor/reset", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, description = "Reset (audited): the user must enrol again at their next sign-in; every session of theirs ended", body = TwoFactorResetDto),
        (status = 403, body = ErrorBody), (status = 404, description = "A user outside the caller's subtree", body = ErrorBody)))]
async fn reset(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TwoFactorResetDto>> {
    let sessions_ended = state
        .services
        .user_two_factor_reset(&actor, UserId(id))
        .await?;
    Ok(Json(TwoFactorResetDto { sessions_ended }))
}
