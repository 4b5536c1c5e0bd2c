//! Unions: a union's page with its children, creating, editing and moving
//! unions, and the search.

use super::forms::*;
use super::*;
use crate::pages::prelude::*;
use crate::view::{division_name, local_time};
use bangfu_domain::{division, Permission, UnionId, UnionLevel};
use bangfu_service::{CreateUnion, MoveUnion, PageRequest, Union, UnionFilter, UpdateUnion};

pub struct UnionView {
    pub id: i64,
    pub name: String,
    pub level_label: &'static str,
    pub division_code: String,
    pub division_name: String,
    pub active: bool,
    pub created_at: String,
}

impl From<&Union> for UnionView {
    fn from(u: &Union) -> Self {
        Self {
            id: u.id.0,
            name: u.name.clone(),
            level_label: u.level.label(),
            division_code: u.division_code.clone(),
            division_name: division_name(&u.division_code),
            active: u.active,
            created_at: local_time(&u.created_at),
        }
    }
}

pub struct ChildView {
    pub union: UnionView,
    pub child_count: i64,
}

#[derive(Template)]
#[template(path = "unions.html")]
pub(crate) struct UnionPage {
    chrome: Chrome,
    union: UnionView,
    ancestors: Vec<UnionView>,
    children: Vec<ChildView>,
    user_count: i64,
    children_total: i64,
    pager: Pager,
    can_manage: bool,
    child_levels: Vec<(&'static str, &'static str)>,
    division_options: Vec<(String, String)>,
    move_targets: Vec<(i64, String)>,
    create_form: UnionForm,
    create_error: Option<String>,
    edit_error: Option<String>,
    move_error: Option<String>,
    notice: Option<Notice>,
}

pub(crate) fn division_options(parent_code: &str) -> Vec<(String, String)> {
    let parent = (parent_code != division::NATIONAL).then_some(parent_code);
    let mut v: Vec<(String, String)> = division::children(parent)
        .into_iter()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect();
    if let Some(code) = parent {
        v.insert(0, (code.to_owned(), division_name(code)));
    }
    v
}

/// What a union page shows besides the union: a form being corrected and
/// the messages of the last submission.
#[derive(Default)]
pub(crate) struct UnionPageExtras {
    create_form: UnionForm,
    create_error: Option<String>,
    edit_error: Option<String>,
    move_error: Option<String>,
    notice: Option<Notice>,
    /// Which page of the children to show.
    page: Option<i64>,
}

/// Children shown per page on a union's page.
pub(crate) const CHILDREN_PER_PAGE: i64 = 100;

/// Unions in scope that could become this union's parent: of a level it may
/// sit under, active, not inside its own subtree and not its current parent.
pub(crate) async fn move_targets(
    state: &AppState,
    actor: &Actor,
    u: &Union,
) -> Result<Vec<(i64, String)>, PageError> {
    let mut out = Vec::new();
    for level in UnionLevel::ALL
        .into_iter()
        .filter(|l| u.level.may_be_child_of(*l))
    {
        let page = state
            .services
            .union_list(
                actor,
                UnionFilter {
                    level: Some(level),
                    active: Some(true),
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
            )
            .await?;
        out.extend(
            page.items
                .iter()
                .filter(|p| !u.path.contains(&p.path) && Some(p.id) != u.parent_id)
                .map(|p| {
                    (
                        p.id.0,
                        format!("{}（{}）", p.name, division_name(&p.division_code)),
                    )
                }),
        );
    }
    Ok(out)
}

pub(crate) async fn union_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    extras: UnionPageExtras,
    status: StatusCode,
) -> PageResult {
    let children_page = PageRequest::new(extras.page, Some(CHILDREN_PER_PAGE));
    let d = state
        .services
        .union_get_page(actor, UnionId(id), children_page)
        .await?;
    let can_manage = actor.can(Permission::ManageUnions);
    let move_targets = if can_manage && d.union.id != actor.user.union_id {
        move_targets(state, actor, &d.union).await?
    } else {
        Vec::new()
    };
    let child_levels = d
        .union
        .level
        .child_levels()
        .into_iter()
        .map(|l| (l.code(), l.label()))
        .collect();
    Ok(render_status(
        status,
        &UnionPage {
            chrome: Chrome::new(actor, d.union.name.clone(), "unions"),
            union: UnionView::from(&d.union),
            ancestors: d.ancestors.iter().map(UnionView::from).collect(),
            children: d
                .children
                .iter()
                .map(|(u, n)| ChildView {
                    union: UnionView::from(u),
                    child_count: *n,
                })
                .collect(),
            user_count: d.user_count,
            children_total: d.children_total,
            pager: pager(
                &format!("/unions/{id}"),
                &[],
                d.children_page,
                d.children_pages,
            ),
            can_manage,
            child_levels,
            division_options: division_options(&d.union.division_code),
            move_targets,
            create_form: extras.create_form,
            create_error: extras.create_error,
            edit_error: extras.edit_error,
            move_error: extras.move_error,
            notice: extras.notice,
        },
    ))
}

