//! Offers: the list, registering one, and an offer's page with its
//! suggestions and matches.

use super::*;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::resources::{MatchId, OfferId};
use bangfu_domain::Permission;
use bangfu_service::resources::{MatchInput, OfferFilter, OfferInput, OutcomeInput};
use bangfu_service::{PageRequest, ServiceError};

#[derive(Debug, Clone, Deserialize, Default)]
pub struct OffersQ {
    pub(crate) kind: Option<String>,
    pub(crate) open: Option<String>,
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

#[derive(Template)]
#[template(path = "resources.html")]
pub(crate) struct OffersPage {
    pub(crate) chrome: Chrome,
    pub(crate) kind: String,
    pub(crate) open: bool,
    pub(crate) kinds: Opts,
    pub(crate) items: Vec<OfferView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) can_manage: bool,
    pub(crate) notice: Option<Notice>,
}

results_partial!(OffersPage => OffersResults, "resources_partial.html");

pub(crate) async fn offers_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<OffersQ>,
) -> PageResult {
    let kind = q
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .and_then(|k| OfferKind::parse(k).ok());
    let open = q.open.as_deref() == Some("1");
    let page = state
        .services
        .offer_list(
            &actor,
            OfferFilter {
                provider_id: None,
                kind,
                open_only: open,
            },
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let params = vec![
        ("kind", q.kind.clone().unwrap_or_default()),
        ("open", q.open.clone().unwrap_or_default()),
    ];
    Ok(render_results(
        swap,
        StatusCode::OK,
        &OffersPage {
            chrome: Chrome::new(&actor, "社会资源", "resources"),
            kind: q.kind.clone().unwrap_or_default(),
            open,
            kinds: offer_kinds(),
            items: page.items.iter().map(offer_view).collect(),
            total: page.total,
            pager: pager("/resources", &params, page.page, page.pages()),
            can_manage: actor.can(Permission::ManageAssistance),
            notice: notice(&q.notice),
        },
    ))
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct OfferForm {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) service: String,
    #[serde(default)]
    pub(crate) aim: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) detail: String,
    #[serde(default)]
    pub(crate) place: String,
    /// Yuan.
    #[serde(default)]
    pub(crate) wage: String,
    /// Yuan for cash, a whole number otherwise.
    #[serde(default)]
    pub(crate) quantity: String,
    /// Yuan.
    #[serde(default)]
    pub(crate) unit_value: String,
    #[serde(default)]
    pub(crate) starts_on: String,
    #[serde(default)]
    pub(crate) ends_on: String,
}

impl OfferForm {
    fn input(&self, provider: i64) -> Result<OfferInput, ServiceError> {
        let kind = OfferKind::parse(&self.kind).ok();
        let money = |field, raw: &str| Fen::parse_yuan_opt(field, raw).map_err(ServiceError::from);
        let quantity = match typed_quantity(kind, &self.quantity) {
            Ok(q) => q.unwrap_or(0),
            Err(PageError::Service(e)) => return Err(e),
            Err(_) => 0,
        };
        Ok(OfferInput {
            provider_id: provider,
            union_id: None,
            kind: self.kind.clone(),
            service: self.service.clone(),
            aim: self.aim.clone(),
            track: String::new(),
            programme: String::new(),
            title: self.title.clone(),
            detail: self.detail.clone(),
            place: self.place.clone(),
            wage: money("wage", &self.wage)?,
            quantity,
            unit_value: money("unit_value", &self.unit_value)?,
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
        })
    }
}

