//! Pages: the monthly run (月度评估) and the to-do items it leaves.
//!
//! `/monthly` shows the latest runs, this month's findings per kind and per
//! child union, and (for an administrator) a button to run it now; a run's
//! page refreshes its progress every second like an import job's. `/todos`
//! is the responsible person's list: filters, links to the household and to
//! the exit lists, and "mark handled".

use super::with_query;
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::{Month, Permission};
use bangfu_service::monthly::{MonthCounts, RunView, Todo, TodoKind, TodoQuery};
use bangfu_service::PageRequest;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monthly", get(monthly_page))
        .route("/monthly/run", post(run_submit))
        .route("/monthly/runs/{id}", get(run_page))
        .route("/monthly/runs/{id}/progress", get(run_fragment))
        .route("/todos", get(todos_page))
        .route("/todos/{id}/done", post(done_submit))
}

// ---------- runs ----------

pub struct RunCard {
    pub id: i64,
    pub month: String,
    pub trigger: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub phase: String,
    pub done: i64,
    pub total: i64,
    pub percent: i64,
    pub finished: bool,
    pub interrupted: bool,
    pub union_name: String,
    pub started_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub message: String,
    pub evaluated: i64,
    pub added: i64,
    pub millis: String,
    /// (label, count) of the findings per kind.
    pub found: Vec<(&'static str, i64)>,
    pub found_total: i64,
}

pub(super) fn run_card(r: &RunView) -> RunCard {
    let found: Vec<(&'static str, i64)> = TodoKind::ALL
        .iter()
        .map(|k| (k.short(), r.result.found.get(k).copied().unwrap_or(0)))
        .collect();
    RunCard {
        id: r.id,
        month: r.month.clone(),
        trigger: if r.trigger == "manual" {
            "手动运行"
        } else {
            "定时运行"
        },
        status: r.status_code(),
        status_label: r.status_label(),
        phase: r.phase.clone(),
        done: r.done,
        total: r.total,
        percent: r.percent(),
        finished: r.finished(),
        interrupted: r.interrupted,
        union_name: r.union_name.clone(),
        started_by: r.started_by.clone().unwrap_or_default(),
        created_at: local_time(&r.created_at),
        updated_at: local_time(&r.updated_at),
        message: r.message.clone().unwrap_or_default(),
        evaluated: r.result.evaluated,
        added: r.result.added,
        millis: format!("{:.1}", r.result.millis as f64 / 1000.0),
        found_total: found.iter().map(|f| f.1).sum(),
        found,
    }
}

pub struct KindRow {
    pub code: &'static str,
    pub label: &'static str,
    pub total: i64,
    pub open: i64,
}

pub struct UnionRow {
    pub id: i64,
    pub name: String,
    /// (total, open) per kind in [`TodoKind::ALL`] order.
    pub counts: Vec<(i64, i64)>,
    pub total: i64,
    pub open: i64,
}

#[derive(Template)]
#[template(path = "monthly.html")]
struct MonthlyPage {
    chrome: Chrome,
    month: String,
    runs: Vec<RunCard>,
    /// The latest run, when it is still going.
    current: Option<RunCard>,
    kinds: Vec<KindRow>,
    unions: Vec<UnionRow>,
    kind_heads: Vec<&'static str>,
    can_run: bool,
    reads_files: bool,
    error: Option<String>,
    schedule: bool,
}

#[derive(Debug, Deserialize, Default)]
struct MonthlyQuery {
    month: Option<String>,
}

fn rows(c: &MonthCounts) -> (Vec<KindRow>, Vec<UnionRow>) {
    let kinds = TodoKind::ALL
        .iter()
        .zip(c.by_kind.iter())
        .map(|(k, (total, open))| KindRow {
            code: k.code(),
            label: k.label(),
            total: *total,
            open: *open,
        })
        .collect();
    let unions = c
        .unions
        .iter()
        .map(|u| UnionRow {
            id: u.union_id.0,
            name: u.name.clone(),
            counts: u.counts.to_vec(),
            total: u.total(),
            open: u.open_total(),
        })
        .collect();
    (kinds, unions)
}

async fn monthly_view(
    state: &AppState,
    actor: &Actor,
    month: Option<String>,
    error: Option<String>,
) -> Result<MonthlyPage, PageError> {
    let month = match month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(m) => Some(Month::parse("month", m).map_err(bangfu_service::ServiceError::from)?),
        None => None,
    };
    let runs = state.services.monthly_runs(actor, 12).await?;
    let counts = state.services.monthly_counts(actor, month).await?;
    let (kinds, unions) = rows(&counts);
    let cards: Vec<RunCard> = runs.iter().map(run_card).collect();
    let current = runs.first().filter(|r| !r.finished()).map(run_card);
    Ok(MonthlyPage {
        chrome: Chrome::new(actor, "月度评估", "monthly"),
        month: counts.month.to_string(),
        runs: cards,
        current,
        kinds,
        unions,
        kind_heads: TodoKind::ALL.iter().map(|k| k.short()).collect(),
        can_run: actor.can(Permission::RunMonthly),
        reads_files: actor.can(Permission::ReadHouseholds),
        error,
        schedule: state.services.settings().monthly_schedule,
    })
}

async fn monthly_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<MonthlyQuery>,
) -> PageResult {
    Ok(render(&monthly_view(&state, &actor, q.month, None).await?))
}

