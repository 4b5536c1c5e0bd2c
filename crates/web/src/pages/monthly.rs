//! Pages: the monthly run (月度评估) and the to-do items it leaves.

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
