//! Writing and reading the audit log.

use crate::{now, Actor, Origin, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::{Permission, UnionPath};
use bangfu_storage::audit::{self, AuditEntry, AuditFilter, NewAuditEntry};
use bangfu_storage::audit_chain::{self, Head, Verified};
use bangfu_storage::{Conn, Page, PageRequest};
use serde_json::Value;

/// Who did it: a signed-in user, the operator at the command line, or an
/// anonymous caller naming an account (a login attempt).
pub(crate) enum Who<'a> {
    Actor(&'a Actor),
    Operator,
    Attempt {
        username: &'a str,
        user_id: Option<i64>,
        origin: &'a Origin,
    },
}

/// A row that belongs to a union: its audit entries are read by people
/// whose scope covers that union.
pub(crate) trait Owned {
    /// The union's id and path, as an audit entry keeps them.
    fn owner(&self) -> (i64, &UnionPath);
}

/// Rows that name their union in `union_id` and `union_path`.
macro_rules! owned_through_union_fields {
    ($($row:ty),+ $(,)?) => {$(
        impl Owned for $row {
            fn owner(&self) -> (i64, &UnionPath) {
                (self.union_id.0, &self.union_path)
            }
        }
    )+};
}

owned_through_union_fields!(
    bangfu_storage::applications::Application,
    bangfu_storage::assistance::Assistance,
    bangfu_storage::exits::Exit,
    bangfu_storage::households::Household,
    bangfu_storage::plans::WorkItem,
    bangfu_storage::subsidies::Subsidy,
    bangfu_storage::todos::Todo,
    bangfu_storage::users::User,
);

impl Owned for bangfu_storage::unions::Union {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.id.0, &self.path)
    }
}

/// An audit entry with the name a person knows its object by: a household's
/// file number, an application's or a decision's number (none for others).
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub object_name: Option<String>,
}

/// Names the objects of `entries` (one read for the households among them).
fn named(c: &mut Conn, entries: Vec<AuditEntry>) -> Result<Vec<AuditRow>, ServiceError> {
    let id_of = |e: &AuditEntry| e.object_id.as_deref().and_then(|i| i.parse::<i64>().ok());
    let households: Vec<i64> = entries
        .iter()
        .filter(|e| e.object_kind == "household")
        .filter_map(id_of)
        .collect();
    let file_nos = audit::file_numbers(c, &households)?;
    Ok(entries
        .into_iter()
        .map(|e| {
            let object_name = id_of(&e).and_then(|id| match e.object_kind.as_str() {
                "household" => file_nos.get(&id).cloned(),
                "application" => Some(bangfu_domain::application::application_no(
                    bangfu_domain::application::ApplicationId(id),
                )),
                "exit" => Some(bangfu_domain::leaving::exit_no(
                    bangfu_domain::leaving::ExitId(id),
                )),
                _ => None,
            });
            AuditRow {
                entry: e,
                object_name,
            }
        })
        .collect())
}

pub(crate) struct Record<'a> {
    pub action: Action,
    pub object_kind: &'static str,
    pub object_id: Option<String>,
    /// The union the object belongs to, which decides who may read the entry.
    pub union: Option<(i64, &'a UnionPath)>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub success: bool,
}

