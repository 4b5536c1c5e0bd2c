//! Pages: exits (脱困), reliefs (解困), removals and their approval, relapse and reopening.
//!
//! `/exits` has five tabs: 待脱困 (households meeting the exit standard),
//! 可解困 (meeting the relief standard), 办理中 (open decisions), 已决定
//! (approved or rejected) and 返困 (relapsed, to be reopened); each with
//! filters, pages and an Excel export of the tab. `/exits/new` is the
//! officer's confirmation form, `/exits/{id}` a decision with its steps and
//! the reviewer's forms. A file's page shows the "退出与返困" card
//! ([`leaving_card`]); relapse and reopening have a small page each.

use super::households::filing_unions;
use super::{
    all_pages, form_failure, pager, render_status, with_query, xlsx_response, Chrome, PageResult,
};
use crate::auth::PageActor;
use crate::error::PageError;
use crate::view::local_time;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::Form;
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::leaving::{exit_no, ExitId, ExitKind, ExitStatus, Pathway, RemovalReason};
use bangfu_domain::{Fen, IdNumber, Permission};
use bangfu_service::exits::{
    status_label, Candidate, CandidateQuery, Evaluation, Exit, ExitInput, ExitQuery,
};
use bangfu_service::{Actor, Household, PageRequest};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exits", get(list_page).post(propose_submit))
        .route("/exits/export.xlsx", get(export))
        .route("/exits/new", get(new_page))
        .route("/exits/{id}", get(detail_page))
        .route("/exits/{id}/act", axum::routing::post(act_submit))
        .route(
            "/households/{id}/relapse",
            get(relapse_page).post(relapse_submit),
        )
        .route(
            "/households/{id}/reopen",
            get(reopen_page).post(reopen_submit),
        )
}

type Opts = Vec<(&'static str, &'static str)>;

fn yuan(fen: i64) -> String {
    Fen(fen).yuan_grouped()
}

fn masked(id_number: &str) -> String {
    IdNumber::from_stored(id_number.to_owned()).masked()
}

fn id_param(raw: Option<&str>) -> Option<i64> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

fn status_class(s: ExitStatus) -> &'static str {
    match s {
        ExitStatus::Approved => "ok",
        ExitStatus::Rejected => "off",
        _ => "warn",
    }
}

// ---------------------------------------------------------------- views

/// One decision in a list or on a file's card.
pub struct DecisionRow {
    pub id: i64,
    pub number: String,
    pub household_id: i64,
    pub file_no: String,
    pub name: String,
    pub id_masked: String,
    pub union_name: String,
    pub kind: &'static str,
    /// The pathway (out) or the reason (removal); the revoked decision (revoke).
    pub detail: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub notice_until: String,
    pub decided_on: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_by: String,
}

impl DecisionRow {
    fn of(e: &Exit, notice: bool) -> Self {
        let detail = match e.kind {
            ExitKind::Out => e.pathway.map(|p| p.label().to_owned()).unwrap_or_default(),
            ExitKind::Removal => e.reason.map(|r| r.label().to_owned()).unwrap_or_default(),
            ExitKind::Revoke => e
                .revokes_id
                .map(|r| format!("撤销 {}", exit_no(r)))
                .unwrap_or_default(),
            ExitKind::Relief => String::new(),
        };
        Self {
            id: e.id.0,
            number: exit_no(e.id),
            household_id: e.household_id.0,
            file_no: e.file_no.clone(),
            name: e.worker_name.clone(),
            id_masked: masked(&e.worker_id_number),
            union_name: e.union_name.clone(),
            kind: e.kind.label(),
            detail,
            status: status_label(e.status, notice),
            status_class: status_class(e.status),
            notice_until: e.notice_until.map(|d| d.to_string()).unwrap_or_default(),
            decided_on: e.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            created_by: e.created_by_name.clone(),
            created_at: local_time(&e.created_at),
            revoked_by: e.revoked_by_id.map(exit_no).unwrap_or_default(),
        }
    }

