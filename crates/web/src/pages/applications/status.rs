//! The applicant's status check (/apply/status): the ID number and the phone
//! given in the application, sent by POST with the public form's CSRF token
//! so that neither lands in the address bar, the browser's history or a log.

use crate::auth::{public_form_token, MaybeActor};
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::http::HeaderMap;
use axum_extra::extract::cookie::CookieJar;
use bangfu_service::{ApplicationStatusView, ServiceError};

#[derive(Debug, Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
}

pub struct StatusView {
    number: String,
    status: &'static str,
    union_name: String,
    submitted_at: String,
    notice_until: String,
    steps: Vec<(String, String)>,
    reason: String,
    file_no: String,
}

impl From<&ApplicationStatusView> for StatusView {
    fn from(v: &ApplicationStatusView) -> Self {
        Self {
            number: v.number.clone(),
            status: v.status.label(),
            union_name: v.union_name.clone(),
            submitted_at: local_time(&v.submitted_at),
            notice_until: v.notice_until.map(|d| d.to_string()).unwrap_or_default(),
            steps: v
                .steps
                .iter()
                .map(|(l, t)| (l.clone(), local_time(t)))
                .collect(),
            reason: v.reason.clone().unwrap_or_default(),
            file_no: v.file_no.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "apply_status.html")]
struct StatusPage {
    csrf: String,
    q: StatusForm,
    asked: bool,
    items: Vec<StatusView>,
    error: Option<String>,
}

/// `GET /apply/status`: the empty form. A query string (an old link that
/// carried the numbers) is ignored, never shown back.
pub(super) async fn status_page(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let (jar, csrf) = public_form_token(jar, &state, &headers, actor.as_ref());
    let page = render(&StatusPage {
        csrf,
        q: StatusForm::default(),
        asked: false,
        items: Vec::new(),
        error: None,
    });
    (jar, page).into_response()
}

pub(super) async fn status_submit(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    headers: HeaderMap,
    jar: CookieJar,
    Form(q): Form<StatusForm>,
) -> Result<Response, PageError> {
    let (jar, csrf) = public_form_token(jar, &state, &headers, actor.as_ref());
    let (items, error) = match state
        .services
        .application_status(&q.id_number, &q.phone)
        .await
    {
        Ok(list) => (list.iter().map(StatusView::from).collect(), None),
        Err(ServiceError::Invalid(e)) => (Vec::new(), Some(e.message)),
        Err(e) => return Err(e.into()),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = render_status(
        status,
        &StatusPage {
            csrf,
            q,
            asked: true,
            items,
            error,
        },
    );
    Ok((jar, page).into_response())
}
