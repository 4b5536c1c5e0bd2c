//! Pages: the fund audit: run the checks, list and resolve findings.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
