//! A decision's page with its steps and the reviewer's forms.

use super::*;
use crate::view::local_time;
use bangfu_domain::leaving::{exit_no, ExitId};
use bangfu_service::exits::status_label;

pub struct StepView {
    pub label: &'static str,
    pub actor: String,
    pub at: String,
    pub note: String,
}

pub struct DetailView {
    pub id: i64,
    pub number: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub pathway: String,
    pub reason: String,
    pub note: String,
    pub evidence: String,
    pub cohort: &'static str,
    pub notice_from: String,
    pub notice_until: String,
    pub decided_on: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub household_status: &'static str,
}

#[derive(Template)]
#[template(path = "exit.html")]
pub(crate) struct DetailPage {
    pub(crate) chrome: Chrome,
    pub(crate) e: DetailView,
    pub(crate) h: HouseholdHead,
    pub(crate) eval: EvalView,
    pub(crate) steps: Vec<StepView>,
    pub(crate) notice_flow: bool,
    pub(crate) revokes: Option<(i64, String)>,
    pub(crate) revoked_by: Option<(i64, String)>,
    pub(crate) can_review: bool,
    pub(crate) can_notice: bool,
    pub(crate) can_object: bool,
    pub(crate) can_approve: bool,
    pub(crate) can_reject: bool,
    pub(crate) can_revoke: bool,
    pub(crate) approve_blocked: String,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

pub(crate) async fn detail_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<Notice>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let d = state.services.exit_get(actor, ExitId(id)).await?;
    let household = state
        .services
        .household_get(actor, d.exit.household_id)
        .await?
        .household;
    let e = &d.exit;
    Ok(render_status(
        status,
        &DetailPage {
            chrome: Chrome::new(
                actor,
                format!("{} {}", exit_no(e.id), e.worker_name),
                "exits",
            ),
            e: DetailView {
                id: e.id.0,
                number: exit_no(e.id),
                kind: e.kind.label(),
                status: status_label(e.status, d.notice),
                status_class: status_class(e.status),
                pathway: e.pathway.map(|p| p.label().to_owned()).unwrap_or_default(),
                reason: e.reason.map(|r| r.label().to_owned()).unwrap_or_default(),
                note: e.note.clone(),
                evidence: e.evidence.clone(),
                cohort: e.cohort.label(),
                notice_from: e.notice_from.map(|d| d.to_string()).unwrap_or_default(),
                notice_until: e.notice_until.map(|d| d.to_string()).unwrap_or_default(),
                decided_on: e.decided_on.map(|d| d.to_string()).unwrap_or_default(),
                version: e.version,
                created_by: e.created_by_name.clone(),
                created_at: local_time(&e.created_at),
                household_status: e.household_status.label(),
            },
            h: HouseholdHead::from(&household),
            eval: eval_view(&d.evaluation),
            steps: d
                .steps
                .iter()
                .map(|s| StepView {
                    label: s.step.label(),
                    actor: s.actor_name.clone(),
                    at: local_time(&s.at),
                    note: s.note.clone(),
                })
                .collect(),
            notice_flow: d.notice,
            revokes: d.revokes.as_ref().map(|r| (r.id.0, exit_no(r.id))),
            revoked_by: d.revoked_by.as_ref().map(|r| (r.id.0, exit_no(r.id))),
            can_review: d.can_review,
            can_notice: d.can_notice,
            can_object: d.can_object,
            can_approve: d.can_approve,
            can_reject: d.can_reject,
            can_revoke: d.can_revoke,
            approve_blocked: d.approve_blocked.clone().unwrap_or_default(),
            notice,
            error,
        },
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQ {
    pub(crate) notice: Option<String>,
}

pub(crate) async fn detail_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<DetailQ>,
) -> PageResult {
    detail_view(
        &state,
        &actor,
        id,
        Notice::find_or_done(Notice::EXIT, q.notice.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    pub(crate) step: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) note: String,
}

pub(crate) async fn act_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let version: i64 = f
        .version
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest("表单已过期，请刷新页面后再提交".into()))?;
    match state
        .services
        .exit_act(&actor, ExitId(id), version, &f.step, &f.note)
        .await
    {
        Ok(_) => {
            let done =
                Notice::find_or_done(Notice::EXIT, Some(f.step.trim())).unwrap_or(Notice::Done);
            Ok(Redirect::to(&format!("/exits/{id}?{}", done.query())).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            detail_view(&state, &actor, id, None, Some(msg), status).await
        }
    }
}