async fn run_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    headers: HeaderMap,
) -> PageResult {
    match state.services.monthly_run_start(&actor).await {
        Ok(id) => {
            let to = format!("/monthly/runs/{id}");
            if headers.contains_key("hx-request") {
                let mut res = StatusCode::NO_CONTENT.into_response();
                if let Ok(v) = HeaderValue::from_str(&to) {
                    res.headers_mut().insert("hx-redirect", v);
                }
                return Ok(res);
            }
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, msg, _) = super::form_failure(e)?;
            let page = monthly_view(&state, &actor, None, Some(msg)).await?;
            Ok(super::render_status(status, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "monthly_run.html")]
struct RunPage {
    chrome: Chrome,
    r: RunCard,
    reads_files: bool,
}

#[derive(Template)]
#[template(path = "monthly_progress_partial.html")]
struct RunFragment {
    r: RunCard,
    reads_files: bool,
}

async fn run_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let r = state.services.monthly_run_get(&actor, id).await?;
    Ok(render(&RunPage {
        chrome: Chrome::new(&actor, format!("月度评估 #{id}"), "monthly"),
        r: run_card(&r),
        reads_files: actor.can(Permission::ReadHouseholds),
    }))
}

async fn run_fragment(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let r = state.services.monthly_run_get(&actor, id).await?;
    Ok(render(&RunFragment {
        r: run_card(&r),
        reads_files: actor.can(Permission::ReadHouseholds),
    }))
}

// ---------- to-do items ----------

pub struct TodoView {
    pub id: i64,
    pub month: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub detail: String,
    pub household_id: i64,
    pub household: String,
    pub union_name: String,
    pub responsible: String,
    pub done: bool,
    pub done_note: String,
    /// Where to act on it: (label, link).
    pub actions: Vec<(&'static str, String)>,
}

fn todo_view(t: &Todo) -> TodoView {
    let kind = TodoKind::parse(&t.kind).ok();
    let h = t.household_id.0;
    let actions: Vec<(&'static str, String)> = match kind {
        Some(TodoKind::ExitReady) => vec![
            ("提出脱困", format!("/exits/new?household={h}&kind=out")),
            ("待脱困名单", "/exits?tab=ready".into()),
        ],
        Some(TodoKind::ReliefReady) => vec![
            ("提出解困", format!("/exits/new?household={h}&kind=relief")),
            ("可解困名单", "/exits?tab=relief".into()),
        ],
        Some(TodoKind::Relapse) => vec![("返困名单", "/exits?tab=relapse".into())],
        Some(TodoKind::NotEligible) => {
            vec![("复核退出", format!("/exits/new?household={h}&kind=removal"))]
        }
        Some(TodoKind::PlanOverdue) => vec![("帮扶计划", format!("/households/{h}/plan"))],
        Some(TodoKind::Warning) => vec![(
            "核对发现",
            format!("/verification/findings?household={h}&status=open"),
        )],
        Some(TodoKind::Campaign) => vec![("办理任务", format!("/campaigns/household/{h}"))],
        Some(TodoKind::Reported) => vec![
            ("接收或退回", format!("/households/{h}")),
            ("上报接收", "/reports".into()),
        ],
        Some(TodoKind::Returned) => vec![("补充后重新上报", format!("/households/{h}"))],
        Some(TodoKind::CausesChanged) | None => vec![],
    };
    TodoView {
        id: t.id,
        month: t.month.clone(),
        kind: kind.map(|k| k.code()).unwrap_or(""),
        kind_label: kind.map(|k| k.label()).unwrap_or("待办"),
        detail: t.detail.clone(),
        household_id: h,
        household: format!("{}（{}）", t.worker_name, t.file_no),
        union_name: t.union_name.clone(),
        responsible: t
            .responsible_name
            .clone()
            .unwrap_or_else(|| "未落实责任人".into()),
        done: t.done_at.is_some(),
        done_note: match (&t.done_at, &t.done_by_name) {
            (Some(at), Some(by)) => format!("{by} 于 {} 处理", local_time(at)),
            (Some(at), None) => format!("已于 {} 处理", local_time(at)),
            _ => String::new(),
        },
        actions,
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
struct TodoSearch {
    mine: Option<String>,
    kind: Option<String>,
    union: Option<String>,
    done: Option<String>,
    month: Option<String>,
    page: Option<i64>,
}

impl TodoSearch {
    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("mine", self.mine.clone().unwrap_or_default()),
            ("kind", self.kind.clone().unwrap_or_default()),
            ("union", self.union.clone().unwrap_or_default()),
            ("done", self.done.clone().unwrap_or_default()),
            ("month", self.month.clone().unwrap_or_default()),
        ]
    }
}

#[derive(Template)]
#[template(path = "todos.html")]
struct TodosPage {
    chrome: Chrome,
    items: Vec<TodoView>,
    total: i64,
    pager: Pager,
    mine: bool,
    kind: String,
    union: String,
    done: String,
    month: String,
    kinds: Vec<(&'static str, &'static str)>,
    unions: Vec<(String, String)>,
    can_close: bool,
    back: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn todos_view(
    state: &AppState,
    actor: &Actor,
    q: TodoSearch,
    notice: Option<String>,
    error: Option<String>,
) -> Result<TodosPage, PageError> {
    let mine = matches!(q.mine.as_deref(), Some("true") | Some("1") | Some("on"));
    let union_id = q
        .union
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse::<i64>().ok());
    let page = state
        .services
        .todo_list(
            actor,
            TodoQuery {
                mine,
                kind: q.kind.clone(),
                union_id,
                done: q.done.clone(),
                month: q.month.clone(),
                household_id: None,
            },
            PageRequest::new(q.page, Some(50)),
        )
        .await?;
    let unions = super::households::filing_unions(state, actor)
        .await?
        .into_iter()
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    let params = q.params();
    Ok(TodosPage {
        chrome: Chrome::new(actor, "待办事项", "monthly"),
        pager: pager("/todos", &params, page.page, page.pages()),
        back: with_query("/todos", &params),
        items: page.items.iter().map(todo_view).collect(),
        total: page.total,
        mine,
        kind: q.kind.unwrap_or_default(),
        union: q.union.unwrap_or_default(),
        done: q.done.unwrap_or_default(),
        month: q.month.unwrap_or_default(),
        kinds: TodoKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        unions,
        can_close: actor.can(Permission::ManageHouseholds),
        notice,
        error,
    })
}

async fn todos_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<TodoSearch>,
) -> PageResult {
    Ok(render(&todos_view(&state, &actor, q, None, None).await?))
}

#[derive(Debug, Deserialize, Default)]
struct DoneForm {
    /// The list to return to (a `/todos?…` link).
    #[serde(default)]
    back: String,
}

async fn done_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<DoneForm>,
) -> PageResult {
    match state.services.todo_done(&actor, id).await {
        Ok(_) => {
            let back = if form.back.starts_with("/todos") {
                form.back
            } else {
                "/todos".into()
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) => {
            let (status, msg, _) = super::form_failure(e)?;
            let page = todos_view(
                &state,
                &actor,
                TodoSearch::default(),
                None,
                Some(format!("待办事项 #{id} 未能标记为已处理：{msg}")),
            )
            .await?;
            Ok(super::render_status(status, &page))
        }
    }
}

// ---------- the home dashboard ----------

/// This year's target of the caller's union.
pub struct TargetView {
    pub year: i32,
    pub share: String,
    pub baseline: i64,
    pub target: i64,
    pub achieved: i64,
    pub expected_to_date: i64,
    pub progress: String,
    pub behind: bool,
    /// Child unions behind schedule, of all children.
    pub children_behind: usize,
    pub children: usize,
}

/// What the home page shows as a dashboard, by role.
pub struct HomeDash {
    /// An officer's own households.
    pub mine: Option<bangfu_service::monthly::MyCounts>,
    /// A manager's subtree.
    pub subtree: Option<bangfu_service::monthly::SubtreeCounts>,
    pub target: Option<TargetView>,
    pub latest_run: Option<RunCard>,
    pub year: i32,
    pub visit_days: u32,
    pub reads_files: bool,
    /// 核对发现 of a manager's subtree: (open, resolved).
    pub findings: Option<(i64, i64)>,
}

fn percent_bp(bp: u32) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

/// The dashboard for someone who reads statistics; `None` for others.
/// The target is shown when it can be read (a failure there does not keep
/// the home page from showing).
pub(super) async fn home_dashboard(
    state: &AppState,
    actor: &Actor,
) -> Result<Option<HomeDash>, PageError> {
    if !actor.can(Permission::ReadStats) {
        return Ok(None);
    }
    let d = state.services.dashboard(actor).await?;
    // The full statistics panel is one click away (/stats): at national
    // scale it takes a second, too slow for the page everyone opens first.
    let target = if d.subtree.is_some() {
        match state.services.target_progress(actor, None, d.year).await {
            Ok(p) => Some(TargetView {
                year: p.year,
                share: percent_bp(p.line.share.bp),
                baseline: p.line.baseline,
                target: p.line.target,
                achieved: p.line.achieved,
                expected_to_date: p.line.expected_to_date,
                progress: p
                    .line
                    .progress_bp
                    .map(percent_bp)
                    .unwrap_or_else(|| "—".into()),
                behind: p.line.behind,
                children_behind: p.children.iter().filter(|c| c.line.behind).count(),
                children: p.children.len(),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "home: target progress");
                None
            }
        }
    } else {
        None
    };
    Ok(Some(HomeDash {
        mine: d.mine,
        subtree: d.subtree,
        target,
        latest_run: d.latest_run.as_ref().map(run_card),
        year: d.year,
        visit_days: d.visit_days,
        reads_files: actor.can(Permission::ReadHouseholds),
        findings: d.findings.map(|f| (f.open, f.resolved)),
    }))
}
