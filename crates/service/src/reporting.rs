//! Reporting a file up (上报) and its return (退回), docs/rules.md §2.
//!
//! A file above grassroots is reported by the filing union's household
//! managers to the union of its tier's level on the filing union's path
//! (`filing::report_target`). That union — a reviewer (`ApproveApplications`,
//! who approves filings at their level) whose scope holds it — accepts the
//! file or returns it with a reason; a returned file is corrected and
//! reported again. Saving a file with another tier puts it back to 未上报
//! (`storage::households::update`). Every act is audited; a refused act
//! writes nothing.

use crate::audit::{Owned, Record, Who};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::filing::{report_target, return_reason, ReportAct, ReportState};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::readiness::TodoKind;
use bangfu_domain::Month;
use bangfu_domain::{Masked, Permission, UnionId};
use bangfu_storage::households::{self, Household};
use bangfu_storage::todos::{self, NewTodo};
use bangfu_storage::{unions, Conn, Scope};
use serde_json::json;

/// What a file's page shows of its reporting, and what the caller may do.
#[derive(Debug, Clone)]
pub struct ReportCard {
    pub state: ReportState,
    /// The union it was reported to, or would be reported to now.
    pub to_union: Option<(UnionId, String)>,
    /// Why it cannot be reported (no union of its level above it); `None`
    /// for a grassroots file, which is simply not reported.
    pub blocked: Option<String>,
    /// The caller may report it now (a household manager of its union).
    pub may_report: bool,
    /// The caller may accept or return it now (a reviewer of the receiving union).
    pub may_receive: bool,
}

/// The reporting card of a file read inside the caller's transaction.
pub(crate) fn report_card<D: bangfu_domain::Disclosure>(
    c: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    h: &Household<D>,
) -> Result<ReportCard, ServiceError> {
    let r = &h.report;
    let tier = h.data.tier;
    let (to_union, blocked) = match r.union_id {
        Some(id) if r.state != ReportState::None => {
            let name = unions::find_unscoped(c, id)?.map(|u| u.name);
            (name.map(|n| (id, n)), None)
        }
        _ if !tier.reported() => (None, None),
        _ => {
            let path: Vec<_> = unions::path_unscoped(c, &h.union_path)?
                .into_iter()
                .map(|u| ((u.id, u.name), u.level))
                .collect();
            let refs: Vec<_> = path.iter().map(|(u, l)| (u, *l)).collect();
            match report_target(tier, &refs) {
                Ok(u) => (Some(u.clone()), None),
                Err(e) => (None, Some(e.message)),
            }
        }
    };
    let may_report = tier.reported()
        && blocked.is_none()
        && h.status.under_assistance()
        && r.state.after(ReportAct::Report).is_ok()
        && actor.can(Permission::ManageHouseholds);
    let may_receive = r.state == ReportState::Reported
        && actor.can(Permission::ApproveApplications)
        && match r.union_id {
            Some(id) => unions::find(c, scope, id)?.is_some(),
            None => false,
        };
    Ok(ReportCard {
        state: r.state,
        to_union,
        blocked,
        may_report,
        may_receive,
    })
}

impl Services {
    /// 上报: reports a file up to the union of its tier's level.
    pub async fn household_report_up(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        self.report_act(actor, id, ReportAct::Report, None).await
    }

