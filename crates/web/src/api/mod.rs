//! The JSON API under `/api/v1`. Each handler: parse, call one service, map.
//! The OpenAPI document is generated from these annotations.

mod applications;
mod assessments;
mod assistance;
mod audit_chain;
mod campaigns;
mod dto;
mod exits;
mod fund_audit;
mod funds;
mod households;
mod import;
mod monthly;
mod persons;
mod plans;
mod quality;
mod reporting;
mod resources;
mod sessions;
mod stats;
mod temporary_files;
mod transfers;
mod two_factor;
mod verification;
mod verification_datasets;
mod verification_thresholds;

pub use households::HouseholdQuery;
pub use import::explain_too_large;

/// Routes that take large bodies (an import, visit photos), mounted apart
/// with the upload body limit (see `lib.rs`).
pub fn upload_routes() -> Router<AppState> {
    import::upload_routes()
        .merge(plans::upload_routes())
        .merge(verification::upload_routes())
        .merge(assessments::upload_routes())
}

use crate::auth::{ApiActor, ClientOrigin};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::{Role, UnionId, UnionLevel, UserId};
use bangfu_service::{
    AuditQuery, CreateUnion, CreateUser, MoveUnion, PageRequest, UnionFilter, UpdateUnion,
    UpdateUser, UserFilter,
};
use dto::*;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// JSON body with errors in the API's shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(T);

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/auth/password", post(change_password))
        .route("/unions", get(list_unions).post(create_union))
        .route("/unions/{id}", get(get_union).patch(update_union))
        .route("/unions/{id}/move", post(move_union))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).patch(update_user))
        .route("/users/{id}/reset-password", post(reset_password))
        .route("/roles", get(list_roles))
        .route("/divisions", get(list_divisions))
        .route("/audit", get(list_audit))
        .route("/audit/{id}", get(get_audit))
        .route("/openapi.json", get(openapi))
        .merge(households::routes())
        .merge(import::routes())
        .merge(applications::routes())
        .merge(plans::routes())
        .merge(assistance::routes())
        .merge(resources::routes())
        .merge(funds::routes())
        .merge(fund_audit::routes())
        .merge(exits::routes())
        .merge(reporting::routes())
        .merge(stats::routes())
        .merge(monthly::routes())
        .merge(quality::routes())
        .merge(persons::routes())
        .merge(temporary_files::routes())
        .merge(transfers::routes())
        .merge(campaigns::routes())
        .merge(sessions::routes())
        .merge(audit_chain::routes())
        .merge(two_factor::routes())
        .merge(assessments::routes())
        .merge(verification::routes())
        .merge(verification_datasets::routes())
        .merge(verification_thresholds::routes())
        .fallback(|| async { ApiError::UnknownRoute })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Bangfu 帮扶 API", description = "困难职工帮扶系统的 JSON 接口。金额以分为单位（整数）；时间为 UTC（RFC 3339）。错误统一为 {\"error\":{\"code\",\"message\",\"field\"}}。服务器配置了只读副本（--read-database）时，写入的响应带 Bangfu-Seen 头：之后的请求原样带上它，即可在任何进程上立即读到自己的写入。"),
    paths(
        login, logout, me, change_password,
        list_unions, get_union, create_union, update_union, move_union,
        list_users, get_user, create_user, update_user, reset_password,
        list_audit, get_audit, list_roles, list_divisions,
        households::list_households, households::create_household, households::get_household,
        households::update_household, households::get_incomes, households::save_incomes,
        households::reveal, households::reidentify, households::get_reidentify,
        households::list_lines, households::set_line, households::delete_line,
        households::get_params, households::set_params,
        households::evaluate, households::evaluate_exit, households::validate_id,
        import::import_households, import::get_job,
        applications::submit_application, applications::list_applications,
        applications::get_application, applications::act, applications::application_status,
        applications::consent,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// The whole document: the core paths and each area's own `Doc`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    area_documents()
        .into_iter()
        .fold(ApiDoc::openapi(), |mut doc, area| {
            doc.merge(area);
            doc
        })
}

