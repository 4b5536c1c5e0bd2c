//! Social resources: providers, resources, suggestions and matches.

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
use bangfu_domain::resources::Given;
use bangfu_domain::resources::{
    MatchId, MatchStatus, ProviderId, ProviderKind, ResourceId, ResourceKind,
};
use bangfu_domain::Fen;
use bangfu_service::resources::{
    GivingReport, Match, MatchFilter, MatchInput, OutcomeInput, Provider, ProviderFilter,
    ProviderInput, Resource, ResourceFilter, ResourceInput, Suggestions,
};
use bangfu_service::{PageRequest, ServiceError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/providers", get(list_providers).post(create_provider))
        .route("/providers/{id}", get(get_provider).patch(update_provider))
        .route("/resources", get(list_resources).post(create_resource))
        .route("/resources/{id}", get(get_resource))
        .route("/resources/{id}/close", post(close_resource))
        .route("/resources/{id}/suggestions", get(suggestions))
        .route("/resources/{id}/matches", post(confirm_match))
        .route("/resources/{id}/dismiss", post(dismiss_suggestion))
        .route("/matches", get(list_matches))
        .route("/matches/{id}", get(get_match))
        .route("/matches/{id}/outcome", post(record_outcome))
        .route("/resources/report", get(report))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_providers,
        create_provider,
        get_provider,
        update_provider,
        list_resources,
        create_resource,
        get_resource,
        close_resource,
        suggestions,
        confirm_match,
        dismiss_suggestion,
        list_matches,
        get_match,
        record_outcome,
        report
    ),
    components(schemas(
        ProviderRequest,
        ProviderDto,
        ResourceRequest,
        ResourceDto,
        CloseRequest,
        SuggestionDto,
        SuggestionsDto,
        MatchRequest,
        DismissRequest,
        OutcomeRequest,
        MatchDto,
        GivenDto,
        ProviderGivingDto,
        GivingReportDto
    ))
)]
pub struct Doc;

// ----------------------------------------------------------------- providers

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderRequest {
    /// The keeping union; the caller's own when absent.
    pub union_id: Option<i64>,
    pub name: String,
    /// enterprise, charity, insurer, hospital, platform, hr_agency,
    /// incubator, volunteers, other
    pub kind: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub note: String,
    /// Seen and offered from by the unions beneath the keeping one.
    #[serde(default)]
    pub shared: bool,
    /// False stops it (no new resources); true when absent.
    pub active: Option<bool>,
    /// For an update: the version as read; the current one when absent.
    pub version: Option<i64>,
}