    fn row(&self) -> Vec<String> {
        vec![
            self.number.clone(),
            self.kind.to_owned(),
            self.file_no.clone(),
            self.name.clone(),
            self.id_masked.clone(),
            self.union_name.clone(),
            self.detail.clone(),
            self.status.to_owned(),
            self.notice_until.clone(),
            self.decided_on.clone(),
            if self.revoked_by.is_empty() {
                String::new()
            } else {
                format!("已被 {} 撤销", self.revoked_by)
            },
            self.created_by.clone(),
            self.created_at.clone(),
        ]
    }
}

const DECISION_HEADERS: [&str; 13] = [
    "决定编号",
    "类别",
    "档案编号",
    "姓名",
    "身份证号码",
    "建档工会",
    "路径/原因",
    "状态",
    "公示截止",
    "生效日期",
    "撤销情况",
    "提出人",
    "提出时间",
];

/// One household of a candidate list.
pub struct CandidateRow {
    pub id: i64,
    pub file_no: String,
    pub name: String,
    pub id_masked: String,
    pub union_name: String,
    pub category: &'static str,
    pub cohort: &'static str,
    pub pathway: &'static str,
    pub summary: String,
}

impl From<&Candidate> for CandidateRow {
    fn from(c: &Candidate) -> Self {
        let h = &c.household;
        Self {
            id: h.id.0,
            file_no: h.file_no.clone(),
            name: h.data.worker_name.clone(),
            id_masked: h.data.worker_id_number.masked(),
            union_name: h.union_name.clone(),
            category: h.data.category.label(),
            cohort: h.cohort.label(),
            pathway: c.pathway.map(Pathway::label).unwrap_or(""),
            summary: c.summary.clone(),
        }
    }
}

impl CandidateRow {
    fn row(&self, tab: Tab) -> Vec<String> {
        let mut r = vec![
            self.file_no.clone(),
            self.name.clone(),
            self.id_masked.clone(),
            self.union_name.clone(),
            self.category.to_owned(),
            self.cohort.to_owned(),
        ];
        if tab == Tab::Ready {
            r.push(self.pathway.to_owned());
        }
        r.push(self.summary.clone());
        r
    }
}

/// One month of an evaluation window as a page shows it.
pub struct MonthRow {
    pub month: String,
    pub income: String,
    pub rigid: String,
    pub per_capita: String,
    pub line: String,
    pub ok: bool,
}

/// An evaluation as a page shows it.
pub struct EvalView {
    pub headline: String,
    pub class: &'static str,
    pub reasons: Vec<String>,
    pub months: Vec<MonthRow>,
    pub window_months: u32,
    pub size: u32,
    pub relief: bool,
    pub in_safety_net: bool,
    pub under_regular_assistance: bool,
}

fn eval_view(e: &Evaluation) -> EvalView {
    let relief = e.kind == ExitKind::Relief.code();
    let class = if e.met || e.safety_net_since_filing {
        "success"
    } else if e.insufficient_data {
        "info"
    } else {
        "error"
    };
    EvalView {
        headline: e.headline.clone(),
        class,
        reasons: e.reasons.clone(),
        months: e
            .window
            .iter()
            .map(|m| MonthRow {
                month: m.month.clone(),
                income: yuan(m.income_fen),
                rigid: yuan(m.rigid_fen),
                per_capita: yuan(m.per_capita_fen),
                line: yuan(m.line_fen),
                ok: m.ok,
            })
            .collect(),
        window_months: e.window_months,
        size: e.size,
        relief,
        in_safety_net: e.in_safety_net,
        under_regular_assistance: e.under_regular_assistance,
    }
}

/// A household as the decision pages name it.
pub struct HouseholdHead {
    pub id: i64,
    pub file_no: String,
    pub name: String,
    pub id_masked: String,
    pub union_name: String,
    pub status: &'static str,
    pub cohort: &'static str,
    pub filed_on: String,
    pub size: i32,
}

