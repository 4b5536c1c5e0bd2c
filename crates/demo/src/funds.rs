//! Money for the demo's fund officer: the city's finance allocated to two
//! counties, and regular monthly subsidies with the funds that pay them.

use crate::now;
use bangfu_domain::assistance::SubsidyPeriod;
use bangfu_domain::funds::{movement, AccountId, AccountKind, Leg, Source, TransferKind};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Fen, Month, UnionId, UnionLevel};
use bangfu_service::today;
use bangfu_service::{ServiceError, Services};
use bangfu_storage::subsidies::{self, NewSubsidy};
use bangfu_storage::unions::{self, Union};
use bangfu_storage::{ledger, seed, users, Conn};
/// The demo city receives government finance and allocates it to two of
/// its counties: one 200 days ago (never passed on — a finding), one last month.
pub(crate) async fn demo_allocations(
    services: &Services,
    today: chrono::NaiveDate,
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
            let at = now();
            let src = Source::Finance;
            let income = ledger::account(c, city.id, &city.path, AccountKind::Income, src, at)?;
            let fund = ledger::account(c, city.id, &city.path, AccountKind::Fund, src, at)?;
            let received = today - chrono::Duration::days(240);
            let post = |c: &mut Conn,
                        kind,
                        on,
                        amount: i64,
                        legs: Vec<Leg<AccountId>>,
                        to: Option<UnionId>,
                        memo: &str| {
                ledger::post(
                    c,
                    &ledger::NewTransfer {
                        union_id: city.id,
                        union_path: &city.path,
                        kind,
                        source: src,
                        on_date: on,
                        amount: Fen(amount),
                        memo,
                        to_union_id: to,
                        assistance_id: None,
                        reverses: None,
                        created_by: None,
                    },
                    &legs,
                    at,
                )
                .map_err(|e| ServiceError::Internal(e.to_string()))
            };
            post(
                c,
                TransferKind::Receipt,
                received,
                50_000_000,
                movement(income.id, fund.id, Fen(50_000_000)),
                None,
                "市财政帮扶专项资金",
            )?;
            for (k, county) in counties.iter().enumerate() {
                let on = if k == 0 {
                    today - chrono::Duration::days(200)
                } else {
                    today - chrono::Duration::days(30)
                };
                let to = ledger::account(c, county.id, &county.path, AccountKind::Fund, src, at)?;
                post(
                    c,
                    TransferKind::Allocation,
                    on,
                    10_000_000,
                    movement(fund.id, to.id, Fen(10_000_000)),
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
            let now = now();
            let income = ledger::account(
                c,
                officer.union_id,
                &officer.union_path,
                AccountKind::Income,
                Source::Union,
                now,
            )?;
            let fund = ledger::account(
                c,
                officer.union_id,
                &officer.union_path,
                AccountKind::Fund,
                Source::Union,
                now,
            )?;
            let amount = Fen(6 * 12 * 20_000);
            ledger::post(
                c,
                &ledger::NewTransfer {
                    union_id: officer.union_id,
                    union_path: &officer.union_path,
                    kind: TransferKind::Receipt,
                    source: Source::Union,
                    on_date: start.first_day(),
                    amount,
                    memo: "常态化生活补助专项（演示）",
                    to_union_id: None,
                    assistance_id: None,
                    reverses: None,
                    created_by: None,
                },
                &movement(income.id, fund.id, amount),
                now,
            )?;
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
                    crate::now(),
                )?;
                set += 1;
            }
            Ok(set)
        })
        .await
}
