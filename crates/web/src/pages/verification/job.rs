//! A large batch's job page (核对任务): its phase and a progress bar, the
//! fragment polled by htmx, and on success the way to the batch (an htmx
//! poll is sent on with `HX-Redirect`).

use super::hub::received;
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::http::{HeaderMap, HeaderValue};
use bangfu_service::verification::BatchJob;

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
    /// The failure's message.
    pub error: Option<String>,
    /// The batch page with the received notice (the job succeeded).
    pub batch_href: Option<String>,
    pub batch_id: i64,
}

fn card(j: &BatchJob) -> JobCard {
    let s = &j.state;
    let batch_href = j
        .batch
        .as_ref()
        .map(|b| format!("/verification/batches/{}?{}", b.id, received(b).query()));
    let failed = s.finished() && j.batch.is_none() && !s.interrupted;
    JobCard {
        id: s.id,
        status: s.status.code(),
        status_label: if s.interrupted {
            "已中断"
        } else {
            s.status.label()
        },
        phase: s.phase.clone(),
        done: s.done,
        total: s.total,
        percent: s.percent(),
        indeterminate: j.indeterminate,
        finished: s.finished(),
        interrupted: s.interrupted,
        file_name: j.file_name.clone().unwrap_or_default(),
        created_at: local_time(&s.created_at),
        updated_at: local_time(&s.updated_at),
        error: failed.then(|| s.message.clone().unwrap_or_default()),
        batch_id: j.batch.as_ref().map_or(0, |b| b.id),
        batch_href,
    }
}

#[derive(Template)]
#[template(path = "verification_job.html")]
struct JobPage {
    chrome: Chrome,
    j: JobCard,
}

#[derive(Template)]
#[template(path = "verification_job_partial.html")]
struct JobFragment {
    j: JobCard,
}

pub async fn job_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let j = state.services.verification_batch_job(&actor, id).await?;
    Ok(render(&JobPage {
        chrome: Chrome::new(&actor, format!("核对任务 #{id}"), "verification"),
        j: card(&j),
    }))
}

pub async fn job_fragment(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> PageResult {
    let j = state.services.verification_batch_job(&actor, id).await?;
    let j = card(&j);
    let to = headers
        .contains_key("hx-request")
        .then(|| j.batch_href.clone())
        .flatten();
    let mut res = render(&JobFragment { j });
    if let Some(v) = to.and_then(|t| HeaderValue::from_str(&t).ok()) {
        res.headers_mut().insert("hx-redirect", v);
    }
    Ok(res)
}
