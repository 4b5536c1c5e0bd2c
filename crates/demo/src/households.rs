//! Generated households: workers, their families and the months of incomes
//! each file records, filed through the same rule as an officer's filing.

use crate::fate::fate;
use crate::incomes::{demo_lines, months, Level};
use crate::now;
use crate::people::family;
use crate::random::Gen;
use bangfu_domain::household::*;
use bangfu_domain::identification::Category;
use bangfu_domain::lines::LineBook;
use bangfu_domain::{division, Fen, IdNumber, Month, UnionLevel};
use bangfu_service::seeding::{self, Books};
use bangfu_service::today;
use bangfu_service::{ServiceError, Services};
use bangfu_storage::unions::{self, Union};
use bangfu_storage::{households as hs, lines};
use chrono::NaiveDate;

/// What the household generator made.
#[derive(Debug, Clone)]
pub struct HouseholdSummary {
    pub households: usize,
    pub people: usize,
    pub months: usize,
}

const STREETS: [&str; 8] = [
    "解放路",
    "人民路",
    "中山路",
    "建设路",
    "工业大道",
    "新华街",
    "和平里",
    "东风路",
];

/// A valid ID number unique to (`kind`, `i`): the region, a birth date
/// walked day by day from `born_from`, and a sequence that keeps the
/// workers, spouses and children of the generator apart.
#[cfg(test)]
pub(crate) fn demo_id(
    region: &str,
    born_from: NaiveDate,
    span_days: i64,
    kind: i64,
    i: i64,
) -> Option<String> {
    let day = born_from + chrono::Duration::days(i % span_days);
    let seq = kind * 300 + (i / span_days) % 300;
    let first17 = format!("{region}{}{seq:03}", day.format("%Y%m%d"));
    let check = bangfu_domain::id_number::check_digit(&first17)?;
    Some(format!("{first17}{check}"))
}

/// The local level (建档标准) of the `i`-th household's 地方级 file, without a
/// draw (the other fields stay as they were): of 10, one 省级, three 地市级,
/// four 区县级, two 基层.
fn local_tier(i: i64) -> Tier {
    match i.rem_euclid(10) {
        0 => Tier::Province,
        1..=3 => Tier::City,
        4..=7 => Tier::County,
        _ => Tier::Grassroots,
    }
}

