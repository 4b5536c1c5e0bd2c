//! Recording assistance (帮扶记录): what was given, to whom, from which
//! fund, for which measure; cash above the threshold waits for a reviewer.

use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::dictionary::require_active;
use crate::unions::narrow_to_union;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::assistance::{
    check_amounts, kind, unapproved_measure, AssistanceId, AssistanceStatus, Catalogue, MeasureId,
    Stage,
};
use bangfu_domain::audit::Action;
use bangfu_domain::funds::Source;
use bangfu_domain::household::{parse_text, HouseholdId, Status};
use bangfu_domain::{Fen, Masked, Permission, UnionId, ValidationError};
use bangfu_storage::households::{self, Household};
use bangfu_storage::plans::{self as plan_store, Measure};
use bangfu_storage::{dictionary, unions, Conn, Page, PageRequest, Scope};
use chrono::NaiveDate;
use serde_json::{json, Value};

use bangfu_storage::assistance::{self as store, NewAssistance};
pub use bangfu_storage::assistance::{Assistance, AssistanceFilter};

/// One act of assistance as typed in a form or an API request.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AssistanceInput {
    /// The giving (paying) union: the household's union or an ancestor in
    /// scope; the officer's own when absent.
    pub union_id: Option<i64>,
    /// A code of the `assistance_kind` catalogue.
    pub kind: String,
    /// `YYYY-MM-DD`; today when blank.
    pub given_on: String,
    pub cash: Fen,
    pub goods: String,
    pub goods_value: Fen,
    pub persons: i32,
    pub measure_id: Option<i64>,
    /// The fund source the cash is paid from (required when cash > 0).
    pub source: String,
    /// Education aid: the student's school and stage.
    pub school: String,
    pub stage: String,
    pub note: String,
}

/// Cash, goods, household-times (户次) and person-times (人次) of the records that count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub cash: Fen,
    pub goods_value: Fen,
    pub household_times: i64,
    pub person_times: i64,
}

impl Totals {
    fn add(&mut self, a: &Assistance) {
        if a.status.counts() {
            self.cash = Fen(self.cash.0 + a.cash.0);
            self.goods_value = Fen(self.goods_value.0 + a.goods_value.0);
            self.household_times += 1;
            self.person_times += i64::from(a.persons);
        }
    }

    /// Totals of the records that count among `list`.
    pub fn of(list: &[Assistance]) -> Self {
        let mut t = Totals::default();
        for a in list {
            t.add(a);
        }
        t
    }
}

/// The totals of one kind.
#[derive(Debug, Clone)]
pub struct KindTotals {
    pub kind: String,
    pub label: String,
    pub totals: Totals,
}

/// A household's full history of assistance.
#[derive(Debug, Clone)]
pub struct HouseholdAssistance {
    pub household: Household<Masked>,
    pub records: Vec<Assistance>,
    pub totals: Totals,
    pub by_kind: Vec<KindTotals>,
    /// Kind code → label (inactive kinds included, for old records).
    pub kind_labels: std::collections::HashMap<String, String>,
    /// Whether the caller may record assistance for this household now.
    pub may_record: bool,
    /// The measures a new record may serve: this year's and last year's
    /// plans, cancelled ones left out (newest plan first).
    pub measures: Vec<Measure>,
    /// Track code → label, for naming the measures.
    pub track_labels: std::collections::HashMap<String, String>,
    /// The unions that may pay: the household's union and its ancestors
    /// inside the caller's scope, the household's own first.
    pub paying_unions: Vec<unions::Union>,
    /// The paying union a form starts with: the caller's own when it is
    /// among [`Self::paying_unions`], else the household's.
    pub default_union_id: UnionId,
}

/// Where an assistance list is narrowed to, as typed.
#[derive(Debug, Clone, Default)]
pub struct AssistanceQuery {
    pub union_id: Option<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    /// Part of the worker's name.
    pub q: Option<String>,
}

pub(crate) fn parse_date(
    field: &'static str,
    raw: &str,
) -> Result<Option<NaiveDate>, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .map(Some)
        .map_err(|_| ValidationError::new(field, format!("日期“{s}”无效，应为 YYYY-MM-DD")))
}

