//! The HTML face: server-rendered pages in Simplified Chinese. Each handler
//! calls the same services as the API and renders a template.
//!
//! This module is the router and what every page shares: the chrome around
//! a page, rendering (a whole page, or a list's `*_partial.html` results for
//! htmx), form failures, exports. Each area has a file (or a folder, split by
//! what a person does there) of its own; [`prelude`] is what they all import.
//! Notices after an action ([`notice::Notice`]) and page links
//! ([`pager::Pager`]) are typed values that templates render.

/// The `(code, label)` options of a coded enum, for a `<select>`.
macro_rules! options {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|v| (v.code(), v.label()))
            .collect::<Vec<(&'static str, &'static str)>>()
    };
}

/// `results_partial!(Page => Partial, "x_partial.html")`: the `#results`
/// fragment of a list page as a template of its own, rendered from the page's
/// own data (the partial derefs to the page), so the two cannot disagree.
macro_rules! results_partial {
    ($page:ty => $partial:ident, $path:literal) => {
        #[derive(askama::Template)]
        #[template(path = $path)]
        struct $partial<'a>(&'a $page);

        impl std::ops::Deref for $partial<'_> {
            type Target = $page;
            fn deref(&self) -> &$page {
                self.0
            }
        }

        impl crate::pages::Results for $page {
            fn render_results(&self) -> askama::Result<String> {
                askama::Template::render(&$partial(self))
            }
        }
    };
}

mod account;
mod applications;
mod assessments;
mod assistance;
mod audit;
mod campaigns;
mod exits;
mod forms;
mod fund_audit;
mod funds;
mod home;
mod households;
mod import;
mod login;
mod monthly;
mod notice;
mod pager;
mod persons;
mod plans;
mod prelude;
mod quality;
mod reporting;
mod resources;
mod roles;
mod stats;
mod temporary_files;
mod transfers;
mod two_factor;
mod unions;
mod users;
mod verification;
mod verification_findings;

pub(crate) use assessments::workbook as assessment_workbook;
pub(crate) use campaigns::workbook as campaign_workbook;
pub use import::{explain_too_large, read_workbook};
pub(crate) use persons::person_download;
pub(crate) use quality::workbook as quality_workbook;
pub(crate) use temporary_files::workbook as temporary_workbook;

use crate::auth::page_guard;
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::Permission;
use bangfu_service::{Actor, PageRequest, ServiceError, UnionFilter};
use std::convert::Infallible;

pub(crate) type PageResult = Result<Response, PageError>;

use unions::{division_options, UnionView};

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/logout", post(login::logout))
        .route(
            "/login/two-factor",
            get(two_factor::login_code_page).post(two_factor::login_code_submit),
        )
        .route("/account/two-factor", get(two_factor::two_factor_page))
        .route(
            "/account/two-factor/confirm",
            post(two_factor::two_factor_confirm),
        )
        .route(
            "/account/two-factor/recovery-codes",
            post(two_factor::two_factor_regenerate),
        )
        .route(
            "/account/two-factor/disable",
            post(two_factor::two_factor_disable),
        )
        .route(
            "/users/{id}/two-factor/reset",
            post(two_factor::user_two_factor_reset),
        )
        .route("/unions", get(unions::unions_index))
        .route(
            "/unions/{id}",
            get(unions::union_page).post(unions::union_update),
        )
        .route("/unions/{id}/children", post(unions::union_create))
        .route("/unions/{id}/move", post(unions::union_move))
        .route("/users", get(users::users_page).post(users::user_create))
        .route("/users/export.xlsx", get(users::users_export))
        .route("/users/new", get(users::user_new))
        .route(
            "/users/{id}",
            get(users::user_page).post(users::user_update),
        )
        .route("/users/{id}/reset-password", post(users::user_reset))
        .route("/users/{id}/sessions/end", post(users::user_sessions_end))
        .route("/account/sessions/{handle}/end", post(account::session_end))
        .route("/audit", get(audit::audit_page))
        .route("/audit/export.xlsx", get(audit::audit_export))
        .route("/account", get(account::account_page))
        .route(
            "/account/password",
            get(account::password_page).post(account::password_submit),
        )
        .route("/roles", get(roles::roles_page))
        .merge(households::routes())
        .merge(plans::routes())
        .merge(assistance::routes())
        .merge(resources::routes())
        .merge(funds::routes())
        .merge(fund_audit::routes())
        .merge(applications::routes())
        .merge(import::routes())
        .merge(exits::routes())
        .merge(reporting::routes())
        .merge(stats::routes())
        .merge(monthly::routes())
        .merge(quality::routes())
        .merge(persons::routes())
        .merge(temporary_files::routes())
        .merge(transfers::routes())
        .merge(campaigns::routes())
        .merge(assessments::routes())
        .merge(verification_findings::routes())
        .merge(verification::routes())
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
        .merge(assessments::upload_routes())
        .merge(verification::upload_routes())
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
    /// 部门核对: departments send datasets, the unions' staff see them.
    pub can_verification: bool,
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
            can_verification: actor.can(Permission::SendDatasets)
                || actor.can(Permission::ReadHouseholds),
        }
    }
}

/// A list page whose results htmx swaps alone.
pub(crate) trait Results: Template {
    /// The `*_partial.html` fragment: the `#results` element only.
    fn render_results(&self) -> askama::Result<String>;
}

/// Whether the request is htmx swapping a list's `#results` (a filter
/// changed): it then gets the fragment, any other request the whole page —
/// a browser without JavaScript, a link, htmx restoring history.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SwapsResults(bool);

impl<S: Send + Sync> FromRequestParts<S> for SwapsResults {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let is = |name: &str, value: &str| {
            parts
                .headers
                .get(name)
                .is_some_and(|v| v.as_bytes() == value.as_bytes())
        };
        Ok(Self(is("hx-request", "true") && is("hx-target", "results")))
    }
}

/// A list page, or only its results for [`SwapsResults`].
pub(crate) fn render_results(
    swap: SwapsResults,
    status: StatusCode,
    page: &impl Results,
) -> Response {
    if !swap.0 {
        return render_status(status, page);
    }
    match page.render_results() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    render_status(StatusCode::OK, t)
}

pub(crate) fn render_status(status: StatusCode, t: &impl Template) -> Response {
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
pub(crate) fn form_failure(
    e: ServiceError,
) -> Result<(StatusCode, String, Option<&'static str>), PageError> {
    match e {
        ServiceError::Invalid(_)
        | ServiceError::InvalidAll(_)
        | ServiceError::Conflict { .. }
        | ServiceError::Rule(_)
        | ServiceError::TooMany { .. } => {
            Ok((crate::error::status_of(&e), e.to_string(), e.field()))
        }
        other => Err(other.into()),
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

fn yes_no(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
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
        let too_many = |n: String| {
            PageError::BadRequest(format!(
                "共 {n} 条，超过单次导出上限 {} 条，请缩小筛选范围后再导出。",
                crate::xlsx::MAX_ROWS
            ))
        };
        if !p.capped && usize::try_from(p.total).unwrap_or(usize::MAX) > crate::xlsx::MAX_ROWS {
            return Err(too_many(p.total.to_string()));
        }
        // A capped count says only "at least": read on while pages are full.
        let last = if p.capped {
            i64::try_from(p.items.len()).unwrap_or(0) < p.per_page
        } else {
            page >= p.pages()
        };
        out.extend(p.items);
        if out.len() > crate::xlsx::MAX_ROWS {
            return Err(too_many(format!("{}+", crate::xlsx::MAX_ROWS)));
        }
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
