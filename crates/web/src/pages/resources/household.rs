//! A household's tab of social resources: what was matched to it and how
//! each ended.

use super::*;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::Permission;
use bangfu_service::resources::MatchFilter;
use bangfu_service::PageRequest;

#[derive(Template)]
#[template(path = "resources_household.html")]
pub(crate) struct HouseholdResourcesPage {
    pub(crate) chrome: Chrome,
    pub(crate) household_id: i64,
    pub(crate) tab: &'static str,
    pub(crate) name: String,
    pub(crate) file_no: String,
    pub(crate) matches: Vec<MatchView>,
    pub(crate) can_manage: bool,
    pub(crate) needs_school: bool,
    pub(crate) stages: Opts,
    pub(crate) today: String,
    pub(crate) back: String,
    pub(crate) notice: Option<Notice>,
}

pub(crate) async fn household_resources(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::forms::NoticeQuery>,
) -> PageResult {
    let h = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    let list = state
        .services
        .match_list(
            &actor,
            MatchFilter {
                household_id: Some(HouseholdId(id)),
                made_only: true,
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    Ok(render(&HouseholdResourcesPage {
        chrome: Chrome::new(
            &actor,
            format!("{} · 社会资源", h.household.data.worker_name),
            "households",
        ),
        household_id: id,
        tab: "resources",
        name: h.household.data.worker_name.clone(),
        file_no: h.household.file_no.clone(),
        matches: list.items.iter().map(match_view).collect(),
        can_manage: actor.can(Permission::ManageAssistance),
        needs_school: false,
        stages: Vec::new(),
        today: bangfu_service::today().to_string(),
        back: format!("/households/{id}/resources"),
        notice: notice(q.notice.as_deref().unwrap_or("")),
    }))
}
