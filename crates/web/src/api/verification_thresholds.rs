//! API: 部门核对 — the asset thresholds per region, and the hashed export
//! of the people on file a department matches against on its side.

use super::{ApiJson, ApiQuery, ApiResult};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bangfu_domain::ValidationError;
use bangfu_service::verification::{HashExport, ThresholdsInput, ThresholdsView};
use bangfu_service::ServiceError;
use futures_util::stream;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/verification/thresholds",
            get(list_thresholds).put(set_thresholds),
        )
        .route("/verification/export", get(export))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_thresholds, set_thresholds, export),
    components(schemas(ThresholdsDto, ThresholdsRequest))
)]
pub struct Doc;

#[derive(Debug, Serialize, ToSchema)]
pub struct ThresholdsDto {
    /// Six-digit GB/T 2260 code; empty: nationwide.
    pub division_code: String,
    /// 全国 or the division's full name.
    pub division_name: String,
    /// A vehicle worth more than this (fen) is a finding.
    pub vehicle_value_fen: i64,
    /// More properties than this is a finding.
    pub properties: i64,
    /// More floor area per person than this (m²) is a finding.
    pub floor_area_per_person: i64,
    pub updated_by: Option<i64>,
    pub updated_at: String,
}

impl From<&ThresholdsView> for ThresholdsDto {
    fn from(t: &ThresholdsView) -> Self {
        Self {
            division_code: t.division_code.clone(),
            division_name: t.division_name.clone(),
            vehicle_value_fen: t.thresholds.vehicle_value.0,
            properties: t.thresholds.properties,
            floor_area_per_person: t.thresholds.floor_area_per_person,
            updated_by: t.updated_by,
            updated_at: api_time(&t.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsRequest {
    /// Six-digit GB/T 2260 code of the region (it and the regions below
    /// it); empty for nationwide. The longest region that set any wins.
    pub division_code: String,
    /// Fen, zero or more (default nationwide: 10 万元).
    pub vehicle_value_fen: i64,
    /// Zero or more (default: 1).
    pub properties: i64,
    /// Square metres, zero or more (default: 40).
    pub floor_area_per_person: i64,
}

#[utoipa::path(get, path = "/api/v1/verification/thresholds", tag = "verification",
    responses((status = 200, body = Vec<ThresholdsDto>), (status = 403, body = ErrorBody)))]
async fn list_thresholds(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<ThresholdsDto>>> {
    let list = state.services.verification_thresholds(&actor).await?;
    Ok(Json(list.iter().map(ThresholdsDto::from).collect()))
}

#[utoipa::path(put, path = "/api/v1/verification/thresholds", tag = "verification",
    request_body = ThresholdsRequest,
    responses((status = 200, body = ThresholdsDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_thresholds(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ThresholdsRequest>,
) -> ApiResult<Json<ThresholdsDto>> {
    let t = state
        .services
        .verification_thresholds_set(
            &actor,
            ThresholdsInput {
                division_code: req.division_code,
                vehicle_value_fen: req.vehicle_value_fen,
                properties: req.properties,
                floor_area_per_person: req.floor_area_per_person,
            },
        )
        .await?;
    Ok(Json(ThresholdsDto::from(&t)))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Only this union's subtree.
    pub union_id: Option<i64>,
    /// csv (default) or xlsx.
    pub format: Option<String>,
}

/// People written per piece of the CSV body.
const CSV_PIECE: usize = 10_000;

/// The CSV: a comment line naming the key, then `id_hash,ref,key_id`,
/// written a piece at a time as the body is sent (a nation's export is
/// ~200 MB of text, never held whole).
fn csv(e: HashExport) -> Body {
    let e = Arc::new(e);
    let head = format!("# key_id={}\nid_hash,ref,key_id\n", e.key_id);
    let pieces = (0..e.rows.len()).step_by(CSV_PIECE).map(move |from| {
        let key = e.key_id.to_string();
        let rows = e
            .rows
            .get(from..(from + CSV_PIECE).min(e.rows.len()))
            .unwrap_or(&[]);
        let mut out = String::with_capacity(rows.len() * 90);
        for r in rows {
            out.push_str(&r.id_hash());
            out.push(',');
            out.push_str(&r.reference());
            out.push(',');
            out.push_str(&key);
            out.push('\n');
        }
        Ok::<_, Infallible>(Bytes::from(out))
    });
    Body::from_stream(stream::iter(
        std::iter::once(Ok(Bytes::from(head))).chain(pieces),
    ))
}

#[utoipa::path(get, path = "/api/v1/verification/export", tag = "verification", params(ExportParams),
    responses(
        (status = 200, description = "CSV (`# key_id=N` then `id_hash,ref,key_id`) or an .xlsx workbook with the same columns; `ref` is H{household} or H{household}-M{member}, never an ID number or a name", content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let format = q.format.as_deref().map(str::trim).unwrap_or("csv");
    if format != "csv" && format != "xlsx" && !format.is_empty() {
        return Err(ApiError::Service(ServiceError::Invalid(
            ValidationError::new("format", "format 只能为 csv 或 xlsx"),
        )));
    }
    let e = state
        .services
        .verification_export(&actor, q.union_id)
        .await?;
    if format == "xlsx" {
        if e.rows.len() > 1_048_575 {
            return Err(ApiError::Service(ServiceError::Rule(
                "人数超过一张工作表的上限，请改用 CSV 或按工会分批导出".into(),
            )));
        }
        let key = e.key_id.to_string();
        let rows: Vec<Vec<String>> = e
            .rows
            .iter()
            .map(|r| vec![r.id_hash(), r.reference(), key.clone()])
            .collect();
        let bytes = crate::xlsx::workbook("人员散列", &["id_hash", "ref", "key_id"], &rows)
            .map_err(|m| ApiError::Service(ServiceError::Internal(m)))?;
        return Ok(crate::xlsx::download(
            &format!("核对人员散列-密钥{}.xlsx", e.key_id),
            bytes,
        ));
    }
    let key_id = e.key_id;
    let mut res = (StatusCode::OK, csv(e)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"verification-hashes-key{key_id}.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
