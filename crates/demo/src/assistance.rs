//! A believable record of assistance: yearly plans and their measures,
//! acts of assistance paid through balanced ledger transfers, visits and
//! pairings, with a few records that break the audit's rules on purpose.

use crate::funds::demo_allocations;
use crate::random::Gen;
use crate::{at, chunks, now};
use bangfu_domain::funds::{AccountKind, Source};
use bangfu_domain::{Fen, UnionId, UnionPath};
use bangfu_service::today;
use bangfu_service::{ServiceError, Services};
use bangfu_storage::seed::{self, SeedHousehold};
use bangfu_storage::{findings, ledger, users, Conn};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// What the assistance generator made.
#[derive(Debug, Clone, Default)]
pub struct AssistanceSummary {
    pub households: usize,
    pub plans: usize,
    pub measures: usize,
    pub records: usize,
    pub with_cash: usize,
    pub transfers: usize,
    pub visits: usize,
    pub paired: usize,
}

/// Standards the demo ships (illustrative, of the right size): living
/// 2 000, medical 5 000, education 3 000, 送温暖 1 000 yuan per act
/// nationwide; medical 6 000 in Guangdong.
fn demo_standards() -> [(&'static str, &'static str, i64); 5] {
    [
        ("living", "", 200_000),
        ("medical", "", 500_000),
        ("education", "", 300_000),
        ("warmth", "", 100_000),
        ("medical", "440000", 600_000),
    ]
}

/// Generates a believable record of assistance for every household on
/// file filed after the last one that has any: for each of the last `years` years since its filing,
/// an approved plan with one or two measures and 2–6 acts of assistance
/// (about 60 % with cash, each paid through a balanced disbursement from
/// the giving union's fund account, funded first by a receipt dated the
/// first of that year). A few records break the audit's rules on purpose
/// (a duplicate, an over-standard payment, one without a measure) so the
/// fund audit has something to find. With `demo`, also pairs the demo
/// officers' households with them, records visits, and has the city
/// allocate money to two counties (one long ago, never passed on).
///
/// Households are taken a union at a time (a chunk of unions per
/// transaction) and written with bulk inserts.
pub async fn load_assistance(
    services: &Services,
    years: i32,
    demo: bool,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<AssistanceSummary, ServiceError> {
    let today = today();
    let (unions_list, officers, after) = services
        .seed_write(move |c| {
            let after = seed::last_assisted_household(c)?;
            if findings::standards(c)?.is_empty() {
                for (k, code, max) in demo_standards() {
                    findings::set_standard(c, k, code, Fen(max), None, now())?;
                }
            }
            let mut officers = Vec::new();
            if demo {
                for name in ["demo-officer", "demo-officer2"] {
                    if let Some((u, _)) = users::credentials(c, name)? {
                        officers.push((u.id.0, u.union_id.0, u.union_path.as_str().to_owned()));
                    }
                }
            }
            Ok((seed::household_unions(c, after)?, officers, after))
        })
        .await?;
    let total: i64 = unions_list.iter().map(|u| u.2).sum();
    let mut summary = AssistanceSummary::default();
    let first_year = today.year() - years + 1;
    let mut planted = 0u32;
    let batches = chunks(&unions_list);
    for (k, batch) in batches.iter().enumerate() {
        let batch = batch.to_vec();
        let officers = officers.clone();
        let plant = planted;
        let (s, p) = services
            .seed_write(move |c| {
                let union_ids: Vec<i64> = batch.iter().map(|b| b.0).collect();
                let households = seed::households_of(c, &union_ids, after)?;
                // Files that left get records only before they left (a
                // relieved one stays under regular assistance).
                let left_on =
                    seed::left_on_of(c, &households.iter().map(|h| h.id).collect::<Vec<_>>())?;
                let mut chunk = Chunk::new(seed::next_ids(c)?, today, first_year, plant);
                for (union_id, union_path, _) in &batch {
                    // Who is responsible for this union's households, in the demo.
                    let officer = officers
                        .iter()
                        .find(|(_, _, p)| union_path.starts_with(p.as_str()))
                        .map(|(u, ou, _)| (*u, *ou));
                    let mine = households.iter().filter(|h| h.union_id == *union_id);
                    chunk.union(c, (*union_id, union_path), officer, mine, &left_on)?;
                }
                chunk.insert(c)
            })
            .await?;
        planted = p;
        summary.add(&s);
        if summary.households % 20_000 < 2_100 || k + 1 == batches.len() {
            progress(&format!(
                "已为 {} / {total} 户生成帮扶记录",
                summary.households
            ));
        }
    }
    if demo {
        demo_allocations(services, today).await?;
    }
    services.seed_analyze().await?;
    Ok(summary)
}

impl AssistanceSummary {
    fn add(&mut self, s: &AssistanceSummary) {
        self.households += s.households;
        self.plans += s.plans;
        self.measures += s.measures;
        self.records += s.records;
        self.with_cash += s.with_cash;
        self.transfers += s.transfers;
        self.visits += s.visits;
        self.paired += s.paired;
    }
}

/// The rows one transaction inserts, with the next id of each table, so
/// records, transfers and entries can point at each other before they are
/// written.
pub(crate) struct Chunk {
    pub ids: seed::Ids,
    pub today: NaiveDate,
    pub first_year: i32,
    /// How far the planted audit findings have got: 0 none yet, 1 a
    /// duplicate, 2 an over-standard payment too.
    pub plant: u32,
    pub s: AssistanceSummary,
    pub plans: Vec<seed::PlanRow>,
    pub measures: Vec<seed::MeasureRow>,
    pub records: Vec<seed::AssistanceRow>,
    pub transfers: Vec<seed::TransferRow>,
    pub entries: Vec<seed::EntryRow>,
    pub visits: Vec<seed::VisitRow>,
    pub pairings: Vec<seed::PairingRow>,
}

/// A union's own accounts, by id: where receipts come in, the fund they
/// fill, and where payments go out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Accounts {
    pub income: i64,
    pub fund: i64,
    pub payout: i64,
}

