//! Pages: the province panel (统计报表) and yearly targets (目标任务).

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
}
