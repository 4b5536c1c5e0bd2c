//! The lines (低收入标准) and identification parameters per region.

use super::*;
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::{api_time, division_name};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use bangfu_domain::identification::Params;
use bangfu_domain::{Fen, ValidationError};
use bangfu_service::LineInput;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineDto {
    pub division_code: String,
    /// YYYY-MM: in force from this month until the next line of the region.
    pub effective_month: String,
    /// 低保标准, fen per person per month.
    pub dibao_line_fen: i64,
    /// 低收入家庭标准; absent: 1.5 × 低保.
    #[serde(default)]
    pub low_income_line_fen: Option<i64>,
    #[serde(default)]
    #[schema(read_only)]
    pub division_name: String,
    #[serde(default)]
    #[schema(read_only)]
    pub updated_at: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/lines", tag = "lines",
    responses((status = 200, body = Vec<LineDto>)))]
pub async fn list_lines(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<LineDto>>> {
    let lines = state.services.lines_list(&actor).await?;
    Ok(Json(
        lines
            .iter()
            .map(|s| LineDto {
                division_name: division_name(&s.line.division_code),
                division_code: s.line.division_code.clone(),
                effective_month: s.line.effective.to_string(),
                dibao_line_fen: s.line.dibao_line.0,
                low_income_line_fen: s.line.low_income_line.map(|f| f.0),
                updated_at: Some(api_time(&s.updated_at)),
            })
            .collect(),
    ))
}

#[utoipa::path(put, path = "/api/v1/lines", tag = "lines", request_body = LineDto,
    responses((status = 200, body = LineDto), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_line(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<LineDto>,
) -> ApiResult<Json<LineDto>> {
    let line = state
        .services
        .line_set(
            &actor,
            LineInput {
                division_code: req.division_code,
                effective_month: req.effective_month,
                dibao_line: Fen(req.dibao_line_fen),
                low_income_line: req.low_income_line_fen.map(Fen),
            },
        )
        .await?;
    Ok(Json(LineDto {
        division_name: division_name(&line.division_code),
        division_code: line.division_code,
        effective_month: line.effective.to_string(),
        dibao_line_fen: line.dibao_line.0,
        low_income_line_fen: line.low_income_line.map(|f| f.0),
        updated_at: None,
    }))
}

#[utoipa::path(delete, path = "/api/v1/lines/{division_code}/{month}", tag = "lines",
    params(("division_code" = String, Path), ("month" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_line(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((code, month)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    state.services.line_delete(&actor, &code, &month).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamsDto {
    pub division_code: String,
    /// N: consecutive months the rule looks at (default 6).
    pub window_months: u32,
    /// K: condition 4's multiple of the 低保 line (default 5).
    pub multiple_k: u32,
    /// Files made on or before this date are the baseline cohort (default 2016-10-31).
    pub baseline_cutoff: String,
    /// Where the values come from: this region, an ancestor, or null for the defaults.
    #[serde(default)]
    #[schema(read_only)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParamsQuery {
    /// The region (the caller's union's when absent).
    pub division_code: Option<String>,
}

pub(crate) fn params_dto(v: bangfu_service::ParamsView) -> ParamsDto {
    ParamsDto {
        division_code: v.division_code,
        window_months: v.params.params.window_months,
        multiple_k: v.params.params.multiple_k,
        baseline_cutoff: v.params.baseline_cutoff.to_string(),
        source: v.source,
    }
}

#[utoipa::path(get, path = "/api/v1/params", tag = "lines", params(ParamsQuery),
    responses((status = 200, body = ParamsDto)))]
pub async fn get_params(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ParamsQuery>,
) -> ApiResult<Json<ParamsDto>> {
    let v = state.services.params_get(&actor, q.division_code).await?;
    Ok(Json(params_dto(v)))
}

#[utoipa::path(put, path = "/api/v1/params", tag = "lines", request_body = ParamsDto,
    responses((status = 200, body = ParamsDto), (status = 400, body = ErrorBody)))]
pub async fn set_params(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ParamsDto>,
) -> ApiResult<Json<ParamsDto>> {
    let cutoff = chrono::NaiveDate::parse_from_str(req.baseline_cutoff.trim(), "%Y-%m-%d")
        .map_err(|_| {
            invalid(ValidationError::new(
                "baseline_cutoff",
                "日期应为 YYYY-MM-DD",
            ))
        })?;
    let v = state
        .services
        .params_set(
            &actor,
            &req.division_code,
            Params {
                window_months: req.window_months,
                multiple_k: req.multiple_k,
            },
            cutoff,
        )
        .await?;
    Ok(Json(params_dto(v)))
}
