//! Resources: the list, registering one, and a resource's page with its
//! suggestions and matches.

use super::*;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::resources::{MatchId, ResourceId};
use bangfu_domain::Permission;
use bangfu_service::resources::{MatchInput, OutcomeInput, ResourceFilter, ResourceInput};
use bangfu_service::{PageRequest, ServiceError};

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ResourcesQ {
    pub(crate) kind: Option<String>,
    pub(crate) open: Option<String>,
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

#[derive(Template)]
#[template(path = "resources.html")]
pub(crate) struct ResourcesPage {
    pub(crate) chrome: Chrome,
    pub(crate) kind: String,
    pub(crate) open: bool,
    pub(crate) kinds: Opts,
    pub(crate) items: Vec<ResourceView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) can_manage: bool,
    pub(crate) notice: Option<Notice>,
}

results_partial!(ResourcesPage => ResourcesResults, "resources_partial.html");

pub(crate) async fn resources_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ResourcesQ>,
) -> PageResult {
    let kind = q
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .and_then(|k| ResourceKind::parse(k).ok());
    let open = q.open.as_deref() == Some("1");
    let page = state
        .services
        .resource_list(
            &actor,
            ResourceFilter {
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
        &ResourcesPage {
            chrome: Chrome::new(&actor, "社会资源", "resources"),
            kind: q.kind.clone().unwrap_or_default(),
            open,
            kinds: resource_kinds(),
            items: page.items.iter().map(resource_view).collect(),
            total: page.total,
            pager: pager("/resources", &params, page.page, page.pages()),
            can_manage: actor.can(Permission::ManageAssistance),
            notice: notice(&q.notice),
        },
    ))
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ResourceForm {
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

impl ResourceForm {
    fn input(&self, provider: i64) -> Result<ResourceInput, ServiceError> {
        let kind = ResourceKind::parse(&self.kind).ok();
        let money = |field, raw: &str| Fen::parse_yuan_opt(field, raw).map_err(ServiceError::from);
        let quantity = match typed_quantity(kind, &self.quantity) {
            Ok(q) => q.unwrap_or(0),
            Err(PageError::Service(e)) => return Err(e),
            Err(_) => 0,
        };
        Ok(ResourceInput {
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

pub(crate) async fn resource_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(provider): Path<i64>,
    Form(f): Form<ResourceForm>,
) -> PageResult {
    let made = match f.input(provider) {
        Ok(input) => state.services.resource_create(&actor, input).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(o) => Ok(Redirect::to(&format!(
            "/resources/{}?{}",
            o.id.0,
            Notice::ResourceSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            provider_view_page(
                &state,
                &actor,
                provider,
                "",
                Some((Failed::Resource(f), msg, field.unwrap_or(""), status)),
            )
            .await
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ResourceQ {
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
#[template(path = "resource_page.html")]
pub(crate) struct ResourcePage {
    pub(crate) chrome: Chrome,
    pub(crate) resource: ResourceView,
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

async fn resource_view_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    q: &ResourceQ,
    error: Option<(String, StatusCode)>,
) -> PageResult {
    let o = state
        .services
        .resource_overview(actor, ResourceId(id), q.after)
        .await?;
    let resource = &o.suggestions.resource;
    let manage = actor.can(Permission::ManageAssistance);
    let (error, status) = match error {
        Some((e, s)) => (Some(e), s),
        None => (None, StatusCode::OK),
    };
    Ok(render_status(
        status,
        &ResourcePage {
            chrome: Chrome::new(actor, resource.fields.title.clone(), "resources"),
            resource: resource_view(resource),
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
            can_close: manage && o.kept_here,
            needs_school: resource.fields.need.assistance_kind()
                == bangfu_domain::assistance::kind::EDUCATION,
            stages: options(
                bangfu_domain::assistance::Stage::ALL,
                bangfu_domain::assistance::Stage::code,
                bangfu_domain::assistance::Stage::label,
            ),
            today: bangfu_service::today().to_string(),
            back: format!("/resources/{id}"),
            notice: notice(&q.notice),
            error,
        },
    ))
}

pub(crate) async fn resource_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<ResourceQ>,
) -> PageResult {
    resource_view_page(&state, &actor, id, &q, None).await
}

/// Back to the resource's page with a notice, or the page again with the error.
async fn after_act<T>(
    state: &AppState,
    actor: &Actor,
    resource: i64,
    done: Result<T, ServiceError>,
    notice: Notice,
) -> PageResult {
    match done {
        Ok(_) => {
            Ok(Redirect::to(&format!("/resources/{resource}?{}", notice.query())).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            resource_view_page(
                state,
                actor,
                resource,
                &ResourceQ::default(),
                Some((msg, status)),
            )
            .await
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct CloseForm {
    pub(crate) closed: Option<String>,
    pub(crate) version: Option<i64>,
}

pub(crate) async fn resource_close(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> PageResult {
    let closed = f.closed.as_deref() == Some("1");
    let done = state
        .services
        .resource_close(&actor, ResourceId(id), f.version, closed)
        .await;
    after_act(&state, &actor, id, done, Notice::ResourceSaved).await
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
    let quantity = typed_quantity(ResourceKind::parse(&f.kind).ok(), &f.quantity);
    let done = match quantity {
        Ok(quantity) => {
            state
                .services
                .match_confirm(
                    &actor,
                    ResourceId(id),
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
        .match_dismiss(&actor, ResourceId(id), HouseholdId(f.household_id))
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
    pub(crate) resource_id: i64,
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
        _ => after_act(&state, &actor, f.resource_id, done, Notice::OutcomeRecorded).await,
    }
}
