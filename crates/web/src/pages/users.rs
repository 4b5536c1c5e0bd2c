//! Users: the list and its Excel export, creating and editing a user,
//! resetting a password.

use super::forms::*;
use super::*;
use crate::pages::prelude::*;
use crate::view::local_time;
use bangfu_domain::{Permission, Role, UnionId, UserId};
use bangfu_service::{CreateUser, PageRequest, ServiceError, UpdateUser, User, UserFilter};

pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub union_id: i64,
    pub union_name: String,
    pub roles: String,
    pub active: bool,
    pub must_change_password: bool,
    /// Whether an administrator may reset the password (not an auditor's).
    pub reset_by_admin: bool,
    pub last_login: String,
    pub created_at: String,
    /// Two-factor sign-in, as the administrator's user page says it.
    pub two_factor: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.0,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            union_id: u.union_id.0,
            union_name: u.union_name.clone(),
            roles: u.roles.labels(),
            active: u.active,
            must_change_password: u.must_change_password,
            reset_by_admin: u.roles.password_reset_by_admin(),
            last_login: u
                .last_login_at
                .as_ref()
                .map(local_time)
                .unwrap_or_else(|| "从未登录".into()),
            created_at: local_time(&u.created_at),
            two_factor: match (&u.two_factor_enrolled_at, u.two_factor_reenrol) {
                (Some(at), _) => format!("已启用（{} 起）", local_time(at)),
                (None, true) => "已重置，等待该用户下次登录时重新启用".into(),
                (None, false) => "未启用".into(),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "users.html")]
pub(crate) struct UsersPage {
    chrome: Chrome,
    can_manage: bool,
    q: String,
    role: String,
    active: String,
    union_id: Option<i64>,
    roles: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<UserView>,
    pager: Pager,
    export_href: String,
}

results_partial!(UsersPage => UsersResults, "users_partial.html");

pub(crate) fn role_options() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.code(), r.label())).collect()
}

pub(crate) fn user_filter(q: &UserSearch) -> UserFilter {
    UserFilter {
        q: q.q.clone(),
        role: q.role.as_deref().and_then(|r| Role::parse(r).ok()),
        union_id: q.union_id.map(UnionId),
        active: q.active.as_deref().and_then(yes_no),
    }
}

pub(crate) async fn users_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<UserSearch>,
) -> PageResult {
    let filter = user_filter(&q);
    let users = all_pages(|p| state.services.user_list(&actor, filter.clone(), p)).await?;
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(UserView::from)
        .map(|u| {
            vec![
                u.username,
                u.display_name,
                u.union_name,
                u.roles,
                if u.active { "启用" } else { "停用" }.to_owned(),
                u.last_login,
                u.created_at,
            ]
        })
        .collect();
    xlsx_response(
        "用户列表.xlsx",
        "用户",
        &[
            "用户名",
            "姓名",
            "所属工会",
            "角色",
            "状态",
            "最近登录",
            "创建时间",
        ],
        &rows,
    )
}

pub(crate) async fn users_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<UserSearch>,
) -> PageResult {
    let role = q.role.clone().unwrap_or_default();
    let active = q.active.clone().unwrap_or_default();
    let page = state
        .services
        .user_list(&actor, user_filter(&q), PageRequest::new(q.page, Some(50)))
        .await?;
    let text = q.q.unwrap_or_default();
    let params = [
        ("q", text.clone()),
        ("role", role.clone()),
        ("active", active.clone()),
        (
            "union_id",
            q.union_id.map(|u| u.to_string()).unwrap_or_default(),
        ),
    ];
    Ok(render_results(
        swap,
        StatusCode::OK,
        &UsersPage {
            chrome: Chrome::new(&actor, "用户管理", "users"),
            can_manage: actor.can(Permission::ManageUsers),
            pager: pager("/users", &params, page.page, page.pages()),
            export_href: with_query("/users/export.xlsx", &params),
            q: text,
            role,
            active,
            union_id: q.union_id,
            roles: role_options(),
            total: page.total,
            items: page.items.iter().map(UserView::from).collect(),
        },
    ))
}

#[derive(Template)]
#[template(path = "user_form.html")]
pub(crate) struct UserFormPage {
    chrome: Chrome,
    user: Option<UserView>,
    can_manage: bool,
    action: String,
    form: UserFormView,
    union_options: Vec<(i64, String)>,
    role_options: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    field: &'static str,
    field_message: String,
    notice: Option<Notice>,
    shown_password: Option<String>,
    /// Departments a department user may belong to (code, label).
    department_options: Vec<(String, String)>,
}

pub struct UserFormView {
    pub username: String,
    pub display_name: String,
    pub union_id: i64,
    pub roles: Vec<&'static str>,
    pub active: bool,
    /// A department user's department code ("" for none).
    pub department: String,
}

impl UserFormView {
    fn of(u: &User) -> Self {
        Self {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            union_id: u.union_id.0,
            roles: u.roles.iter().map(|r| r.code()).collect(),
            active: u.active,
            department: u.department.clone().unwrap_or_default(),
        }
    }

    fn from_form(f: &UserForm) -> Self {
        Self {
            username: f.username.clone().unwrap_or_default(),
            display_name: f.display_name.clone(),
            union_id: f.union_id.unwrap_or_default(),
            roles: f
                .roles
                .iter()
                .filter_map(|r| Role::parse(r).ok())
                .map(|r| r.code())
                .collect(),
            active: f.active.as_deref() != Some("false"),
            department: f.department.clone().unwrap_or_default(),
        }
    }
}

