//! Pages of the household file: the list, filing and editing, the file with
//! its identification, the 12-month income grid, revealing an ID number, the
//! printable card, the Excel export and the lines page.

use crate::pages::prelude::*;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::Fen;

mod file;
mod form;
mod incomes;
mod lines;
mod list;
mod print;

use self::{file::*, form::*, list::*};
pub(crate) use file::{decision_view, DecisionView};
pub(crate) use form::{filing_unions, form_page, HouseholdForm};
pub(crate) use incomes::{this_month, typed_month};
pub(crate) use list::cn;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/households",
            get(list::list_page).post(form::create_submit),
        )
        .route("/households/new", get(form::new_page))
        .route("/households/export.xlsx", get(list::export))
        .route("/households/{id}", get(file::detail_page))
        .route(
            "/households/{id}/edit",
            get(form::edit_page).post(form::edit_submit),
        )
        .route(
            "/households/{id}/incomes",
            get(incomes::incomes_page).post(incomes::incomes_submit),
        )
        .route("/households/{id}/reveal", post(file::reveal_submit))
        .route("/households/{id}/print", get(print::print_page))
        .route("/lines", get(lines::lines_page).post(lines::line_submit))
        .route("/lines/delete", post(lines::line_delete))
        .route("/lines/params", post(lines::params_submit))
        .route("/lines/reidentify", post(lines::reidentify_submit))
        .route("/lines/reidentify/{id}", get(lines::reidentify_page))
        .route(
            "/lines/reidentify/{id}/progress",
            get(lines::reidentify_fragment),
        )
}

pub(crate) type Options = Vec<(&'static str, &'static str)>;

/// Money as every page shows it: yuan with thousands separators ("1,234.50").
fn yuan(f: Fen) -> String {
    f.yuan_grouped()
}
