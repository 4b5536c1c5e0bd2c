//! What the dashboards count: to-do items of a month per kind and per child
//! union, and the home page's counts by role.

use super::run::{views, RunView};
use super::TodoKind;
use crate::clock::today;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::{Month, Permission, UnionId, UnionPath, UserId};
use bangfu_storage::todos::{self, MyCounts, SubtreeCounts};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

impl Services {
    /// To-do items of `month` in the caller's subtree: per kind, and per
    /// child union (the caller's own union first, as 本级).
    pub async fn monthly_counts(
        &self,
        actor: &Actor,
        month: Option<Month>,
    ) -> Result<MonthCounts, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        let own = actor.user.union_id;
        let own_name = actor.user.union_name.clone();
        let depth = actor.user.union_path.ids().len();
        let month = month.unwrap_or_else(|| Month::of_date(today()));
        self.read(move |c| {
            let rows = todos::counts_by_union(c, &scope, month)?;
            let mut by_kind = [(0_i64, 0_i64); TodoKind::ALL.len()];
            let mut by_union: BTreeMap<i64, [(i64, i64); TodoKind::ALL.len()]> = BTreeMap::new();
            for (path, kind, all, open) in rows {
                let Ok(k) = TodoKind::parse(&kind) else {
                    continue;
                };
                let i = k.position();
                by_kind[i].0 += all;
                by_kind[i].1 += open;
                let ids = UnionPath::from_stored(path).ids();
                let child = ids.get(depth).copied().unwrap_or(own);
                let e = by_union
                    .entry(child.0)
                    .or_insert([(0, 0); TodoKind::ALL.len()]);
                e[i].0 += all;
                e[i].1 += open;
            }
            let ids: Vec<i64> = by_union.keys().copied().collect();
            let names = bangfu_storage::plans::union_names(c, &ids)?;
            let mut unions: Vec<UnionCounts> = by_union
                .into_iter()
                .map(|(id, counts)| UnionCounts {
                    union_id: UnionId(id),
                    name: if id == own.0 {
                        format!("{own_name}（本级）")
                    } else {
                        names.get(&id).cloned().unwrap_or_default()
                    },
                    own: id == own.0,
                    counts,
                })
                .collect();
            unions.sort_by_key(|u| (!u.own, u.name.clone()));
            Ok(MonthCounts {
                month,
                by_kind,
                unions,
            })
        })
        .await
    }
}

/// To-do counts of a month: (all, open) per kind in [`TodoKind::ALL`] order.
#[derive(Debug, Clone)]
pub struct MonthCounts {
    pub month: Month,
    pub by_kind: [(i64, i64); TodoKind::ALL.len()],
    pub unions: Vec<UnionCounts>,
}

#[derive(Debug, Clone)]
pub struct UnionCounts {
    pub union_id: UnionId,
    pub name: String,
    /// The caller's own union (items filed directly under it).
    pub own: bool,
    pub counts: [(i64, i64); TodoKind::ALL.len()],
}

impl UnionCounts {
    pub fn open_total(&self) -> i64 {
        self.counts.iter().map(|c| c.1).sum()
    }
    pub fn total(&self) -> i64 {
        self.counts.iter().map(|c| c.0).sum()
    }
}

/// What the home page counts for the signed-in user.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// For an officer: the files paired to them.
    pub mine: Option<MyCounts>,
    /// For a manager: their subtree.
    pub subtree: Option<SubtreeCounts>,
    pub year: i32,
    pub visit_days: u32,
    /// The latest monthly run covering the subtree.
    pub latest_run: Option<RunView>,
    /// For a manager: 核对发现 in their subtree, open and resolved.
    pub findings: Option<bangfu_storage::verification::FindingTotals>,
}

/// Managers: those who read statistics and decide, check or fund.
pub fn is_manager(actor: &Actor) -> bool {
    actor.can(Permission::ReadStats)
        && (actor.can(Permission::ApproveExits)
            || actor.can(Permission::RunMonthly)
            || actor.can(Permission::ReadAudit)
            || actor.can(Permission::ReadFunds))
}

impl Services {
    /// A few aggregate counts for the home page, by role (a handful of
    /// scoped index-range counts: it is the first page everyone sees).
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        let me: UserId = actor.user.id;
        let union = actor.user.union_id;
        let officer = actor.can(Permission::ManageHouseholds);
        let manager = is_manager(actor);
        let today = today();
        let days = self.settings().visit_interval_days;
        let cutoff = bangfu_domain::assistance::visit_cutoff(today, days);
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        self.read(move |c| {
            let mine = if officer {
                Some(todos::my_counts(c, &scope, me, cutoff)?)
            } else {
                None
            };
            let subtree = if manager {
                Some(todos::subtree_counts(c, &scope, union, year_start, today)?)
            } else {
                None
            };
            let findings = if manager {
                Some(bangfu_storage::verification::finding_totals(
                    c, &scope, None,
                )?)
            } else {
                None
            };
            let latest = todos::list_runs(c, &scope, 1)?;
            let latest_run = views(c, latest)?.pop();
            Ok(Dashboard {
                mine,
                subtree,
                year: today.year(),
                visit_days: days,
                latest_run,
                findings,
            })
        })
        .await
    }
}