/// What a user page shows besides the user: the outcome of the last submission.
#[derive(Default)]
pub(crate) struct UserPageExtras {
    /// The message and, when known, the field it is about.
    error: Option<(String, Option<&'static str>)>,
    notice: Option<Notice>,
    /// A generated initial password, shown once.
    shown_password: Option<String>,
}

pub(crate) async fn user_form_page(
    state: &AppState,
    actor: &Actor,
    user: Option<&User>,
    form: UserFormView,
    extras: UserPageExtras,
    status: StatusCode,
) -> PageResult {
    let UserPageExtras {
        error,
        notice,
        shown_password,
    } = extras;
    let can_manage = actor.can(Permission::ManageUsers);
    let union_options = if can_manage {
        union_options(state, actor).await?
    } else {
        Vec::new()
    };
    let (error, field, field_message) = match error {
        Some((msg, Some(field))) => (Some("请检查标注的字段。".to_owned()), field, msg),
        Some((msg, None)) => (Some(msg), "", String::new()),
        None => (None, "", String::new()),
    };
    let title = match user {
        Some(u) => format!("用户 {}", u.username),
        None => "新建用户".to_owned(),
    };
    Ok(render_status(
        status,
        &UserFormPage {
            chrome: Chrome::new(actor, title, "users"),
            action: match user {
                Some(u) => format!("/users/{}", u.id),
                None => "/users".to_owned(),
            },
            user: user.map(UserView::from),
            can_manage,
            form,
            union_options,
            role_options: role_options(),
            error,
            field,
            field_message,
            notice,
            shown_password,
            department_options: if can_manage {
                let current = user.and_then(|u| u.department.clone());
                state
                    .services
                    .dictionary_list(
                        actor,
                        Some(bangfu_domain::assistance::Catalogue::Department),
                        false,
                    )
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    // Active departments, and a retired one the user still has.
                    .filter(|e| e.active || current.as_deref() == Some(e.code.as_str()))
                    .map(|e| {
                        let label = if e.active {
                            e.label
                        } else {
                            format!("{}（已停用）", e.label)
                        };
                        (e.code, label)
                    })
                    .collect()
            } else {
                Vec::new()
            },
        },
    ))
}

pub(crate) async fn user_new(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<UserSearch>,
) -> PageResult {
    if !actor.can(Permission::ManageUsers) {
        return Err(ServiceError::Forbidden.into());
    }
    let form = UserFormView {
        username: String::new(),
        display_name: String::new(),
        union_id: q.union_id.unwrap_or(actor.user.union_id.0),
        roles: vec![Role::Officer.code()],
        active: true,
        department: String::new(),
    };
    user_form_page(
        &state,
        &actor,
        None,
        form,
        UserPageExtras::default(),
        StatusCode::OK,
    )
    .await
}

/// The user form again, as typed, with the service's message beside its field: how both
/// creating and saving a user answer a refusal.
async fn user_form_failed(
    state: &AppState,
    actor: &Actor,
    user: Option<&User>,
    form: &UserForm,
    e: ServiceError,
) -> PageResult {
    let (status, msg, field) = form_failure(e)?;
    user_form_page(
        state,
        actor,
        user,
        UserFormView::from_form(form),
        UserPageExtras {
            error: Some((msg, field)),
            ..Default::default()
        },
        status,
    )
    .await
}

pub(crate) async fn user_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<UserForm>,
) -> PageResult {
    let input = CreateUser {
        username: form.username.clone().unwrap_or_default(),
        display_name: form.display_name.clone(),
        union_id: form.union_id,
        roles: form.roles.clone(),
        password: form.password.clone(),
        department: form.department.clone(),
    };
    match state.services.user_create(&actor, input).await {
        Ok(created) => {
            let view = UserFormView::of(&created.user);
            user_form_page(
                &state,
                &actor,
                Some(&created.user),
                view,
                UserPageExtras {
                    notice: Some(Notice::UserCreated),
                    shown_password: created.generated_password,
                    ..Default::default()
                },
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => user_form_failed(&state, &actor, None, &form, e).await,
    }
}

pub(crate) async fn user_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let user = state.services.user_get(&actor, UserId(id)).await?;
    let notice = Notice::find_or_done(Notice::ACCOUNT, q.notice.as_deref());
    user_form_page(
        &state,
        &actor,
        Some(&user),
        UserFormView::of(&user),
        UserPageExtras {
            notice,
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn user_update(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> PageResult {
    let input = UpdateUser {
        display_name: form.display_name.clone(),
        union_id: form.union_id.unwrap_or_default(),
        roles: form.roles.clone(),
        active: form.active.as_deref() != Some("false"),
        department: form.department.clone(),
    };
    match state.services.user_update(&actor, UserId(id), input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/users/{id}?{}", Notice::Saved.query())).into_response())
        }
        Err(e) => {
            let user = state.services.user_get(&actor, UserId(id)).await?;
            user_form_failed(&state, &actor, Some(&user), &form, e).await
        }
    }
}

pub(crate) async fn user_reset(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let generated = state
        .services
        .user_reset_password(&actor, UserId(id), None)
        .await?;
    let user = state.services.user_get(&actor, UserId(id)).await?;
    user_form_page(
        &state,
        &actor,
        Some(&user),
        UserFormView::of(&user),
        UserPageExtras {
            notice: Some(Notice::PasswordReset),
            shown_password: generated,
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

/// Ends every session of a user (an administrator's act, audited).
pub(crate) async fn user_sessions_end(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    state.services.user_sessions_end(&actor, UserId(id)).await?;
    Ok(Redirect::to(&format!("/users/{id}?{}", Notice::SessionsEnded.query())).into_response())
}