/// Each area's own document. Merging keeps the first schema of a name and
/// drops a later one silently, so two areas must never name two different
/// schemas alike (a test holds it).
fn area_documents() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        plans::Doc::openapi(),
        audit_chain::Doc::openapi(),
        assistance::Doc::openapi(),
        resources::Doc::openapi(),
        funds::Doc::openapi(),
        fund_audit::Doc::openapi(),
        exits::Doc::openapi(),
        reporting::Doc::openapi(),
        stats::Doc::openapi(),
        monthly::Doc::openapi(),
        quality::Doc::openapi(),
        persons::Doc::openapi(),
        temporary_files::Doc::openapi(),
        transfers::Doc::openapi(),
        campaigns::Doc::openapi(),
        sessions::Doc::openapi(),
        two_factor::Doc::openapi(),
        assessments::Doc::openapi(),
        verification::Doc::openapi(),
        verification_datasets::Doc::openapi(),
        verification_thresholds::Doc::openapi(),
    ]
}

#[cfg(test)]
mod document_tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A schema name used by two areas means the same schema in both:
    /// otherwise the merged document would describe one of them wrongly.
    #[test]
    fn no_two_areas_name_different_schemas_alike() {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut clashes = Vec::new();
        for doc in std::iter::once(ApiDoc::openapi()).chain(area_documents()) {
            let Some(components) = doc.components else {
                continue;
            };
            for (name, schema) in components.schemas {
                let json = serde_json::to_string(&schema).unwrap_or_default();
                match seen.get(&name) {
                    Some(other) if *other != json => clashes.push(name),
                    Some(_) => {}
                    None => {
                        seen.insert(name, json);
                    }
                }
            }
        }
        assert!(clashes.is_empty(), "schemas named alike: {clashes:?}");
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_document())
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()),
    request_body = LoginRequest,
    responses((status = 200, description = "Signed in (`token`), or, for a user with two-factor sign-in, `two_factor_required` with a `challenge` for `/api/v1/auth/login/two-factor`", body = LoginAnswer),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginAnswer>> {
    let step = state
        .services
        .login(&req.username, &req.password, "api", origin)
        .await?;
    Ok(Json(match step {
        bangfu_service::LoginStep::Done(out) => {
            LoginAnswer::Signed(Box::new(signed_in(&state, *out)))
        }
        bangfu_service::LoginStep::CodeDue {
            challenge,
            expires_in,
        } => LoginAnswer::TwoFactor(TwoFactorChallengeDto {
            two_factor_required: true,
            challenge,
            expires_in,
        }),
    }))
}

/// The answer of a completed sign-in (either step).
pub(crate) fn signed_in(state: &AppState, out: bangfu_service::LoginOutcome) -> LoginResponse {
    LoginResponse {
        token: out.token,
        token_type: "Bearer".into(),
        csrf_token: out.csrf_token,
        expires_in: state.services.settings().session_idle.as_secs(),
        must_change_password: out.user.must_change_password,
        two_factor_enrolment_due: out.two_factor_enrolment_due,
        user: UserDto::from(&out.user),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<StatusCode> {
    state.services.logout(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, operation_id = "get_me", path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = UserDto)))]
async fn me(ApiActor(actor): ApiActor) -> Json<UserDto> {
    Json(UserDto::from(&actor.user))
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204), (status = 400, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    state
        .services
        .change_password(&actor, &req.current_password, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn parse_level(raw: Option<&str>) -> ApiResult<Option<UnionLevel>> {
    raw.filter(|s| !s.is_empty())
        .map(UnionLevel::parse)
        .transpose()
        .map_err(|e| ApiError::Service(e.into()))
}

fn parse_role(raw: Option<&str>) -> ApiResult<Option<Role>> {
    raw.filter(|s| !s.is_empty())
        .map(Role::parse)
        .transpose()
        .map_err(|e| ApiError::Service(e.into()))
}

#[utoipa::path(get, path = "/api/v1/unions", tag = "unions", params(UnionQuery),
    responses((status = 200, body = PageDto<UnionDto>)))]
async fn list_unions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<UnionQuery>,
) -> ApiResult<Json<PageDto<UnionDto>>> {
    let filter = UnionFilter {
        q: q.q,
        level: parse_level(q.level.as_deref())?,
        parent_id: q.parent_id.map(UnionId),
        active: q.active,
    };
    let page = state
        .services
        .union_list(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |u| UnionDto::from(u))))
}

