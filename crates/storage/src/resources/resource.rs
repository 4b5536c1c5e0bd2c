//! Resources, and the quantity each has left.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, Optional};
use crate::schema::{providers, resources};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::funds::TransferId;
use bangfu_domain::resources::{
    Aim, Need, ProviderId, ProviderKind, ResourceId, ResourceKind, ServiceKind,
};
use bangfu_domain::{Fen, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: ResourceId,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub provider_kind: ProviderKind,
    /// The union whose subtree the resource serves.
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub fields: ResourceFields,
    /// What no match holds yet.
    pub remaining: i64,
    /// The receipt of a cash donation into the funds.
    pub transfer_id: Option<TransferId>,
    pub closed: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

/// What a person enters about a resource, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceFields {
    pub need: Need,
    pub title: String,
    /// Requirements, content, conditions.
    pub detail: String,
    pub place: String,
    /// A job's monthly wage.
    pub wage: Option<Fen>,
    /// Positions, places, fen, items, persons served or hours.
    pub quantity: i64,
    /// The value of one item of goods.
    pub unit_value: Fen,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Resource {
    /// Whether matches may still be made on `today`: not closed, something
    /// left, and within its period.
    pub fn open_on(&self, today: NaiveDate) -> bool {
        !self.closed
            && self.remaining > 0
            && self.fields.starts_on <= today
            && self.fields.ends_on.is_none_or(|e| today <= e)
    }

    /// What has been taken so far.
    pub fn taken(&self) -> i64 {
        self.fields.quantity - self.remaining
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = resources)]
struct Row {
    id: i64,
    provider_id: i64,
    union_id: i64,
    union_path: String,
    kind: String,
    title: String,
    detail: String,
    service: Option<String>,
    aim: Option<String>,
    track: Option<String>,
    programme: Option<String>,
    place: String,
    wage: Option<i64>,
    quantity: i64,
    remaining: i64,
    unit_value: i64,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    transfer_id: Option<i64>,
    closed: bool,
    version: i64,
    created_at: NaiveDateTime,
}

type Joined = (Row, String, String);

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Resource>, StorageError> {
    let names = union_names(conn, rows.iter().map(|r| r.0.union_id))?;
    rows.into_iter()
        .map(|(r, provider_name, provider_kind)| {
            let corrupt = |what: &str| StorageError::Corrupt(format!("resource {} {what}", r.id));
            let kind = ResourceKind::parse(&r.kind).map_err(|_| corrupt("kind"))?;
            let service = r
                .service
                .as_deref()
                .map(ServiceKind::parse)
                .transpose()
                .map_err(|_| corrupt("service"))?;
            let aim = r
                .aim
                .as_deref()
                .map(Aim::parse)
                .transpose()
                .map_err(|_| corrupt("aim"))?;
            let need =
                Need::new(kind, service, aim, r.track, r.programme).map_err(|_| corrupt("need"))?;
            Ok(Resource {
                id: ResourceId(r.id),
                provider_id: ProviderId(r.provider_id),
                provider_name,
                provider_kind: ProviderKind::parse(&provider_kind)
                    .map_err(|_| corrupt("provider kind"))?,
                union_id: UnionId(r.union_id),
                union_name: name_of(&names, r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                fields: ResourceFields {
                    need,
                    title: r.title,
                    detail: r.detail,
                    place: r.place,
                    wage: r.wage.map(Fen),
                    quantity: r.quantity,
                    unit_value: Fen(r.unit_value),
                    starts_on: r.starts_on,
                    ends_on: r.ends_on,
                },
                remaining: r.remaining,
                transfer_id: r.transfer_id.map(TransferId),
                closed: r.closed,
                version: r.version,
                created_at: r.created_at,
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn insert_resource(
    conn: &mut Conn,
    provider: ProviderId,
    union_id: UnionId,
    union_path: &UnionPath,
    f: &ResourceFields,
    transfer: Option<TransferId>,
    by: i64,
    now: NaiveDateTime,
) -> Result<ResourceId, StorageError> {
    let n = &f.need;
    let id = insert_returning_id!(
        conn,
        resources,
        (
            (
                resources::provider_id.eq(provider.0),
                resources::union_id.eq(union_id.0),
                resources::union_path.eq(union_path.as_str()),
                resources::kind.eq(n.kind.code()),
                resources::title.eq(&f.title),
                resources::detail.eq(&f.detail),
                resources::service.eq(n.service.map(|s| s.code())),
                resources::aim.eq(n.aim.map(|a| a.code())),
                resources::track.eq(n.track.as_deref()),
                resources::programme.eq(n.programme.as_deref()),
                resources::place.eq(&f.place),
                resources::wage.eq(f.wage.map(|w| w.0)),
            ),
            (
                resources::quantity.eq(f.quantity),
                resources::remaining.eq(f.quantity),
                resources::unit_value.eq(f.unit_value.0),
                resources::starts_on.eq(f.starts_on),
                resources::ends_on.eq(f.ends_on),
                resources::transfer_id.eq(transfer.map(|t| t.0)),
                resources::closed.eq(false),
                resources::version.eq(1_i64),
                resources::created_by.eq(Some(by)),
                resources::created_at.eq(now),
                resources::updated_at.eq(now),
            ),
        )
    )?;
    Ok(ResourceId(id))
}

/// Takes `quantity` from what the resource has left, in the one statement that
/// checks it is there: false (nothing written) when it is not, so two
/// officers matching the last place at once cannot both have it.
pub fn take(
    conn: &mut Conn,
    id: ResourceId,
    quantity: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        resources::table
            .filter(resources::id.eq(id.0))
            .filter(resources::closed.eq(false))
            .filter(resources::remaining.ge(quantity)),
    )
    .set((
        resources::remaining.eq(resources::remaining - quantity),
        resources::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Gives back what a declined match held.
pub fn give_back(
    conn: &mut Conn,
    id: ResourceId,
    quantity: i64,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(resources::table.filter(resources::id.eq(id.0)))
        .set((
            resources::remaining.eq(resources::remaining + quantity),
            resources::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Closes (or reopens) a resource still at `version`.
pub fn set_closed(
    conn: &mut Conn,
    id: ResourceId,
    version: i64,
    closed: bool,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    crate::query::update_at_version!(
        conn,
        resources,
        id.0,
        version,
        (resources::closed.eq(closed), resources::updated_at.eq(now))
    )
}

/// What a list of resources is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ResourceFilter {
    pub provider_id: Option<ProviderId>,
    pub kind: Option<ResourceKind>,
    /// Only those not closed with something left.
    pub open_only: bool,
}

/// The resources the scope sees: those of unions in its subtree, and those of
/// its union or a union above it (they serve the scope's households too).
macro_rules! visible {
    ($scope:expr, $above:expr) => {
        $scope
            .covers(resources::union_path)
            .or(resources::union_path.eq_any($above))
    };
}

pub fn find_resource(
    conn: &mut Conn,
    scope: &Scope,
    id: ResourceId,
) -> Result<Option<Resource>, StorageError> {
    let above = scope.ancestor_paths();
    let rows: Vec<Joined> = run!(conn, c => resources::table
        .inner_join(providers::table)
        .filter(resources::id.eq(id.0))
        .filter(visible!(scope, &above))
        .select((Row::as_select(), providers::name, providers::kind))
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// The resources the scope sees, newest first.
pub fn list_resources(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ResourceFilter,
    page: PageRequest,
) -> Result<Page<Resource>, StorageError> {
    let above = scope.ancestor_paths();
    macro_rules! filtered {
        () => {
            resources::table
                .inner_join(providers::table)
                .filter(visible!(scope, &above))
                .into_boxed()
                .if_some(filter.provider_id, |q, p| {
                    q.filter(resources::provider_id.eq(p.0))
                })
                .if_some(filter.kind, |q, k| q.filter(resources::kind.eq(k.code())))
                .if_some(filter.open_only.then_some(()), |q, ()| {
                    q.filter(resources::closed.eq(false))
                        .filter(resources::remaining.gt(0))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: resources::id.desc(),
        select: (Row::as_select(), providers::name, providers::kind)))?;
    Ok(page.of(assemble(conn, rows)?, total))
}
