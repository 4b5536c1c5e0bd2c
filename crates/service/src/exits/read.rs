//! Reading decisions and the lists that lead to one (ready to exit, ready for
//! relief, relapsed).

use crate::books::Books;
use crate::clock::today;
use crate::unions::narrow_to_union;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::exit::{self, ReliefFlags};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::leaving::{ExitId, ExitKind, ExitStatus, ExitStep, Pathway};
use bangfu_domain::Permission;
use bangfu_storage::exits::{self as store, Candidates};
use bangfu_storage::{households, Page, PageRequest};

use bangfu_storage::exits::{CandidateFilter, Exit, ExitFilter};

use super::checks::{approval_blocker, find_exit, may_take, nonempty, parse_evaluation};
use super::follow::{ready_summary, relapse_summary, relief_summary};
use super::types::{Candidate, CandidateQuery, ExitDetail, ExitQuery};

impl Services {
    pub async fn exit_get(&self, actor: &Actor, id: ExitId) -> Result<ExitDetail, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        let settings = self.settings().clone();
        self.read(move |c| {
            let e = find_exit(c, &scope, id)?;
            let steps = store::steps(c, id)?;
            let revokes = match e.revokes_id {
                Some(r) => store::find(c, &scope, r)?,
                None => None,
            };
            let revoked_by = match e.revoked_by_id {
                Some(r) => store::find(c, &scope, r)?,
                None => None,
            };
            let notice = settings.exit_flow.notice(e.kind);
            let st = e.status;
            let approver = a.can(Permission::ApproveExits);
            let blocked = if st.after(ExitStep::Approve, notice).is_some() && approver {
                approval_blocker(c, &a, &e, settings.approval_level, today())?
            } else {
                None
            };
            let can_revoke = a.can(Permission::ManageHouseholds)
                && e.kind != ExitKind::Revoke
                && st == ExitStatus::Approved
                && e.revoked_by_id.is_none()
                && e.household_status == e.kind.status_after()
                && store::open_of_household(c, &scope, e.household_id)?.is_none();
            Ok(ExitDetail {
                evaluation: parse_evaluation(&e),
                can_review: approver && st.after(ExitStep::Review, notice).is_some(),
                can_notice: approver && st.after(ExitStep::Notice, notice).is_some(),
                can_object: may_take(&a, ExitStep::Objection)
                    && st.after(ExitStep::Objection, notice).is_some(),
                can_approve: approver
                    && st.after(ExitStep::Approve, notice).is_some()
                    && blocked.is_none(),
                can_reject: approver && st.after(ExitStep::Reject, notice).is_some(),
                approve_blocked: blocked,
                can_revoke,
                notice,
                exit: e.masked(),
                steps,
                revokes: revokes.map(Exit::masked),
                revoked_by: revoked_by.map(Exit::masked),
            })
        })
        .await
    }

    pub async fn exit_list(
        &self,
        actor: &Actor,
        query: ExitQuery,
        page: PageRequest,
    ) -> Result<Page<Exit>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let mut filter = ExitFilter {
            kind: nonempty(&query.kind).map(ExitKind::parse).transpose()?,
            status: nonempty(&query.status).map(ExitStatus::parse).transpose()?,
            pathway: nonempty(&query.pathway).map(Pathway::parse).transpose()?,
            household_id: query.household_id.map(HouseholdId),
            open: query.open,
            ..Default::default()
        };
        let scope = actor.scope();
        self.read(move |c| {
            narrow_to_union(c, &scope, query.union_id, &mut filter.union_path)?;
            Ok(store::list(c, &scope, &filter, page)?.map(Exit::masked))
        })
        .await
    }

    /// 待脱困: households on file that meet the exit standard (as the monthly
    /// run last found) with no decision open, each with the suggested
    /// pathway and the months it was met over.
    pub async fn exit_ready_list(
        &self,
        actor: &Actor,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        self.candidates(actor, Candidates::Ready, query, page).await
    }

    /// 可解困: households on file that meet the relief standard, no decision open.
    pub async fn relief_list(
        &self,
        actor: &Actor,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        self.candidates(actor, Candidates::Relief, query, page)
            .await
    }

    /// 返困: exited households flagged as relapsed and not yet reopened.
    pub async fn relapse_list(
        &self,
        actor: &Actor,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        self.candidates(actor, Candidates::Relapse, query, page)
            .await
    }

    pub(super) async fn candidates(
        &self,
        actor: &Actor,
        which: Candidates,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let pathway = match which {
            Candidates::Ready => nonempty(&query.pathway).map(Pathway::parse).transpose()?,
            _ => None,
        };
        let scope = actor.scope();
        self.read(move |c| {
            let mut filter = CandidateFilter {
                pathway,
                ..Default::default()
            };
            narrow_to_union(c, &scope, query.union_id, &mut filter.union_path)?;
            let mut found = store::candidates(c, &scope, which, &filter, page)?;
            let books = if which == Candidates::Relapse {
                None
            } else {
                Some(Books::load(c)?)
            };
            let ids: Vec<HouseholdId> = found.items.iter().map(|h| h.id).collect();
            let incomes = households::incomes_of_many(c, &scope, &ids)?;
            let mut items = Vec::with_capacity(found.items.len());
            for h in std::mem::take(&mut found.items) {
                let months = incomes.get(&h.id).map(Vec::as_slice).unwrap_or(&[]);
                let size = usize::try_from(h.size.max(1)).unwrap_or(1);
                let (pathway, summary) = match (&books, which) {
                    (Some(b), Candidates::Ready) => {
                        let e = b.evaluate_exit(&h.data, size, months)?;
                        let p = h
                            .leaving
                            .ready_pathway
                            .as_deref()
                            .and_then(|p| Pathway::parse(p).ok());
                        (p, ready_summary(&h, &e))
                    }
                    (Some(b), _) => {
                        let window = b
                            .params
                            .for_region(&h.data.division_code)
                            .params
                            .window_months;
                        let r = exit::relief_ready(
                            &bangfu_domain::identification::Situation::of(
                                u32::try_from(size).unwrap_or(1),
                                b.figures(&h.data, months),
                            ),
                            ReliefFlags {
                                in_safety_net: true,
                                under_regular_assistance: true,
                            },
                            window,
                        )?;
                        (None, relief_summary(&r))
                    }
                    (None, _) => (None, relapse_summary(&h)),
                };
                items.push(Candidate {
                    household: h.masked(),
                    pathway,
                    summary,
                });
            }
            Ok(found.with_items(items))
        })
        .await
    }
}
