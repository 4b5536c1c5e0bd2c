//! The audit log's hash chain: each entry's hash covers the entry and the
//! hash before it, so changing, removing or reordering any entry breaks
//! every hash after it.
//!
//! The hash is SM3 (GB/T 32905, 商用密码), as GB/T 39786-2021 expects for
//! the integrity of audit records. The encoding of an entry is fixed here,
//! once, and independent of the database: a backup restored into the other
//! backend verifies with the same hashes.

use chrono::{NaiveDateTime, Timelike};
use sm3::{Digest, Sm3};
use std::fmt::Write;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the chain covers of one entry: every column but the chain's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_username: Option<&'a str>,
    pub union_id: Option<i64>,
    pub union_path: Option<&'a str>,
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: Option<&'a str>,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub success: bool,
}

/// The time as the log keeps it: whole microseconds, which both databases
/// store exactly (PostgreSQL's `timestamp` has no finer precision).
pub fn stored_time(at: NaiveDateTime) -> NaiveDateTime {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// The hash of `link` following `prev`: lowercase hex of
/// SM3(prev ‖ encoding of the entry). Each field is written with its length,
/// so no two different entries encode alike.
pub fn hash(prev: &str, link: &Link<'_>) -> String {
    let mut text = String::with_capacity(256);
    let mut field = |v: Option<&str>| match v {
        None => text.push_str("-\n"),
        Some(s) => {
            let _ = writeln!(text, "{}:{s}", s.len());
        }
    };
    field(Some(prev));
    field(Some(&link.seq.to_string()));
    field(Some(&link.id.to_string()));
    field(Some(
        &stored_time(link.at)
            .format("%Y-%m-%dT%H:%M:%S%.6f")
            .to_string(),
    ));
    field(link.actor_id.map(|v| v.to_string()).as_deref());
    field(link.actor_username);
    field(link.union_id.map(|v| v.to_string()).as_deref());
    field(link.union_path);
    field(Some(link.action));
    field(Some(link.object_kind));
    field(link.object_id);
    field(link.before_json);
    field(link.after_json);
    field(link.ip);
    field(Some(if link.success { "1" } else { "0" }));
    let digest = Sm3::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Where a chain stops fitting, as `verify` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's position is not the next one: entries before it were
    /// removed, or positions rewritten.
    Gap { id: i64, expected: i64, found: i64 },
    /// The entry's stored hash is not the hash of its content: it, or one
    /// before it, was changed.
    Altered { id: i64, seq: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Gap {
                id,
                expected,
                found,
            } => write!(
                f,
                "entry {id} is at position {found} of the chain where {expected} was expected: entries were removed or renumbered"
            ),
            Break::Altered { id, seq } => write!(
                f,
                "entry {id} (position {seq}) does not match its hash: it was changed after it was written"
            ),
        }
    }
}

/// Walks a chain in order, one stored entry at a time.
#[derive(Debug, Clone)]
pub struct Walker {
    prev: String,
    next_seq: i64,
}

impl Default for Walker {
    fn default() -> Self {
        Walker {
            prev: GENESIS.to_owned(),
            next_seq: 1,
        }
    }
}

impl Walker {
    /// Checks the next entry against its stored hash.
    pub fn step(&mut self, link: &Link<'_>, stored_hash: &str) -> Result<(), Break> {
        if link.seq != self.next_seq {
            return Err(Break::Gap {
                id: link.id,
                expected: self.next_seq,
                found: link.seq,
            });
        }
        let h = hash(&self.prev, link);
        if h != stored_hash {
            return Err(Break::Altered {
                id: link.id,
                seq: link.seq,
            });
        }
        self.prev = h;
        self.next_seq += 1;
        Ok(())
    }

    /// Entries walked so far.
    pub fn count(&self) -> i64 {
        self.next_seq - 1
    }

    /// The hash of the last entry walked (the genesis hash before any).
    pub fn head(&self) -> &str {
        &self.prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn link(seq: i64) -> Link<'static> {
        Link {
            seq,
            id: seq + 100,
            at: at("2026-12-07 01:02:03.123456"),
            actor_id: Some(7),
            actor_username: Some("张三"),
            union_id: Some(3),
            union_path: Some("/1/3/"),
            action: "update_household",
            object_kind: "household",
            object_id: Some("42"),
            before_json: Some(r#"{"a":1}"#),
            after_json: None,
            ip: Some("10.0.0.1"),
            success: true,
        }
    }

    fn chain(n: i64) -> Vec<(Link<'static>, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let l = link(seq);
                prev = hash(&prev, &l);
                (l, prev.clone())
            })
            .collect()
    }

    #[test]
    fn hash_is_sm3_hex_and_stable() {
        let h = hash(GENESIS, &link(1));
        assert_eq!(h.len(), 64);
        assert!(h
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_uppercase()));
        assert_eq!(h, hash(GENESIS, &link(1)));
        // SM3 of "abc" (GB/T 32905 example) proves the algorithm.
        let abc: String = Sm3::digest(b"abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            abc,
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn nanoseconds_do_not_change_the_hash() {
        let mut a = link(1);
        let b = link(1);
        a.at = at("2026-12-07 01:02:03.123456789");
        assert_eq!(hash(GENESIS, &a), hash(GENESIS, &b));
    }

    #[test]
    fn every_field_counts() {
        let base = hash(GENESIS, &link(1));
        let changes: [fn(&mut Link<'static>); 14] = [
            |l| l.seq = 2,
            |l| l.id = 1,
            |l| l.at = at("2026-12-07 01:02:03.123457"),
            |l| l.actor_id = None,
            |l| l.actor_username = Some("李四"),
            |l| l.union_id = Some(4),
            |l| l.union_path = None,
            |l| l.action = "create_household",
            |l| l.object_kind = "member",
            |l| l.object_id = Some("43"),
            |l| l.before_json = Some(""),
            |l| l.after_json = Some("-"),
            |l| l.ip = None,
            |l| l.success = false,
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut l = link(1);
            change(&mut l);
            assert_ne!(hash(GENESIS, &l), base, "change {i} went unnoticed");
        }
        assert_ne!(hash(&hash(GENESIS, &link(1)), &link(1)), base);
    }

    #[test]
    fn a_whole_chain_verifies() {
        let mut w = Walker::default();
        for (l, h) in chain(5) {
            w.step(&l, &h).unwrap();
        }
        assert_eq!(w.count(), 5);
        assert_eq!(w.head(), chain(5)[4].1);
    }

    #[test]
    fn a_removed_entry_is_a_gap() {
        let c = chain(4);
        let mut w = Walker::default();
        w.step(&c[0].0, &c[0].1).unwrap();
        assert_eq!(
            w.step(&c[2].0, &c[2].1),
            Err(Break::Gap {
                id: 103,
                expected: 2,
                found: 3
            })
        );
    }

    proptest! {
        /// Whatever entry of a chain is altered, the walk stops at that entry.
        #[test]
        fn an_altered_entry_is_found(n in 1i64..20, pick in 0usize..20, user in "[a-z张李]{0,6}") {
            let mut c = chain(n);
            let i = pick % c.len();
            let leaked: &'static str = Box::leak(user.clone().into_boxed_str());
            prop_assume!(Some(leaked) != c[i].0.actor_username);
            c[i].0.actor_username = Some(leaked);
            let mut w = Walker::default();
            let mut broke = None;
            for (l, h) in &c {
                if let Err(b) = w.step(l, h) { broke = Some(b); break; }
            }
            prop_assert_eq!(broke, Some(Break::Altered { id: c[i].0.id, seq: c[i].0.seq }));
        }
    }
}
