//! The audit log: append-only (the tables refuse UPDATE and DELETE).

use crate::db::{run, Conn};
use crate::schema::audit_log as a;
use crate::{like_pattern, Page, PageRequest, Scope, StorageError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

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

pub fn insert(conn: &mut Conn, e: &NewAuditEntry) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(a::table).values(e).execute(c))?;
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
    macro_rules! filtered {
        () => {{
            let in_range = a::union_path
                .ge(scope.start())
                .and(a::union_path.lt(scope.end()));
            let mut q = a::table.into_boxed();
            // The root sees every entry: no predicate, so the newest-first
            // scan runs straight down the primary key.
            if !include_unowned {
                q = q.filter(in_range);
            }
            if let Some(actor) = f.actor.as_deref().filter(|s| !s.trim().is_empty()) {
                q = q.filter(
                    a::actor_username
                        .like(like_pattern(actor.trim()))
                        .escape('\\'),
                );
            }
            if let Some(action) = f.action.as_deref().filter(|s| !s.is_empty()) {
                q = q.filter(a::action.eq(action));
            }
            if let Some(kind) = f.object_kind.as_deref().filter(|s| !s.is_empty()) {
                q = q.filter(a::object_kind.eq(kind));
            }
            if let Some(oid) = f.object_id.as_deref().filter(|s| !s.is_empty()) {
                q = q.filter(a::object_id.eq(oid));
            }
            if let Some(from) = f.from {
                q = q.filter(a::at.ge(from));
            }
            if let Some(until) = f.until {
                q = q.filter(a::at.lt(until));
            }
            if let Some(s) = f.success {
                q = q.filter(a::success.eq(s));
            }
            q
        }};
    }
    let (items, total): (Vec<AuditEntry>, i64) = run!(conn, c => {
        let total = filtered!().count().get_result(c)?;
        let rows = filtered!()
            .order(a::id.desc())
            .limit(page.per_page)
            .offset(page.offset())
            .select(AuditEntry::as_select())
            .load(c)?;
        Ok::<_, diesel::result::Error>((rows, total))
    })?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub fn find(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Option<AuditEntry>, StorageError> {
    let include_unowned = scope.is_root();
    let row: Option<AuditEntry> = run!(conn, c => a::table
        .filter(a::id.eq(id))
        .select(AuditEntry::as_select())
        .first(c)
        .optional())?;
    Ok(row.filter(|e| match &e.union_path {
        Some(p) => p.as_str() >= scope.start() && p.as_str() < scope.end(),
        None => include_unowned,
    }))
}
