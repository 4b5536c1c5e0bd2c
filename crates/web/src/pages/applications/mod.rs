//! Applications for filing. The public pages need no account and work on a
//! phone without JavaScript: the application form (一键申报, `apply`), the
//! applicant's status check (`status`) and the self-check calculator
//! (`check`). The staff's list and review pages are `officer`.

mod apply;
mod apply_form;
mod check;
mod officer;
mod status;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apply", get(apply::apply_page))
        .route("/apply/unions", get(apply::unions_partial))
        .route("/apply/member", get(apply::member_partial))
        .route(
            "/apply/status",
            get(status::status_page).post(status::status_submit),
        )
        .route("/check", get(check::check_page).post(check::check_submit))
        .route("/check/grid", post(check::grid_partial))
        .route("/applications", get(officer::list_page))
        .route("/applications/{id}", get(officer::detail_page))
        .route("/applications/{id}/act", post(officer::act_submit))
        .route(
            "/applications/{id}/files/{file}",
            get(officer::file_download),
        )
}

/// `POST /apply` takes documents, so it is mounted with the upload routes.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/apply", post(apply::apply_submit))
}
