//! API: the fund audit — run the checks, list, read and resolve findings —
//! and the assistance standards the over-standard check reads.

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::assistance::{Check, FindingId, FindingStatus};
use bangfu_domain::Fen;
use bangfu_service::fund_audit::{
    Finding, FindingQuery, Resolution, RunSummary, Standard, StandardInput,
};
use bangfu_service::{PageRequest, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fund-audit/run", post(run_audit))
        .route("/fund-audit/findings", get(list_findings))
        .route("/fund-audit/findings/{id}", get(get_finding))
        .route("/fund-audit/findings/{id}/resolve", post(resolve_finding))
        .route("/standards", get(list_standards).put(set_standard))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        run_audit,
        list_findings,
        get_finding,
        resolve_finding,
        list_standards,
        set_standard
    ),
    components(schemas(
        RunDto,
        CheckCountDto,
        FindingDto,
        ResolveRequest,
        StandardDto,
        StandardRequest
    ))
)]
pub struct Doc;

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckCountDto {
    /// not_on_file, duplicate, over_standard, no_measure, not_passed_on
    pub check: String,
    pub check_label: String,
    /// What the check matched in the caller's scope (new or already recorded).
    pub found: usize,
    /// Recorded for the first time by this run.
    pub added: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditRunDto)]
pub struct RunDto {
    pub checks: Vec<CheckCountDto>,
    pub found: usize,
    pub added: usize,
    /// How long the run took.
    pub millis: u64,
}

