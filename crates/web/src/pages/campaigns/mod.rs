//! Pages: 专项行动 — look-back (回头看) and every-household-cleared (户户清)
//! campaigns (docs/rules.md §8.2): the list and the form that starts one
//! (list), a campaign's progress by child union with its tasks, download
//! and closing (progress), and one household's task (task).

mod list;
mod progress;
mod task;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub(crate) use progress::workbook;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list::list_page).post(list::start))
        .route("/campaigns/{id}", get(progress::campaign_page))
        .route("/campaigns/{id}/export.xlsx", get(progress::export))
        .route("/campaigns/{id}/close", post(progress::close))
        .route("/campaigns/household/{household}", get(task::of_household))
        .route("/campaign-tasks/{id}", get(task::task_page))
        .route("/campaign-tasks/{id}/outcome", post(task::outcome))
        .route("/campaign-tasks/{id}/clear", post(task::clear))
}

/// Whether the caller may start or close campaigns.
fn may_manage(actor: &bangfu_service::Actor) -> bool {
    use bangfu_domain::Permission;
    actor.can(Permission::ManageHouseholds) || actor.can(Permission::ManageUnions)
}
