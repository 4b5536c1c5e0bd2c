//! Sealing audit entries into the hash chain, and walking the chain.
//!
//! Entries are inserted unsealed wherever a use case writes them; every
//! write transaction seals them as its last act before committing
//! ([`crate::Conn::transaction`]), so no committed entry stays unsealed.
//! Sealing last, rather than at the insert, matters on PostgreSQL: the
//! chain's lock (a transaction-level advisory lock) is then the last lock a
//! transaction takes and is held only until its commit, so writers queue
//! for a moment but never deadlock on it. SQLite's write transactions are
//! already one at a time (`BEGIN IMMEDIATE`).
//!
//! The chain's order is the order of sealing, not of ids: on PostgreSQL ids
//! are drawn before commit, so a later id can commit first.

use crate::db::{run, Conn, Raw};
use crate::schema::audit_log as a;
use crate::StorageError;
use bangfu_domain::audit_chain::{self, Break, Link, Walker};
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// The advisory lock key that serialises sealing on PostgreSQL.
const CHAIN_LOCK: i64 = 727_218;
/// Rows read or sealed per round trip.
const BATCH: i64 = 2_000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a)]
struct Row {
    id: i64,
    at: NaiveDateTime,
    actor_id: Option<i64>,
    actor_username: Option<String>,
    union_id: Option<i64>,
    union_path: Option<String>,
    action: String,
    object_kind: String,
    object_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    ip: Option<String>,
    success: bool,
    chain_seq: Option<i64>,
    chain_hash: Option<String>,
}

impl Row {
    fn link(&self, seq: i64) -> Link<'_> {
        Link {
            seq,
            id: self.id,
            at: self.at,
            actor_id: self.actor_id,
            actor_username: self.actor_username.as_deref(),
            union_id: self.union_id,
            union_path: self.union_path.as_deref(),
            action: &self.action,
            object_kind: &self.object_kind,
            object_id: self.object_id.as_deref(),
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            ip: self.ip.as_deref(),
            success: self.success,
        }
    }
}

/// The last sealed entry: its position and hash (position 0 and the genesis
/// hash when nothing is sealed yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
    pub at: Option<NaiveDateTime>,
}

pub fn head(conn: &mut Conn) -> Result<Head, StorageError> {
    let row: Option<(Option<i64>, Option<String>, NaiveDateTime)> = run!(conn, c => a::table
        .filter(a::chain_seq.is_not_null())
        .order(a::chain_seq.desc())
        .select((a::chain_seq, a::chain_hash, a::at))
        .first(c)
        .optional())?;
    Ok(match row {
        Some((Some(seq), Some(hash), at)) => Head {
            seq,
            hash,
            at: Some(at),
        },
        _ => Head {
            seq: 0,
            hash: audit_chain::GENESIS.to_owned(),
            at: None,
        },
    })
}

/// Seals every unsealed entry this transaction can see, in id order, after
/// the chain's head. Must run inside a write transaction. Returns how many
/// it sealed.
pub fn seal(conn: &mut Conn) -> Result<u64, StorageError> {
    let any: Option<i64> = run!(conn, c => a::table
        .filter(a::chain_seq.is_null())
        .select(a::id)
        .first(c)
        .optional())?;
    if any.is_none() {
        return Ok(0);
    }
    if let Raw::Pg(c) = &mut conn.raw {
        c.batch_execute(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK})"))?;
    }
    // Read after taking the lock: on PostgreSQL each statement then sees
    // every chain position committed before ours.
    let mut h = head(conn)?;
    let mut sealed = 0u64;
    loop {
        let rows: Vec<Row> = run!(conn, c => a::table
            .filter(a::chain_seq.is_null())
            .order(a::id.asc())
            .limit(BATCH)
            .select(Row::as_select())
            .load(c))?;
        if rows.is_empty() {
            return Ok(sealed);
        }
        for r in &rows {
            let seq = h.seq + 1;
            let hash = audit_chain::hash(&h.hash, &r.link(seq));
            run!(conn, c => diesel::update(a::table.filter(a::id.eq(r.id)))
                .set((a::chain_seq.eq(seq), a::chain_hash.eq(&hash)))
                .execute(c))?;
            h = Head {
                seq,
                hash,
                at: Some(r.at),
            };
            sealed += 1;
        }
    }
}

/// What a walk of the whole chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Entries that fit the chain, from the first.
    pub entries: i64,
    /// The hash of the last entry that fits.
    pub head: String,
    /// The first place the chain does not fit, if any.
    pub broken: Option<Break>,
    /// Entries without a place in the chain: written behind the
    /// application's back (its own writes seal before committing).
    pub unsealed: i64,
    /// The first of those, by id.
    pub first_unsealed: Option<i64>,
    /// Whether the chain has the expected hash at the expected position
    /// (`None`: nothing expected, or the walk never got there).
    pub expected: Option<bool>,
}

/// Recomputes the chain from the first entry, in pages, reporting the first
/// entry that does not fit. `progress` hears the count walked so far.
///
/// `expect` is a position and hash kept outside the database (the server
/// logs the head daily): the walk says whether the chain still has that
/// hash there, which a chain recomputed after tampering would not.
pub fn verify(
    conn: &mut Conn,
    expect: Option<(i64, String)>,
    mut progress: impl FnMut(i64),
) -> Result<Verified, StorageError> {
    let mut walker = Walker::default();
    let mut expected = None;
    let mut after = 0i64;
    let broken = 'walk: loop {
        let rows: Vec<Row> = run!(conn, c => a::table
            .filter(a::chain_seq.gt(after))
            .order(a::chain_seq.asc())
            .limit(BATCH)
            .select(Row::as_select())
            .load(c))?;
        let Some(last) = rows.last() else {
            break None;
        };
        after = last.chain_seq.unwrap_or(after);
        for r in &rows {
            let Some(seq) = r.chain_seq else { continue };
            let stored = r.chain_hash.as_deref().unwrap_or("");
            if let Err(b) = walker.step(&r.link(seq), stored) {
                break 'walk Some(b);
            }
            if let Some((at, hash)) = &expect {
                if seq == *at {
                    expected = Some(walker.head() == hash);
                }
            }
        }
        progress(walker.count());
    };
    let unsealed: i64 = run!(conn, c => a::table
        .filter(a::chain_seq.is_null())
        .count()
        .get_result(c))?;
    let first_unsealed: Option<i64> = run!(conn, c => a::table
        .filter(a::chain_seq.is_null())
        .select(a::id)
        .order(a::id.asc())
        .first(c)
        .optional())?;
    Ok(Verified {
        entries: walker.count(),
        head: walker.head().to_owned(),
        broken,
        unsealed,
        first_unsealed,
        expected,
    })
}
