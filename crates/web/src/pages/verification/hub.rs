//! The 部门核对 hub: the dataset catalogue (which an administrator edits,
//! see `datasets.rs`), the upload form and what it refused, the batches
//! sent, and (for administrators) the matching key.
//! Reading the file is `crate::verification_file`; the rules are the
//! domain's and the service's.

use crate::pages::prelude::*;
use crate::verification_file::{self, FileRows, Refusal};
use crate::view::local_time;
use axum::extract::Multipart;
use bangfu_domain::verification::{Dataset, FieldKind, RowProblem};
use bangfu_domain::Permission;
use bangfu_service::import::MAX_FILE_BYTES;
use bangfu_service::verification::{Batch, BatchInput, Hub, Started, StoredDataset};
use bangfu_service::{PageRequest, ServiceError};

/// Row problems shown on the page (all are counted).
const SHOWN_PROBLEMS: usize = 1_000;

pub struct FieldView {
    pub code: &'static str,
    pub label: String,
    pub required: bool,
}

/// A dataset of the catalogue as the hub lists it.
pub struct DatasetView {
    pub code: String,
    pub label: String,
    pub department: String,
    /// The rule it follows, and what a match means under it.
    pub kind_label: &'static str,
    pub meaning: &'static str,
    pub active: bool,
    pub builtin: bool,
    pub fields: Vec<FieldView>,
}

/// A kind (rule) an administrator may choose for a new dataset.
pub struct KindView {
    pub code: &'static str,
    pub label: &'static str,
    /// Its fields, in words (money in yuan).
    pub fields: String,
    /// What a match means for a file.
    pub meaning: &'static str,
}

fn fields_of(kind: Dataset) -> Vec<FieldView> {
    kind.fields()
        .iter()
        .map(|f| FieldView {
            code: f.code,
            label: if f.kind == FieldKind::Money {
                format!("{}（元）", f.label)
            } else {
                f.label.to_owned()
            },
            required: f.required,
        })
        .collect()
}

fn catalogue(datasets: &[StoredDataset]) -> Vec<DatasetView> {
    datasets
        .iter()
        .map(|d| DatasetView {
            code: d.entry.code.clone(),
            label: d.entry.label.clone(),
            department: d.entry.department.clone(),
            kind_label: d.entry.kind.label(),
            meaning: d.entry.kind.meaning(),
            active: d.entry.active,
            builtin: d.entry.is_builtin(),
            fields: fields_of(d.entry.kind),
        })
        .collect()
}

