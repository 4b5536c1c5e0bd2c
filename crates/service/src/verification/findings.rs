//! Findings: list, read, and resolve — confirmed with the action that was
//! taken through its own flow (and linked to what it produced), or
//! dismissed with a reason. Resolving the last open finding of a household
//! closes its warning.

use super::datasets::filter_code;
use crate::audit::{Record, Who};
use crate::clock::now;
use crate::unions::narrow_to_union;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action as AuditAction;
use bangfu_domain::household::{parse_text, HouseholdId, Status};
use bangfu_domain::leaving::ExitKind;
use bangfu_domain::verification::{
    fresh_after, month_of, overdue_before, Action, Concern, Facts, FindingStatus,
};
use bangfu_domain::{Permission, ValidationError};
use bangfu_storage::verification::{self as store, Finding, FindingFilter, Resolution};
use bangfu_storage::{exits, households, unions, Conn, Page, PageRequest, Scope};
use serde_json::json;

/// Filters of the findings list as typed.
#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    pub union_id: Option<i64>,
    pub batch: Option<i64>,
    pub dataset: Option<String>,
    pub concern: Option<String>,
    /// open, confirmed, dismissed (codes or labels); absent: all.
    pub status: Option<String>,
    pub household_id: Option<i64>,
    /// Only open findings older than the time allowed to resolve them.
    pub overdue: bool,
    /// Only findings on households the caller is responsible for.
    pub mine: bool,
}

/// The findings page in one read: the page of findings, the counts by
/// dataset of the union chosen (or the caller's subtree), and the open and
/// overdue counts of each child union below it.
#[derive(Debug, Clone)]
pub struct FindingsOverview {
    pub page: Page<Finding>,
    pub counts: Vec<store::DatasetCount>,
    /// The union the counts are of: (id, name).
    pub union: (i64, String),
    /// Its direct children: (id, name, open, overdue).
    pub children: Vec<ChildCount>,
}

