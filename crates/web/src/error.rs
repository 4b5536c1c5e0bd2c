//! The one mapping from errors to responses: JSON for the API, a page for
//! the browser. Internal details go to the log, never to the response.

use crate::pages::render_error_page;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use bangfu_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Invalid(_)
        | ServiceError::InvalidAll(_)
        | ServiceError::InvalidRows { .. } => StatusCode::BAD_REQUEST,
        ServiceError::BadCredentials
        | ServiceError::BadCode
        | ServiceError::TwoFactorExpired
        | ServiceError::Unauthenticated
        | ServiceError::SessionExpired => StatusCode::UNAUTHORIZED,
        ServiceError::Locked { .. } | ServiceError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::PasswordChangeRequired
        | ServiceError::TwoFactorEnrolmentRequired
        | ServiceError::Forbidden => StatusCode::FORBIDDEN,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs an internal error's detail. This is the one place it is logged:
/// where the error becomes a response (the service returns its errors
/// without logging them), so each failure is in the log once.
fn log_internal(e: &ServiceError) {
    if let ServiceError::Internal(detail) = e {
        tracing::error!(%detail, "internal error");
    }
}

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_input`, `not_found`.
    pub code: String,
    /// A message for people, in Chinese.
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every refused row of a list (`invalid_rows`): row, column, reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<RowErrorDto>>,
}

/// One refused row of a list sent to the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorDto {
    /// 1-based position in the list (as Excel shows it, for a workbook).
    pub row: usize,
    pub column: String,
    pub message: String,
}

#[derive(Debug)]
pub enum ApiError {
    Service(ServiceError),
    Csrf,
    BadRequest(String),
    /// A JSON body that lacks a field or carries one of the wrong type.
    BadField {
        field: String,
        message: String,
    },
    UnknownRoute,
    MethodNotAllowed,
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError::Service(e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        // serde names the culprit between backticks: "missing field `level`".
        let quoted = |after: &str| {
            text.split_once(after)
                .and_then(|(_, rest)| rest.split('`').nth(1))
                .map(str::to_owned)
        };
        if let Some(field) = quoted("missing field ") {
            return ApiError::BadField {
                message: format!("缺少必填字段“{field}”"),
                field,
            };
        }
        if let Some(field) = quoted("unknown field ") {
            return ApiError::BadField {
                message: format!("不认识的字段“{field}”"),
                field,
            };
        }
        // axum reports the path of a badly typed value: "target type: parent_id: invalid type …".
        let typed = text
            .split_once("target type: ")
            .and_then(|(_, rest)| rest.split_once(": "))
            .filter(|(path, _)| !path.contains(' '));
        if let (JsonRejection::JsonDataError(_), Some((path, detail))) = (&r, typed) {
            return ApiError::BadField {
                message: format!("字段“{path}”的类型或取值不正确（{detail}）"),
                field: path.to_owned(),
            };
        }
        match r {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::BadRequest("请求须为 JSON（Content-Type: application/json）".into())
            }
            JsonRejection::JsonDataError(_) => {
                ApiError::BadRequest(format!("请求体中有字段的类型或取值不正确：{text}"))
            }
            _ => ApiError::BadRequest(format!("请求体不是有效的 JSON：{text}")),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::BadRequest("路径中的编号无效".into())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(format!("查询参数无效：{}", r.body_text()))
    }
}

/// Adds `Retry-After` to a refusal that a window or a lock ends (429).
pub fn with_retry_after(e: &ServiceError, mut res: Response) -> Response {
    set_retry_after(&mut res, e.retry_after());
    res
}

fn set_retry_after(res: &mut Response, secs: Option<u64>) {
    if let Some(secs) = secs {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            ApiError::Service(e) => e.retry_after(),
            _ => None,
        };
        let rows = match &self {
            ApiError::Service(ServiceError::InvalidRows { problems, .. }) => Some(
                problems
                    .iter()
                    .map(|p| RowErrorDto {
                        row: p.row,
                        column: p.column.clone(),
                        message: p.message.clone(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        let (status, code, message, field) = match self {
            ApiError::Service(e) => {
                log_internal(&e);
                (
                    status_of(&e),
                    e.code().to_owned(),
                    e.to_string(),
                    e.field().map(str::to_owned),
                )
            }
            ApiError::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf".to_owned(),
                "缺少或错误的 CSRF 令牌（X-CSRF-Token）".to_owned(),
                None,
            ),
            ApiError::BadRequest(m) => {
                (StatusCode::BAD_REQUEST, "invalid_input".to_owned(), m, None)
            }
            ApiError::BadField { field, message } => (
                StatusCode::BAD_REQUEST,
                "invalid_input".to_owned(),
                message,
                Some(field),
            ),
            ApiError::UnknownRoute => (
                StatusCode::NOT_FOUND,
                "not_found".to_owned(),
                "没有这个接口，请查看 /api/v1/openapi.json".to_owned(),
                None,
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed".to_owned(),
                "该接口不支持此请求方法".to_owned(),
                None,
            ),
        };
        let mut res = (
            status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code,
                    message,
                    field,
                    rows,
                },
            }),
        )
            .into_response();
        set_retry_after(&mut res, retry_after);
        res
    }
}

/// An error while serving a page.
#[derive(Debug)]
pub enum PageError {
    Service(ServiceError),
    Csrf,
    BadRequest(String),
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        PageError::Service(e)
    }
}

impl From<PathRejection> for PageError {
    fn from(_: PathRejection) -> Self {
        PageError::BadRequest("地址中的编号无效".into())
    }
}

impl From<QueryRejection> for PageError {
    fn from(_: QueryRejection) -> Self {
        PageError::BadRequest("筛选条件无效".into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Service(ServiceError::Unauthenticated) => {
                Redirect::to("/login").into_response()
            }
            PageError::Service(ServiceError::SessionExpired) => {
                Redirect::to("/login?expired=1").into_response()
            }
            PageError::Service(ServiceError::PasswordChangeRequired) => {
                Redirect::to("/account/password").into_response()
            }
            PageError::Service(ServiceError::TwoFactorEnrolmentRequired) => {
                Redirect::to("/account/two-factor").into_response()
            }
            PageError::Service(ServiceError::TwoFactorExpired) => {
                Redirect::to("/login?two_factor_expired=1").into_response()
            }
            PageError::Service(e) => {
                log_internal(&e);
                with_retry_after(&e, render_error_page(status_of(&e), &e.to_string()))
            }
            PageError::Csrf => render_error_page(
                StatusCode::FORBIDDEN,
                "页面已过期或请求来源不明（CSRF 校验失败），请返回后刷新页面再提交。",
            ),
            PageError::BadRequest(m) => render_error_page(StatusCode::BAD_REQUEST, &m),
        }
    }
}
