//! Pages: social resources (社会资源) — providers, their resources, the
//! suggestions for a resource, matches and their outcomes, and a household's
//! matches.

use crate::pages::prelude::*;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::resources::{Aim, MatchStatus, ProviderKind, ResourceKind, ServiceKind};
use bangfu_domain::Fen;
use bangfu_service::resources::{Match, Resource};

mod household;
mod providers;
mod report;
mod resource;

pub(crate) use self::{household::*, providers::*, report::*, resource::*};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/resources", get(resources_page))
        .route("/resources/report", get(report_page))
        .route("/resources/report.xlsx", get(report_export))
        .route("/resources/providers/{id}/thanks", get(thanks_page))
        .route(
            "/resources/providers",
            get(providers_page).post(provider_create),
        )
        .route(
            "/resources/providers/{id}",
            get(provider_page).post(provider_update),
        )
        .route("/resources/providers/{id}/resources", post(resource_create))
        .route("/resources/{id}", get(resource_page))
        .route("/resources/{id}/close", post(resource_close))
        .route("/resources/{id}/matches", post(match_confirm))
        .route("/resources/{id}/dismiss", post(match_dismiss))
        .route("/resources/matches/{id}/outcome", post(match_outcome))
        .route("/households/{id}/resources", get(household_resources))
}

type Opts = Vec<(String, String)>;

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Opts {
    all.iter()
        .map(|v| (code(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

fn provider_kinds() -> Opts {
    options(ProviderKind::ALL, ProviderKind::code, ProviderKind::label)
}

fn resource_kinds() -> Opts {
    options(ResourceKind::ALL, ResourceKind::code, ResourceKind::label)
}

fn services() -> Opts {
    options(ServiceKind::ALL, ServiceKind::code, ServiceKind::label)
}

fn aims() -> Opts {
    options(Aim::ALL, Aim::code, Aim::label)
}

/// The notice of the resources pages for `?notice=<code>`.
fn notice(code: &str) -> Option<Notice> {
    Notice::find_or_done(Notice::RESOURCES, Some(code))
}

/// A quantity as a person reads it: cash in yuan, anything else in its unit.
fn amount(kind: ResourceKind, quantity: i64) -> String {
    match kind {
        ResourceKind::Cash => format!("{} 元", Fen(quantity).yuan_grouped()),
        k => format!("{quantity} {}", k.unit()),
    }
}

/// A quantity typed in a form: yuan for cash, a whole number otherwise.
fn typed_quantity(kind: Option<ResourceKind>, raw: &str) -> Result<Option<i64>, PageError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if kind == Some(ResourceKind::Cash) {
        return Ok(Some(
            Fen::parse_yuan("quantity", s)
                .map_err(bangfu_service::ServiceError::from)?
                .0,
        ));
    }
    s.parse::<i64>().map(Some).map_err(|_| {
        bangfu_service::ServiceError::from(bangfu_domain::ValidationError::new(
            "quantity",
            format!("数量“{s}”应为整数"),
        ))
        .into()
    })
}

pub(crate) struct ResourceView {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) provider_id: i64,
    pub(crate) provider_name: String,
    pub(crate) kind: &'static str,
    pub(crate) cash: bool,
    /// The service or what a donation is for.
    pub(crate) what: String,
    pub(crate) detail: String,
    pub(crate) place: String,
    pub(crate) wage: String,
    pub(crate) union_name: String,
    pub(crate) quantity: String,
    pub(crate) remaining: String,
    pub(crate) period: String,
    pub(crate) open: bool,
    pub(crate) closed: bool,
    pub(crate) needs_amount: bool,
    pub(crate) for_a_person: bool,
    pub(crate) version: i64,
}

pub(crate) fn resource_view(o: &Resource) -> ResourceView {
    let f = &o.fields;
    let k = f.need.kind;
    let what = match (f.need.service, f.need.aim) {
        (Some(s), _) => s.label().to_owned(),
        (_, Some(a)) if a != Aim::Any => format!("用于{}", a.label()),
        _ => String::new(),
    };
    let mut wage = f
        .wage
        .map(|w| format!("月薪 {} 元", w.yuan_grouped()))
        .unwrap_or_default();
    if k == ResourceKind::Goods && f.unit_value.0 > 0 {
        wage = format!("每件折价 {} 元", f.unit_value.yuan_grouped());
    }
    ResourceView {
        id: o.id.0,
        title: f.title.clone(),
        provider_id: o.provider_id.0,
        provider_name: o.provider_name.clone(),
        kind: k.label(),
        cash: k == ResourceKind::Cash,
        what,
        detail: f.detail.clone(),
        place: f.place.clone(),
        wage,
        union_name: o.union_name.clone(),
        quantity: amount(k, f.quantity),
        remaining: amount(k, o.remaining),
        period: match f.ends_on {
            Some(e) => format!("{} 至 {e}", f.starts_on),
            None => format!("{} 起", f.starts_on),
        },
        open: o.open_on(bangfu_service::today()),
        closed: o.closed,
        needs_amount: !k.one_each(),
        for_a_person: k.for_a_person(),
        version: o.version,
    }
}

pub(crate) struct MatchView {
    pub(crate) id: i64,
    pub(crate) resource_id: i64,
    pub(crate) resource_title: String,
    pub(crate) provider_name: String,
    pub(crate) household_id: i64,
    pub(crate) worker_name: String,
    pub(crate) file_no: String,
    pub(crate) person: String,
    pub(crate) reasons: Vec<String>,
    pub(crate) quantity: String,
    pub(crate) status: &'static str,
    pub(crate) status_class: &'static str,
    pub(crate) open: bool,
    pub(crate) delivered_label: &'static str,
    pub(crate) outcome: String,
    pub(crate) assistance_id: Option<i64>,
    pub(crate) version: i64,
}

pub(crate) fn match_view(m: &Match) -> MatchView {
    MatchView {
        id: m.id.0,
        resource_id: m.resource_id.0,
        resource_title: m.resource_title.clone(),
        provider_name: m.provider_name.clone(),
        household_id: m.household_id.0,
        worker_name: m.worker_name.clone(),
        file_no: m.file_no.clone(),
        person: m.person.clone(),
        reasons: m.reason.lines().map(str::to_owned).collect(),
        quantity: amount(m.resource_kind, m.quantity),
        status: m.status.label(),
        status_class: match m.status {
            MatchStatus::Confirmed => "warn",
            MatchStatus::Dismissed | MatchStatus::Declined => "off",
            _ => "ok",
        },
        open: m.status.open(),
        delivered_label: m.resource_kind.delivered().label(),
        outcome: m
            .outcome
            .as_ref()
            .map(|o| {
                if o.note.is_empty() {
                    o.on.to_string()
                } else {
                    format!("{} {}", o.on, o.note)
                }
            })
            .unwrap_or_default(),
        assistance_id: m
            .outcome
            .as_ref()
            .and_then(|o| o.assistance_id)
            .map(|a| a.0),
        version: m.version,
    }
}