impl From<&Household> for HouseholdHead {
    fn from(h: &Household) -> Self {
        Self {
            id: h.id.0,
            file_no: h.file_no.clone(),
            name: h.data.worker_name.clone(),
            id_masked: h.data.worker_id_number.masked(),
            union_name: h.union_name.clone(),
            status: h.status.label(),
            cohort: h.cohort.label(),
            filed_on: h.data.filed_on.to_string(),
            size: h.size,
        }
    }
}

// ---------------------------------------------------------------- the list

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Ready,
    Relief,
    Open,
    Decided,
    Relapse,
}

impl Tab {
    const ALL: [Tab; 5] = [
        Tab::Ready,
        Tab::Relief,
        Tab::Open,
        Tab::Decided,
        Tab::Relapse,
    ];

    fn code(self) -> &'static str {
        match self {
            Tab::Ready => "ready",
            Tab::Relief => "relief",
            Tab::Open => "open",
            Tab::Decided => "decided",
            Tab::Relapse => "relapse",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Ready => "待脱困",
            Tab::Relief => "可解困",
            Tab::Open => "办理中",
            Tab::Decided => "已决定",
            Tab::Relapse => "返困",
        }
    }

    fn parse(raw: Option<&str>) -> Tab {
        Tab::ALL
            .into_iter()
            .find(|t| Some(t.code()) == raw)
            .unwrap_or(Tab::Ready)
    }

    fn candidates(self) -> bool {
        matches!(self, Tab::Ready | Tab::Relief | Tab::Relapse)
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ListQ {
    tab: Option<String>,
    union_id: Option<String>,
    pathway: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    page: Option<i64>,
    notice: Option<String>,
}

impl ListQ {
    fn tab(&self) -> Tab {
        Tab::parse(self.tab.as_deref())
    }

    /// The tab asked for; without one, a reviewer (who decides rather than
    /// proposes) starts on the open decisions, everyone else on the ready list.
    fn with_default_tab(mut self, actor: &Actor) -> Self {
        if self.tab.as_deref().is_none_or(str::is_empty)
            && actor.can(Permission::ApproveExits)
            && !actor.can(Permission::ManageHouseholds)
        {
            self.tab = Some(Tab::Open.code().to_owned());
        }
        self
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let tab = self.tab();
        let mut p = vec![
            ("tab", tab.code().to_owned()),
            ("union_id", self.union_id.clone().unwrap_or_default()),
        ];
        if matches!(tab, Tab::Ready | Tab::Open | Tab::Decided) {
            p.push(("pathway", self.pathway.clone().unwrap_or_default()));
        }
        if matches!(tab, Tab::Open | Tab::Decided) {
            p.push(("kind", self.kind.clone().unwrap_or_default()));
        }
        if tab == Tab::Decided {
            p.push(("status", self.status.clone().unwrap_or_default()));
        }
        p
    }

    fn candidate_query(&self) -> CandidateQuery {
        CandidateQuery {
            union_id: id_param(self.union_id.as_deref()),
            pathway: self.pathway.clone(),
        }
    }

    fn exit_query(&self) -> ExitQuery {
        let tab = self.tab();
        ExitQuery {
            kind: self.kind.clone(),
            status: if tab == Tab::Decided {
                self.status.clone()
            } else {
                None
            },
            pathway: self.pathway.clone(),
            union_id: id_param(self.union_id.as_deref()),
            household_id: None,
            open: Some(tab == Tab::Open),
        }
    }
}

pub struct TabLink {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

pub struct FilterView {
    pub tab: &'static str,
    pub union_id: String,
    pub pathway: String,
    pub kind: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "exits.html")]
struct ListPage {
    chrome: Chrome,
    tabs: Vec<TabLink>,
    tab: &'static str,
    tab_label: &'static str,
    f: FilterView,
    unions: Vec<(i64, String)>,
    pathways: Opts,
    kinds: Opts,
    statuses: Opts,
    candidates: Vec<CandidateRow>,
    decisions: Vec<DecisionRow>,
    is_candidates: bool,
    total: i64,
    pager: String,
    export: String,
    can_propose: bool,
    notice: Option<String>,
}

fn list_notice(code: Option<&str>) -> Option<String> {
    match code? {
        "reopened" => Some("已重新建档。".into()),
        _ => None,
    }
}

async fn list_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let q = q.with_default_tab(&actor);
    let tab = q.tab();
    let page = PageRequest::new(q.page, Some(20));
    let mut candidates = Vec::new();
    let mut decisions = Vec::new();
    let (total, pages, at) = match tab {
        Tab::Ready | Tab::Relief | Tab::Relapse => {
            let query = q.candidate_query();
            let p = match tab {
                Tab::Ready => state.services.exit_ready_list(&actor, query, page).await?,
                Tab::Relief => state.services.relief_list(&actor, query, page).await?,
                _ => state.services.relapse_list(&actor, query, page).await?,
            };
            candidates = p.items.iter().map(CandidateRow::from).collect();
            (p.total, p.pages(), p.page)
        }
        Tab::Open | Tab::Decided => {
            let p = state
                .services
                .exit_list(&actor, q.exit_query(), page)
                .await?;
            let flow = state.services.settings().exit_flow;
            decisions = p
                .items
                .iter()
                .map(|e| DecisionRow::of(e, flow.notice(e.kind)))
                .collect();
            (p.total, p.pages(), p.page)
        }
    };
    let params = q.params();
    let unions = filing_unions(&state, &actor).await.unwrap_or_default();
    let base: Vec<(&str, String)> = params
        .iter()
        .filter(|(k, _)| *k == "union_id")
        .cloned()
        .collect();
    let tabs = Tab::ALL
        .into_iter()
        .map(|t| {
            let mut p = base.clone();
            p.insert(0, ("tab", t.code().to_owned()));
            TabLink {
                label: t.label(),
                href: with_query("/exits", &p),
                active: t == tab,
            }
        })
        .collect();
    Ok(render_status(
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::new(&actor, format!("脱困解困 · {}", tab.label()), "exits"),
            tabs,
            tab: tab.code(),
            tab_label: tab.label(),
            f: FilterView {
                tab: tab.code(),
                union_id: q.union_id.clone().unwrap_or_default(),
                pathway: q.pathway.clone().unwrap_or_default(),
                kind: q.kind.clone().unwrap_or_default(),
                status: q.status.clone().unwrap_or_default(),
            },
            unions,
            pathways: options!(Pathway),
            kinds: options!(ExitKind),
            statuses: vec![
                (ExitStatus::Approved.code(), ExitStatus::Approved.label()),
                (ExitStatus::Rejected.code(), ExitStatus::Rejected.label()),
            ],
            candidates,
            decisions,
            is_candidates: tab.candidates(),
            total,
            pager: pager("/exits", &params, at, pages),
            export: with_query("/exits/export.xlsx", &params),
            can_propose: actor.can(Permission::ManageHouseholds),
            notice: list_notice(q.notice.as_deref()),
        },
    ))
}

