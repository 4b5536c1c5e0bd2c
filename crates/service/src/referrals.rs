//! Referrals of households' needs to departments, and their answers.
//!
//! An officer pushes a need to a department; the answer is recorded by the
//! officer or by a user of that department, who sees only the referrals
//! sent to their department within their union's subtree. A granted
//! referral is a policy put into effect: an assistance record of kind
//! 落实政策, written in the same transaction.

use crate::assistance::parse_date;
use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::dictionary::require_active;
use crate::unions::narrow_to_union;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::assistance::{kind, AssistanceStatus, Catalogue, ReferralId, ReferralStatus};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{parse_text, HouseholdId};
use bangfu_domain::{Fen, Permission, ValidationError};
use bangfu_storage::assistance::{self as records, NewAssistance};
use bangfu_storage::referrals::{self as store, NewReferral};
use bangfu_storage::{households, Page, PageRequest};
use serde_json::json;

pub use bangfu_storage::referrals::{Referral, ReferralFilter};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ReferralInput {
    pub household_id: i64,
    /// A code of the `department` catalogue.
    pub department: String,
    pub need: String,
    pub policy: String,
    /// `YYYY-MM-DD`, not in the past.
    pub deadline: String,
}

/// What a list of referrals is narrowed to, as typed.
#[derive(Debug, Clone, Default)]
pub struct ReferralQuery {
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    pub department: Option<String>,
    /// A status code, or `overdue`.
    pub status: Option<String>,
}

fn snapshot(r: &Referral) -> serde_json::Value {
    json!({
        "household_id": r.household_id.0,
        "department": r.department,
        "need": r.need,
        "policy": r.policy,
        "deadline": r.deadline.to_string(),
        "status": r.status.code(),
        "answer": r.answer,
        "assistance_id": r.assistance_id.map(|a| a.0),
    })
}

/// Whose referrals the caller sees: all in scope (an officer or reader of
/// assistance), or only their department's (a department user).
fn department_of(actor: &Actor, officer: Permission) -> Result<Option<String>, ServiceError> {
    if actor.user.must_change_password {
        return Err(ServiceError::PasswordChangeRequired);
    }
    if actor.can(officer) {
        return Ok(None);
    }
    if actor.can(Permission::AnswerReferrals) {
        if let Some(d) = actor.user.department.clone().filter(|d| !d.is_empty()) {
            return Ok(Some(d));
        }
    }
    Err(ServiceError::Forbidden)
}

impl Services {
    pub async fn referral_send(
        &self,
        actor: &Actor,
        input: ReferralInput,
    ) -> Result<Referral, ServiceError> {
        actor.require(Permission::SendReferrals)?;
        let need = parse_text("need", "需求", &input.need, true, 1000)?;
        let policy = parse_text("policy", "申请落实的政策", &input.policy, true, 200)?;
        let today = today();
        let deadline = parse_date("deadline", &input.deadline)?
            .ok_or_else(|| ValidationError::new("deadline", "请填写办理时限"))?;
        if deadline < today {
            return Err(ValidationError::new("deadline", "办理时限不能早于今天").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = households::find(c, &scope, HouseholdId(input.household_id))?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            require_active(c, Catalogue::Department, "department", &input.department)?;
            if !h.status.under_assistance() {
                return Err(ServiceError::Rule("档案已关闭，不能再推送需求".into()));
            }
            let id = store::insert(
                c,
                &NewReferral {
                    household_id: h.id,
                    union_id: a.user.union_id,
                    union_path: &h.union_path,
                    department: input.department.trim(),
                    need: &need,
                    policy: &policy,
                    deadline,
                    created_by: Some(a.user.id.0),
                },
                now(),
            )?;
            let r = store::find(c, &scope, id, None)?.ok_or(ServiceError::NotFound("需求推送"))?;
            Record::of(Action::SendReferral, "referral", id, h.owner())
                .after(snapshot(&r))
                .write(c, Who::Actor(&a))?;
            Ok(r)
        })
        .await
    }

