//! What a decision looks like to the people who take it: the input, the
//! evaluation shown and stored, the pages' read models.

use bangfu_domain::household::HouseholdId;
use bangfu_domain::leaving::{ExitKind, ExitStatus, Pathway};
use bangfu_domain::Masked;
use bangfu_storage::households;
use serde::{Deserialize, Serialize};

use bangfu_storage::exits::{Exit, StepRecord};

/// A decision as typed in a form or an API request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExitInput {
    /// out, relief, removal or revoke (codes or labels).
    pub kind: String,
    /// Out: one of the five pathways (required).
    pub pathway: String,
    /// Removal: recheck, death or moved (required).
    pub reason: String,
    /// The officer's statement: required for a removal and a revocation.
    pub note: String,
    /// What supports it: required for a removal.
    pub evidence: String,
    /// Out: the officer confirms the causes of hardship are removed.
    pub causes_removed: bool,
    /// Revoke: the approved decision it revokes.
    pub revokes_id: Option<i64>,
}

/// One month of the window a decision was judged on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Household disposable income, fen.
    pub income_fen: i64,
    /// Household rigid expenditure, fen.
    pub rigid_fen: i64,
    /// Out: per-capita income `I(m)`; relief: actual living level `A(m)`
    /// (fen per person, rounded down for display).
    pub per_capita_fen: i64,
    /// The 低保 line in force that month, fen per person.
    pub line_fen: i64,
    /// Out: `I(m) > L`; relief: `A(m) ≥ L` (exact, on household totals).
    pub ok: bool,
}

/// What the system evaluated for a decision: shown on the confirmation form
/// and stored on the decision (`evaluation_json`) as it was when proposed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub kind: String,
    /// Out: the income standard (every month of a full window above its
    /// line); relief: the relief standard; removal and revoke: true.
    pub met: bool,
    /// Out: taken into the safety net after filing — counts by itself with
    /// the pathway 社会救助.
    pub safety_net_since_filing: bool,
    /// In Chinese: the conclusion in one line.
    pub headline: String,
    /// In Chinese: every month or condition that failed, or the standard met.
    pub reasons: Vec<String>,
    /// `N`.
    pub window_months: u32,
    pub window: Vec<WindowMonth>,
    pub insufficient_data: bool,
    /// Household size the figures are divided by.
    pub size: u32,
    /// Relief: 低保 or another scheme recorded.
    pub in_safety_net: bool,
    /// Relief: an active regular subsidy.
    pub under_regular_assistance: bool,
    /// Out: the pathway the system suggests (a code).
    pub suggested_pathway: Option<String>,
    /// Out: confirmed by the officer (false on the form until they do).
    pub causes_removed: bool,
}

/// What the confirmation form shows before a decision is proposed.
#[derive(Debug, Clone)]
pub struct ExitPreview {
    pub household: households::Household<Masked>,
    pub kind: ExitKind,
    pub evaluation: Evaluation,
    /// Out: the pre-selected pathway.
    pub suggested: Option<Pathway>,
    /// Why a decision of this kind cannot be proposed now (empty: it can,
    /// given the confirmation and the input the kind needs).
    pub blockers: Vec<String>,
    /// The household's open decision, if any.
    pub open: Option<Exit>,
    /// Revoke: the decision to revoke.
    pub revokes: Option<Exit>,
    /// The caller may propose (an officer).
    pub may_propose: bool,
}

/// A decision with everything its page shows.
#[derive(Debug, Clone)]
pub struct ExitDetail {
    pub exit: Exit,
    pub steps: Vec<StepRecord>,
    pub evaluation: Evaluation,
    /// Whether this decision's kind goes through public notice.
    pub notice: bool,
    /// The decision it revokes, and the one that revoked it.
    pub revokes: Option<Exit>,
    pub revoked_by: Option<Exit>,
    pub can_review: bool,
    pub can_notice: bool,
    pub can_object: bool,
    pub can_approve: bool,
    pub can_reject: bool,
    /// Why approval is not possible yet, when it is not.
    pub approve_blocked: Option<String>,
    /// An officer may propose revoking it.
    pub can_revoke: bool,
}

/// A household in one of the lists that lead to a decision.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub household: households::Household<Masked>,
    /// Ready: the suggested pathway.
    pub pathway: Option<Pathway>,
    /// In Chinese: the months the standard was met over, or the relapse.
    pub summary: String,
}

/// What a list of decisions is narrowed to, as typed.
#[derive(Debug, Clone, Default)]
pub struct ExitQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub pathway: Option<String>,
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    /// Only open (true) or closed (false) decisions.
    pub open: Option<bool>,
}

/// What a candidate list is narrowed to, as typed.
#[derive(Debug, Clone, Default)]
pub struct CandidateQuery {
    pub union_id: Option<i64>,
    /// Ready list: the suggested pathway.
    pub pathway: Option<String>,
}

/// The "退出与返困" card of a file's page.
#[derive(Debug, Clone)]
pub struct LeavingView {
    /// The file's decisions, newest first.
    pub decisions: Vec<Exit>,
    /// The exited file this one reopens, and the file that reopened it (in scope).
    pub previous: Option<(HouseholdId, String)>,
    pub reopened: Option<(HouseholdId, String)>,
    /// The kinds the caller may propose now (the standards are checked on the form).
    pub may_propose: Vec<ExitKind>,
    pub may_flag_relapse: bool,
    pub may_reopen: bool,
}

/// A decision's status as a person reads it: a reviewed decision of a kind
/// without notice waits for approval.
pub fn status_label(s: ExitStatus, notice: bool) -> &'static str {
    match s {
        ExitStatus::Reviewed if notice => "已审核，待公示",
        ExitStatus::Reviewed => "已审核，待批准",
        other => other.label(),
    }
}
