//! Assistance records, regular subsidies and referrals. Amounts are whole
//! fen (integers); dates `YYYY-MM-DD`, months `YYYY-MM`.

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::assistance::{AssistanceId, ReferralId, SubsidyId, SubsidyStatus};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Fen, ValidationError};
use bangfu_service::assistance::{
    Assistance, AssistanceInput, AssistanceQuery, HouseholdAssistance, Totals,
};
use bangfu_service::referrals::{Referral, ReferralInput, ReferralQuery};
use bangfu_service::subsidies::{Payment, Subsidy, SubsidyFilter, SubsidyInput};
use bangfu_service::{PageRequest, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/households/{id}/assistance",
            get(household_assistance).post(record_assistance),
        )
        .route("/assistance", get(list_assistance))
        .route("/assistance/{id}", get(get_assistance))
        .route("/assistance/{id}/approve", post(approve_assistance))
        .route("/assistance/{id}/refuse", post(refuse_assistance))
        .route("/assistance/{id}/reverse", post(reverse_assistance))
        .route("/subsidies", get(list_subsidies).post(create_subsidy))
        .route("/subsidies/{id}/stop", post(stop_subsidy))
        .route("/subsidies/generate", post(generate_payments))
        .route("/subsidies/due", get(due_payments))
        .route("/subsidies/pay", post(pay_batch))
        .route("/referrals", get(list_referrals).post(send_referral))
        .route("/referrals/{id}", get(get_referral))
        .route("/referrals/{id}/answer", post(answer_referral))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        household_assistance,
        record_assistance,
        list_assistance,
        get_assistance,
        approve_assistance,
        refuse_assistance,
        reverse_assistance,
        list_subsidies,
        create_subsidy,
        stop_subsidy,
        generate_payments,
        due_payments,
        pay_batch,
        list_referrals,
        send_referral,
        get_referral,
        answer_referral
    ),
    components(schemas(
        AssistanceRequest,
        AssistanceDto,
        TotalsDto,
        KindTotalsDto,
        HouseholdAssistanceDto,
        ReasonRequest,
        SubsidyRequest,
        SubsidyDto,
        StopRequest,
        GenerateRequest,
        GeneratedDto,
        PaymentDto,
        DueDto,
        PayRequest,
        PaidDto,
        ReferralRequest,
        ReferralDto,
        AnswerRequest
    ))
)]
pub struct Doc;

