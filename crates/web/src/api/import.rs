//! API: importing households from an `.xlsx` (all or nothing), and the
//! state of a background job.

use super::{ApiPath, ApiQuery, ApiResult};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody, ErrorDetail};
use crate::pages::read_workbook;
use crate::view::api_time;
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_service::import::{
    ImportIssue, ImportOutcome, ImportReport, ImportSummary, JobView, MAX_FILE_BYTES,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/jobs/{id}", get(get_job))
}

/// The upload, mounted apart with the large body limit (see `lib.rs`).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/households/import",
        post(import_households).fallback(|| async { ApiError::MethodNotAllowed }),
    )
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The filing union (in the caller's scope); the caller's own when absent.
    pub union_id: Option<i64>,
    /// The file's name, for the audit log and the job page.
    pub file_name: Option<String>,
}

/// What a synchronous import wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResultDto {
    pub households: usize,
    pub members: usize,
    /// Monthly income records.
    pub months: usize,
    pub union_id: i64,
    pub file_name: String,
}

impl From<&ImportSummary> for ImportResultDto {
    fn from(s: &ImportSummary) -> Self {
        Self {
            households: s.households,
            members: s.members,
            months: s.months,
            union_id: s.union_id,
            file_name: s.file_name.clone(),
        }
    }
}

/// A large file accepted for import in the background.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportQueuedDto {
    pub job_id: i64,
    /// Poll this for progress and the outcome.
    pub status_url: String,
}

/// One problem of a refused file. A problem of the whole file has no sheet, row or column.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorDto {
    /// 家庭, 成员 or 收入
    pub sheet: Option<String>,
    /// The row number as Excel shows it.
    pub row: Option<u32>,
    /// The column header.
    pub column: Option<String>,
    pub message: String,
}

impl From<&ImportIssue> for ImportErrorDto {
    fn from(i: &ImportIssue) -> Self {
        Self {
            sheet: i.sheet.clone(),
            row: i.row,
            column: i.column.clone(),
            message: i.message.clone(),
        }
    }
}

/// The standard error envelope plus the list of problems (422).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ImportInvalidDto)]
pub struct ImportInvalidBody {
    pub error: ErrorDetail,
    pub errors: Vec<ImportErrorDto>,
    /// All problems found; `errors` may list fewer (at most 10 000).
    pub error_total: usize,
    /// The refused import kept as a job (its errors as Excel: `/jobs/{id}/errors.xlsx` in the browser).
    pub job_id: Option<i64>,
}

fn invalid_file(report: &ImportReport, job_id: Option<i64>) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ImportInvalidBody {
            error: ErrorDetail {
                code: "import_invalid".into(),
                message: report.headline(),
                field: None,
                rows: None,
            },
            errors: report.errors.iter().map(ImportErrorDto::from).collect(),
            error_total: report.error_total,
            job_id,
        }),
    )
        .into_response()
}

/// A file that could not be read as a workbook at all.
fn unreadable(message: String) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ImportInvalidBody {
            error: ErrorDetail {
                code: "import_invalid".into(),
                message: format!("{message}。未写入任何数据"),
                field: None,
                rows: None,
            },
            errors: vec![ImportErrorDto {
                sheet: None,
                row: None,
                column: None,
                message,
            }],
            error_total: 1,
            job_id: None,
        }),
    )
        .into_response()
}

