//! The fund ledger's invariants on a real database (SQLite, or PostgreSQL
//! when `BANGFU_TEST_DATABASE_URL` names a server):
//!
//! - many disbursements at once from one account never overdraw it and never
//!   lose an entry (PostgreSQL: the `FOR UPDATE` in `post` serialises them;
//!   SQLite: the one writer);
//! - two reversals of one transfer racing: exactly one is written;
//! - after any sequence of receipts, allocations, disbursements and
//!   reversals, every balance equals the sum of its entries and a model kept
//!   beside it, no fund account is negative, every transfer sums to zero,
//!   and a posting is refused exactly when it would overdraw.

use crate::common;

use bangfu_domain::funds::{
    movement, reversal, AccountId, AccountKind, LedgerError, Source, TransferId, TransferKind,
};
use bangfu_domain::{Fen, UnionLevel};
use bangfu_storage::ledger::{self, Account, NewTransfer, PostError};
use bangfu_storage::unions::{self, NewUnion, Union};
use bangfu_storage::{Conn, Db, DbOptions, StorageError};
use chrono::NaiveDate;
use common::fresh;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

fn open(url: &str) -> Db {
    let db = Db::open(
        url,
        &DbOptions {
            max_connections: 10,
            busy_timeout: std::time::Duration::from_secs(30),
            read_url: None,
        },
    )
    .expect("open");
    db.migrate().expect("migrate");
    db
}

fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

fn new_union(
    c: &mut Conn,
    parent: Option<&Union>,
    name: &str,
    level: UnionLevel,
) -> Result<Union, StorageError> {
    unions::insert(
        c,
        parent,
        &NewUnion {
            name: name.into(),
            level,
            division_code: "440000".into(),
        },
        now(),
    )
}

fn transfer<'a>(u: &'a Union, kind: TransferKind, source: Source, amount: Fen) -> NewTransfer<'a> {
    NewTransfer {
        union_id: u.id,
        union_path: &u.path,
        kind,
        source,
        on_date: day(),
        amount,
        memo: "",
        to_union_id: None,
        assistance_id: None,
        reverses: None,
        created_by: None,
    }
}