impl<'a> Record<'a> {
    /// A successful act on an object that belongs to a union, with nothing
    /// before or after it yet (see [`Record::before`], [`Record::after`]).
    pub fn of(
        action: Action,
        object_kind: &'static str,
        object_id: impl ToString,
        union: (i64, &'a UnionPath),
    ) -> Self {
        Self::change(action, object_kind, object_id, union, None, None)
    }

    /// What the object was before the act.
    pub fn before(self, before: Value) -> Self {
        self.before_opt(Some(before))
    }

    /// What the object is after the act.
    pub fn after(self, after: Value) -> Self {
        self.after_opt(Some(after))
    }

    pub fn before_opt(mut self, before: Option<Value>) -> Self {
        self.before = before;
        self
    }

    pub fn after_opt(mut self, after: Option<Value>) -> Self {
        self.after = after;
        self
    }

    /// Writes the entry as done by `who`, in the caller's transaction (so
    /// the act and its record are never separated).
    pub fn write(self, conn: &mut Conn, who: Who<'_>) -> Result<(), ServiceError> {
        write(conn, who, self)
    }

    /// A successful act on an object that belongs to a union.
    pub fn change(
        action: Action,
        object_kind: &'static str,
        object_id: impl ToString,
        union: (i64, &'a UnionPath),
        before: Option<Value>,
        after: Option<Value>,
    ) -> Self {
        Record {
            action,
            object_kind,
            object_id: Some(object_id.to_string()),
            union: Some(union),
            before,
            after,
            success: true,
        }
    }
}

pub(crate) fn write(conn: &mut Conn, who: Who<'_>, r: Record<'_>) -> Result<(), ServiceError> {
    let (actor_id, actor_username, ip) = match who {
        Who::Actor(a) => (
            Some(a.user.id.0),
            Some(a.user.username.clone()),
            a.origin.ip.clone(),
        ),
        Who::Operator => (None, Some("(命令行)".to_owned()), None),
        Who::Attempt {
            username,
            user_id,
            origin,
        } => (user_id, Some(username.to_owned()), origin.ip.clone()),
    };
    audit::insert(
        conn,
        &NewAuditEntry {
            at: now(),
            actor_id,
            actor_username,
            union_id: r.union.map(|(id, _)| id),
            union_path: r.union.map(|(_, p)| p.as_str().to_owned()),
            action: r.action.code().to_owned(),
            object_kind: r.object_kind.to_owned(),
            object_id: r.object_id,
            before_json: r.before.map(|v| v.to_string()),
            after_json: r.after.map(|v| v.to_string()),
            ip,
            success: r.success,
        },
    )?;
    Ok(())
}

/// Filters for reading the log, as typed in the UI or API.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub until: Option<chrono::NaiveDate>,
    pub success: Option<bool>,
}

impl Services {
    pub async fn audit_list(
        &self,
        actor: &Actor,
        q: AuditQuery,
        page: PageRequest,
    ) -> Result<Page<AuditRow>, ServiceError> {
        actor.require(Permission::ReadAudit)?;
        let scope = actor.scope();
        let filter = AuditFilter {
            actor: q.actor,
            action: q.action,
            object_kind: q.object_kind,
            object_id: q.object_id,
            from: q.from.and_then(|d| d.and_hms_opt(0, 0, 0)),
            until: q
                .until
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0)),
            success: q.success,
        };
        self.read(move |c| {
            let mut p = audit::list(c, &scope, &filter, page)?;
            let items = named(c, std::mem::take(&mut p.items))?;
            Ok(p.with_items(items))
        })
        .await
    }

    pub async fn audit_get(&self, actor: &Actor, id: i64) -> Result<AuditRow, ServiceError> {
        actor.require(Permission::ReadAudit)?;
        let scope = actor.scope();
        self.read(move |c| {
            let e = audit::find(c, &scope, id)?.ok_or(ServiceError::NotFound("日志记录"))?;
            named(c, vec![e])?
                .into_iter()
                .next()
                .ok_or(ServiceError::NotFound("日志记录"))
        })
        .await
    }
}

/// The audit log's hash chain, for the operator and for auditors.
impl Services {
    /// The last sealed entry's position and hash: what the server writes to
    /// its log each day, so a copy exists outside the database.
    pub async fn audit_head(&self) -> Result<Head, ServiceError> {
        self.read(|c| Ok(audit_chain::head(c)?)).await
    }

    /// The chain's head as an auditor reads it on the audit page.
    pub async fn audit_chain_head(&self, actor: &Actor) -> Result<Head, ServiceError> {
        actor.require(Permission::ReadAudit)?;
        self.audit_head().await
    }

    /// Recomputes the whole chain (`bangfu audit verify`): the operator's
    /// check, not scoped to a union.
    pub async fn audit_verify(
        &self,
        expect: Option<(i64, String)>,
        progress: impl FnMut(i64) + Send + 'static,
    ) -> Result<Verified, ServiceError> {
        self.read(move |c| Ok(audit_chain::verify(c, expect, progress)?))
            .await
    }
}
