//! The HTML face: server-rendered pages in Simplified Chinese. Each handler
//! calls the same services as the API and renders a template.

/// The `(code, label)` options of a coded enum, for a `<select>`.
macro_rules! options {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| (v.code(), v.label()))
            .collect::<Vec<(&'static str, &'static str)>>()
    };
}

mod applications;
mod assistance;
mod exits;
mod forms;
mod fund_audit;
mod funds;
mod households;
mod import;
mod monthly;
mod plans;
mod stats;

pub use import::{explain_too_large, read_workbook};

use crate::auth::{
    page_guard, removal, secure, session_cookie, MaybeActor, PageActor, LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
};
use crate::error::PageError;
use crate::view::{division_name, local_time};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use axum_extra::extract::Form;
use bangfu_domain::audit::{object_label, Action};
use bangfu_domain::{division, Permission, Role, UnionId, UnionLevel, UserId};
use bangfu_service::{
    Actor, AuditQuery, CreateUnion, CreateUser, MoveUnion, PageRequest, ServiceError, Union,
    UnionFilter, UpdateUnion, UpdateUser, User, UserFilter,
};
use forms::*;

type PageResult = Result<Response, PageError>;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/unions", get(unions_index))
        .route("/unions/{id}", get(union_page).post(union_update))
        .route("/unions/{id}/children", post(union_create))
        .route("/unions/{id}/move", post(union_move))
        .route("/users", get(users_page).post(user_create))
        .route("/users/export.xlsx", get(users_export))
        .route("/users/new", get(user_new))
        .route("/users/{id}", get(user_page).post(user_update))
        .route("/users/{id}/reset-password", post(user_reset))
        .route("/audit", get(audit_page))
        .route("/audit/export.xlsx", get(audit_export))
        .route("/account", get(account_page))
        .route(
            "/account/password",
            get(password_page).post(password_submit),
        )
        .route("/roles", get(roles_page))
        .merge(households::routes())
        .merge(plans::routes())
        .merge(assistance::routes())
        .merge(funds::routes())
        .merge(fund_audit::routes())
        .merge(applications::routes())
        .merge(import::routes())
        .merge(exits::routes())
        .merge(stats::routes())
        .merge(monthly::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state, page_guard))
}

/// Pages that receive uploads (multipart forms): they take larger bodies,
/// so they are mounted apart from the other pages, behind the same guard.
pub fn upload_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(applications::upload_routes())
        .merge(import::upload_routes())
        .merge(plans::upload_routes())
        .layer(middleware::from_fn_with_state(state, page_guard))
}

/// What every signed-in page shows around its content.
pub struct Chrome {
    pub title: String,
    pub active: &'static str,
    pub user_name: String,
    pub union_name: String,
    pub union_id: i64,
    pub csrf: String,
    pub can_audit: bool,
    pub can_households: bool,
    /// Pairing, plans, visits, assistance, subsidies, referrals (read).
    pub can_assistance: bool,
    pub can_funds: bool,
    pub can_fund_audit: bool,
    /// A partner department's user: sees the referrals sent to them only.
    pub is_department: bool,
    pub can_catalogues: bool,
    /// Unions, users, roles and lines: everyone but department users.
    pub can_unions: bool,
    /// The statistics panel, targets and dashboards.
    pub can_stats: bool,
    pub can_run_monthly: bool,
}

impl Chrome {
    fn new(actor: &Actor, title: impl Into<String>, active: &'static str) -> Self {
        Self {
            title: title.into(),
            active,
            user_name: actor.user.display_name.clone(),
            union_name: actor.user.union_name.clone(),
            union_id: actor.user.union_id.0,
            csrf: actor.csrf_token.clone(),
            can_audit: actor.can(Permission::ReadAudit),
            can_households: actor.can(Permission::ReadHouseholds),
            can_assistance: actor.can(Permission::ReadAssistance),
            can_funds: actor.can(Permission::ReadFunds),
            can_fund_audit: actor.can(Permission::RunFundAudit),
            is_department: actor.can(Permission::AnswerReferrals),
            can_catalogues: actor.can(Permission::ManageCatalogues),
            can_unions: actor.can(Permission::ReadUnions),
            can_stats: actor.can(Permission::ReadStats),
            can_run_monthly: actor.can(Permission::RunMonthly),
        }
    }
}

fn render(t: &impl Template) -> Response {
    render_status(StatusCode::OK, t)
}

