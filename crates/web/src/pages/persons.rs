//! 个人信息副本: the form an officer fills when a person asks for a copy of
//! everything Bangfu holds about them (PIPL art. 45), and the download.
//! The API's `POST /api/v1/persons/export` answers the same workbook.

use crate::pages::prelude::*;
use axum::routing::get;
use axum::Router;
use bangfu_domain::Permission;
use bangfu_service::person_export::{PersonExport, REASON_MAX};
use bangfu_service::ServiceError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/persons/export", get(form_page).post(submit))
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ExportForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "person_export.html")]
struct FormPage {
    chrome: Chrome,
    id_number: String,
    reason: String,
    reason_max: usize,
    /// A refusal that is about no one field (nobody found).
    error: Option<String>,
    id_error: Option<String>,
    reason_error: Option<String>,
}

impl FormPage {
    fn new(actor: &Actor, form: ExportForm) -> Self {
        Self {
            chrome: Chrome::new(actor, "导出个人信息副本", "households"),
            id_number: form.id_number,
            reason: form.reason,
            reason_max: REASON_MAX,
            error: None,
            id_error: None,
            reason_error: None,
        }
    }
}

fn allowed(actor: &Actor) -> Result<(), PageError> {
    if actor.can(Permission::RevealIdentity) && actor.can(Permission::ReadHouseholds) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden.into())
    }
}

async fn form_page(PageActor(actor): PageActor) -> PageResult {
    allowed(&actor)?;
    Ok(render(&FormPage::new(&actor, ExportForm::default())))
}

async fn submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<ExportForm>,
) -> PageResult {
    allowed(&actor)?;
    let result = state
        .services
        .person_export(&actor, &form.id_number, &form.reason)
        .await;
    let e = match result {
        Ok(copy) => {
            return person_download(&copy)
                .map_err(|e| PageError::Service(ServiceError::Internal(e)))
        }
        Err(e) => e,
    };
    let mut page = FormPage::new(&actor, form);
    let status = crate::error::status_of(&e);
    match e {
        ServiceError::NotFound(_) => page.error = Some(e.to_string()),
        e => {
            let refusals = e.refusals();
            if refusals.is_empty() {
                return Err(e.into());
            }
            for r in refusals {
                match r.field {
                    "id_number" => page.id_error = Some(r.message),
                    _ => page.reason_error = Some(r.message),
                }
            }
        }
    }
    Ok(render_status(status, &page))
}

/// The copy as an .xlsx download, named by the masked number: for the
/// page and the API alike.
pub(crate) fn person_download(copy: &PersonExport) -> Result<Response, String> {
    let bytes = crate::xlsx::typed_workbook(&copy.sheets)?;
    let m = &copy.id_masked;
    let head: String = m.chars().take(4).collect();
    let tail: String = m
        .chars()
        .skip(m.chars().count().saturating_sub(4))
        .collect();
    Ok(crate::xlsx::download_as(
        &format!("个人信息副本-{head}-{tail}.xlsx"),
        &format!("person-{head}-{tail}.xlsx"),
        bytes,
    ))
}