// ---------------------------------------------------------------- assistance

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistanceRequest {
    /// The giving (paying) union: the household's union or an ancestor;
    /// the caller's own when absent.
    pub union_id: Option<i64>,
    /// A code of the `assistance_kind` catalogue: living, medical, education,
    /// legal, training, job, warmth, policy, …
    pub kind: String,
    /// YYYY-MM-DD, not in the future; today when absent.
    #[serde(default)]
    pub given_on: Option<String>,
    /// Cash in fen (≥ 0). Above the approval threshold the record waits for a reviewer.
    #[serde(default)]
    pub cash: i64,
    /// What goods were given.
    #[serde(default)]
    pub goods: String,
    /// The goods' value in fen (≥ 0).
    #[serde(default)]
    pub goods_value: i64,
    /// Persons benefited (≥ 1).
    #[serde(default = "one")]
    pub persons: i32,
    /// A measure of this household's plan.
    pub measure_id: Option<i64>,
    /// The fund source the cash is paid from (union, returned, finance,
    /// donation); required when cash > 0.
    #[serde(default)]
    pub source: Option<String>,
    /// Education aid: the student's school.
    #[serde(default)]
    pub school: Option<String>,
    /// Education aid: primary, junior, senior, vocational, college, undergraduate, graduate.
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub note: String,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssistanceDto {
    pub id: i64,
    pub household_id: i64,
    pub worker_name: String,
    pub file_no: String,
    /// The giving union.
    pub union_id: i64,
    pub union_name: String,
    pub kind: String,
    pub given_on: String,
    pub cash: i64,
    pub goods: String,
    pub goods_value: i64,
    pub persons: i32,
    pub measure_id: Option<i64>,
    pub source: Option<String>,
    pub school: Option<String>,
    pub stage: Option<String>,
    pub note: String,
    /// given, pending, refused, reversed
    pub status: String,
    pub status_label: String,
    /// The ledger transfer that paid the cash.
    pub transfer_id: Option<i64>,
    pub given_by: Option<i64>,
    pub given_by_name: String,
    pub approved_by: Option<i64>,
    pub subsidy_id: Option<i64>,
    pub referral_id: Option<i64>,
    pub created_at: String,
}

impl From<&Assistance> for AssistanceDto {
    fn from(a: &Assistance) -> Self {
        Self {
            id: a.id.0,
            household_id: a.household_id.0,
            worker_name: a.worker_name.clone(),
            file_no: a.file_no.clone(),
            union_id: a.union_id.0,
            union_name: a.union_name.clone(),
            kind: a.kind.clone(),
            given_on: a.given_on.to_string(),
            cash: a.cash.0,
            goods: a.goods.clone(),
            goods_value: a.goods_value.0,
            persons: a.persons,
            measure_id: a.measure_id.map(|m| m.0),
            source: a.source.map(|s| s.code().to_owned()),
            school: a.school.clone(),
            stage: a.stage.map(|s| s.code().to_owned()),
            note: a.note.clone(),
            status: a.status.code().into(),
            status_label: a.status.label().into(),
            transfer_id: a.transfer_id.map(|t| t.0),
            given_by: a.given_by,
            given_by_name: a.given_by_name.clone(),
            approved_by: a.approved_by,
            subsidy_id: a.subsidy_id.map(|s| s.0),
            referral_id: a.referral_id.map(|r| r.0),
            created_at: api_time(&a.created_at),
        }
    }
}

/// Totals of the records that count (status given).
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsDto {
    /// Fen.
    pub cash: i64,
    /// Fen.
    pub goods_value: i64,
    /// 户次: how many acts of assistance.
    pub household_times: i64,
    /// 人次: persons benefited, summed.
    pub person_times: i64,
}

impl From<&Totals> for TotalsDto {
    fn from(t: &Totals) -> Self {
        Self {
            cash: t.cash.0,
            goods_value: t.goods_value.0,
            household_times: t.household_times,
            person_times: t.person_times,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindTotalsDto {
    pub kind: String,
    pub label: String,
    pub totals: TotalsDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdAssistanceDto {
    pub household_id: i64,
    pub totals: TotalsDto,
    pub by_kind: Vec<KindTotalsDto>,
    /// Newest first, every status.
    pub records: Vec<AssistanceDto>,
}

impl From<&HouseholdAssistance> for HouseholdAssistanceDto {
    fn from(h: &HouseholdAssistance) -> Self {
        Self {
            household_id: h.household.id.0,
            totals: TotalsDto::from(&h.totals),
            by_kind: h
                .by_kind
                .iter()
                .map(|k| KindTotalsDto {
                    kind: k.kind.clone(),
                    label: k.label.clone(),
                    totals: TotalsDto::from(&k.totals),
                })
                .collect(),
            records: h.records.iter().map(AssistanceDto::from).collect(),
        }
    }
}

#[utoipa::path(get, operation_id = "list_household_assistance", path = "/api/v1/households/{id}/assistance", tag = "assistance", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdAssistanceDto), (status = 404, body = ErrorBody)))]
pub async fn household_assistance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HouseholdAssistanceDto>> {
    let h = state
        .services
        .assistance_of_household(&actor, HouseholdId(id))
        .await?;
    Ok(Json(HouseholdAssistanceDto::from(&h)))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/assistance", tag = "assistance", params(("id" = i64, Path)),
    request_body = AssistanceRequest,
    responses((status = 201, body = AssistanceDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn record_assistance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AssistanceRequest>,
) -> ApiResult<(StatusCode, Json<AssistanceDto>)> {
    let input = AssistanceInput {
        union_id: req.union_id,
        kind: req.kind,
        given_on: req.given_on.unwrap_or_default(),
        cash: Fen(req.cash),
        goods: req.goods,
        goods_value: Fen(req.goods_value),
        persons: req.persons,
        measure_id: req.measure_id,
        source: req.source.unwrap_or_default(),
        school: req.school.unwrap_or_default(),
        stage: req.stage.unwrap_or_default(),
        note: req.note,
    };
    let a = state
        .services
        .assistance_record(&actor, HouseholdId(id), input)
        .await?;
    Ok((StatusCode::CREATED, Json(AssistanceDto::from(&a))))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AssistanceListQuery {
    /// Records of households in this union's subtree.
    pub union_id: Option<i64>,
    pub kind: Option<String>,
    /// given, pending, refused, reversed
    pub status: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub until: Option<String>,
    /// Part of the worker's name.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/assistance", tag = "assistance", params(AssistanceListQuery),
    responses((status = 200, body = PageDto<AssistanceDto>), (status = 400, body = ErrorBody)))]
pub async fn list_assistance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AssistanceListQuery>,
) -> ApiResult<Json<PageDto<AssistanceDto>>> {
    let page = state
        .services
        .assistance_list(
            &actor,
            AssistanceQuery {
                union_id: q.union_id,
                kind: q.kind,
                status: q.status,
                from: q.from,
                until: q.until,
                q: q.q,
            },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |a| AssistanceDto::from(a))))
}

#[utoipa::path(get, path = "/api/v1/assistance/{id}", tag = "assistance", params(("id" = i64, Path)),
    responses((status = 200, body = AssistanceDto), (status = 404, body = ErrorBody)))]
pub async fn get_assistance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AssistanceDto>> {
    let a = state
        .services
        .assistance_get(&actor, AssistanceId(id))
        .await?;
    Ok(Json(AssistanceDto::from(&a)))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ApproveQuery {
    /// `true` approves cash that serves no approved measure (no measure, its
    /// plan not approved, or approved after the day given): without it such
    /// an approval answers 409 naming the reason, and nothing is paid.
    pub confirm: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/assistance/{id}/approve", tag = "assistance", params(("id" = i64, Path), ApproveQuery),
    responses((status = 200, body = AssistanceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The cash serves no approved measure (field `confirm`): approve again with `?confirm=true`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn approve_assistance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ApproveQuery>,
) -> ApiResult<Json<AssistanceDto>> {
    let a = state
        .services
        .assistance_approve(&actor, AssistanceId(id), q.confirm.unwrap_or(false))
        .await?;
    Ok(Json(AssistanceDto::from(&a)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonRequest {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/assistance/{id}/refuse", tag = "assistance", params(("id" = i64, Path)),
    request_body = ReasonRequest,
    responses((status = 200, body = AssistanceDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse_assistance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Json<AssistanceDto>> {
    let a = state
        .services
        .assistance_refuse(&actor, AssistanceId(id), &req.reason)
        .await?;
    Ok(Json(AssistanceDto::from(&a)))
}

#[utoipa::path(post, path = "/api/v1/assistance/{id}/reverse", tag = "assistance", params(("id" = i64, Path)),
    request_body = ReasonRequest,
    responses((status = 200, body = AssistanceDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reverse_assistance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Json<AssistanceDto>> {
    let a = state
        .services
        .assistance_reverse(&actor, AssistanceId(id), &req.reason)
        .await?;
    Ok(Json(AssistanceDto::from(&a)))
}

// ---------------------------------------------------------------- subsidies

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubsidyRequest {
    pub household_id: i64,
    /// The paying union; the caller's own when absent.
    pub union_id: Option<i64>,
    /// Fen per period (> 0).
    pub amount: i64,
    /// monthly or quarterly
    pub period: String,
    /// YYYY-MM
    pub start_month: String,
    /// YYYY-MM, optional.
    #[serde(default)]
    pub end_month: Option<String>,
    /// union, returned, finance, donation
    pub source: String,
    pub measure_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubsidyDto {
    pub id: i64,
    pub household_id: i64,
    pub worker_name: String,
    pub file_no: String,
    pub union_id: i64,
    pub union_name: String,
    pub amount: i64,
    pub period: String,
    pub start_month: String,
    pub end_month: Option<String>,
    pub source: String,
    pub measure_id: Option<i64>,
    /// active or stopped
    pub status: String,
    pub stopped_on: Option<String>,
    pub stop_reason: Option<String>,
    pub created_at: String,
}

impl From<&Subsidy> for SubsidyDto {
    fn from(s: &Subsidy) -> Self {
        Self {
            id: s.id.0,
            household_id: s.household_id.0,
            worker_name: s.worker_name.clone(),
            file_no: s.file_no.clone(),
            union_id: s.union_id.0,
            union_name: s.union_name.clone(),
            amount: s.amount.0,
            period: s.period.code().into(),
            start_month: s.start_month.to_string(),
            end_month: s.end_month.map(|m| m.to_string()),
            source: s.source.code().into(),
            measure_id: s.measure_id.map(|m| m.0),
            status: s.status.code().into(),
            stopped_on: s.stopped_on.map(|d| d.to_string()),
            stop_reason: s.stop_reason.clone(),
            created_at: api_time(&s.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SubsidyQuery {
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    /// active or stopped
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/subsidies", tag = "subsidies", params(SubsidyQuery),
    responses((status = 200, body = PageDto<SubsidyDto>)))]
pub async fn list_subsidies(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<SubsidyQuery>,
) -> ApiResult<Json<PageDto<SubsidyDto>>> {
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(SubsidyStatus::parse)
        .transpose()
        .map_err(|e| ApiError::Service(e.into()))?;
    let page = state
        .services
        .subsidy_list(
            &actor,
            q.union_id,
            SubsidyFilter {
                union_path: None,
                household_id: q.household_id.map(HouseholdId),
                status,
            },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |s| SubsidyDto::from(s))))
}

#[utoipa::path(post, path = "/api/v1/subsidies", tag = "subsidies", request_body = SubsidyRequest,
    responses((status = 201, body = SubsidyDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_subsidy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<SubsidyRequest>,
) -> ApiResult<(StatusCode, Json<SubsidyDto>)> {
    let s = state
        .services
        .subsidy_create(
            &actor,
            SubsidyInput {
                household_id: req.household_id,
                union_id: req.union_id,
                amount: Fen(req.amount),
                period: req.period,
                start_month: req.start_month,
                end_month: req.end_month.unwrap_or_default(),
                source: req.source,
                measure_id: req.measure_id,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(SubsidyDto::from(&s))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StopRequest {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/subsidies/{id}/stop", tag = "subsidies", params(("id" = i64, Path)),
    request_body = StopRequest,
    responses((status = 200, body = SubsidyDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stop_subsidy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StopRequest>,
) -> ApiResult<Json<SubsidyDto>> {
    let s = state
        .services
        .subsidy_stop(&actor, SubsidyId(id), &req.reason)
        .await?;
    Ok(Json(SubsidyDto::from(&s)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GenerateRequest {
    /// The union whose subtree's subsidies are generated; the caller's own when absent.
    pub union_id: Option<i64>,
    /// YYYY-MM: periods begun by this month (not in the future).
    pub upto: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GeneratedDto {
    /// New due payments (existing ones are not added twice).
    pub created: usize,
    /// Due payments cancelled because the household is no longer on file.
    pub cancelled: usize,
}

#[utoipa::path(post, path = "/api/v1/subsidies/generate", tag = "subsidies", request_body = GenerateRequest,
    responses((status = 200, body = GeneratedDto), (status = 400, body = ErrorBody)))]
pub async fn generate_payments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<GenerateRequest>,
) -> ApiResult<Json<GeneratedDto>> {
    let g = state
        .services
        .subsidy_generate(&actor, req.union_id, &req.upto)
        .await?;
    Ok(Json(GeneratedDto {
        created: g.created,
        cancelled: g.cancelled,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    pub id: i64,
    pub subsidy_id: i64,
    pub household_id: i64,
    pub worker_name: String,
    pub file_no: String,
    /// The paying union.
    pub union_id: i64,
    pub union_name: String,
    pub source: String,
    /// YYYY-MM: the period's first month.
    pub period: String,
    pub amount: i64,
    /// due, paid, cancelled
    pub status: String,
    pub assistance_id: Option<i64>,
}

impl From<&Payment> for PaymentDto {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id.0,
            subsidy_id: p.subsidy_id.0,
            household_id: p.household_id.0,
            worker_name: p.worker_name.clone(),
            file_no: p.file_no.clone(),
            union_id: p.union_id.0,
            union_name: p.union_name.clone(),
            source: p.source.code().into(),
            period: p.period.to_string(),
            amount: p.amount.0,
            status: p.status.code().into(),
            assistance_id: p.assistance_id.map(|a| a.0),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueDto {
    pub items: Vec<PaymentDto>,
    /// How many payments are due.
    pub total: i64,
    /// Their total amount in fen.
    pub amount: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    pub union_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, operation_id = "list_due_payments", path = "/api/v1/subsidies/due", tag = "subsidies", params(DueQuery),
    responses((status = 200, body = DueDto)))]
pub async fn due_payments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<DueDto>> {
    let page = PageRequest::new(q.page, q.per_page);
    let d = state.services.subsidy_due(&actor, q.union_id, page).await?;
    Ok(Json(DueDto {
        items: d.items.iter().map(PaymentDto::from).collect(),
        total: d.total,
        amount: d.amount.0,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The due payments to pay; or send `all: true`.
    #[serde(default)]
    pub payment_ids: Option<Vec<i64>>,
    /// Pay every due payment of the union's subtree.
    #[serde(default)]
    pub all: bool,
    /// With `all`: the union (the caller's own when absent).
    pub union_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaidDto {
    pub paid: usize,
    /// Fen.
    pub amount: i64,
    /// Payments of households no longer on file, cancelled instead of paid.
    pub cancelled: usize,
    /// The assistance records written.
    pub assistance_ids: Vec<i64>,
}

#[utoipa::path(post, path = "/api/v1/subsidies/pay", tag = "subsidies", request_body = PayRequest,
    responses((status = 200, body = PaidDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn pay_batch(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<PayRequest>,
) -> ApiResult<Json<PaidDto>> {
    let ids = match (req.payment_ids, req.all) {
        (Some(ids), false) => Some(ids),
        (None, true) => None,
        _ => {
            return Err(ApiError::Service(ServiceError::Invalid(
                ValidationError::new(
                    "payment_ids",
                    "请给出 payment_ids，或以 all: true 发放全部待发放补助（二者选一）",
                ),
            )))
        }
    };
    let union_id = if ids.is_none() {
        Some(req.union_id.unwrap_or(actor.user.union_id.0))
    } else {
        req.union_id
    };
    let p = state.services.subsidy_pay(&actor, union_id, ids).await?;
    Ok(Json(PaidDto {
        paid: p.paid,
        amount: p.amount.0,
        cancelled: p.cancelled,
        assistance_ids: p.assistance_ids,
    }))
}

// ---------------------------------------------------------------- referrals

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    pub household_id: i64,
    /// A code of the `department` catalogue: civil_affairs, hrss, education, health, …
    pub department: String,
    pub need: String,
    /// The policy sought.
    pub policy: String,
    /// YYYY-MM-DD, not in the past.
    pub deadline: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralDto {
    pub id: i64,
    pub household_id: i64,
    pub worker_name: String,
    pub file_no: String,
    /// The sending union.
    pub union_id: i64,
    pub union_name: String,
    pub department: String,
    pub need: String,
    pub policy: String,
    pub deadline: String,
    /// sent, granted, refused
    pub status: String,
    pub status_label: String,
    /// Unanswered past the deadline.
    pub overdue: bool,
    pub answer: Option<String>,
    pub answered_by_name: String,
    pub answered_at: Option<String>,
    /// The policy record a granted referral created.
    pub assistance_id: Option<i64>,
    /// Send back with an answer.
    pub version: i64,
    pub created_at: String,
}

impl From<&Referral> for ReferralDto {
    fn from(r: &Referral) -> Self {
        Self {
            id: r.id.0,
            household_id: r.household_id.0,
            worker_name: r.worker_name.clone(),
            file_no: r.file_no.clone(),
            union_id: r.union_id.0,
            union_name: r.union_name.clone(),
            department: r.department.clone(),
            need: r.need.clone(),
            policy: r.policy.clone(),
            deadline: r.deadline.to_string(),
            status: r.status.code().into(),
            status_label: r.status.label().into(),
            overdue: r.status.overdue(r.deadline, bangfu_service::today()),
            answer: r.answer.clone(),
            answered_by_name: r.answered_by_name.clone(),
            answered_at: r.answered_at.as_ref().map(api_time),
            assistance_id: r.assistance_id.map(|a| a.0),
            version: r.version,
            created_at: api_time(&r.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ReferralListQuery {
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    pub department: Option<String>,
    /// sent, granted, refused, or overdue
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", params(ReferralListQuery),
    responses((status = 200, body = PageDto<ReferralDto>), (status = 403, body = ErrorBody)))]
pub async fn list_referrals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ReferralListQuery>,
) -> ApiResult<Json<PageDto<ReferralDto>>> {
    let page = state
        .services
        .referral_list(
            &actor,
            ReferralQuery {
                union_id: q.union_id,
                household_id: q.household_id,
                department: q.department,
                status: q.status,
            },
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |r| ReferralDto::from(r))))
}

#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals", request_body = ReferralRequest,
    responses((status = 201, body = ReferralDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn send_referral(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ReferralRequest>,
) -> ApiResult<(StatusCode, Json<ReferralDto>)> {
    let r = state
        .services
        .referral_send(
            &actor,
            ReferralInput {
                household_id: req.household_id,
                department: req.department,
                need: req.need,
                policy: req.policy,
                deadline: req.deadline,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ReferralDto::from(&r))))
}

#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals", params(("id" = i64, Path)),
    responses((status = 200, body = ReferralDto), (status = 404, body = ErrorBody)))]
pub async fn get_referral(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReferralDto>> {
    let r = state.services.referral_get(&actor, ReferralId(id)).await?;
    Ok(Json(ReferralDto::from(&r)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// true: the policy was put into effect (a policy assistance record is
    /// written); false: refused (give the reason in `answer`).
    pub granted: bool,
    #[serde(default)]
    pub answer: String,
    /// The referral's version as read; the current one when absent.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/referrals/{id}/answer", tag = "referrals", params(("id" = i64, Path)),
    request_body = AnswerRequest,
    responses((status = 200, body = ReferralDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_referral(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> ApiResult<Json<ReferralDto>> {
    let r = state
        .services
        .referral_answer(
            &actor,
            ReferralId(id),
            req.version,
            req.granted,
            &req.answer,
        )
        .await?;
    Ok(Json(ReferralDto::from(&r)))
}
