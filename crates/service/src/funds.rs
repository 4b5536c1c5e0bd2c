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
/// account, for one assistance record. The only way money reaches a
/// household; call inside the transaction that writes the record, so the
/// record and the payment are written together or not at all.
#[allow(clippy::too_many_arguments)]
pub(crate) fn disburse(
    conn: &mut Conn,
    union_id: UnionId,
    union_path: &UnionPath,
    source: Source,
    amount: Fen,
    on_date: NaiveDate,
    assistance_id: i64,
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
            assistance_id: Some(assistance_id),
            reverses: None,
            created_by: by,
        },
        &legs,
        now,
    )?;
    Ok(id)
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
