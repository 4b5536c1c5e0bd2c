//! Pages: exits (脱困), reliefs (解困), removals and their approval, relapse and reopening.
//!
//! `/exits` has five tabs: 待脱困 (households meeting the exit standard),
//! 可解困 (meeting the relief standard), 办理中 (open decisions), 已决定
//! (approved or rejected) and 返困 (relapsed, to be reopened); each with
//! filters, pages and an Excel export of the tab. `/exits/new` is the
//! officer's confirmation form, `/exits/{id}` a decision with its steps and
//! the reviewer's forms. A file's page shows the "退出与返困" card
//! ([`leaving_card`]); relapse and reopening have a small page each.

use crate::pages::prelude::*;
use crate::view::local_time;
use axum::routing::get;
use axum::Router;
use bangfu_domain::leaving::{exit_no, ExitKind, ExitStatus, Pathway};
use bangfu_domain::{Fen, Masked};
use bangfu_service::exits::{status_label, Candidate, Evaluation, Exit};
use bangfu_service::Household;

mod card;
mod decision;
mod list;
mod propose;
mod relapse;

pub(crate) use self::{card::*, decision::*, list::*, propose::*, relapse::*};

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
            ExitKind::OutOfHardship => e.pathway.map(|p| p.label().to_owned()).unwrap_or_default(),
            ExitKind::Removed => e.reason.map(|r| r.label().to_owned()).unwrap_or_default(),
            ExitKind::Revoke => e
                .revokes_id
                .map(|r| format!("撤销 {}", exit_no(r)))
                .unwrap_or_default(),
            ExitKind::Relieved => String::new(),
        };
        Self {
            id: e.id.0,
            number: exit_no(e.id),
            household_id: e.household_id.0,
            file_no: e.file_no.clone(),
            name: e.worker_name.clone(),
            id_masked: e.worker_id_number.clone(),
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
            id_masked: h.data.worker_id_number.to_string(),
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
    let relief = e.kind == ExitKind::Relieved.code();
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

impl From<&Household<Masked>> for HouseholdHead {
    fn from(h: &Household<Masked>) -> Self {
        Self {
            id: h.id.0,
            file_no: h.file_no.clone(),
            name: h.data.worker_name.clone(),
            id_masked: h.data.worker_id_number.to_string(),
            union_name: h.union_name.clone(),
            status: h.status.label(),
            cohort: h.cohort.label(),
            filed_on: h.data.filed_on.to_string(),
            size: h.size,
        }
    }
}