/// The audit snapshot of a record.
pub(crate) fn snapshot(a: &Assistance) -> Value {
    json!({
        "household_id": a.household_id.0,
        "union_id": a.union_id.0,
        "kind": a.kind,
        "given_on": a.given_on.to_string(),
        "cash_fen": a.cash.0,
        "goods": a.goods,
        "goods_value_fen": a.goods_value.0,
        "persons": a.persons,
        "measure_id": a.measure_id.map(|m| m.0),
        "source": a.source.map(|s| s.code()),
        "school": a.school,
        "stage": a.stage.map(|s| s.code()),
        "note": bangfu_domain::id_number::note_marker(&a.note),
        "status": a.status.code(),
        "transfer_id": a.transfer_id.map(|t| t.0),
        "subsidy_id": a.subsidy_id.map(|s| s.0),
        "referral_id": a.referral_id.map(|r| r.0),
    })
}

/// The paying union: `id` (or the actor's own), which must be the
/// household's union or one of its ancestors, inside the scope.
pub(crate) fn paying_union(
    c: &mut Conn,
    scope: &Scope,
    actor: &Actor,
    id: Option<i64>,
    household: &Household,
) -> Result<unions::Union, ServiceError> {
    let id = id.map(UnionId).unwrap_or(actor.user.union_id);
    let u = unions::find(c, scope, id)?
        .ok_or_else(|| ValidationError::new("union_id", "发放工会不存在或不在您的权限范围内"))?;
    if !u.path.contains(&household.union_path) {
        return Err(
            ValidationError::new("union_id", "发放工会应为该家庭所在的工会或其上级工会").into(),
        );
    }
    Ok(u)
}

/// The unions [`paying_union`] accepts for a household: its union and the
/// ancestors inside the scope, the household's own first.
pub(crate) fn paying_unions(
    c: &mut Conn,
    scope: &Scope,
    household: &Household,
) -> Result<Vec<unions::Union>, ServiceError> {
    let Some(own) = unions::find(c, scope, household.union_id)? else {
        return Ok(Vec::new());
    };
    let mut list = unions::ancestors_in_scope(c, scope, &own)?;
    list.retain(|u| u.path.contains(&household.union_path));
    list.reverse();
    Ok(list)
}

/// A measure given for a household must be one of its own.
pub(crate) fn check_measure(
    c: &mut Conn,
    household: HouseholdId,
    measure: Option<i64>,
) -> Result<Option<MeasureId>, ServiceError> {
    let Some(m) = measure else { return Ok(None) };
    match store::measure_household(c, MeasureId(m))? {
        Some(h) if h == household => Ok(Some(MeasureId(m))),
        Some(_) => Err(ValidationError::new("measure_id", "所选帮扶措施不属于该家庭").into()),
        None => Err(ValidationError::new("measure_id", "所选帮扶措施不存在").into()),
    }
}

pub(crate) fn parse_source(
    field: &'static str,
    raw: &str,
) -> Result<Option<Source>, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        Ok(None)
    } else {
        Source::parse(s)
            .map(Some)
            .map_err(|e| ValidationError::new(field, e.message))
    }
}

/// Names the fund in a ledger refusal ("余额不足…").
pub(crate) fn fund_error(union: &str, source: Source, e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Rule(m) => {
            ServiceError::Rule(format!("{union}（{}）{m}，未发放", source.label()))
        }
        other => other,
    }
}

/// Pays a record's cash in the current transaction and links the transfer.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pay(
    c: &mut Conn,
    record: AssistanceId,
    union: &unions::Union,
    source: Source,
    cash: Fen,
    on_date: NaiveDate,
    memo: &str,
    by: Option<i64>,
) -> Result<(), ServiceError> {
    let t = crate::funds::disburse(
        c,
        union.id,
        &union.path,
        source,
        cash,
        on_date,
        Some(record.0),
        memo,
        by,
    )
    .map_err(|e| fund_error(&union.name, source, e))?;
    store::set_transfer(c, record, t, now())?;
    Ok(())
}

/// Why a record's cash serves no approved measure (the domain's rule, with
/// the plan of its measure read), or `None`.
fn unapproved_measure_of(
    c: &mut Conn,
    scope: &Scope,
    a: &Assistance,
) -> Result<Option<&'static str>, ServiceError> {
    let plan = match a.measure_id {
        None => None,
        Some(m) => match plan_store::find_measure(c, scope, m)? {
            None => None,
            Some(m) => {
                let approved_on = plan_store::find_plan(c, scope, m.plan_id)?
                    .and_then(|p| p.approved_at)
                    .map(|t| t.date());
                Some((m.plan_status, approved_on))
            }
        },
    };
    Ok(unapproved_measure(plan, a.given_on))
}

