//! Referrals to partner departments: sending a need and recording the answer.

use super::*;
use crate::view::local_time;
use bangfu_domain::assistance::{Catalogue, ReferralId};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::Permission;
use bangfu_service::referrals::{Referral, ReferralInput, ReferralQuery};
use bangfu_service::{today, PageRequest};

pub struct ReferralView {
    pub(crate) id: i64,
    pub(crate) worker_name: String,
    pub(crate) file_no: String,
    pub(crate) union_name: String,
    pub(crate) department: String,
    pub(crate) need: String,
    pub(crate) policy: String,
    pub(crate) deadline: String,
    pub(crate) status: &'static str,
    pub(crate) status_class: &'static str,
    pub(crate) open: bool,
    pub(crate) overdue: bool,
    pub(crate) answer: String,
    pub(crate) answered: String,
    pub(crate) version: i64,
}

pub(crate) fn referral_view(r: &Referral, departments: &Opts) -> ReferralView {
    let open = r.status == bangfu_domain::assistance::ReferralStatus::Sent;
    ReferralView {
        id: r.id.0,
        worker_name: r.worker_name.clone(),
        file_no: r.file_no.clone(),
        union_name: r.union_name.clone(),
        department: label_of(departments, &r.department),
        need: r.need.clone(),
        policy: r.policy.clone(),
        deadline: r.deadline.to_string(),
        status: r.status.label(),
        status_class: match r.status {
            bangfu_domain::assistance::ReferralStatus::Sent => "warn",
            bangfu_domain::assistance::ReferralStatus::Granted => "ok",
            bangfu_domain::assistance::ReferralStatus::Refused => "off",
        },
        open,
        overdue: r.status.overdue(r.deadline, today()),
        answer: r.answer.clone().unwrap_or_default(),
        answered: match (&r.answered_at, r.answered_by_name.is_empty()) {
            (Some(t), false) => format!("{} {}", r.answered_by_name, local_time(t)),
            (Some(t), true) => local_time(t),
            _ => String::new(),
        },
        version: r.version,
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ReferralsQ {
    pub(crate) status: Option<String>,
    pub(crate) department: Option<String>,
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

#[derive(Template)]
#[template(path = "referrals.html")]
pub(crate) struct ReferralsPage {
    pub(crate) chrome: Chrome,
    pub(crate) status: String,
    pub(crate) department: String,
    pub(crate) departments: Opts,
    pub(crate) is_department: bool,
    pub(crate) can_answer: bool,
    pub(crate) items: Vec<ReferralView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) back: String,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

results_partial!(ReferralsPage => ReferralsResults, "referrals_partial.html");

pub(crate) async fn referrals_view(
    state: &AppState,
    actor: &Actor,
    swap: SwapsResults,
    q: &ReferralsQ,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .referral_list(
            actor,
            ReferralQuery {
                department: q.department.clone(),
                status: q.status.clone(),
                ..Default::default()
            },
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let departments = catalogue(state, actor, Catalogue::Department, true).await?;
    let params = vec![
        ("status", q.status.clone().unwrap_or_default()),
        ("department", q.department.clone().unwrap_or_default()),
    ];
    let is_department = !actor.can(Permission::ReadAssistance);
    Ok(render_results(
        swap,
        status,
        &ReferralsPage {
            chrome: Chrome::new(actor, "需求推送", "referrals"),
            status: q.status.clone().unwrap_or_default(),
            department: q.department.clone().unwrap_or_default(),
            is_department,
            can_answer: actor.can(Permission::SendReferrals)
                || actor.can(Permission::AnswerReferrals),
            items: page
                .items
                .iter()
                .map(|r| referral_view(r, &departments))
                .collect(),
            departments,
            total: page.total,
            pager: pager("/referrals", &params, page.page, page.pages()),
            back: "/referrals".into(),
            notice: notice(&q.notice),
            error,
        },
    ))
}

pub(crate) async fn referrals_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ReferralsQ>,
) -> PageResult {
    referrals_view(&state, &actor, swap, &q, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    pub(crate) outcome: String,
    #[serde(default)]
    pub(crate) answer: String,
    pub(crate) version: Option<i64>,
    #[serde(default)]
    pub(crate) back: String,
}

pub(crate) async fn referral_answer(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    let granted = f.outcome == "granted";
    match state
        .services
        .referral_answer(&actor, ReferralId(id), f.version, granted, &f.answer)
        .await
    {
        Ok(r) => {
            let to = if f.back.starts_with("/households/") {
                format!(
                    "/households/{}/referrals?{}",
                    r.household_id.0,
                    Notice::ReferralAnswered.query()
                )
            } else {
                format!("/referrals?{}", Notice::ReferralAnswered.query())
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            referrals_view(
                &state,
                &actor,
                SwapsResults::default(),
                &ReferralsQ::default(),
                Some(msg),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    pub(crate) department: String,
    #[serde(default)]
    pub(crate) need: String,
    #[serde(default)]
    pub(crate) policy: String,
    #[serde(default)]
    pub(crate) deadline: String,
}

#[derive(Template)]
#[template(path = "referrals_household.html")]
pub(crate) struct HouseholdReferralsPage {
    pub(crate) chrome: Chrome,
    pub(crate) household_id: i64,
    pub(crate) tab: &'static str,
    pub(crate) name: String,
    pub(crate) file_no: String,
    pub(crate) closed: bool,
    pub(crate) items: Vec<ReferralView>,
    pub(crate) can_send: bool,
    pub(crate) can_answer: bool,
    pub(crate) departments: Opts,
    pub(crate) form: SendForm,
    pub(crate) today: String,
    pub(crate) back: String,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
    pub(crate) field: &'static str,
}

pub(crate) async fn household_referrals_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    tab: TabState<SendForm>,
) -> PageResult {
    let h = state.services.household_get(actor, HouseholdId(id)).await?;
    let list = state
        .services
        .referral_list(
            actor,
            ReferralQuery {
                household_id: Some(id),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    let all = catalogue(state, actor, Catalogue::Department, true).await?;
    let closed = !h.household.status.under_assistance();
    Ok(render_status(
        tab.status,
        &HouseholdReferralsPage {
            chrome: Chrome::new(
                actor,
                format!("{} · 需求推送", h.household.data.worker_name),
                "households",
            ),
            household_id: id,
            tab: "referrals",
            name: h.household.data.worker_name.clone(),
            file_no: h.household.file_no.clone(),
            closed,
            items: list.items.iter().map(|r| referral_view(r, &all)).collect(),
            can_send: actor.can(Permission::SendReferrals) && !closed,
            can_answer: actor.can(Permission::SendReferrals),
            departments: catalogue(state, actor, Catalogue::Department, false).await?,
            form: tab.form.unwrap_or_default(),
            today: today().to_string(),
            back: format!("/households/{id}/referrals"),
            notice: tab.notice,
            error: tab.error,
            field: tab.field,
        },
    ))
}

pub(crate) async fn household_referrals(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    household_referrals_view(&state, &actor, id, TabState::shown(notice(&q.notice))).await
}

pub(crate) async fn household_send(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<SendForm>,
) -> PageResult {
    let input = ReferralInput {
        household_id: id,
        department: f.department.clone(),
        need: f.need.clone(),
        policy: f.policy.clone(),
        deadline: f.deadline.clone(),
    };
    match state.services.referral_send(&actor, input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/households/{id}/referrals?{}",
            Notice::ReferralSent.query()
        ))
        .into_response()),
        Err(e) => {
            let tab = TabState::failed(Some(f), e, "")?;
            household_referrals_view(&state, &actor, id, tab).await
        }
    }
}
