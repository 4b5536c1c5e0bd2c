//! Fund accounts, receipts, allocations, disbursements and reversals.

use crate::ServiceError;
use bangfu_domain::funds::{movement, AccountKind, Source, TransferId, TransferKind};
use bangfu_domain::{Fen, UnionId, UnionPath};
use bangfu_storage::ledger::{self, NewTransfer, PostError};
use bangfu_storage::Conn;
use chrono::NaiveDate;

impl From<PostError> for ServiceError {
    fn from(e: PostError) -> Self {
        match e {
            PostError::Ledger(l) => ServiceError::Rule(l.to_string()),
            PostError::Storage(s) => s.into(),
        }
    }
}

/// Pays `amount` from a union's fund account of `source` to its payout
/// account, for one assistance record (or a temporary relief file's help,
/// which has no household yet: `assistance_id` is then `None` and the memo
/// names the file). The only way money reaches a household; call inside the
/// transaction that writes the record, so the record and the payment are
/// written together or not at all.
#[allow(clippy::too_many_arguments)]
pub(crate) fn disburse(
    conn: &mut Conn,
    union_id: UnionId,
    union_path: &UnionPath,
    source: Source,
    amount: Fen,
    on_date: NaiveDate,
    assistance_id: Option<i64>,
    memo: &str,
    by: Option<i64>,
) -> Result<TransferId, ServiceError> {
    let now = crate::now();
    let fund = ledger::account(conn, union_id, union_path, AccountKind::Fund, source, now)?;
    let payout = ledger::account(conn, union_id, union_path, AccountKind::Payout, source, now)?;
    let legs = movement(fund.id, payout.id, amount);
    let id = ledger::post(
        conn,
        &NewTransfer {
            union_id,
            union_path,
            kind: TransferKind::Disbursement,
            source,
            on_date,
            amount,
            memo,
            to_union_id: None,
            assistance_id,
            reverses: None,
            created_by: by,
        },
        &legs,
        now,
    )?;
    Ok(id)
}

/// Posts money received (资金收入) from `source` into a union's fund:
/// its income account → its fund account.
pub(crate) fn receive(
    conn: &mut Conn,
    union: &bangfu_storage::unions::Union,
    source: Source,
    amount: Fen,
    on_date: NaiveDate,
    memo: &str,
    by: i64,
) -> Result<TransferId, ServiceError> {
    let now = crate::now();
    let income = ledger::account(
        conn,
        union.id,
        &union.path,
        AccountKind::Income,
        source,
        now,
    )?;
    let fund = ledger::account(conn, union.id, &union.path, AccountKind::Fund, source, now)?;
    Ok(ledger::post(
        conn,
        &NewTransfer {
            union_id: union.id,
            union_path: &union.path,
            kind: TransferKind::Receipt,
            source,
            on_date,
            amount,
            memo,
            to_union_id: None,
            assistance_id: None,
            reverses: None,
            created_by: Some(by),
        },
        &movement(income.id, fund.id, amount),
        now,
    )?)
}

/// Reverses a posted transfer by posting its legs negated, refusing a
/// second reversal (the `reverses_id` column is unique) and a reversal that
/// would take a fund account below zero (money already passed on).
///
/// `scope` is the caller's: a transfer outside it is not found.
pub(crate) fn reverse(
    conn: &mut Conn,
    scope: &bangfu_storage::Scope,
    original: TransferId,
    on_date: NaiveDate,
    memo: &str,
    by: Option<i64>,
) -> Result<TransferId, ServiceError> {
    let t =
        ledger::find_transfer(conn, scope, original)?.ok_or(ServiceError::NotFound("资金业务"))?;
    if t.reverses_id.is_some() {
        return Err(ServiceError::Rule("冲销业务不能再冲销".into()));
    }
    if ledger::reversed_by(conn, original)?.is_some() {
        return Err(ServiceError::Rule("该笔业务已经冲销过".into()));
    }
    let legs = bangfu_domain::funds::reversal(&ledger::legs(conn, original)?);
    let source =
        Source::parse(&t.source).map_err(|_| ServiceError::Internal("transfer source".into()))?;
    let path = UnionPath::from_stored(t.union_path.clone());
    let id = ledger::post(
        conn,
        &NewTransfer {
            union_id: UnionId(t.union_id),
            union_path: &path,
            kind: TransferKind::Reversal,
            source,
            on_date,
            amount: Fen(t.amount),
            memo,
            to_union_id: t.to_union_id.map(UnionId),
            assistance_id: t.assistance_id,
            reverses: Some(original),
            created_by: by,
        },
        &legs,
        crate::now(),
    )
    .map_err(|e| match e {
        PostError::Storage(bangfu_storage::StorageError::Conflict(_)) => {
            ServiceError::Rule("该笔业务已经冲销过".into())
        }
        other => other.into(),
    })?;
    Ok(id)
}

