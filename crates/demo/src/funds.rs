//! Money for the demo's fund officer: the city's finance allocated to two
//! counties, and regular monthly subsidies with the funds that pay them.

use crate::now;
use bangfu_domain::assistance::SubsidyPeriod;
use bangfu_domain::funds::{movement, AccountId, AccountKind, Source, TransferKind};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Fen, Month, UnionId, UnionLevel, UnionPath};
use bangfu_service::today;
use bangfu_service::{ServiceError, Services};
use bangfu_storage::subsidies::{self, NewSubsidy};
use bangfu_storage::unions::{self, Union};
use bangfu_storage::{ledger, seed, users, Conn};
use chrono::{NaiveDate, NaiveDateTime};

/// The demo city receives government finance and allocates it to two of
/// its counties: one 200 days ago (never passed on — a finding), one last month.
pub(crate) async fn demo_allocations(
    services: &Services,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    services
        .seed_write(move |c| {
            let Some(city) = unions::by_level_unscoped(c, UnionLevel::City)?
                .into_iter()
                .find(|u| u.division_code == "440100")
            else {
                return Ok(());
            };
            let counties: Vec<Union> = unions::children_unscoped(c, city.id)?
                .into_iter()
                .take(2)
                .collect();
            let books = Books {
                union: (city.id, &city.path),
                source: Source::Finance,
                at: now(),
            };
            let received = today - chrono::Duration::days(240);
            let fund = books.receive(c, received, Fen(50_000_000), "市财政帮扶专项资金")?;
            for (k, county) in counties.iter().enumerate() {
                let on = if k == 0 {
                    today - chrono::Duration::days(200)
                } else {
                    today - chrono::Duration::days(30)
                };
                let to = ledger::account(
                    c,
                    county.id,
                    &county.path,
                    AccountKind::Fund,
                    books.source,
                    books.at,
                )?;
                books.post(
                    c,
                    TransferKind::Allocation,
                    on,
                    (fund, to.id, Fen(10_000_000)),
                    Some(county.id),
                    "下拨区县帮扶资金",
                )?;
            }
            Ok(())
        })
        .await
}

/// A few monthly living subsidies (送温暖常态化) in the demo officer's county,
/// paid from the county's union funds and started two months ago, so the
/// fund officer's due list has something to generate and pay. Returns how
/// many were set.
pub async fn load_subsidies(services: &Services) -> Result<usize, ServiceError> {
    services
        .seed_write(|c| {
            let Some((officer, _)) = users::credentials(c, "demo-officer")? else {
                return Ok(0);
            };
            let county = officer.union_path.as_str().to_owned();
            let ids: Vec<i64> = seed::household_unions(c, 0)?
                .into_iter()
                .filter(|u| u.1.starts_with(&county))
                .map(|u| u.0)
                .collect();
            let today = today();
            let start = Month::of_date(today).add_months(-2);
            // The county's own union funds pay them: a year's worth received first.
            let books = Books {
                union: (officer.union_id, &officer.union_path),
                source: Source::Union,
                at: now(),
            };
            let memo = "常态化生活补助专项（演示）";
            books.receive(c, start.first_day(), Fen(6 * 12 * 20_000), memo)?;
            let mut set = 0;
            for h in seed::households_of(c, &ids, 0)?
                .iter()
                .filter(|h| h.status == "on_file")
                .take(6)
            {
                subsidies::insert(
                    c,
                    &NewSubsidy {
                        household_id: HouseholdId(h.id),
                        union_id: officer.union_id,
                        union_path: &officer.union_path,
                        amount: Fen(20_000),
                        period: SubsidyPeriod::Monthly,
                        start_month: start,
                        end_month: None,
                        source: Source::Union,
                        measure_id: None,
                        created_by: Some(officer.id.0),
                    },
                    now(),
                )?;
                set += 1;
            }
            Ok(set)
        })
        .await
}

/// A union's books of one source of money, as the generator posts to them
/// (balanced transfers through the ledger, written at `at`).
struct Books<'a> {
    union: (UnionId, &'a UnionPath),
    source: Source,
    at: NaiveDateTime,
}

impl Books<'_> {
    /// Receives `amount` on `on` into the union's fund (through its income
    /// account); returns the fund account.
    fn receive(
        &self,
        c: &mut Conn,
        on: NaiveDate,
        amount: Fen,
        memo: &str,
    ) -> Result<AccountId, ServiceError> {
        let (id, path) = self.union;
        let income = ledger::account(c, id, path, AccountKind::Income, self.source, self.at)?;
        let fund = ledger::account(c, id, path, AccountKind::Fund, self.source, self.at)?;
        let movement = (income.id, fund.id, amount);
        self.post(c, TransferKind::Receipt, on, movement, None, memo)?;
        Ok(fund.id)
    }

    /// One balanced transfer of `amount` from one account to another.
    fn post(
        &self,
        c: &mut Conn,
        kind: TransferKind,
        on: NaiveDate,
        (from, to, amount): (AccountId, AccountId, Fen),
        to_union_id: Option<UnionId>,
        memo: &str,
    ) -> Result<(), ServiceError> {
        let (union_id, union_path) = self.union;
        let transfer = ledger::NewTransfer {
            union_id,
            union_path,
            kind,
            source: self.source,
            on_date: on,
            amount,
            memo,
            to_union_id,
            assistance_id: None,
            reverses: None,
            created_by: None,
        };
        ledger::post(c, &transfer, &movement(from, to, amount), self.at)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(())
    }
}

/// Runs the fund audit once over the whole tree, as the operator, at the end
/// of loading: the auditor's 资金审计 page shows the planted problems (repeat
/// payments, over the standard, allocations not passed on) without anyone
/// pressing 运行 first. Returns how many findings it recorded.
pub async fn load_fund_audit(services: &Services) -> Result<usize, ServiceError> {
    Ok(services.seed_fund_audit().await?.added)
}
