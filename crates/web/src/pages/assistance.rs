//! Pages: assistance records, regular subsidies and referrals.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