// ---------------------------------------------------------------------------
// Use cases: accounts and balances, receipts, allocations, reversals, the
// transfer list and statements.
// ---------------------------------------------------------------------------

use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::{Actor, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::funds::{check_amount, AccountId};
use bangfu_domain::household::parse_text;
use bangfu_domain::{Permission, ValidationError};
pub use bangfu_storage::ledger::{
    Account, AllocationTotals, StatementEntry, TransferFilter, TransferInfo,
};
use bangfu_storage::unions::{self, Union};
use bangfu_storage::{Page, PageRequest, Scope};
use serde_json::json;

/// An account with its balance (the sum of its entries).
#[derive(Debug, Clone)]
pub struct AccountBalance {
    pub account: Account,
    pub balance: Fen,
}

/// What a union holds from one source.
#[derive(Debug, Clone)]
pub struct SourceFunds {
    pub source: Source,
    /// The fund account, once money of this source has moved.
    pub fund_account: Option<AccountId>,
    pub income_account: Option<AccountId>,
    pub payout_account: Option<AccountId>,
    /// Received from outside (minus the income account's balance).
    pub raised: Fen,
    /// Received from the parent union.
    pub allocated_in: Fen,
    /// Passed on to child unions.
    pub allocated_out: Fen,
    /// Paid to households (the payout account's balance).
    pub disbursed: Fen,
    /// What may still be spent or passed on (the fund account's balance).
    pub available: Fen,
}

impl SourceFunds {
    fn empty(source: Source) -> Self {
        Self {
            source,
            fund_account: None,
            income_account: None,
            payout_account: None,
            raised: Fen::ZERO,
            allocated_in: Fen::ZERO,
            allocated_out: Fen::ZERO,
            disbursed: Fen::ZERO,
            available: Fen::ZERO,
        }
    }
}

/// A union's funds: by source, in total, its accounts, and where it may allocate.
#[derive(Debug, Clone)]
pub struct UnionFunds {
    pub union: Union,
    /// The union's ancestors within the viewer's scope (for breadcrumbs).
    pub ancestors: Vec<Union>,
    /// Active direct children: where the union may allocate.
    pub children: Vec<Union>,
    pub sources: Vec<SourceFunds>,
    pub total: SourceFunds,
    pub accounts: Vec<AccountBalance>,
}

impl UnionFunds {
    /// Whether any money ever moved here.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

/// A receipt (资金收入) as entered.
#[derive(Debug, Clone, Default)]
pub struct ReceiptInput {
    /// The receiving union; the actor's own when absent.
    pub union_id: Option<i64>,
    pub source: String,
    pub amount: Fen,
    /// `YYYY-MM-DD`; today when blank.
    pub on_date: String,
    pub payer: String,
    pub memo: String,
}

/// An allocation (下拨) to a direct child union as entered.
#[derive(Debug, Clone, Default)]
pub struct AllocationInput {
    /// The giving union; the actor's own when absent.
    pub from_union_id: Option<i64>,
    pub to_union_id: i64,
    pub source: String,
    pub amount: Fen,
    pub on_date: String,
    pub memo: String,
}

/// A transfer with its legs and what the viewer may do with it.
#[derive(Debug, Clone)]
pub struct TransferDetail {
    pub transfer: TransferInfo,
    pub legs: Vec<(Account, Fen)>,
    pub can_reverse: bool,
}

/// One line of a statement, with the balance after it.
#[derive(Debug, Clone)]
pub struct StatementLine {
    pub entry: StatementEntry,
    pub kind: TransferKind,
    /// What happened, in words ("下拨给 荔湾区总工会", "收到 广州市总工会 下拨").
    pub description: String,
    pub balance: Fen,
}

/// An account's statement for a period.
#[derive(Debug, Clone)]
pub struct Statement {
    pub account: Account,
    pub union_name: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub opening: Fen,
    pub lines: Vec<StatementLine>,
    pub closing: Fen,
    /// Money in and out during the period.
    pub inflow: Fen,
    pub outflow: Fen,
}

/// The most entries one statement shows; a longer period must be split.
pub const STATEMENT_MAX_LINES: i64 = 50_000;

fn parse_source(raw: &str) -> Result<Source, ValidationError> {
    if raw.trim().is_empty() {
        return Err(ValidationError::new("source", "请选择资金来源"));
    }
    Source::parse(raw)
}

/// A transfer's date: today when blank, never in the future.
pub(crate) fn parse_on_date(field: &'static str, raw: &str) -> Result<NaiveDate, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(today());
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ValidationError::new(field, format!("日期“{s}”格式不正确，应为 YYYY-MM-DD"))
    })?;
    if d > today() {
        return Err(ValidationError::new(field, "业务日期不能晚于今天"));
    }
    if d < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(d) {
        return Err(ValidationError::new(field, "业务日期不能早于 2000 年"));
    }
    Ok(d)
}