/// Generates `n` realistic households over the active grassroots unions —
/// sizes, categories, tiers and causes in proportions like Guangdong's 2019
/// panel (source 000: about 42 % 全国级; of those 11 % 低保户, 45 % 低保边缘户,
/// 44 % 意外致困户; 3.1 people per household), filed between 2014 and now
/// (so across the 2016-10-31 baseline cut-off), each with the last 12
/// months of incomes. Sets demo lines first when none exist. Every file is
/// audited as the operator's act.
pub async fn load_households(
    services: &Services,
    n: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<HouseholdSummary, ServiceError> {
    load_households_months(services, n, 12, progress).await
}

/// [`load_households`] with `months` months of incomes each (ending last
/// month, never before the filing month's year 2014).
///
/// The incomes already tell each file's future that [`crate::load_exits`] will
/// record (see [`crate::fate`]): a household that gets out is above the line for
/// the months before its exit and after it (below again from a relapse);
/// one that stays on file dips to or below the line at least one month in
/// any six — except about 5 % that have been above it for the last nine
/// months, the "ready to exit" list the monthly run will find.
pub async fn load_households_months(
    services: &Services,
    n: usize,
    months: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<HouseholdSummary, ServiceError> {
    let recorded = i32::try_from(months.clamp(1, 120)).unwrap_or(12);
    services.prepare().await?;
    let (grassroots, offset) = services
        .seed_write(|c| {
            if lines::all(c, None)?.is_empty() {
                for l in demo_lines() {
                    lines::upsert(c, &l, None, now())?;
                }
            }
            Ok((
                unions::by_level_unscoped(c, UnionLevel::Grassroots)?,
                hs::count_all(c)?,
            ))
        })
        .await?;
    if grassroots.is_empty() {
        return Err(ServiceError::Rule(
            "还没有基层工会：请先载入演示组织树（bangfu demo）".into(),
        ));
    }
    let grassroots = std::sync::Arc::new(grassroots);
    let plan = std::sync::Arc::new(Plan::new(today(), recorded));
    let (mut made, mut people, mut months) = (0usize, 0usize, 0usize);
    let batch = 250usize;
    let mut start = 0usize;
    let before = usize::try_from(offset).unwrap_or(0);
    let mut analyzed = before.max(5_000);
    while start < n {
        let end = (start + batch).min(n);
        let g = grassroots.clone();
        let plan = plan.clone();
        let (m, p, k) = services
            .seed_write(move |c| {
                let books = Books::load(c)?;
                let (mut m, mut p, mut k) = (0usize, 0usize, 0usize);
                for j in start..end {
                    let i = i64::try_from(j).unwrap_or(0) + offset;
                    let union = &g[usize::try_from(i).unwrap_or(0) % g.len()];
                    let (data, members, incomes) = plan.household(i, union, books.lines())?;
                    seeding::file_household(c, union, &data, &members, &incomes, &books)?;
                    m += 1;
                    p += members.len() + 1;
                    k += incomes.len();
                }
                Ok((m, p, k))
            })
            .await?;
        made += m;
        people += p;
        months += k;
        start = end;
        // Statistics each time the files on hand have doubled (and at the
        // end): the planner needs them as tables grow several times over,
        // and at every 10 000 files re-reading a database of millions would
        // cost more than generating it.
        if before + start >= analyzed * 2 || start == n {
            services.seed_analyze().await?;
            analyzed = before + start;
        }
        if start.is_multiple_of(10_000) || start == n {
            progress(&format!("已生成 {start} / {n} 户"));
        }
    }
    Ok(HouseholdSummary {
        households: made,
        people,
        months,
    })
}

/// What every household of one load shares: today, how many months each
/// records, and the ranges birth and filing dates are drawn from.
struct Plan {
    today: NaiveDate,
    last_month: Month,
    recorded: i32,
    filed_from: NaiveDate,
    filing_days: i64,
}

impl Plan {
    fn new(today: NaiveDate, recorded: i32) -> Self {
        let filed_from = NaiveDate::from_ymd_opt(2014, 1, 1).unwrap_or_default();
        Self {
            today,
            last_month: Month::of_date(today).pred(),
            recorded,
            filed_from,
            filing_days: (today - filed_from).num_days().max(1),
        }
    }

    /// The `i`-th household of the database, under `union`: its data, its
    /// members and its months of incomes (the same on every run).
    fn household(
        &self,
        i: i64,
        union: &Union,
        lines: &LineBook,
    ) -> Result<(HouseholdData, Vec<Member>, Vec<MonthlyIncome>), ServiceError> {
        let mut r = Gen::new(
            0x9E37_79B9_7F4A_7C15
                ^ (u64::try_from(i).unwrap_or(0) + 1).wrapping_mul(0x2545_F491_4F6C_DD1D),
        );
        let region = union.division_code.clone();
        // Sizes 1–5 averaging about 3.1.
        let size: i64 = match r.below(100) {
            0..=7 => 1,
            8..=27 => 2,
            28..=62 => 3,
            63..=90 => 4,
            _ => 5,
        };
        let mut people = family(&mut r, &region, i, size, self.today).into_iter();
        let worker = people
            .next()
            .ok_or_else(|| ServiceError::Internal("demo worker".into()))?;
        let worker_id = IdNumber::parse("worker_id_number", &worker.id_number, self.today)?;
        let mut members = Vec::new();
        for p in people {
            let spouse = p.relation == Some(Relation::Spouse);
            members.push(Member {
                name: p.name,
                id_number: Some(IdNumber::parse("members", &p.id_number, self.today)?),
                relation: p.relation.unwrap_or(Relation::Other),
                health: if spouse && r.chance(20) {
                    Health::Chronic
                } else {
                    Health::Healthy
                },
                disability_grade: None,
                schooling: p.schooling,
                employment: p.employment,
                income: if spouse || p.employment != Employment::NotWorking {
                    Fen(r.below_i64(150_000))
                } else {
                    Fen::ZERO
                },
            });
        }
        let national = r.chance(42);
        let profile = r.below(100);
        let (category, income_pct, rigid_pct) = match profile {
            0..=10 => (Category::Dibao, 60 + r.below(35), r.below(30)),
            11..=55 => (Category::NearDibao, 100 + r.below(45), 10 + r.below(40)),
            _ => (Category::Sudden, 150 + r.below(250), 60 + r.below(200)),
        };
        let mut causes = vec![*r.pick(HardshipCause::ALL)];
        if r.chance(40) {
            causes.push(*r.pick(HardshipCause::ALL));
        }
        let health = if causes.contains(&HardshipCause::Illness) {
            Health::Serious
        } else if causes.contains(&HardshipCause::Disability) {
            Health::Disabled
        } else {
            Health::Healthy
        };
        let filed_on = self.filed_from
            + chrono::Duration::days(r.below_i64(u64::try_from(self.filing_days).unwrap_or(1)));
        let data: HouseholdData = HouseholdData {
            worker_name: worker.name,
            worker_id_number: worker_id,
            phone: format!("13{}{:08}", 5 + r.below(5), r.below(100_000_000)),
            address: format!(
                "{}{}{}号",
                division::lookup(&region)
                    .map(|d| d.name.as_str())
                    .unwrap_or(""),
                r.pick(&STREETS),
                1 + r.below(300)
            ),
            division_code: region.clone(),
            employer: union.name.trim_end_matches("工会").to_owned(),
            employer_kind: *r.pick(EmployerKind::ALL),
            employment: *r.pick(&[
                Employment::Employed,
                Employment::Flexible,
                Employment::LaidOff,
                Employment::Unemployed,
            ]),
            labour_capacity: if health == Health::Healthy {
                LabourCapacity::Full
            } else {
                LabourCapacity::Partial
            },
            health,
            disability_grade: (health == Health::Disabled)
                .then(|| 1 + i32::try_from(r.below(4)).unwrap_or(0)),
            migrant: r.chance(12),
            zero_employment: r.chance(6),
            closure_laid_off: r.chance(8),
            trade_friction: r.chance(3),
            causes: Causes::new(causes)?,
            category,
            tier: if national {
                Tier::National
            } else {
                local_tier(i)
            },
            filed_on,
            dibao_since: (category == Category::Dibao).then(|| Month::of_date(filed_on)),
            other_relief_since: None,
            notes: String::new(),
        };
        // The months ending last month, around the household's level and
        // shaped by what will become of it.
        let destiny = fate(
            data.worker_id_number.as_str(),
            union.id.0,
            filed_on,
            health != Health::Healthy,
            category,
            self.today,
        );
        let level = Level {
            income_pct,
            rigid_pct,
        };
        let incomes = months(
            &mut r,
            lines,
            &region,
            size,
            level,
            &destiny,
            self.last_month,
            self.recorded,
        );
        Ok((data, members, incomes))
    }
}
