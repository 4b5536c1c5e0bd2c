//! Pages: pairing and the work lists (/pairing), "my households" (/my), a
//! household's pairing, plan and measures (/households/{id}/plan), its home
//! visits with photos (/households/{id}/visits) and the dictionary.

use crate::pages::prelude::*;
use axum::routing::{get, post};
use axum::Router;
use bangfu_service::plans::WorkItem;

mod dictionary;
mod my;
mod pairing;
mod plan;
mod visits;

pub(crate) use self::{dictionary::*, my::*, pairing::*, plan::*, visits::*};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pairing", get(pairing_page))
        .route("/pairing/assign", post(pairing_bulk_submit))
        .route("/my", get(my_page))
        .route("/households/{id}/plan", get(plan_page).post(plan_submit))
        .route("/households/{id}/pairing", post(pairing_submit))
        .route(
            "/households/{id}/plan/submit",
            post(plan_submit_for_approval),
        )
        .route("/households/{id}/plan/approve", post(approve_submit))
        .route("/households/{id}/measures", post(measure_new_submit))
        .route("/households/{id}/measures/{mid}", post(measure_edit_submit))
        .route("/households/{id}/visits", get(visits_page))
        .route("/visits/{id}/photos/{photo}", get(photo_download))
        .route("/dictionary", get(dictionary_page))
        .route("/dictionary/{kind}", post(entry_new_submit))
        .route("/dictionary/{kind}/{code}", post(entry_edit_submit))
}

/// `POST /households/{id}/visits` takes photos, so it is mounted with the upload routes.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/households/{id}/visits", post(visit_submit))
}

fn opt_i64(raw: &str) -> Option<i64> {
    raw.trim().parse().ok()
}

fn date_or_none(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A household in a list or at the head of its pages.
pub struct ItemView {
    pub id: i64,
    pub file_no: String,
    pub name: String,
    pub union_name: String,
    pub closed: bool,
    pub pairing_union: String,
    pub responsible: String,
    pub last_visit: String,
}

impl From<&WorkItem> for ItemView {
    fn from(w: &WorkItem) -> Self {
        Self {
            id: w.household_id.0,
            file_no: w.file_no.clone(),
            name: w.worker_name.clone(),
            union_name: w.union_name.clone(),
            closed: !w.status.under_assistance(),
            pairing_union: w.pairing_union_name.clone().unwrap_or_default(),
            responsible: w.responsible_name.clone().unwrap_or_default(),
            last_visit: w
                .last_visit_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "从未走访".into()),
        }
    }
}

/// The officers who may be made responsible: `(id, "name（union）")`.
async fn candidates(state: &AppState, actor: &Actor) -> Result<Vec<(i64, String)>, PageError> {
    Ok(state
        .services
        .pairing_candidates(actor)
        .await?
        .iter()
        .map(|u| (u.id.0, format!("{}（{}）", u.display_name, u.union_name)))
        .collect())
}