fn render_status(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

pub fn render_error_page(status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => "找不到页面",
        StatusCode::FORBIDDEN => "无法执行",
        StatusCode::BAD_REQUEST => "输入有误",
        StatusCode::TOO_MANY_REQUESTS => "请稍后再试",
        s if s.is_server_error() => "系统错误",
        _ => "无法完成操作",
    };
    render_status(status, &ErrorPage { title, message })
}

async fn not_found() -> Response {
    render_error_page(StatusCode::NOT_FOUND, "您访问的页面不存在。")
}

/// A failed form submission: the message to show above the form, and the
/// status the page is served with.
fn form_failure(e: ServiceError) -> Result<(StatusCode, String, Option<&'static str>), PageError> {
    match e {
        ServiceError::Invalid(_) | ServiceError::Conflict { .. } | ServiceError::Rule(_) => {
            Ok((crate::error::status_of(&e), e.to_string(), e.field()))
        }
        other => Err(other.into()),
    }
}

// ---------- views ----------

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

pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub union_id: i64,
    pub union_name: String,
    pub roles: String,
    pub active: bool,
    pub must_change_password: bool,
    pub last_login: String,
    pub created_at: String,
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
            last_login: u
                .last_login_at
                .as_ref()
                .map(local_time)
                .unwrap_or_else(|| "从未登录".into()),
            created_at: local_time(&u.created_at),
        }
    }
}

/// `path?k=v&…` with the non-empty filters, for export links.
fn with_query(path: &str, params: &[(&str, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    format!("{path}?{}", ser.finish())
}

/// Page links that keep the current filters.
fn pager(path: &str, params: &[(&str, String)], page: i64, pages: i64) -> String {
    if pages <= 1 {
        return String::new();
    }
    let link = |p: i64| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
            ser.append_pair(k, v);
        }
        ser.append_pair("page", &p.to_string());
        format!("{path}?{}", ser.finish().replace('&', "&amp;"))
    };
    let mut html = String::from("<nav class=\"pagination\" aria-label=\"分页\">");
    if page > 1 {
        html.push_str(&format!("<a href=\"{}\">上一页</a>", link(page - 1)));
    }
    html.push_str(&format!(
        "<span aria-current=\"page\">第 {page} / {pages} 页</span>"
    ));
    if page < pages {
        html.push_str(&format!("<a href=\"{}\">下一页</a>", link(page + 1)));
    }
    html.push_str("</nav>");
    html
}

// ---------- login ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

fn login_csrf(jar: &CookieJar, secure: bool) -> (String, Option<Cookie<'static>>) {
    match jar.get(LOGIN_CSRF_COOKIE) {
        Some(c) if !c.value().is_empty() => (c.value().to_owned(), None),
        _ => {
            let token = bangfu_service::random_token();
            let cookie = Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(secure)
                .build();
            (token, Some(cookie))
        }
    }
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeActor(actor): MaybeActor,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    if actor.is_some() {
        return Redirect::to("/").into_response();
    }
    let (csrf, cookie) = login_csrf(&jar, secure(&state, &headers));
    let notice = if q.expired.is_some() {
        Some("登录已超时，请重新登录。".to_owned())
    } else if q.bye.is_some() {
        Some("您已安全退出。".to_owned())
    } else {
        None
    };
    let page = render(&LoginPage {
        csrf,
        username: String::new(),
        error: None,
        notice,
    });
    match cookie {
        Some(c) => (jar.add(c), page).into_response(),
        None => page,
    }
}