pub(crate) async fn offer_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(provider): Path<i64>,
    Form(f): Form<OfferForm>,
) -> PageResult {
    let made = match f.input(provider) {
        Ok(input) => state.services.offer_create(&actor, input).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(o) => Ok(Redirect::to(&format!(
            "/resources/offers/{}?{}",
            o.id.0,
            Notice::OfferSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            provider_view_page(
                &state,
                &actor,
                provider,
                "",
                Some((Failed::Offer(f), msg, field.unwrap_or(""), status)),
            )
            .await
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct OfferQ {
    pub(crate) after: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

pub(crate) struct SuggestionView {
    pub(crate) household_id: i64,
    pub(crate) file_no: String,
    pub(crate) worker_name: String,
    pub(crate) reasons: Vec<String>,
    pub(crate) person: String,
}

#[derive(Template)]
#[template(path = "resource_offer.html")]
pub(crate) struct OfferPage {
    pub(crate) chrome: Chrome,
    pub(crate) offer: OfferView,
    pub(crate) suggestions: Vec<SuggestionView>,
    pub(crate) next_after: Option<i64>,
    pub(crate) scanned: usize,
    pub(crate) continued: bool,
    pub(crate) matches: Vec<MatchView>,
    pub(crate) can_manage: bool,
    pub(crate) can_close: bool,
    pub(crate) needs_school: bool,
    pub(crate) stages: Opts,
    pub(crate) today: String,
    pub(crate) back: String,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

async fn offer_view_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    q: &OfferQ,
    error: Option<(String, StatusCode)>,
) -> PageResult {
    let o = state
        .services
        .offer_overview(actor, OfferId(id), q.after)
        .await?;
    let offer = &o.suggestions.offer;
    let manage = actor.can(Permission::ManageAssistance);
    let scope_path = actor.user.union_path.as_str();
    let (error, status) = match error {
        Some((e, s)) => (Some(e), s),
        None => (None, StatusCode::OK),
    };
    Ok(render_status(
        status,
        &OfferPage {
            chrome: Chrome::new(actor, offer.fields.title.clone(), "resources"),
            offer: offer_view(offer),
            suggestions: o
                .suggestions
                .items
                .iter()
                .map(|s| SuggestionView {
                    household_id: s.household_id.0,
                    file_no: s.file_no.clone(),
                    worker_name: s.worker_name.clone(),
                    reasons: s.reasons.clone(),
                    person: s.person.clone().unwrap_or_default(),
                })
                .collect(),
            next_after: o.suggestions.next_after,
            scanned: o.suggestions.scanned,
            continued: q.after.is_some(),
            matches: o.matches.iter().map(match_view).collect(),
            can_manage: manage,
            can_close: manage && offer.union_path.as_str().starts_with(scope_path),
            needs_school: offer.fields.need.assistance_kind()
                == bangfu_domain::assistance::kind::EDUCATION,
            stages: options(
                bangfu_domain::assistance::Stage::ALL,
                bangfu_domain::assistance::Stage::code,
                bangfu_domain::assistance::Stage::label,
            ),
            today: bangfu_service::today().to_string(),
            back: format!("/resources/offers/{id}"),
            notice: notice(&q.notice),
            error,
        },
    ))
}

pub(crate) async fn offer_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<OfferQ>,
) -> PageResult {
    offer_view_page(&state, &actor, id, &q, None).await
}

/// Back to the offer's page with a notice, or the page again with the error.
async fn after_act<T>(
    state: &AppState,
    actor: &Actor,
    offer: i64,
    done: Result<T, ServiceError>,
    notice: Notice,
) -> PageResult {
    match done {
        Ok(_) => Ok(
            Redirect::to(&format!("/resources/offers/{offer}?{}", notice.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            offer_view_page(state, actor, offer, &OfferQ::default(), Some((msg, status))).await
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct CloseForm {
    pub(crate) closed: Option<String>,
    pub(crate) version: Option<i64>,
}

pub(crate) async fn offer_close(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> PageResult {
    let closed = f.closed.as_deref() == Some("1");
    let done = state
        .services
        .offer_close(&actor, OfferId(id), f.version, closed)
        .await;
    after_act(&state, &actor, id, done, Notice::OfferSaved).await
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct MatchForm {
    pub(crate) household_id: i64,
    #[serde(default)]
    pub(crate) person: String,
    #[serde(default)]
    pub(crate) quantity: String,
    #[serde(default)]
    pub(crate) kind: String,
}

pub(crate) async fn match_confirm(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<MatchForm>,
) -> PageResult {
    let quantity = typed_quantity(OfferKind::parse(&f.kind).ok(), &f.quantity);
    let done = match quantity {
        Ok(quantity) => {
            state
                .services
                .match_confirm(
                    &actor,
                    OfferId(id),
                    MatchInput {
                        household_id: f.household_id,
                        person: f.person.clone(),
                        quantity,
                    },
                )
                .await
        }
        Err(PageError::Service(e)) => Err(e),
        Err(other) => return Err(other),
    };
    after_act(&state, &actor, id, done, Notice::MatchConfirmed).await
}

pub(crate) async fn match_dismiss(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<MatchForm>,
) -> PageResult {
    let done = state
        .services
        .match_dismiss(&actor, OfferId(id), HouseholdId(f.household_id))
        .await;
    after_act(&state, &actor, id, done, Notice::SuggestionDismissed).await
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct OutcomeForm {
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) on: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) school: String,
    #[serde(default)]
    pub(crate) stage: String,
    pub(crate) version: Option<i64>,
    pub(crate) offer_id: i64,
    #[serde(default)]
    pub(crate) back: String,
}

pub(crate) async fn match_outcome(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<OutcomeForm>,
) -> PageResult {
    let done = state
        .services
        .match_outcome(
            &actor,
            MatchId(id),
            f.version,
            OutcomeInput {
                delivered: f.outcome == "delivered",
                on: f.on.clone(),
                note: f.note.clone(),
                school: f.school.clone(),
                stage: f.stage.clone(),
            },
        )
        .await;
    match (&done, f.back.strip_prefix("/households/")) {
        (Ok(m), Some(_)) => Ok(Redirect::to(&format!(
            "/households/{}/resources?{}",
            m.household_id.0,
            Notice::OutcomeRecorded.query()
        ))
        .into_response()),
        _ => after_act(&state, &actor, f.offer_id, done, Notice::OutcomeRecorded).await,
    }
}
