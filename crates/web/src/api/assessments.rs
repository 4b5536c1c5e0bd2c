//! API: 考核评价 — assessment schemes (docs/rules.md §8.3): define one for a
//! level below the caller's union and a year, change its items until
//! something is scored, count its computed items, enter scores by hand with
//! evidence, read the report (totals and ranks), a union's history, and the
//! report as a workbook.

use super::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::assessment::{format_points, yunnan_items, RawItem};
use bangfu_service::assessments::{EntryInput, History, Report, Scheme, SchemeInput};
use bangfu_service::{ServiceError, Upload};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assessments", get(list).post(create))
        .route("/assessments/example", get(example))
        .route("/assessments/{id}", get(get_report).put(update))
        .route("/assessments/{id}/score", post(score))
        .route("/assessments/{id}/export", get(export))
        .route(
            "/assessments/{id}/entries/{item_id}/{union_id}/document",
            get(document),
        )
        .route("/assessment-history/{union_id}", get(history))
}

/// The entries route carries a document in its body: mounted with the
/// upload body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/assessments/{id}/entries",
        post(enter).fallback(|| async { ApiError::MethodNotAllowed }),
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list, create, example, get_report, update, score, enter, export, document, history
    ),
    components(schemas(
        AssessmentRequest,
        AssessmentUpdateRequest,
        AssessmentItemRequest,
        AssessmentItemDto,
        AssessmentSchemeDto,
        AssessmentAreaDto,
        AssessmentUnionDto,
        AssessmentItemScoreDto,
        AssessmentReportDto,
        AssessmentEntryRequest,
        AssessmentDocumentRequest,
        AssessmentHistoryDto,
        AssessmentHistoryLineDto
    ))
)]
pub struct Doc;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct AssessmentItemRequest {
    /// The area (考核领域), e.g. 精准帮扶.
    pub area: String,
    pub name: String,
    /// Whole points, 1–100; the items' weights add up to 100.
    pub weight: i64,
    /// A computed source (plan_share, paired, visited, target_progress,
    /// measures_on_time, audit_resolved, campaign_completion,
    /// application_turnaround, findings_handled) or manual / third_party.
    pub source: String,
}

