//! Two-factor sign-in (两步验证) pages: the second step of signing in (a
//! code or a recovery code), enrolment (a QR code drawn by the server, the
//! secret in text, a code to confirm, the recovery codes shown once), the
//! account's two-factor page (recovery codes left, new ones, turning it
//! off), and an administrator's reset of a user's two-factor.

use super::forms::LoginQuery;
use super::*;
use crate::auth::{removal, secure, session_cookie, ClientOrigin, LOGIN_CSRF_COOKIE};
use crate::pages::login::login_csrf;
use crate::pages::prelude::*;
use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bangfu_domain::UserId;
use bangfu_service::LoginOutcome;

/// The cookie that carries a sign-in half done (the password was right):
/// the challenge's token; the server keeps only its hash, and it expires
/// there (`bangfu_service::two_factor::CHALLENGE_SECONDS`).
pub(crate) const CHALLENGE_COOKIE: &str = "bangfu_login_2fa";

/// Where a fresh session goes first: a forced password change, then a
/// due enrolment, else `next`.
pub(crate) fn first_stop(out: &LoginOutcome) -> &'static str {
    if out.user.must_change_password {
        "/account/password"
    } else if out.two_factor_enrolment_due {
        "/account/two-factor"
    } else {
        "/"
    }
}

/// The challenge cookie (only the login paths see it).
pub(crate) fn challenge_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CHALLENGE_COOKIE, token))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build()
}

fn challenge_removal() -> Cookie<'static> {
    let mut c = Cookie::build((CHALLENGE_COOKIE, "")).path("/login").build();
    c.make_removal();
    c
}

// ---------- the second step of signing in ----------

#[derive(Template)]
#[template(path = "login_two_factor.html")]
pub(crate) struct CodePage {
    csrf: String,
    error: Option<String>,
}

pub(crate) async fn login_code_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    if jar.get(CHALLENGE_COOKIE).is_none() {
        return Redirect::to("/login").into_response();
    }
    let (csrf, cookie) = login_csrf(&jar, secure(&state, &headers));
    let page = render(&CodePage { csrf, error: None });
    match cookie {
        Some(c) => (jar.add(c), page).into_response(),
        None => page,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(crate) async fn login_code_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    ClientOrigin(origin): ClientOrigin,
    Form(form): Form<CodeForm>,
) -> Response {
    let challenge = jar
        .get(CHALLENGE_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let secure = secure(&state, &headers);
    match state
        .services
        .login_two_factor(&challenge, &form.code, origin)
        .await
    {
        Ok(out) => {
            let next = first_stop(&out);
            let jar = jar
                .add(session_cookie(out.token, secure))
                .add(removal(LOGIN_CSRF_COOKIE))
                .add(challenge_removal());
            (jar, Redirect::to(next)).into_response()
        }
        Err(ServiceError::TwoFactorExpired) => (
            jar.add(challenge_removal()),
            Redirect::to("/login?two_factor_expired=1"),
        )
            .into_response(),
        Err(e) => {
            let status = crate::error::status_of(&e);
            if status.is_server_error() {
                return PageError::Service(e).into_response();
            }
            let locked = matches!(e, ServiceError::Locked { .. });
            let (csrf, cookie) = login_csrf(&jar, secure);
            let message = match &e {
                ServiceError::BadCode => {
                    "验证码不正确或已用过，请输入验证器应用上当前显示的 6 位数字。".to_owned()
                }
                other => other.to_string(),
            };
            let page = crate::error::with_retry_after(
                &e,
                render_status(
                    status,
                    &CodePage {
                        csrf,
                        error: Some(message),
                    },
                ),
            );
            let jar = if locked {
                jar.add(challenge_removal())
            } else {
                jar
            };
            match cookie {
                Some(c) => (jar.add(c), page).into_response(),
                None => (jar, page).into_response(),
            }
        }
    }
}

/// The login page's notice after a challenge expired.
pub(crate) fn expired_notice(q: &LoginQuery) -> Option<String> {
    q.two_factor_expired
        .as_ref()
        .map(|_| "两步验证已超时，请重新输入用户名和密码。".to_owned())
}

// ---------- the account's two-factor page ----------

#[derive(Template)]
#[template(path = "two_factor.html")]
pub(crate) struct TwoFactorPage {
    chrome: Chrome,
    enrolled_at: Option<String>,
    required: bool,
    due: bool,
    codes_left: i64,
    /// Enrolment: the QR code (inline SVG), the secret grouped for typing.
    qr: String,
    secret: String,
    error: Option<String>,
}

async fn two_factor_page_with(
    state: &AppState,
    actor: &Actor,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let st = state.services.two_factor_status(actor).await?;
    let (qr, secret) = if st.enrolled_at.is_none() {
        let e = state.services.two_factor_begin(actor).await?;
        let grouped = e
            .secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        (crate::qr::svg(&e.uri).unwrap_or_default(), grouped)
    } else {
        (String::new(), String::new())
    };
    Ok(render_status(
        status,
        &TwoFactorPage {
            chrome: Chrome::new(actor, "两步验证", "account"),
            enrolled_at: st.enrolled_at.as_ref().map(crate::view::local_time),
            required: st.required,
            due: actor.two_factor_enrolment_due,
            codes_left: st.recovery_codes_left,
            qr,
            secret,
            error,
        },
    ))
}

pub(crate) async fn two_factor_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> PageResult {
    two_factor_page_with(&state, &actor, None, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "two_factor_codes.html")]
pub(crate) struct CodesPage {
    chrome: Chrome,
    codes: Vec<String>,
    /// Shown right after enrolment (else after replacing the codes).
    enrolled: bool,
}

/// A refusal of a code on the account's two-factor page: the page again
/// with the message (a lock or anything else: the error page).
async fn refused(state: &AppState, actor: &Actor, e: ServiceError) -> PageResult {
    let (status, msg, _) = form_failure(e)?;
    two_factor_page_with(state, actor, Some(msg), status).await
}

pub(crate) async fn two_factor_confirm(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<CodeForm>,
) -> PageResult {
    match state.services.two_factor_confirm(&actor, &form.code).await {
        Ok(codes) => Ok(render(&CodesPage {
            chrome: Chrome::new(&actor, "两步验证已启用", "account"),
            codes,
            enrolled: true,
        })),
        Err(e) => refused(&state, &actor, e).await,
    }
}

pub(crate) async fn two_factor_regenerate(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<CodeForm>,
) -> PageResult {
    match state
        .services
        .two_factor_regenerate(&actor, &form.code)
        .await
    {
        Ok(codes) => Ok(render(&CodesPage {
            chrome: Chrome::new(&actor, "新的恢复码", "account"),
            codes,
            enrolled: false,
        })),
        Err(e) => refused(&state, &actor, e).await,
    }
}

pub(crate) async fn two_factor_disable(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<CodeForm>,
) -> PageResult {
    match state.services.two_factor_disable(&actor, &form.code).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/account?{}", Notice::TwoFactorDisabled.query()))
                .into_response(),
        ),
        Err(e) => refused(&state, &actor, e).await,
    }
}

/// An administrator resets a user's two-factor (audited): the user must
/// enrol again and is signed out everywhere.
pub(crate) async fn user_two_factor_reset(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    state
        .services
        .user_two_factor_reset(&actor, UserId(id))
        .await?;
    Ok(Redirect::to(&format!("/users/{id}?{}", Notice::TwoFactorReset.query())).into_response())
}
