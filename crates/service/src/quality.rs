//! File quality (档案质量, docs/rules.md §2.1): for a union in the caller's
//! subtree, how many files under assistance fail each check, the same by
//! direct child union (for drill-down), and the files failing one check.
//!
//! Each check is counted by one grouped query (by union path), summed for
//! the union and bucketed for its children; the clock the checks compare
//! against is read here, once per request.

use crate::clock::{now, today};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::quality::{income_window, stale_before, Check};
use bangfu_domain::{Masked, Month, Permission, UnionId, UnionPath};
use bangfu_storage::quality::{self as store, Criteria};
use bangfu_storage::{unions, Conn, Page, PageRequest, Scope};
use std::collections::HashMap;

pub use bangfu_storage::quality::QualityFile;

/// How many files fail one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckCount {
    pub check: Check,
    pub count: i64,
}

/// A direct child union and its counts, one per check in [`Check::ALL`] order.
#[derive(Debug, Clone)]
pub struct ChildQuality {
    pub union_id: i64,
    pub name: String,
    pub counts: Vec<CheckCount>,
}

/// The quality page of one union: its counts and its children's.
#[derive(Debug, Clone)]
pub struct QualityOverview {
    /// The union counted: (id, name).
    pub union: (i64, String),
    /// One per check in [`Check::ALL`] order.
    pub counts: Vec<CheckCount>,
    pub children: Vec<ChildQuality>,
    /// The months [`Check::IncomesMissing`] looked at.
    pub income_months: (Month, Month),
}

/// The files of one union's subtree failing one check.
#[derive(Debug, Clone)]
pub struct QualityList {
    pub union: (i64, String),
    pub check: Check,
    pub income_months: (Month, Month),
    pub page: Page<QualityFile<Masked>>,
}

/// A check code from a path: an unknown one is a missing resource.
fn parse_check(raw: &str) -> Result<Check, ServiceError> {
    Check::parse(raw).map_err(|_| ServiceError::NotFound("档案质量检查项"))
}

/// The check with the clock's instants and months.
fn criteria(check: Check) -> Criteria {
    let (income_from, income_to) = income_window(today());
    Criteria {
        check,
        stale_before: stale_before(now()),
        income_from,
        income_to,
    }
}

/// The union asked for (or the caller's own), in scope: (id, name, path).
fn union_of(
    c: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    union_id: Option<i64>,
) -> Result<(i64, String, Option<UnionPath>), ServiceError> {
    match union_id {
        Some(id) => {
            let u = unions::find(c, scope, UnionId(id))?.ok_or(ServiceError::NotFound("工会"))?;
            Ok((u.id.0, u.name, Some(u.path)))
        }
        None => Ok((actor.user.union_id.0, actor.user.union_name.clone(), None)),
    }
}

/// The direct child of `parent` a stored path lies under, if any.
fn child_of(parent: &str, path: &str) -> Option<i64> {
    path.strip_prefix(parent)?.split('/').next()?.parse().ok()
}

impl Services {
    /// The counts of every check for a union in scope and for each of its
    /// direct children.
    pub async fn quality_overview(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
    ) -> Result<QualityOverview, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let (id, name, path) = union_of(c, &a, &scope, union_id)?;
            let parent = path.clone().unwrap_or_else(|| scope.path().clone());
            let kids = unions::children_unscoped(c, UnionId(id))?;
            let index: HashMap<i64, usize> =
                kids.iter().enumerate().map(|(i, u)| (u.id.0, i)).collect();
            let mut counts = Vec::with_capacity(Check::ALL.len());
            let mut children: Vec<ChildQuality> = kids
                .iter()
                .map(|u| ChildQuality {
                    union_id: u.id.0,
                    name: u.name.clone(),
                    counts: Vec::with_capacity(Check::ALL.len()),
                })
                .collect();
            for check in Check::ALL {
                let k = criteria(*check);
                let rows = store::counts_by_path(c, &scope, path.as_ref(), &k)?;
                let mut per_child = vec![0_i64; kids.len()];
                let mut total = 0;
                for (p, n) in rows {
                    total += n;
                    if let Some(i) = child_of(parent.as_str(), &p).and_then(|k| index.get(&k)) {
                        per_child[*i] += n;
                    }
                }
                counts.push(CheckCount {
                    check: *check,
                    count: total,
                });
                for (child, n) in children.iter_mut().zip(per_child) {
                    child.counts.push(CheckCount {
                        check: *check,
                        count: n,
                    });
                }
            }
            Ok(QualityOverview {
                union: (id, name),
                counts,
                children,
                income_months: income_window(today()),
            })
        })
        .await
    }

    /// A page of the files in a union's subtree (the caller's own by
    /// default) that fail the check `check` (a code or label).
    pub async fn quality_list(
        &self,
        actor: &Actor,
        check: &str,
        union_id: Option<i64>,
        page: PageRequest,
    ) -> Result<QualityList, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let check = parse_check(check)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let (id, name, path) = union_of(c, &a, &scope, union_id)?;
            let k = criteria(check);
            let list = store::list(c, &scope, path.as_ref(), &k, page)?;
            Ok(QualityList {
                union: (id, name),
                check,
                income_months: (k.income_from, k.income_to),
                page: list.map(QualityFile::masked),
            })
        })
        .await
    }

    /// Every file failing the check, for a download of at most `limit`
    /// rows: more is refused, asking to narrow to a child union.
    pub async fn quality_export(
        &self,
        actor: &Actor,
        check: &str,
        union_id: Option<i64>,
        limit: usize,
    ) -> Result<QualityList, ServiceError> {
        let per_page = i64::try_from(limit).unwrap_or(i64::MAX);
        let all = PageRequest {
            page: 1,
            per_page: per_page.saturating_add(1),
        };
        let list = self.quality_list(actor, check, union_id, all).await?;
        if list.page.total > per_page {
            return Err(ServiceError::Rule(format!(
                "共 {} 份档案，超过单次导出上限 {limit} 份，请选择下级工会后分别导出。",
                list.page.total
            )));
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::child_of;

    #[test]
    fn a_path_falls_under_the_direct_child_it_starts_with() {
        assert_eq!(child_of("/1/5/", "/1/5/23/"), Some(23));
        assert_eq!(child_of("/1/5/", "/1/5/23/77/"), Some(23));
        assert_eq!(child_of("/1/5/", "/1/5/"), None);
        assert_eq!(child_of("/1/5/", "/1/6/"), None);
    }
}