pub(crate) async fn union_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let notice = Notice::find_or_done(Notice::ACCOUNT, q.notice.as_deref());
    union_view(
        &state,
        &actor,
        id,
        UnionPageExtras {
            notice,
            page: q.page,
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn union_move(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<UnionMoveForm>,
) -> PageResult {
    let input = MoveUnion {
        parent_id: form.parent_id,
        division_code: form.division_code,
    };
    match state.services.union_move(&actor, UnionId(id), input).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/unions/{id}?{}", Notice::UnionMoved.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            union_view(
                &state,
                &actor,
                id,
                UnionPageExtras {
                    move_error: Some(msg),
                    ..Default::default()
                },
                status,
            )
            .await
        }
    }
}

pub(crate) async fn unions_index(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<UnionSearch>,
) -> PageResult {
    let text = q.q.clone().unwrap_or_default();
    let level = q.level.clone().unwrap_or_default();
    if text.trim().is_empty() && level.is_empty() {
        return Ok(Redirect::to(&format!("/unions/{}", actor.user.union_id)).into_response());
    }
    let filter = UnionFilter {
        q: Some(text.clone()),
        level: UnionLevel::parse(&level).ok(),
        ..Default::default()
    };
    let page = state
        .services
        .union_list(&actor, filter, PageRequest::new(q.page, Some(50)))
        .await?;
    Ok(render_results(
        swap,
        StatusCode::OK,
        &UnionSearchPage {
            chrome: Chrome::new(&actor, "查找工会", "unions"),
            pager: pager(
                "/unions",
                &[("q", text.clone()), ("level", level.clone())],
                page.page,
                page.pages(),
            ),
            q: text,
            level,
            levels: UnionLevel::ALL
                .iter()
                .map(|l| (l.code(), l.label()))
                .collect(),
            total: page.total,
            items: page.items.iter().map(UnionView::from).collect(),
        },
    ))
}

#[derive(Template)]
#[template(path = "union_search.html")]
pub(crate) struct UnionSearchPage {
    chrome: Chrome,
    q: String,
    level: String,
    levels: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<UnionView>,
    pager: Pager,
}

results_partial!(UnionSearchPage => UnionSearchResults, "union_search_partial.html");

pub(crate) async fn union_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<UnionForm>,
) -> PageResult {
    let input = CreateUnion {
        parent_id: Some(id),
        name: form.name.clone(),
        level: form.level.clone(),
        division_code: form.division_code.clone(),
    };
    match state.services.union_create(&actor, input).await {
        Ok(u) => Ok(Redirect::to(&format!(
            "/unions/{}?{}",
            u.id,
            Notice::UnionCreated.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let extras = UnionPageExtras {
                create_form: form,
                create_error: Some(msg),
                ..Default::default()
            };
            union_view(&state, &actor, id, extras, status).await
        }
    }
}

pub(crate) async fn union_update(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<UnionEditForm>,
) -> PageResult {
    let input = UpdateUnion {
        name: form.name,
        division_code: form.division_code,
        active: form.active.as_deref() != Some("false"),
    };
    match state
        .services
        .union_update(&actor, UnionId(id), input)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/unions/{id}?{}", Notice::Saved.query())).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let extras = UnionPageExtras {
                edit_error: Some(msg),
                ..Default::default()
            };
            union_view(&state, &actor, id, extras, status).await
        }
    }
}
