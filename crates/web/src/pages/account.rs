//! The signed-in user's own account: the password change (forced after an
//! administrator set the password) and their sessions (登录会话), each of
//! which they can end.

use super::forms::*;
use super::*;
use crate::pages::prelude::*;

#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    chrome: Chrome,
    forced: bool,
    username: String,
    roles: String,
    error: Option<String>,
    notice: Option<Notice>,
    sessions: Vec<SessionRow>,
    two_factor_enrolled: Option<String>,
    two_factor_required: bool,
}

pub(crate) struct SessionRow {
    handle: String,
    kind: &'static str,
    device: String,
    ip: String,
    created_at: String,
    last_seen_at: String,
    current: bool,
}

pub(crate) async fn account(
    state: &AppState,
    actor: &Actor,
    error: Option<String>,
    notice: Option<Notice>,
    status: StatusCode,
) -> PageResult {
    let forced = actor.user.must_change_password;
    let sessions = if forced {
        Vec::new()
    } else {
        state
            .services
            .session_list(actor)
            .await?
            .into_iter()
            .map(|s| SessionRow {
                handle: s.handle,
                kind: if s.kind == "api" {
                    "接口"
                } else {
                    "浏览器"
                },
                device: s.device.unwrap_or_else(|| "未知设备".into()),
                ip: s.ip.unwrap_or_default(),
                created_at: crate::view::local_time(&s.created_at),
                last_seen_at: crate::view::local_time(&s.last_seen_at),
                current: s.current,
            })
            .collect()
    };
    Ok(render_status(
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
            sessions,
            two_factor_enrolled: actor
                .user
                .two_factor_enrolled_at
                .as_ref()
                .map(crate::view::local_time),
            two_factor_required: state.services.two_factor_required(&actor.user),
        },
    ))
}

pub(crate) async fn account_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    account(
        &state,
        &actor,
        None,
        Notice::find_or_done(Notice::ACCOUNT, q.notice.as_deref()),
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn password_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> PageResult {
    account(&state, &actor, None, None, StatusCode::OK).await
}

/// Ends one of the user's own sessions; ending the current one signs out.
pub(crate) async fn session_end(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(handle): Path<String>,
) -> PageResult {
    state.services.session_end(&actor, &handle).await?;
    if actor.session_hash_starts_with(&handle) {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(Redirect::to(&format!("/account?{}", Notice::SessionEnded.query())).into_response())
}

pub(crate) async fn password_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    if form.new_password != form.confirm_password {
        return account(
            &state,
            &actor,
            Some("两次输入的新密码不一致".into()),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    match state
        .services
        .change_password(&actor, &form.current_password, &form.new_password)
        .await
    {
        Ok(()) if actor.user.must_change_password => Ok(Redirect::to("/").into_response()),
        Ok(()) => Ok(
            Redirect::to(&format!("/account?{}", Notice::PasswordChanged.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            account(&state, &actor, Some(msg), None, status).await
        }
    }
}
