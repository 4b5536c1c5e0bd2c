//! Reporting a file up (上报) and its return (退回), docs/rules.md §2: the
//! state kept on the file, the union it was reported to (whose path makes
//! that union's inbox one index range) and the tier it was reported at.

use crate::db::{run, Conn};
use crate::query::update_at_version;
use crate::schema::households;
use crate::{Scope, StorageError};
use bangfu_domain::filing::ReportState;
use bangfu_domain::household::{HouseholdId, Tier};
use bangfu_domain::{UnionId, UnionPath};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Where a file stands in reporting up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub state: ReportState,
    /// The union it was reported to (kept after a return, for the record).
    pub union_id: Option<UnionId>,
    /// The tier it was reported at; a save changing the tier resets the state.
    pub tier: Option<Tier>,
    /// Why it was returned (退回原因), while returned.
    pub reason: Option<String>,
    /// When the last act (report, accept, return) was.
    pub at: Option<NaiveDateTime>,
}

impl Default for Report {
    fn default() -> Self {
        Self {
            state: ReportState::None,
            union_id: None,
            tier: None,
            reason: None,
            at: None,
        }
    }
}

/// Records an act on a file still at `version` (and bumps it); false when
/// someone else changed the file first (nothing is written then). `to` is
/// the receiving union, `tier` the tier reported at.
#[allow(clippy::too_many_arguments)]
pub fn set_report(
    conn: &mut Conn,
    id: HouseholdId,
    version: i64,
    state: ReportState,
    to: (UnionId, &UnionPath),
    tier: Tier,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    update_at_version!(
        conn,
        households,
        id.0,
        version,
        (
            households::report_state.eq(state.code()),
            households::report_union_id.eq(Some(to.0 .0)),
            households::report_union_path.eq(Some(to.1.as_str())),
            households::report_tier.eq(Some(tier.code())),
            households::report_reason.eq(reason),
            households::reported_at.eq(Some(now)),
        )
    )
}

/// Puts a file back to 未上报 if it was reported at another tier than
/// `tier` (a save that changed the tier: the report no longer holds).
pub(super) fn reset_if_tier_changed(
    conn: &mut Conn,
    id: HouseholdId,
    tier: Tier,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(
        households::table
            .filter(households::id.eq(id.0))
            .filter(households::report_tier.is_not_null())
            .filter(households::report_tier.ne(tier.code())),
    )
    .set((
        households::report_state.eq(ReportState::None.code()),
        households::report_union_id.eq(None::<i64>),
        households::report_union_path.eq(None::<String>),
        households::report_tier.eq(None::<String>),
        households::report_reason.eq(None::<String>),
        households::reported_at.eq(None::<NaiveDateTime>),
    ))
    .execute(c))?;
    Ok(())
}

/// How many files wait for a union of the scope to accept or return them.
pub fn inbox_count(conn: &mut Conn, scope: &Scope) -> Result<i64, StorageError> {
    let range = scope.range_within(None);
    Ok(run!(conn, c => households::table
        .filter(households::report_union_path.ge(range.start()))
        .filter(households::report_union_path.lt(range.end()))
        .filter(households::report_state.eq(ReportState::Reported.code()))
        .count()
        .get_result(c))?)
}