fn kinds() -> Vec<KindView> {
    Dataset::ALL
        .iter()
        .map(|k| KindView {
            code: k.code(),
            label: k.label(),
            fields: fields_of(*k)
                .iter()
                .map(|f| {
                    if f.required {
                        format!("{}（必填）", f.label)
                    } else {
                        f.label.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join("、"),
            meaning: k.meaning(),
        })
        .collect()
}

/// The catalogue's forms as typed when one was refused: the new dataset's,
/// or one dataset's edit (by code), and the message beside its field.
#[derive(Default)]
pub struct CatalogueForms {
    pub code: String,
    pub label: String,
    pub department: String,
    pub kind: String,
    /// The dataset whose edit was refused (empty: the new-dataset form).
    pub editing: String,
    pub error: Option<String>,
    pub field: &'static str,
    pub status: Option<StatusCode>,
}

/// A batch as the list and its page show it.
pub struct BatchView {
    pub id: i64,
    pub dataset: String,
    pub source: String,
    pub as_of: String,
    pub union_name: String,
    pub file_name: String,
    pub key_id: String,
    pub rows: i64,
    pub hashed_rows: i64,
    pub duplicate_rows: i64,
    pub matched_people: i64,
    pub findings: i64,
    pub created_by: String,
    pub created_at: String,
}

impl From<&Batch> for BatchView {
    fn from(b: &Batch) -> Self {
        Self {
            id: b.id,
            dataset: b.dataset.label.clone(),
            source: b.source.clone(),
            as_of: b.as_of.to_string(),
            union_name: b.union_name.clone(),
            file_name: b.file_name.clone().unwrap_or_default(),
            key_id: b.key_id.map(|k| k.to_string()).unwrap_or_default(),
            rows: b.rows,
            hashed_rows: b.hashed_rows,
            duplicate_rows: b.duplicate_rows,
            matched_people: b.matched_people,
            findings: b.findings,
            created_by: b.created_by_name.clone(),
            created_at: local_time(&b.created_at),
        }
    }
}

pub struct KeyPanel {
    pub key_id: i64,
    pub key: String,
    pub created_at: String,
    pub retired: Vec<(i64, String)>,
}

/// What the upload form carries back when it is shown again.
#[derive(Default)]
pub struct UploadForm {
    pub dataset: String,
    pub source: String,
    pub as_of: String,
}

/// The row problems of a refused file.
pub struct ProblemsView {
    pub total: usize,
    pub shown: Vec<RowProblem>,
}

#[derive(Template)]
#[template(path = "verification.html")]
struct HubPage {
    chrome: Chrome,
    notice: Option<String>,
    datasets: Vec<DatasetView>,
    kinds: Vec<KindView>,
    cat: CatalogueForms,
    can_send: bool,
    form: UploadForm,
    error: Option<String>,
    field: &'static str,
    problems: Option<ProblemsView>,
    batches: Vec<BatchView>,
    total: i64,
    pager: Pager,
    manages_key: bool,
    key: Option<KeyPanel>,
    max_mb: usize,
    /// Links to the findings and the thresholds, for those who read them.
    can_findings: bool,
    can_thresholds: bool,
}

/// A failed upload, shown on the hub.
#[derive(Default)]
pub(super) struct Failure {
    status: Option<StatusCode>,
    error: Option<String>,
    field: &'static str,
    problems: Option<ProblemsView>,
}

pub(super) fn render_hub(
    actor: &Actor,
    hub: Hub,
    form: UploadForm,
    notice: Option<Notice>,
    failure: Failure,
    cat: CatalogueForms,
) -> Response {
    let key = hub.key.map(|k| KeyPanel {
        key_id: k.key_id,
        key: k.key,
        created_at: local_time(&k.created_at),
        retired: k
            .retired
            .iter()
            .map(|(id, at)| (*id, local_time(at)))
            .collect(),
    });
    render_status(
        failure.status.or(cat.status).unwrap_or(StatusCode::OK),
        &HubPage {
            chrome: Chrome::new(actor, "部门核对", "verification"),
            notice: notice.map(|n| n.text()),
            datasets: catalogue(&hub.datasets),
            kinds: kinds(),
            cat,
            can_send: actor.can(Permission::SendDatasets),
            form,
            error: failure.error,
            field: failure.field,
            problems: failure.problems,
            pager: pager("/verification", &[], hub.batches.page, hub.batches.pages()),
            total: hub.batches.total,
            batches: hub.batches.items.iter().map(BatchView::from).collect(),
            manages_key: hub.manages_key,
            key,
            max_mb: MAX_FILE_BYTES / 1024 / 1024,
            can_findings: actor.can(Permission::ReadHouseholds),
            can_thresholds: actor.can(Permission::ReadHouseholds)
                || actor.can(Permission::ManageVerification),
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct HubQuery {
    page: Option<i64>,
    notice: Option<String>,
}

pub async fn hub_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<HubQuery>,
) -> PageResult {
    let hub = state
        .services
        .verification_hub(&actor, PageRequest::new(q.page, Some(20)))
        .await?;
    Ok(render_hub(
        &actor,
        hub,
        UploadForm::default(),
        Notice::find(Notice::VERIFICATION, q.notice.as_deref()),
        Failure::default(),
        CatalogueForms::default(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct TemplateQuery {
    #[serde(default)]
    dataset: String,
}

/// Who may see the hub may download a template.
fn require_hub(actor: &Actor) -> Result<(), PageError> {
    if actor.can(Permission::SendDatasets) || actor.can(Permission::ReadHouseholds) {
        Ok(())
    } else {
        Err(PageError::Service(ServiceError::Forbidden))
    }
}

pub async fn template(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<TemplateQuery>,
) -> PageResult {
    require_hub(&actor)?;
    let dataset = state
        .services
        .verification_dataset_resolve(&actor, &q.dataset)
        .await?;
    let name = format!("{}（{}）", dataset.label, dataset.department);
    let bytes = verification_file::template(dataset.kind, &name)
        .map_err(|e| PageError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(
        &format!("{}报送模板.xlsx", dataset.label),
        bytes,
    ))
}

pub async fn key_rotate(State(state): State<AppState>, PageActor(actor): PageActor) -> PageResult {
    state.services.verification_key_rotate(&actor).await?;
    Ok(Redirect::to(&format!("/verification?{}#key", Notice::KeyRotated.query())).into_response())
}

/// The form's text fields and its file (name, bytes).
async fn read_form(mut mp: Multipart) -> Result<(UploadForm, Option<(String, Vec<u8>)>), String> {
    let too_big = || {
        format!(
            "文件过大：单个文件不超过 {} MB，请分成几批报送",
            MAX_FILE_BYTES / 1024 / 1024
        )
    };
    let mut form = UploadForm::default();
    let mut file = None;
    while let Some(mut field) = mp.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "dataset" | "source" | "as_of" => {
                let v = field.text().await.map_err(|_| too_big())?;
                match name.as_str() {
                    "dataset" => form.dataset = v,
                    "source" => form.source = v,
                    _ => form.as_of = v,
                }
            }
            "file" => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let bytes = crate::pages::forms::file_bytes(&mut field, MAX_FILE_BYTES)
                    .await
                    .map_err(|_| too_big())?
                    .ok_or_else(too_big)?;
                file = Some((file_name, bytes));
            }
            _ => {}
        }
    }
    Ok((form, file))
}

/// Reads the file off the async threads; a reader that panics on a
/// malformed file is a refused file, not a crashed request.
async fn read_file(
    dataset: Dataset,
    label: String,
    name: String,
    bytes: Vec<u8>,
) -> Result<FileRows, Refusal> {
    tokio::task::spawn_blocking(move || verification_file::read(dataset, &label, &name, bytes))
        .await
        .unwrap_or_else(|_| {
            Err(Refusal::File(
                "无法读取该文件：它已损坏，或不是有效的 .xlsx / .csv 文件".into(),
            ))
        })
}

fn problems_view(total: usize, mut problems: Vec<RowProblem>) -> ProblemsView {
    problems.truncate(SHOWN_PROBLEMS);
    ProblemsView {
        total,
        shown: problems,
    }
}

pub async fn upload(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    mp: Multipart,
) -> PageResult {
    if !actor.can(Permission::SendDatasets) {
        return Err(PageError::Service(ServiceError::Forbidden));
    }
    let (form, failure) = match read_form(mp).await {
        Err(msg) => (UploadForm::default(), file_failure(msg)),
        Ok((form, file)) => match receive(&state, &actor, &form, file).await? {
            Ok(Started::Done(batch)) => {
                let to = format!(
                    "/verification/batches/{}?{}",
                    batch.id,
                    received(&batch).query()
                );
                return Ok(Redirect::to(&to).into_response());
            }
            Ok(Started::Job(id)) => {
                return Ok(Redirect::to(&format!("/verification/jobs/{id}")).into_response());
            }
            Err(failure) => (form, failure),
        },
    };
    let hub = state
        .services
        .verification_hub(&actor, PageRequest::new(Some(1), Some(20)))
        .await?;
    Ok(render_hub(
        &actor,
        hub,
        form,
        None,
        failure,
        CatalogueForms::default(),
    ))
}

/// The notice of a batch just received, with its counts.
pub fn received(b: &Batch) -> Notice {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Notice::BatchReceived {
        rows: n(b.rows),
        matched: n(b.matched_people),
        findings: n(b.findings),
    }
}

fn file_failure(msg: String) -> Failure {
    field_failure(StatusCode::BAD_REQUEST, "file", msg)
}

fn field_failure(status: StatusCode, field: &'static str, msg: String) -> Failure {
    Failure {
        status: Some(status),
        error: Some(msg),
        field,
        problems: None,
    }
}

fn rows_failure(total: usize, problems: Vec<RowProblem>) -> Failure {
    Failure {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        error: None,
        field: "",
        problems: Some(problems_view(total, problems)),
    }
}

/// Reads the file and hands its rows to the service: the batch, or what
/// the page says about a refusal (an unexpected error is the page's error).
async fn receive(
    state: &AppState,
    actor: &Actor,
    form: &UploadForm,
    file: Option<(String, Vec<u8>)>,
) -> Result<Result<Started, Failure>, PageError> {
    let dataset = match state
        .services
        .verification_dataset_resolve(actor, &form.dataset)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            return Ok(Err(field_failure(status, "dataset", msg)));
        }
    };
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() || !b.is_empty()) else {
        return Ok(Err(file_failure(
            "请选择要上传的 .xlsx 或 .csv 文件".into(),
        )));
    };
    let rows = match read_file(dataset.kind, dataset.label.clone(), name.clone(), bytes).await {
        Ok(r) => r,
        Err(Refusal::File(msg)) => return Ok(Err(file_failure(msg))),
        Err(Refusal::Rows(p)) => return Ok(Err(rows_failure(p.len(), p))),
    };
    let input = BatchInput {
        dataset: dataset.code.clone(),
        source: form.source.clone(),
        as_of: form.as_of.clone(),
        key_id: None,
        file_name: Some(name),
        rows: rows.rows,
        first_row: rows.first_row,
    };
    // A large batch is matched in the background once its rows parse.
    match state.services.verification_batch_start(actor, input).await {
        Ok(b) => Ok(Ok(b)),
        Err(ServiceError::InvalidRows { total, problems }) => {
            Ok(Err(rows_failure(total, problems)))
        }
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            // A field the form has; anything else (the rows) is the file's.
            let field = field
                .filter(|f| matches!(*f, "dataset" | "source" | "as_of"))
                .unwrap_or("file");
            Ok(Err(field_failure(status, field, msg)))
        }
    }
}
