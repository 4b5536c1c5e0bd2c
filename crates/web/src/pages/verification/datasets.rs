//! The catalogue's forms on the 部门核对 hub, for an administrator: add a
//! dataset following the rule of a kind, rename it or change its
//! department, deactivate it (after a confirmation) or reactivate it. A
//! refused form comes back as typed with the message beside its field.

use super::hub::{render_hub, CatalogueForms, Failure, UploadForm};
use crate::pages::prelude::*;
use bangfu_service::verification::{DatasetChanges, NewDataset};
use bangfu_service::{PageRequest, ServiceError};

#[derive(Debug, Deserialize, Default)]
pub struct DatasetForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    kind: String,
    /// On an edit: "true" or "false" to (de)activate; absent: unchanged.
    #[serde(default)]
    active: String,
}

/// Back to the catalogue with a notice, or the hub again with the form as
/// typed and the message beside its field.
async fn answer<T>(
    state: &AppState,
    actor: &Actor,
    result: Result<T, ServiceError>,
    notice: Notice,
    mut forms: CatalogueForms,
) -> PageResult {
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/verification?{}#catalogue", notice.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            forms.status = Some(status);
            forms.error = Some(msg);
            forms.field = field
                .filter(|f| matches!(*f, "code" | "label" | "department" | "kind"))
                .unwrap_or("");
            let hub = state
                .services
                .verification_hub(actor, PageRequest::new(Some(1), Some(20)))
                .await?;
            Ok(render_hub(
                actor,
                hub,
                UploadForm::default(),
                None,
                Failure::default(),
                forms,
            ))
        }
    }
}

pub async fn dataset_add(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<DatasetForm>,
) -> PageResult {
    let r = state
        .services
        .verification_dataset_add(
            &actor,
            NewDataset {
                code: f.code.clone(),
                label: f.label.clone(),
                department: f.department.clone(),
                kind: f.kind.clone(),
            },
        )
        .await;
    let forms = CatalogueForms {
        code: f.code,
        label: f.label,
        department: f.department,
        kind: f.kind,
        ..CatalogueForms::default()
    };
    answer(&state, &actor, r, Notice::DatasetAdded, forms).await
}

pub async fn dataset_edit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(code): Path<String>,
    Form(f): Form<DatasetForm>,
) -> PageResult {
    let active = match f.active.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    // A (de)activation button sends no label or department: they stay.
    let changes = DatasetChanges {
        label: Some(f.label.clone()).filter(|_| active.is_none()),
        department: Some(f.department.clone()).filter(|_| active.is_none()),
        active,
    };
    let r = state
        .services
        .verification_dataset_edit(&actor, code.clone(), changes)
        .await;
    let forms = CatalogueForms {
        label: f.label,
        department: f.department,
        editing: code,
        ..CatalogueForms::default()
    };
    answer(&state, &actor, r, Notice::DatasetSaved, forms).await
}
