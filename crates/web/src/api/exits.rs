//! API: exits (脱困), reliefs (解困), removals and their approval, relapse and reopening.
//!
//! A decision is proposed with `POST /exits`, then moved through its steps
//! with `POST /exits/{id}/steps` (`review` → `notice` when its kind goes
//! through public notice → `approve` or `reject`; `objection` during the
//! notice). The lists that lead to decisions are `GET /exits/ready`
//! (待脱困), `GET /exits/relief` (可解困) and `GET /exits/relapses` (返困).

use super::households::HouseholdDto;
use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::leaving::{exit_no, ExitId};
use bangfu_service::exits::{
    status_label, Candidate, CandidateQuery, Evaluation, Exit, ExitDetail, ExitInput, ExitPreview,
    ExitQuery, StepRecord, WindowMonth,
};
use bangfu_service::{Actor, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exits", get(list_exits).post(propose_exit))
        .route("/exits/ready", get(ready_list))
        .route("/exits/relief", get(relief_list))
        .route("/exits/relapses", get(relapse_list))
        .route("/exits/preview", get(preview_exit))
        .route("/exits/{id}", get(get_exit))
        .route("/exits/{id}/steps", post(act_on_exit))
        .route("/households/{id}/relapse", post(flag_relapse))
        .route("/households/{id}/reopen", post(reopen_household))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_exits,
        propose_exit,
        get_exit,
        act_on_exit,
        ready_list,
        relief_list,
        relapse_list,
        preview_exit,
        flag_relapse,
        reopen_household
    ),
    components(schemas(
        ExitDto,
        ExitDetailDto,
        StepDto,
        EvaluationDto,
        WindowMonthDto,
        CandidateDto,
        PreviewDto,
        ProposeRequest,
        StepRequest,
        RelapseRequest
    ))
)]
pub struct Doc;

// ---------- shapes ----------