    /// 接收: the receiving union accepts a reported file.
    pub async fn household_accept_report(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ApproveApplications)?;
        self.report_act(actor, id, ReportAct::Accept, None).await
    }

    /// 退回: the receiving union returns a reported file to the filing union
    /// for completion; the reason is required.
    pub async fn household_return_down(
        &self,
        actor: &Actor,
        id: HouseholdId,
        reason: &str,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ApproveApplications)?;
        let reason = return_reason(reason)?;
        self.report_act(actor, id, ReportAct::Return, Some(reason))
            .await
    }

    /// How many files wait for a union of the caller's scope to accept or
    /// return them (the inbox's count).
    pub async fn report_inbox_count(&self, actor: &Actor) -> Result<i64, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        self.read(move |c| Ok(households::inbox_count(c, &scope)?))
            .await
    }

    async fn report_act(
        &self,
        actor: &Actor,
        id: HouseholdId,
        act: ReportAct,
        reason: Option<String>,
    ) -> Result<Household<Masked>, ServiceError> {
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h =
                households::find(c, &scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))?;
            let tier = h.data.tier;
            let (to_id, to_path, to_name) = match act {
                ReportAct::Report => {
                    if !h.status.under_assistance() {
                        return Err(ServiceError::Conflict {
                            field: "status",
                            message: format!(
                                "档案{}，不能上报",
                                if h.status == Status::OnFile {
                                    ""
                                } else {
                                    h.status.label()
                                }
                            ),
                        });
                    }
                    let path: Vec<_> = unions::path_unscoped(c, &h.union_path)?
                        .into_iter()
                        .map(|u| ((u.id, u.path, u.name), u.level))
                        .collect();
                    let refs: Vec<_> = path.iter().map(|(u, l)| (u, *l)).collect();
                    let (uid, upath, uname) = report_target(tier, &refs)?;
                    (*uid, upath.clone(), uname.clone())
                }
                ReportAct::Accept | ReportAct::Return => {
                    let to = h.report.union_id.ok_or_else(|| ServiceError::Conflict {
                        field: "report_state",
                        message: format!("档案{}，不能{}", h.report.state.label(), act.label()),
                    })?;
                    // The receiving union must lie in the caller's scope.
                    let u = unions::find(c, &scope, to)?.ok_or(ServiceError::Forbidden)?;
                    (u.id, u.path, u.name)
                }
            };
            let before = h.report.state;
            let after = before
                .after(act)
                .map_err(|message| ServiceError::Conflict {
                    field: "report_state",
                    message,
                })?;
            let now = now();
            let saved = households::set_report(
                c,
                id,
                h.version,
                after,
                (to_id, &to_path),
                tier,
                reason.as_deref(),
                now,
            )?;
            if !saved {
                return Err(ServiceError::Conflict {
                    field: "version",
                    message: "档案已被他人修改，请刷新后重试".into(),
                });
            }
            todos_after(
                c,
                &a,
                &h,
                act,
                (to_id, &to_path, &to_name),
                reason.as_deref(),
                now,
            )?;
            Record::of(action_of(act), "household", id, h.owner())
                .before(json!({ "report_state": before.code() }))
                .after(json!({
                    "file_no": h.file_no,
                    "tier": tier.code(),
                    "report_state": after.code(),
                    "to_union_id": to_id.0,
                    "to_union": to_name,
                    "reason": reason,
                }))
                .write(c, Who::Actor(&a))?;
            households::find(c, &scope, id)?
                .map(Household::masked)
                .ok_or(ServiceError::NotFound("困难职工档案"))
        })
        .await
    }
}

/// The to-do items an act leaves: a reported file is an item of the
/// receiving union (no one person's) until it is accepted or returned; a
/// returned file is an item of its responsible person until it is reported
/// again.
fn todos_after<D: bangfu_domain::Disclosure>(
    c: &mut Conn,
    actor: &Actor,
    h: &Household<D>,
    act: ReportAct,
    to: (UnionId, &bangfu_domain::UnionPath, &str),
    reason: Option<&str>,
    now: chrono::NaiveDateTime,
) -> Result<(), ServiceError> {
    let by = actor.user.id.0;
    let month = Month::of_date(crate::today());
    let (close, open) = match act {
        ReportAct::Report => (TodoKind::Returned, Some(TodoKind::Reported)),
        ReportAct::Accept => (TodoKind::Reported, None),
        ReportAct::Return => (TodoKind::Reported, Some(TodoKind::Returned)),
    };
    todos::close_kind_of_household(c, h.id, close.code(), by, now)?;
    let item = match open {
        Some(TodoKind::Reported) => NewTodo {
            household_id: h.id,
            union_id: to.0,
            union_path: to.1.clone(),
            responsible_id: None,
            kind: TodoKind::Reported.code(),
            detail: format!("{}上报的{}档案", h.union_name, h.data.tier.label()),
        },
        Some(kind) => NewTodo {
            household_id: h.id,
            union_id: h.union_id,
            union_path: h.union_path.clone(),
            responsible_id: todos::responsible_of_many(c, &[h.id])?.get(&h.id).copied(),
            kind: kind.code(),
            detail: format!("{}退回：{}", to.2, reason.unwrap_or_default()),
        },
        None => return Ok(()),
    };
    todos::open_one(c, month, &item, now)?;
    Ok(())
}

fn action_of(act: ReportAct) -> Action {
    match act {
        ReportAct::Report => Action::ReportUp,
        ReportAct::Accept => Action::AcceptReport,
        ReportAct::Return => Action::ReturnDown,
    }
}
