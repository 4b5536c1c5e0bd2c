//! Marking a relapse and reopening a file, a small page each.

use super::*;
use crate::pages::forms::ReasonForm;
use bangfu_domain::household::HouseholdId;

#[derive(Template)]
#[template(path = "exit_relapse.html")]
pub(crate) struct RelapsePage {
    pub(crate) chrome: Chrome,
    pub(crate) h: HouseholdHead,
    pub(crate) reopen: bool,
    pub(crate) left_on: String,
    pub(crate) follow_until: String,
    pub(crate) relapse_on: String,
    pub(crate) relapse_reason: String,
    pub(crate) may: bool,
    pub(crate) reason: String,
    pub(crate) error: Option<String>,
}

pub(crate) async fn relapse_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    reopen: bool,
    reason: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .household_page(actor, HouseholdId(id))
        .await?;
    let (h, v) = (page.detail.household, page.leaving);
    let l = &h.leaving;
    let title = if reopen {
        "返困重新建档"
    } else {
        "标记返困"
    };
    Ok(render_status(
        status,
        &RelapsePage {
            chrome: Chrome::new(actor, format!("{title} · {}", h.data.worker_name), "exits"),
            h: HouseholdHead::from(&h),
            reopen,
            left_on: l.left_on.map(|d| d.to_string()).unwrap_or_default(),
            follow_until: l.follow_until.map(|d| d.to_string()).unwrap_or_default(),
            relapse_on: l.relapse_on.map(|d| d.to_string()).unwrap_or_default(),
            relapse_reason: l.relapse_reason.clone().unwrap_or_default(),
            may: if reopen {
                v.may_reopen
            } else {
                v.may_flag_relapse
            },
            reason,
            error,
        },
    ))
}

pub(crate) async fn relapse_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    relapse_view(
        &state,
        &actor,
        id,
        false,
        String::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn reopen_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    relapse_view(
        &state,
        &actor,
        id,
        true,
        String::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn relapse_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> PageResult {
    match state
        .services
        .household_flag_relapse(&actor, HouseholdId(id), &f.reason)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/households/{id}?{}", Notice::Relapsed.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            relapse_view(&state, &actor, id, false, f.reason, Some(msg), status).await
        }
    }
}

pub(crate) async fn reopen_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    match state
        .services
        .household_reopen(&actor, HouseholdId(id))
        .await
    {
        Ok(new) => Ok(Redirect::to(&format!(
            "/households/{}?{}",
            new.id.0,
            Notice::Reopened.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            relapse_view(&state, &actor, id, true, String::new(), Some(msg), status).await
        }
    }
}
