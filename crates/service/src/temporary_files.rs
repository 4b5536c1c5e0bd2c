//! Temporary relief files (临时救助档案, docs/rules.md §2.2): one-off help
//! after a sudden event, recorded without a full file, counted apart,
//! converted (转正) into a full file or closed.
//!
//! The help's cash is paid from the filing union's fund like any assistance
//! (in the same transaction as the record), so every yuan given to a worker
//! without a file is in the ledger too. A person has at most one open
//! temporary file, and none while they are in an open full file: help for a
//! filed household is recorded as assistance on its file.

use crate::assistance::{fund_error, parse_date, parse_source};
use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::filing::check_months;
use crate::filing::create_in;
use crate::unions::narrow_to_union;
use crate::{now, Actor, HouseholdInput, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{parse_phone, parse_text, HouseholdId, MonthlyIncome};
use bangfu_domain::identification::Category;
use bangfu_domain::temporary::{closes_on, Relief, TemporaryFileId, TemporaryStatus};
use bangfu_domain::{
    Fen, IdNumber, Masked, MaskedId, Month, Permission, UnionId, UnionPath, ValidationError,
};
use bangfu_storage::households::{self, Household};
use bangfu_storage::temporary_files::{self as store, NewTemporaryFile, TemporaryFilter};
use bangfu_storage::{unions, Conn, Page, PageRequest, Scope};
use serde_json::json;

pub use bangfu_storage::temporary_files::{TemporaryFile, TemporaryTotals};

/// A temporary relief file as typed in the form or the API.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TemporaryInput {
    /// The union that helps and keeps the record; the officer's own when absent.
    pub union_id: Option<i64>,
    pub worker_name: String,
    pub worker_id_number: String,
    pub phone: String,
    pub address: String,
    pub employer: String,
    /// A hardship cause that strikes at once (illness, accident, disaster…).
    pub cause: String,
    /// What happened.
    pub event: String,
    /// `YYYY-MM-DD`.
    pub event_on: String,
    /// `YYYY-MM-DD`; today when blank.
    pub given_on: String,
    pub cash: Fen,
    /// The fund source the cash is paid from (required when cash > 0).
    pub source: String,
    pub goods: String,
    pub goods_value: Fen,
    pub persons: i32,
}

/// A temporary relief file as a reader sees it: identity masked.
#[derive(Debug, Clone)]
pub struct TemporaryView {
    pub file: TemporaryFile,
    pub worker_id_number: MaskedId,
    pub phone: String,
    /// Whether the caller may close or convert it now.
    pub may_act: bool,
}

impl TemporaryView {
    fn of(file: TemporaryFile, may_manage: bool) -> Self {
        Self {
            worker_id_number: MaskedId::of(&file.worker_id_number),
            phone: bangfu_domain::id_number::mask_phone(&file.phone),
            may_act: may_manage && file.status == TemporaryStatus::Open,
            file,
        }
    }
}

