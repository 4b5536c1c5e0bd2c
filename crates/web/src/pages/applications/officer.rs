//! The staff's side of applications: the list, an application with its
//! steps and documents, and the steps officers and reviewers take.

use crate::pages::households::{decision_view, DecisionView};
use crate::pages::prelude::*;
use crate::view::{division_name, local_time};
use bangfu_domain::application::{application_no, AppStatus, ApplicationId, Step};
use bangfu_domain::Permission;
use bangfu_service::{Act, ApplicationDetail, ApplicationFilter, PageRequest};

pub struct AppRow {
    id: i64,
    number: String,
    name: String,
    id_masked: String,
    union_name: String,
    channel: &'static str,
    status: &'static str,
    status_class: &'static str,
    created_at: String,
}

fn status_class(s: AppStatus) -> &'static str {
    match s {
        AppStatus::Approved => "ok",
        AppStatus::Rejected => "off",
        _ => "warn",
    }
}

impl From<&bangfu_service::Application> for AppRow {
    fn from(a: &bangfu_service::Application) -> Self {
        Self {
            id: a.id.0,
            number: application_no(a.id),
            name: a.worker_name.clone(),
            id_masked: a.worker_id_number.clone(),
            union_name: a.union_name.clone(),
            channel: if a.channel == "online" {
                "网上申请"
            } else {
                "代为申请"
            },
            status: a.status.label(),
            status_class: status_class(a.status),
            created_at: local_time(&a.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListPage {
    chrome: Chrome,
    status: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<AppRow>,
    pager: Pager,
    can_enter: bool,
}

results_partial!(ListPage => ApplicationsResults, "applications_partial.html");

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let filter = ApplicationFilter {
        status: AppStatus::parse(&q.status).ok(),
        open: q.status == "open",
        q: Some(q.q.clone()),
    };
    let page = state
        .services
        .application_list(&actor, filter, PageRequest::new(q.page, Some(30)))
        .await?;
    let mut statuses = vec![("open", "办理中")];
    statuses.extend(AppStatus::ALL.iter().map(|s| (s.code(), s.label())));
    Ok(render_results(
        swap,
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::new(&actor, "建档申请", "applications"),
            pager: pager(
                "/applications",
                &[("status", q.status.clone()), ("q", q.q.clone())],
                page.page,
                page.pages(),
            ),
            status: q.status,
            q: q.q,
            statuses,
            total: page.total,
            items: page.items.iter().map(AppRow::from).collect(),
            can_enter: actor.can(Permission::ManageHouseholds),
        },
    ))
}

pub struct StepView {
    label: &'static str,
    actor: String,
    at: String,
    lines: Vec<String>,
    decision: String,
}

fn step_view(s: &bangfu_service::StepRecord) -> StepView {
    let d: serde_json::Value = serde_json::from_str(&s.detail_json).unwrap_or_default();
    let text = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
    let lines = match s.step {
        Step::Review => vec![
            format!("入户核查日期：{}", text("visit_date")),
            format!("一看（住房、生活条件）：{}", text("seen")),
            format!("二问（家庭状况、需求）：{}", text("asked")),
            format!("三讲（讲解的政策）：{}", text("explained")),
        ],
        Step::Objection => vec![format!("异议：{}", text("objection"))],
        Step::Reject => vec![format!("理由：{}", text("reason"))],
        Step::Approve if !text("note").is_empty() => vec![format!("审批意见：{}", text("note"))],
        Step::Submit => match d["files"].as_i64() {
            Some(n) if n > 0 => vec![format!("附证明材料 {n} 份")],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let decision = s
        .decision_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .map(|v| {
            let label =
                bangfu_domain::household::Decision::parse(v["decision"].as_str().unwrap_or(""))
                    .map(|d| d.label())
                    .unwrap_or("");
            match v["condition"].as_i64() {
                Some(c) => format!(
                    "{label}（条件{}）",
                    crate::pages::households::cn(i32::try_from(c).unwrap_or(0))
                ),
                None => label.to_owned(),
            }
        })
        .unwrap_or_default();
    StepView {
        label: s.step.label(),
        actor: s.actor_name.clone(),
        at: local_time(&s.at),
        lines,
        decision,
    }
}

#[derive(Template)]
#[template(path = "application.html")]
struct DetailPage {
    chrome: Chrome,
    a: AppRow,
    d: DetailView,
    decision: DecisionView,
    steps: Vec<StepView>,
    files: Vec<(i64, String, String)>,
    notice: Option<Notice>,
    error: Option<String>,
    today: String,
}

/// What the review page shows of the application's data.
pub struct DetailView {
    version: i64,
    phone: String,
    address: String,
    region: String,
    employer: String,
    causes: String,
    size: usize,
    members: Vec<(String, &'static str, String)>,
    incomes: Vec<(String, String, String)>,
    notice_until: String,
    household_id: Option<i64>,
    can_review: bool,
    can_notice: bool,
    can_object: bool,
    can_approve: bool,
    can_reject: bool,
    approve_blocked: String,
    /// "第 2026-12 版，2026-12-07 10:31" or empty when none was recorded.
    consent: String,
}

fn detail_view(d: &ApplicationDetail) -> DetailView {
    DetailView {
        version: d.application.version,
        phone: d.data.phone.clone(),
        address: d.data.address.clone(),
        region: division_name(&d.data.division_code),
        employer: d.data.employer.clone(),
        causes: d.data.causes.labels(),
        size: d.members.len() + 1,
        members: d
            .members
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.relation.label(),
                    m.id_number
                        .as_ref()
                        .map(|i| i.text.clone())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        incomes: d
            .incomes
            .iter()
            .map(|i| {
                (
                    i.month.to_string(),
                    i.income().yuan_grouped(),
                    i.rigid().yuan_grouped(),
                )
            })
            .collect(),
        notice_until: d
            .application
            .notice_until
            .map(|u| u.to_string())
            .unwrap_or_default(),
        household_id: d.application.household_id.map(|h| h.0),
        can_review: d.can_review,
        can_notice: d.can_notice,
        can_object: d.can_object,
        can_approve: d.can_approve,
        can_reject: d.can_reject,
        approve_blocked: d.approve_blocked.clone().unwrap_or_default(),
        consent: d
            .consent
            .as_ref()
            .map(|c| format!("第 {} 版，{}", c.version, crate::view::local_time(&c.at)))
            .unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQ {
    notice: Option<String>,
}

async fn detail_view_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<Notice>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let d = state
        .services
        .application_get(actor, ApplicationId(id))
        .await?;
    Ok(render_status(
        status,
        &DetailPage {
            chrome: Chrome::new(
                actor,
                format!("建档申请 {}", application_no(d.application.id)),
                "applications",
            ),
            a: AppRow::from(&d.application),
            d: detail_view(&d),
            decision: decision_view(&d.identification),
            steps: d.steps.iter().map(step_view).collect(),
            files: d
                .files
                .iter()
                .map(|f| {
                    (
                        f.id,
                        f.name.clone(),
                        format!("{:.1} KB", f.size as f64 / 1024.0),
                    )
                })
                .collect(),
            notice,
            error,
            today: bangfu_service::today().to_string(),
        },
    ))
}

pub(super) async fn detail_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    let notice = Notice::find_or_done(Notice::APPLICATION, q.notice.as_deref());
    detail_view_page(&state, &actor, id, notice, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    act: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    visit_date: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    asked: String,
    #[serde(default)]
    explained: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn act_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let act = match f.act.as_str() {
        "review" => Act::Review {
            visit_date: f.visit_date,
            seen: f.seen,
            asked: f.asked,
            explained: f.explained,
        },
        "notice" => Act::Notice,
        "objection" => Act::Objection { text: f.text },
        "approve" => Act::Approve { note: f.note },
        "reject" => Act::Reject { reason: f.reason },
        _ => return Err(PageError::BadRequest("未知的操作".into())),
    };
    let version: i64 = f.version.trim().parse().unwrap_or(-1);
    match state
        .services
        .application_act(&actor, ApplicationId(id), version, act)
        .await
    {
        Ok(a) => {
            let code = f.act.as_str();
            match (code, a.household_id) {
                ("approve", Some(h)) => Ok(Redirect::to(&format!(
                    "/households/{h}?{}",
                    Notice::FilingApproved.query()
                ))
                .into_response()),
                _ => {
                    let done = Notice::find_or_done(Notice::APPLICATION, Some(code))
                        .unwrap_or(Notice::Done);
                    Ok(
                        Redirect::to(&format!("/applications/{id}?{}", done.query()))
                            .into_response(),
                    )
                }
            }
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            detail_view_page(&state, &actor, id, None, Some(msg), status).await
        }
    }
}

pub(super) async fn file_download(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, file)): Path<(i64, i64)>,
) -> PageResult {
    let (info, bytes) = state
        .services
        .application_file(&actor, ApplicationId(id), file)
        .await?;
    Ok(crate::xlsx::attachment(
        &info.name,
        &info.content_type,
        bytes,
    ))
}
