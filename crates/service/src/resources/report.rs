//! What each provider gave (社会资源贡献), per period: the report, its
//! Excel sheet and the letter of thanks (感谢信) read the same figures.

use crate::assistance::parse_date;
use crate::clock::today;
use crate::person_export::{Cell, Sheet};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::resources::{Given, ProviderId, ProviderKind};
use bangfu_domain::{Fen, Permission, ValidationError};
use bangfu_storage::resources as store;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// One provider's line of the report.
#[derive(Debug, Clone)]
pub struct ProviderGiving {
    pub provider_id: ProviderId,
    pub name: String,
    pub kind: ProviderKind,
    /// The union that keeps the provider.
    pub union_name: String,
    pub given: Given,
    /// Households its delivered matches reached.
    pub households: usize,
    /// Cash donations received into the funds in the period.
    pub received: Fen,
}

/// The report over a period, for the caller's subtree.
#[derive(Debug, Clone)]
pub struct GivingReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<ProviderGiving>,
    pub total: Given,
    /// Households reached by any provider.
    pub households: usize,
    pub received: Fen,
    /// The caller's union, which thanks (signs the letter).
    pub union_name: String,
}

/// The period a person typed: this year to today when blank.
fn period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let today = today();
    let from = parse_date("from", from)?
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let to = parse_date("to", to)?.unwrap_or(today);
    if to < from {
        return Err(ValidationError::new("to", "截止日期不能早于起始日期").into());
    }
    Ok((from, to))
}

impl Services {
    /// What each provider gave to the households of the caller's subtree
    /// from `from` to `to` (this year when blank), optionally one provider.
    pub async fn resources_report(
        &self,
        actor: &Actor,
        from: &str,
        to: &str,
        provider: Option<ProviderId>,
    ) -> Result<GivingReport, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let (from, to) = period(from, to)?;
        let scope = actor.scope();
        let union_name = actor.user.union_name.clone();
        self.read(move |c| {
            if let Some(p) = provider {
                store::find_provider(c, &scope, p)?.ok_or(ServiceError::NotFound("资源提供方"))?;
            }
            let delivered = store::delivered(c, &scope, from, to, provider)?;
            let received = store::received(c, &scope, from, to, provider)?;
            let mut given: BTreeMap<ProviderId, (Given, BTreeSet<i64>, Fen)> = BTreeMap::new();
            let mut reached = BTreeSet::new();
            for d in &delivered {
                let e = given.entry(d.provider_id).or_default();
                e.0.add(d.kind, d.quantity, d.unit_value);
                e.1.insert(d.household_id.0);
                reached.insert(d.household_id.0);
            }
            for (p, amount) in &received {
                let e = given.entry(*p).or_default();
                e.2 = Fen(e.2 .0.saturating_add(amount.0));
            }
            let ids: Vec<ProviderId> = given.keys().copied().collect();
            let mut rows = Vec::new();
            for (id, name, kind, union_name) in store::providers_named(c, &ids)? {
                let (g, households, received) = given.remove(&id).unwrap_or_default();
                rows.push(ProviderGiving {
                    provider_id: id,
                    name,
                    kind,
                    union_name,
                    given: g,
                    households: households.len(),
                    received,
                });
            }
            let total = rows.iter().fold(Given::default(), |t, r| t.plus(r.given));
            let received = Fen(rows.iter().map(|r| r.received.0).sum());
            Ok(GivingReport {
                from,
                to,
                rows,
                total,
                households: reached.len(),
                received,
                union_name,
            })
        })
        .await
    }
}

impl GivingReport {
    /// The report as one sheet: a line per provider and the total.
    pub fn sheet(&self) -> Sheet {
        let line = |name: &str, kind: &str, union: &str, g: &Given, h: usize, r: Fen| {
            vec![
                Cell::Text(name.to_owned()),
                Cell::Text(kind.to_owned()),
                Cell::Text(union.to_owned()),
                Cell::Money(r),
                Cell::Money(g.cash),
                Cell::Int(g.goods),
                Cell::Money(g.goods_value),
                Cell::Int(g.jobs),
                Cell::Int(g.trainees),
                Cell::Int(g.services),
                Cell::Int(g.hours),
                Cell::Int(i64::try_from(h).unwrap_or(i64::MAX)),
            ]
        };
        let mut rows: Vec<Vec<Cell>> = self
            .rows
            .iter()
            .map(|r| {
                line(
                    &r.name,
                    r.kind.label(),
                    &r.union_name,
                    &r.given,
                    r.households,
                    r.received,
                )
            })
            .collect();
        rows.push(line(
            "合计",
            "",
            "",
            &self.total,
            self.households,
            self.received,
        ));
        Sheet {
            name: "社会资源贡献",
            headers: vec![
                "提供方",
                "类别",
                "登记工会",
                "捐赠资金到账（元）",
                "发放现金（元）",
                "物资（件）",
                "物资折价（元）",
                "就业安置（人）",
                "培训（人）",
                "服务（人次）",
                "志愿服务（小时）",
                "惠及家庭（户）",
            ],
            rows,
        }
    }
}