/// One page of a list with the totals of the whole subtree (one call per page).
#[derive(Debug, Clone)]
pub struct TemporaryList {
    pub page: Page<TemporaryView>,
    pub totals: TemporaryTotals,
    pub union_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct TemporaryQuery {
    pub union_id: Option<i64>,
    /// A status code as of today.
    pub status: Option<String>,
    /// Part of a name or a whole ID number.
    pub search: Option<String>,
}

impl Owned for TemporaryFile {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

fn snapshot(t: &TemporaryFile) -> serde_json::Value {
    json!({
        "worker_name": t.worker_name,
        "worker_id_number": t.worker_id_number.masked(),
        "cause": t.cause.code(),
        "event": t.event,
        "event_on": t.event_on.to_string(),
        "given_on": t.given_on.to_string(),
        "cash_fen": t.cash.0,
        "source": t.source.map(|s| s.code()),
        "goods": t.goods,
        "goods_value_fen": t.goods_value.0,
        "persons": t.persons,
        "status": t.status.code(),
        "closes_on": t.closes_on.to_string(),
        "household_id": t.household_id.map(|h| h.0),
        "closed_reason": t.closed_reason,
    })
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("临时救助档案")
}

fn stale() -> ServiceError {
    ServiceError::stale("该临时救助档案已被他人处理，请刷新页面后查看。")
}

/// Refuses a person already in an open full file or another open temporary
/// file, naming only the union that holds it.
fn check_person(
    c: &mut Conn,
    name: &str,
    id: &IdNumber,
    today: chrono::NaiveDate,
) -> Result<(), ServiceError> {
    if let Some((_, union_name)) = households::open_holder(c, id.as_str())? {
        return Err(ServiceError::Conflict {
            field: "worker_id_number",
            message: format!(
                "{name}（{}）已在{union_name}的在档困难职工家庭中，请在其档案中记录帮扶，不必再建临时救助档案",
                id.masked()
            ),
        });
    }
    if let Some((_, union)) = store::open_of_person(c, id, today)? {
        let union_name = unions::find_unscoped(c, union)?
            .map(|u| u.name)
            .unwrap_or_default();
        return Err(ServiceError::Conflict {
            field: "worker_id_number",
            message: format!(
                "{name}（{}）已有{union_name}登记的有效临时救助档案；再次救助请联系该工会，或将其转正建档",
                id.masked()
            ),
        });
    }
    Ok(())
}

impl Services {
    /// Records a temporary relief file and pays its cash from the filing
    /// union's fund, together or not at all.
    pub async fn temporary_file_create(
        &self,
        actor: &Actor,
        input: TemporaryInput,
    ) -> Result<TemporaryView, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let today = today();
        let name = parse_text("worker_name", "职工姓名", &input.worker_name, true, 50)?;
        let id_number = IdNumber::parse("worker_id_number", &input.worker_id_number, today)?;
        let phone = if input.phone.trim().is_empty() {
            String::new()
        } else {
            parse_phone("phone", &input.phone)?
        };
        let address = parse_text("address", "住址", &input.address, false, 200)?;
        let employer = parse_text("employer", "工作单位", &input.employer, false, 100)?;
        let event_on = parse_date("event_on", &input.event_on)?
            .ok_or_else(|| ValidationError::new("event_on", "请填写事件日期"))?;
        let given_on = parse_date("given_on", &input.given_on)?.unwrap_or(today);
        let relief = Relief::parse(
            &input.cause,
            &input.event,
            event_on,
            given_on,
            input.cash,
            &input.goods,
            input.goods_value,
            input.persons,
            today,
        )?;
        let source = parse_source("source", &input.source)?;
        if relief.cash.0 > 0 && source.is_none() {
            return Err(ValidationError::new("source", "发放现金须选择资金来源").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        let days = self.settings.temporary_file_days;
        self.write(move |c| {
            let union = unions::find(
                c,
                &scope,
                UnionId(input.union_id.unwrap_or(a.user.union_id.0)),
            )?
            .ok_or_else(|| {
                ValidationError::new("union_id", "所选工会不存在或不在您的权限范围内")
            })?;
            if !union.active {
                return Err(ValidationError::new("union_id", "所选工会已停用").into());
            }
            check_person(c, &name, &id_number, today)?;
            let id = store::insert(
                c,
                &NewTemporaryFile {
                    union_id: union.id,
                    union_path: &union.path,
                    worker_name: &name,
                    worker_id_number: &id_number,
                    phone: &phone,
                    address: &address,
                    employer: &employer,
                    cause: relief.cause,
                    event: &relief.event,
                    event_on: relief.event_on,
                    given_on: relief.given_on,
                    cash: relief.cash,
                    source: source.filter(|_| relief.cash.0 > 0),
                    goods: &relief.goods,
                    goods_value: relief.goods_value,
                    persons: relief.persons,
                    closes_on: closes_on(relief.given_on, days),
                    created_by: Some(a.user.id.0),
                },
                now(),
            )?;
            if let (Some(source), true) = (source, relief.cash.0 > 0) {
                let memo = format!("临时救助：{name}（临时救助档案 {id}）");
                let t = crate::funds::disburse(
                    c,
                    union.id,
                    &union.path,
                    source,
                    relief.cash,
                    relief.given_on,
                    None,
                    &memo,
                    Some(a.user.id.0),
                )
                .map_err(|e| fund_error(&union.name, source, e))?;
                store::set_transfer(c, id, t.0)?;
            }
            let t = store::find(c, &scope, id, today)?.ok_or_else(not_found)?;
            Record::of(
                Action::CreateTemporaryFile,
                "temporary_file",
                id.0,
                t.owner(),
            )
            .after(snapshot(&t))
            .write(c, Who::Actor(&a))?;
            Ok(TemporaryView::of(t, true))
        })
        .await
    }

    pub async fn temporary_file_get(
        &self,
        actor: &Actor,
        id: TemporaryFileId,
    ) -> Result<TemporaryView, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let may = actor.can(Permission::ManageHouseholds);
        let today = today();
        self.read(move |c| {
            let t = store::find(c, &scope, id, today)?.ok_or_else(not_found)?;
            Ok(TemporaryView::of(t, may))
        })
        .await
    }

