//! API: 档案质量 — the file-quality checks of a union's subtree
//! (docs/rules.md §2.1): counts per check and per direct child union, the
//! files failing one check, and their download.

use super::{ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use bangfu_domain::Masked;
use bangfu_service::quality::{CheckCount, QualityFile};
use bangfu_service::{PageRequest, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quality", get(summary))
        .route("/quality/{check}", get(list))
        .route("/quality/{check}/export", get(export))
}

#[derive(OpenApi)]
#[openapi(
    paths(summary, list, export),
    components(schemas(
        QualitySummaryDto,
        QualityCheckDto,
        QualityChildDto,
        QualityChildCountDto,
        QualityFileDto
    ))
)]
pub struct Doc;

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct QualityParams {
    /// A union in the caller's subtree (default: the caller's own).
    pub union_id: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct QualityListParams {
    /// A union in the caller's subtree (default: the caller's own).
    pub union_id: Option<i64>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

/// One check and how many files fail it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityCheckDto {
    /// stale, never_assisted, never_visited, member_without_id, incomes_missing, no_responsible
    pub code: String,
    pub label: String,
    /// Why the check matters.
    pub explain: String,
    pub count: i64,
}

impl From<&CheckCount> for QualityCheckDto {
    fn from(c: &CheckCount) -> Self {
        Self {
            code: c.check.code().into(),
            label: c.check.label().into(),
            explain: c.check.explain().into(),
            count: c.count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualityChildDto {
    pub union_id: i64,
    pub name: String,
    /// The same checks, in the same order, counted in the child's subtree.
    pub checks: Vec<QualityChildCountDto>,
}

/// How many of a child union's files fail one check.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityChildCountDto {
    pub code: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualitySummaryDto {
    pub union_id: i64,
    pub union_name: String,
    /// Files under assistance (on file or relieved) failing each check; a file may fail several.
    pub checks: Vec<QualityCheckDto>,
    /// Every direct child union.
    pub children: Vec<QualityChildDto>,
    /// The first and last month (YYYY-MM) `incomes_missing` looks at.
    pub income_from: String,
    pub income_to: String,
}

/// A file failing a check; the worker's ID number is masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityFileDto {
    pub id: i64,
    pub file_no: String,
    pub worker_name: String,
    pub worker_id_number: String,
    /// on_file or relieved
    pub status: String,
    pub union_id: i64,
    pub union_name: String,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    /// The file's last change.
    pub updated_at: String,
}

impl From<&QualityFile<Masked>> for QualityFileDto {
    fn from(f: &QualityFile<Masked>) -> Self {
        Self {
            id: f.id.0,
            file_no: f.file_no.clone(),
            worker_name: f.worker_name.clone(),
            worker_id_number: f.worker_id_number.text.clone(),
            status: f.status.code().into(),
            union_id: f.union_id.0,
            union_name: f.union_name.clone(),
            responsible_id: f.responsible_id,
            responsible_name: f.responsible_id.map(|_| f.responsible_name.clone()),
            updated_at: api_time(&f.updated_at),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/quality", tag = "households", params(QualityParams),
    responses((status = 200, body = QualitySummaryDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn summary(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<QualityParams>,
) -> ApiResult<Json<QualitySummaryDto>> {
    let o = state.services.quality_overview(&actor, q.union_id).await?;
    Ok(Json(QualitySummaryDto {
        union_id: o.union.0,
        union_name: o.union.1.clone(),
        checks: o.counts.iter().map(QualityCheckDto::from).collect(),
        children: o
            .children
            .iter()
            .map(|c| QualityChildDto {
                union_id: c.union_id,
                name: c.name.clone(),
                checks: c
                    .counts
                    .iter()
                    .map(|n| QualityChildCountDto {
                        code: n.check.code().into(),
                        count: n.count,
                    })
                    .collect(),
            })
            .collect(),
        income_from: o.income_months.0.to_string(),
        income_to: o.income_months.1.to_string(),
    }))
}

#[utoipa::path(get, path = "/api/v1/quality/{check}", tag = "households",
    params(("check" = String, Path, description = "A check code, e.g. never_visited"), QualityListParams),
    responses((status = 200, body = PageDto<QualityFileDto>), (status = 403, body = ErrorBody),
        (status = 404, description = "Unknown check, or a union outside the caller's subtree", body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(check): ApiPath<String>,
    ApiQuery(q): ApiQuery<QualityListParams>,
) -> ApiResult<Json<PageDto<QualityFileDto>>> {
    let l = state
        .services
        .quality_list(
            &actor,
            &check,
            q.union_id,
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&l.page, |f| {
        QualityFileDto::from(f)
    })))
}

#[utoipa::path(get, path = "/api/v1/quality/{check}/export", tag = "households",
    params(("check" = String, Path, description = "A check code, e.g. never_visited"), QualityParams),
    responses(
        (status = 200, description = "An .xlsx workbook of the files failing the check (ID numbers masked)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "More files than one download carries: narrow to a child union", body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(check): ApiPath<String>,
    ApiQuery(q): ApiQuery<QualityParams>,
) -> ApiResult<Response> {
    let l = state
        .services
        .quality_export(&actor, &check, q.union_id, crate::xlsx::MAX_ROWS)
        .await?;
    let (name, bytes) = crate::pages::quality_workbook(&l)
        .map_err(|e| ApiError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}
