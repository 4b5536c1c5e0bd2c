//! Pages: fund accounts, receipts, allocations, reversals and statements.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
