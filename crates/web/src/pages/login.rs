//! Signing in and out: the login form with its own CSRF cookie (there is no
//! session yet to carry one), and logout.

use super::forms::*;
use super::*;
use crate::auth::{removal, secure, session_cookie, MaybeActor, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::pages::prelude::*;
use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bangfu_service::LoginStep;

// ---------- login ----------

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    csrf: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

pub(crate) fn login_csrf(jar: &CookieJar, secure: bool) -> (String, Option<Cookie<'static>>) {
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

pub(crate) async fn login_page(
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
        super::two_factor::expired_notice(&q)
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

pub(crate) async fn login_submit(
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
        Ok(LoginStep::Done(out)) => {
            let next = super::two_factor::first_stop(&out);
            // A fresh session id at every login; the pre-login token is spent.
            let jar = jar
                .add(session_cookie(out.token, secure(&state, &headers)))
                .add(removal(LOGIN_CSRF_COOKIE));
            (jar, Redirect::to(next)).into_response()
        }
        // The password is right and a code is due: the challenge travels in
        // its own cookie to the second step (the pre-login token stays).
        Ok(LoginStep::CodeDue { challenge, .. }) => {
            let jar = jar.add(super::two_factor::challenge_cookie(
                challenge,
                secure(&state, &headers),
            ));
            (jar, Redirect::to("/login/two-factor")).into_response()
        }
        Err(e) => {
            let status = crate::error::status_of(&e);
            if status.is_server_error() {
                return PageError::Service(e).into_response();
            }
            let (csrf, cookie) = login_csrf(&jar, secure(&state, &headers));
            let page = crate::error::with_retry_after(
                &e,
                render_status(
                    status,
                    &LoginPage {
                        csrf,
                        username: form.username,
                        error: Some(e.to_string()),
                        notice: None,
                    },
                ),
            );
            match cookie {
                Some(c) => (jar.add(c), page).into_response(),
                None => page,
            }
        }
    }
}

pub(crate) async fn logout(
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