impl ProviderRequest {
    fn input(self) -> (ProviderInput, Option<i64>) {
        (
            ProviderInput {
                union_id: self.union_id,
                name: self.name,
                kind: self.kind,
                contact: self.contact,
                phone: self.phone,
                address: self.address,
                note: self.note,
                shared: self.shared,
                active: self.active,
            },
            self.version,
        )
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderDto {
    pub id: i64,
    pub union_id: i64,
    pub union_name: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub note: String,
    pub shared: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
}

impl From<&Provider> for ProviderDto {
    fn from(p: &Provider) -> Self {
        let f = &p.fields;
        Self {
            id: p.id.0,
            union_id: p.union_id.0,
            union_name: p.union_name.clone(),
            name: f.name.clone(),
            kind: f.kind.code().into(),
            kind_label: f.kind.label().into(),
            contact: f.contact.clone(),
            phone: f.phone.clone(),
            address: f.address.clone(),
            note: f.note.clone(),
            shared: f.shared,
            active: f.active,
            version: p.version,
            created_at: api_time(&p.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ProviderListQuery {
    /// Part of the name.
    pub name: Option<String>,
    pub kind: Option<String>,
    /// Only active providers.
    #[serde(default)]
    pub active: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/providers", tag = "resources", params(ProviderListQuery),
    responses((status = 200, body = PageDto<ProviderDto>), (status = 403, body = ErrorBody)))]
pub async fn list_providers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ProviderListQuery>,
) -> ApiResult<Json<PageDto<ProviderDto>>> {
    let kind = blank(q.kind)
        .map(|k| ProviderKind::parse(&k))
        .transpose()
        .map_err(ServiceError::from)?;
    let filter = ProviderFilter {
        name: blank(q.name),
        kind,
        active_only: q.active,
    };
    let page = state
        .services
        .provider_list(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |p| ProviderDto::from(p))))
}

#[utoipa::path(post, path = "/api/v1/providers", tag = "resources", request_body = ProviderRequest,
    responses((status = 201, body = ProviderDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create_provider(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ProviderRequest>,
) -> ApiResult<(StatusCode, Json<ProviderDto>)> {
    let (input, _) = req.input();
    let p = state.services.provider_create(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(ProviderDto::from(&p))))
}

#[utoipa::path(get, path = "/api/v1/providers/{id}", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, body = ProviderDto), (status = 404, body = ErrorBody)))]
pub async fn get_provider(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ProviderDto>> {
    let p = state.services.provider_get(&actor, ProviderId(id)).await?;
    Ok(Json(ProviderDto::from(&p)))
}

#[utoipa::path(patch, path = "/api/v1/providers/{id}", tag = "resources", params(("id" = i64, Path)),
    request_body = ProviderRequest,
    responses((status = 200, body = ProviderDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_provider(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ProviderRequest>,
) -> ApiResult<Json<ProviderDto>> {
    let (input, version) = req.input();
    let p = state
        .services
        .provider_update(&actor, ProviderId(id), version, input)
        .await?;
    Ok(Json(ProviderDto::from(&p)))
}

// -------------------------------------------------------------------- resources

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceRequest {
    pub provider_id: i64,
    /// The union whose households the resource serves; the caller's own when absent.
    pub union_id: Option<i64>,
    /// job, training, cash, goods, service, volunteering
    pub kind: String,
    /// For services: medical, legal, day_care, rehabilitation, meals.
    #[serde(default)]
    pub service: String,
    /// For donations: any, education, medical, living (any when blank).
    #[serde(default)]
    pub aim: String,
    /// A track code of the dictionary: its households' open measures are suggested.
    #[serde(default)]
    pub track: String,
    /// A programme code narrowing the track.
    #[serde(default)]
    pub programme: String,
    pub title: String,
    /// Content, requirements, conditions.
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub place: String,
    /// A job's monthly wage in fen.
    pub wage: Option<i64>,
    /// Positions, places, items, persons or hours; for cash the amount in
    /// fen, received into the union's fund of social donations.
    pub quantity: i64,
    /// Goods: the value of one item in fen.
    pub unit_value: Option<i64>,
    /// YYYY-MM-DD; today when blank. For cash, the day it was received (not in the future).
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceDto {
    pub id: i64,
    pub provider_id: i64,
    pub provider_name: String,
    pub provider_kind: String,
    /// The union whose households it serves.
    pub union_id: i64,
    pub union_name: String,
    pub kind: String,
    pub kind_label: String,
    pub service: Option<String>,
    pub aim: Option<String>,
    pub track: Option<String>,
    pub programme: Option<String>,
    pub title: String,
    pub detail: String,
    pub place: String,
    pub wage: Option<i64>,
    pub quantity: i64,
    /// What no match holds yet.
    pub remaining: i64,
    /// The unit of `quantity` and `remaining` (分 for cash).
    pub unit: String,
    pub unit_value: i64,
    pub starts_on: String,
    pub ends_on: Option<String>,
    /// The receipt of a cash donation into the funds.
    pub transfer_id: Option<i64>,
    pub closed: bool,
    /// Matches may be made today.
    pub open: bool,
    pub version: i64,
    pub created_at: String,
}

impl From<&Resource> for ResourceDto {
    fn from(o: &Resource) -> Self {
        let f = &o.fields;
        Self {
            id: o.id.0,
            provider_id: o.provider_id.0,
            provider_name: o.provider_name.clone(),
            provider_kind: o.provider_kind.code().into(),
            union_id: o.union_id.0,
            union_name: o.union_name.clone(),
            kind: f.need.kind.code().into(),
            kind_label: f.need.kind.label().into(),
            service: f.need.service.map(|s| s.code().into()),
            aim: f.need.aim.map(|a| a.code().into()),
            track: f.need.track.clone(),
            programme: f.need.programme.clone(),
            title: f.title.clone(),
            detail: f.detail.clone(),
            place: f.place.clone(),
            wage: f.wage.map(|w| w.0),
            quantity: f.quantity,
            remaining: o.remaining,
            unit: f.need.kind.unit().into(),
            unit_value: f.unit_value.0,
            starts_on: f.starts_on.to_string(),
            ends_on: f.ends_on.map(|d| d.to_string()),
            transfer_id: o.transfer_id.map(|t| t.0),
            closed: o.closed,
            open: o.open_on(bangfu_service::today()),
            version: o.version,
            created_at: api_time(&o.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ResourceListQuery {
    pub provider_id: Option<i64>,
    pub kind: Option<String>,
    /// Only resources not closed with something left.
    #[serde(default)]
    pub open: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[utoipa::path(get, path = "/api/v1/resources", tag = "resources", params(ResourceListQuery),
    responses((status = 200, body = PageDto<ResourceDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_resources(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ResourceListQuery>,
) -> ApiResult<Json<PageDto<ResourceDto>>> {
    let kind = blank(q.kind)
        .map(|k| ResourceKind::parse(&k))
        .transpose()
        .map_err(ServiceError::from)?;
    let filter = ResourceFilter {
        provider_id: q.provider_id.map(ProviderId),
        kind,
        open_only: q.open,
    };
    let page = state
        .services
        .resource_list(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |o| ResourceDto::from(o))))
}

#[utoipa::path(post, path = "/api/v1/resources", tag = "resources", request_body = ResourceRequest,
    responses((status = 201, body = ResourceDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_resource(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ResourceRequest>,
) -> ApiResult<(StatusCode, Json<ResourceDto>)> {
    let input = ResourceInput {
        provider_id: req.provider_id,
        union_id: req.union_id,
        kind: req.kind,
        service: req.service,
        aim: req.aim,
        track: req.track,
        programme: req.programme,
        title: req.title,
        detail: req.detail,
        place: req.place,
        wage: req.wage.map(Fen),
        quantity: req.quantity,
        unit_value: req.unit_value.map(Fen),
        starts_on: req.starts_on,
        ends_on: req.ends_on,
    };
    let o = state.services.resource_create(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(ResourceDto::from(&o))))
}

#[utoipa::path(get, path = "/api/v1/resources/{id}", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, body = ResourceDto), (status = 404, body = ErrorBody)))]
pub async fn get_resource(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ResourceDto>> {
    let o = state.services.resource_get(&actor, ResourceId(id)).await?;
    Ok(Json(ResourceDto::from(&o)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// True closes the resource to new matches; false reopens it.
    pub closed: bool,
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/resources/{id}/close", tag = "resources", params(("id" = i64, Path)),
    request_body = CloseRequest,
    responses((status = 200, body = ResourceDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn close_resource(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CloseRequest>,
) -> ApiResult<Json<ResourceDto>> {
    let o = state
        .services
        .resource_close(&actor, ResourceId(id), req.version, req.closed)
        .await?;
    Ok(Json(ResourceDto::from(&o)))
}

// --------------------------------------------------------------- suggestions

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionDto {
    pub household_id: i64,
    pub file_no: String,
    pub worker_name: String,
    /// Why the household is suggested, one reason each.
    pub reasons: Vec<String>,
    /// For jobs and training: who the place would go to.
    pub person: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsDto {
    pub resource: ResourceDto,
    pub items: Vec<SuggestionDto>,
    /// Send as `after` to continue; null when every household was read.
    pub next_after: Option<i64>,
    /// Households read for this page.
    pub scanned: usize,
}

impl From<&Suggestions> for SuggestionsDto {
    fn from(s: &Suggestions) -> Self {
        Self {
            resource: ResourceDto::from(&s.resource),
            items: s
                .items
                .iter()
                .map(|i| SuggestionDto {
                    household_id: i.household_id.0,
                    file_no: i.file_no.clone(),
                    worker_name: i.worker_name.clone(),
                    reasons: i.reasons.clone(),
                    person: i.person.clone(),
                })
                .collect(),
            next_after: s.next_after,
            scanned: s.scanned,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// Continue after this household id (`next_after` of the previous page).
    pub after: Option<i64>,
    /// At most this many (1–200, 50 when absent).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/resources/{id}/suggestions", tag = "resources",
    params(("id" = i64, Path), SuggestionQuery),
    responses((status = 200, body = SuggestionsDto), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<SuggestionQuery>,
) -> ApiResult<Json<SuggestionsDto>> {
    let s = state
        .services
        .resource_suggestions(&actor, ResourceId(id), q.after, q.limit.unwrap_or(50))
        .await?;
    Ok(Json(SuggestionsDto::from(&s)))
}

// ------------------------------------------------------------------- matches

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    pub household_id: i64,
    /// For jobs and training: the person's name (the worker or a member);
    /// the first who fits when blank.
    #[serde(default)]
    pub person: String,
    /// Cash (fen), goods (items), volunteering (hours); one for the others.
    pub quantity: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    pub household_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// True: hired, trained, received or served (an assistance record is
    /// written); false: declined (say why in `note`; the quantity returns).
    pub delivered: bool,
    /// YYYY-MM-DD, not in the future; today when blank.
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub note: String,
    /// School aid: the school.
    #[serde(default)]
    pub school: String,
    /// School aid: the stage (primary, junior, senior, vocational, college, undergraduate, graduate).
    #[serde(default)]
    pub stage: String,
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchDto {
    pub id: i64,
    pub resource_id: i64,
    pub resource_title: String,
    pub resource_kind: String,
    pub provider_id: i64,
    pub provider_name: String,
    pub household_id: i64,
    pub worker_name: String,
    pub file_no: String,
    pub union_id: i64,
    pub person: String,
    /// Why it was suggested, one reason a line.
    pub reason: String,
    pub quantity: i64,
    /// confirmed, dismissed, hired, trained, received, served, declined
    pub status: String,
    pub status_label: String,
    pub outcome_on: Option<String>,
    pub note: Option<String>,
    /// The assistance record of a delivered match.
    pub assistance_id: Option<i64>,
    /// The measure a hire completed.
    pub measure_id: Option<i64>,
    pub version: i64,
    pub created_at: String,
}

impl From<&Match> for MatchDto {
    fn from(m: &Match) -> Self {
        Self {
            id: m.id.0,
            resource_id: m.resource_id.0,
            resource_title: m.resource_title.clone(),
            resource_kind: m.resource_kind.code().into(),
            provider_id: m.provider_id.0,
            provider_name: m.provider_name.clone(),
            household_id: m.household_id.0,
            worker_name: m.worker_name.clone(),
            file_no: m.file_no.clone(),
            union_id: m.union_id.0,
            person: m.person.clone(),
            reason: m.reason.clone(),
            quantity: m.quantity,
            status: m.status.code().into(),
            status_label: m.status.label().into(),
            outcome_on: m.outcome.as_ref().map(|o| o.on.to_string()),
            note: m.outcome.as_ref().map(|o| o.note.clone()),
            assistance_id: m
                .outcome
                .as_ref()
                .and_then(|o| o.assistance_id)
                .map(|a| a.0),
            measure_id: m.outcome.as_ref().and_then(|o| o.measure_id).map(|x| x.0),
            version: m.version,
            created_at: api_time(&m.created_at),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/resources/{id}/matches", tag = "resources", params(("id" = i64, Path)),
    request_body = MatchRequest,
    responses((status = 201, body = MatchDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_match(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MatchRequest>,
) -> ApiResult<(StatusCode, Json<MatchDto>)> {
    let m = state
        .services
        .match_confirm(
            &actor,
            ResourceId(id),
            MatchInput {
                household_id: req.household_id,
                person: req.person,
                quantity: req.quantity,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(MatchDto::from(&m))))
}

#[utoipa::path(post, path = "/api/v1/resources/{id}/dismiss", tag = "resources", params(("id" = i64, Path)),
    request_body = DismissRequest,
    responses((status = 201, body = MatchDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn dismiss_suggestion(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<DismissRequest>,
) -> ApiResult<(StatusCode, Json<MatchDto>)> {
    let m = state
        .services
        .match_dismiss(&actor, ResourceId(id), HouseholdId(req.household_id))
        .await?;
    Ok((StatusCode::CREATED, Json(MatchDto::from(&m))))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct MatchListQuery {
    pub resource_id: Option<i64>,
    pub household_id: Option<i64>,
    pub provider_id: Option<i64>,
    /// confirmed, dismissed, hired, trained, received, served, declined
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/matches", tag = "resources", params(MatchListQuery),
    responses((status = 200, body = PageDto<MatchDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_matches(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<MatchListQuery>,
) -> ApiResult<Json<PageDto<MatchDto>>> {
    let status = blank(q.status)
        .map(|s| MatchStatus::parse(&s))
        .transpose()
        .map_err(ServiceError::from)?;
    let filter = MatchFilter {
        resource_id: q.resource_id.map(ResourceId),
        household_id: q.household_id.map(HouseholdId),
        provider_id: q.provider_id.map(ProviderId),
        status,
        made_only: false,
    };
    let page = state
        .services
        .match_list(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |m| MatchDto::from(m))))
}

#[utoipa::path(get, path = "/api/v1/matches/{id}", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, body = MatchDto), (status = 404, body = ErrorBody)))]
pub async fn get_match(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MatchDto>> {
    let m = state.services.match_get(&actor, MatchId(id)).await?;
    Ok(Json(MatchDto::from(&m)))
}

#[utoipa::path(post, path = "/api/v1/matches/{id}/outcome", tag = "resources", params(("id" = i64, Path)),
    request_body = OutcomeRequest,
    responses((status = 200, body = MatchDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_outcome(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<OutcomeRequest>,
) -> ApiResult<Json<MatchDto>> {
    let m = state
        .services
        .match_outcome(
            &actor,
            MatchId(id),
            req.version,
            OutcomeInput {
                delivered: req.delivered,
                on: req.on,
                note: req.note,
                school: req.school,
                stage: req.stage,
            },
        )
        .await?;
    Ok(Json(MatchDto::from(&m)))
}

// -------------------------------------------------------------------- report

/// What was given: money in fen, the rest in their units.
#[derive(Debug, Serialize, ToSchema)]
pub struct GivenDto {
    /// Cash paid to households from the provider's donations.
    pub cash: i64,
    /// Items of goods received, and their value.
    pub goods: i64,
    pub goods_value: i64,
    pub jobs: i64,
    pub trainees: i64,
    /// Persons served.
    pub services: i64,
    pub volunteer_hours: i64,
}

impl From<&Given> for GivenDto {
    fn from(g: &Given) -> Self {
        Self {
            cash: g.cash.0,
            goods: g.goods,
            goods_value: g.goods_value.0,
            jobs: g.jobs,
            trainees: g.trainees,
            services: g.services,
            volunteer_hours: g.hours,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderGivingDto {
    pub provider_id: i64,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub union_name: String,
    pub given: GivenDto,
    /// Households its delivered matches reached.
    pub households: usize,
    /// Cash donations received into the funds in the period (fen).
    pub received: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GivingReportDto {
    pub from: String,
    pub to: String,
    pub providers: Vec<ProviderGivingDto>,
    pub total: GivenDto,
    pub households: usize,
    pub received: i64,
}

impl From<&GivingReport> for GivingReportDto {
    fn from(r: &GivingReport) -> Self {
        Self {
            from: r.from.to_string(),
            to: r.to.to_string(),
            providers: r
                .rows
                .iter()
                .map(|p| ProviderGivingDto {
                    provider_id: p.provider_id.0,
                    name: p.name.clone(),
                    kind: p.kind.code().into(),
                    kind_label: p.kind.label().into(),
                    union_name: p.union_name.clone(),
                    given: GivenDto::from(&p.given),
                    households: p.households,
                    received: p.received.0,
                })
                .collect(),
            total: GivenDto::from(&r.total),
            households: r.households,
            received: r.received.0,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct GivingReportQuery {
    /// YYYY-MM-DD; the first day of this year when absent.
    #[serde(default)]
    pub from: String,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub to: String,
    /// One provider only.
    pub provider_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/resources/report", tag = "resources", params(GivingReportQuery),
    responses((status = 200, body = GivingReportDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<GivingReportQuery>,
) -> ApiResult<Json<GivingReportDto>> {
    let r = state
        .services
        .resources_report(&actor, &q.from, &q.to, q.provider_id.map(ProviderId))
        .await?;
    Ok(Json(GivingReportDto::from(&r)))
}
