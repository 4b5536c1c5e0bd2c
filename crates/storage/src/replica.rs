//! Reads from a PostgreSQL streaming replica, without losing sight of one's
//! own writes.
//!
//! A national deployment outgrows one database server for reads (lists,
//! the panel, exports, reports), not for writes. PostgreSQL's streaming
//! replication keeps byte copies of the primary that answer reads; Bangfu
//! sends read-only work to one when `--read-database` names it.
//!
//! A replica is a little behind the primary. What must never happen is
//! that a person saves a file and the next page shows it unsaved. So every
//! commit on the primary notes the primary's position in its write-ahead log
//! (`pg_current_wal_lsn()`):
//! - in the request's [`with_seen`] scope, which the web layer carries from
//!   request to request (a cookie, or the `Bangfu-Seen` header for API
//!   clients), so a person's next request sees their write whichever process
//!   serves it;
//! - in the process ([`Db`](crate::Db) keeps the furthest position it
//!   wrote), so nothing this process wrote is read back older. This is a
//!   hint that makes reads more consistent, not state: a process that
//!   restarts without it loses nothing.
//!
//! A read goes to the replica only when the replica has replayed at least
//! that far (`pg_last_wal_replay_lsn()`, asked only when the furthest
//! position already seen replayed is not far enough); otherwise, and when
//! the replica does not answer, to the primary. Sign-in and sessions always
//! read the primary, so a sign-out or a disabled account counts at once.

use std::cell::Cell;
use std::future::Future;

/// A position in PostgreSQL's write-ahead log (`pg_lsn`), as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct WalPosition(pub u64);

impl WalPosition {
    /// Parses PostgreSQL's text form, two hexadecimal halves: `16/B374D848`.
    pub fn parse(s: &str) -> Option<Self> {
        let (hi, lo) = s.trim().split_once('/')?;
        let hi = u64::from_str_radix(hi, 16).ok()?;
        let lo = u64::from_str_radix(lo, 16).ok()?;
        (hi <= u64::from(u32::MAX) && lo <= u64::from(u32::MAX)).then_some(Self(hi << 32 | lo))
    }

    /// PostgreSQL's text form.
    pub fn text(self) -> String {
        format!("{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

tokio::task_local! {
    static SEEN: Cell<WalPosition>;
}

/// Runs `work` as one caller who has already seen the primary up to `seen`;
/// returns what it returned and how far the caller has seen after it (its
/// own commits included), for the next request.
pub async fn with_seen<F: Future>(seen: WalPosition, work: F) -> (F::Output, WalPosition) {
    SEEN.scope(Cell::new(seen), async move {
        let out = work.await;
        (out, seen_now())
    })
    .await
}

/// How far the current caller has seen (nothing outside [`with_seen`]).
pub(crate) fn seen_now() -> WalPosition {
    SEEN.try_with(Cell::get).unwrap_or_default()
}

/// The current caller has seen `p` (its own commit).
pub(crate) fn saw(p: WalPosition) {
    let _ = SEEN.try_with(|c| {
        if c.get() < p {
            c.set(p);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn positions_read_as_postgresql_writes_them() {
        for (text, n) in [
            ("0/0", 0_u64),
            ("0/16B3748", 0x16B_3748),
            ("16/B374D848", 0x16_B374_D848),
            ("FFFFFFFF/FFFFFFFF", u64::MAX),
        ] {
            assert_eq!(WalPosition::parse(text), Some(WalPosition(n)), "{text}");
            assert_eq!(WalPosition(n).text(), text);
        }
        for bad in ["", "0", "x/1", "1/100000000", "1//2", "-1/0"] {
            assert_eq!(WalPosition::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn order_of_positions_is_the_order_of_numbers(a: u64, b: u64) {
            let (pa, pb) = (WalPosition(a), WalPosition(b));
            prop_assert_eq!(WalPosition::parse(&pa.text()), Some(pa));
            prop_assert_eq!(pa < pb, a < b);
        }
    }

    #[tokio::test]
    async fn a_caller_keeps_the_furthest_position_it_saw() {
        let ((), after) = with_seen(WalPosition(10), async {
            saw(WalPosition(5));
            assert_eq!(seen_now(), WalPosition(10));
            saw(WalPosition(12));
        })
        .await;
        assert_eq!(after, WalPosition(12));
        assert_eq!(seen_now(), WalPosition(0), "outside a caller");
    }
}
