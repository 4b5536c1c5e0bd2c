//! Who is calling: session cookies for pages, bearer tokens (or the cookie
//! plus an `X-CSRF-Token` header) for the API, and CSRF checks for every
//! state-changing browser request.

use crate::error::{ApiError, PageError};
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bangfu_service::{Actor, Origin, ServiceError};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "bangfu_session";
pub const LOGIN_CSRF_COOKIE: &str = "bangfu_login_csrf";
const FORM_LIMIT: usize = 1024 * 1024;

/// The caller's address: behind a trusted proxy, the last `X-Forwarded-For`
/// hop (the address the proxy itself saw and appended: the hops before it
/// are whatever the client sent, so a client could otherwise pick a new
/// address for every attempt and escape the per-address login limit, or
/// write any address into the audit log); else the peer.
pub fn origin_of(state: &AppState, parts: &Parts) -> Origin {
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter(|_| state.options.trust_proxy)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|s| !s.is_empty())
        .map(str::to_owned);
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string());
    let device = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(200)
                .collect::<String>()
        })
        .filter(|v| !v.trim().is_empty());
    Origin {
        ip: forwarded.or(peer),
        device,
    }
}

/// Whether the request came over TLS: configured (`--secure-cookies`), or
/// according to the trusted proxy in front. Cookies then carry `Secure`, and
/// responses `Strict-Transport-Security`.
pub fn secure(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    state.options.secure_cookies
        || state.options.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

pub fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build((name, "")).path("/").build();
    c.make_removal();
    c
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn bearer(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The signed-in caller of an API endpoint.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let actor = api_actor(parts, state).await?;
        // (A forced password change comes first: the services refuse
        // everything else to such a user already.)
        if actor.two_factor_enrolment_due
            && !actor.user.must_change_password
            && !enrolment_allows(parts)
        {
            return Err(ServiceError::TwoFactorEnrolmentRequired.into());
        }
        Ok(ApiActor(actor))
    }
}

/// What a user who must still enrol two-factor may call: enrolment itself,
/// who they are, and signing out.
fn enrolment_allows(parts: &Parts) -> bool {
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());
    let path = path.strip_prefix("/api/v1").unwrap_or(&path);
    path == "/account/two-factor"
        || path.starts_with("/account/two-factor/")
        || path == "/auth/me"
        || path == "/auth/logout"
}

async fn api_actor(parts: &Parts, state: &AppState) -> Result<Actor, ApiError> {
    {
        let origin = origin_of(state, parts);
        if let Some(token) = bearer(parts) {
            return Ok(state.services.authenticate(&token, origin).await?);
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(ServiceError::Unauthenticated.into());
        };
        let actor = state.services.authenticate(cookie.value(), origin).await?;
        if !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|s| constant_time_eq(s, &actor.csrf_token)) {
                return Err(ApiError::Csrf);
            }
        }
        Ok(actor)
    }
}

/// Marks a request whose session cookie named a session that timed out.
#[derive(Clone)]
struct Expired;

/// Middleware for the HTML pages: resolves the session cookie once and, for
/// every POST, checks the CSRF token from the form field `csrf` (or the
/// `X-CSRF-Token` header sent by htmx) before any handler runs. Before login
/// the token is a double-submit cookie set by the login page.
///
/// The one exception is a `multipart/form-data` upload (an Excel import, an
/// application's documents): its body may be tens of MB and is not buffered
/// here, so the token travels in the form action's query string (`?csrf=…`)
/// and is checked the same way; every other POST keeps the form-field check.
pub async fn page_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let mut actor = None;
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        match state
            .services
            .authenticate(cookie.value(), origin_of(&state, &parts))
            .await
        {
            Ok(a) => actor = Some(a),
            Err(ServiceError::SessionExpired) => {
                parts.extensions.insert(Expired);
            }
            Err(ServiceError::Unauthenticated) => {}
            Err(e) => return PageError::Service(e).into_response(),
        }
    }
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let body = if is_safe(&parts.method) {
        body
    } else if multipart {
        // Uploads are too large to buffer here and their fields come in
        // parts, so their forms carry the token in the action's query string
        // (`?csrf=…`); the page is same-origin and the Referrer-Policy keeps
        // the URL from leaving the site.
        let sent = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
        });
        let expected = match &actor {
            Some(a) => Some(a.csrf_token.clone()),
            None => jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()),
        };
        let ok = matches!((&sent, &expected), (Some(s), Some(e)) if !e.is_empty() && constant_time_eq(s, e));
        if !ok {
            return PageError::Csrf.into_response();
        }
        body
    } else {
        let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
            return PageError::BadRequest("提交的内容过大".into()).into_response();
        };
        let from_form = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        let sent = from_form.or_else(|| {
            parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let expected = match &actor {
            Some(a) => Some(a.csrf_token.clone()),
            None => jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()),
        };
        let ok = matches!((&sent, &expected), (Some(s), Some(e)) if !e.is_empty() && constant_time_eq(s, e));
        if !ok {
            return PageError::Csrf.into_response();
        }
        Body::from(bytes)
    };
    if let Some(a) = actor {
        parts.extensions.insert(a);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The signed-in user of a page. Without one the browser goes to the login
/// page; a user who must change an initial password goes there first.
pub struct PageActor(pub Actor);

impl FromRequestParts<AppState> for PageActor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, PageError> {
        let Some(actor) = parts.extensions.get::<Actor>().cloned() else {
            return Err(PageError::Service(
                if parts.extensions.get::<Expired>().is_some() {
                    ServiceError::SessionExpired
                } else {
                    ServiceError::Unauthenticated
                },
            ));
        };
        let path = parts.uri.path();
        if actor.user.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(PageError::Service(ServiceError::PasswordChangeRequired));
        }
        // Two-factor required and not enrolled: enrolment and signing out
        // only (after a forced password change, above).
        if actor.two_factor_enrolment_due
            && !actor.user.must_change_password
            && !path.starts_with("/account/two-factor")
            && path != "/logout"
        {
            return Err(PageError::Service(ServiceError::TwoFactorEnrolmentRequired));
        }
        Ok(PageActor(actor))
    }
}

/// The signed-in user if any (the login page uses it to skip itself).
pub struct MaybeActor(pub Option<Actor>);

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeActor(parts.extensions.get::<Actor>().cloned()))
    }
}

/// The caller's address, for endpoints that run before anyone is signed in.
pub struct ClientOrigin(pub Origin);

impl FromRequestParts<AppState> for ClientOrigin {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientOrigin(origin_of(state, parts)))
    }
}

/// The CSRF token a public form carries (/apply, /apply/status, /check): the
/// session's when someone is signed in, else the pre-login cookie's (the
/// login page's), made and set on `jar` when the browser has none.
pub fn public_form_token(
    jar: CookieJar,
    state: &AppState,
    headers: &axum::http::HeaderMap,
    actor: Option<&Actor>,
) -> (CookieJar, String) {
    if let Some(a) = actor {
        return (jar, a.csrf_token.clone());
    }
    if let Some(c) = jar.get(LOGIN_CSRF_COOKIE).filter(|c| !c.value().is_empty()) {
        let v = c.value().to_owned();
        return (jar, v);
    }
    let token = bangfu_service::random_token();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(state, headers))
        .build();
    (jar.add(cookie), token)
}
