//! The fund ledger: accounts, transfers and their entries.
//!
//! A transfer and its entries are written together and never changed or
//! deleted. Posting locks the accounts it touches (PostgreSQL: `FOR UPDATE`
//! in id order, so two postings never deadlock; SQLite: the transaction's
//! write lock), reads their balances from the entries, and refuses a posting
//! that would take a fund account below zero — so concurrent disbursements
//! from one account are serialised and none can overdraw it.

use crate::db::{run, Conn};
use crate::schema::{fund_accounts, fund_transfers, ledger_entries};
use crate::{Scope, StorageError};
use bangfu_domain::funds::{
    self, AccountId, AccountKind, LedgerError, Leg, Source, TransferId, TransferKind,
};
use bangfu_domain::{Fen, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub union_id: UnionId,
    pub union_path: UnionPath,
    pub kind: AccountKind,
    pub source: Source,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = fund_accounts)]
struct AccountRow {
    id: i64,
    union_id: i64,
    union_path: String,
    kind: String,
    source: String,
}

fn account_of(r: AccountRow) -> Result<Account, StorageError> {
    Ok(Account {
        id: AccountId(r.id),
        union_id: UnionId(r.union_id),
        union_path: UnionPath::from_stored(r.union_path),
        kind: AccountKind::parse(&r.kind)
            .map_err(|_| StorageError::Corrupt(format!("account {} kind", r.id)))?,
        source: Source::parse(&r.source)
            .map_err(|_| StorageError::Corrupt(format!("account {} source", r.id)))?,
    })
}

/// The account of a union for one kind and source, created on first use.
pub fn account(
    conn: &mut Conn,
    union_id: UnionId,
    union_path: &UnionPath,
    kind: AccountKind,
    source: Source,
    now: NaiveDateTime,
) -> Result<Account, StorageError> {
    run!(conn, c => diesel::insert_into(fund_accounts::table)
        .values((
            fund_accounts::union_id.eq(union_id.0),
            fund_accounts::union_path.eq(union_path.as_str()),
            fund_accounts::kind.eq(kind.code()),
            fund_accounts::source.eq(source.code()),
            fund_accounts::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    let row: AccountRow = run!(conn, c => fund_accounts::table
        .filter(fund_accounts::union_id.eq(union_id.0))
        .filter(fund_accounts::kind.eq(kind.code()))
        .filter(fund_accounts::source.eq(source.code()))
        .select(AccountRow::as_select())
        .first(c))?;
    account_of(row)
}

/// The accounts of the unions in scope (optionally of one union), by union then kind.
pub fn accounts(
    conn: &mut Conn,
    scope: &Scope,
    union_id: Option<UnionId>,
) -> Result<Vec<Account>, StorageError> {
    let rows: Vec<AccountRow> = run!(conn, c => {
        let mut q = fund_accounts::table
            .filter(fund_accounts::union_path.ge(scope.start()))
            .filter(fund_accounts::union_path.lt(scope.end()))
            .select(AccountRow::as_select())
            .order((fund_accounts::union_path, fund_accounts::id))
            .into_boxed();
        if let Some(u) = union_id {
            q = q.filter(fund_accounts::union_id.eq(u.0));
        }
        q.load(c)
    })?;
    rows.into_iter().map(account_of).collect()
}

/// One account, if it is in scope.
pub fn find_account(
    conn: &mut Conn,
    scope: &Scope,
    id: AccountId,
) -> Result<Option<Account>, StorageError> {
    let row: Option<AccountRow> = run!(conn, c => fund_accounts::table
        .filter(fund_accounts::id.eq(id.0))
        .filter(fund_accounts::union_path.ge(scope.start()))
        .filter(fund_accounts::union_path.lt(scope.end()))
        .select(AccountRow::as_select())
        .first(c)
        .optional())?;
    row.map(account_of).transpose()
}

/// An account's balance: the sum of its entries (up to and including `on`, if given).
pub fn balance(conn: &mut Conn, id: AccountId, on: Option<NaiveDate>) -> Result<Fen, StorageError> {
    // SUM(bigint) is numeric on PostgreSQL; the cast keeps one type on both.
    let total: Option<i64> = run!(conn, c => {
        let mut q = ledger_entries::table
            .filter(ledger_entries::account_id.eq(id.0))
            .into_boxed();
        if let Some(d) = on {
            q = q.filter(ledger_entries::on_date.le(d));
        }
        q.select(sum_amount()).first::<Option<i64>>(c)
    })?;
    Ok(Fen(total.unwrap_or(0)))
}

/// What a posting records besides its legs.
#[derive(Debug, Clone)]
pub struct NewTransfer<'a> {
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub kind: TransferKind,
    pub source: Source,
    pub on_date: NaiveDate,
    pub amount: Fen,
    pub memo: &'a str,
    pub to_union_id: Option<UnionId>,
    pub assistance_id: Option<i64>,
    pub reverses: Option<TransferId>,
    pub created_by: Option<i64>,
}

/// Why a posting failed: the ledger's rule, or the database.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for PostError {
    fn from(e: diesel::result::Error) -> Self {
        PostError::Storage(e.into())
    }
}

/// Posts a transfer with its legs, refusing it if it is unbalanced or would
/// take a fund account below zero. Call inside a transaction.
pub fn post(
    conn: &mut Conn,
    t: &NewTransfer<'_>,
    legs: &[Leg<AccountId>],
    now: NaiveDateTime,
) -> Result<TransferId, PostError> {
    let mut ids: Vec<i64> = legs.iter().map(|l| l.account.0).collect();
    ids.sort_unstable();
    ids.dedup();
    // Lock the accounts (PostgreSQL) and learn their kinds.
    let rows: Vec<(i64, String)> = match conn {
        Conn::Pg(c) => fund_accounts::table
            .filter(fund_accounts::id.eq_any(&ids))
            .order(fund_accounts::id)
            .select((fund_accounts::id, fund_accounts::kind))
            .for_update()
            .load(&mut **c)?,
        Conn::Sqlite(c) => fund_accounts::table
            .filter(fund_accounts::id.eq_any(&ids))
            .select((fund_accounts::id, fund_accounts::kind))
            .load(&mut **c)?,
    };
    if rows.len() != ids.len() {
        return Err(StorageError::Corrupt("posting to an unknown account".into()).into());
    }
    let mut balances: Vec<(i64, Fen, AccountKind)> = Vec::with_capacity(rows.len());
    for (id, kind) in rows {
        let kind = AccountKind::parse(&kind)
            .map_err(|_| StorageError::Corrupt(format!("account {id} kind")))?;
        // Only accounts that must stay non-negative need their balance read.
        let b = if kind.must_stay_non_negative() {
            balance(conn, AccountId(id), None)?
        } else {
            Fen::ZERO
        };
        balances.push((id, b, kind));
    }
    funds::check_posting(legs, |a| {
        balances
            .iter()
            .find(|(id, _, _)| *id == a.0)
            .map(|(_, b, k)| (*b, *k))
            .unwrap_or((Fen::ZERO, AccountKind::Income))
    })?;
    let id: i64 = run!(conn, c => diesel::insert_into(fund_transfers::table)
        .values((
            fund_transfers::union_id.eq(t.union_id.0),
            fund_transfers::union_path.eq(t.union_path.as_str()),
            fund_transfers::kind.eq(t.kind.code()),
            fund_transfers::source.eq(t.source.code()),
            fund_transfers::on_date.eq(t.on_date),
            fund_transfers::amount.eq(t.amount.0),
            fund_transfers::memo.eq(t.memo),
            fund_transfers::to_union_id.eq(t.to_union_id.map(|u| u.0)),
            fund_transfers::assistance_id.eq(t.assistance_id),
            fund_transfers::reverses_id.eq(t.reverses.map(|r| r.0)),
            fund_transfers::created_by.eq(t.created_by),
            fund_transfers::created_at.eq(now),
        ))
        .returning(fund_transfers::id)
        .get_result(c))?;
    let rows: Vec<_> = legs
        .iter()
        .map(|l| {
            (
                ledger_entries::transfer_id.eq(id),
                ledger_entries::account_id.eq(l.account.0),
                ledger_entries::amount.eq(l.amount.0),
                ledger_entries::on_date.eq(t.on_date),
            )
        })
        .collect();
    run!(conn, c => diesel::insert_into(ledger_entries::table).values(&rows).execute(c))?;
    Ok(TransferId(id))
}

/// The legs of a transfer, as posted.
pub fn legs(conn: &mut Conn, id: TransferId) -> Result<Vec<Leg<AccountId>>, StorageError> {
    let rows: Vec<(i64, i64)> = run!(conn, c => ledger_entries::table
        .filter(ledger_entries::transfer_id.eq(id.0))
        .order(ledger_entries::id)
        .select((ledger_entries::account_id, ledger_entries::amount))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(a, x)| Leg {
            account: AccountId(a),
            amount: Fen(x),
        })
        .collect())
}