async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let q = q.with_default_tab(&actor);
    let tab = q.tab();
    let filename = format!("脱困解困-{}.xlsx", tab.label());
    if tab.candidates() {
        let query = q.candidate_query();
        let items = all_pages(|p| {
            let s = state.services.clone();
            let a = actor.clone();
            let query = query.clone();
            async move {
                match tab {
                    Tab::Ready => s.exit_ready_list(&a, query, p).await,
                    Tab::Relief => s.relief_list(&a, query, p).await,
                    _ => s.relapse_list(&a, query, p).await,
                }
            }
        })
        .await?;
        let mut headers = vec![
            "档案编号",
            "姓名",
            "身份证号码",
            "建档工会",
            "困难类别",
            "批次",
        ];
        if tab == Tab::Ready {
            headers.push("建议脱困路径");
        }
        headers.push(if tab == Tab::Relapse {
            "返困情况"
        } else {
            "达标情况"
        });
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|c| CandidateRow::from(c).row(tab))
            .collect();
        xlsx_response(&filename, tab.label(), &headers, &rows)
    } else {
        let query = q.exit_query();
        let items = all_pages(|p| state.services.exit_list(&actor, query.clone(), p)).await?;
        let flow = state.services.settings().exit_flow;
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|e| DecisionRow::of(e, flow.notice(e.kind)).row())
            .collect();
        xlsx_response(&filename, tab.label(), &DECISION_HEADERS, &rows)
    }
}