    pub async fn temporary_file_list(
        &self,
        actor: &Actor,
        query: TemporaryQuery,
        page: PageRequest,
    ) -> Result<TemporaryList, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let status = match query.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                TemporaryStatus::parse(s).map_err(|e| ValidationError::new("status", e.message))?,
            ),
        };
        let scope = actor.scope();
        let may = actor.can(Permission::ManageHouseholds);
        let own = actor.user.union_id;
        let today = today();
        self.read(move |c| {
            let mut filter = TemporaryFilter {
                status,
                search: query.search.clone(),
                ..Default::default()
            };
            narrow_to_union(c, &scope, query.union_id, &mut filter.union_path)?;
            let union_id = query.union_id.map(UnionId).unwrap_or(own);
            let union_name = unions::find(c, &scope, union_id)?
                .map(|u| u.name)
                .unwrap_or_default();
            let totals = store::totals(c, &scope, filter.union_path.as_ref(), today)?;
            let page = store::list(c, &scope, &filter, today, page)?;
            Ok(TemporaryList {
                page: page.map(|t| TemporaryView::of(t, may)),
                totals,
                union_name,
            })
        })
        .await
    }

    /// Every file of a list for a download, refused above `limit` rows.
    pub async fn temporary_file_export(
        &self,
        actor: &Actor,
        query: TemporaryQuery,
        limit: usize,
    ) -> Result<TemporaryList, ServiceError> {
        let per_page = i64::try_from(limit).unwrap_or(i64::MAX);
        let all = PageRequest {
            page: 1,
            per_page: per_page.saturating_add(1),
        };
        let list = self.temporary_file_list(actor, query, all).await?;
        if list.page.total > per_page {
            return Err(ServiceError::Rule(format!(
                "共 {} 份临时救助档案，超过单次导出上限 {limit} 份，请按工会或状态筛选后分别导出。",
                list.page.total
            )));
        }
        Ok(list)
    }

    /// Closes an open file by hand, with the reason (help no longer needed,
    /// the worker moved away…); an expired file is closed already.
    pub async fn temporary_file_close(
        &self,
        actor: &Actor,
        id: TemporaryFileId,
        version: Option<i64>,
        reason: &str,
    ) -> Result<TemporaryView, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let reason = parse_text("reason", "关闭原因", reason, true, 500)?;
        if reason.chars().count() < 2 {
            return Err(ValidationError::new("reason", "请写明关闭原因").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        self.write(move |c| {
            let before = store::find(c, &scope, id, today)?.ok_or_else(not_found)?;
            require_open(&before)?;
            let version = version.unwrap_or(before.version);
            if !store::close(c, id, version, &reason, today, a.user.id.0, now())? {
                return Err(stale());
            }
            let after = store::find(c, &scope, id, today)?.ok_or_else(not_found)?;
            Record::of(
                Action::CloseTemporaryFile,
                "temporary_file",
                id.0,
                after.owner(),
            )
            .before(snapshot(&before))
            .after(snapshot(&after))
            .write(c, Who::Actor(&a))?;
            Ok(TemporaryView::of(after, true))
        })
        .await
    }

    /// The filing form's first values for converting a file: the worker as
    /// recorded (ID number masked, as every form shows it), the sudden-event
    /// category and the event's cause.
    pub async fn temporary_file_prefill(
        &self,
        actor: &Actor,
        id: TemporaryFileId,
    ) -> Result<(TemporaryView, HouseholdInput), ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let v = self.temporary_file_get(actor, id).await?;
        require_open(&v.file)?;
        let t = &v.file;
        let input = HouseholdInput {
            union_id: Some(t.union_id.0),
            worker_name: t.worker_name.clone(),
            worker_id_number: v.worker_id_number.text.clone(),
            phone: v.phone.clone(),
            address: t.address.clone(),
            employer: t.employer.clone(),
            causes: vec![t.cause.code().to_owned()],
            category: Category::Sudden.code().to_owned(),
            notes: format!(
                "由临时救助档案 {} 转正：{}（{}）",
                t.id, t.event, t.event_on
            ),
            ..Default::default()
        };
        Ok((v, input))
    }

    /// Converts (转正) an open file into a full file filed as typed, in one
    /// transaction: the household is filed (every rule of filing applies),
    /// the temporary file is marked converted and linked to it. The worker
    /// must be the same person; a masked number as the form showed it
    /// stands for the one recorded, as do a phone left masked.
    pub async fn temporary_file_convert(
        &self,
        actor: &Actor,
        id: TemporaryFileId,
        version: Option<i64>,
        mut input: HouseholdInput,
        incomes: Vec<MonthlyIncome>,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        check_months(&incomes, Month::of_date(today()))?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        let limit = self.settings.filed_elsewhere_per_hour;
        self.write(move |c| {
            let before = store::find(c, &scope, id, today)?.ok_or_else(not_found)?;
            require_open(&before)?;
            let version = version.unwrap_or(before.version);
            let recorded = &before.worker_id_number;
            let typed = input.worker_id_number.trim().to_uppercase();
            if typed == recorded.masked() || typed.is_empty() {
                input.worker_id_number = recorded.as_str().to_owned();
            } else if typed != recorded.as_str() {
                return Err(ValidationError::new(
                    "worker_id_number",
                    "转正建档的职工须为临时救助档案中的同一人（身份证号码不一致）",
                )
                .into());
            }
            if input.phone.trim() == bangfu_domain::id_number::mask_phone(&before.phone) {
                input.phone = before.phone.clone();
            }
            let household = match create_in(c, &a, &scope, &input, &incomes, today, limit)? {
                Ok(h) => h,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if !store::convert(c, id, version, household, a.user.id.0, now())? {
                return Err(stale());
            }
            let after = store::find(c, &scope, id, today)?.ok_or_else(not_found)?;
            Record::of(
                Action::ConvertTemporaryFile,
                "temporary_file",
                id.0,
                after.owner(),
            )
            .before(snapshot(&before))
            .after(snapshot(&after))
            .write(c, Who::Actor(&a))?;
            Ok(households::find(c, &scope, household)?
                .map(Household::masked)
                .ok_or(ServiceError::NotFound("困难职工档案")))
        })
        .await?
    }
}

/// The temporary file a household was converted from, if any (its page links it).
pub(crate) fn of_household(
    c: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
) -> Result<Option<TemporaryFile>, ServiceError> {
    Ok(store::of_household(c, scope, household, today())?)
}

fn require_open(t: &TemporaryFile) -> Result<(), ServiceError> {
    match t.status {
        TemporaryStatus::Open => Ok(()),
        TemporaryStatus::Converted => Err(ServiceError::Rule(
            "该临时救助档案已转正建档，不能再处理".into(),
        )),
        TemporaryStatus::Closed => Err(ServiceError::Rule(if t.expired {
            format!("该临时救助档案已于 {} 到期关闭", t.closes_on)
        } else {
            "该临时救助档案已关闭".into()
        })),
    }
}
