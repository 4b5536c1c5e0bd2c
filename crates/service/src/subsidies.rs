//! Regular subsidies (送温暖常态化): due payments each period, paid in batches.
//!
//! Generating is idempotent (one payment per subsidy and period). A fund
//! officer pays a batch in one transaction: every payment becomes an
//! assistance record of kind 送温暖 paid from the fund, or — if any fund
//! cannot cover its share — nothing is paid at all.

use crate::assistance::{check_measure, parse_source, pay, paying_union};
use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::unions::narrow_to_union;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::assistance::{kind, AssistanceStatus, PaymentId, SubsidyId, SubsidyPeriod};
use bangfu_domain::audit::Action;
use bangfu_domain::funds::{AccountKind, Source};
use bangfu_domain::household::{parse_text, HouseholdId};
use bangfu_domain::{Fen, Month, Permission, UnionId, ValidationError};
use bangfu_storage::assistance::{self as records, NewAssistance};
use bangfu_storage::subsidies::{self as store, NewSubsidy, PaymentFilter};
use bangfu_storage::{households, ledger, unions, Page, PageRequest};
use serde_json::json;

pub use bangfu_storage::subsidies::{Payment, Subsidy, SubsidyFilter};

/// A subsidy as typed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SubsidyInput {
    pub household_id: i64,
    /// The paying union; the officer's own when absent.
    pub union_id: Option<i64>,
    /// Per period, in fen.
    pub amount: Fen,
    /// `monthly` or `quarterly`.
    pub period: String,
    /// `YYYY-MM`.
    pub start_month: String,
    /// `YYYY-MM`, optional.
    pub end_month: String,
    pub source: String,
    pub measure_id: Option<i64>,
}

/// What generating did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generated {
    pub created: usize,
    pub cancelled: usize,
}

/// The due list: payments (a page), their count and total.
#[derive(Debug, Clone)]
pub struct DueList {
    pub items: Vec<Payment>,
    pub total: i64,
    pub amount: Fen,
}

/// What paying a batch did.
#[derive(Debug, Clone, Default)]
pub struct Paid {
    pub paid: usize,
    pub amount: Fen,
    /// Payments of households no longer on file, cancelled instead.
    pub cancelled: usize,
    pub assistance_ids: Vec<i64>,
}

fn snapshot(s: &Subsidy) -> serde_json::Value {
    json!({
        "household_id": s.household_id.0,
        "union_id": s.union_id.0,
        "amount_fen": s.amount.0,
        "period": s.period.code(),
        "start_month": s.start_month.to_string(),
        "end_month": s.end_month.map(|m| m.to_string()),
        "source": s.source.code(),
        "measure_id": s.measure_id.map(|m| m.0),
        "status": s.status.code(),
        "stop_reason": s.stop_reason,
    })
}

