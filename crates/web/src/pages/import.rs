//! Pages of the household import: the template, the upload form and its
//! result, and the page of a background job with a self-refreshing progress
//! bar. Reading the workbook is `crate::import_xlsx`; the rules are the
//! service's.

use super::households::filing_unions;
use crate::import_xlsx;
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::extract::Multipart;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::Permission;
use bangfu_service::import::{
    ImportFile, ImportOutcome, ImportReport, JobView, BACKGROUND_ABOVE, MAX_FILE_BYTES,
    MAX_HOUSEHOLD_ROWS,
};
use bangfu_service::ServiceError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households/import", get(import_page))
        .route("/households/import/template.xlsx", get(template))
        .route("/jobs/{id}", get(job_page))
        .route("/jobs/{id}/progress", get(job_fragment))
        .route("/jobs/{id}/errors.xlsx", get(job_errors))
}

/// The upload itself: mounted with the large body limit (see `lib.rs`).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/households/import", post(import_submit))
}

/// Errors shown on a page (the rest are in the Excel error list).
const SHOWN_ERRORS: usize = 200;

pub struct IssueView {
    pub sheet: String,
    pub row: String,
    pub column: String,
    pub message: String,
}

pub struct ReportView {
    pub headline: String,
    pub total: usize,
    /// How many the stored list (and so the Excel file) holds.
    pub listed: usize,
    pub shown: Vec<IssueView>,
    pub more: usize,
    pub xlsx_href: Option<String>,
}

fn report_view(r: &ImportReport, job_id: Option<i64>) -> ReportView {
    let shown: Vec<IssueView> = r
        .errors
        .iter()
        .take(SHOWN_ERRORS)
        .map(|e| IssueView {
            sheet: e.sheet.clone().unwrap_or_else(|| "（整个文件）".into()),
            row: e.row.map(|x| x.to_string()).unwrap_or_default(),
            column: e.column.clone().unwrap_or_default(),
            message: e.message.clone(),
        })
        .collect();
    ReportView {
        headline: r.headline(),
        total: r.error_total,
        listed: r.errors.len(),
        more: r.error_total.saturating_sub(shown.len()),
        shown,
        xlsx_href: job_id.map(|id| format!("/jobs/{id}/errors.xlsx")),
    }
}

fn list_href(union_id: i64) -> String {
    format!("/households?union_id={union_id}&sort=updated_desc")
}

fn require_manage(actor: &Actor) -> Result<(), PageError> {
    if actor.can(Permission::ManageHouseholds) {
        Ok(())
    } else {
        Err(PageError::Service(ServiceError::Forbidden))
    }
}

#[derive(Template)]
#[template(path = "household_import.html")]
struct ImportPage {
    chrome: Chrome,
    unions: Vec<(i64, String)>,
    union_id: i64,
    error: Option<String>,
    summary: Option<String>,
    list_href: String,
    report: Option<ReportView>,
    max_mb: usize,
    max_rows: usize,
    background_above: usize,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    union_id: i64,
    status: StatusCode,
    error: Option<String>,
    summary: Option<(String, i64)>,
    report: Option<ReportView>,
) -> PageResult {
    Ok(render_status(
        status,
        &ImportPage {
            chrome: Chrome::new(actor, "导入困难职工档案", "households"),
            unions: filing_unions(state, actor).await?,
            union_id,
            error,
            list_href: summary
                .as_ref()
                .map(|(_, u)| list_href(*u))
                .unwrap_or_default(),
            summary: summary.map(|(s, _)| s),
            report,
            max_mb: MAX_FILE_BYTES / 1024 / 1024,
            max_rows: MAX_HOUSEHOLD_ROWS,
            background_above: BACKGROUND_ABOVE,
        },
    ))
}

async fn import_page(State(state): State<AppState>, PageActor(actor): PageActor) -> PageResult {
    require_manage(&actor)?;
    let own = actor.user.union_id.0;
    page(&state, &actor, own, StatusCode::OK, None, None, None).await
}

async fn template(PageActor(actor): PageActor) -> PageResult {
    require_manage(&actor)?;
    let bytes =
        import_xlsx::template().map_err(|e| PageError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download("困难职工档案导入模板.xlsx", bytes))
}

