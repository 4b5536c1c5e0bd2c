//! Pages: exits (脱困), reliefs (解困), removals and their approval, relapse and reopening.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