async fn login_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    crate::auth::ClientOrigin(origin): crate::auth::ClientOrigin,
    Form(form): Form<LoginForm>,
) -> Response {
    match state
        .services
        .login(&form.username, &form.password, "web", origin)
        .await
    {
        Ok(out) => {
            let next = if out.user.must_change_password {
                "/account/password"
            } else {
                "/"
            };
            // A fresh session id at every login; the pre-login token is spent.
            let jar = jar
                .add(session_cookie(out.token, secure(&state, &headers)))
                .add(removal(LOGIN_CSRF_COOKIE));
            (jar, Redirect::to(next)).into_response()
        }
        Err(e) => {
            let status = crate::error::status_of(&e);
            if status.is_server_error() {
                return PageError::Service(e).into_response();
            }
            let (csrf, cookie) = login_csrf(&jar, secure(&state, &headers));
            let page = render_status(
                status,
                &LoginPage {
                    csrf,
                    username: form.username,
                    error: Some(e.to_string()),
                    notice: None,
                },
            );
            match cookie {
                Some(c) => (jar.add(c), page).into_response(),
                None => page,
            }
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    PageActor(actor): PageActor,
) -> PageResult {
    state.services.logout(&actor).await?;
    Ok((
        jar.add(removal(SESSION_COOKIE)),
        Redirect::to("/login?bye=1"),
    )
        .into_response())
}

// ---------- home ----------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    union: UnionView,
    roles: String,
    last_login: String,
    child_count: i64,
    user_count: i64,
    /// For those who read household files.
    households: Option<bangfu_service::HouseholdSummary>,
    /// For a responsible person (一帮一): their households with what is due, and how many.
    my: Option<(Vec<plans::MyView>, i64)>,
    /// For those who read assistance: the pairing work lists' counts.
    work: Option<bangfu_service::plans::WorklistCounts>,
    visit_days: u32,
    /// The dashboard (工作台) for those who read statistics.
    dash: Option<monthly::HomeDash>,
}

async fn home(State(state): State<AppState>, PageActor(actor): PageActor) -> PageResult {
    // A partner department's user has no union pages: their work is the
    // referrals sent to their department.
    if !actor.can(Permission::ReadUnions) && actor.can(Permission::AnswerReferrals) {
        return Ok(Redirect::to("/referrals").into_response());
    }
    let d = state.services.union_home(&actor).await?;
    Ok(render(&HomePage {
        chrome: Chrome::new(&actor, "首页", "home"),
        union: UnionView::from(&d.union),
        roles: actor.user.roles.labels(),
        last_login: actor
            .user
            .last_login_at
            .as_ref()
            .map(local_time)
            .unwrap_or_default(),
        child_count: d.children_total,
        user_count: d.user_count,
        households: if actor.can(Permission::ReadHouseholds) {
            Some(state.services.household_summary(&actor).await?)
        } else {
            None
        },
        my: plans::my_summary(&state, &actor).await?,
        work: if actor.can(Permission::ReadAssistance) {
            Some(state.services.worklist_counts(&actor).await?)
        } else {
            None
        },
        visit_days: state.services.settings().visit_interval_days,
        dash: monthly::home_dashboard(&state, &actor).await?,
    }))
}

// ---------- unions ----------

#[derive(Template)]
#[template(path = "unions.html")]
struct UnionPage {
    chrome: Chrome,
    union: UnionView,
    ancestors: Vec<UnionView>,
    children: Vec<ChildView>,
    user_count: i64,
    children_total: i64,
    children_pager: String,
    can_manage: bool,
    child_levels: Vec<(&'static str, &'static str)>,
    division_options: Vec<(String, String)>,
    move_targets: Vec<(i64, String)>,
    create_form: UnionForm,
    create_error: Option<String>,
    edit_error: Option<String>,
    move_error: Option<String>,
    notice: Option<String>,
}

fn division_options(parent_code: &str) -> Vec<(String, String)> {
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
struct UnionPageExtras {
    create_form: UnionForm,
    create_error: Option<String>,
    edit_error: Option<String>,
    move_error: Option<String>,
    notice: Option<String>,
    /// Which page of the children to show.
    page: Option<i64>,
}

/// Children shown per page on a union's page.
const CHILDREN_PER_PAGE: i64 = 100;

/// Unions in scope that could become this union's parent: of a level it may
/// sit under, active, not inside its own subtree and not its current parent.
async fn move_targets(
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

async fn union_view(
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
            children_pager: pager(
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

async fn union_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let notice = q.notice.as_deref().map(notice_text).map(str::to_owned);
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

async fn union_move(
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
        Ok(_) => Ok(Redirect::to(&format!("/unions/{id}?notice=moved")).into_response()),
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

fn notice_text(code: &str) -> &'static str {
    match code {
        "created" => "已新建工会。",
        "saved" => "已保存。",
        "moved" => "已调整隶属关系，其下级工会和用户随之调整。",
        "password" => "密码已修改。",
        _ => "操作已完成。",
    }
}

async fn unions_index(
    State(state): State<AppState>,
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
    Ok(render(&UnionSearchPage {
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
    }))
}

#[derive(Template)]
#[template(path = "union_search.html")]
struct UnionSearchPage {
    chrome: Chrome,
    q: String,
    level: String,
    levels: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<UnionView>,
    pager: String,
}

async fn union_create(
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
        Ok(u) => Ok(Redirect::to(&format!("/unions/{}?notice=created", u.id)).into_response()),
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

async fn union_update(
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
        Ok(_) => Ok(Redirect::to(&format!("/unions/{id}?notice=saved")).into_response()),
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

// ---------- users ----------

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    can_manage: bool,
    q: String,
    role: String,
    active: String,
    union_id: Option<i64>,
    roles: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<UserView>,
    pager: String,
    export_href: String,
}

fn role_options() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.code(), r.label())).collect()
}

fn yes_no(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn user_filter(q: &UserSearch) -> UserFilter {
    UserFilter {
        q: q.q.clone(),
        role: q.role.as_deref().and_then(|r| Role::parse(r).ok()),
        union_id: q.union_id.map(UnionId),
        active: q.active.as_deref().and_then(yes_no),
    }
}

/// Reads every page of a list (up to the export cap) for a download.
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, PageError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<bangfu_service::Page<T>, ServiceError>>,
{
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = fetch(PageRequest::new(
            Some(page),
            Some(PageRequest::MAX_PER_PAGE),
        ))
        .await?;
        if usize::try_from(p.total).unwrap_or(usize::MAX) > crate::xlsx::MAX_ROWS {
            return Err(PageError::BadRequest(format!(
                "共 {} 条，超过单次导出上限 {} 条，请缩小筛选范围后再导出。",
                p.total,
                crate::xlsx::MAX_ROWS
            )));
        }
        let last = page >= p.pages();
        out.extend(p.items);
        if last {
            return Ok(out);
        }
        page += 1;
    }
}

fn xlsx_response(
    filename: &str,
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> PageResult {
    crate::xlsx::workbook(sheet, headers, rows)
        .map(|bytes| crate::xlsx::download(filename, bytes))
        .map_err(|e| PageError::Service(ServiceError::Internal(e)))
}

async fn users_export(
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

async fn users_page(
    State(state): State<AppState>,
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
    Ok(render(&UsersPage {
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
    }))
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
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
    notice: Option<String>,
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

/// The unions a user may be placed in: the actor's subtree, indented by depth.
/// Capped so a national administrator's form stays usable; deeper unions are
/// reached by starting from their page ("用户" link) instead.
async fn union_options(state: &AppState, actor: &Actor) -> Result<Vec<(i64, String)>, PageError> {
    let page = state
        .services
        .union_list(
            actor,
            UnionFilter {
                active: Some(true),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    let base = actor.user.union_path.depth();
    Ok(page
        .items
        .iter()
        .map(|u| {
            let indent = "　".repeat(u.path.depth().saturating_sub(base));
            (u.id.0, format!("{indent}{}", u.name))
        })
        .collect())
}

/// What a user page shows besides the user: the outcome of the last submission.
#[derive(Default)]
struct UserPageExtras {
    /// The message and, when known, the field it is about.
    error: Option<(String, Option<&'static str>)>,
    notice: Option<String>,
    /// A generated initial password, shown once.
    shown_password: Option<String>,
}

async fn user_form_page(
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

async fn user_new(
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

async fn user_create(
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
                    notice: Some("用户已创建。".into()),
                    shown_password: created.generated_password,
                    ..Default::default()
                },
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            user_form_page(
                &state,
                &actor,
                None,
                UserFormView::from_form(&form),
                UserPageExtras {
                    error: Some((msg, field)),
                    ..Default::default()
                },
                status,
            )
            .await
        }
    }
}

async fn user_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let user = state.services.user_get(&actor, UserId(id)).await?;
    let notice = q.notice.as_deref().map(notice_text).map(str::to_owned);
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

async fn user_update(
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
        Ok(_) => Ok(Redirect::to(&format!("/users/{id}?notice=saved")).into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            let user = state.services.user_get(&actor, UserId(id)).await?;
            user_form_page(
                &state,
                &actor,
                Some(&user),
                UserFormView::from_form(&form),
                UserPageExtras {
                    error: Some((msg, field)),
                    ..Default::default()
                },
                status,
            )
            .await
        }
    }
}

async fn user_reset(
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
            notice: Some("密码已重置，该用户的登录已全部失效。".into()),
            shown_password: generated,
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

// ---------- audit ----------

pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub success: bool,
    pub ip: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    f: AuditForm,
    actions: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<AuditView>,
    pager: String,
    export_href: String,
}

fn audit_query(f: &AuditForm) -> AuditQuery {
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    AuditQuery {
        actor: Some(f.actor.clone()).filter(|s| !s.is_empty()),
        action: Some(f.action.clone()).filter(|s| !s.is_empty()),
        object_kind: None,
        object_id: None,
        from: date(&f.from),
        until: date(&f.until),
        success: yes_no(&f.success),
    }
}

impl From<&bangfu_service::AuditEntry> for AuditView {
    fn from(e: &bangfu_service::AuditEntry) -> Self {
        AuditView {
            at: local_time(&e.at),
            actor: e.actor_username.clone().unwrap_or_else(|| "—".into()),
            action: Action::from_code(&e.action)
                .map(|a| a.label())
                .unwrap_or("其他")
                .to_owned(),
            object: format!(
                "{}{}",
                object_label(&e.object_kind),
                e.object_id
                    .as_deref()
                    .map(|i| format!(" #{i}"))
                    .unwrap_or_default()
            ),
            success: e.success,
            ip: e.ip.clone().unwrap_or_default(),
            before: e.before_json.clone().unwrap_or_default(),
            after: e.after_json.clone().unwrap_or_default(),
        }
    }
}

async fn audit_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(f): Query<AuditForm>,
) -> PageResult {
    let q = audit_query(&f);
    let entries = all_pages(|p| state.services.audit_list(&actor, q.clone(), p)).await?;
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(AuditView::from)
        .map(|e| {
            vec![
                e.at,
                e.actor,
                e.action,
                e.object,
                if e.success { "成功" } else { "失败" }.to_owned(),
                e.ip,
                e.before,
                e.after,
            ]
        })
        .collect();
    xlsx_response(
        "操作日志.xlsx",
        "操作日志",
        &[
            "时间（北京时间）",
            "操作人",
            "操作",
            "对象",
            "结果",
            "来源地址",
            "变更前",
            "变更后",
        ],
        &rows,
    )
}

async fn audit_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(f): Query<AuditForm>,
) -> PageResult {
    let q = audit_query(&f);
    let page = state
        .services
        .audit_list(&actor, q, PageRequest::new(f.page, Some(50)))
        .await?;
    let items = page.items.iter().map(AuditView::from).collect();
    let params = [
        ("actor", f.actor.clone()),
        ("action", f.action.clone()),
        ("success", f.success.clone()),
        ("from", f.from.clone()),
        ("until", f.until.clone()),
    ];
    Ok(render(&AuditPage {
        chrome: Chrome::new(&actor, "操作日志", "audit"),
        pager: pager("/audit", &params, page.page, page.pages()),
        export_href: with_query("/audit/export.xlsx", &params),
        f,
        actions: Action::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        total: page.total,
        items,
    }))
}

// ---------- account ----------

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    forced: bool,
    username: String,
    roles: String,
    error: Option<String>,
    notice: Option<String>,
}

fn account(
    actor: &Actor,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let forced = actor.user.must_change_password;
    render_status(
        status,
        &AccountPage {
            chrome: Chrome::new(
                actor,
                if forced {
                    "修改初始密码"
                } else {
                    "我的账户"
                },
                "account",
            ),
            forced,
            username: actor.user.username.clone(),
            roles: actor.user.roles.labels(),
            error,
            notice,
        },
    )
}

async fn account_page(PageActor(actor): PageActor, Query(q): Query<NoticeQuery>) -> Response {
    account(
        &actor,
        None,
        q.notice.as_deref().map(notice_text).map(str::to_owned),
        StatusCode::OK,
    )
}

async fn password_page(PageActor(actor): PageActor) -> Response {
    account(&actor, None, None, StatusCode::OK)
}

async fn password_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    if form.new_password != form.confirm_password {
        return Ok(account(
            &actor,
            Some("两次输入的新密码不一致".into()),
            None,
            StatusCode::BAD_REQUEST,
        ));
    }
    match state
        .services
        .change_password(&actor, &form.current_password, &form.new_password)
        .await
    {
        Ok(()) if actor.user.must_change_password => Ok(Redirect::to("/").into_response()),
        Ok(()) => Ok(Redirect::to("/account?notice=password").into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            Ok(account(&actor, Some(msg), None, status))
        }
    }
}

// ---------- roles ----------

pub struct RoleView {
    pub label: &'static str,
    pub code: &'static str,
    pub description: &'static str,
    pub permissions: String,
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    chrome: Chrome,
    roles: Vec<RoleView>,
}

async fn roles_page(PageActor(actor): PageActor) -> Response {
    let roles = Role::ALL
        .iter()
        .map(|r| RoleView {
            label: r.label(),
            code: r.code(),
            description: r.description(),
            permissions: r
                .permissions()
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join("；"),
        })
        .collect();
    render(&RolesPage {
        chrome: Chrome::new(&actor, "角色与权限", "roles"),
        roles,
    })
}
