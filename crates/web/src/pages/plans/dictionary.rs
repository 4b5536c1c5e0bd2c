//! The dictionary of goals, measure kinds and other catalogues (/dictionary).

use crate::pages::prelude::*;
use bangfu_domain::assistance::Catalogue;
use bangfu_domain::{Permission, ValidationError};
use bangfu_service::dictionary::{may_edit, EntryChanges, NewEntry};
use bangfu_service::ServiceError;

pub struct EntryView {
    pub code: String,
    pub label: String,
    pub position: i32,
    pub active: bool,
}

pub struct CatalogueView {
    pub kind: &'static str,
    pub label: &'static str,
    pub entries: Vec<EntryView>,
}

#[derive(Template)]
#[template(path = "dictionary.html")]
pub(crate) struct DictionaryPage {
    pub(crate) chrome: Chrome,
    pub(crate) catalogues: Vec<CatalogueView>,
    pub(crate) can_edit: bool,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
    /// The new-entry form as typed when refused: kind, code, label, position.
    pub(crate) new_kind: String,
    pub(crate) new_code: String,
    pub(crate) new_label: String,
    pub(crate) new_position: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct EntryForm {
    #[serde(default)]
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) label: String,
    #[serde(default)]
    pub(crate) position: String,
    #[serde(default)]
    pub(crate) active: String,
}

pub(crate) async fn dictionary_view(
    state: &AppState,
    actor: &Actor,
    notice: Option<Notice>,
    error: Option<String>,
    new: Option<(String, EntryForm)>,
    status: StatusCode,
) -> PageResult {
    if !actor.can(Permission::ManageCatalogues) {
        return Err(ServiceError::Forbidden.into());
    }
    let all = state.services.dictionary_list(actor, None, false).await?;
    let catalogues = Catalogue::ALL
        .iter()
        .map(|k| CatalogueView {
            kind: k.code(),
            label: k.label(),
            entries: all
                .iter()
                .filter(|e| e.kind == *k)
                .map(|e| EntryView {
                    code: e.code.clone(),
                    label: e.label.clone(),
                    position: e.position,
                    active: e.active,
                })
                .collect(),
        })
        .collect();
    let (new_kind, f) = new.unwrap_or_default();
    Ok(render_status(
        status,
        &DictionaryPage {
            chrome: Chrome::new(actor, "帮扶目录", "dictionary"),
            catalogues,
            can_edit: may_edit(actor),
            notice,
            error,
            new_kind,
            new_code: f.code,
            new_label: f.label,
            new_position: f.position,
        },
    ))
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    pub(crate) notice: String,
}

pub(crate) async fn dictionary_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    dictionary_view(
        &state,
        &actor,
        Notice::find(Notice::PLANS, Some(&q.notice)),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

pub(crate) fn parse_catalogue(raw: &str) -> Result<Catalogue, PageError> {
    Catalogue::parse(raw).map_err(|e| PageError::BadRequest(e.message))
}

/// Both entry forms answer alike: back to the kind's section with a notice, or the page
/// again with the message (and, for a new entry, the form as typed).
async fn entry_answer<T>(
    state: &AppState,
    actor: &Actor,
    kind: String,
    result: Result<T, ServiceError>,
    new_form: Option<EntryForm>,
) -> PageResult {
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/dictionary?{}#{kind}",
            Notice::EntrySaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let new = new_form.map(|f| (kind, f));
            dictionary_view(state, actor, None, Some(msg), new, status).await
        }
    }
}

pub(crate) fn parse_position(raw: &str) -> Result<Option<i32>, ServiceError> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| ValidationError::new("position", "排序应为整数").into()),
    }
}

pub(crate) async fn entry_new_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(kind): Path<String>,
    Form(f): Form<EntryForm>,
) -> PageResult {
    let k = parse_catalogue(&kind)?;
    let r = match parse_position(&f.position) {
        Ok(position) => {
            state
                .services
                .dictionary_add(
                    &actor,
                    k,
                    NewEntry {
                        code: f.code.clone(),
                        label: f.label.clone(),
                        position,
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    entry_answer(&state, &actor, kind, r, Some(f)).await
}

pub(crate) async fn entry_edit_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((kind, code)): Path<(String, String)>,
    Form(f): Form<EntryForm>,
) -> PageResult {
    let k = parse_catalogue(&kind)?;
    let r = match parse_position(&f.position) {
        Ok(position) => {
            state
                .services
                .dictionary_edit(
                    &actor,
                    k,
                    code,
                    EntryChanges {
                        label: Some(f.label.clone()).filter(|l| !l.trim().is_empty()),
                        position,
                        active: match f.active.as_str() {
                            "true" | "1" | "on" => Some(true),
                            "false" | "0" => Some(false),
                            _ => None,
                        },
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    entry_answer(&state, &actor, kind, r, None).await
}