/// The form's fields: the filing union and the file (name, bytes).
async fn read_form(mut mp: Multipart) -> Result<(Option<i64>, Option<(String, Vec<u8>)>), String> {
    let too_big = || {
        format!(
            "文件过大：单个导入文件不超过 {} MB，请分成几个文件导入",
            MAX_FILE_BYTES / 1024 / 1024
        )
    };
    let mut union_id = None;
    let mut file = None;
    while let Some(mut field) = mp.next_field().await.map_err(|_| too_big())? {
        match field.name().unwrap_or_default() {
            "union_id" => {
                let v = field.text().await.map_err(|_| too_big())?;
                union_id = v.trim().parse().ok();
            }
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = crate::pages::forms::file_bytes(&mut field, MAX_FILE_BYTES)
                    .await
                    .map_err(|_| too_big())?
                    .ok_or_else(too_big)?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    Ok((union_id, file))
}

/// Reads the workbook off the async threads; a reader that panics on a
/// malformed file is a refused file, not a crashed request.
pub async fn read_workbook(bytes: Vec<u8>, file_name: String) -> Result<ImportFile, String> {
    tokio::task::spawn_blocking(move || import_xlsx::read(bytes, &file_name))
        .await
        .unwrap_or_else(|_| {
            Err("无法读取该文件：它不是有效的 Excel 工作簿（.xlsx），或已损坏".into())
        })
}

async fn import_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    mp: Multipart,
) -> PageResult {
    require_manage(&actor)?;
    let own = actor.user.union_id.0;
    let bad = |union_id: i64, msg: String| {
        let (state, actor) = (&state, &actor);
        async move {
            page(
                state,
                actor,
                union_id,
                StatusCode::BAD_REQUEST,
                Some(msg),
                None,
                None,
            )
            .await
        }
    };
    let (union_id, file) = match read_form(mp).await {
        Ok(x) => x,
        Err(msg) => return bad(own, msg).await,
    };
    let chosen = union_id.unwrap_or(own);
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() || !b.is_empty()) else {
        return bad(chosen, "请选择要导入的 .xlsx 文件".into()).await;
    };
    let workbook = match read_workbook(bytes, name).await {
        Ok(w) => w,
        Err(msg) => return bad(chosen, msg).await,
    };
    match state
        .services
        .households_import(&actor, union_id, workbook)
        .await
    {
        Ok(ImportOutcome::Imported(s)) => {
            page(
                &state,
                &actor,
                chosen,
                StatusCode::OK,
                None,
                Some((s.headline(), s.union_id)),
                None,
            )
            .await
        }
        Ok(ImportOutcome::Queued { job_id }) => {
            Ok(Redirect::to(&format!("/jobs/{job_id}")).into_response())
        }
        Ok(ImportOutcome::Invalid { job_id, report }) => {
            page(
                &state,
                &actor,
                chosen,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                Some(report_view(&report, Some(job_id))),
            )
            .await
        }
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. } | ServiceError::Rule(_)),
        ) => bad(chosen, e.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

// ---------- jobs ----------

pub struct JobCard {
    pub id: i64,
    pub status: &'static str,
    pub status_label: &'static str,
    pub phase: String,
    pub done: i64,
    pub total: i64,
    pub percent: i64,
    pub indeterminate: bool,
    pub finished: bool,
    pub interrupted: bool,
    pub file_name: String,
    pub created_at: String,
    pub updated_at: String,
    pub message: Option<String>,
    pub summary: Option<String>,
    pub list_href: String,
    pub report: Option<ReportView>,
}

fn card(j: &JobView) -> JobCard {
    JobCard {
        id: j.id,
        status: if j.interrupted {
            "interrupted"
        } else {
            j.status.code()
        },
        status_label: if j.interrupted {
            "已中断"
        } else {
            j.status.label()
        },
        phase: j.phase.clone(),
        done: j.done,
        total: j.total,
        percent: j.percent(),
        indeterminate: j.indeterminate,
        finished: j.finished(),
        interrupted: j.interrupted,
        file_name: j.file_name.clone(),
        created_at: local_time(&j.created_at),
        updated_at: local_time(&j.updated_at),
        message: j.message.clone(),
        summary: j.summary.as_ref().map(|s| s.headline()),
        list_href: list_href(j.union_id),
        report: j.report.as_ref().map(|r| report_view(r, Some(j.id))),
    }
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    chrome: Chrome,
    j: JobCard,
}

#[derive(Template)]
#[template(path = "job_progress_partial.html")]
struct JobFragment {
    j: JobCard,
}

async fn job_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let j = state.services.job_get(&actor, id).await?;
    Ok(render(&JobPage {
        chrome: Chrome::new(&actor, format!("导入任务 #{id}"), "households"),
        j: card(&j),
    }))
}

async fn job_fragment(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let j = state.services.job_get(&actor, id).await?;
    Ok(render(&JobFragment { j: card(&j) }))
}

async fn job_errors(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let j = state.services.job_get(&actor, id).await?;
    let Some(report) = j.report else {
        return Err(PageError::Service(ServiceError::NotFound("错误清单")));
    };
    let bytes = tokio::task::spawn_blocking(move || import_xlsx::error_workbook(&report))
        .await
        .map_err(|e| PageError::Service(ServiceError::Internal(e.to_string())))?
        .map_err(|e| PageError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(
        &format!("导入错误清单-{id}.xlsx"),
        bytes,
    ))
}

/// The upload routes' body limit (`lib.rs`) refuses a request larger than
/// [`crate::UPLOAD_LIMIT`] with a bare 413 before any handler runs; this
/// says so on a page, in Chinese.
pub async fn explain_too_large(res: axum::response::Response) -> axum::response::Response {
    let bare = res.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !res
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if !bare {
        return res;
    }
    super::render_error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "上传的内容过大，未被接收：单次上传不超过 {} MB，Excel 导入文件不超过 {} MB。请减小文件或分成几个文件后重试。",
            crate::UPLOAD_LIMIT / 1024 / 1024,
            MAX_FILE_BYTES / 1024 / 1024
        ),
    )
}
