//! The printable card of a household's file.

use super::*;
use crate::view::local_time;
use bangfu_domain::household::HouseholdId;

#[derive(Template)]
#[template(path = "household_print.html")]
pub(crate) struct PrintPage {
    pub(crate) h: Row,
    pub(crate) file: FileView,
    pub(crate) members: Vec<MemberView>,
    pub(crate) decision: DecisionView,
    pub(crate) printed_at: String,
    pub(crate) union_name: String,
    /// The day the file left (exited, relieved, removed), when it did.
    pub(crate) left_on: String,
}

pub(crate) async fn print_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let d = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    Ok(render(&PrintPage {
        h: Row::from(&d.household),
        file: file_view(&d),
        members: member_views(&d),
        decision: decision_view(&d.identification),
        printed_at: local_time(&chrono::Utc::now().naive_utc()),
        union_name: d.household.union_name.clone(),
        left_on: d
            .household
            .leaving
            .left_on
            .map(|d| format!("{d} 起"))
            .unwrap_or_default(),
    }))
}
