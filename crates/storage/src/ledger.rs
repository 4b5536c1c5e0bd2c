//! The fund ledger: accounts, transfers and their entries.
//!
//! A transfer and its entries are written together and never changed or
//! deleted. Posting locks the accounts it touches (PostgreSQL: `FOR UPDATE`
//! in id order, so two postings never deadlock; SQLite: the transaction's
//! write lock), reads their balances from the entries, and refuses a posting
//! that would take a fund account below zero — so concurrent disbursements
//! from one account are serialised and none can overdraw it.

use crate::db::{run, Conn, Raw};
use crate::query::{name_of, page_of, union_names, user_names, Optional};
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
            .filter(scope.covers(fund_accounts::union_path))
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
        .filter(scope.covers(fund_accounts::union_path))
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
    let rows: Vec<(i64, String)> = match &mut conn.raw {
        Raw::Pg(c) => fund_accounts::table
            .filter(fund_accounts::id.eq_any(&ids))
            .order(fund_accounts::id)
            .select((fund_accounts::id, fund_accounts::kind))
            .for_update()
            .load(&mut **c)?,
        Raw::Sqlite(c) => fund_accounts::table
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
        .filter(scope.covers(fund_transfers::union_path))
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

// ---------------------------------------------------------------------------
// Reads for the funds pages and API: lists, totals, statements.
// ---------------------------------------------------------------------------

fn in_scope(scope: &Scope, path: &str) -> bool {
    scope.range().contains(path)
}

/// One transfer if its union is in scope, or it is an allocation (or the
/// reversal of one) whose receiving union is in scope: the child sees the
/// money arrive.
pub fn find_transfer_seen(
    conn: &mut Conn,
    scope: &Scope,
    id: TransferId,
) -> Result<Option<TransferRow>, StorageError> {
    let row: Option<TransferRow> = run!(conn, c => fund_transfers::table
        .filter(fund_transfers::id.eq(id.0))
        .select(TransferRow::as_select())
        .first(c)
        .optional())?;
    let Some(row) = row else { return Ok(None) };
    if in_scope(scope, &row.union_path) {
        return Ok(Some(row));
    }
    if let Some(to) = row.to_union_id {
        let path: Option<String> = run!(conn, c => crate::schema::unions::table
            .filter(crate::schema::unions::id.eq(to))
            .select(crate::schema::unions::path)
            .first(c)
            .optional())?;
        if path.is_some_and(|p| in_scope(scope, &p)) {
            return Ok(Some(row));
        }
    }
    Ok(None)
}

/// Balances of many accounts at once (accounts without entries are absent).
pub fn balances(conn: &mut Conn, ids: &[AccountId]) -> Result<Vec<(AccountId, Fen)>, StorageError> {
    let ids: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, Option<i64>)> = run!(conn, c => ledger_entries::table
            .filter(ledger_entries::account_id.eq_any(chunk))
            .group_by(ledger_entries::account_id)
            .select((ledger_entries::account_id, sum_amount()))
            .load(c))?;
        out.extend(
            rows.into_iter()
                .map(|(a, s)| (AccountId(a), Fen(s.unwrap_or(0)))),
        );
    }
    Ok(out)
}

/// What a union passed to its children (`out`) and received from its
/// parent (`inn`), by source, net of reversals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocationTotals {
    pub out: Fen,
    pub inn: Fen,
}

