//! API: applications for filing — submit (anonymous or on behalf), list,
//! read, take a step, and the applicant's status check.

use super::households::{HouseholdRequest, IdentificationDto, IncomeDto};
use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::{ApiActor, ClientOrigin};
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::application::{
    application_no, consent_text, AppStatus, ApplicationId, CONSENT_TEXT, CONSENT_VERSION,
};
use bangfu_domain::ValidationError;
use bangfu_service::{
    Act, Actor, Application, ApplicationDetail, ApplicationFilter, ApplicationInput, PageRequest,
    ServiceError,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/applications",
            get(list_applications).post(submit_application),
        )
        .route("/applications/status", post(application_status))
        .route("/applications/consent", get(consent))
        .route("/applications/{id}", get(get_application))
        .route("/applications/{id}/steps", post(act))
}

/// The consent text an applicant agrees to now, and its version: what a
/// client shows beside its box and sends back as `consent_version`.
#[utoipa::path(get, path = "/api/v1/applications/consent", tag = "applications", security(()),
    responses((status = 200, body = ConsentDto)))]
pub(super) async fn consent() -> Json<ConsentDto> {
    Json(ConsentDto {
        version: CONSENT_VERSION.to_owned(),
        text: CONSENT_TEXT.to_owned(),
    })
}

/// The caller when a token or session is sent, else nobody (an applicant).
pub struct MaybeApiActor(pub Option<Actor>);

