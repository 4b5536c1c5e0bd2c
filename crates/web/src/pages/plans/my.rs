//! "My households" (/my): a responsible person's households with what is due.

use super::*;
use bangfu_domain::assistance::Catalogue;
use bangfu_domain::Permission;
use bangfu_service::plans::MyHousehold;
use bangfu_service::PageRequest;
use std::collections::HashMap;

pub struct MeasureLine {
    pub content: String,
    pub track: String,
    pub due_on: String,
    pub status: &'static str,
    pub overdue: bool,
}

pub struct MyView {
    pub h: ItemView,
    pub visit_overdue: bool,
    pub plan: String,
    pub has_plan: bool,
    pub overdue_measures: usize,
    pub measures: Vec<MeasureLine>,
}

pub(crate) fn my_view(h: &MyHousehold, tracks: &HashMap<String, String>) -> MyView {
    let today = bangfu_service::today();
    MyView {
        h: ItemView::from(&h.item),
        visit_overdue: h.visit_overdue,
        plan: h
            .plan_this_year
            .map(|s| s.label().to_owned())
            .unwrap_or_else(|| "未制定".into()),
        has_plan: h.plan_this_year.is_some(),
        overdue_measures: h.overdue_measures,
        measures: h
            .open_measures
            .iter()
            .map(|m| MeasureLine {
                content: m.content.clone(),
                track: tracks
                    .get(&m.track)
                    .cloned()
                    .unwrap_or_else(|| m.track.clone()),
                due_on: m.due_on.to_string(),
                status: m.status.label(),
                overdue: m.status.overdue(m.due_on, today),
            })
            .collect(),
    }
}

/// Track code → label, deactivated entries included.
pub(crate) async fn track_labels(
    state: &AppState,
    actor: &Actor,
) -> Result<HashMap<String, String>, PageError> {
    Ok(state
        .services
        .dictionary_list(actor, Some(Catalogue::Track), false)
        .await?
        .into_iter()
        .map(|e| (e.code, e.label))
        .collect())
}

/// The first page of "my households" for the home page (`None` when the
/// user is responsible for none), with the total.
pub(crate) async fn my_summary(
    state: &AppState,
    actor: &Actor,
) -> Result<Option<(Vec<MyView>, i64)>, PageError> {
    if !actor.can(Permission::ReadAssistance) {
        return Ok(None);
    }
    let page = state
        .services
        .my_households(actor, PageRequest::new(Some(1), Some(50)))
        .await?;
    if page.total == 0 {
        return Ok(None);
    }
    let tracks = track_labels(state, actor).await?;
    let mut items: Vec<MyView> = page
        .items
        .iter()
        .filter(|h| h.has_due() || !h.open_measures.is_empty())
        .map(|h| my_view(h, &tracks))
        .collect();
    items.truncate(8);
    Ok(Some((items, page.total)))
}

#[derive(Template)]
#[template(path = "my.html")]
pub(crate) struct MyPage {
    pub(crate) chrome: Chrome,
    pub(crate) items: Vec<MyView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) visit_days: u32,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct PageOnly {
    pub(crate) page: Option<i64>,
}

pub(crate) async fn my_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PageOnly>,
) -> PageResult {
    let page = state
        .services
        .my_households(&actor, PageRequest::new(q.page, Some(30)))
        .await?;
    let tracks = track_labels(&state, &actor).await?;
    Ok(render_status(
        StatusCode::OK,
        &MyPage {
            chrome: Chrome::new(&actor, "我的结对家庭", "pairing"),
            items: page.items.iter().map(|h| my_view(h, &tracks)).collect(),
            total: page.total,
            pager: pager("/my", &[], page.page, page.pages()),
            visit_days: state.services.settings().visit_interval_days,
        },
    ))
}