#[utoipa::path(get, path = "/api/v1/unions/{id}", tag = "unions", params(("id" = i64, Path), UnionDetailQuery),
    responses((status = 200, body = UnionDetailDto), (status = 404, body = ErrorBody)))]
async fn get_union(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<UnionDetailQuery>,
) -> ApiResult<Json<UnionDetailDto>> {
    let page = PageRequest::new(q.child_page, q.child_per_page);
    let d = state
        .services
        .union_get_page(&actor, UnionId(id), page)
        .await?;
    Ok(Json(UnionDetailDto {
        union: UnionDto::from(&d.union),
        ancestors: d.ancestors.iter().map(UnionDto::from).collect(),
        children: d
            .children
            .iter()
            .map(|(u, n)| UnionChildDto {
                union: UnionDto::from(u),
                child_count: *n,
            })
            .collect(),
        children_total: d.children_total,
        user_count: d.user_count,
    }))
}

#[utoipa::path(post, path = "/api/v1/unions", tag = "unions", request_body = CreateUnionRequest,
    responses((status = 201, body = UnionDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_union(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CreateUnionRequest>,
) -> ApiResult<impl IntoResponse> {
    let u = state
        .services
        .union_create(
            &actor,
            CreateUnion {
                parent_id: Some(req.parent_id),
                name: req.name,
                level: req.level,
                division_code: req.division_code,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UnionDto::from(&u))))
}

#[utoipa::path(patch, path = "/api/v1/unions/{id}", tag = "unions", params(("id" = i64, Path)),
    request_body = UpdateUnionRequest,
    responses((status = 200, body = UnionDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_union(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateUnionRequest>,
) -> ApiResult<Json<UnionDto>> {
    let current = state.services.union_get(&actor, UnionId(id)).await?.union;
    let u = state
        .services
        .union_update(
            &actor,
            UnionId(id),
            UpdateUnion {
                name: req.name.unwrap_or(current.name),
                division_code: req.division_code.unwrap_or(current.division_code),
                active: req.active.unwrap_or(current.active),
            },
        )
        .await?;
    Ok(Json(UnionDto::from(&u)))
}

#[utoipa::path(post, path = "/api/v1/unions/{id}/move", tag = "unions", params(("id" = i64, Path)),
    request_body = MoveUnionRequest,
    responses((status = 200, body = UnionDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn move_union(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MoveUnionRequest>,
) -> ApiResult<Json<UnionDto>> {
    let u = state
        .services
        .union_move(
            &actor,
            UnionId(id),
            MoveUnion {
                parent_id: Some(req.parent_id),
                division_code: req.division_code,
            },
        )
        .await?;
    Ok(Json(UnionDto::from(&u)))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = PageDto<UserDto>)))]
async fn list_users(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult<Json<PageDto<UserDto>>> {
    let filter = UserFilter {
        q: q.q,
        role: parse_role(q.role.as_deref())?,
        union_id: q.union_id.map(UnionId),
        active: q.active,
    };
    let page = state
        .services
        .user_list(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |u| UserDto::from(u))))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserDto>> {
    let u = state.services.user_get(&actor, UserId(id)).await?;
    Ok(Json(UserDto::from(&u)))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUserDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> ApiResult<impl IntoResponse> {
    let created = state
        .services
        .user_create(
            &actor,
            CreateUser {
                username: req.username,
                display_name: req.display_name,
                union_id: Some(req.union_id),
                roles: req.roles,
                password: req.password,
                department: req.department,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUserDto {
            user: UserDto::from(&created.user),
            generated_password: created.generated_password,
        }),
    ))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserDto>> {
    let current = state.services.user_get(&actor, UserId(id)).await?;
    let u = state
        .services
        .user_update(
            &actor,
            UserId(id),
            UpdateUser {
                display_name: req.display_name.unwrap_or(current.display_name),
                union_id: req.union_id.unwrap_or(current.union_id.0),
                roles: req
                    .roles
                    .unwrap_or_else(|| current.roles.iter().map(|r| r.code().to_owned()).collect()),
                active: req.active.unwrap_or(current.active),
                department: req.department,
            },
        )
        .await?;
    Ok(Json(UserDto::from(&u)))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", params(("id" = i64, Path)),
    request_body = ResetPasswordRequest,
    responses((status = 200, body = ResetPasswordResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "An auditor's password: only the operator resets it (bangfu user reset-password)", body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ResetPasswordResponse>> {
    // The body is optional: no body means "generate a password".
    let req: ResetPasswordRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ResetPasswordRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("请求体不是有效的 JSON：{e}")))?
    };
    let generated = state
        .services
        .user_reset_password(&actor, UserId(id), req.password)
        .await?;
    Ok(Json(ResetPasswordResponse {
        generated_password: generated,
    }))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQueryParams),
    responses((status = 200, body = PageDto<AuditEntryDto>), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AuditQueryParams>,
) -> ApiResult<Json<PageDto<AuditEntryDto>>> {
    let page = state
        .services
        .audit_list(
            &actor,
            AuditQuery {
                actor: q.actor,
                action: q.action,
                object_kind: q.object_kind,
                object_id: q.object_id,
                from: q.from,
                until: q.until,
                success: q.success,
            },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |e| AuditEntryDto::from(e))))
}

#[utoipa::path(get, path = "/api/v1/audit/{id}", tag = "audit", params(("id" = i64, Path)),
    responses((status = 200, body = AuditEntryDto), (status = 404, body = ErrorBody)))]