/// A transfer as recorded.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = fund_transfers)]
pub struct TransferRow {
    pub id: i64,
    pub union_id: i64,
    pub union_path: String,
    pub kind: String,
    pub source: String,
    pub on_date: NaiveDate,
    pub amount: i64,
    pub memo: String,
    pub to_union_id: Option<i64>,
    pub assistance_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// One transfer, if its union is in scope or it was allocated into scope.
pub fn find_transfer(
    conn: &mut Conn,
    scope: &Scope,
    id: TransferId,
) -> Result<Option<TransferRow>, StorageError> {
    let row: Option<TransferRow> = run!(conn, c => fund_transfers::table
        .filter(fund_transfers::id.eq(id.0))
        .filter(fund_transfers::union_path.ge(scope.start()))
        .filter(fund_transfers::union_path.lt(scope.end()))
        .select(TransferRow::as_select())
        .first(c)
        .optional())?;
    Ok(row)
}

/// The transfer that reversed `id`, if any.
pub fn reversed_by(conn: &mut Conn, id: TransferId) -> Result<Option<TransferId>, StorageError> {
    let r: Option<i64> = run!(conn, c => fund_transfers::table
        .filter(fund_transfers::reverses_id.eq(id.0))
        .select(fund_transfers::id)
        .first(c)
        .optional())?;
    Ok(r.map(TransferId))
}

/// `SUM(amount)` as a BIGINT on both backends (PostgreSQL's SUM(bigint) is numeric).
pub(crate) fn sum_amount(
) -> diesel::expression::SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::BigInt>> {
    diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
        "CAST(SUM(amount) AS BIGINT)",
    )
}
