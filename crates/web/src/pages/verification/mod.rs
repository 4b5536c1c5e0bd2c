//! 部门核对 (cross-department verification): the hub (catalogue and its
//! forms, upload,
//! batches, the matching key), the asset thresholds, the template download, a batch's page and
//! a large batch's job page.
//! The findings pages are routed from their own files.

mod batch;
mod datasets;
mod hub;
mod job;
mod thresholds;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verification", get(hub::hub_page))
        .route("/verification/template", get(hub::template))
        .route("/verification/key/rotate", post(hub::key_rotate))
        .route("/verification/datasets", post(datasets::dataset_add))
        .route(
            "/verification/datasets/{code}",
            post(datasets::dataset_edit),
        )
        .route(
            "/verification/thresholds",
            get(thresholds::thresholds_page).post(thresholds::thresholds_save),
        )
        .route("/verification/batches/{id}", get(batch::batch_page))
        .route("/verification/jobs/{id}", get(job::job_page))
        .route("/verification/jobs/{id}/progress", get(job::job_fragment))
}

/// The upload itself: mounted with the large body limit (see `lib.rs`).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/verification/upload", post(hub::upload))
}
