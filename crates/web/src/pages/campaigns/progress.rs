//! A campaign's page: progress in a union's part of it by direct child
//! union (table and bar chart), the tasks (paged, filtered), their
//! download, and closing it with its summary.

use crate::pages::prelude::*;
use crate::pages::with_query;
use crate::view::local_time;
use bangfu_domain::campaign::{CampaignKind, CampaignStatus};
use bangfu_service::campaigns::{Campaign, Progress, Task, TaskQuery};
use bangfu_service::{PageRequest, ServiceError};
use serde_json::json;

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct CampaignQ {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
    notice: Option<String>,
}

impl CampaignQ {
    fn union(&self) -> Option<i64> {
        self.union_id.trim().parse().ok()
    }

    fn query(&self) -> TaskQuery {
        TaskQuery {
            union_id: self.union(),
            state: Some(self.state.trim().to_owned()).filter(|s| !s.is_empty()),
            mine: self.mine == "true",
            household_id: None,
            q: Some(self.q.trim().to_owned()).filter(|s| !s.is_empty()),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("union_id", self.union_id.trim().to_owned()),
            ("state", self.state.trim().to_owned()),
            ("mine", self.mine.trim().to_owned()),
            ("q", self.q.trim().to_owned()),
        ]
    }
}

pub struct ChildRow {
    name: String,
    href: String,
    total: i64,
    done: i64,
    overdue: i64,
    left: i64,
}

pub struct TaskRow {
    id: i64,
    household_id: i64,
    file_no: String,
    worker: String,
    household_status: &'static str,
    on_file: bool,
    union_name: String,
    responsible: String,
    state: String,
    done: bool,
    overdue: bool,
}

fn task_row(campaign: &Campaign, t: &Task, past: bool) -> TaskRow {
    let state = match t.outcome {
        Some(o) => o.label().to_owned(),
        None if campaign.kind == CampaignKind::ClearAll => {
            format!("已清 {}/{}", t.cleared, campaign.items.len())
        }
        None => "未核查".to_owned(),
    };
    TaskRow {
        id: t.id,
        household_id: t.household_id.0,
        file_no: t.file_no.clone(),
        worker: t.worker_name.clone(),
        household_status: t.household_status.label(),
        on_file: t.household_status == bangfu_domain::household::Status::OnFile,
        union_name: t.union_name.clone(),
        responsible: t.responsible_name.clone(),
        state,
        done: t.done_at.is_some(),
        overdue: t.done_at.is_none() && past,
    }
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    notice: Option<Notice>,
    error: Option<String>,
    id: i64,
    title: String,
    kind: &'static str,
    starter: String,
    deadline: String,
    running: bool,
    closed_note: String,
    items: Vec<String>,
    part: String,
    total: i64,
    done: i64,
    overdue: i64,
    left: i64,
    kept: i64,
    corrected: i64,
    removed: i64,
    cleared: i64,
    look_back: bool,
    children: Vec<ChildRow>,
    chart_labels: String,
    chart_series: String,
    may_close: bool,
    union_id: String,
    state: String,
    mine: bool,
    q: String,
    tasks: Vec<TaskRow>,
    tasks_total: i64,
    pager: Pager,
    export_href: String,
    back_href: String,
}