impl AssessmentItemRequest {
    fn raw(&self) -> RawItem {
        RawItem {
            area: self.area.clone(),
            name: self.name.clone(),
            weight: self.weight.to_string(),
            source: self.source.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentRequest {
    /// The assessing union; default the caller's own.
    pub union_id: Option<i64>,
    /// The level assessed, below the assessing union's: province, city, county or grassroots.
    pub level: String,
    pub year: i32,
    pub title: String,
    pub items: Vec<AssessmentItemRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentUpdateRequest {
    /// The version read (optimistic lock).
    pub version: i64,
    pub title: String,
    pub items: Vec<AssessmentItemRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentItemDto {
    pub id: i64,
    pub area: String,
    pub name: String,
    pub weight: u32,
    pub source: String,
    pub source_label: String,
    /// Counted from the records (not entered by hand).
    pub computed: bool,
    /// How it is counted or entered.
    pub explain: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentSchemeDto {
    pub id: i64,
    pub union_id: i64,
    pub union_name: String,
    /// The level assessed.
    pub level: String,
    pub year: i32,
    pub title: String,
    /// Empty in lists.
    pub items: Vec<AssessmentItemDto>,
    pub created_by: String,
    pub created_at: String,
    /// When the computed items were last counted.
    pub scored_at: Option<String>,
    /// The day they counted to (YYYY-MM-DD).
    pub scored_as_of: Option<String>,
    pub version: i64,
}

impl From<&Scheme> for AssessmentSchemeDto {
    fn from(s: &Scheme) -> Self {
        Self {
            id: s.id,
            union_id: s.union_id.0,
            union_name: s.union_name.clone(),
            level: s.level.code().into(),
            year: s.year,
            title: s.title.clone(),
            items: s
                .items
                .iter()
                .map(|i| AssessmentItemDto {
                    id: i.id,
                    area: i.item.area.clone(),
                    name: i.item.name.clone(),
                    weight: i.item.weight,
                    source: i.item.source.code().into(),
                    source_label: i.item.source.label().into(),
                    computed: i.item.source.computed(),
                    explain: i.item.source.explain().into(),
                })
                .collect(),
            created_by: s.created_by_name.clone(),
            created_at: api_time(&s.created_at),
            scored_at: s.scored_at.as_ref().map(api_time),
            scored_as_of: s.scored_as_of.map(|d| d.to_string()),
            version: s.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentAreaDto {
    pub name: String,
    pub weight: u32,
    pub items: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentItemScoreDto {
    pub item_id: i64,
    /// Hundredths of a point; null: not counted or entered yet.
    pub points: Option<i64>,
    /// The points as read, e.g. "3.5".
    pub points_text: Option<String>,
    /// Computed items: what was done, over what was due (0 due earns full points).
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Entered items: the evidence noted, who entered it and when, and the document's name.
    pub note: Option<String>,
    pub entered_by: Option<String>,
    pub entered_at: Option<String>,
    pub document_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentUnionDto {
    pub union_id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub parent_name: String,
    /// Hundredths of a point.
    pub total: i64,
    pub total_text: String,
    /// Among the unions of the same parent (ties share a rank).
    pub rank: usize,
    pub siblings: usize,
    /// Among every union assessed.
    pub rank_all: usize,
    /// Items not counted or entered yet.
    pub missing: usize,
    /// One per item, in the scheme's order.
    pub items: Vec<AssessmentItemScoreDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentReportDto {
    pub scheme: AssessmentSchemeDto,
    pub areas: Vec<AssessmentAreaDto>,
    /// How many unions the scheme assesses.
    pub assessed: usize,
    /// The assessed unions in the caller's scope, best first.
    pub unions: Vec<AssessmentUnionDto>,
    /// The items can still be changed: nothing counted or entered yet.
    pub editable: bool,
    pub can_manage: bool,
}

impl From<&Report> for AssessmentReportDto {
    fn from(r: &Report) -> Self {
        Self {
            scheme: AssessmentSchemeDto::from(&r.scheme),
            areas: r
                .areas
                .iter()
                .map(|a| AssessmentAreaDto {
                    name: a.name.clone(),
                    weight: a.weight,
                    items: a.items,
                })
                .collect(),
            assessed: r.assessed,
            unions: r
                .unions
                .iter()
                .map(|u| AssessmentUnionDto {
                    union_id: u.union_id,
                    name: u.name.clone(),
                    parent_id: u.parent_id,
                    parent_name: u.parent_name.clone(),
                    total: u.total,
                    total_text: format_points(u.total),
                    rank: u.rank,
                    siblings: u.siblings,
                    rank_all: u.rank_all,
                    missing: u.missing,
                    items: u
                        .items
                        .iter()
                        .map(|i| AssessmentItemScoreDto {
                            item_id: i.item_id,
                            points: i.points,
                            points_text: i.points.map(format_points),
                            numerator: i.ratio.map(|r| r.numerator),
                            denominator: i.ratio.map(|r| r.denominator),
                            note: i.entry.as_ref().map(|e| e.note.clone()),
                            entered_by: i.entry.as_ref().map(|e| e.entered_by_name.clone()),
                            entered_at: i.entry.as_ref().map(|e| api_time(&e.entered_at)),
                            document_name: i
                                .entry
                                .as_ref()
                                .and_then(|e| e.document.as_ref().map(|d| d.0.clone())),
                        })
                        .collect(),
                })
                .collect(),
            editable: r.editable,
            can_manage: r.can_manage,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentDocumentRequest {
    /// The file's name, e.g. 第三方评估报告.pdf.
    pub name: String,
    /// Its bytes in standard base64: PDF, JPEG or PNG (judged by content), at most 5 MB.
    pub content_base64: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessmentEntryRequest {
    pub item_id: i64,
    pub union_id: i64,
    /// Points from 0 to the item's weight, up to two decimals, as text (e.g. "3.5").
    pub points: String,
    /// The evidence the score rests on.
    pub note: String,
    /// Required for a third-party evaluation unless entered before.
    pub document: Option<AssessmentDocumentRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentHistoryLineDto {
    pub scheme_id: i64,
    pub year: i32,
    pub title: String,
    pub assessing_union: String,
    pub total: i64,
    pub total_text: String,
    pub rank: usize,
    pub siblings: usize,
    pub missing: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentHistoryDto {
    pub union_id: i64,
    pub name: String,
    /// Newest year first.
    pub lines: Vec<AssessmentHistoryLineDto>,
}

impl From<&History> for AssessmentHistoryDto {
    fn from(h: &History) -> Self {
        Self {
            union_id: h.union_id,
            name: h.name.clone(),
            lines: h
                .lines
                .iter()
                .map(|l| AssessmentHistoryLineDto {
                    scheme_id: l.scheme_id,
                    year: l.year,
                    title: l.title.clone(),
                    assessing_union: l.assessing_union.clone(),
                    total: l.total,
                    total_text: format_points(l.total),
                    rank: l.rank,
                    siblings: l.siblings,
                    missing: l.missing,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessmentListParams {
    pub year: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", params(AssessmentListParams),
    responses((status = 200, description = "The schemes of the caller's subtree and of its ancestors, newest year first (without items)", body = Vec<AssessmentSchemeDto>),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AssessmentListParams>,
) -> ApiResult<Json<Vec<AssessmentSchemeDto>>> {
    let list = state.services.assessment_list(&actor, q.year).await?;
    Ok(Json(list.iter().map(AssessmentSchemeDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/assessments/example", tag = "assessments",
    responses((status = 200, description = "Yunnan's 6 areas × 25 items, 100 points: a scheme to start from", body = Vec<AssessmentItemRequest>)))]
async fn example(ApiActor(_actor): ApiActor) -> Json<Vec<AssessmentItemRequest>> {
    Json(
        yunnan_items()
            .into_iter()
            .map(|i| AssessmentItemRequest {
                area: i.area,
                name: i.name,
                weight: i64::from(i.weight),
                source: i.source.code().into(),
            })
            .collect(),
    )
}

#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessments", request_body = AssessmentRequest,
    responses((status = 201, description = "Defined (audited)", body = AssessmentReportDto),
        (status = 400, description = "Bad title, level, year or items (weights not adding up to 100, an unknown source, a repeated item); nothing written", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "A union outside the caller's subtree", body = ErrorBody),
        (status = 409, description = "The union has a scheme for that level and year", body = ErrorBody),
        (status = 422, description = "The level is not below the union's", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<AssessmentRequest>,
) -> ApiResult<(StatusCode, Json<AssessmentReportDto>)> {
    let r = state
        .services
        .assessment_create(
            &actor,
            SchemeInput {
                union_id: req.union_id,
                level: req.level,
                year: req.year,
                title: req.title,
                items: req.items.iter().map(AssessmentItemRequest::raw).collect(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(AssessmentReportDto::from(&r))))
}

#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", params(("id" = i64, Path)),
    responses((status = 200, description = "The scheme with every assessed union in the caller's scope: points per item, total, ranks", body = AssessmentReportDto),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AssessmentReportDto>> {
    let r = state.services.assessment_report(&actor, id).await?;
    Ok(Json(AssessmentReportDto::from(&r)))
}

#[utoipa::path(put, path = "/api/v1/assessments/{id}", tag = "assessments", params(("id" = i64, Path)),
    request_body = AssessmentUpdateRequest,
    responses((status = 200, description = "Title and items replaced (audited)", body = AssessmentReportDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Changed by someone else since read", body = ErrorBody),
        (status = 422, description = "Something was counted or entered already", body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AssessmentUpdateRequest>,
) -> ApiResult<Json<AssessmentReportDto>> {
    let items: Vec<RawItem> = req.items.iter().map(AssessmentItemRequest::raw).collect();
    let r = state
        .services
        .assessment_update(&actor, id, req.version, &req.title, &items)
        .await?;
    Ok(Json(AssessmentReportDto::from(&r)))
}

#[utoipa::path(post, path = "/api/v1/assessments/{id}/score", tag = "assessments", params(("id" = i64, Path)),
    responses((status = 200, description = "The computed items counted for every union assessed (audited)", body = AssessmentReportDto),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "The year has not begun, or a past year was scored after its end already", body = ErrorBody)))]
async fn score(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AssessmentReportDto>> {
    let r = state.services.assessment_score(&actor, id).await?;
    Ok(Json(AssessmentReportDto::from(&r)))
}

#[utoipa::path(post, path = "/api/v1/assessments/{id}/entries", tag = "assessments", params(("id" = i64, Path)),
    request_body = AssessmentEntryRequest,
    responses((status = 200, description = "Entered or corrected (audited)", body = AssessmentReportDto),
        (status = 400, description = "Points out of range, no note, a third-party item without its document, a bad document", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "No such item or assessed union", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "A computed item", body = ErrorBody)))]
async fn enter(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AssessmentEntryRequest>,
) -> ApiResult<Json<AssessmentReportDto>> {
    let document = match req.document {
        Some(d) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(d.content_base64.trim())
                .map_err(|_| {
                    ApiError::Service(
                        bangfu_domain::ValidationError::new(
                            "document",
                            "证明材料不是有效的 base64 编码",
                        )
                        .into(),
                    )
                })?;
            Some(Upload {
                name: d.name,
                bytes,
            })
        }
        None => None,
    };
    let r = state
        .services
        .assessment_enter(
            &actor,
            id,
            EntryInput {
                item_id: req.item_id,
                union_id: req.union_id,
                points: req.points,
                note: req.note,
                document,
            },
        )
        .await?;
    Ok(Json(AssessmentReportDto::from(&r)))
}

#[utoipa::path(get, path = "/api/v1/assessments/{id}/export", tag = "assessments", params(("id" = i64, Path)),
    responses(
        (status = 200, description = "An .xlsx workbook of the report: one row per union, one column per item",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let r = state.services.assessment_report(&actor, id).await?;
    let (name, bytes) = crate::pages::assessment_workbook(&r)
        .map_err(|e| ApiError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}

#[utoipa::path(get, path = "/api/v1/assessments/{id}/entries/{item_id}/{union_id}/document", tag = "assessments",
    params(("id" = i64, Path), ("item_id" = i64, Path), ("union_id" = i64, Path)),
    responses((status = 200, description = "The evidence document of an entered score", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn document(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, item_id, union_id)): ApiPath<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let (name, ty, bytes) = state
        .services
        .assessment_document(&actor, id, item_id, union_id)
        .await?;
    Ok(crate::xlsx::attachment(&name, &ty, bytes))
}

#[utoipa::path(get, path = "/api/v1/assessment-history/{union_id}", tag = "assessments", params(("union_id" = i64, Path)),
    responses((status = 200, description = "The union's results under every scheme that assessed it, newest year first", body = AssessmentHistoryDto),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn history(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(union_id): ApiPath<i64>,
) -> ApiResult<Json<AssessmentHistoryDto>> {
    let h = state.services.assessment_history(&actor, union_id).await?;
    Ok(Json(AssessmentHistoryDto::from(&h)))
}