impl From<&RunSummary> for RunDto {
    fn from(s: &RunSummary) -> Self {
        Self {
            checks: s
                .checks
                .iter()
                .map(|k| CheckCountDto {
                    check: k.check.code().into(),
                    check_label: k.check.label().into(),
                    found: k.found,
                    added: k.added,
                })
                .collect(),
            found: s.found,
            added: s.added,
            millis: u64::try_from(s.millis).unwrap_or(u64::MAX),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    pub id: i64,
    pub check: String,
    pub check_label: String,
    /// What the finding is about, unique per check: `a:<assistance id>`,
    /// `a:<first id>:<second id>` (duplicates) or `t:<transfer id>` (allocations).
    pub subject: String,
    pub household_id: Option<i64>,
    pub worker_name: Option<String>,
    pub file_no: Option<String>,
    pub assistance_id: Option<i64>,
    pub transfer_id: Option<i64>,
    /// Fen.
    pub amount: Option<i64>,
    /// The records, dates, amounts (fen) and the standard the check saw.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub found_at: String,
    /// open, explained or reversed
    pub status: String,
    pub status_label: String,
    /// How it was resolved: `note`, and the linked `assistance_id` / `transfer_id`.
    #[schema(value_type = Option<Object>)]
    pub resolution: Option<serde_json::Value>,
    pub resolved_by: Option<i64>,
    pub resolved_by_name: Option<String>,
    pub resolved_at: Option<String>,
}

impl From<&Finding> for FindingDto {
    fn from(f: &Finding) -> Self {
        Self {
            id: f.id.0,
            check: f.check.code().into(),
            check_label: f.check.label().into(),
            subject: f.subject.clone(),
            household_id: f.household_id,
            worker_name: f.worker_name.clone(),
            file_no: f.file_no.clone(),
            assistance_id: f.assistance_id,
            transfer_id: f.transfer_id,
            amount: f.amount.map(|a| a.0),
            evidence: serde_json::from_str(&f.evidence).unwrap_or_default(),
            found_at: api_time(&f.found_at),
            status: f.status.code().into(),
            status_label: f.status.label().into(),
            resolution: f
                .resolution
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok()),
            resolved_by: f.resolved_by,
            resolved_by_name: f.resolved_by_name.clone(),
            resolved_at: f.resolved_at.as_ref().map(api_time),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct FindingParams {
    /// not_on_file, duplicate, over_standard, no_measure, not_passed_on
    pub check: Option<String>,
    /// open, explained, reversed
    pub status: Option<String>,
    /// Only the findings of this union's subtree.
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

impl FindingParams {
    pub fn query(&self) -> Result<FindingQuery, ServiceError> {
        let nonempty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(FindingQuery {
            check: nonempty(&self.check)
                .map(|s| Check::parse(&s))
                .transpose()?,
            status: nonempty(&self.status)
                .map(|s| FindingStatus::parse(&s))
                .transpose()?,
            union_id: self.union_id,
            household_id: self.household_id,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// explained (a written explanation) or reversed (the payment or allocation was reversed).
    pub status: String,
    /// The explanation; required when explained.
    #[serde(default)]
    pub note: String,
    /// The assistance record that was reversed (status reversed), if any.
    pub assistance_id: Option<i64>,
    /// The reversal transfer, if any.
    pub transfer_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StandardDto {
    /// A code of the assistance_kind catalogue.
    pub kind: String,
    /// GB/T 2260 code; 000000 is the whole country (the default).
    pub division_code: String,
    pub division_name: String,
    /// Fen: the most cash one act of this kind may give there.
    pub max_cash: i64,
    pub updated_by: Option<i64>,
    pub updated_by_name: Option<String>,
    pub updated_at: String,
}

impl From<&Standard> for StandardDto {
    fn from(s: &Standard) -> Self {
        let code = if s.division_code.is_empty() {
            "000000".to_owned()
        } else {
            s.division_code.clone()
        };
        Self {
            division_name: crate::view::division_name(&code),
            kind: s.kind.clone(),
            division_code: code,
            max_cash: s.max_cash.0,
            updated_by: s.updated_by,
            updated_by_name: s.updated_by_name.clone(),
            updated_at: api_time(&s.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardRequest {
    pub kind: String,
    /// GB/T 2260 code; empty or 000000 for the whole country.
    #[serde(default)]
    pub division_code: String,
    /// Fen; null removes the standard.
    pub max_cash: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/fund-audit/run", tag = "fund-audit",
    responses((status = 200, body = RunDto), (status = 403, body = ErrorBody)))]
async fn run_audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<RunDto>> {
    let s = state.services.fund_audit_run(&actor).await?;
    Ok(Json(RunDto::from(&s)))
}

#[utoipa::path(get, path = "/api/v1/fund-audit/findings", tag = "fund-audit", params(FindingParams),
    responses((status = 200, body = PageDto<FindingDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_findings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<FindingParams>,
) -> ApiResult<Json<PageDto<FindingDto>>> {
    let page = state
        .services
        .fund_audit_findings(&actor, q.query()?, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |f| FindingDto::from(f))))
}

#[utoipa::path(get, path = "/api/v1/fund-audit/findings/{id}", tag = "fund-audit", params(("id" = i64, Path)),
    responses((status = 200, body = FindingDto), (status = 404, body = ErrorBody)))]
async fn get_finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<FindingDto>> {
    let f = state
        .services
        .fund_audit_finding(&actor, FindingId(id))
        .await?;
    Ok(Json(FindingDto::from(&f)))
}

#[utoipa::path(post, path = "/api/v1/fund-audit/findings/{id}/resolve", tag = "fund-audit", params(("id" = i64, Path)),
    request_body = ResolveRequest,
    responses((status = 200, body = FindingDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn resolve_finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> ApiResult<Json<FindingDto>> {
    let f = state
        .services
        .fund_audit_resolve(
            &actor,
            FindingId(id),
            Resolution {
                status: req.status,
                note: req.note,
                assistance_id: req.assistance_id,
                transfer_id: req.transfer_id,
            },
        )
        .await?;
    Ok(Json(FindingDto::from(&f)))
}

#[utoipa::path(get, path = "/api/v1/standards", tag = "fund-audit",
    responses((status = 200, body = Vec<StandardDto>), (status = 403, body = ErrorBody)))]
async fn list_standards(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<StandardDto>>> {
    let list = state.services.standards(&actor).await?;
    Ok(Json(list.iter().map(StandardDto::from).collect()))
}

#[utoipa::path(put, path = "/api/v1/standards", tag = "fund-audit", request_body = StandardRequest,
    responses((status = 200, body = Vec<StandardDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn set_standard(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<StandardRequest>,
) -> ApiResult<Json<Vec<StandardDto>>> {
    let list = state
        .services
        .standard_set(
            &actor,
            StandardInput {
                kind: req.kind,
                division_code: req.division_code,
                max_cash: req.max_cash.map(Fen),
            },
        )
        .await?;
    Ok(Json(list.iter().map(StandardDto::from).collect()))
}