/// A decision: 脱困 (out), 解困 (relief), 退出 (removal) or 撤销 (revoke).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExitDto {
    pub id: i64,
    /// "TC00000012".
    pub number: String,
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    /// First 4 and last 4 characters.
    pub worker_id_number: String,
    /// The household's status now: on_file, exited, relieved, removed.
    pub household_status: String,
    pub union_id: i64,
    pub union_name: String,
    /// out, relief, removal, revoke.
    pub kind: String,
    pub kind_label: String,
    /// Out: employment, entitlements, medical, social_assistance, other.
    pub pathway: Option<String>,
    pub pathway_label: Option<String>,
    /// Removal: recheck, death, moved.
    pub reason: Option<String>,
    pub reason_label: Option<String>,
    pub note: String,
    pub evidence: String,
    /// The household's cohort when proposed (baseline counts for targets).
    pub cohort: String,
    /// proposed, reviewed, notice, approved, rejected.
    pub status: String,
    pub status_label: String,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    /// The day it took effect (approval).
    pub decided_on: Option<String>,
    pub revokes_id: Option<i64>,
    pub revoked_by_id: Option<i64>,
    /// Send back with the next step.
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Exit> for ExitDto {
    fn from(e: &Exit) -> Self {
        Self {
            id: e.id.0,
            number: exit_no(e.id),
            household_id: e.household_id.0,
            file_no: e.file_no.clone(),
            worker_name: e.worker_name.clone(),
            worker_id_number: e.worker_id_number.clone(),
            household_status: e.household_status.code().into(),
            union_id: e.union_id.0,
            union_name: e.union_name.clone(),
            kind: e.kind.code().into(),
            kind_label: e.kind.label().into(),
            pathway: e.pathway.map(|p| p.code().into()),
            pathway_label: e.pathway.map(|p| p.label().into()),
            reason: e.reason.map(|r| r.code().into()),
            reason_label: e.reason.map(|r| r.label().into()),
            note: e.note.clone(),
            evidence: e.evidence.clone(),
            cohort: e.cohort.code().into(),
            status: e.status.code().into(),
            status_label: e.status.label().into(),
            notice_from: e.notice_from.map(|d| d.to_string()),
            notice_until: e.notice_until.map(|d| d.to_string()),
            decided_on: e.decided_on.map(|d| d.to_string()),
            revokes_id: e.revokes_id.map(|r| r.0),
            revoked_by_id: e.revoked_by_id.map(|r| r.0),
            version: e.version,
            created_by: e.created_by,
            created_by_name: e.created_by_name.clone(),
            created_at: api_time(&e.created_at),
            updated_at: api_time(&e.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WindowMonthDto {
    pub month: String,
    /// Household disposable income, fen.
    pub income_fen: i64,
    /// Household rigid expenditure, fen (relief).
    pub rigid_fen: i64,
    /// Out: per-capita income I(m); relief: actual living level A(m). Fen per person, rounded down.
    pub per_capita_fen: i64,
    /// The 低保 line in force that month, fen per person.
    pub line_fen: i64,
    /// Out: I(m) > L; relief: A(m) ≥ L (exact on household totals).
    pub ok: bool,
}

impl From<&WindowMonth> for WindowMonthDto {
    fn from(m: &WindowMonth) -> Self {
        Self {
            month: m.month.clone(),
            income_fen: m.income_fen,
            rigid_fen: m.rigid_fen,
            per_capita_fen: m.per_capita_fen,
            line_fen: m.line_fen,
            ok: m.ok,
        }
    }
}

/// What the system evaluated: on the form before proposing, and stored on
/// the decision as it was when proposed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationDto {
    pub kind: String,
    /// Out: the income standard; relief: the relief standard; removal, revoke: true.
    pub met: bool,
    /// Out: taken into 低保 / 特困供养 after filing (counts by itself, pathway social_assistance).
    pub safety_net_since_filing: bool,
    pub headline: String,
    pub reasons: Vec<String>,
    pub window_months: u32,
    pub window: Vec<WindowMonthDto>,
    pub insufficient_data: bool,
    pub size: u32,
    pub in_safety_net: bool,
    pub under_regular_assistance: bool,
    pub suggested_pathway: Option<String>,
    pub causes_removed: bool,
}

impl From<&Evaluation> for EvaluationDto {
    fn from(e: &Evaluation) -> Self {
        Self {
            kind: e.kind.clone(),
            met: e.met,
            safety_net_since_filing: e.safety_net_since_filing,
            headline: e.headline.clone(),
            reasons: e.reasons.clone(),
            window_months: e.window_months,
            window: e.window.iter().map(WindowMonthDto::from).collect(),
            insufficient_data: e.insufficient_data,
            size: e.size,
            in_safety_net: e.in_safety_net,
            under_regular_assistance: e.under_regular_assistance,
            suggested_pathway: e.suggested_pathway.clone(),
            causes_removed: e.causes_removed,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ExitStepDto)]
pub struct StepDto {
    /// propose, review, notice, objection, approve, reject.
    pub step: String,
    pub step_label: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: String,
    pub note: String,
}

impl From<&StepRecord> for StepDto {
    fn from(s: &StepRecord) -> Self {
        Self {
            step: s.step.code().into(),
            step_label: s.step.label().into(),
            actor_id: s.actor_id,
            actor_name: s.actor_name.clone(),
            at: api_time(&s.at),
            note: s.note.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExitDetailDto {
    pub exit: ExitDto,
    pub evaluation: EvaluationDto,
    pub steps: Vec<StepDto>,
    /// Whether this kind goes through public notice.
    pub notice: bool,
    /// The status as a person reads it (e.g. 已审核，待批准).
    pub status_text: String,
    pub revokes: Option<ExitDto>,
    pub revoked_by: Option<ExitDto>,
    /// What the caller may do now.
    pub can_review: bool,
    pub can_notice: bool,
    pub can_object: bool,
    pub can_approve: bool,
    pub can_reject: bool,
    pub can_revoke: bool,
    /// Why approval is not possible yet, when it is not.
    pub approve_blocked: Option<String>,
}

impl From<&ExitDetail> for ExitDetailDto {
    fn from(d: &ExitDetail) -> Self {
        Self {
            exit: ExitDto::from(&d.exit),
            evaluation: EvaluationDto::from(&d.evaluation),
            steps: d.steps.iter().map(StepDto::from).collect(),
            notice: d.notice,
            status_text: status_label(d.exit.status, d.notice).into(),
            revokes: d.revokes.as_ref().map(ExitDto::from),
            revoked_by: d.revoked_by.as_ref().map(ExitDto::from),
            can_review: d.can_review,
            can_notice: d.can_notice,
            can_object: d.can_object,
            can_approve: d.can_approve,
            can_reject: d.can_reject,
            can_revoke: d.can_revoke,
            approve_blocked: d.approve_blocked.clone(),
        }
    }
}

/// A household in a list that leads to a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateDto {
    pub household: HouseholdDto,
    /// Ready list: the suggested pathway.
    pub pathway: Option<String>,
    pub pathway_label: Option<String>,
    /// In Chinese: the months the standard was met over, or the relapse.
    pub summary: String,
}

impl From<&Candidate> for CandidateDto {
    fn from(c: &Candidate) -> Self {
        Self {
            household: HouseholdDto::from(&c.household),
            pathway: c.pathway.map(|p| p.code().into()),
            pathway_label: c.pathway.map(|p| p.label().into()),
            summary: c.summary.clone(),
        }
    }
}

/// What proposing a decision of `kind` for a household would be judged on.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewDto {
    pub household: HouseholdDto,
    pub kind: String,
    pub evaluation: EvaluationDto,
    /// Out: the pathway to pre-select.
    pub suggested_pathway: Option<String>,
    /// Why it cannot be proposed now; empty when it can.
    pub blockers: Vec<String>,
    pub open: Option<ExitDto>,
    pub revokes: Option<ExitDto>,
    pub may_propose: bool,
}

impl From<&ExitPreview> for PreviewDto {
    fn from(p: &ExitPreview) -> Self {
        Self {
            household: HouseholdDto::from(&p.household),
            kind: p.kind.code().into(),
            evaluation: EvaluationDto::from(&p.evaluation),
            suggested_pathway: p.suggested.map(|s| s.code().into()),
            blockers: p.blockers.clone(),
            open: p.open.as_ref().map(ExitDto::from),
            revokes: p.revokes.as_ref().map(ExitDto::from),
            may_propose: p.may_propose,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRequest {
    pub household_id: i64,
    /// out, relief, removal, revoke.
    pub kind: String,
    /// Out: employment, entitlements, medical, social_assistance, other (required).
    #[serde(default)]
    pub pathway: String,
    /// Removal: recheck, death, moved (required).
    #[serde(default)]
    pub reason: String,
    /// The officer's statement; required for removal and revoke.
    #[serde(default)]
    pub note: String,
    /// What supports it; required for removal.
    #[serde(default)]
    pub evidence: String,
    /// Out: the officer confirms the causes of hardship are removed (must be true).
    #[serde(default)]
    pub causes_removed: bool,
    /// Revoke: the approved decision to revoke.
    pub revokes_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ExitStepRequest)]
pub struct StepRequest {
    /// review, notice, objection, approve, reject.
    pub step: String,
    /// The decision's version as read.
    pub version: i64,
    /// Required for reject (the reason) and objection (its content).
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelapseRequest {
    /// The new sudden event (illness, accident…) that brought the household back into hardship.
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExitListParams {
    /// out, relief, removal, revoke.
    pub kind: Option<String>,
    /// proposed, reviewed, notice, approved, rejected.
    pub status: Option<String>,
    pub pathway: Option<String>,
    /// Only this union's subtree.
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    /// true: only open decisions; false: only approved or rejected ones.
    pub open: Option<bool>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CandidateParams {
    /// Only this union's subtree.
    pub union_id: Option<i64>,
    /// Ready list: the suggested pathway.
    pub pathway: Option<String>,
    pub page: Option<i64>,
    /// Default 20, at most 200.
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    pub household_id: i64,
    /// out, relief, removal, revoke.
    pub kind: String,
    /// Revoke: the decision to revoke.
    pub revokes_id: Option<i64>,
}

// ---------- handlers ----------

#[utoipa::path(get, path = "/api/v1/exits", tag = "exits", params(ExitListParams),
    responses((status = 200, body = PageDto<ExitDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_exits(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ExitListParams>,
) -> ApiResult<Json<PageDto<ExitDto>>> {
    let page = state
        .services
        .exit_list(
            &actor,
            ExitQuery {
                kind: q.kind,
                status: q.status,
                pathway: q.pathway,
                union_id: q.union_id,
                household_id: q.household_id,
                open: q.open,
            },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |e| ExitDto::from(e))))
}

#[utoipa::path(post, path = "/api/v1/exits", tag = "exits", request_body = ProposeRequest,
    responses((status = 201, body = ExitDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn propose_exit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ProposeRequest>,
) -> ApiResult<(StatusCode, Json<ExitDto>)> {
    let e = state
        .services
        .exit_propose(
            &actor,
            HouseholdId(req.household_id),
            ExitInput {
                kind: req.kind,
                pathway: req.pathway,
                reason: req.reason,
                note: req.note,
                evidence: req.evidence,
                causes_removed: req.causes_removed,
                revokes_id: req.revokes_id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ExitDto::from(&e))))
}

#[utoipa::path(get, path = "/api/v1/exits/{id}", tag = "exits", params(("id" = i64, Path)),
    responses((status = 200, body = ExitDetailDto), (status = 404, body = ErrorBody)))]
async fn get_exit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ExitDetailDto>> {
    let d = state.services.exit_get(&actor, ExitId(id)).await?;
    Ok(Json(ExitDetailDto::from(&d)))
}

#[utoipa::path(post, path = "/api/v1/exits/{id}/steps", tag = "exits", params(("id" = i64, Path)),
    request_body = StepRequest,
    responses((status = 200, body = ExitDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn act_on_exit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StepRequest>,
) -> ApiResult<Json<ExitDto>> {
    let e = state
        .services
        .exit_act(&actor, ExitId(id), req.version, &req.step, &req.note)
        .await?;
    Ok(Json(ExitDto::from(&e)))
}

/// The monthly run's three candidate lists take the same filter and answer the same page,
/// so one function reads any of them.
#[derive(Clone, Copy)]
enum CandidateList {
    Ready,
    Relief,
    Relapse,
}

async fn candidate_page(
    state: &AppState,
    actor: &Actor,
    list: CandidateList,
    q: &CandidateParams,
) -> ApiResult<Json<PageDto<CandidateDto>>> {
    let services = &state.services;
    let query = CandidateQuery {
        union_id: q.union_id,
        pathway: q.pathway.clone(),
    };
    let request = PageRequest::new(q.page, q.per_page);
    let page = match list {
        CandidateList::Ready => services.exit_ready_list(actor, query, request).await?,
        CandidateList::Relief => services.relief_list(actor, query, request).await?,
        CandidateList::Relapse => services.relapse_list(actor, query, request).await?,
    };
    Ok(Json(PageDto::from_page(&page, |c| CandidateDto::from(c))))
}

#[utoipa::path(get, operation_id = "list_ready", path = "/api/v1/exits/ready", tag = "exits", params(CandidateParams),
    responses((status = 200, body = PageDto<CandidateDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn ready_list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CandidateParams>,
) -> ApiResult<Json<PageDto<CandidateDto>>> {
    candidate_page(&state, &actor, CandidateList::Ready, &q).await
}

#[utoipa::path(get, operation_id = "list_relief_ready", path = "/api/v1/exits/relief", tag = "exits", params(CandidateParams),
    responses((status = 200, body = PageDto<CandidateDto>), (status = 403, body = ErrorBody)))]
async fn relief_list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CandidateParams>,
) -> ApiResult<Json<PageDto<CandidateDto>>> {
    candidate_page(&state, &actor, CandidateList::Relief, &q).await
}

#[utoipa::path(get, operation_id = "list_relapsed", path = "/api/v1/exits/relapses", tag = "exits", params(CandidateParams),
    responses((status = 200, body = PageDto<CandidateDto>), (status = 403, body = ErrorBody)))]
async fn relapse_list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CandidateParams>,
) -> ApiResult<Json<PageDto<CandidateDto>>> {
    candidate_page(&state, &actor, CandidateList::Relapse, &q).await
}

#[utoipa::path(get, path = "/api/v1/exits/preview", tag = "exits", params(PreviewParams),
    responses((status = 200, body = PreviewDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn preview_exit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PreviewParams>,
) -> ApiResult<Json<PreviewDto>> {
    let p = state
        .services
        .exit_preview(&actor, HouseholdId(q.household_id), &q.kind, q.revokes_id)
        .await?;
    Ok(Json(PreviewDto::from(&p)))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/relapse", tag = "exits", params(("id" = i64, Path)),
    request_body = RelapseRequest,
    responses((status = 200, body = HouseholdDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn flag_relapse(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RelapseRequest>,
) -> ApiResult<Json<HouseholdDto>> {
    let h = state
        .services
        .household_flag_relapse(&actor, HouseholdId(id), &req.reason)
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
}

/// Reopens a relapsed household as a new incremental-pool file; answers the new file.
#[utoipa::path(post, path = "/api/v1/households/{id}/reopen", tag = "exits", params(("id" = i64, Path)),
    responses((status = 201, body = HouseholdDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reopen_household(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<HouseholdDto>)> {
    let h = state
        .services
        .household_reopen(&actor, HouseholdId(id))
        .await?;
    Ok((StatusCode::CREATED, Json(HouseholdDto::from(&h))))
}
