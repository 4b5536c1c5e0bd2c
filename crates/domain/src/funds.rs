//! Funds (帮扶资金, docs/rules.md §7): where the money comes from, the accounts
//! it sits in and the double-entry rule every movement obeys.
//!
//! Every movement is a transfer with two (or more) legs that sum to zero. A
//! balance is the sum of an account's legs and is never stored apart from
//! them. A union's fund accounts never go below zero; its income account
//! goes as far below zero as it has raised, and its payout account grows by
//! what it paid to households. A mistake is never deleted: a reversal posts
//! the original legs negated.

use crate::household::coded;
use crate::{Fen, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TransferId(pub i64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

coded!(
    /// Where assistance money comes from (000 §四, 003 §四(二)).
    Source, "source", "资金来源" {
        /// 工会经费: the union's own funds.
        Union = "union", "工会经费";
        /// 上级返还: funds returned by the upper level (e.g. the national union).
        Returned = "returned", "上级返还资金";
        /// 财政资金: government finance.
        Finance = "finance", "财政资金";
        /// 社会捐助: social donations.
        Donation = "donation", "社会捐助";
    }
);

coded!(
    AccountKind, "kind", "账户类别" {
        /// The money a union holds from one source; never below zero.
        Fund = "fund", "资金账户";
        /// Where receipts come from; its balance is minus what was raised.
        Income = "income", "资金来源（筹集）";
        /// What was paid to households.
        Payout = "payout", "已发放";
    }
);

impl AccountKind {
    /// Whether the account's balance may never go below zero.
    pub fn must_stay_non_negative(self) -> bool {
        self == AccountKind::Fund
    }
}

coded!(
    TransferKind, "kind", "资金业务" {
        /// 收入: money received from a source.
        Receipt = "receipt", "资金收入";
        /// 下拨: passed to a child union.
        Allocation = "allocation", "下拨";
        /// 发放: paid to a household through an assistance record.
        Disbursement = "disbursement", "发放";
        /// 冲销: an earlier transfer undone by its negation.
        Reversal = "reversal", "冲销";
    }
);

/// One side of a transfer: an amount into (+) or out of (−) an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg<A> {
    pub account: A,
    pub amount: Fen,
}

/// Checks an amount a person typed for a transfer: whole fen, above zero,
/// and no larger than any real amount could be.
pub fn check_amount(field: &'static str, amount: Fen) -> Result<Fen, ValidationError> {
    if amount.0 <= 0 {
        return Err(ValidationError::new(field, "金额必须大于 0"));
    }
    if amount > Fen::MAX_PARSED {
        return Err(ValidationError::new(field, "金额过大"));
    }
    Ok(amount)
}

/// Money moving from one account to another: `from` loses it, `to` gains it.
pub fn movement<A: Copy>(from: A, to: A, amount: Fen) -> Vec<Leg<A>> {
    vec![
        Leg {
            account: from,
            amount: Fen(-amount.0),
        },
        Leg {
            account: to,
            amount,
        },
    ]
}

/// The legs that undo `original`.
pub fn reversal<A: Copy>(original: &[Leg<A>]) -> Vec<Leg<A>> {
    original
        .iter()
        .map(|l| Leg {
            account: l.account,
            amount: Fen(-l.amount.0),
        })
        .collect()
}

/// Whether the legs of one transfer sum to zero.
pub fn balanced<A>(legs: &[Leg<A>]) -> bool {
    legs.iter().map(|l| i128::from(l.amount.0)).sum::<i128>() == 0
}

/// Why a transfer may not be posted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("借贷不平衡")]
    Unbalanced,
    #[error("余额不足：账户余额 {balance} 元，本次需要 {needed} 元")]
    Insufficient { balance: String, needed: String },
}

/// Checks a transfer against the balances it would change: balanced, and no
/// account that must stay non-negative ends below zero. `balance` gives the
/// current balance and kind of each account a leg touches.
pub fn check_posting<A: Copy + PartialEq>(
    legs: &[Leg<A>],
    mut balance: impl FnMut(A) -> (Fen, AccountKind),
) -> Result<(), LedgerError> {
    if !balanced(legs) {
        return Err(LedgerError::Unbalanced);
    }
    let mut seen: Vec<A> = Vec::new();
    for leg in legs {
        if seen.contains(&leg.account) {
            continue;
        }
        seen.push(leg.account);
        let change: i64 = legs
            .iter()
            .filter(|l| l.account == leg.account)
            .map(|l| l.amount.0)
            .sum();
        let (now, kind) = balance(leg.account);
        if kind.must_stay_non_negative() && now.0 + change < 0 {
            return Err(LedgerError::Insufficient {
                balance: now.yuan_grouped(),
                needed: Fen(-change).yuan_grouped(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn a_fund_account_never_goes_below_zero() {
        let legs = movement(1, 2, Fen(500));
        let ok = check_posting(&legs, |a| {
            if a == 1 {
                (Fen(500), AccountKind::Fund)
            } else {
                (Fen(0), AccountKind::Payout)
            }
        });
        assert_eq!(ok, Ok(()));
        let short = check_posting(&legs, |a| {
            if a == 1 {
                (Fen(499), AccountKind::Fund)
            } else {
                (Fen(0), AccountKind::Payout)
            }
        });
        assert!(matches!(short, Err(LedgerError::Insufficient { .. })));
        // an income account may go below zero: that is what was raised
        let receipt = movement(3, 1, Fen(10_000));
        assert_eq!(
            check_posting(&receipt, |a| if a == 3 {
                (Fen(0), AccountKind::Income)
            } else {
                (Fen(0), AccountKind::Fund)
            }),
            Ok(())
        );
    }

    #[test]
    fn amounts_must_be_positive() {
        assert!(check_amount("amount", Fen(0)).is_err());
        assert!(check_amount("amount", Fen(-1)).is_err());
        assert!(check_amount("amount", Fen(1)).is_ok());
    }

    proptest! {
        /// Any sequence of movements and reversals that the check lets
        /// through keeps fund accounts non-negative and the whole ledger at zero.
        #[test]
        fn checked_postings_keep_invariants(ops in proptest::collection::vec((0usize..4, 0usize..4, 1i64..10_000, any::<bool>()), 1..60)) {
            // accounts 0..3 are funds, 3 is an income account
            let kinds = [AccountKind::Fund, AccountKind::Fund, AccountKind::Fund, AccountKind::Income];
            let mut entries: Vec<(usize, i64)> = Vec::new();
            let mut posted: Vec<Vec<Leg<usize>>> = Vec::new();
            for (from, to, amount, reverse) in ops {
                let legs = if reverse && !posted.is_empty() {
                    reversal(&posted[amount as usize % posted.len()])
                } else if from == to {
                    continue;
                } else {
                    movement(from, to, Fen(amount))
                };
                let bal: HashMap<usize, i64> = entries.iter().fold(HashMap::new(), |mut m, (a, x)| { *m.entry(*a).or_default() += x; m });
                if check_posting(&legs, |a| (Fen(*bal.get(&a).unwrap_or(&0)), kinds[a])).is_ok() {
                    entries.extend(legs.iter().map(|l| (l.account, l.amount.0)));
                    posted.push(legs);
                }
            }
            let total: i64 = entries.iter().map(|(_, x)| x).sum();
            prop_assert_eq!(total, 0);
            for (a, kind) in kinds.iter().enumerate() {
                let b: i64 = entries.iter().filter(|(x, _)| *x == a).map(|(_, x)| x).sum();
                if kind.must_stay_non_negative() {
                    prop_assert!(b >= 0, "account {} at {}", a, b);
                }
            }
        }
    }
}
