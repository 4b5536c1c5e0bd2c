//! The home page: the user's union, and the counts and dashboards their roles
//! let them read.

use super::*;
use crate::pages::prelude::*;
use crate::view::local_time;
use bangfu_domain::Permission;

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    chrome: Chrome,
    union: UnionView,
    roles: String,
    last_login: String,
    child_count: i64,
    user_count: i64,
    /// For those who read household files.
    households: Option<bangfu_service::HouseholdSummary>,
    /// For a responsible person (一帮一): their households with what is due, and how many.
    my: Option<(Vec<plans::MyView>, i64)>,
    /// For those who read assistance: the pairing work lists' counts.
    work: Option<bangfu_service::plans::WorklistCounts>,
    visit_days: u32,
    /// The dashboard (工作台) for those who read statistics.
    dash: Option<monthly::HomeDash>,
    /// What waits for a reviewer, for those who approve something: the
    /// lists that hold something, each with its count and link.
    queue: Option<Vec<QueueRow>>,
}

/// One line of the reviewer's queue.
pub(crate) struct QueueRow {
    key: String,
    label: String,
    href: String,
    count: i64,
}

fn queue_rows(q: &bangfu_service::queue::ReviewQueue) -> Vec<QueueRow> {
    use bangfu_domain::leaving::ExitStatus;
    let mut rows = Vec::new();
    let mut add = |key: String, label: String, href: &str, count: i64| {
        if count > 0 {
            rows.push(QueueRow {
                key,
                label,
                href: href.to_owned(),
                count,
            });
        }
    };
    if let Some(n) = q.plans {
        add(
            "plans".into(),
            "计划待审定（已提交审批的帮扶计划）".into(),
            "/pairing?list=plan_submitted",
            n,
        );
    }
    if let Some(n) = q.cash {
        add(
            "cash".into(),
            "现金待审批（超过审批限额的帮扶发放）".into(),
            "/assistance?status=pending#pending",
            n,
        );
    }
    for (s, n) in q.applications.iter().flatten() {
        add(
            format!("app-{}", s.code()),
            format!("建档申请 · {}", s.label()),
            &format!("/applications?status={}", s.code()),
            *n,
        );
    }
    for (s, n) in q.exits.iter().flatten() {
        let step = match s {
            ExitStatus::Proposed => "待审核",
            ExitStatus::Reviewed => "已审核，待公示或批准",
            _ => "公示中，期满待批准",
        };
        add(
            format!("exit-{}", s.code()),
            format!("脱困、解困、退出决定 · {step}"),
            "/exits?tab=open",
            *n,
        );
    }
    rows
}

pub(crate) async fn home(State(state): State<AppState>, PageActor(actor): PageActor) -> PageResult {
    // A partner department's user has no union pages: their work is the
    // referrals sent to their department.
    if !actor.can(Permission::ReadUnions) && actor.can(Permission::AnswerReferrals) {
        return Ok(Redirect::to("/referrals").into_response());
    }
    let d = state.services.union_home(&actor).await?;
    Ok(render(&HomePage {
        chrome: Chrome::new(&actor, "首页", "home"),
        union: UnionView::from(&d.union),
        roles: actor.user.roles.labels(),
        last_login: actor
            .user
            .last_login_at
            .as_ref()
            .map(local_time)
            .unwrap_or_default(),
        child_count: d.children_total,
        user_count: d.user_count,
        households: if actor.can(Permission::ReadHouseholds) {
            Some(state.services.household_summary(&actor).await?)
        } else {
            None
        },
        my: plans::my_summary(&state, &actor).await?,
        work: if actor.can(Permission::ReadAssistance) {
            Some(state.services.worklist_counts(&actor).await?)
        } else {
            None
        },
        visit_days: state.services.settings().visit_interval_days,
        dash: monthly::home_dashboard(&state, &actor).await?,
        queue: Some(state.services.review_queue(&actor).await?)
            .filter(|q| q.any())
            .map(|q| queue_rows(&q)),
    }))
}
