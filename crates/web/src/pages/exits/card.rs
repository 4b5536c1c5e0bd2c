//! The "退出与返困" card on a household's file.

use super::*;
use bangfu_domain::household::Status;
use bangfu_domain::leaving::Pathway;
use bangfu_domain::Permission;
use bangfu_service::exits::LeavingView;
use bangfu_service::Household;

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
pub(crate) fn leaving_card(
    state: &AppState,
    actor: &Actor,
    h: &Household<Masked>,
    v: LeavingView,
) -> LeavingCard {
    let flow = state.services.settings().exit_flow;
    let l = &h.leaving;
    LeavingCard {
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
    }
}
