//! One household's task: what to confirm at the home visit, the
//! household's open verification findings, and the outcome (回头看) or the
//! items cleared (户户清).

use crate::pages::prelude::*;
use crate::view::local_time;
use bangfu_domain::campaign::{CampaignKind, CampaignStatus};
use bangfu_domain::household::HouseholdId;
use bangfu_service::campaigns::{ClearInput, OutcomeInput, TaskDetail};

#[derive(Debug, Deserialize, Default)]
pub(super) struct TaskQ {
    notice: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct ClearForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    note: String,
}

pub struct ItemRow {
    index: usize,
    item: String,
    cleared: bool,
    note: String,
    by: String,
}

pub struct FindingRow {
    id: i64,
    dataset: String,
    concern: &'static str,
    person: String,
    says: String,
}

#[derive(Template)]
#[template(path = "campaign_task.html")]
struct TaskPage {
    chrome: Chrome,
    notice: Option<Notice>,
    error: Option<String>,
    id: i64,
    campaign_id: i64,
    campaign_title: String,
    kind: &'static str,
    look_back: bool,
    running: bool,
    deadline: String,
    overdue: bool,
    household_id: i64,
    household: String,
    household_status: &'static str,
    union_name: String,
    responsible: String,
    done: bool,
    outcome: String,
    note: String,
    done_note: String,
    exit_id: Option<i64>,
    visit: Option<(i64, String)>,
    findings: Vec<FindingRow>,
    items: Vec<ItemRow>,
    may_act: bool,
    form_outcome: String,
    form_note: String,
}

fn render_task(
    actor: &Actor,
    d: &TaskDetail,
    notice: Option<Notice>,
    error: Option<(StatusCode, String)>,
    form: Option<&OutcomeForm>,
) -> Response {
    let t = &d.task;
    let c = &d.campaign;
    let items = c
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let cl = d
                .clearances
                .iter()
                .find(|x| usize::try_from(x.item).ok() == Some(i));
            ItemRow {
                index: i,
                item: item.clone(),
                cleared: cl.is_some(),
                note: cl.map(|x| x.note.clone()).unwrap_or_default(),
                by: cl
                    .map(|x| format!("{} {}", x.cleared_by_name, local_time(&x.cleared_at)))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let (code, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    render_status(
        code,
        &TaskPage {
            chrome: Chrome::new(
                actor,
                format!("专项行动任务 · {}", t.worker_name),
                "campaigns",
            ),
            notice,
            error: message,
            id: t.id,
            campaign_id: c.id,
            campaign_title: c.title.clone(),
            kind: c.kind.label(),
            look_back: c.kind == CampaignKind::LookBack,
            running: c.status == CampaignStatus::Running,
            deadline: c.deadline.to_string(),
            overdue: t.done_at.is_none() && bangfu_service::today() > c.deadline,
            household_id: t.household_id.0,
            household: format!("{}（{}）", t.worker_name, t.file_no),
            household_status: t.household_status.label(),
            union_name: t.union_name.clone(),
            responsible: if t.responsible_name.is_empty() {
                "未落实责任人".into()
            } else {
                t.responsible_name.clone()
            },
            done: t.done_at.is_some(),
            outcome: t.outcome.map(|o| o.label()).unwrap_or("未核查").to_owned(),
            note: t.note.clone(),
            done_note: t
                .done_at
                .as_ref()
                .map(|at| format!("{} 于 {} 办结", t.done_by_name, local_time(at)))
                .unwrap_or_default(),
            exit_id: t.exit_id,
            visit: d.visit.map(|(id, on)| (id, on.to_string())),
            findings: d
                .findings
                .iter()
                .map(|f| FindingRow {
                    id: f.id,
                    dataset: f.dataset.label.clone(),
                    concern: f.concern.label(),
                    person: f.person_name.clone(),
                    says: f.dataset_says.clone(),
                })
                .collect(),
            items,
            may_act: d.may_act,
            form_outcome: form.map(|f| f.outcome.clone()).unwrap_or_default(),
            form_note: form.map(|f| f.note.clone()).unwrap_or_default(),
        },
    )
}

pub(super) async fn task_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<TaskQ>,
) -> PageResult {
    let d = state.services.campaign_task(&actor, id).await?;
    let notice = Notice::find(Notice::CAMPAIGN_TASK, q.notice.as_deref());
    Ok(render_task(&actor, &d, notice, None, None))
}

/// A to-do item's link: the household's open task, or the campaign list.
pub(super) async fn of_household(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(household): Path<i64>,
) -> PageResult {
    let found = state
        .services
        .campaign_task_of_household(&actor, HouseholdId(household))
        .await?;
    Ok(match found {
        Some((_, task)) => Redirect::to(&format!("/campaign-tasks/{task}")).into_response(),
        None => Redirect::to("/campaigns").into_response(),
    })
}

pub(super) async fn outcome(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<OutcomeForm>,
) -> PageResult {
    let input = OutcomeInput {
        outcome: form.outcome.clone(),
        note: form.note.clone(),
    };
    match state
        .services
        .campaign_task_outcome(&actor, id, input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/campaign-tasks/{id}?{}",
            Notice::TaskRecorded.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let d = state.services.campaign_task(&actor, id).await?;
            Ok(render_task(
                &actor,
                &d,
                None,
                Some((status, msg)),
                Some(&form),
            ))
        }
    }
}

pub(super) async fn clear(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<ClearForm>,
) -> PageResult {
    let input = ClearInput {
        item: form.item.clone(),
        note: form.note.clone(),
    };
    match state.services.campaign_task_clear(&actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/campaign-tasks/{id}?{}",
            Notice::ItemCleared.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let d = state.services.campaign_task(&actor, id).await?;
            Ok(render_task(&actor, &d, None, Some((status, msg)), None))
        }
    }
}