/// The raw entries of an account, summed here rather than by the database.
fn entries_sum(c: &mut Conn, account: AccountId) -> (i64, usize) {
    let lines = ledger::statement_entries(c, account, None, None, 1_000_000).unwrap();
    (lines.iter().map(|l| l.amount.0).sum(), lines.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_disbursements_never_overdraw_or_lose_an_entry() {
    let (url, cleanup) = fresh("ledger");
    let db = open(&url);
    const COVERED: i64 = 25;
    const TASKS: usize = 40;
    const AMOUNT: Fen = Fen(100);
    let (union, fund, payout) = db
        .write(|c| {
            let u = new_union(c, None, "全国总工会", UnionLevel::National)?;
            let income =
                ledger::account(c, u.id, &u.path, AccountKind::Income, Source::Union, now())?;
            let fund = ledger::account(c, u.id, &u.path, AccountKind::Fund, Source::Union, now())?;
            let payout =
                ledger::account(c, u.id, &u.path, AccountKind::Payout, Source::Union, now())?;
            let amount = Fen(AMOUNT.0 * COVERED);
            ledger::post(
                c,
                &transfer(&u, TransferKind::Receipt, Source::Union, amount),
                &movement(income.id, fund.id, amount),
                now(),
            )?;
            Ok::<_, PostError>((u, fund, payout))
        })
        .await
        .expect("setup");
    let union = Arc::new(union);
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let mut handles = Vec::new();
    for i in 0..TASKS {
        let db = db.clone();
        let union = union.clone();
        let barrier = barrier.clone();
        let (from, to) = (fund.id, payout.id);
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            db.write(move |c| {
                let mut t = transfer(&union, TransferKind::Disbursement, Source::Union, AMOUNT);
                t.assistance_id = Some(i64::try_from(i).unwrap() + 1);
                ledger::post(c, &t, &movement(from, to, AMOUNT), now())
            })
            .await
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for h in handles {
        match h.await.expect("task") {
            Ok(_) => ok += 1,
            Err(PostError::Ledger(LedgerError::Insufficient { .. })) => refused += 1,
            Err(other) => panic!("a posting failed for another reason: {other}"),
        }
    }
    let (fund_balance, payout_balance, fund_entries, payout_entries, unbalanced) = db
        .read(move |c| {
            Ok::<_, StorageError>((
                ledger::balance(c, fund.id, None)?,
                ledger::balance(c, payout.id, None)?,
                entries_sum(c, fund.id),
                entries_sum(c, payout.id),
                ledger::unbalanced_transfers(c)?,
            ))
        })
        .await
        .expect("read");
    cleanup();
    assert_eq!(ok, COVERED, "exactly the covered disbursements succeed");
    assert_eq!(refused, i64::try_from(TASKS).unwrap() - COVERED);
    assert_eq!(
        fund_balance,
        Fen(0),
        "never negative: spent to exactly zero"
    );
    assert_eq!(
        payout_balance,
        Fen(ok * AMOUNT.0),
        "what left the account arrived"
    );
    assert_eq!(
        fund_entries,
        (0, 1 + usize::try_from(ok).unwrap()),
        "no entry lost"
    );
    assert_eq!(
        payout_entries,
        (ok * AMOUNT.0, usize::try_from(ok).unwrap())
    );
    assert!(
        unbalanced.is_empty(),
        "every transfer sums to zero: {unbalanced:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_reversals_of_one_transfer_write_exactly_one() {
    let (url, cleanup) = fresh("ledger");
    let db = open(&url);
    let (union, receipt) = db
        .write(|c| {
            let u = new_union(c, None, "全国总工会", UnionLevel::National)?;
            let income = ledger::account(
                c,
                u.id,
                &u.path,
                AccountKind::Income,
                Source::Donation,
                now(),
            )?;
            let fund =
                ledger::account(c, u.id, &u.path, AccountKind::Fund, Source::Donation, now())?;
            let id = ledger::post(
                c,
                &transfer(&u, TransferKind::Receipt, Source::Donation, Fen(5_000)),
                &movement(income.id, fund.id, Fen(5_000)),
                now(),
            )?;
            Ok::<_, PostError>((u, id))
        })
        .await
        .expect("setup");
    let union = Arc::new(union);
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut handles = Vec::new();
    for _ in 0..8 {
        let (db, union, barrier) = (db.clone(), union.clone(), barrier.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            db.write(move |c| {
                let legs = reversal(&ledger::legs(c, receipt)?);
                let mut t = transfer(&union, TransferKind::Reversal, Source::Donation, Fen(5_000));
                t.reverses = Some(receipt);
                ledger::post(c, &t, &legs, now())
            })
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.expect("task") {
            Ok(_) => ok += 1,
            // The second reversal either meets the unique reverses_id or,
            // having waited for the first, finds the fund already empty.
            Err(PostError::Storage(StorageError::Conflict(_)))
            | Err(PostError::Ledger(LedgerError::Insufficient { .. })) => {}
            Err(other) => panic!("unexpected failure: {other}"),
        }
    }
    let (by, unbalanced) = db
        .read(move |c| {
            Ok::<_, StorageError>((
                ledger::reversed_by(c, receipt)?,
                ledger::unbalanced_transfers(c)?,
            ))
        })
        .await
        .expect("read");
    cleanup();
    assert_eq!(ok, 1, "exactly one reversal");
    assert!(by.is_some());
    assert!(unbalanced.is_empty());
}

// ---------------------------------------------------------------------------
// Property: any sequence of operations keeps the ledger sound.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// A receipt of `amount` into union `u` (0 parent, 1–2 children).
    Receive {
        u: usize,
        source: usize,
        amount: i64,
    },
    /// An allocation from the parent to child `child` (1 or 2).
    Allocate {
        child: usize,
        source: usize,
        amount: i64,
    },
    /// A disbursement from union `u`.
    Disburse {
        u: usize,
        source: usize,
        amount: i64,
    },
    /// The reversal of the `nth` posted transfer (modulo how many there are).
    Reverse { nth: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..3, 0usize..2, 1i64..20_000).prop_map(|(u, source, amount)| Op::Receive {
            u,
            source,
            amount
        }),
        (1usize..3, 0usize..2, 1i64..20_000).prop_map(|(child, source, amount)| Op::Allocate {
            child,
            source,
            amount
        }),
        (0usize..3, 0usize..2, 1i64..20_000).prop_map(|(u, source, amount)| Op::Disburse {
            u,
            source,
            amount
        }),
        (0usize..64).prop_map(|nth| Op::Reverse { nth }),
    ]
}

const SOURCES: [Source; 2] = [Source::Union, Source::Finance];

/// One posted transfer as the model remembers it.
#[derive(Debug, Clone)]
struct Posted {
    id: TransferId,
    kind: TransferKind,
    legs: Vec<(AccountId, i64)>,
    reversed: bool,
}

/// Runs one sequence against a fresh set of unions, checking as it goes.
fn run_sequence(
    rt: &tokio::runtime::Runtime,
    db: &Db,
    root: &Union,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    static CASE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = root.clone();
    let unions: Vec<Union> = rt
        .block_on(db.write(move |c| {
            let p = new_union(
                c,
                Some(&root),
                &format!("省总工会{n}"),
                UnionLevel::Province,
            )?;
            let a = new_union(c, Some(&p), "市总工会甲", UnionLevel::City)?;
            let b = new_union(c, Some(&p), "市总工会乙", UnionLevel::City)?;
            Ok::<_, StorageError>(vec![p, a, b])
        }))
        .expect("unions");
    // Every account of the three unions, made up front.
    let us = unions.clone();
    let accounts: Vec<Account> = rt
        .block_on(db.write(move |c| {
            let mut out = Vec::new();
            for u in &us {
                for s in SOURCES {
                    for k in [AccountKind::Income, AccountKind::Fund, AccountKind::Payout] {
                        out.push(ledger::account(c, u.id, &u.path, k, s, now())?);
                    }
                }
            }
            Ok::<_, StorageError>(out)
        }))
        .expect("accounts");
    let find = |u: usize, s: usize, k: AccountKind| {
        accounts
            .iter()
            .find(|a| a.union_id == unions[u].id && a.source == SOURCES[s] && a.kind == k)
            .map(|a| a.id)
            .expect("account")
    };
    let kind_of: HashMap<AccountId, AccountKind> =
        accounts.iter().map(|a| (a.id, a.kind)).collect();
    let mut model: HashMap<AccountId, i64> = HashMap::new();
    let mut posted: Vec<Posted> = Vec::new();
    for op in ops {
        let (u, kind, source, legs, reverses, amount) = match op {
            Op::Receive { u, source, amount } => (
                u,
                TransferKind::Receipt,
                source,
                movement(
                    find(u, source, AccountKind::Income),
                    find(u, source, AccountKind::Fund),
                    Fen(amount),
                ),
                None,
                amount,
            ),
            Op::Allocate {
                child,
                source,
                amount,
            } => (
                0,
                TransferKind::Allocation,
                source,
                movement(
                    find(0, source, AccountKind::Fund),
                    find(child, source, AccountKind::Fund),
                    Fen(amount),
                ),
                None,
                amount,
            ),
            Op::Disburse { u, source, amount } => (
                u,
                TransferKind::Disbursement,
                source,
                movement(
                    find(u, source, AccountKind::Fund),
                    find(u, source, AccountKind::Payout),
                    Fen(amount),
                ),
                None,
                amount,
            ),
            Op::Reverse { nth } => {
                let originals: Vec<usize> = (0..posted.len())
                    .filter(|i| posted[*i].kind != TransferKind::Reversal)
                    .collect();
                if originals.is_empty() {
                    continue;
                }
                let p = &posted[originals[nth % originals.len()]];
                let legs: Vec<_> = p
                    .legs
                    .iter()
                    .map(|(a, x)| bangfu_domain::funds::Leg {
                        account: *a,
                        amount: Fen(*x),
                    })
                    .collect();
                let first = accounts
                    .iter()
                    .find(|a| a.id == p.legs[0].0)
                    .expect("leg account");
                let u = unions
                    .iter()
                    .position(|x| x.id == first.union_id)
                    .unwrap_or(0);
                let s = SOURCES.iter().position(|x| *x == first.source).unwrap_or(0);
                let amount = p.legs.iter().map(|(_, x)| x.abs()).max().unwrap_or(1);
                (
                    u,
                    TransferKind::Reversal,
                    s,
                    reversal(&legs),
                    Some(p.id),
                    amount,
                )
            }
        };
        // What the model says: refused when a fund account would go below zero.
        let mut after = model.clone();
        for l in &legs {
            *after.entry(l.account).or_default() += l.amount.0;
        }
        let overdraws = legs
            .iter()
            .any(|l| kind_of[&l.account] == AccountKind::Fund && after[&l.account] < 0);
        let already = reverses.is_some_and(|r| posted.iter().any(|p| p.id == r && p.reversed));
        let target = unions[u].clone();
        let legs_db = legs.clone();
        let result = rt.block_on(db.write(move |c| {
            let mut t = transfer(&target, kind, SOURCES[source], Fen(amount));
            t.reverses = reverses;
            ledger::post(c, &t, &legs_db, now())
        }));
        match result {
            Ok(id) => {
                prop_assert!(!overdraws, "{kind:?} posted although it overdraws");
                prop_assert!(!already, "a second reversal was written");
                model = after;
                if let Some(r) = reverses {
                    if let Some(p) = posted.iter_mut().find(|p| p.id == r) {
                        p.reversed = true;
                    }
                }
                posted.push(Posted {
                    id,
                    kind,
                    legs: legs.iter().map(|l| (l.account, l.amount.0)).collect(),
                    reversed: false,
                });
            }
            Err(PostError::Ledger(LedgerError::Insufficient { .. })) => {
                prop_assert!(overdraws, "{kind:?} refused although covered");
            }
            Err(PostError::Storage(StorageError::Conflict(_))) => {
                prop_assert!(already, "conflict without an earlier reversal");
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected: {e}"))),
        }
    }
    // The database agrees with the model, entry by entry.
    let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
    let transfers: Vec<TransferId> = posted.iter().map(|p| p.id).collect();
    let (checks, legs) = rt
        .block_on(db.read(move |c| {
            let mut out = Vec::new();
            for id in &ids {
                let (sum, _) = entries_sum(c, *id);
                out.push((*id, ledger::balance(c, *id, None)?, sum));
            }
            let mut legs = Vec::new();
            for t in &transfers {
                legs.push(ledger::legs(c, *t)?);
            }
            Ok::<_, StorageError>((out, legs))
        }))
        .expect("read");
    for (id, balance, sum) in checks {
        let expected = model.get(&id).copied().unwrap_or(0);
        prop_assert_eq!(balance.0, sum, "balance = sum of entries");
        prop_assert_eq!(balance.0, expected, "balance = model");
        if kind_of[&id] == AccountKind::Fund {
            prop_assert!(balance.0 >= 0, "fund account {id} at {}", balance.0);
        }
    }
    for l in legs {
        prop_assert_eq!(
            l.iter().map(|x| x.amount.0).sum::<i64>(),
            0,
            "transfer sums to zero"
        );
    }
    Ok(())
}

#[test]
fn any_sequence_keeps_the_ledger_sound() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (url, cleanup) = fresh("ledger");
    let db = open(&url);
    let root = rt
        .block_on(db.write(|c| new_union(c, None, "全国总工会", UnionLevel::National)))
        .expect("root");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let outcome = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
        run_sequence(&rt, &db, &root, ops)
    });
    let unbalanced = rt
        .block_on(db.read(ledger::unbalanced_transfers))
        .expect("read");
    let seen: HashSet<_> = unbalanced.iter().collect();
    cleanup();
    outcome.expect("property holds");
    assert!(
        seen.is_empty(),
        "every transfer sums to zero: {unbalanced:?}"
    );
}