    pub async fn referral_list(
        &self,
        actor: &Actor,
        query: ReferralQuery,
        page: PageRequest,
    ) -> Result<Page<Referral>, ServiceError> {
        let own = department_of(actor, Permission::ReadAssistance)?;
        let asked = query
            .department
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        if let (Some(o), Some(a)) = (&own, &asked) {
            if o != a {
                // A department user asking for another department's: none.
                return Ok(page.of(Vec::new(), 0));
            }
        }
        let mut filter = ReferralFilter {
            household_id: query.household_id.map(HouseholdId),
            department: own.or(asked),
            ..Default::default()
        };
        match query.status.as_deref().map(str::trim) {
            None | Some("") => {}
            Some("overdue") => filter.overdue_on = Some(today()),
            Some(s) => filter.status = Some(ReferralStatus::parse(s)?),
        }
        let scope = actor.scope();
        self.read(move |c| {
            let mut filter = filter;
            narrow_to_union(c, &scope, query.union_id, &mut filter.union_path)?;
            Ok(store::list(c, &scope, &filter, page)?)
        })
        .await
    }

    pub async fn referral_get(
        &self,
        actor: &Actor,
        id: ReferralId,
    ) -> Result<Referral, ServiceError> {
        let own = department_of(actor, Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            store::find(c, &scope, id, own.as_deref())?.ok_or(ServiceError::NotFound("需求推送"))
        })
        .await
    }

    /// Records a department's answer. `version` is the referral as read
    /// (the current one when absent). Granted: a policy record is written too.
    pub async fn referral_answer(
        &self,
        actor: &Actor,
        id: ReferralId,
        version: Option<i64>,
        granted: bool,
        answer: &str,
    ) -> Result<Referral, ServiceError> {
        let own = department_of(actor, Permission::SendReferrals)?;
        let answer = parse_text("answer", "答复", answer, !granted, 1000)?;
        if !granted && answer.chars().count() < 2 {
            return Err(ValidationError::new("answer", "未落实须写明原因").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let before = store::find(c, &scope, id, own.as_deref())?
                .ok_or(ServiceError::NotFound("需求推送"))?;
            if before.status != ReferralStatus::Sent {
                return Err(ServiceError::Rule(format!(
                    "该需求已答复（{}）",
                    before.status.label()
                )));
            }
            let version = version.unwrap_or(before.version);
            if version != before.version {
                return Err(ServiceError::Conflict {
                    field: "version",
                    message: "该需求已被他人处理，请刷新后查看".into(),
                });
            }
            let mut record = None;
            if granted {
                let note = if answer.is_empty() {
                    format!("需求推送落实：{}", before.policy)
                } else {
                    format!("需求推送落实：{}（{answer}）", before.policy)
                };
                record = Some(records::insert(
                    c,
                    &NewAssistance {
                        household_id: before.household_id,
                        union_path: &before.union_path,
                        union_id: before.union_id,
                        kind: kind::POLICY,
                        given_on: today,
                        cash: Fen::ZERO,
                        goods: "",
                        goods_value: Fen::ZERO,
                        persons: 1,
                        measure_id: None,
                        source: None,
                        school: None,
                        stage: None,
                        note: &note,
                        status: AssistanceStatus::Given,
                        given_by: Some(a.user.id.0),
                        subsidy_id: None,
                        referral_id: Some(id),
                        created_by: Some(a.user.id.0),
                    },
                    now(),
                )?);
            }
            let status = if granted {
                ReferralStatus::Granted
            } else {
                ReferralStatus::Refused
            };
            if !store::answer(c, id, version, status, &answer, a.user.id.0, record, now())? {
                return Err(ServiceError::Conflict {
                    field: "version",
                    message: "该需求已被他人处理，请刷新后查看".into(),
                });
            }
            let after = store::find(c, &scope, id, own.as_deref())?
                .ok_or(ServiceError::NotFound("需求推送"))?;
            let path = before.union_path.clone();
            let union_id = path.ids().last().map(|u| u.0).unwrap_or(before.union_id.0);
            Record::of(Action::AnswerReferral, "referral", id, (union_id, &path))
                .before(snapshot(&before))
                .after(snapshot(&after))
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }
}