impl Chunk {
    fn new(ids: seed::Ids, today: NaiveDate, first_year: i32, plant: u32) -> Self {
        Self {
            ids,
            today,
            first_year,
            plant,
            s: AssistanceSummary::default(),
            plans: Vec::new(),
            measures: Vec::new(),
            records: Vec::new(),
            transfers: Vec::new(),
            entries: Vec::new(),
            visits: Vec::new(),
            pairings: Vec::new(),
        }
    }

    /// The history of one union's households, and the receipts that fund
    /// each year's payments, dated the first of the year.
    fn union<'h>(
        &mut self,
        c: &mut Conn,
        (union_id, union_path): (i64, &String),
        officer: Option<(i64, i64)>,
        households: impl Iterator<Item = &'h SeedHousehold>,
        left_on: &HashMap<i64, NaiveDate>,
    ) -> Result<(), ServiceError> {
        let today = self.today;
        let path = UnionPath::from_stored(union_path.clone());
        let created = at(
            NaiveDate::from_ymd_opt(self.first_year, 1, 1).unwrap_or(today),
            8,
        );
        let mut account = |kind| {
            ledger::account(c, UnionId(union_id), &path, kind, Source::Union, created)
                .map(|a| a.id.0)
        };
        let accounts = Accounts {
            fund: account(AccountKind::Fund)?,
            income: account(AccountKind::Income)?,
            payout: account(AccountKind::Payout)?,
        };
        if let Some((user, ou)) = officer {
            self.s.paired += seed::pair_union(c, union_id, ou, user)?;
        }
        // Cash paid per year, for the receipts that fund it.
        let mut paid_by_year: BTreeMap<i32, i64> = BTreeMap::new();
        for h in households {
            let until = match h.status.as_str() {
                "on_file" | "relieved" => today + Duration::days(1),
                "exited" | "removed" => match left_on.get(&h.id) {
                    Some(d) => *d,
                    None => continue,
                },
                _ => continue,
            };
            let mut r = Gen::new(
                0x51_7CC1_B727_220A
                    ^ (u64::try_from(h.id).unwrap_or(0) + 7).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            if let Some((user, ou)) = officer {
                if let Some(on) = self.visits(&mut r, h, (user, ou), until) {
                    seed::set_last_visit(c, h.id, on)?;
                }
            }
            self.s.households += 1;
            for year in self.first_year..=today.year() {
                self.year(&mut r, h, year, until, officer, accounts, &mut paid_by_year);
            }
        }
        for (year, paid) in paid_by_year {
            let on = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
            let amount = (paid / 1_000_000 + 1) * 1_000_000;
            let t = self.next_transfer();
            self.post(
                seed::TransferRow {
                    id: t,
                    union_id,
                    union_path: union_path.clone(),
                    kind: "receipt".into(),
                    source: "union".into(),
                    on_date: on,
                    amount,
                    memo: format!("{year} 年帮扶资金"),
                    to_union_id: None,
                    assistance_id: None,
                    reverses_id: None,
                    created_by: None,
                    created_at: at(on, 8),
                },
                [(accounts.income, -amount), (accounts.fund, amount)],
            );
        }
        Ok(())
    }

    /// Pairs `h` with the demo officer from 400 days ago (or its filing)
    /// until it left, and records one to three visits of the last year;
    /// returns the latest.
    fn visits(
        &mut self,
        r: &mut Gen,
        h: &SeedHousehold,
        (user, ou): (i64, i64),
        until: NaiveDate,
    ) -> Option<NaiveDate> {
        let today = self.today;
        let from = h.filed_on.max(today - Duration::days(400));
        if from < until {
            self.pairings.push(seed::PairingRow {
                household_id: h.id,
                union_id: ou,
                responsible_id: user,
                from_at: at(from, 9),
                until_at: (until <= today).then(|| at(until, 17)),
                note: "一帮一结对".into(),
                created_by: None,
            });
        }
        let mut last = None;
        for k in 0..(1 + r.below(3)) {
            let back = i64::try_from(20 + k * 110 + r.below(60)).unwrap_or(30);
            let on = today - Duration::days(back);
            if on < h.filed_on || on >= until {
                continue;
            }
            self.visits.push(seed::VisitRow {
                id: self.ids.visit,
                household_id: h.id,
                union_path: h.union_path.clone(),
                visited_on: on,
                met: "户主本人及家属".into(),
                looked: "住房陈旧但整洁，家电简单".into(),
                asked: "询问就医、子女上学和就业情况".into(),
                explained: "讲解医疗互助、金秋助学和技能培训政策".into(),
                findings: "生活困难，需持续帮扶".into(),
                needs: if r.chance(40) {
                    "希望推荐就业岗位".into()
                } else {
                    String::new()
                },
                recorded_by: user,
                created_at: at(on, 16),
            });
            self.ids.visit += 1;
            self.s.visits += 1;
            last = Some(last.map_or(on, |l: NaiveDate| l.max(on)));
        }
        last
    }

    pub(crate) fn next_transfer(&mut self) -> i64 {
        let t = self.ids.transfer;
        self.ids.transfer += 1;
        t
    }

    /// A transfer and its two balanced legs, dated the transfer's day.
    pub(crate) fn post(&mut self, row: seed::TransferRow, legs: [(i64, i64); 2]) {
        for (account_id, amount) in legs {
            self.entries.push(seed::EntryRow {
                id: self.ids.entry,
                transfer_id: row.id,
                account_id,
                amount,
                on_date: row.on_date,
            });
            self.ids.entry += 1;
        }
        self.transfers.push(row);
    }

    /// Writes the chunk (parents before the rows that point at them) and
    /// moves the sequences past the explicit ids.
    fn insert(mut self, c: &mut Conn) -> Result<(AssistanceSummary, u32), ServiceError> {
        seed::insert_plans(c, &self.plans)?;
        seed::insert_measures(c, &self.measures)?;
        seed::insert_transfers(c, &self.transfers)?;
        seed::insert_assistance(c, &self.records)?;
        seed::insert_entries(c, &self.entries)?;
        seed::insert_visits(c, &self.visits)?;
        seed::insert_pairings(c, &self.pairings)?;
        let mut paired_on: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
        for p in self.pairings.iter().filter(|p| p.until_at.is_none()) {
            paired_on
                .entry(bangfu_domain::china_date(p.from_at))
                .or_default()
                .push(p.household_id);
        }
        seed::set_paired_on(c, &paired_on)?;
        self.s.transfers += self.transfers.len();
        seed::sync_sequences(c)?;
        Ok((self.s, self.plant))
    }
}
