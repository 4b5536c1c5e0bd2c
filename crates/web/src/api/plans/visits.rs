//! Home visits and their photos.

use super::*;
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bangfu_domain::assistance::VisitId;
use bangfu_domain::household::HouseholdId;
use bangfu_service::visits::{VisitInput, MAX_PHOTO_BYTES};
use bangfu_service::{PageRequest, Upload};

#[utoipa::path(get, path = "/api/v1/households/{id}/visits", tag = "visits", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = PageDto<VisitDto>), (status = 404, body = ErrorBody)))]
pub async fn list_visits(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<PageDto<VisitDto>>> {
    let page = state
        .services
        .visit_list(
            &actor,
            HouseholdId(id),
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |v| VisitDto::from(v))))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/visits", tag = "visits", params(("id" = i64, Path)),
    request_body = VisitRequest,
    responses((status = 201, description = "Recorded (audited); the file's last visit date follows. Add photos with POST /api/v1/visits/{id}/photos", body = VisitDto),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "The file is closed", body = ErrorBody)))]
pub async fn record_visit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<VisitRequest>,
) -> ApiResult<(StatusCode, Json<VisitDto>)> {
    let v = state
        .services
        .visit_record(
            &actor,
            HouseholdId(id),
            VisitInput {
                visited_on: req.visited_on,
                met: req.met,
                looked: req.looked,
                asked: req.asked,
                explained: req.explained,
                findings: req.findings,
                needs: req.needs,
                photos: Vec::new(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(VisitDto::from(&v))))
}

#[utoipa::path(get, path = "/api/v1/visits/{id}", tag = "visits", params(("id" = i64, Path)),
    responses((status = 200, body = VisitDto), (status = 404, body = ErrorBody)))]
pub async fn get_visit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VisitDto>> {
    let v = state.services.visit_get(&actor, VisitId(id)).await?;
    Ok(Json(VisitDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/visits/{id}/photos", tag = "visits", params(("id" = i64, Path), PhotoQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg",
        description = "The photo itself (not multipart): JPEG or PNG, judged by its bytes, at most 5 MB; at most 9 per visit."),
    responses((status = 201, body = VisitDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn add_photos(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PhotoQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<VisitDto>)> {
    let bytes = axum::body::to_bytes(body, crate::UPLOAD_LIMIT)
        .await
        .map_err(|_| ApiError::BadRequest("照片过大".into()))?;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::Service(
            bangfu_domain::ValidationError::new(
                "photos",
                format!(
                    "照片超过 {} MB，请压缩后再上传",
                    MAX_PHOTO_BYTES / 1024 / 1024
                ),
            )
            .into(),
        ));
    }
    let v = state
        .services
        .visit_add_photos(
            &actor,
            VisitId(id),
            vec![Upload {
                name: q.name.unwrap_or_else(|| "照片".into()),
                bytes: bytes.to_vec(),
            }],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(VisitDto::from(&v))))
}

#[utoipa::path(get, path = "/api/v1/visits/{id}/photos/{photo}", tag = "visits",
    params(("id" = i64, Path), ("photo" = i64, Path)),
    responses((status = 200, description = "The photo (image/jpeg or image/png)", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn get_photo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, photo)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let (info, bytes) = state
        .services
        .visit_photo(&actor, VisitId(id), photo)
        .await?;
    Ok(photo_response(&info.content_type, bytes))
}

/// A stored photo as a response (its type was sniffed when it was stored).
pub(crate) fn photo_response(content_type: &str, bytes: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, bytes).into_response();
    let ct = match content_type {
        "image/png" => "image/png",
        _ => "image/jpeg",
    };
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res
}
