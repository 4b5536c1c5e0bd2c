//! Proposing a decision: the confirmation form's preview and the proposal
//! itself.

use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::leaving::{ExitId, ExitKind, ExitStep, Pathway};
use bangfu_domain::lines::CAUSES_TO_CONFIRM;
use bangfu_domain::Permission;
use bangfu_storage::exits::{self as store, NewExit};
use serde_json::json;

use bangfu_storage::exits::{Exit, StepRecord};

use super::checks::{
    evaluate, find_exit, find_household, parse_input, snapshot, standard_blocker, standard_reasons,
    state_blockers,
};
use super::types::{ExitInput, ExitPreview};

impl Services {
    /// What the confirmation form shows for a decision of `kind` on a file:
    /// the evaluation, the suggested pathway, and why it cannot be proposed
    /// now, if it cannot.
    pub async fn exit_preview(
        &self,
        actor: &Actor,
        household: HouseholdId,
        kind: &str,
        revokes: Option<i64>,
    ) -> Result<ExitPreview, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let kind = ExitKind::parse(kind)?;
        let may_propose = actor.can(Permission::ManageHouseholds);
        let scope = actor.scope();
        self.read(move |c| {
            let h = find_household(c, &scope, household)?;
            let books = Books::load(c)?;
            let (evaluation, suggested) = evaluate(c, &scope, &books, &h, kind)?;
            let open = store::open_of_household(c, &scope, h.id)?;
            let revokes = match revokes {
                Some(r) if kind == ExitKind::Revoke => Some(find_exit(c, &scope, ExitId(r))?),
                _ => None,
            };
            let mut blockers = state_blockers(&h, kind, open.as_ref(), revokes.as_ref());
            if blockers.is_empty() {
                blockers.extend(standard_blocker(kind, &evaluation));
            }
            Ok(ExitPreview {
                household: h.masked(),
                kind,
                evaluation,
                suggested,
                blockers,
                open: open.map(Exit::masked),
                revokes: revokes.map(Exit::masked),
                may_propose,
            })
        })
        .await
    }

    /// Proposes a decision for a household in scope (an officer).
    pub async fn exit_propose(
        &self,
        actor: &Actor,
        household: HouseholdId,
        input: ExitInput,
    ) -> Result<Exit, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let p = parse_input(&input)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = find_household(c, &scope, household)?;
            store::lock_household(c, h.id)?;
            let books = Books::load(c)?;
            let (mut evaluation, _) = evaluate(c, &scope, &books, &h, p.kind)?;
            let open = store::open_of_household(c, &scope, h.id)?;
            let revokes = match p.revokes {
                Some(r) => Some(find_exit(c, &scope, r)?),
                None => None,
            };
            // The file's state first (a second decision, a file not on file),
            // then the officer's confirmation, then the standard.
            let found = state_blockers(&h, p.kind, open.as_ref(), revokes.as_ref());
            if let Some(b) = found.into_iter().next() {
                return Err(ServiceError::Rule(b));
            }
            if p.kind == ExitKind::OutOfHardship && !p.causes_removed {
                return Err(ServiceError::Rule(
                    "请先核实并确认致困原因已消除：脱困须致困原因消除且收入连续高于低保标准".into(),
                ));
            }
            if let Some(b) = standard_blocker(p.kind, &evaluation) {
                return Err(ServiceError::Rule(b));
            }
            if p.kind == ExitKind::OutOfHardship
                && !evaluation.met
                && p.pathway != Some(Pathway::SocialAssistance)
            {
                return Err(ServiceError::Rule(format!(
                    "该家庭建档后纳入低保或特困供养等社会救助，只能按“{}”认定；按其他路径脱困须达到收入标准：{}",
                    Pathway::SocialAssistance.label(),
                    standard_reasons(&evaluation.reasons).join("；")
                )));
            }
            if p.kind == ExitKind::OutOfHardship {
                evaluation.causes_removed = true;
                for r in evaluation.reasons.iter_mut() {
                    if r.as_str() == CAUSES_TO_CONFIRM {
                        *r = format!("帮扶干部 {} 已确认致困原因已消除", a.user.display_name);
                    }
                }
            }
            let evaluation_json = serde_json::to_string(&evaluation)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let at = now();
            let id = store::insert(
                c,
                &NewExit {
                    household_id: h.id,
                    union_id: h.union_id,
                    union_path: &h.union_path,
                    kind: p.kind,
                    pathway: p.pathway,
                    reason: p.reason,
                    note: &p.note,
                    evidence: &p.evidence,
                    cohort: h.cohort,
                    revokes_id: p.revokes,
                    evaluation_json: &evaluation_json,
                    created_by: Some(a.user.id.0),
                },
                at,
            )?;
            store::add_step(
                c,
                id,
                &StepRecord {
                    step: ExitStep::Propose,
                    actor_id: Some(a.user.id.0),
                    actor_name: a.user.display_name.clone(),
                    at,
                    note: p.note.clone(),
                },
            )?;
            let e = find_exit(c, &scope, id)?;
            let mut after = snapshot(&e);
            after["evaluation"] = json!(evaluation.headline);
            after["causes_removed"] = json!(p.causes_removed);
            Record::of(Action::ProposeExit, "exit", id, h.owner())
            .after(after)
            .write(c, Who::Actor(&a))?;
            Ok(e.masked())
        })
        .await
    }
}
