//! The campaign list and the form that starts one.

use super::may_manage;
use crate::pages::prelude::*;
use crate::pages::union_options;
use bangfu_domain::campaign::{CampaignStatus, DEFAULT_ITEMS};
use bangfu_service::campaigns::{CampaignFilter, CampaignInput, Progress};
use bangfu_service::PageRequest;

#[derive(Debug, Deserialize, Default)]
pub(super) struct ListQ {
    #[serde(default)]
    status: String,
    page: Option<i64>,
}

pub struct Row {
    id: i64,
    title: String,
    kind: &'static str,
    union_name: String,
    deadline: String,
    running: bool,
    total: i64,
    done: i64,
    overdue: i64,
    percent: i64,
}

impl From<&Progress> for Row {
    fn from(p: &Progress) -> Self {
        let c = &p.campaign;
        Self {
            id: c.id,
            title: c.title.clone(),
            kind: c.kind.label(),
            union_name: c.union_name.clone(),
            deadline: c.deadline.to_string(),
            running: c.status == CampaignStatus::Running,
            total: p.counts.total,
            done: p.counts.done,
            overdue: p.counts.overdue,
            percent: if p.counts.total > 0 {
                p.counts.done * 100 / p.counts.total
            } else {
                0
            },
        }
    }
}

/// The form as typed (sent back on a refusal).
#[derive(Debug, Deserialize, Default, Clone)]
pub(super) struct StartForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    deadline: String,
    /// 户户清: one item a line.
    #[serde(default)]
    items: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    chrome: Chrome,
    status: String,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    may_start: bool,
    unions: Vec<(i64, String)>,
    form: StartFormView,
    error: Option<String>,
}

struct StartFormView {
    kind: String,
    union_id: String,
    title: String,
    deadline: String,
    items: String,
}

async fn render_list(
    state: &AppState,
    actor: &Actor,
    q: &ListQ,
    form: Option<&StartForm>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let status = match q.status.trim() {
        "" => None,
        s => Some(CampaignStatus::parse(s).map_err(bangfu_service::ServiceError::from)?),
    };
    let list = state
        .services
        .campaign_list(
            actor,
            CampaignFilter { kind: None, status },
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let may_start = may_manage(actor);
    let unions = if may_start {
        union_options(state, actor).await?
    } else {
        Vec::new()
    };
    let view = match form {
        Some(f) => StartFormView {
            kind: f.kind.clone(),
            union_id: f.union_id.clone(),
            title: f.title.clone(),
            deadline: f.deadline.clone(),
            items: f.items.clone(),
        },
        None => StartFormView {
            kind: "look_back".into(),
            union_id: actor.user.union_id.0.to_string(),
            title: String::new(),
            deadline: String::new(),
            items: DEFAULT_ITEMS.join("\n"),
        },
    };
    let (code, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    Ok(render_status(
        code,
        &ListPage {
            chrome: Chrome::new(actor, "专项行动", "campaigns"),
            status: q.status.trim().to_owned(),
            rows: list.items.iter().map(Row::from).collect(),
            total: list.total,
            pager: pager(
                "/campaigns",
                &[("status", q.status.trim().to_owned())],
                list.page,
                list.pages(),
            ),
            may_start,
            unions,
            form: view,
            error: message,
        },
    ))
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    render_list(&state, &actor, &q, None, None).await
}

pub(super) async fn start(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<StartForm>,
) -> PageResult {
    let items = (form.kind == "clear_all").then(|| {
        form.items
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    let input = CampaignInput {
        kind: form.kind.clone(),
        union_id: form.union_id.trim().parse().ok(),
        title: form.title.clone(),
        deadline: form.deadline.clone(),
        items,
    };
    match state.services.campaign_start(&actor, input).await {
        Ok(p) => Ok(Redirect::to(&format!(
            "/campaigns/{}?{}",
            p.campaign.id,
            Notice::CampaignStarted.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            render_list(
                &state,
                &actor,
                &ListQ::default(),
                Some(&form),
                Some((status, msg)),
            )
            .await
        }
    }
}
