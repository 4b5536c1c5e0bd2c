//! Offers, and the quantity each has left.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, Optional};
use crate::schema::{offers, providers};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::funds::TransferId;
use bangfu_domain::resources::{
    Aim, Need, OfferId, OfferKind, ProviderId, ProviderKind, ServiceKind,
};
use bangfu_domain::{Fen, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Offer {
    pub id: OfferId,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub provider_kind: ProviderKind,
    /// The union whose subtree the offer serves.
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub fields: OfferFields,
    /// What no match holds yet.
    pub remaining: i64,
    /// The receipt of a cash donation into the funds.
    pub transfer_id: Option<TransferId>,
    pub closed: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

/// What a person enters about an offer, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFields {
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

impl Offer {
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
#[diesel(table_name = offers)]
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

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<Offer>, StorageError> {
    let names = union_names(conn, rows.iter().map(|r| r.0.union_id))?;
    rows.into_iter()
        .map(|(r, provider_name, provider_kind)| {
            let corrupt = |what: &str| StorageError::Corrupt(format!("offer {} {what}", r.id));
            let kind = OfferKind::parse(&r.kind).map_err(|_| corrupt("kind"))?;
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
            Ok(Offer {
                id: OfferId(r.id),
                provider_id: ProviderId(r.provider_id),
                provider_name,
                provider_kind: ProviderKind::parse(&provider_kind)
                    .map_err(|_| corrupt("provider kind"))?,
                union_id: UnionId(r.union_id),
                union_name: name_of(&names, r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                fields: OfferFields {
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
pub fn insert_offer(
    conn: &mut Conn,
    provider: ProviderId,
    union_id: UnionId,
    union_path: &UnionPath,
    f: &OfferFields,
    transfer: Option<TransferId>,
    by: i64,
    now: NaiveDateTime,
) -> Result<OfferId, StorageError> {
    let n = &f.need;
    let id = insert_returning_id!(
        conn,
        offers,
        (
            (
                offers::provider_id.eq(provider.0),
                offers::union_id.eq(union_id.0),
                offers::union_path.eq(union_path.as_str()),
                offers::kind.eq(n.kind.code()),
                offers::title.eq(&f.title),
                offers::detail.eq(&f.detail),
                offers::service.eq(n.service.map(|s| s.code())),
                offers::aim.eq(n.aim.map(|a| a.code())),
                offers::track.eq(n.track.as_deref()),
                offers::programme.eq(n.programme.as_deref()),
                offers::place.eq(&f.place),
                offers::wage.eq(f.wage.map(|w| w.0)),
            ),
            (
                offers::quantity.eq(f.quantity),
                offers::remaining.eq(f.quantity),
                offers::unit_value.eq(f.unit_value.0),
                offers::starts_on.eq(f.starts_on),
                offers::ends_on.eq(f.ends_on),
                offers::transfer_id.eq(transfer.map(|t| t.0)),
                offers::closed.eq(false),
                offers::version.eq(1_i64),
                offers::created_by.eq(Some(by)),
                offers::created_at.eq(now),
                offers::updated_at.eq(now),
            ),
        )
    )?;
    Ok(OfferId(id))
}

/// Takes `quantity` from what the offer has left, in the one statement that
/// checks it is there: false (nothing written) when it is not, so two
/// officers matching the last place at once cannot both have it.
pub fn take(
    conn: &mut Conn,
    id: OfferId,
    quantity: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        offers::table
            .filter(offers::id.eq(id.0))
            .filter(offers::closed.eq(false))
            .filter(offers::remaining.ge(quantity)),
    )
    .set((
        offers::remaining.eq(offers::remaining - quantity),
        offers::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Gives back what a declined match held.
pub fn give_back(
    conn: &mut Conn,
    id: OfferId,
    quantity: i64,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(offers::table.filter(offers::id.eq(id.0)))
        .set((
            offers::remaining.eq(offers::remaining + quantity),
            offers::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Closes (or reopens) an offer still at `version`.
pub fn set_closed(
    conn: &mut Conn,
    id: OfferId,
    version: i64,
    closed: bool,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    crate::query::update_at_version!(
        conn,
        offers,
        id.0,
        version,
        (offers::closed.eq(closed), offers::updated_at.eq(now))
    )
}

/// What a list of offers is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct OfferFilter {
    pub provider_id: Option<ProviderId>,
    pub kind: Option<OfferKind>,
    /// Only those not closed with something left.
    pub open_only: bool,
}

/// The offers the scope sees: those of unions in its subtree, and those of
/// its union or a union above it (they serve the scope's households too).
macro_rules! visible {
    ($scope:expr, $above:expr) => {
        $scope
            .covers(offers::union_path)
            .or(offers::union_path.eq_any($above))
    };
}

pub fn find_offer(
    conn: &mut Conn,
    scope: &Scope,
    id: OfferId,
) -> Result<Option<Offer>, StorageError> {
    let above = scope.ancestor_paths();
    let rows: Vec<Joined> = run!(conn, c => offers::table
        .inner_join(providers::table)
        .filter(offers::id.eq(id.0))
        .filter(visible!(scope, &above))
        .select((Row::as_select(), providers::name, providers::kind))
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// The offers the scope sees, newest first.
pub fn list_offers(
    conn: &mut Conn,
    scope: &Scope,
    filter: &OfferFilter,
    page: PageRequest,
) -> Result<Page<Offer>, StorageError> {
    let above = scope.ancestor_paths();
    macro_rules! filtered {
        () => {
            offers::table
                .inner_join(providers::table)
                .filter(visible!(scope, &above))
                .into_boxed()
                .if_some(filter.provider_id, |q, p| {
                    q.filter(offers::provider_id.eq(p.0))
                })
                .if_some(filter.kind, |q, k| q.filter(offers::kind.eq(k.code())))
                .if_some(filter.open_only.then_some(()), |q, ()| {
                    q.filter(offers::closed.eq(false))
                        .filter(offers::remaining.gt(0))
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: offers::id.desc(),
        select: (Row::as_select(), providers::name, providers::kind)))?;
    Ok(page.of(assemble(conn, rows)?, total))
}