#[utoipa::path(post, path = "/api/v1/households/import", tag = "households", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description = "The .xlsx file itself (not multipart): the sheets 家庭, 成员 and 收入 of the template (GET /households/import/template.xlsx). At most 30 MB and 100 000 households."),
    responses(
        (status = 200, description = "Every row was valid and all were written in one transaction", body = ImportResultDto),
        (status = 202, description = "More than 2 000 households: imported in the background; poll GET /api/v1/jobs/{id}", body = ImportQueuedDto),
        (status = 422, description = "Not a readable .xlsx, or rows with errors: nothing was written", body = ImportInvalidBody),
        (status = 413, body = ErrorBody),
        (status = 429, description = "People on other unions' files would exceed the hour's allowance of such refusals (audited, Retry-After)", body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn import_households(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("multipart/") || content_type.starts_with("application/json") {
        return Err(ApiError::BadRequest(
            "请求体应直接是 .xlsx 文件的内容（Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet），不是表单或 JSON".into(),
        ));
    }
    let file_name = q
        .file_name
        .clone()
        .unwrap_or_else(|| "导入文件.xlsx".into());
    // The whole body is read (the router caps it at UPLOAD_LIMIT) so that a
    // client still sending gets this answer rather than a reset connection.
    let bytes = axum::body::to_bytes(body, crate::UPLOAD_LIMIT)
        .await
        .ok()
        .filter(|b| b.len() <= MAX_FILE_BYTES);
    let Some(bytes) = bytes else {
        return Ok((
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: "payload_too_large".into(),
                    message: format!(
                        "文件过大：单个导入文件不超过 {} MB，请分成几个文件导入",
                        MAX_FILE_BYTES / 1024 / 1024
                    ),
                    field: None,
                    rows: None,
                },
            }),
        )
            .into_response());
    };
    let workbook = match read_workbook(bytes.to_vec(), file_name.clone()).await {
        Ok(w) => w,
        Err(msg) => return Ok(unreadable(msg)),
    };
    let outcome = state
        .services
        .households_import(&actor, q.union_id, workbook)
        .await?;
    Ok(match outcome {
        ImportOutcome::Imported(s) => {
            (StatusCode::OK, Json(ImportResultDto::from(&s))).into_response()
        }
        ImportOutcome::Queued { job_id } => (
            StatusCode::ACCEPTED,
            Json(ImportQueuedDto {
                job_id,
                status_url: format!("/api/v1/jobs/{job_id}"),
            }),
        )
            .into_response(),
        ImportOutcome::Invalid { job_id, report } => invalid_file(&report, Some(job_id)),
    })
}

/// A background job (an import) as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDto {
    pub id: i64,
    /// household_import
    pub kind: String,
    /// queued, running, succeeded, failed — or interrupted: still marked
    /// running but not heard from for 10 minutes (nothing was written).
    pub status: String,
    /// What it is doing, in Chinese (校验中, 核对在档人员, 写入中, …).
    pub phase: String,
    pub total: i64,
    pub done: i64,
    /// 0–100; not meaningful while `indeterminate`.
    pub percent: i64,
    /// The final write: progress cannot be measured.
    pub indeterminate: bool,
    pub finished: bool,
    pub message: Option<String>,
    pub file_name: String,
    pub created_at: String,
    pub updated_at: String,
    /// When succeeded: what was written.
    pub result: Option<ImportResultDto>,
    /// When refused: the problems (nothing was written).
    pub errors: Vec<ImportErrorDto>,
    pub error_total: usize,
}

impl From<&JobView> for JobDto {
    fn from(j: &JobView) -> Self {
        Self {
            id: j.id,
            kind: j.kind.clone(),
            status: j.status.shown(j.interrupted).into(),
            phase: j.phase.clone(),
            total: j.total,
            done: j.done,
            percent: j.percent(),
            indeterminate: j.indeterminate,
            finished: j.finished(),
            message: j.message.clone(),
            file_name: j.file_name.clone(),
            created_at: api_time(&j.created_at),
            updated_at: api_time(&j.updated_at),
            result: j.summary.as_ref().map(ImportResultDto::from),
            errors: j
                .report
                .as_ref()
                .map(|r| r.errors.iter().map(ImportErrorDto::from).collect())
                .unwrap_or_default(),
            error_total: j.report.as_ref().map_or(0, |r| r.error_total),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = JobDto), (status = 404, body = ErrorBody)))]
pub async fn get_job(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<JobDto>> {
    let j = state.services.job_get(&actor, id).await?;
    Ok(Json(JobDto::from(&j)))
}

/// The upload route's body limit (`lib.rs`) refuses a request larger than
/// [`crate::UPLOAD_LIMIT`] with a bare 413; this gives it the API's error shape.
pub async fn explain_too_large(res: Response) -> Response {
    let bare = res.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
    if !bare {
        return res;
    }
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(ErrorBody {
            error: ErrorDetail {
                code: "payload_too_large".into(),
                message: format!(
                    "文件过大：单个导入文件不超过 {} MB，请分成几个文件导入",
                    MAX_FILE_BYTES / 1024 / 1024
                ),
                field: None,
                rows: None,
            },
        }),
    )
        .into_response()
}