async fn render_campaign(
    state: &AppState,
    actor: &Actor,
    id: i64,
    q: &CampaignQ,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let p: Progress = state
        .services
        .campaign_progress(actor, id, q.union())
        .await?;
    let (campaign, tasks) = state
        .services
        .campaign_tasks(actor, id, q.query(), PageRequest::new(q.page, Some(30)))
        .await?;
    let c = &p.campaign;
    let past = p.overdue_now;
    let children: Vec<ChildRow> = p
        .children
        .iter()
        .filter(|k| k.counts.total > 0)
        .map(|k| ChildRow {
            name: k.name.clone(),
            href: with_query(
                &format!("/campaigns/{id}"),
                &[("union_id", k.union_id.to_string())],
            ),
            total: k.counts.total,
            done: k.counts.done,
            overdue: k.counts.overdue,
            left: k.counts.left,
        })
        .collect();
    let names: Vec<&str> = children.iter().map(|k| k.name.as_str()).collect();
    let series = json!([
        { "name": "已完成", "data": children.iter().map(|k| k.done).collect::<Vec<_>>() },
        { "name": "逾期", "data": children.iter().map(|k| k.overdue).collect::<Vec<_>>() },
        { "name": "未完成", "data": children.iter().map(|k| k.left).collect::<Vec<_>>() },
    ]);
    let (code, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let own_part = p.union.0 == c.union_id.0;
    Ok(render_status(
        code,
        &CampaignPage {
            chrome: Chrome::new(actor, format!("专项行动 · {}", c.title), "campaigns"),
            notice: Notice::find(Notice::CAMPAIGN, q.notice.as_deref()),
            error: message,
            id,
            title: c.title.clone(),
            kind: c.kind.label(),
            starter: format!(
                "{} 于 {} 发起（{}）",
                c.union_name,
                local_time(&c.created_at),
                c.created_by_name
            ),
            deadline: c.deadline.to_string(),
            running: c.status == CampaignStatus::Running,
            closed_note: c
                .closed_at
                .as_ref()
                .map(|at| format!("{} 于 {} 结束", c.closed_by_name, local_time(at)))
                .unwrap_or_default(),
            items: c.items.clone(),
            part: if own_part {
                format!("{}（全部）", p.union.1)
            } else {
                p.union.1.clone()
            },
            total: p.counts.total,
            done: p.counts.done,
            overdue: p.counts.overdue,
            left: p.counts.left,
            kept: p.summary.kept,
            corrected: p.summary.corrected,
            removed: p.summary.removed,
            cleared: p.summary.cleared,
            look_back: c.kind == CampaignKind::LookBack,
            chart_labels: json!(names).to_string(),
            chart_series: series.to_string(),
            children,
            may_close: p.may_close,
            union_id: q.union_id.trim().to_owned(),
            state: q.state.trim().to_owned(),
            mine: q.mine == "true",
            q: q.q.trim().to_owned(),
            tasks: tasks
                .items
                .iter()
                .map(|t| task_row(&campaign, t, past))
                .collect(),
            tasks_total: tasks.total,
            pager: pager(
                &format!("/campaigns/{id}"),
                &q.params(),
                tasks.page,
                tasks.pages(),
            ),
            export_href: with_query(&format!("/campaigns/{id}/export.xlsx"), &q.params()),
            back_href: "/campaigns".into(),
        },
    ))
}

pub(super) async fn campaign_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<CampaignQ>,
) -> PageResult {
    render_campaign(&state, &actor, id, &q, None).await
}

pub(super) async fn close(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    match state.services.campaign_close(&actor, id).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/campaigns/{id}?{}",
            Notice::CampaignClosed.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            render_campaign(
                &state,
                &actor,
                id,
                &CampaignQ::default(),
                Some((status, msg)),
            )
            .await
        }
    }
}

/// The download of a campaign's tasks: one sheet, the columns of the list.
pub(crate) fn workbook(c: &Campaign, tasks: &[Task]) -> Result<(String, Vec<u8>), String> {
    let past = bangfu_service::today() > c.deadline;
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            let r = task_row(c, t, past);
            vec![
                t.file_no.clone(),
                t.worker_name.clone(),
                r.household_status.to_owned(),
                t.union_name.clone(),
                t.responsible_name.clone(),
                r.state,
                if r.overdue {
                    "逾期".into()
                } else {
                    String::new()
                },
                t.note.clone(),
                t.done_at.as_ref().map(local_time).unwrap_or_default(),
                t.done_by_name.clone(),
            ]
        })
        .collect();
    let bytes = crate::xlsx::workbook(
        c.kind.label(),
        &[
            "档案编号",
            "职工",
            "档案状态",
            "建档工会",
            "责任人",
            "任务状态",
            "逾期",
            "说明",
            "办结时间",
            "办理人",
        ],
        &rows,
    )?;
    Ok((format!("专项行动-{}.xlsx", c.title), bytes))
}

pub(super) async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<CampaignQ>,
) -> PageResult {
    let (campaign, page) = state
        .services
        .campaign_export(&actor, id, q.query(), crate::xlsx::MAX_ROWS)
        .await?;
    let (name, bytes) = workbook(&campaign, &page.items)
        .map_err(|e| PageError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}