async fn get_audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AuditEntryDto>> {
    let e = state.services.audit_get(&actor, id).await?;
    Ok(Json(AuditEntryDto::from(&e)))
}

#[utoipa::path(get, path = "/api/v1/roles", tag = "reference",
    responses((status = 200, body = Vec<RoleDto>)))]
async fn list_roles(ApiActor(_): ApiActor) -> Json<Vec<RoleDto>> {
    Json(
        Role::ALL
            .iter()
            .map(|r| RoleDto {
                code: r.code().to_owned(),
                label: r.label().to_owned(),
                description: r.description().to_owned(),
                permissions: r
                    .permissions()
                    .iter()
                    .map(|p| PermissionDto {
                        code: serde_json::to_value(p)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        label: p.label().to_owned(),
                    })
                    .collect(),
            })
            .collect(),
    )
}

#[utoipa::path(get, path = "/api/v1/divisions", tag = "reference", params(DivisionQuery),
    responses((status = 200, body = Vec<DivisionDto>), (status = 404, body = ErrorBody)))]
async fn list_divisions(
    ApiActor(_): ApiActor,
    ApiQuery(q): ApiQuery<DivisionQuery>,
) -> ApiResult<Json<Vec<DivisionDto>>> {
    use bangfu_domain::division;
    let parent = q
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != division::NATIONAL);
    if let Some(p) = parent {
        if division::lookup(p).is_none() {
            return Err(ApiError::Service(bangfu_service::ServiceError::NotFound(
                "行政区划",
            )));
        }
    }
    Ok(Json(
        division::children(parent)
            .into_iter()
            .map(|d| DivisionDto {
                code: d.code.clone(),
                name: d.name.clone(),
                parent_code: d.parent_code.clone(),
                full_name: division::full_name(&d.code).unwrap_or_else(|| d.name.clone()),
            })
            .collect(),
    ))
}