fn record_memo(h: &Household, kind_label: &str) -> String {
    format!("{kind_label}：{}（{}）", h.data.worker_name, h.file_no)
}

fn reason_of(field: &'static str, raw: &str) -> Result<String, ServiceError> {
    let r = parse_text(field, "理由", raw, true, 500)?;
    if r.chars().count() < 2 {
        return Err(ValidationError::new(field, "请写明理由").into());
    }
    Ok(r)
}

impl Services {
    /// Records one act of assistance for a household on file. Cash at or
    /// below the threshold is paid from the fund in the same transaction;
    /// above it, the record waits for a reviewer and no money moves.
    pub async fn assistance_record(
        &self,
        actor: &Actor,
        household_id: HouseholdId,
        input: AssistanceInput,
    ) -> Result<Assistance, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let today = today();
        let given_on = parse_date("given_on", &input.given_on)?.unwrap_or(today);
        check_amounts(
            input.cash,
            input.goods_value,
            input.persons,
            given_on,
            today,
        )?;
        if input.cash > Fen::MAX_PARSED {
            return Err(ValidationError::new("cash", "现金金额过大").into());
        }
        if input.goods_value > Fen::MAX_PARSED {
            return Err(ValidationError::new("goods_value", "物资折价过大").into());
        }
        let goods = parse_text("goods", "物资", &input.goods, false, 200)?;
        let note = parse_text("note", "备注", &input.note, false, 1000)?;
        let source = parse_source("source", &input.source)?;
        if input.cash.0 > 0 && source.is_none() {
            return Err(ValidationError::new("source", "发放现金须选择资金来源").into());
        }
        let (school, stage) = if input.kind.trim() == kind::EDUCATION {
            let school = parse_text("school", "学校", &input.school, true, 100)?;
            if input.stage.trim().is_empty() {
                return Err(ValidationError::new("stage", "助学须填写就学阶段").into());
            }
            let stage = Stage::parse(&input.stage)?;
            (Some(school), Some(stage))
        } else {
            (None, None)
        };
        let pending = input.cash > self.settings().approval_threshold;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = households::find(c, &scope, household_id)?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            let kind_label = require_active(c, Catalogue::AssistanceKind, "kind", &input.kind)?;
            if !h.status.under_assistance() {
                return Err(ServiceError::Rule("档案已关闭，不能再发放".into()));
            }
            let measure = check_measure(c, h.id, input.measure_id)?;
            let union = paying_union(c, &scope, &a, input.union_id, &h)?;
            let status = if pending {
                AssistanceStatus::Pending
            } else {
                AssistanceStatus::Given
            };
            let id = store::insert(
                c,
                &NewAssistance {
                    household_id: h.id,
                    union_path: &h.union_path,
                    union_id: union.id,
                    kind: input.kind.trim(),
                    given_on,
                    cash: input.cash,
                    goods: &goods,
                    goods_value: input.goods_value,
                    persons: input.persons,
                    measure_id: measure,
                    source: source.filter(|_| input.cash.0 > 0),
                    school: school.as_deref(),
                    stage,
                    note: &note,
                    status,
                    given_by: Some(a.user.id.0),
                    subsidy_id: None,
                    referral_id: None,
                    created_by: Some(a.user.id.0),
                },
                now(),
            )?;
            if !pending && input.cash.0 > 0 {
                if let Some(source) = source {
                    pay(
                        c,
                        id,
                        &union,
                        source,
                        input.cash,
                        given_on,
                        &record_memo(&h, &kind_label),
                        Some(a.user.id.0),
                    )?;
                }
            }
            let rec = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
            Record::of(Action::RecordAssistance, "assistance", id, h.owner())
                .after(snapshot(&rec))
                .write(c, Who::Actor(&a))?;
            Ok(rec)
        })
        .await
    }

    /// A reviewer approves a pending record: its cash is paid now. Cash
    /// that serves no approved measure (the fund audit will flag it) is
    /// refused with a `Conflict` on `confirm` naming the reason until the
    /// reviewer approves again with `confirmed`.
    pub async fn assistance_approve(
        &self,
        actor: &Actor,
        id: AssistanceId,
        confirmed: bool,
    ) -> Result<Assistance, ServiceError> {
        actor.require(Permission::ApproveAssistance)?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let before = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
            if before.status != AssistanceStatus::Pending {
                return Err(ServiceError::Rule(format!(
                    "该记录当前为“{}”，不是待审批状态",
                    before.status.label()
                )));
            }
            let h = households::find(c, &scope, before.household_id)?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            if !h.status.under_assistance() {
                return Err(ServiceError::Rule("档案已关闭，不能再发放".into()));
            }
            if !confirmed && before.cash.0 > 0 {
                if let Some(reason) = unapproved_measure_of(c, &scope, &before)? {
                    return Err(ServiceError::Conflict {
                        field: "confirm",
                        message: format!(
                            "这笔现金{reason}，资金审计将把它列为“无已审定措施的发放”。确需发放的，请确认后再批准。"
                        ),
                    });
                }
            }
            if !store::change_status(
                c,
                id,
                AssistanceStatus::Pending,
                AssistanceStatus::Given,
                Some(a.user.id.0),
                now(),
            )? {
                return Err(ServiceError::Rule("该记录刚刚已被他人处理，请刷新".into()));
            }
            if before.cash.0 > 0 {
                let source = before.source.ok_or_else(|| {
                    ServiceError::Internal(format!("assistance {id} without source"))
                })?;
                let union = unions::find_unscoped(c, before.union_id)?
                    .ok_or(ServiceError::NotFound("工会"))?;
                let labels = dictionary::labels(c, Catalogue::AssistanceKind)?;
                let label = labels
                    .get(&before.kind)
                    .cloned()
                    .unwrap_or_else(|| before.kind.clone());
                pay(
                    c,
                    id,
                    &union,
                    source,
                    before.cash,
                    today,
                    &record_memo(&h, &label),
                    Some(a.user.id.0),
                )?;
            }
            let after = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
            Record::of(Action::ApproveAssistance, "assistance", id, h.owner())
                .before(snapshot(&before))
                .after(snapshot(&after))
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    /// A reviewer refuses a pending record, with a reason; nothing is paid.
    pub async fn assistance_refuse(
        &self,
        actor: &Actor,
        id: AssistanceId,
        reason: &str,
    ) -> Result<Assistance, ServiceError> {
        actor.require(Permission::ApproveAssistance)?;
        let reason = reason_of("reason", reason)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
            if before.status != AssistanceStatus::Pending {
                return Err(ServiceError::Rule(format!(
                    "该记录当前为“{}”，不是待审批状态",
                    before.status.label()
                )));
            }
            if !store::change_status(
                c,
                id,
                AssistanceStatus::Pending,
                AssistanceStatus::Refused,
                Some(a.user.id.0),
                now(),
            )? {
                return Err(ServiceError::Rule("该记录刚刚已被他人处理，请刷新".into()));
            }
            store::append_note(c, id, &format!("未批准：{reason}"))?;
            let after = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
            let mut after_json = snapshot(&after);
            after_json["reason"] = json!(reason);
            Record::of(Action::RefuseAssistance, "assistance", id, before.owner())
                .before(snapshot(&before))
                .after(after_json)
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    /// Reverses a given record (冲销): its payment is undone by a new ledger
    /// entry and the record is marked reversed; nothing is deleted.
    pub async fn assistance_reverse(
        &self,
        actor: &Actor,
        id: AssistanceId,
        reason: &str,
    ) -> Result<Assistance, ServiceError> {
        if !(actor.can(Permission::ManageFunds) || actor.can(Permission::ApproveAssistance)) {
            actor.require(Permission::ManageFunds)?;
        }
        if actor.user.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        let reason = reason_of("reason", reason)?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let before = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
            if before.status == AssistanceStatus::Reversed {
                return Err(ServiceError::Rule("该记录已经冲销过".into()));
            }
            if before.status != AssistanceStatus::Given {
                return Err(ServiceError::Rule(format!(
                    "只能冲销已发放的记录，该记录为“{}”",
                    before.status.label()
                )));
            }
            if !store::change_status(
                c,
                id,
                AssistanceStatus::Given,
                AssistanceStatus::Reversed,
                None,
                now(),
            )? {
                return Err(ServiceError::Rule("该记录已经冲销过".into()));
            }
            let mut reversal = None;
            if let Some(t) = before.transfer_id {
                let memo = format!("冲销帮扶记录 {}：{reason}", id.0);
                reversal = Some(crate::funds::reverse(
                    c,
                    &scope,
                    t,
                    today,
                    &memo,
                    Some(a.user.id.0),
                )?);
            }
            store::append_note(c, id, &format!("冲销：{reason}"))?;
            let after = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录"))?;
            let mut after_json = snapshot(&after);
            after_json["reason"] = json!(reason);
            after_json["reversal_transfer_id"] = json!(reversal.map(|t| t.0));
            Record::of(Action::ReverseAssistance, "assistance", id, before.owner())
                .before(snapshot(&before))
                .after(after_json)
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    pub async fn assistance_get(
        &self,
        actor: &Actor,
        id: AssistanceId,
    ) -> Result<Assistance, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("帮扶记录")))
            .await
    }

    /// A household's whole history with its totals, overall and by kind.
    pub async fn assistance_of_household(
        &self,
        actor: &Actor,
        household_id: HouseholdId,
    ) -> Result<HouseholdAssistance, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        let may_manage =
            actor.can(Permission::ManageAssistance) && !actor.user.must_change_password;
        let own_union = actor.user.union_id;
        self.read(move |c| {
            let household = households::find(c, &scope, household_id)?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            let records = store::of_household(c, &scope, household_id)?;
            let kind_labels = dictionary::labels(c, Catalogue::AssistanceKind)?;
            let track_labels = dictionary::labels(c, Catalogue::Track)?;
            let year = crate::plans::current_year();
            let measures =
                plan_store::live_measures_of_household(c, &scope, household_id, &[year, year - 1])?;
            let paying_unions = paying_unions(c, &scope, &household)?;
            let default_union_id = if paying_unions.iter().any(|u| u.id == own_union) {
                own_union
            } else {
                household.union_id
            };
            let entries = dictionary::list(c, Some(Catalogue::AssistanceKind), false)?;
            let mut by_kind: Vec<KindTotals> = Vec::new();
            for e in &entries {
                let list: Vec<Assistance> = records
                    .iter()
                    .filter(|r| r.kind == e.code)
                    .cloned()
                    .collect();
                let t = Totals::of(&list);
                if t.household_times > 0 {
                    by_kind.push(KindTotals {
                        kind: e.code.clone(),
                        label: e.label.clone(),
                        totals: t,
                    });
                }
            }
            Ok(HouseholdAssistance {
                totals: Totals::of(&records),
                may_record: may_manage && household.status == Status::OnFile,
                household: household.masked(),
                records,
                by_kind,
                kind_labels,
                measures,
                track_labels,
                paying_unions,
                default_union_id,
            })
        })
        .await
    }

    /// Records in scope, narrowed by the query, newest first.
    pub async fn assistance_list(
        &self,
        actor: &Actor,
        query: AssistanceQuery,
        page: PageRequest,
    ) -> Result<Page<Assistance>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let filter = AssistanceFilter {
            union_path: None,
            household_id: None,
            kind: query
                .kind
                .filter(|k| !k.trim().is_empty())
                .map(|k| k.trim().to_owned()),
            status: query
                .status
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(AssistanceStatus::parse)
                .transpose()?,
            from: parse_date("from", query.from.as_deref().unwrap_or(""))?,
            until: parse_date("until", query.until.as_deref().unwrap_or(""))?,
            q: query.q,
        };
        let scope = actor.scope();
        let union_id = query.union_id;
        self.read(move |c| {
            let mut filter = filter;
            narrow_to_union(c, &scope, union_id, &mut filter.union_path)?;
            Ok(store::list(c, &scope, &filter, page)?)
        })
        .await
    }

    /// The entries of a catalogue for forms and labels (active ones first
    /// in order; inactive ones only when `all`).
    pub async fn assistance_catalogue(
        &self,
        actor: &Actor,
        kind: Catalogue,
        all: bool,
    ) -> Result<Vec<crate::dictionary::DictionaryEntry>, ServiceError> {
        if !actor.can(Permission::ReadAssistance) {
            actor.require(Permission::AnswerReferrals)?;
        }
        self.read(move |c| Ok(dictionary::list(c, Some(kind), !all)?))
            .await
    }
}