impl Services {
    /// Sets a regular subsidy for a household on file.
    pub async fn subsidy_create(
        &self,
        actor: &Actor,
        input: SubsidyInput,
    ) -> Result<Subsidy, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let amount = bangfu_domain::funds::check_amount("amount", input.amount)?;
        let period = SubsidyPeriod::parse(&input.period)?;
        let start = Month::parse("start_month", input.start_month.trim())?;
        let end = match input.end_month.trim() {
            "" => None,
            s => Some(Month::parse("end_month", s)?),
        };
        if end.is_some_and(|e| e < start) {
            return Err(ValidationError::new("end_month", "结束月份不能早于开始月份").into());
        }
        let source = parse_source("source", &input.source)?
            .ok_or_else(|| ValidationError::new("source", "请选择资金来源"))?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = households::find(c, &scope, HouseholdId(input.household_id))?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            if !h.status.under_assistance() {
                return Err(ServiceError::Rule("档案已关闭，不能再发放".into()));
            }
            let measure = check_measure(c, h.id, input.measure_id)?;
            let union = paying_union(c, &scope, &a, input.union_id, &h)?;
            let id = store::insert(
                c,
                &NewSubsidy {
                    household_id: h.id,
                    union_id: union.id,
                    union_path: &h.union_path,
                    amount,
                    period,
                    start_month: start,
                    end_month: end,
                    source,
                    measure_id: measure,
                    created_by: Some(a.user.id.0),
                },
                now(),
            )?;
            let s = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("常态化补助"))?;
            Record::of(Action::SaveSubsidy, "subsidy", id, h.owner())
                .after(snapshot(&s))
                .write(c, Who::Actor(&a))?;
            Ok(s)
        })
        .await
    }

    /// Stops a subsidy: no further payments, and its unpaid ones are cancelled.
    pub async fn subsidy_stop(
        &self,
        actor: &Actor,
        id: SubsidyId,
        reason: &str,
    ) -> Result<Subsidy, ServiceError> {
        if !actor.can(Permission::ManageFunds) {
            actor.require(Permission::ManageAssistance)?;
        }
        let reason = parse_text("reason", "停发理由", reason, true, 500)?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let before = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("常态化补助"))?;
            if !store::stop(c, id, today, &reason, now())? {
                return Err(ServiceError::Rule("该补助已经停发".into()));
            }
            let cancelled = store::cancel_due(c, id, Some(a.user.id.0), now())?;
            let after = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("常态化补助"))?;
            let mut after_json = snapshot(&after);
            after_json["cancelled_payments"] = json!(cancelled);
            Record::of(Action::StopSubsidy, "subsidy", id, before.owner())
                .before(snapshot(&before))
                .after(after_json)
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    pub async fn subsidy_list(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
        filter: SubsidyFilter,
        page: PageRequest,
    ) -> Result<Page<Subsidy>, ServiceError> {
        if !actor.can(Permission::ReadFunds) {
            actor.require(Permission::ReadAssistance)?;
        }
        let scope = actor.scope();
        self.read(move |c| {
            let mut filter = filter;
            narrow_to_union(c, &scope, union_id, &mut filter.union_path)?;
            Ok(store::list(c, &scope, &filter, page)?)
        })
        .await
    }

    /// Generates the due payments of every active subsidy of a union's
    /// subtree for the periods begun by `upto`. Households no longer on file
    /// get none, and their unpaid ones are cancelled.
    pub async fn subsidy_generate(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
        upto: &str,
    ) -> Result<Generated, ServiceError> {
        if !actor.can(Permission::ManageFunds) {
            actor.require(Permission::ManageAssistance)?;
        }
        let upto = Month::parse("upto", upto.trim())?;
        if upto > Month::of_date(today()) {
            return Err(ValidationError::new("upto", "不能为未来的月份生成应发名单").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let id = union_id.map(UnionId).unwrap_or(a.user.union_id);
            let u = unions::find(c, &scope, id)?.ok_or_else(|| {
                ValidationError::new("union_id", "所选工会不存在或不在您的权限范围内")
            })?;
            let at = now();
            let mut out = Generated::default();
            for s in store::active_in(c, &scope, &u.path)? {
                if !s.household_status.under_assistance() {
                    out.cancelled += store::cancel_due(c, s.id, Some(a.user.id.0), at)?;
                    continue;
                }
                for m in s.period.due(s.start_month, s.end_month, upto) {
                    if store::add_payment(c, &s, m, at)? {
                        out.created += 1;
                    }
                }
            }
            Record::of(Action::GeneratePayments, "subsidy_payments", "*", u.owner())
                .after(json!({
                    "upto": upto.to_string(),
                    "created": out.created,
                    "cancelled": out.cancelled,
                }))
                .write(c, Who::Actor(&a))?;
            Ok(out)
        })
        .await
    }

    /// The due payments of a union's subtree (the caller's by default), a page of them with the count and total.
    pub async fn subsidy_due(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
        page: PageRequest,
    ) -> Result<DueList, ServiceError> {
        if !actor.can(Permission::ReadFunds) {
            actor.require(Permission::ReadAssistance)?;
        }
        let scope = actor.scope();
        self.read(move |c| {
            let union_path = match union_id {
                Some(u) => Some(
                    unions::find(c, &scope, UnionId(u))?
                        .ok_or(ServiceError::NotFound("工会"))?
                        .path,
                ),
                None => None,
            };
            let (items, total, amount) = store::payments(
                c,
                &scope,
                &PaymentFilter {
                    union_path,
                    status: Some(bangfu_domain::assistance::PaymentStatus::Due),
                    ids: None,
                },
                Some(page),
            )?;
            Ok(DueList {
                items,
                total,
                amount,
            })
        })
        .await
    }

    /// Pays a batch: the given due payments, or all due ones of a union's
    /// subtree. All or nothing.
    pub async fn subsidy_pay(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
        ids: Option<Vec<i64>>,
    ) -> Result<Paid, ServiceError> {
        actor.require(Permission::ManageFunds)?;
        if ids.as_ref().is_some_and(|v| v.is_empty()) {
            return Err(ValidationError::new("payment_ids", "请选择要发放的补助").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let union_path = match union_id {
                Some(u) => Some(
                    unions::find(c, &scope, UnionId(u))?
                        .ok_or_else(|| {
                            ValidationError::new("union_id", "所选工会不存在或不在您的权限范围内")
                        })?
                        .path,
                ),
                None => None,
            };
            let (list, _, _) = store::payments(
                c,
                &scope,
                &PaymentFilter {
                    union_path: union_path.clone(),
                    status: None,
                    ids: ids.clone(),
                },
                None,
            )?;
            let list: Vec<Payment> = match &ids {
                Some(ids) => {
                    for id in ids {
                        match list.iter().find(|p| p.id.0 == *id) {
                            None => return Err(ServiceError::NotFound("应发补助")),
                            Some(p)
                                if p.status != bangfu_domain::assistance::PaymentStatus::Due =>
                            {
                                return Err(ServiceError::Rule(format!(
                                    "{} {} 的补助已是“{}”状态，请刷新应发名单",
                                    p.worker_name,
                                    p.period,
                                    p.status.label()
                                )))
                            }
                            Some(_) => {}
                        }
                    }
                    list
                }
                None => list
                    .into_iter()
                    .filter(|p| p.status == bangfu_domain::assistance::PaymentStatus::Due)
                    .collect(),
            };
            if list.is_empty() {
                return Err(ServiceError::Rule(
                    "没有待发放的补助，请先生成应发名单".into(),
                ));
            }
            let at = now();
            let by = Some(a.user.id.0);
            let mut out = Paid::default();
            let mut payable = Vec::new();
            for p in list {
                if p.household_status.under_assistance() {
                    payable.push(p);
                } else if store::cancel_payment(c, p.id, by, at)? {
                    out.cancelled += 1;
                }
            }
            // What each fund must cover, checked before anything is paid so
            // the message can say how much is missing.
            let mut need: Vec<(UnionId, Source, Fen)> = Vec::new();
            for p in &payable {
                match need
                    .iter_mut()
                    .find(|(u, s, _)| *u == p.union_id && *s == p.source)
                {
                    Some(n) => n.2 = Fen(n.2 .0 + p.amount.0),
                    None => need.push((p.union_id, p.source, p.amount)),
                }
            }
            let mut short = Vec::new();
            let mut payers = Vec::new();
            for (u, s, amount) in &need {
                let union = unions::find_unscoped(c, *u)?.ok_or(ServiceError::NotFound("工会"))?;
                let account = ledger::account(c, union.id, &union.path, AccountKind::Fund, *s, at)?;
                let balance = ledger::balance(c, account.id, None)?;
                if balance < *amount {
                    short.push(format!(
                        "{}（{}）余额 {} 元，本批需要 {} 元，还差 {} 元",
                        union.name,
                        s.label(),
                        balance.yuan_grouped(),
                        amount.yuan_grouped(),
                        Fen(amount.0 - balance.0).yuan_grouped()
                    ));
                }
                payers.push(union);
            }
            if !short.is_empty() {
                return Err(ServiceError::Rule(format!(
                    "资金不足，本批补助均未发放：{}",
                    short.join("；")
                )));
            }
            for p in &payable {
                let union = payers
                    .iter()
                    .find(|u| u.id == p.union_id)
                    .ok_or_else(|| ServiceError::Internal("payer".into()))?;
                let note = format!("常态化补助 {}", p.period);
                let rid = records::insert(
                    c,
                    &NewAssistance {
                        household_id: p.household_id,
                        union_path: &p.union_path,
                        union_id: p.union_id,
                        kind: kind::WARMTH,
                        given_on: today,
                        cash: p.amount,
                        goods: "",
                        goods_value: Fen::ZERO,
                        persons: p.household_size.max(1),
                        measure_id: p.measure_id,
                        source: Some(p.source),
                        school: None,
                        stage: None,
                        note: &note,
                        status: AssistanceStatus::Given,
                        given_by: by,
                        subsidy_id: Some(p.subsidy_id),
                        referral_id: None,
                        created_by: by,
                    },
                    at,
                )?;
                let memo = format!(
                    "常态化补助 {}：{}（{}）",
                    p.period, p.worker_name, p.file_no
                );
                pay(c, rid, union, p.source, p.amount, today, &memo, by)?;
                if !store::mark_paid(c, p.id, rid, by, at)? {
                    return Err(ServiceError::Rule(
                        "应发名单刚刚已被他人处理，请刷新后重试".into(),
                    ));
                }
                out.paid += 1;
                out.amount = Fen(out.amount.0 + p.amount.0);
                out.assistance_ids.push(rid.0);
            }
            let (audit_union, audit_path) = match &union_path {
                Some(p) => (
                    p.ids().last().map(|u| u.0).unwrap_or(a.user.union_id.0),
                    p.clone(),
                ),
                None => (a.user.union_id.0, a.user.union_path.clone()),
            };
            Record::of(
                Action::PayBatch,
                "subsidy_payments",
                "*",
                (audit_union, &audit_path),
            )
            .after(json!({
                "paid": out.paid,
                "amount_fen": out.amount.0,
                "cancelled": out.cancelled,
                "assistance_ids": out.assistance_ids,
            }))
            .write(c, Who::Actor(&a))?;
            Ok(out)
        })
        .await
    }

    /// One due payment by id (for confirmations).
    pub async fn subsidy_payment(
        &self,
        actor: &Actor,
        id: PaymentId,
    ) -> Result<Payment, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            let (list, _, _) = store::payments(
                c,
                &scope,
                &PaymentFilter {
                    ids: Some(vec![id.0]),
                    ..Default::default()
                },
                None,
            )?;
            list.into_iter()
                .next()
                .ok_or(ServiceError::NotFound("应发补助"))
        })
        .await
    }
}