/// Open and overdue findings in one child union's subtree.
#[derive(Debug, Clone)]
pub struct ChildCount {
    pub union_id: i64,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

/// At most this many child unions are counted one by one on the page.
const MAX_CHILDREN: usize = 60;

/// How the officer resolves a finding.
#[derive(Debug, Clone, Default)]
pub struct ResolveInput {
    /// A code or label of [`Action`].
    pub action: String,
    /// Why (required to dismiss).
    pub note: String,
    /// The version the officer saw (optional: a stale one is refused).
    pub version: Option<i64>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// What the action produced, or why it cannot be confirmed yet: each
/// action but dismissing is done in its own flow first.
fn linked(
    c: &mut Conn,
    scope: &Scope,
    f: &Finding,
    action: Action,
) -> Result<Option<(&'static str, String)>, ServiceError> {
    let h = households::find(c, scope, f.household_id)?.ok_or(ServiceError::NotFound("档案"))?;
    let raised = f.created_at;
    match action {
        Action::Dismiss => Ok(None),
        Action::CorrectFile => {
            if h.updated_at <= raised {
                return Err(ServiceError::Rule(format!(
                    "档案 {} 在发现之后还没有更正：请先在档案中改正（{}），再确认处置",
                    h.file_no, f.file_says
                )));
            }
            Ok(Some(("household", h.version.to_string())))
        }
        Action::RecordExpenditure => {
            let facts: Facts = serde_json::from_str(&f.facts)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let Some(month) = month_of(&facts) else {
                return Err(ServiceError::Rule(
                    "该发现没有对应月份，不能按当月支出处置".into(),
                ));
            };
            let amount = facts.get("amount_fen").and_then(|v| match v {
                bangfu_domain::verification::Value::Number(n) => Some(*n),
                _ => None,
            });
            let recorded = households::incomes_of(c, scope, f.household_id)?
                .into_iter()
                .find(|i| i.month == month)
                .map(|i| i.medical.0)
                .unwrap_or(0);
            if amount.is_some_and(|a| recorded < a) {
                return Err(ServiceError::Rule(format!(
                    "档案 {month} 的医疗支出还未录入（现为 {} 元）：请先在“收入与支出”中录入该月支出，再确认处置",
                    bangfu_domain::Fen(recorded).yuan()
                )));
            }
            Ok(Some(("income", month.to_string())))
        }
        Action::ProposeRemoval | Action::ProposeExit => {
            let (kind, status, what) = if action == Action::ProposeRemoval {
                (ExitKind::Removed, Status::Removed, "退出（清退）")
            } else {
                (ExitKind::OutOfHardship, Status::Exited, "脱困")
            };
            if let Some(e) = exits::open_of_household(c, scope, f.household_id)? {
                if e.kind == kind && e.created_at >= raised {
                    return Ok(Some(("exit", e.id.0.to_string())));
                }
            }
            if h.status == status && h.updated_at >= raised {
                return Ok(Some(("household", h.version.to_string())));
            }
            Err(ServiceError::Rule(format!(
                "还没有为档案 {} 发起{what}：请先在档案页发起{what}，再确认处置",
                h.file_no
            )))
        }
        Action::OpenRelapse => match h.leaving.relapse_on {
            Some(on) if on >= raised.date() => Ok(Some(("relapse", on.to_string()))),
            _ => Err(ServiceError::Rule(format!(
                "还没有为档案 {} 标记返困：请先在档案页标记返困，再确认处置",
                h.file_no
            ))),
        },
    }
}

/// The storage filter of a query as typed (the union is narrowed inside
/// the transaction).
fn finding_filter(actor: &Actor, q: &FindingQuery) -> Result<FindingFilter, ServiceError> {
    Ok(FindingFilter {
        union_path: None,
        batch_id: q.batch,
        // Resolved against the catalogue in the read (`filter_code`).
        dataset: nonempty(&q.dataset).map(str::to_owned),
        concern: nonempty(&q.concern).map(Concern::parse).transpose()?,
        status: nonempty(&q.status).map(FindingStatus::parse).transpose()?,
        household_id: q.household_id.map(HouseholdId),
        open_before: q.overdue.then(|| overdue_before(now())),
        responsible_id: q.mine.then_some(actor.user.id.0),
    })
}

impl Services {
    pub async fn verification_finding_list(
        &self,
        actor: &Actor,
        q: FindingQuery,
        page: PageRequest,
    ) -> Result<Page<Finding>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let mut filter = finding_filter(actor, &q)?;
        let scope = actor.scope();
        self.read(move |c| {
            narrow_to_union(c, &scope, q.union_id, &mut filter.union_path)?;
            filter.dataset = filter_code(c, filter.dataset.as_deref())?;
            Ok(store::list_findings(c, &scope, &filter, page)?)
        })
        .await
    }

    /// The findings page: the list as filtered and the counts beside it, in
    /// one transaction.
    pub async fn verification_findings_overview(
        &self,
        actor: &Actor,
        q: FindingQuery,
        page: PageRequest,
    ) -> Result<FindingsOverview, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let filter = finding_filter(actor, &q)?;
        let scope = actor.scope();
        let own = (actor.user.union_id.0, actor.user.union_name.clone());
        self.read(move |c| {
            let mut filter = filter;
            narrow_to_union(c, &scope, q.union_id, &mut filter.union_path)?;
            filter.dataset = filter_code(c, filter.dataset.as_deref())?;
            let list = store::list_findings(c, &scope, &filter, page)?;
            let before = overdue_before(now());
            let fresh = fresh_after(now());
            let counts =
                store::counts_by_dataset(c, &scope, filter.union_path.as_ref(), before, fresh)?;
            let union = match q.union_id {
                Some(id) => unions::find(c, &scope, bangfu_domain::UnionId(id))?
                    .map(|u| (u.id.0, u.name))
                    .ok_or(ServiceError::NotFound("工会"))?,
                None => own,
            };
            let mut children = Vec::new();
            let kids = unions::children_unscoped(c, bangfu_domain::UnionId(union.0))?;
            if kids.len() <= MAX_CHILDREN {
                for u in kids {
                    let n = store::counts_by_dataset(c, &scope, Some(&u.path), before, fresh)?;
                    children.push(ChildCount {
                        union_id: u.id.0,
                        name: u.name,
                        open: n.iter().map(|d| d.open).sum(),
                        overdue: n.iter().map(|d| d.overdue).sum(),
                    });
                }
            }
            Ok(FindingsOverview {
                page: list,
                counts,
                union,
                children,
            })
        })
        .await
    }

