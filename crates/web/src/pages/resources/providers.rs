//! The register of providers, and one provider's page.

use super::*;
use bangfu_domain::resources::ProviderId;
use bangfu_domain::Permission;
use bangfu_service::resources::{Provider, ProviderFilter, ProviderInput};
use bangfu_service::PageRequest;

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ProvidersQ {
    pub(crate) name: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ProviderForm {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) contact: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) address: String,
    #[serde(default)]
    pub(crate) note: String,
    pub(crate) shared: Option<String>,
    pub(crate) active: Option<String>,
    pub(crate) version: Option<i64>,
}

impl ProviderForm {
    fn of(p: &Provider) -> Self {
        let f = &p.fields;
        Self {
            name: f.name.clone(),
            kind: f.kind.code().into(),
            contact: f.contact.clone(),
            phone: f.phone.clone(),
            address: f.address.clone(),
            note: f.note.clone(),
            shared: f.shared.then(|| "on".into()),
            active: f.active.then(|| "on".into()),
            version: Some(p.version),
        }
    }

    fn input(&self, editing: bool) -> ProviderInput {
        ProviderInput {
            union_id: None,
            name: self.name.clone(),
            kind: self.kind.clone(),
            contact: self.contact.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            note: self.note.clone(),
            shared: self.shared.is_some(),
            // A new provider is active; an edit says so with its box.
            active: Some(!editing || self.active.is_some()),
        }
    }
}

pub(crate) struct ProviderView {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) contact: String,
    pub(crate) phone: String,
    pub(crate) address: String,
    pub(crate) note: String,
    pub(crate) union_name: String,
    pub(crate) shared: bool,
    pub(crate) active: bool,
}

fn provider_view(p: &Provider) -> ProviderView {
    let f = &p.fields;
    ProviderView {
        id: p.id.0,
        name: f.name.clone(),
        kind: f.kind.label(),
        contact: f.contact.clone(),
        phone: f.phone.clone(),
        address: f.address.clone(),
        note: f.note.clone(),
        union_name: p.union_name.clone(),
        shared: f.shared,
        active: f.active,
    }
}

#[derive(Template)]
#[template(path = "resource_providers.html")]
pub(crate) struct ProvidersPage {
    pub(crate) chrome: Chrome,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) kinds: Opts,
    pub(crate) items: Vec<ProviderView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) can_manage: bool,
    pub(crate) form: ProviderForm,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
    pub(crate) field: &'static str,
}

results_partial!(ProvidersPage => ProvidersResults, "resource_providers_partial.html");

async fn providers_view(
    state: &AppState,
    actor: &Actor,
    swap: SwapsResults,
    q: &ProvidersQ,
    failed: Option<(ProviderForm, String, &'static str)>,
    status: StatusCode,
) -> PageResult {
    let kind = q
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .and_then(|k| ProviderKind::parse(k).ok());
    let page = state
        .services
        .provider_list(
            actor,
            ProviderFilter {
                name: q.name.clone().filter(|n| !n.trim().is_empty()),
                kind,
                active_only: false,
            },
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let params = vec![
        ("name", q.name.clone().unwrap_or_default()),
        ("kind", q.kind.clone().unwrap_or_default()),
    ];
    let (form, error, field) = match failed {
        Some((f, e, field)) => (f, Some(e), field),
        None => (ProviderForm::default(), None, ""),
    };
    Ok(render_results(
        swap,
        status,
        &ProvidersPage {
            chrome: Chrome::new(actor, "资源提供方", "resources"),
            name: q.name.clone().unwrap_or_default(),
            kind: q.kind.clone().unwrap_or_default(),
            kinds: provider_kinds(),
            items: page.items.iter().map(provider_view).collect(),
            total: page.total,
            pager: pager("/resources/providers", &params, page.page, page.pages()),
            can_manage: actor.can(Permission::ManageAssistance),
            form,
            notice: notice(&q.notice),
            error,
            field,
        },
    ))
}

pub(crate) async fn providers_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ProvidersQ>,
) -> PageResult {
    providers_view(&state, &actor, swap, &q, None, StatusCode::OK).await
}

pub(crate) async fn provider_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ProviderForm>,
) -> PageResult {
    match state.services.provider_create(&actor, f.input(false)).await {
        Ok(p) => Ok(Redirect::to(&format!(
            "/resources/providers/{}?{}",
            p.id.0,
            Notice::ProviderSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            let q = ProvidersQ::default();
            providers_view(
                &state,
                &actor,
                SwapsResults::default(),
                &q,
                Some((f, msg, field.unwrap_or(""))),
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "resource_provider.html")]
pub(crate) struct ProviderPage {
    pub(crate) chrome: Chrome,
    pub(crate) provider: ProviderView,
    pub(crate) resources: Vec<ResourceView>,
    pub(crate) can_edit: bool,
    pub(crate) can_resource: bool,
    pub(crate) can_receive_cash: bool,
    pub(crate) kinds: Opts,
    pub(crate) resource_kinds: Opts,
    pub(crate) services: Opts,
    pub(crate) aims: Opts,
    pub(crate) form: ProviderForm,
    pub(crate) resource: ResourceForm,
    pub(crate) today: String,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
    pub(crate) field: &'static str,
    /// Which form failed: "provider" or "resource".
    pub(crate) failed: &'static str,
}

/// A form of the provider's page that failed, with its message.
pub(crate) enum Failed {
    Provider(ProviderForm),
    Resource(ResourceForm),
}

pub(crate) async fn provider_view_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice_code: &str,
    failed: Option<(Failed, String, &'static str, StatusCode)>,
) -> PageResult {
    let o = state
        .services
        .provider_overview(actor, ProviderId(id))
        .await?;
    let manage = actor.can(Permission::ManageAssistance);
    let (mut form, mut resource, mut error, mut field, mut which, mut status) = (
        ProviderForm::of(&o.provider),
        ResourceForm::default(),
        None,
        "",
        "",
        StatusCode::OK,
    );
    match failed {
        Some((Failed::Provider(f), e, fld, s)) => {
            (form, error, field, which, status) = (f, Some(e), fld, "provider", s);
        }
        Some((Failed::Resource(f), e, fld, s)) => {
            (resource, error, field, which, status) = (f, Some(e), fld, "resource", s);
        }
        None => {}
    }
    Ok(render_status(
        status,
        &ProviderPage {
            chrome: Chrome::new(actor, o.provider.fields.name.clone(), "resources"),
            provider: provider_view(&o.provider),
            resources: o.resources.iter().map(resource_view).collect(),
            can_edit: manage && o.kept_here,
            can_resource: manage && o.provider.fields.active,
            can_receive_cash: actor.can(Permission::ManageFunds),
            kinds: provider_kinds(),
            resource_kinds: resource_kinds(),
            services: services(),
            aims: aims(),
            form,
            resource,
            today: bangfu_service::today().to_string(),
            notice: notice(notice_code),
            error,
            field,
            failed: which,
        },
    ))
}

pub(crate) async fn provider_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::forms::NoticeQuery>,
) -> PageResult {
    provider_view_page(&state, &actor, id, q.notice.as_deref().unwrap_or(""), None).await
}

pub(crate) async fn provider_update(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ProviderForm>,
) -> PageResult {
    match state
        .services
        .provider_update(&actor, ProviderId(id), f.version, f.input(true))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/resources/providers/{id}?{}",
            Notice::ProviderSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            provider_view_page(
                &state,
                &actor,
                id,
                "",
                Some((Failed::Provider(f), msg, field.unwrap_or(""), status)),
            )
            .await
        }
    }
}