// ---------------------------------------------------------------- proposing

#[derive(Debug, Clone, Deserialize, Default)]
pub struct NewQ {
    household: Option<String>,
    kind: Option<String>,
    revokes: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ProposeForm {
    #[serde(default)]
    household: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    pathway: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence: String,
    causes_removed: Option<String>,
    #[serde(default)]
    revokes: String,
}

/// What the form shows as typed.
pub struct FormValues {
    pub pathway: String,
    pub reason: String,
    pub note: String,
    pub evidence: String,
    pub causes_removed: bool,
}

pub struct RevokedView {
    pub id: i64,
    pub number: String,
    pub kind: &'static str,
    pub decided_on: String,
}

#[derive(Template)]
#[template(path = "exit_form.html")]
struct FormPage {
    chrome: Chrome,
    h: HouseholdHead,
    kind: &'static str,
    title: String,
    eval: EvalView,
    pathways: Opts,
    reasons: Opts,
    blockers: Vec<String>,
    open: Option<(i64, String)>,
    revokes: Option<RevokedView>,
    may_propose: bool,
    v: FormValues,
    error: Option<String>,
    error_field: String,
}

fn form_title(kind: ExitKind) -> &'static str {
    match kind {
        ExitKind::Out => "提出脱困",
        ExitKind::Relief => "提出解困",
        ExitKind::Removal => "提出退出",
        ExitKind::Revoke => "撤销退出决定",
    }
}

