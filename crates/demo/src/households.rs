//! Generated households: workers, their families and the months of incomes
//! each file records, filed through the same rule as an officer's filing.

use crate::fate::fate;
use crate::incomes::{demo_lines, months, Level};
use crate::now;
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

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "梁", "郑", "谢", "冯",
];
const GIVEN: [&str; 30] = [
    "建国", "秀英", "志强", "桂兰", "伟", "芳", "军", "丽华", "海燕", "国庆", "红梅", "小明",
    "德华", "淑珍", "永红", "春梅", "文斌", "晓东", "玉兰", "振华", "美玲", "金生", "爱民", "翠花",
    "立新", "雪梅", "建华", "少军", "佩珊", "家豪",
];
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
        if start.is_multiple_of(10_000) || start == n {
            services.seed_analyze().await?;
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
    born_workers: NaiveDate,
    born_children: NaiveDate,
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
            born_workers: NaiveDate::from_ymd_opt(1966, 1, 1).unwrap_or_default(),
            born_children: NaiveDate::from_ymd_opt(2004, 1, 1).unwrap_or_default(),
            filed_from,
            filing_days: (today - filed_from).num_days().max(1),
        }
    }

    /// A parsed ID number from [`demo_id`], as a filing would read it.
    fn id_number(
        &self,
        field: &'static str,
        region: &str,
        children: bool,
        kind: i64,
        i: i64,
    ) -> Result<IdNumber, ServiceError> {
        let (born, span) = if children {
            (self.born_children, 5_000)
        } else {
            (self.born_workers, 12_000)
        };
        let raw = demo_id(region, born, span, kind, i)
            .ok_or_else(|| ServiceError::Internal("demo id".into()))?;
        Ok(IdNumber::parse(field, &raw, self.today)?)
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
        let worker_id = self.id_number("worker_id_number", &region, false, 0, i)?;
        // Sizes 1–5 averaging about 3.1.
        let surname = *r.pick(&SURNAMES);
        let size: i64 = match r.below(100) {
            0..=7 => 1,
            8..=27 => 2,
            28..=62 => 3,
            63..=90 => 4,
            _ => 5,
        };
        let mut members = Vec::new();
        if size >= 2 {
            let id_number = self.id_number("members", &region, false, 1, i)?;
            members.push(Member {
                name: format!("{}{}", r.pick(&SURNAMES), r.pick(&GIVEN)),
                id_number: Some(id_number),
                relation: Relation::Spouse,
                health: if r.chance(20) {
                    Health::Chronic
                } else {
                    Health::Healthy
                },
                disability_grade: None,
                schooling: Schooling::NotInSchool,
                employment: *r.pick(&[
                    Employment::Flexible,
                    Employment::Unemployed,
                    Employment::Employed,
                ]),
                income: Fen(r.below_i64(150_000)),
            });
        }
        for kid in 0..size.saturating_sub(2) {
            let id_number = self.id_number("members", &region, true, 2, i * 3 + kid)?;
            members.push(Member {
                name: format!("{surname}{}", r.pick(&GIVEN)),
                id_number: Some(id_number),
                relation: Relation::Child,
                health: Health::Healthy,
                disability_grade: None,
                schooling: *r.pick(&[
                    Schooling::Primary,
                    Schooling::Junior,
                    Schooling::Senior,
                    Schooling::College,
                    Schooling::Bachelor,
                ]),
                employment: Employment::NotWorking,
                income: Fen::ZERO,
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
            worker_name: format!("{surname}{}", r.pick(&GIVEN)),
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
                Tier::Local
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
