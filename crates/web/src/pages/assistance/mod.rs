//! Pages: assistance records, regular subsidies and referrals.

use crate::pages::prelude::*;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::assistance::{AssistanceStatus, Catalogue, Stage};
use bangfu_domain::funds::Source;
use bangfu_service::assistance::Assistance;
use bangfu_service::ServiceError;

mod household;
mod list;
mod referrals;
mod subsidies;

pub(crate) use self::{household::*, list::*, referrals::*, subsidies::*};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/households/{id}/assistance",
            get(household_page).post(household_record),
        )
        .route(
            "/households/{id}/referrals",
            get(household_referrals).post(household_send),
        )
        .route("/assistance", get(list_page))
        .route("/assistance/export.xlsx", get(list_export))
        .route("/assistance/{id}/approve", post(approve))
        .route("/assistance/{id}/refuse", post(refuse))
        .route("/assistance/{id}/reverse", post(reverse))
        .route("/subsidies", get(subsidies_page).post(subsidy_create))
        .route("/subsidies/{id}/stop", post(subsidy_stop))
        .route("/subsidies/generate", post(subsidy_generate))
        .route("/subsidies/pay", post(subsidy_pay))
        .route("/referrals", get(referrals_page))
        .route("/referrals/{id}/answer", post(referral_answer))
}

type Opts = Vec<(String, String)>;

/// What a household's assistance tab (records or referrals) shows besides the file: the
/// form as typed, a notice, the error beside its field and the status to answer with. A tab
/// is shown either fresh from a link or again after its form failed.
pub(crate) struct TabState<F> {
    pub(crate) form: Option<F>,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
    pub(crate) field: &'static str,
    pub(crate) status: StatusCode,
}

impl<F> TabState<F> {
    /// The tab as a link opens it, with the notice the link carries.
    pub(crate) fn shown(notice: Option<Notice>) -> Self {
        Self {
            form: None,
            notice,
            error: None,
            field: "",
            status: StatusCode::OK,
        }
    }

    /// The tab again after a failed form: the message (after `prefix`) beside its field.
    pub(crate) fn failed(
        form: Option<F>,
        e: ServiceError,
        prefix: &str,
    ) -> Result<Self, PageError> {
        let (status, msg, field) = form_failure(e)?;
        Ok(Self {
            form,
            notice: None,
            error: Some(format!("{prefix}{msg}")),
            field: field.unwrap_or(""),
            status,
        })
    }
}

fn sources() -> Opts {
    [
        Source::Union,
        Source::Returned,
        Source::Finance,
        Source::Donation,
    ]
    .iter()
    .map(|s| (s.code().to_owned(), s.label().to_owned()))
    .collect()
}

fn stages() -> Opts {
    [
        Stage::Primary,
        Stage::Junior,
        Stage::Senior,
        Stage::Vocational,
        Stage::College,
        Stage::Undergraduate,
        Stage::Graduate,
    ]
    .iter()
    .map(|s| (s.code().to_owned(), s.label().to_owned()))
    .collect()
}

async fn catalogue(
    state: &AppState,
    actor: &Actor,
    kind: Catalogue,
    all: bool,
) -> Result<Opts, PageError> {
    Ok(state
        .services
        .assistance_catalogue(actor, kind, all)
        .await?
        .into_iter()
        .map(|e| (e.code, e.label))
        .collect())
}

fn label_of(opts: &Opts, code: &str) -> String {
    opts.iter()
        .find(|(c, _)| c == code)
        .map(|(_, l)| l.clone())
        .unwrap_or_else(|| code.to_owned())
}

/// The notice of the assistance pages for `?notice=<code>`.
fn notice(code: &str) -> Option<Notice> {
    Notice::find_or_done(Notice::ASSISTANCE, Some(code))
}

fn status_class(s: AssistanceStatus) -> &'static str {
    match s {
        AssistanceStatus::Given => "ok",
        AssistanceStatus::Pending => "warn",
        AssistanceStatus::Refused | AssistanceStatus::Reversed => "off",
    }
}

pub struct RecordView {
    id: i64,
    household_id: i64,
    worker_name: String,
    file_no: String,
    union_name: String,
    kind: String,
    given_on: String,
    cash: String,
    goods: String,
    goods_value: String,
    persons: i32,
    source: String,
    education: String,
    note: String,
    status: &'static str,
    status_class: &'static str,
    given: bool,
    given_by: String,
    origin: String,
}

impl RecordView {
    fn of(a: &Assistance, kinds: &Opts) -> Self {
        Self {
            id: a.id.0,
            household_id: a.household_id.0,
            worker_name: a.worker_name.clone(),
            file_no: a.file_no.clone(),
            union_name: a.union_name.clone(),
            kind: label_of(kinds, &a.kind),
            given_on: a.given_on.to_string(),
            cash: a.cash.yuan_grouped(),
            goods: a.goods.clone(),
            goods_value: a.goods_value.yuan_grouped(),
            persons: a.persons,
            source: a.source.map(|s| s.label().to_owned()).unwrap_or_default(),
            education: match (&a.school, a.stage) {
                (Some(s), Some(st)) => format!("{s}（{}）", st.label()),
                _ => String::new(),
            },
            note: a.note.clone(),
            status: a.status.label(),
            status_class: status_class(a.status),
            given: a.status == AssistanceStatus::Given,
            given_by: a.given_by_name.clone(),
            origin: if a.subsidy_id.is_some() {
                "常态化补助".into()
            } else if a.referral_id.is_some() {
                "需求推送".into()
            } else {
                String::new()
            },
        }
    }

    fn row(&self) -> Vec<String> {
        vec![
            self.given_on.clone(),
            self.worker_name.clone(),
            self.file_no.clone(),
            self.kind.clone(),
            self.cash.clone(),
            self.goods.clone(),
            self.goods_value.clone(),
            self.persons.to_string(),
            self.source.clone(),
            self.union_name.clone(),
            self.education.clone(),
            self.status.to_owned(),
            self.given_by.clone(),
            self.note.clone(),
        ]
    }
}

pub struct TotalsView {
    label: String,
    cash: String,
    goods_value: String,
    household_times: i64,
    person_times: i64,
}