    pub async fn verification_finding_get(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Finding, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        self.read(move |c| {
            store::find_finding(c, &scope, id)?.ok_or(ServiceError::NotFound("核对发现"))
        })
        .await
    }

    /// Findings by dataset in the caller's subtree (narrowed to a union).
    pub async fn verification_counts(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
    ) -> Result<Vec<store::DatasetCount>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        self.read(move |c| {
            let mut path = None;
            narrow_to_union(c, &scope, union_id, &mut path)?;
            let before = overdue_before(now());
            let fresh = fresh_after(now());
            Ok(store::counts_by_dataset(
                c,
                &scope,
                path.as_ref(),
                before,
                fresh,
            )?)
        })
        .await
    }

    /// Confirms a finding with the action taken, or dismisses it with a reason.
    pub async fn verification_finding_resolve(
        &self,
        actor: &Actor,
        id: i64,
        input: ResolveInput,
    ) -> Result<Finding, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let action = Action::parse(&input.action)?;
        let note = parse_text("note", "处置说明", &input.note, false, 500)?;
        if action == Action::Dismiss && note.chars().count() < 2 {
            return Err(
                ValidationError::new("note", "请写明排除的理由（如已核实为同名同号误报）").into(),
            );
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let f =
                store::find_finding(c, &scope, id)?.ok_or(ServiceError::NotFound("核对发现"))?;
            if f.status != FindingStatus::Open {
                return Err(ServiceError::Rule(format!(
                    "该发现已于 {} 处置（{}）",
                    f.resolved_at
                        .map(|t| t.date().to_string())
                        .unwrap_or_default(),
                    f.status.label()
                )));
            }
            if input.version.is_some_and(|v| v != f.version) {
                return Err(ServiceError::stale("该发现刚被他人处置，请刷新后查看"));
            }
            if !f.concern.actions().contains(&action) {
                return Err(ValidationError::new(
                    "action",
                    format!(
                        "“{}”不能用“{}”处置，可选：{}",
                        f.concern.label(),
                        action.label(),
                        f.concern
                            .actions()
                            .iter()
                            .map(|a| a.label())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
                .into());
            }
            let link = linked(c, &scope, &f, action)?;
            let status = if action == Action::Dismiss {
                FindingStatus::Dismissed
            } else {
                FindingStatus::Confirmed
            };
            let at = now();
            let done = store::resolve_finding(
                c,
                id,
                f.version,
                &Resolution {
                    status,
                    action,
                    note: &note,
                    linked_kind: link.as_ref().map(|l| l.0),
                    linked_ref: link.as_ref().map(|l| l.1.clone()),
                    by: a.user.id.0,
                },
                at,
            )?;
            if !done {
                return Err(ServiceError::stale("该发现刚被他人处置，请刷新后查看"));
            }
            let closed =
                store::close_warnings_without_findings(c, f.household_id, a.user.id.0, at)?;
            Record::of(
                AuditAction::ResolveCheck,
                "check",
                id,
                (f.union_id.0, &f.union_path),
            )
            .before(json!({ "status": FindingStatus::Open.code() }))
            .after(json!({
                "status": status.code(),
                "action": action.code(),
                "note": bangfu_domain::id_number::note_marker(&note),
                "household_id": f.household_id.0,
                "linked": link.as_ref().map(|l| format!("{}:{}", l.0, l.1)),
                "warnings_closed": closed,
            }))
            .write(c, Who::Actor(&a))?;
            store::find_finding(c, &scope, id)?.ok_or(ServiceError::NotFound("核对发现"))
        })
        .await
    }
}