/// An optional date bound of a filter or statement.
pub fn parse_bound(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Option<NaiveDate>, ValidationError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ValidationError::new(field, format!("日期“{s}”格式不正确，应为 YYYY-MM-DD"))
            }),
    }
}

/// The filter of a transfer list from query text (API and pages).
pub fn parse_filter(
    union_id: Option<i64>,
    to_union_id: Option<i64>,
    source: Option<&str>,
    kind: Option<&str>,
    from: Option<&str>,
    until: Option<&str>,
) -> Result<TransferFilter, ValidationError> {
    fn blank(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    Ok(TransferFilter {
        union_id: union_id.map(UnionId),
        to_union_id: to_union_id.map(UnionId),
        source: blank(source).map(Source::parse).transpose()?,
        kind: blank(kind).map(TransferKind::parse).transpose()?,
        from: parse_bound("from", from)?,
        until: parse_bound("until", until)?,
    })
}

pub(crate) fn transfer_json(t: &TransferInfo) -> serde_json::Value {
    json!({
        "kind": t.row.kind,
        "source": t.row.source,
        "amount": t.row.amount,
        "on_date": t.row.on_date.to_string(),
        "union_id": t.row.union_id,
        "to_union_id": t.row.to_union_id,
        "memo": t.row.memo,
    })
}

pub(crate) fn one_transfer(
    c: &mut Conn,
    scope: &Scope,
    id: TransferId,
) -> Result<TransferInfo, ServiceError> {
    let row =
        ledger::find_transfer_seen(c, scope, id)?.ok_or(ServiceError::NotFound("资金业务"))?;
    ledger::describe(c, vec![row])?
        .pop()
        .ok_or(ServiceError::NotFound("资金业务"))
}

/// The union a write acts for: the given one if in scope, else the actor's own.
pub(crate) fn acting_union(
    c: &mut Conn,
    a: &Actor,
    scope: &Scope,
    id: Option<i64>,
) -> Result<Union, ServiceError> {
    let id = id.map(UnionId).unwrap_or(a.user.union_id);
    let u = unions::find(c, scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
    if !u.active {
        return Err(ServiceError::Rule(format!(
            "{}已停用，不能办理资金业务",
            u.name
        )));
    }
    Ok(u)
}

/// Whether the viewer may reverse this transfer: it is theirs to manage, a
/// receipt or an allocation, and not yet reversed.
fn reversible(a: &Actor, scope: &Scope, t: &TransferInfo) -> bool {
    let own = t.row.union_path.as_str() >= scope.path().as_str()
        && t.row.union_path.as_str() < scope.path().subtree_end().as_str();
    own && a.can(Permission::ManageFunds)
        && t.reversed_by.is_none()
        && matches!(
            t.kind(),
            Ok(TransferKind::Receipt) | Ok(TransferKind::Allocation)
        )
}

fn union_funds(c: &mut Conn, scope: &Scope, union: Union) -> Result<UnionFunds, ServiceError> {
    let accounts = ledger::accounts(c, scope, Some(union.id))?;
    let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
    let balances = ledger::balances(c, &ids)?;
    let accounts: Vec<AccountBalance> = accounts
        .into_iter()
        .map(|account| {
            let balance = balances
                .iter()
                .find(|(id, _)| *id == account.id)
                .map(|(_, b)| *b)
                .unwrap_or(Fen::ZERO);
            AccountBalance { account, balance }
        })
        .collect();
    let allocations = ledger::allocation_totals(c, union.id)?;
    let mut sources: Vec<SourceFunds> =
        Source::ALL.iter().map(|s| SourceFunds::empty(*s)).collect();
    for s in &mut sources {
        for a in accounts.iter().filter(|a| a.account.source == s.source) {
            match a.account.kind {
                AccountKind::Fund => {
                    s.fund_account = Some(a.account.id);
                    s.available = a.balance;
                }
                AccountKind::Income => {
                    s.income_account = Some(a.account.id);
                    s.raised = Fen(-a.balance.0);
                }
                AccountKind::Payout => {
                    s.payout_account = Some(a.account.id);
                    s.disbursed = a.balance;
                }
            }
        }
        let t: AllocationTotals = allocations
            .iter()
            .find(|(src, _)| *src == s.source)
            .map(|(_, t)| *t)
            .unwrap_or_default();
        s.allocated_in = t.inn;
        s.allocated_out = t.out;
    }
    let mut total = SourceFunds::empty(Source::Union);
    for s in &sources {
        total.raised = Fen(total.raised.0 + s.raised.0);
        total.allocated_in = Fen(total.allocated_in.0 + s.allocated_in.0);
        total.allocated_out = Fen(total.allocated_out.0 + s.allocated_out.0);
        total.disbursed = Fen(total.disbursed.0 + s.disbursed.0);
        total.available = Fen(total.available.0 + s.available.0);
    }
    let ancestors = unions::ancestors_in_scope(c, scope, &union)?
        .into_iter()
        .filter(|u| u.id != union.id)
        .collect();
    let children = unions::children_unscoped(c, union.id)?
        .into_iter()
        .filter(|u| u.active)
        .collect();
    Ok(UnionFunds {
        union,
        ancestors,
        children,
        sources,
        total,
        accounts,
    })
}

impl Services {
    /// A union's accounts with balances by source and in total (the actor's
    /// own union when `union_id` is absent).
    pub async fn funds_overview(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
    ) -> Result<UnionFunds, ServiceError> {
        actor.require(Permission::ReadFunds)?;
        let scope = actor.scope();
        let own = actor.user.union_id;
        self.read(move |c| {
            let id = union_id.map(UnionId).unwrap_or(own);
            let union = unions::find(c, &scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
            union_funds(c, &scope, union)
        })
        .await
    }

    /// Records money received (资金收入): income account → fund account.
    pub async fn funds_receive(
        &self,
        actor: &Actor,
        input: ReceiptInput,
    ) -> Result<TransferInfo, ServiceError> {
        actor.require(Permission::ManageFunds)?;
        let source = parse_source(&input.source)?;
        let amount = check_amount("amount", input.amount)?;
        let on_date = parse_on_date("on_date", &input.on_date)?;
        let payer = parse_text("payer", "付款单位", &input.payer, false, 100)?;
        let note = parse_text("memo", "备注", &input.memo, false, 500)?;
        let memo = match (payer.is_empty(), note.is_empty()) {
            (true, _) => note.clone(),
            (false, true) => format!("付款单位：{payer}"),
            (false, false) => format!("付款单位：{payer}；{note}"),
        };
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let union = acting_union(c, &a, &scope, input.union_id)?;
            let id = receive(c, &union, source, amount, on_date, &memo, a.user.id.0)?;
            let t = one_transfer(c, &scope, id)?;
            let mut after = transfer_json(&t);
            after["payer"] = json!(payer);
            after["note"] = json!(note);
            Record::of(Action::ReceiveFunds, "transfer", id, union.owner())
                .after(after)
                .write(c, Who::Actor(&a))?;
            Ok(t)
        })
        .await
    }

    /// Allocates (下拨) money of one source to a direct child union: the
    /// parent's fund account → the child's. Refused if the parent's balance
    /// does not cover it.
    pub async fn funds_allocate(
        &self,
        actor: &Actor,
        input: AllocationInput,
    ) -> Result<TransferInfo, ServiceError> {
        actor.require(Permission::ManageFunds)?;
        let source = parse_source(&input.source)?;
        let amount = check_amount("amount", input.amount)?;
        let on_date = parse_on_date("on_date", &input.on_date)?;
        let memo = parse_text("memo", "备注", &input.memo, false, 500)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let parent = acting_union(c, &a, &scope, input.from_union_id)?;
            let child = unions::find(c, &scope, UnionId(input.to_union_id))?
                .filter(|u| u.parent_id == Some(parent.id))
                .ok_or_else(|| {
                    ValidationError::new(
                        "to_union_id",
                        format!("只能下拨给{}的直属下级工会", parent.name),
                    )
                })?;
            if !child.active {
                return Err(ValidationError::new(
                    "to_union_id",
                    format!("{}已停用，不能下拨", child.name),
                )
                .into());
            }
            let now = crate::now();
            let from = ledger::account(c, parent.id, &parent.path, AccountKind::Fund, source, now)?;
            let to = ledger::account(c, child.id, &child.path, AccountKind::Fund, source, now)?;
            let id = ledger::post(
                c,
                &NewTransfer {
                    union_id: parent.id,
                    union_path: &parent.path,
                    kind: TransferKind::Allocation,
                    source,
                    on_date,
                    amount,
                    memo: &memo,
                    to_union_id: Some(child.id),
                    assistance_id: None,
                    reverses: None,
                    created_by: Some(a.user.id.0),
                },
                &movement(from.id, to.id, amount),
                now,
            )?;
            let t = one_transfer(c, &scope, id)?;
            Record::of(Action::AllocateFunds, "transfer", id, parent.owner())
                .after(transfer_json(&t))
                .write(c, Who::Actor(&a))?;
            Ok(t)
        })
        .await
    }

    /// Reverses (冲销) a receipt or an allocation with a reason, by posting
    /// its legs negated. Refused twice, refused if the money was already
    /// spent or passed on, and refused for disbursements (those are undone
    /// through their assistance record).
    pub async fn funds_reverse(
        &self,
        actor: &Actor,
        id: TransferId,
        reason: &str,
    ) -> Result<TransferInfo, ServiceError> {
        actor.require(Permission::ManageFunds)?;
        let reason = parse_text("reason", "冲销理由", reason, true, 500)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let original =
                ledger::find_transfer(c, &scope, id)?.ok_or(ServiceError::NotFound("资金业务"))?;
            let kind = TransferKind::parse(&original.kind)
                .map_err(|_| ServiceError::Internal(format!("transfer {} kind", original.id)))?;
            match kind {
                TransferKind::Disbursement => {
                    return Err(ServiceError::Rule(
                        "发放给困难职工的资金不能在此冲销，请到对应的帮扶记录办理冲销".into(),
                    ))
                }
                TransferKind::Reversal => {
                    return Err(ServiceError::Rule("冲销业务不能再冲销".into()))
                }
                TransferKind::Receipt | TransferKind::Allocation => {}
            }
            let new_id = reverse(c, &scope, id, today(), &reason, Some(a.user.id.0)).map_err(
                |e| match e {
                    ServiceError::Rule(m) if m.starts_with("余额不足") => ServiceError::Rule(
                        format!("不能冲销：这笔资金已部分使用或下拨，冲销会使账户透支（{m}）"),
                    ),
                    other => other,
                },
            )?;
            let path = UnionPath::from_stored(original.union_path.clone());
            Record::of(
                Action::ReverseTransfer,
                "transfer",
                id,
                (original.union_id, &path),
            )
            .before(json!({ "kind": original.kind, "amount": original.amount, "reversed": false }))
            .after(json!({ "reversed": true, "reversal_id": new_id.0, "reason": reason }))
            .write(c, Who::Actor(&a))?;
            one_transfer(c, &scope, new_id)
        })
        .await
    }

    /// Transfers in scope, newest first.
    pub async fn funds_transfers(
        &self,
        actor: &Actor,
        filter: TransferFilter,
        page: PageRequest,
    ) -> Result<Page<TransferInfo>, ServiceError> {
        actor.require(Permission::ReadFunds)?;
        if let (Some(f), Some(u)) = (filter.from, filter.until) {
            if f > u {
                return Err(ValidationError::new("until", "结束日期不能早于开始日期").into());
            }
        }
        let scope = actor.scope();
        self.read(move |c| {
            if let Some(to) = filter.to_union_id {
                // Money arriving at a union the viewer sees, whoever sent it.
                unions::find(c, &scope, to)?.ok_or(ServiceError::NotFound("工会"))?;
            }
            Ok(ledger::list_transfers(c, &scope, &filter, page)?)
        })
        .await
    }

    /// Allocations (and their reversals) a union in scope received.
    pub async fn funds_incoming(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
        page: PageRequest,
    ) -> Result<Page<TransferInfo>, ServiceError> {
        let to = union_id.map(UnionId).unwrap_or(actor.user.union_id);
        self.funds_transfers(
            actor,
            TransferFilter {
                to_union_id: Some(to),
                ..Default::default()
            },
            page,
        )
        .await
    }

    /// One transfer with its legs: in scope, or allocated into scope.
    pub async fn funds_transfer(
        &self,
        actor: &Actor,
        id: TransferId,
    ) -> Result<TransferDetail, ServiceError> {
        actor.require(Permission::ReadFunds)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let transfer = one_transfer(c, &scope, id)?;
            let legs = ledger::legs(c, id)?;
            let ids: Vec<AccountId> = legs.iter().map(|l| l.account).collect();
            // The legs' accounts belong to the transfer's unions (the giver
            // and, for an allocation, the receiver), one of which is in scope.
            let accounts = ledger::accounts_by_id(c, &ids)?;
            let legs = legs
                .iter()
                .filter_map(|l| {
                    accounts
                        .iter()
                        .find(|a| a.id == l.account)
                        .map(|a| (a.clone(), l.amount))
                })
                .collect();
            let can_reverse = reversible(&a, &scope, &transfer);
            Ok(TransferDetail {
                transfer,
                legs,
                can_reverse,
            })
        })
        .await
    }

    /// Whether the viewer may reverse each transfer of a list.
    pub fn funds_can_reverse(&self, actor: &Actor, t: &TransferInfo) -> bool {
        reversible(actor, &actor.scope(), t)
    }

    /// An account's statement: the balance before `from`, each entry with
    /// the running balance, and the balance at the end of `until`. The
    /// period defaults to the current year up to today.
    pub async fn funds_statement(
        &self,
        actor: &Actor,
        account: AccountId,
        from: Option<&str>,
        until: Option<&str>,
    ) -> Result<Statement, ServiceError> {
        actor.require(Permission::ReadFunds)?;
        let today = today();
        let from = parse_bound("from", from)?.unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today)
        });
        let until = parse_bound("until", until)?.unwrap_or(today);
        if from > until {
            return Err(ValidationError::new("until", "结束日期不能早于开始日期").into());
        }
        let scope = actor.scope();
        self.read(move |c| {
            let account = ledger::find_account(c, &scope, account)?
                .ok_or(ServiceError::NotFound("资金账户"))?;
            let union_name = unions::find(c, &scope, account.union_id)?
                .map(|u| u.name)
                .unwrap_or_default();
            let opening = match from.pred_opt() {
                Some(d) => ledger::balance(c, account.id, Some(d))?,
                None => Fen::ZERO,
            };
            let entries = ledger::statement_entries(
                c,
                account.id,
                Some(from),
                Some(until),
                STATEMENT_MAX_LINES + 1,
            )?;
            if entries.len() as i64 > STATEMENT_MAX_LINES {
                return Err(ServiceError::Rule(format!(
                    "该期间超过 {STATEMENT_MAX_LINES} 笔，请缩短对账期间"
                )));
            }
            let rows: Vec<_> = entries.iter().map(|e| e.transfer.clone()).collect();
            let infos = ledger::describe(c, rows)?;
            let mut running = opening;
            let mut inflow = Fen::ZERO;
            let mut outflow = Fen::ZERO;
            let mut lines = Vec::with_capacity(entries.len());
            for (entry, info) in entries.into_iter().zip(infos) {
                running = Fen(running.0 + entry.amount.0);
                if entry.amount.0 >= 0 {
                    inflow = Fen(inflow.0 + entry.amount.0);
                } else {
                    outflow = Fen(outflow.0 - entry.amount.0);
                }
                let kind = info.kind()?;
                let description = describe_entry(&account, &info, kind);
                lines.push(StatementLine {
                    entry,
                    kind,
                    description,
                    balance: running,
                });
            }
            Ok(Statement {
                account,
                union_name,
                from,
                until,
                opening,
                closing: running,
                lines,
                inflow,
                outflow,
            })
        })
        .await
    }
}

/// A statement line in words, from the account's side.
fn describe_entry(account: &Account, t: &TransferInfo, kind: TransferKind) -> String {
    let to = t.to_union_name.clone().unwrap_or_default();
    let received = t.row.to_union_id == Some(account.union_id.0);
    let base = match kind {
        TransferKind::Receipt => "资金收入".to_owned(),
        TransferKind::Allocation if received => format!("收到{}下拨", t.union_name),
        TransferKind::Allocation => format!("下拨给{to}"),
        TransferKind::Disbursement => match t.row.assistance_id {
            Some(a) => format!("发放（帮扶记录 #{a}）"),
            None => "发放".to_owned(),
        },
        TransferKind::Reversal => match t.row.reverses_id {
            Some(r) => format!("冲销 #{r}"),
            None => "冲销".to_owned(),
        },
    };
    if t.row.memo.is_empty() {
        base
    } else {
        format!("{base}　{}", t.row.memo)
    }
}
