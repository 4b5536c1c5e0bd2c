//! Pages: reporting a file up (上报), and the receiving union's inbox
//! (待接收的上报档案) where it accepts (接收) or returns (退回) it, with a
//! reason, to the filing union (docs/rules.md §2).

use crate::pages::exits::HouseholdHead;
use crate::pages::forms::{NoticeQuery, ReasonForm};
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::filing::ReportState;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::Permission;
use bangfu_service::{HouseholdFilter, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(inbox_page))
        .route(
            "/households/{id}/report",
            get(report_page).post(report_submit),
        )
        .route("/households/{id}/accept", post(accept_submit))
        .route("/households/{id}/return", post(return_submit))
}

#[derive(Template)]
#[template(path = "report.html")]
pub(crate) struct ReportPage {
    pub(crate) chrome: Chrome,
    pub(crate) h: HouseholdHead,
    pub(crate) tier: &'static str,
    pub(crate) state: &'static str,
    pub(crate) state_class: &'static str,
    pub(crate) to_union: String,
    pub(crate) blocked: String,
    pub(crate) grassroots: bool,
    pub(crate) reason_returned: String,
    pub(crate) at: String,
    pub(crate) may_report: bool,
    pub(crate) may_receive: bool,
    pub(crate) reason: String,
    pub(crate) error: Option<String>,
}

pub(crate) fn state_class(s: ReportState) -> &'static str {
    match s {
        ReportState::None => "",
        ReportState::Reported => "warn",
        ReportState::Accepted => "ok",
        ReportState::Returned => "off",
    }
}

async fn report_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    reason: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .household_page(actor, HouseholdId(id))
        .await?;
    let h = &page.detail.household;
    let card = page.report;
    Ok(render_status(
        status,
        &ReportPage {
            chrome: Chrome::new(
                actor,
                format!("上报 · {}", h.data.worker_name),
                "households",
            ),
            h: HouseholdHead::from(h),
            tier: h.data.tier.label(),
            state: card.state.label(),
            state_class: state_class(card.state),
            to_union: card.to_union.map(|u| u.1).unwrap_or_default(),
            blocked: card.blocked.unwrap_or_default(),
            grassroots: !h.data.tier.reported(),
            reason_returned: h.report.reason.clone().unwrap_or_default(),
            at: h.report.at.as_ref().map(local_time).unwrap_or_default(),
            may_report: card.may_report,
            may_receive: card.may_receive,
            reason,
            error,
        },
    ))
}

pub(crate) async fn report_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    report_view(&state, &actor, id, String::new(), None, StatusCode::OK).await
}

/// Where an act done from the inbox returns to, else the file.
#[derive(Debug, Deserialize, Default)]
pub struct From {
    #[serde(default)]
    from: String,
}

fn back(id: i64, from: &From, notice: Notice) -> Response {
    let to = if from.from == "inbox" {
        format!("/reports?{}", notice.query())
    } else {
        format!("/households/{id}?{}", notice.query())
    };
    Redirect::to(&to).into_response()
}

pub(crate) async fn report_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    match state
        .services
        .household_report_up(&actor, HouseholdId(id))
        .await
    {
        Ok(_) => Ok(back(id, &From::default(), Notice::ReportedUp)),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            report_view(&state, &actor, id, String::new(), Some(msg), status).await
        }
    }
}

pub(crate) async fn accept_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(from): Query<From>,
) -> PageResult {
    match state
        .services
        .household_accept_report(&actor, HouseholdId(id))
        .await
    {
        Ok(_) => Ok(back(id, &from, Notice::ReportAccepted)),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            report_view(&state, &actor, id, String::new(), Some(msg), status).await
        }
    }
}

pub(crate) async fn return_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(from): Query<From>,
    Form(f): Form<ReasonForm>,
) -> PageResult {
    match state
        .services
        .household_return_down(&actor, HouseholdId(id), &f.reason)
        .await
    {
        Ok(_) => Ok(back(id, &from, Notice::ReportReturned)),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            report_view(&state, &actor, id, f.reason, Some(msg), status).await
        }
    }
}

/// One file waiting in the inbox.
pub struct InboxRow {
    pub id: i64,
    pub file_no: String,
    pub name: String,
    pub union_name: String,
    pub tier: &'static str,
    pub category: &'static str,
    pub size: i32,
    pub reported_at: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
pub(crate) struct InboxPage {
    pub(crate) chrome: Chrome,
    pub(crate) notice: Option<Notice>,
    pub(crate) total: i64,
    pub(crate) items: Vec<InboxRow>,
    pub(crate) pager: Pager,
    pub(crate) may_receive: bool,
}

pub(crate) async fn inbox_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let filter = HouseholdFilter {
        inbox: true,
        ..HouseholdFilter::default()
    };
    let page = state
        .services
        .household_list(&actor, filter, None, PageRequest::new(q.page, Some(30)))
        .await?;
    let items = page
        .items
        .iter()
        .map(|h| InboxRow {
            id: h.id.0,
            file_no: h.file_no.clone(),
            name: h.data.worker_name.clone(),
            union_name: h.union_name.clone(),
            tier: h.data.tier.label(),
            category: h.data.category.label(),
            size: h.size,
            reported_at: h.report.at.as_ref().map(local_time).unwrap_or_default(),
        })
        .collect();
    Ok(render(&InboxPage {
        chrome: Chrome::new(&actor, "待接收的上报档案", "reports"),
        notice: Notice::find(Notice::REPORTS, q.notice.as_deref()),
        total: page.total,
        items,
        pager: pager("/reports", &[], page.page, page.pages()),
        may_receive: actor.can(Permission::ApproveApplications),
    }))
}
