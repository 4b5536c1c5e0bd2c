//! The signed-in user's own account: the password change (forced after an
//! administrator set the password).

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
}

pub(crate) fn account(
    actor: &Actor,
    error: Option<String>,
    notice: Option<Notice>,
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

pub(crate) async fn account_page(
    PageActor(actor): PageActor,
    Query(q): Query<NoticeQuery>,
) -> Response {
    account(
        &actor,
        None,
        Notice::find_or_done(Notice::ACCOUNT, q.notice.as_deref()),
        StatusCode::OK,
    )
}

pub(crate) async fn password_page(PageActor(actor): PageActor) -> Response {
    account(&actor, None, None, StatusCode::OK)
}

pub(crate) async fn password_submit(
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
        Ok(()) => Ok(
            Redirect::to(&format!("/account?{}", Notice::PasswordChanged.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            Ok(account(&actor, Some(msg), None, status))
        }
    }
}
