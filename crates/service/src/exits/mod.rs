//! Leaving the file and coming back: the programme's rules of 脱困, 解困
//! and 退出.
//!
//! An officer proposes a decision for a household on file — out of
//! hardship (脱困) by one of five pathways, relief (解困), or removal (退出)
//! — or the revocation of an approved one. A reviewer reviews it (with a
//! home visit), publishes it when its kind goes through public notice
//! (`Settings::exit_flow`), and a reviewer of the approving level
//! (`Settings::approval_level`, as for filings) approves it once the notice
//! has run its course, or rejects it. Approval changes the file's status in
//! the same transaction (and its span, so the statistics follow); a revocation
//! puts it back on file. Every step is a row of `exit_steps` and an audit
//! entry. Nothing is deleted.
//!
//! The rules checked when a decision is proposed:
//! - **out** (脱困): the officer confirms the causes of hardship are removed
//!   and picks a pathway; the latest `N` months are each above the line
//!   (`lines::evaluate_exit_file`, the same lines and `N` as identification)
//!   — unless the pathway is 社会救助 and the household was taken into 低保
//!   or another scheme after it was filed, which counts by itself (001
//!   §四(一)4);
//! - **relief** (解困): in the government's safety net (低保 or another
//!   scheme recorded), under the union's regular assistance (an active
//!   regular subsidy) and `A(m) ≥ L` over the latest `N` months
//!   (`exit::relief_ready`);
//! - **removal** (退出): a reason (re-check, death, moving away), a note and
//!   the evidence;
//! - **revoke** (撤销): an approved, not yet revoked decision of another kind
//!   whose file still has the status it gave, and a note why.
//!
//! A household has at most one open decision. After an exit the household
//! is followed for `Settings::follow_months`; within that period an officer
//! may flag a relapse (返困) by hand (the monthly run flags one when incomes
//! fall back), and a flagged household is reopened as a new file of the
//! incremental pool (增量库), linked both ways to the old one.

mod act;
mod checks;
mod follow;
mod propose;
mod read;
mod types;

pub use follow::HouseholdPage;
pub use types::{
    status_label, Candidate, CandidateQuery, Evaluation, ExitDetail, ExitInput, ExitPreview,
    ExitQuery, LeavingView, WindowMonth,
};

pub use bangfu_storage::exits::{CandidateFilter, Exit, ExitFilter, StepRecord};
