//! What each provider gave over a period: the delivered matches of
//! households in scope, and the cash donations received by unions in scope.

use crate::db::{run, Conn};
use crate::query::union_names;
use crate::schema::{matches, providers, resources};
use crate::{Scope, StorageError};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::resources::{MatchStatus, ProviderId, ProviderKind, ResourceKind};
use bangfu_domain::Fen;
use chrono::NaiveDate;
use diesel::prelude::*;

/// One delivered match, as the report counts it.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub provider_id: ProviderId,
    pub kind: ResourceKind,
    pub household_id: HouseholdId,
    pub quantity: i64,
    pub unit_value: Fen,
}

/// The matches of households in scope delivered from `from` to `to`
/// (inclusive), optionally of one provider.
pub fn delivered(
    conn: &mut Conn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    provider: Option<ProviderId>,
) -> Result<Vec<Delivered>, StorageError> {
    let statuses: Vec<&str> = MatchStatus::ALL
        .iter()
        .filter(|s| s.delivered())
        .map(|s| s.code())
        .collect();
    let rows: Vec<(i64, String, i64, i64, i64)> = run!(conn, c => {
        let mut q = matches::table
            .inner_join(resources::table)
            .filter(scope.covers(matches::union_path))
            .filter(matches::status.eq_any(&statuses))
            .filter(matches::outcome_on.ge(from))
            .filter(matches::outcome_on.le(to))
            .into_boxed();
        if let Some(p) = provider {
            q = q.filter(resources::provider_id.eq(p.0));
        }
        q.select((
            resources::provider_id,
            resources::kind,
            matches::household_id,
            matches::quantity,
            resources::unit_value,
        ))
        .load(c)
    })?;
    rows.into_iter()
        .map(|(p, kind, h, q, v)| {
            Ok(Delivered {
                provider_id: ProviderId(p),
                kind: ResourceKind::parse(&kind)
                    .map_err(|_| StorageError::Corrupt(format!("resource kind {kind}")))?,
                household_id: HouseholdId(h),
                quantity: q,
                unit_value: Fen(v),
            })
        })
        .collect()
}

/// Cash donations received into the funds of unions in scope from `from`
/// to `to`: (provider, amount), one per resource.
pub fn received(
    conn: &mut Conn,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
    provider: Option<ProviderId>,
) -> Result<Vec<(ProviderId, Fen)>, StorageError> {
    let rows: Vec<(i64, i64)> = run!(conn, c => {
        let mut q = resources::table
            .filter(scope.covers(resources::union_path))
            .filter(resources::kind.eq(ResourceKind::Cash.code()))
            .filter(resources::transfer_id.is_not_null())
            .filter(resources::starts_on.ge(from))
            .filter(resources::starts_on.le(to))
            .into_boxed();
        if let Some(p) = provider {
            q = q.filter(resources::provider_id.eq(p.0));
        }
        q.select((resources::provider_id, resources::quantity)).load(c)
    })?;
    Ok(rows
        .into_iter()
        .map(|(p, a)| (ProviderId(p), Fen(a)))
        .collect())
}

/// Who the providers are: (name, kind, keeping union's name) by id. The
/// caller names only providers whose resources reached its scope.
pub fn providers_named(
    conn: &mut Conn,
    ids: &[ProviderId],
) -> Result<Vec<(ProviderId, String, ProviderKind, String)>, StorageError> {
    let ids: Vec<i64> = ids.iter().map(|p| p.0).collect();
    let rows: Vec<(i64, String, String, i64)> = run!(conn, c => providers::table
        .filter(providers::id.eq_any(&ids))
        .order((providers::name, providers::id))
        .select((providers::id, providers::name, providers::kind, providers::union_id))
        .load(c))?;
    let unions = union_names(conn, rows.iter().map(|r| r.3))?;
    rows.into_iter()
        .map(|(id, name, kind, union)| {
            Ok((
                ProviderId(id),
                name,
                ProviderKind::parse(&kind)
                    .map_err(|_| StorageError::Corrupt(format!("provider {id} kind")))?,
                unions.get(&union).cloned().unwrap_or_default(),
            ))
        })
        .collect()
}