async fn form_view(
    state: &AppState,
    actor: &Actor,
    household: i64,
    kind: &str,
    revokes: Option<i64>,
    failed: Option<(&ProposeForm, String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let p = state
        .services
        .exit_preview(actor, HouseholdId(household), kind, revokes)
        .await?;
    let v = match failed.as_ref().map(|f| f.0) {
        Some(f) => FormValues {
            pathway: f.pathway.clone(),
            reason: f.reason.clone(),
            note: f.note.clone(),
            evidence: f.evidence.clone(),
            causes_removed: f.causes_removed.is_some(),
        },
        None => FormValues {
            pathway: p.suggested.map(|s| s.code().to_owned()).unwrap_or_default(),
            reason: String::new(),
            note: String::new(),
            evidence: String::new(),
            causes_removed: false,
        },
    };
    let (error, error_field) = match failed {
        Some((_, m, f)) => (Some(m), f.unwrap_or("").to_owned()),
        None => (None, String::new()),
    };
    Ok(render_status(
        status,
        &FormPage {
            chrome: Chrome::new(
                actor,
                format!("{} · {}", form_title(p.kind), p.household.data.worker_name),
                "exits",
            ),
            h: HouseholdHead::from(&p.household),
            kind: p.kind.code(),
            title: form_title(p.kind).to_owned(),
            eval: eval_view(&p.evaluation),
            pathways: options!(Pathway),
            reasons: options!(RemovalReason),
            blockers: p.blockers.clone(),
            open: p.open.as_ref().map(|o| (o.id.0, exit_no(o.id))),
            revokes: p.revokes.as_ref().map(|r| RevokedView {
                id: r.id.0,
                number: exit_no(r.id),
                kind: r.kind.label(),
                decided_on: r.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            }),
            may_propose: p.may_propose && p.blockers.is_empty(),
            v,
            error,
            error_field,
        },
    ))
}

async fn new_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<NewQ>,
) -> PageResult {
    let household = id_param(q.household.as_deref())
        .ok_or_else(|| PageError::BadRequest("请从档案页或待脱困名单进入".into()))?;
    let kind = q.kind.clone().unwrap_or_else(|| "out".into());
    form_view(
        &state,
        &actor,
        household,
        &kind,
        id_param(q.revokes.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

async fn propose_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ProposeForm>,
) -> PageResult {
    let household = id_param(Some(&f.household))
        .ok_or_else(|| PageError::BadRequest("请从档案页或待脱困名单进入".into()))?;
    let revokes = id_param(Some(&f.revokes));
    let input = ExitInput {
        kind: f.kind.clone(),
        pathway: f.pathway.clone(),
        reason: f.reason.clone(),
        note: f.note.clone(),
        evidence: f.evidence.clone(),
        causes_removed: f.causes_removed.is_some(),
        revokes_id: revokes,
    };
    match state
        .services
        .exit_propose(&actor, HouseholdId(household), input)
        .await
    {
        Ok(e) => Ok(Redirect::to(&format!("/exits/{}?notice=proposed", e.id.0)).into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            form_view(
                &state,
                &actor,
                household,
                &f.kind,
                revokes,
                Some((&f, msg, field)),
                status,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- a decision

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
struct DetailPage {
    chrome: Chrome,
    e: DetailView,
    h: HouseholdHead,
    eval: EvalView,
    steps: Vec<StepView>,
    notice_flow: bool,
    revokes: Option<(i64, String)>,
    revoked_by: Option<(i64, String)>,
    can_review: bool,
    can_notice: bool,
    can_object: bool,
    can_approve: bool,
    can_reject: bool,
    can_revoke: bool,
    approve_blocked: String,
    notice: Option<String>,
    error: Option<String>,
}

fn detail_notice(code: Option<&str>) -> Option<String> {
    let text = match code? {
        "proposed" => "已提出，等待审核人审核（入户核查）。",
        "review" => "已审核。",
        "notice" => "已开始公示，公示期满后由审核人批准。",
        "objection" => "已记录公示期间收到的异议。",
        "approve" => "已批准，档案状态已随之更新。",
        "reject" => "已不予通过。",
        _ => "操作已完成。",
    };
    Some(text.into())
}

async fn detail_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<String>,
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
    notice: Option<String>,
}

async fn detail_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<DetailQ>,
) -> PageResult {
    detail_view(
        &state,
        &actor,
        id,
        detail_notice(q.notice.as_deref()),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    note: String,
}

async fn act_submit(
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
            let code: String = f.step.chars().filter(|c| c.is_ascii_lowercase()).collect();
            Ok(Redirect::to(&format!("/exits/{id}?notice={code}")).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            detail_view(&state, &actor, id, None, Some(msg), status).await
        }
    }
}

// ---------------------------------------------------------------- the file's card

/// The "退出与返困" card on a file's page.
pub struct LeavingCard {
    pub household_id: i64,
    pub status: &'static str,
    pub on_file: bool,
    pub left_on: String,
    pub follow_until: String,
    pub relapse_on: String,
    pub relapse_reason: String,
    pub ready_pathway: String,
    pub relief_ready: bool,
    pub previous: Option<(i64, String)>,
    pub reopened: Option<(i64, String)>,
    pub decisions: Vec<DecisionRow>,
    /// (kind code, button text).
    pub propose: Vec<(&'static str, &'static str)>,
    pub may_flag_relapse: bool,
    pub may_reopen: bool,
    /// Exited and relieved households are followed: their incomes are still recorded.
    pub may_record_incomes: bool,
}

/// Builds the card for a file's page.
pub(super) async fn leaving_card(
    state: &AppState,
    actor: &Actor,
    h: &Household,
) -> Result<LeavingCard, PageError> {
    let v = state.services.household_leaving(actor, h.id).await?;
    let flow = state.services.settings().exit_flow;
    let l = &h.leaving;
    Ok(LeavingCard {
        household_id: h.id.0,
        status: h.status.label(),
        on_file: h.status == Status::OnFile,
        left_on: l.left_on.map(|d| d.to_string()).unwrap_or_default(),
        follow_until: l.follow_until.map(|d| d.to_string()).unwrap_or_default(),
        relapse_on: l.relapse_on.map(|d| d.to_string()).unwrap_or_default(),
        relapse_reason: l.relapse_reason.clone().unwrap_or_default(),
        ready_pathway: l
            .ready_pathway
            .as_deref()
            .and_then(|p| Pathway::parse(p).ok())
            .map(|p| p.label().to_owned())
            .unwrap_or_default(),
        relief_ready: l.relief_ready,
        previous: v.previous.map(|(i, n)| (i.0, n)),
        reopened: v.reopened.map(|(i, n)| (i.0, n)),
        decisions: v
            .decisions
            .iter()
            .map(|e| DecisionRow::of(e, flow.notice(e.kind)))
            .collect(),
        propose: v
            .may_propose
            .iter()
            .map(|k| (k.code(), form_title(*k)))
            .collect(),
        may_flag_relapse: v.may_flag_relapse,
        may_reopen: v.may_reopen,
        may_record_incomes: actor.can(Permission::ManageHouseholds)
            && h.status.followed()
            && h.status != Status::OnFile,
    })
}

// ---------------------------------------------------------------- relapse and reopening

#[derive(Template)]
#[template(path = "exit_relapse.html")]
struct RelapsePage {
    chrome: Chrome,
    h: HouseholdHead,
    reopen: bool,
    left_on: String,
    follow_until: String,
    relapse_on: String,
    relapse_reason: String,
    may: bool,
    reason: String,
    error: Option<String>,
}

async fn relapse_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    reopen: bool,
    reason: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let h = state
        .services
        .household_get(actor, HouseholdId(id))
        .await?
        .household;
    let v = state.services.household_leaving(actor, h.id).await?;
    let l = &h.leaving;
    let title = if reopen {
        "返困重新建档"
    } else {
        "标记返困"
    };
    Ok(render_status(
        status,
        &RelapsePage {
            chrome: Chrome::new(actor, format!("{title} · {}", h.data.worker_name), "exits"),
            h: HouseholdHead::from(&h),
            reopen,
            left_on: l.left_on.map(|d| d.to_string()).unwrap_or_default(),
            follow_until: l.follow_until.map(|d| d.to_string()).unwrap_or_default(),
            relapse_on: l.relapse_on.map(|d| d.to_string()).unwrap_or_default(),
            relapse_reason: l.relapse_reason.clone().unwrap_or_default(),
            may: if reopen {
                v.may_reopen
            } else {
                v.may_flag_relapse
            },
            reason,
            error,
        },
    ))
}

async fn relapse_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    relapse_view(
        &state,
        &actor,
        id,
        false,
        String::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn reopen_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    relapse_view(
        &state,
        &actor,
        id,
        true,
        String::new(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct RelapseForm {
    #[serde(default)]
    reason: String,
}

async fn relapse_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<RelapseForm>,
) -> PageResult {
    match state
        .services
        .household_flag_relapse(&actor, HouseholdId(id), &f.reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}?notice=relapse")).into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            relapse_view(&state, &actor, id, false, f.reason, Some(msg), status).await
        }
    }
}

async fn reopen_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    match state
        .services
        .household_reopen(&actor, HouseholdId(id))
        .await
    {
        Ok(new) => {
            Ok(Redirect::to(&format!("/households/{}?notice=reopened", new.id.0)).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            relapse_view(&state, &actor, id, true, String::new(), Some(msg), status).await
        }
    }
}
