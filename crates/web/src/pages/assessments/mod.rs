//! Pages: 考核评价 — assessment schemes (docs/rules.md §8.3): the list and
//! the form that defines one, a scheme's report (chart, table, Excel,
//! print), its edit form, one assessed union's items with the forms that
//! enter scores by hand, and a union's history by year.

mod edit;
mod list;
mod report;
mod union;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub(crate) use report::workbook;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assessments", get(list::list_page).post(list::create))
        .route("/assessments/{id}", get(report::report_page))
        .route("/assessments/{id}/score", post(report::score))
        .route("/assessments/{id}/export.xlsx", get(report::export))
        .route(
            "/assessments/{id}/edit",
            get(edit::edit_page).post(edit::save),
        )
        .route(
            "/assessments/{id}/unions/{union_id}",
            get(union::union_page),
        )
        .route(
            "/assessments/{id}/unions/{union_id}/items/{item_id}/document",
            get(union::document),
        )
        .route("/assessments/history/{union_id}", get(union::history_page))
}

/// The entry form carries a document: mounted with the upload body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/assessments/{id}/unions/{union_id}/entries",
        post(union::enter),
    )
}

/// The levels a scheme may assess, as the form offers them.
const LEVELS: [(&str, &str); 4] = [
    ("province", "省级工会"),
    ("city", "市级工会"),
    ("county", "县级工会"),
    ("grassroots", "基层工会"),
];
