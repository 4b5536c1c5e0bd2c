//! The audit log: append-only (the tables refuse UPDATE and DELETE).

use crate::db::{run, Conn};
use crate::query::{page_of, Optional};
use crate::schema::audit_log as a;
use crate::{like_pattern, Page, PageRequest, Scope, StorageError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The file numbers an audit list names its household entries by.
pub use crate::query::file_numbers;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub union_id: Option<i64>,
    pub union_path: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: Option<String>,
    pub success: bool,
    /// Its position in the hash chain (see `audit_chain`).
    pub chain_seq: Option<i64>,
    /// SM3 over the entry and the hash before it, hex.
    pub chain_hash: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = a)]
pub struct NewAuditEntry {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub union_id: Option<i64>,
    pub union_path: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: Option<String>,
    pub success: bool,
}

/// Writes an entry, unsealed: the transaction seals it into the hash chain
/// before it commits. Its time is kept to the microsecond, as both
/// databases store it, so the chain's hash survives a move between them.
pub fn insert(conn: &mut Conn, e: &NewAuditEntry) -> Result<(), StorageError> {
    let e = NewAuditEntry {
        at: bangfu_domain::audit_chain::stored_time(e.at),
        ..e.clone()
    };
    run!(conn, c => diesel::insert_into(a::table).values(&e).execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Matches the actor's user name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub success: Option<bool>,
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    f: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEntry>, StorageError> {
    let include_unowned = scope.is_root();
    let given = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    let actor = f.actor.as_deref().map(str::trim).filter(|s| !s.is_empty());
    macro_rules! filtered {
        () => {
            // The root sees every entry: no predicate, so the newest-first
            // scan runs straight down the primary key.
            a::table
                .into_boxed()
                .if_some((!include_unowned).then_some(()), |q, ()| {
                    q.filter(
                        a::union_path
                            .ge(scope.start())
                            .and(a::union_path.lt(scope.end())),
                    )
                })
                .if_some(actor, |q, actor| {
                    q.filter(a::actor_username.like(like_pattern(actor)).escape('\\'))
                })
                .if_some(given(&f.action), |q, v| q.filter(a::action.eq(v)))
                .if_some(given(&f.object_kind), |q, v| q.filter(a::object_kind.eq(v)))
                .if_some(given(&f.object_id), |q, v| q.filter(a::object_id.eq(v)))
                .if_some(f.from, |q, from| q.filter(a::at.ge(from)))
                .if_some(f.until, |q, until| q.filter(a::at.lt(until)))
                .if_some(f.success, |q, s| q.filter(a::success.eq(s)))
        };
    }
    let (items, total): (Vec<AuditEntry>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: a::id.desc(),
        select: AuditEntry::as_select()))?;
    Ok(page.of(items, total))
}

pub fn find(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Option<AuditEntry>, StorageError> {
    let include_unowned = scope.is_root();
    let row: Option<AuditEntry> = run!(conn, c => a::table
        .filter(a::id.eq(id))
        .select(AuditEntry::as_select())
        .first(c)
        .optional())?;
    Ok(row.filter(|e| match &e.union_path {
        Some(p) => scope.range().contains(p),
        None => include_unowned,
    }))
}