impl FromRequestParts<AppState> for MaybeApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // An empty `Bearer` (a client without a token) is no credential.
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.trim_start_matches("Bearer")
                    .trim_start_matches("bearer")
                    .trim()
            })
            .is_some_and(|t| !t.is_empty());
        let sends_credentials = bearer
            || parts
                .headers
                .get(axum::http::header::COOKIE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.contains(crate::auth::SESSION_COOKIE));
        if !sends_credentials {
            return Ok(MaybeApiActor(None));
        }
        let ApiActor(a) = ApiActor::from_request_parts(parts, state).await?;
        Ok(MaybeApiActor(Some(a)))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    /// The union applied to (public: any active union; on behalf: one in scope).
    pub union_id: i64,
    /// The household as for filing; `category` and `tier` may be left blank
    /// (the category then follows from the identification).
    pub household: HouseholdRequest,
    /// At least one month; the rule looks at the latest six.
    pub incomes: Vec<IncomeDto>,
    /// The version of the consent text the applicant agreed to (required;
    /// `GET /api/v1/applications/consent` gives the current one, 2026-12).
    pub consent_version: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentDto {
    /// The version an application must name in `consent_version`.
    pub version: String,
    /// The text the applicant agrees to.
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GivenConsentDto {
    pub version: String,
    pub at: String,
    /// The text of that version.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    pub id: i64,
    /// What the applicant is told, e.g. SQ00000042.
    pub number: String,
    pub union_id: i64,
    pub union_name: String,
    /// online or officer
    pub channel: String,
    /// submitted, reviewed, notice, approved, rejected
    pub status: String,
    pub status_label: String,
    pub worker_name: String,
    /// Masked.
    pub worker_id_number: String,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    /// The file approval created.
    pub household_id: Option<i64>,
    /// Send back with a step.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Application> for ApplicationDto {
    fn from(a: &Application) -> Self {
        Self {
            id: a.id.0,
            number: application_no(a.id),
            union_id: a.union_id.0,
            union_name: a.union_name.clone(),
            channel: a.channel.clone(),
            status: a.status.code().into(),
            status_label: a.status.label().into(),
            worker_name: a.worker_name.clone(),
            worker_id_number: a.worker_id_number.clone(),
            notice_from: a.notice_from.map(|d| d.to_string()),
            notice_until: a.notice_until.map(|d| d.to_string()),
            household_id: a.household_id.map(|h| h.0),
            version: a.version,
            created_at: api_time(&a.created_at),
            updated_at: api_time(&a.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApplicationStepDto)]
pub struct StepDto {
    /// submit, review, notice, objection, approve, reject
    pub step: String,
    pub actor_name: String,
    pub at: String,
    /// What the step recorded (visit, reason, objection, note).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The identification decision the step was taken on.
    #[schema(value_type = Object)]
    pub decision: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDetailDto {
    pub application: ApplicationDto,
    /// The decision on the application's data with the lines in force now.
    pub identification: IdentificationDto,
    pub steps: Vec<StepDto>,
    pub incomes: Vec<IncomeDto>,
    /// Names of the supporting documents.
    pub files: Vec<String>,
    /// The applicant's consent to the use and verification of their
    /// information (absent on applications from before it was recorded).
    pub consent: Option<GivenConsentDto>,
}

impl From<&ApplicationDetail> for ApplicationDetailDto {
    fn from(d: &ApplicationDetail) -> Self {
        Self {
            application: ApplicationDto::from(&d.application),
            identification: IdentificationDto::from(&d.identification),
            steps: d
                .steps
                .iter()
                .map(|s| StepDto {
                    step: s.step.code().into(),
                    actor_name: s.actor_name.clone(),
                    at: api_time(&s.at),
                    detail: serde_json::from_str(&s.detail_json).unwrap_or_default(),
                    decision: s
                        .decision_json
                        .as_deref()
                        .and_then(|j| serde_json::from_str(j).ok()),
                })
                .collect(),
            incomes: d.incomes.iter().map(IncomeDto::from).collect(),
            files: d.files.iter().map(|f| f.name.clone()).collect(),
            consent: d.consent.as_ref().map(|c| GivenConsentDto {
                text: consent_text(&c.version).map(str::to_owned),
                version: c.version.clone(),
                at: api_time(&c.at),
            }),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", security((), ("bearer" = [])),
    request_body = ApplicationRequest,
    responses((status = 201, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 429, description = "Too many refusals naming another union this hour (Retry-After)", body = ErrorBody)))]
pub async fn submit_application(
    State(state): State<AppState>,
    MaybeApiActor(actor): MaybeApiActor,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(req): ApiJson<ApplicationRequest>,
) -> ApiResult<(StatusCode, Json<ApplicationDto>)> {
    let incomes = super::households::parse_incomes(&req.incomes)?;
    let input = ApplicationInput {
        union_id: Some(req.union_id),
        household: req.household.input(),
        incomes,
        consent: req.consent_version,
        ..Default::default()
    };
    let id = state
        .services
        .application_submit(actor.as_ref(), origin, input)
        .await?;
    // Read back what the submitter may see: staff through their scope, the
    // applicant through the status check's shape.
    let dto = match &actor {
        Some(a) => ApplicationDto::from(&state.services.application_get(a, id).await?.application),
        None => ApplicationDto {
            id: id.0,
            number: application_no(id),
            union_id: req.union_id,
            union_name: String::new(),
            channel: "online".into(),
            status: AppStatus::Submitted.code().into(),
            status_label: AppStatus::Submitted.label().into(),
            worker_name: req.household.worker_name.trim().to_owned(),
            worker_id_number: String::new(),
            notice_from: None,
            notice_until: None,
            household_id: None,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        },
    };
    Ok((StatusCode::CREATED, Json(dto)))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// A status code, or `open` for those still being decided.
    pub status: Option<String>,
    /// Name (part) or full ID number.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ApplicationQuery),
    responses((status = 200, body = PageDto<ApplicationDto>)))]
pub async fn list_applications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ApplicationQuery>,
) -> ApiResult<Json<PageDto<ApplicationDto>>> {
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty() && *s != "open");
    let filter = ApplicationFilter {
        status: status
            .map(AppStatus::parse)
            .transpose()
            .map_err(|e| ApiError::Service(e.into()))?,
        open: q.status.as_deref() == Some("open"),
        q: q.q,
    };
    let page = state
        .services
        .application_list(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |a| ApplicationDto::from(a))))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationDetailDto), (status = 404, body = ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ApplicationDetailDto>> {
    let d = state
        .services
        .application_get(&actor, ApplicationId(id))
        .await?;
    Ok(Json(ApplicationDetailDto::from(&d)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApplicationStepRequest)]
pub struct StepRequest {
    /// review, notice, objection, approve, reject
    pub step: String,
    /// The application's version as read.
    pub version: i64,
    /// review: YYYY-MM-DD
    #[serde(default)]
    pub visit_date: String,
    /// review: 一看 — housing and living conditions seen
    #[serde(default)]
    pub seen: String,
    /// review: 二问 — situation and needs asked about
    #[serde(default)]
    pub asked: String,
    /// review: 三讲 — policies explained
    #[serde(default)]
    pub explained: String,
    /// objection: the objection raised
    #[serde(default)]
    pub text: String,
    /// approve: optional note
    #[serde(default)]
    pub note: String,
    /// reject: the reason (required; the applicant sees it)
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, operation_id = "act_on_application", path = "/api/v1/applications/{id}/steps", tag = "applications", params(("id" = i64, Path)),
    request_body = StepRequest,
    responses((status = 200, body = ApplicationDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StepRequest>,
) -> ApiResult<Json<ApplicationDto>> {
    let act = match req.step.as_str() {
        "review" => Act::Review {
            visit_date: req.visit_date,
            seen: req.seen,
            asked: req.asked,
            explained: req.explained,
        },
        "notice" => Act::Notice,
        "objection" => Act::Objection { text: req.text },
        "approve" => Act::Approve { note: req.note },
        "reject" => Act::Reject { reason: req.reason },
        _ => {
            return Err(ApiError::Service(ServiceError::Invalid(
                ValidationError::new(
                    "step",
                    "step 应为 review、notice、objection、approve 或 reject",
                ),
            )))
        }
    };
    let a = state
        .services
        .application_act(&actor, ApplicationId(id), req.version, act)
        .await?;
    Ok(Json(ApplicationDto::from(&a)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusRequest {
    pub id_number: String,
    /// The phone given in the application.
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusDto {
    pub number: String,
    pub status: String,
    pub status_label: String,
    pub union_name: String,
    pub submitted_at: String,
    pub notice_until: Option<String>,
    /// Step labels (Chinese) in order, with their times.
    pub steps: Vec<(String, String)>,
    /// Why it was refused, when it was.
    pub reason: Option<String>,
    /// The file number once approved.
    pub file_no: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/applications/status", tag = "applications", security(()),
    request_body = StatusRequest,
    responses((status = 200, body = Vec<StatusDto>), (status = 400, body = ErrorBody)))]
pub async fn application_status(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<StatusRequest>,
) -> ApiResult<Json<Vec<StatusDto>>> {
    let list = state
        .services
        .application_status(&req.id_number, &req.phone)
        .await?;
    Ok(Json(
        list.iter()
            .map(|v| StatusDto {
                number: v.number.clone(),
                status: v.status.code().into(),
                status_label: v.status.label().into(),
                union_name: v.union_name.clone(),
                submitted_at: api_time(&v.submitted_at),
                notice_until: v.notice_until.map(|d| d.to_string()),
                steps: v
                    .steps
                    .iter()
                    .map(|(l, t)| (l.clone(), api_time(t)))
                    .collect(),
                reason: v.reason.clone(),
                file_no: v.file_no.clone(),
            })
            .collect(),
    ))
}