/// Allocation totals of one union by source.
pub fn allocation_totals(
    conn: &mut Conn,
    union_id: UnionId,
) -> Result<Vec<(Source, AllocationTotals)>, StorageError> {
    // Allocations carry the receiving union; so do their reversals.
    let kinds = [
        TransferKind::Allocation.code(),
        TransferKind::Reversal.code(),
    ];
    let out_rows: Vec<(String, String, Option<i64>)> = run!(conn, c => fund_transfers::table
        .filter(fund_transfers::union_id.eq(union_id.0))
        .filter(fund_transfers::to_union_id.is_not_null())
        .filter(fund_transfers::kind.eq_any(kinds))
        .group_by((fund_transfers::kind, fund_transfers::source))
        .select((fund_transfers::kind, fund_transfers::source, sum_amount()))
        .load(c))?;
    let in_rows: Vec<(String, String, Option<i64>)> = run!(conn, c => fund_transfers::table
        .filter(fund_transfers::to_union_id.eq(union_id.0))
        .filter(fund_transfers::kind.eq_any(kinds))
        .group_by((fund_transfers::kind, fund_transfers::source))
        .select((fund_transfers::kind, fund_transfers::source, sum_amount()))
        .load(c))?;
    let mut out: Vec<(Source, AllocationTotals)> = Source::ALL
        .iter()
        .map(|s| (*s, AllocationTotals::default()))
        .collect();
    let mut add =
        |rows: Vec<(String, String, Option<i64>)>, outgoing: bool| -> Result<(), StorageError> {
            for (kind, source, sum) in rows {
                let source = Source::parse(&source)
                    .map_err(|_| StorageError::Corrupt(format!("transfer source {source}")))?;
                let signed = if kind == TransferKind::Reversal.code() {
                    -sum.unwrap_or(0)
                } else {
                    sum.unwrap_or(0)
                };
                if let Some((_, t)) = out.iter_mut().find(|(s, _)| *s == source) {
                    if outgoing {
                        t.out = Fen(t.out.0 + signed);
                    } else {
                        t.inn = Fen(t.inn.0 + signed);
                    }
                }
            }
            Ok(())
        };
    add(out_rows, true)?;
    add(in_rows, false)?;
    Ok(out)
}

/// Filters of the transfer list.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    /// The union that made the transfer.
    pub union_id: Option<UnionId>,
    /// Allocations (and their reversals) received by this union, whatever
    /// the scope of the giving union.
    pub to_union_id: Option<UnionId>,
    pub source: Option<Source>,
    pub kind: Option<TransferKind>,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// A transfer with the names a list shows and whether it was reversed.
#[derive(Debug, Clone)]
pub struct TransferInfo {
    pub row: TransferRow,
    pub union_name: String,
    pub to_union_name: Option<String>,
    pub created_by_name: Option<String>,
    pub reversed_by: Option<TransferId>,
}

impl TransferInfo {
    pub fn id(&self) -> TransferId {
        TransferId(self.row.id)
    }

    pub fn kind(&self) -> Result<TransferKind, StorageError> {
        TransferKind::parse(&self.row.kind)
            .map_err(|_| StorageError::Corrupt(format!("transfer {} kind", self.row.id)))
    }

    pub fn source(&self) -> Result<Source, StorageError> {
        Source::parse(&self.row.source)
            .map_err(|_| StorageError::Corrupt(format!("transfer {} source", self.row.id)))
    }
}

/// Transfers in scope (or, with `to_union_id`, received by a union the
/// caller has already found in scope), newest first.
pub fn list_transfers(
    conn: &mut Conn,
    scope: &Scope,
    filter: &TransferFilter,
    page: crate::PageRequest,
) -> Result<crate::Page<TransferInfo>, StorageError> {
    macro_rules! filtered {
        () => {
            match filter.to_union_id {
                // The receiving union was checked against the scope by the caller.
                Some(to) => fund_transfers::table
                    .into_boxed()
                    .filter(fund_transfers::to_union_id.eq(to.0)),
                None => fund_transfers::table
                    .into_boxed()
                    .filter(scope.covers(fund_transfers::union_path)),
            }
            .if_some(filter.union_id, |q, u| {
                q.filter(fund_transfers::union_id.eq(u.0))
            })
            .if_some(filter.source, |q, s| {
                q.filter(fund_transfers::source.eq(s.code()))
            })
            .if_some(filter.kind, |q, k| {
                q.filter(fund_transfers::kind.eq(k.code()))
            })
            .if_some(filter.from, |q, d| q.filter(fund_transfers::on_date.ge(d)))
            .if_some(filter.until, |q, d| q.filter(fund_transfers::on_date.le(d)))
        };
    }
    let (rows, total): (Vec<TransferRow>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: (fund_transfers::on_date.desc(), fund_transfers::id.desc()),
        select: TransferRow::as_select()))?;
    Ok(page.of(describe(conn, rows)?, total))
}

