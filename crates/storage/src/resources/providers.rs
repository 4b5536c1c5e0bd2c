//! The register of providers.

use crate::db::{run, Conn};
use crate::query::{
    insert_returning_id, name_of, page_of, union_names, update_at_version, Optional,
};
use crate::schema::providers;
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::resources::{ProviderId, ProviderKind};
use bangfu_domain::{UnionId, UnionPath};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Provider {
    pub id: ProviderId,
    /// The union that keeps it.
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub fields: ProviderFields,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a person enters about a provider, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderFields {
    pub name: String,
    pub kind: ProviderKind,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub note: String,
    /// Seen and offered from by the unions beneath the keeping one.
    pub shared: bool,
    /// An inactive provider makes no new resources.
    pub active: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = providers)]
struct Row {
    id: i64,
    union_id: i64,
    union_path: String,
    name: String,
    kind: String,
    contact: String,
    phone: String,
    address: String,
    note: String,
    shared: bool,
    active: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn assemble(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Provider>, StorageError> {
    let names = union_names(conn, rows.iter().map(|r| r.union_id))?;
    rows.into_iter()
        .map(|r| {
            Ok(Provider {
                id: ProviderId(r.id),
                union_id: UnionId(r.union_id),
                union_name: name_of(&names, r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                fields: ProviderFields {
                    name: r.name,
                    kind: ProviderKind::parse(&r.kind)
                        .map_err(|_| StorageError::Corrupt(format!("provider {} kind", r.id)))?,
                    contact: r.contact,
                    phone: r.phone,
                    address: r.address,
                    note: r.note,
                    shared: r.shared,
                    active: r.active,
                },
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

pub fn insert_provider(
    conn: &mut Conn,
    union_id: UnionId,
    union_path: &UnionPath,
    f: &ProviderFields,
    by: i64,
    now: NaiveDateTime,
) -> Result<ProviderId, StorageError> {
    let id = insert_returning_id!(
        conn,
        providers,
        (
            (
                providers::union_id.eq(union_id.0),
                providers::union_path.eq(union_path.as_str()),
                providers::name.eq(&f.name),
                providers::kind.eq(f.kind.code()),
                providers::contact.eq(&f.contact),
                providers::phone.eq(&f.phone),
                providers::address.eq(&f.address),
                providers::note.eq(&f.note),
            ),
            (
                providers::shared.eq(f.shared),
                providers::active.eq(f.active),
                providers::version.eq(1_i64),
                providers::created_by.eq(Some(by)),
                providers::created_at.eq(now),
                providers::updated_at.eq(now),
            ),
        )
    )?;
    Ok(ProviderId(id))
}

/// Saves a provider still at `version`; false when someone saved first.
pub fn update_provider(
    conn: &mut Conn,
    id: ProviderId,
    version: i64,
    f: &ProviderFields,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    update_at_version!(
        conn,
        providers,
        id.0,
        version,
        (
            providers::name.eq(&f.name),
            providers::kind.eq(f.kind.code()),
            providers::contact.eq(&f.contact),
            providers::phone.eq(&f.phone),
            providers::address.eq(&f.address),
            providers::note.eq(&f.note),
            providers::shared.eq(f.shared),
            providers::active.eq(f.active),
            providers::updated_at.eq(now),
        )
    )
}

/// What a list of providers is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ProviderFilter {
    /// Part of the name.
    pub name: Option<String>,
    pub kind: Option<ProviderKind>,
    /// Only the active ones.
    pub active_only: bool,
}

/// The providers the scope sees: those kept in its subtree, and the shared
/// ones kept by its union or a union above it.
macro_rules! visible {
    ($scope:expr, $above:expr) => {
        $scope.covers(providers::union_path).or(providers::shared
            .eq(true)
            .and(providers::union_path.eq_any($above)))
    };
}

/// One provider the scope sees.
pub fn find_provider(
    conn: &mut Conn,
    scope: &Scope,
    id: ProviderId,
) -> Result<Option<Provider>, StorageError> {
    let above = scope.ancestor_paths();
    let rows: Vec<Row> = run!(conn, c => providers::table
        .filter(providers::id.eq(id.0))
        .filter(visible!(scope, &above))
        .select(Row::as_select())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// The providers the scope sees, by name.
pub fn list_providers(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ProviderFilter,
    page: PageRequest,
) -> Result<Page<Provider>, StorageError> {
    let above = scope.ancestor_paths();
    let like = filter.name.as_deref().map(|n| format!("%{}%", n.trim()));
    macro_rules! filtered {
        () => {
            providers::table
                .filter(visible!(scope, &above))
                .into_boxed()
                .if_some(like.as_deref(), |q, l| q.filter(providers::name.like(l)))
                .if_some(filter.kind, |q, k| q.filter(providers::kind.eq(k.code())))
                .if_some(filter.active_only.then_some(()), |q, ()| {
                    q.filter(providers::active.eq(true))
                })
        };
    }
    let (rows, total): (Vec<Row>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: (providers::name.asc(), providers::id.asc()),
        select: Row::as_select()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}
