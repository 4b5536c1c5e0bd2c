//! The steps taken on a proposed decision: review, notice, objection, approval
//! and rejection.

use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::household::{parse_text, Status};
use bangfu_domain::leaving::{exit_no, follow_until, ExitId, ExitKind, ExitStep};
use bangfu_domain::{Permission, ValidationError};
use bangfu_storage::exits::{self as store};
use bangfu_storage::households;
use serde_json::json;

use bangfu_storage::exits::{Exit, StepRecord};

use super::checks::{
    action_of, approval_blocker, find_exit, find_household, may_take, put_back_on_file, stale,
    state_blockers,
};
use super::types::status_label;

impl Services {
    /// Takes one step on a decision read at `version`: review, notice,
    /// objection, approve or reject (codes or labels). A rejection and an
    /// objection need a note.
    pub async fn exit_act(
        &self,
        actor: &Actor,
        id: ExitId,
        version: i64,
        step: &str,
        note: &str,
    ) -> Result<Exit, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        if step.trim().is_empty() {
            return Err(ValidationError::new("step", "请选择办理环节").into());
        }
        let step = ExitStep::parse(step)?;
        if step == ExitStep::Propose {
            return Err(ValidationError::new("step", "“提出”不是办理环节，请新建退出决定").into());
        }
        let what = match step {
            ExitStep::Reject => "不予通过的理由",
            ExitStep::Objection => "异议内容",
            ExitStep::Review => "审核意见",
            _ => "意见",
        };
        let note = parse_text(
            "note",
            what,
            note,
            matches!(step, ExitStep::Reject | ExitStep::Objection),
            1000,
        )?;
        if !may_take(actor, step) {
            return Err(ServiceError::Forbidden);
        }
        let scope = actor.scope();
        let a = actor.clone();
        let settings = self.settings().clone();
        self.write(move |c| {
            let e = find_exit(c, &scope, id)?;
            if e.version != version {
                return Err(stale());
            }
            let notice = settings.exit_flow.notice(e.kind);
            let next = e.status.after(step, notice).ok_or_else(|| {
                ServiceError::Rule(format!(
                    "{} 当前为“{}”，不能执行“{}”",
                    exit_no(e.id),
                    status_label(e.status, notice),
                    step.label()
                ))
            })?;
            let today = today();
            let at = now();
            let mut notice_period = None;
            let mut decided_on = None;
            let mut effect = json!(null);
            match step {
                ExitStep::Notice => {
                    let until = today + chrono::Duration::days(i64::from(settings.notice_days));
                    notice_period = Some((today, until));
                }
                ExitStep::Approve => {
                    if let Some(why) = approval_blocker(c, &a, &e, settings.approval_level, today)?
                    {
                        return Err(ServiceError::Rule(why));
                    }
                    store::lock_household(c, e.household_id)?;
                    let h = find_household(c, &scope, e.household_id)?;
                    match e.kind {
                        ExitKind::Revoke => {
                            let revoked = match e.revokes_id {
                                Some(r) => find_exit(c, &scope, r)?,
                                None => {
                                    return Err(ServiceError::Internal(format!(
                                        "exit {} revokes nothing",
                                        e.id
                                    )))
                                }
                            };
                            let found = state_blockers(&h, ExitKind::Revoke, None, Some(&revoked));
                            if let Some(b) = found.first() {
                                return Err(ServiceError::Rule(b.clone()));
                            }
                            put_back_on_file(c, &scope, &h, today, a.user.id.0)?;
                            if !store::mark_revoked(c, revoked.id, e.id, at)? {
                                return Err(stale());
                            }
                            effect = json!({
                                "household_status": Status::OnFile.code(),
                                "revoked": exit_no(revoked.id),
                            });
                        }
                        kind => {
                            if h.status != Status::OnFile {
                                return Err(ServiceError::Rule(format!(
                                    "档案当前为“{}”，不能批准{}",
                                    h.status.label(),
                                    kind.label()
                                )));
                            }
                            let follow = (kind == ExitKind::OutOfHardship)
                                .then(|| follow_until(today, settings.follow_months));
                            households::set_status(
                                c,
                                h.id,
                                kind.status_after(),
                                today,
                                follow,
                                Some(a.user.id.0),
                                at,
                            )?;
                            effect = json!({
                                "household_status": kind.status_after().code(),
                                "left_on": today.to_string(),
                                "follow_until": follow.map(|d| d.to_string()),
                            });
                        }
                    }
                    decided_on = Some(today);
                }
                _ => {}
            }
            if !store::advance(c, id, version, next, notice_period, decided_on, at)? {
                return Err(stale());
            }
            store::add_step(
                c,
                id,
                &StepRecord {
                    step,
                    actor_id: Some(a.user.id.0),
                    actor_name: a.user.display_name.clone(),
                    at,
                    note: note.clone(),
                },
            )?;
            let mut after = json!({ "status": next.code(), "step": step.code(), "note": bangfu_domain::id_number::note_marker(&note) });
            if let Some((from, until)) = notice_period {
                after["notice_from"] = json!(from.to_string());
                after["notice_until"] = json!(until.to_string());
            }
            if !effect.is_null() {
                after["effect"] = effect;
            }
            Record::of(action_of(step), "exit", id, e.owner())
                .before(json!({ "status": e.status.code() }))
                .after(after)
                .write(c, Who::Actor(&a))?;
            find_exit(c, &scope, id).map(Exit::masked)
        })
        .await
    }
}