/// Adds names and reversal links to transfer rows.
pub fn describe(
    conn: &mut Conn,
    rows: Vec<TransferRow>,
) -> Result<Vec<TransferInfo>, StorageError> {
    let names = union_names(
        conn,
        rows.iter()
            .flat_map(|r| std::iter::once(r.union_id).chain(r.to_union_id)),
    )?;
    let people = user_names(conn, rows.iter().filter_map(|r| r.created_by))?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let reversals: Vec<(i64, Option<i64>)> = run!(conn, c => fund_transfers::table
        .filter(fund_transfers::reverses_id.eq_any(&ids))
        .select((fund_transfers::id, fund_transfers::reverses_id))
        .load(c))?;
    let name = |id: i64| name_of(&names, id);
    Ok(rows
        .into_iter()
        .map(|row| TransferInfo {
            union_name: name(row.union_id),
            to_union_name: row.to_union_id.map(name),
            created_by_name: row.created_by.and_then(|u| people.get(&u).cloned()),
            reversed_by: reversals
                .iter()
                .find(|(_, r)| *r == Some(row.id))
                .map(|(id, _)| TransferId(*id)),
            row,
        })
        .collect())
}

/// One line of an account's statement: an entry and its transfer.
#[derive(Debug, Clone)]
pub struct StatementEntry {
    pub entry_id: i64,
    pub on_date: NaiveDate,
    pub amount: Fen,
    pub transfer: TransferRow,
}

/// The entries of an account dated within `[from, until]`, in the order
/// they count (date, then posting), at most `limit` of them.
pub fn statement_entries(
    conn: &mut Conn,
    account: AccountId,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    limit: i64,
) -> Result<Vec<StatementEntry>, StorageError> {
    let rows: Vec<(i64, NaiveDate, i64, TransferRow)> = run!(conn, c => {
        let mut q = ledger_entries::table
            .inner_join(fund_transfers::table)
            .filter(ledger_entries::account_id.eq(account.0))
            .into_boxed();
        if let Some(d) = from {
            q = q.filter(ledger_entries::on_date.ge(d));
        }
        if let Some(d) = until {
            q = q.filter(ledger_entries::on_date.le(d));
        }
        q.order((ledger_entries::on_date, ledger_entries::id))
            .limit(limit)
            .select((
                ledger_entries::id,
                ledger_entries::on_date,
                ledger_entries::amount,
                TransferRow::as_select(),
            ))
            .load(c)
    })?;
    Ok(rows
        .into_iter()
        .map(|(entry_id, on_date, amount, transfer)| StatementEntry {
            entry_id,
            on_date,
            amount: Fen(amount),
            transfer,
        })
        .collect())
}

/// Every account's entries summed per transfer: the transfers whose legs
/// do not sum to zero (none, if the ledger is sound). For tests and checks.
pub fn unbalanced_transfers(conn: &mut Conn) -> Result<Vec<(TransferId, Fen)>, StorageError> {
    let rows: Vec<(i64, Option<i64>)> = run!(conn, c => ledger_entries::table
        .group_by(ledger_entries::transfer_id)
        .select((ledger_entries::transfer_id, sum_amount()))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter(|(_, s)| s.unwrap_or(0) != 0)
        .map(|(t, s)| (TransferId(t), Fen(s.unwrap_or(0))))
        .collect())
}

/// Accounts by id, unscoped: for the legs of a transfer the caller has
/// already found in scope.
pub fn accounts_by_id(conn: &mut Conn, ids: &[AccountId]) -> Result<Vec<Account>, StorageError> {
    let ids: Vec<i64> = ids.iter().map(|a| a.0).collect();
    let rows: Vec<AccountRow> = run!(conn, c => fund_accounts::table
        .filter(fund_accounts::id.eq_any(&ids))
        .order(fund_accounts::id)
        .select(AccountRow::as_select())
        .load(c))?;
    rows.into_iter().map(account_of).collect()
}
