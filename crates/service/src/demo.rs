//! The demo dataset: a real slice of the union tree (Guangdong and Wuzhou in
//! Guangxi, the places the source documents come from) and one account per role.

use crate::crypto::generate_password;
use crate::{Operator, ServiceError, Services};
use bangfu_domain::division;
use bangfu_domain::UnionLevel;
use bangfu_storage::unions::Union;

/// An account the demo created, with its freshly generated password.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: &'static str,
    pub union_name: String,
    pub password: String,
}

const GRASSROOTS: [&str; 3] = ["机械厂工会", "人民医院工会", "公共交通集团工会"];

/// Province → cities → counties; the first three districts of each city.
const TREE: [(&str, &[&str]); 2] = [
    ("440000", &["440100", "440300", "440600"]),
    ("450000", &["450400"]),
];

fn union_name(level: UnionLevel, division_name: &str) -> String {
    match level {
        UnionLevel::Province => format!("{division_name}总工会"),
        UnionLevel::City | UnionLevel::County => format!("{division_name}总工会"),
        _ => division_name.to_owned(),
    }
}

/// Loads the demo tree and accounts. Refuses to run twice.
pub async fn load(services: &Services) -> Result<Vec<DemoAccount>, ServiceError> {
    let root = services.prepare().await?;
    if services
        .operator_find_union(Operator, "广东省总工会")
        .await?
        .is_some()
    {
        return Err(ServiceError::Rule(
            "演示数据已存在。如需新的演示密码，请用 `bangfu user reset-password --username demo-admin` 重置".into(),
        ));
    }
    let mut made: Vec<Union> = Vec::new();
    for (province, cities) in TREE {
        let p = mk(services, &root, UnionLevel::Province, province).await?;
        made.push(p.clone());
        for city in cities {
            let c = mk(services, &p, UnionLevel::City, city).await?;
            made.push(c.clone());
            for county in division::children(Some(city)).into_iter().take(3) {
                let k = mk(services, &c, UnionLevel::County, &county.code).await?;
                for g in GRASSROOTS {
                    let name = format!("{}{}", county.name, g);
                    services
                        .operator_create_union(
                            Operator,
                            &k,
                            &name,
                            UnionLevel::Grassroots,
                            &county.code,
                        )
                        .await?;
                }
                made.push(k);
            }
        }
    }
    let find = |name: &str| made.iter().find(|u| u.name == name).map(|u| u.name.clone());
    let province = find("广东省总工会").unwrap_or_default();
    let city = find("广州市总工会").unwrap_or_default();
    let county = made
        .iter()
        .find(|u| u.level == UnionLevel::County && u.division_code.starts_with("4401"))
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let other_county = made
        .iter()
        .filter(|u| u.level == UnionLevel::County && u.division_code.starts_with("4401"))
        .nth(1)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let plan: [(&str, &str, &'static str, &str); 6] = [
        ("demo-admin", "演示管理员", "admin", &province),
        ("demo-auditor", "演示审计员", "auditor", &province),
        ("demo-fund", "演示资金管理员", "fund_officer", &city),
        ("demo-reviewer", "演示审核人", "reviewer", &county),
        ("demo-officer", "演示帮扶干部", "officer", &county),
        (
            "demo-officer2",
            "演示帮扶干部（另一区）",
            "officer",
            &other_county,
        ),
    ];
    let mut accounts = Vec::new();
    for (username, display, role, union) in plan {
        let password = generate_password();
        services
            .operator_create_user(
                Operator,
                username,
                Some(display),
                &[role.to_owned()],
                Some(union),
                &password,
            )
            .await?;
        accounts.push(DemoAccount {
            username: username.to_owned(),
            role,
            union_name: union.to_owned(),
            password,
        });
    }
    services.read(|c| Ok(c.analyze()?)).await?;
    Ok(accounts)
}

async fn mk(
    services: &Services,
    parent: &Union,
    level: UnionLevel,
    code: &str,
) -> Result<Union, ServiceError> {
    let name = division::lookup(code)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| code.to_owned());
    services
        .operator_create_union(Operator, parent, &union_name(level, &name), level, code)
        .await
}

/// What the national-scale generator made.
#[derive(Debug, Clone)]
pub struct NationalSummary {
    pub unions: usize,
    pub grassroots: usize,
    pub users: usize,
    /// The one password all generated county officers share (`officer-<county code>`).
    pub password: String,
}

const ENTERPRISES: [&str; 10] = [
    "机械厂",
    "纺织厂",
    "电子公司",
    "物流公司",
    "建筑公司",
    "人民医院",
    "第一中学",
    "百货商场",
    "大酒店",
    "食品厂",
];

/// Names like 市辖区 or 县 say nothing alone; prefix their parent's name.
fn division_label(code: &str) -> String {
    let Some(d) = division::lookup(code) else {
        return code.to_owned();
    };
    let vague = matches!(
        d.name.as_str(),
        "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划"
    );
    match (vague, d.parent_code.as_deref().and_then(division::lookup)) {
        (true, Some(p)) => format!("{}{}", p.name, d.name),
        _ => d.name.clone(),
    }
}

/// Builds the whole national tree from the shipped divisions — every
/// province, city and county union — plus `grassroots` grassroots unions
/// spread over the counties and one officer per county, for measuring the
/// system at national scale. Each province is one transaction; every union
/// and account is audited as the operator's act.
pub async fn load_national(
    services: &Services,
    grassroots: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<NationalSummary, ServiceError> {
    use crate::audit::Who;
    use crate::unions::create_under;
    use bangfu_domain::division::DivisionCode;
    use bangfu_domain::UnionName;
    use bangfu_storage::unions;

    let root = services.prepare().await?;
    if services
        .operator_find_union(Operator, "北京市总工会")
        .await?
        .is_some()
    {
        return Err(ServiceError::Rule("全国演示数据已存在".into()));
    }
    let password = generate_password();
    let hash = crate::crypto::hash_password(password.clone()).await?;
    let provinces = division::children(None);
    let counties_total: usize = provinces
        .iter()
        .flat_map(|p| division::children(Some(&p.code)))
        .map(|c| division::children(Some(&c.code)).len())
        .sum();
    let per_county = grassroots / counties_total.max(1);
    let mut extra = grassroots % counties_total.max(1);
    let (mut n_unions, mut n_grassroots, mut n_users) = (0usize, 0usize, 0usize);

    for p in provinces {
        // Counties of this province and how many grassroots unions each gets.
        let mut quota = Vec::new();
        for city in division::children(Some(&p.code)) {
            for county in division::children(Some(&city.code)) {
                let n = per_county + usize::from(extra > 0);
                extra = extra.saturating_sub(1);
                quota.push((city.code.clone(), county.code.clone(), n));
            }
        }
        let root = root.clone();
        let hash = hash.clone();
        let province_code = p.code.clone();
        let (u, g, us) = services
            .write(move |c| {
                let (mut u, mut g, mut us) = (0usize, 0usize, 0usize);
                let existing = unions::children_unscoped(c, root.id)?;
                let mut mk = |c: &mut bangfu_storage::Conn,
                              parent: &Union,
                              level: UnionLevel,
                              code: &str,
                              name: String| {
                    let union = create_under(
                        c,
                        Who::Operator,
                        parent,
                        level,
                        &UnionName::parse(&name)?,
                        &DivisionCode::parse(code)?,
                    );
                    u += 1;
                    union
                };
                let province = match existing
                    .into_iter()
                    .find(|x| x.division_code == province_code)
                {
                    Some(x) => x,
                    None => mk(
                        c,
                        &root,
                        UnionLevel::Province,
                        &province_code,
                        format!("{}总工会", division_label(&province_code)),
                    )?,
                };
                let mut cities: Vec<Union> = unions::children_unscoped(c, province.id)?;
                let mut county_unions: Vec<(Union, usize)> = Vec::new();
                for (city_code, county_code, n) in quota {
                    let city = match cities.iter().find(|x| x.division_code == city_code) {
                        Some(x) => x.clone(),
                        None => {
                            let x = mk(
                                c,
                                &province,
                                UnionLevel::City,
                                &city_code,
                                format!("{}总工会", division_label(&city_code)),
                            )?;
                            cities.push(x.clone());
                            x
                        }
                    };
                    let siblings = unions::children_unscoped(c, city.id)?;
                    let county = match siblings
                        .into_iter()
                        .find(|x| x.division_code == county_code)
                    {
                        Some(x) => x,
                        None => mk(
                            c,
                            &city,
                            UnionLevel::County,
                            &county_code,
                            format!("{}总工会", division_label(&county_code)),
                        )?,
                    };
                    county_unions.push((county, n));
                }
                for (county, n) in &county_unions {
                    let base = division_label(&county.division_code);
                    for k in 0..*n {
                        let name = format!(
                            "{base}{}{}号工会",
                            ENTERPRISES[k % ENTERPRISES.len()],
                            k / ENTERPRISES.len() + 1
                        );
                        mk(
                            c,
                            county,
                            UnionLevel::Grassroots,
                            &county.division_code.clone(),
                            name,
                        )?;
                        g += 1;
                    }
                    crate::users::insert_user(
                        c,
                        Who::Operator,
                        &bangfu_domain::Username::parse(&format!(
                            "officer-{}",
                            county.division_code
                        ))?,
                        &bangfu_domain::DisplayName::parse(&format!("{base}帮扶干部"))?,
                        &bangfu_domain::Roles::new([bangfu_domain::Role::Officer])?,
                        county,
                        &hash,
                        false,
                    )?;
                    us += 1;
                }
                Ok((u, g, us))
            })
            .await?;
        n_unions += u;
        n_grassroots += g;
        n_users += us;
        // Keep the planner's statistics current as the tables grow several
        // times over; without this PostgreSQL plans later provinces badly.
        services.read(|c| Ok(c.analyze()?)).await?;
        progress(&format!(
            "{}：新建 {u} 个工会（其中基层 {g} 个）、{us} 个账号",
            p.name
        ));
    }
    Ok(NationalSummary {
        unions: n_unions,
        grassroots: n_grassroots,
        users: n_users,
        password,
    })
}

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

/// 低保标准 in fen per person per month for the demo: a province-wide value
/// from 2015 with raises in 2019 and 2023, and the demo cities' own lines
/// (illustrative figures of the right size, not official ones).
fn demo_lines() -> Vec<bangfu_domain::lines::Line> {
    use bangfu_domain::lines::Line;
    use bangfu_domain::{Fen, Month};
    let mut out = Vec::new();
    let mut push = |code: &str, y: i32, fen: i64, low: Option<i64>| {
        if let Some(m) = Month::new(y, 1) {
            out.push(Line {
                division_code: code.to_owned(),
                effective: m,
                dibao_line: Fen(fen),
                low_income_line: low.map(Fen),
            });
        }
    };
    for p in division::children(None) {
        push(&p.code, 2015, 60_000, None);
        push(&p.code, 2019, 75_000, None);
        push(&p.code, 2023, 90_000, None);
    }
    // 广州、深圳、佛山、梧州 set their own.
    for (code, a, b, c) in [
        ("440100", 84_000, 108_000, 123_000),
        ("440300", 90_000, 116_000, 138_000),
        ("440600", 80_000, 100_000, 115_000),
        ("450400", 55_000, 72_000, 86_000),
    ] {
        push(code, 2015, a, None);
        push(code, 2019, b, Some(b * 3 / 2));
        push(code, 2023, c, Some(c * 3 / 2));
    }
    out
}

/// A small deterministic generator (xorshift): the same data on every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[usize::try_from(self.below(v.len() as u64)).unwrap_or(0)]
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// A valid ID number unique to (`kind`, `i`): the region, a birth date
/// walked day by day from `born_from`, and a sequence that keeps the
/// workers, spouses and children of the generator apart.
fn demo_id(
    region: &str,
    born_from: chrono::NaiveDate,
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
/// panel (seed 000: about 42 % 全国级; of those 11 % 低保户, 45 % 低保边缘户,
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
/// The incomes already tell each file's future that [`load_exits`] will
/// record (see [`fate`]): a household that gets out is above the line for
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
    use crate::audit::Who;
    use crate::households::{file_household, Books};
    use bangfu_domain::household::*;
    use bangfu_domain::identification::Category;
    use bangfu_domain::{Fen, IdNumber, Month};
    use bangfu_storage::{households as hs, lines, unions};
    use chrono::NaiveDate;

    services.prepare().await?;
    let (grassroots, offset) = services
        .write(|c| {
            if lines::all(c, None)?.is_empty() {
                for l in demo_lines() {
                    lines::upsert(c, &l, None, crate::now())?;
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
    let today = crate::households::today();
    let last_month = Month::of_date(today).pred();
    let born_workers = NaiveDate::from_ymd_opt(1966, 1, 1).unwrap_or_default();
    let born_children = NaiveDate::from_ymd_opt(2004, 1, 1).unwrap_or_default();
    let filed_from = NaiveDate::from_ymd_opt(2014, 1, 1).unwrap_or_default();
    let filing_days = (today - filed_from).num_days().max(1);
    let (mut made, mut people, mut months) = (0usize, 0usize, 0usize);
    let batch = 250usize;
    let mut start = 0usize;
    while start < n {
        let end = (start + batch).min(n);
        let g = grassroots.clone();
        let (m, p, k) = services
            .write(move |c| {
                let books = Books::load(c)?;
                let (mut m, mut p, mut k) = (0usize, 0usize, 0usize);
                for j in start..end {
                    let i = i64::try_from(j).unwrap_or(0) + offset;
                    let mut r = Gen(0x9E37_79B9_7F4A_7C15
                        ^ (u64::try_from(i).unwrap_or(0) + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
                    r.next();
                    let union = &g[usize::try_from(i).unwrap_or(0) % g.len()];
                    let region = union.division_code.clone();
                    let id_str = demo_id(&region, born_workers, 12_000, 0, i)
                        .ok_or_else(|| ServiceError::Internal("demo id".into()))?;
                    let worker_id = IdNumber::parse("worker_id_number", &id_str, today)?;
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
                        let sid = demo_id(&region, born_workers, 12_000, 1, i)
                            .ok_or_else(|| ServiceError::Internal("demo id".into()))?;
                        members.push(Member {
                            name: format!("{}{}", r.pick(&SURNAMES), r.pick(&GIVEN)),
                            id_number: Some(IdNumber::parse("members", &sid, today)?),
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
                            income: Fen(i64::try_from(r.below(150_000)).unwrap_or(0)),
                        });
                    }
                    for kid in 0..size.saturating_sub(2) {
                        let cid = demo_id(&region, born_children, 5_000, 2, i * 3 + kid)
                            .ok_or_else(|| ServiceError::Internal("demo id".into()))?;
                        members.push(Member {
                            name: format!("{surname}{}", r.pick(&GIVEN)),
                            id_number: Some(IdNumber::parse("members", &cid, today)?),
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
                    let (category, factor_pct, rigid_pct) = match profile {
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
                    let filed_on = filed_from
                        + chrono::Duration::days(
                            i64::try_from(r.below(u64::try_from(filing_days).unwrap_or(1)))
                                .unwrap_or(0),
                        );
                    let data = HouseholdData {
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
                        dibao_since: (category == Category::Dibao)
                            .then(|| Month::of_date(filed_on)),
                        other_relief_since: None,
                        notes: String::new(),
                    };
                    // The months ending last month, around the household's level
                    // and shaped by what will become of it.
                    let destiny = fate(
                        &id_str,
                        union.id.0,
                        filed_on,
                        health != Health::Healthy,
                        category,
                        today,
                    );
                    let phase = i32::try_from(r.below(4)).unwrap_or(0);
                    let mut incomes = Vec::with_capacity(usize::try_from(recorded).unwrap_or(12));
                    for back in (0..recorded).rev() {
                        let month = last_month.add_months(-back);
                        let line = books
                            .lines
                            .line_for(&region, month)
                            .map(|l| l.dibao_line.0)
                            .unwrap_or(80_000);
                        let wobble = 95 + i64::try_from(r.below(11)).unwrap_or(0);
                        let base = i64::try_from(factor_pct).unwrap_or(100);
                        let pct = match destiny.above_line(month, last_month) {
                            // 108 % × 95 % > 100 %: above the line whatever the wobble.
                            Some(true) => base.max(108 + i64::try_from(r.below(30)).unwrap_or(0)),
                            // 95 % × 105 % < 100 %: below it.
                            Some(false) => 60 + i64::try_from(r.below(36)).unwrap_or(0),
                            // A lean month in every four (work lost, a bill):
                            // no six months in a row above the line.
                            None if base >= 100
                                && (month.year() * 12
                                    + i32::try_from(month.month()).unwrap_or(0)
                                    + phase)
                                    % 4
                                    == 0 =>
                            {
                                80 + i64::try_from(r.below(15)).unwrap_or(0)
                            }
                            None => base,
                        };
                        let per_capita = line * pct / 100 * wobble / 100;
                        let total = per_capita * size;
                        let rigid = line * size * i64::try_from(rigid_pct).unwrap_or(0) / 100;
                        incomes.push(MonthlyIncome {
                            month,
                            wages: Fen(total * 7 / 10),
                            business: Fen::ZERO,
                            property: Fen::ZERO,
                            transfer: Fen(total - total * 7 / 10),
                            medical: Fen(rigid * 6 / 10),
                            schooling: Fen(rigid - rigid * 6 / 10),
                            emergency: Fen::ZERO,
                        });
                    }
                    file_household(c, Who::Operator, union, &data, &members, &incomes, &books)?;
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
            services.read(|c| Ok(c.analyze()?)).await?;
            progress(&format!("已生成 {start} / {n} 户"));
        }
    }
    Ok(HouseholdSummary {
        households: made,
        people,
        months,
    })
}

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

const MEASURES: [(&str, &str, &str); 6] = [
    ("employment", "skills", "参加技能培训并推荐就业岗位"),
    ("employment", "startup", "创业担保贷款和开业指导"),
    ("insurance", "second_insurance", "参加职工住院二次医保"),
    ("medical", "mutual_aid", "医疗互助保障和大病救助"),
    ("safety_net", "warmth", "节日送温暖和生活救助"),
    ("safety_net", "golden_autumn", "子女金秋助学"),
];
/// Kinds, as often as they are given, with the chance of cash (%) and its
/// range in yuan: about 60 % of all acts carry cash.
const KINDS: [(&str, u64, i64, i64); 12] = [
    ("living", 90, 300, 1_500),
    ("living", 90, 300, 1_500),
    ("living", 90, 300, 1_500),
    ("medical", 85, 500, 4_000),
    ("medical", 85, 500, 4_000),
    ("education", 90, 1_000, 2_500),
    ("warmth", 70, 300, 800),
    ("warmth", 70, 300, 800),
    ("warmth", 70, 300, 800),
    ("training", 10, 200, 500),
    ("legal", 0, 0, 0),
    ("policy", 0, 0, 0),
];

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
    use bangfu_domain::funds::{AccountKind, Source};
    use bangfu_domain::{UnionId, UnionPath};
    use bangfu_storage::{findings, ledger, seed, users};
    use chrono::{Datelike, Duration, NaiveDate};

    let today = crate::households::today();
    let (unions_list, officers, after) = services
        .write(move |c| {
            let after = seed::last_assisted_household(c)?;
            if findings::standards(c)?.is_empty() {
                for (k, code, max) in demo_standards() {
                    findings::set_standard(
                        c,
                        k,
                        code,
                        bangfu_domain::Fen(max),
                        None,
                        crate::now(),
                    )?;
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
    let mut i = 0usize;
    while i < unions_list.len() {
        // About 2 000 households per transaction.
        let mut j = i;
        let mut n = 0;
        while j < unions_list.len() && (n < 2_000 || j == i) {
            n += unions_list[j].2;
            j += 1;
        }
        let batch: Vec<(i64, String, i64)> = unions_list[i..j].to_vec();
        i = j;
        let officers = officers.clone();
        let plant_now = planted;
        let (s, p) = services
            .write(move |c| {
                let at = |d: NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap_or_default();
                let mut s = AssistanceSummary::default();
                let mut plant = plant_now;
                let ids0 = seed::next_ids(c)?;
                let mut ids = ids0;
                let union_ids: Vec<i64> = batch.iter().map(|b| b.0).collect();
                let households = seed::households_of(c, &union_ids, after)?;
                // Files that left get records only before they left (a
                // relieved one stays under regular assistance).
                let left_on =
                    seed::left_on_of(c, &households.iter().map(|h| h.id).collect::<Vec<_>>())?;
                let mut plans = Vec::new();
                let mut measures = Vec::new();
                let mut records = Vec::new();
                let mut transfers = Vec::new();
                let mut entries = Vec::new();
                let mut visits = Vec::new();
                let mut pairings = Vec::new();
                for (union_id, union_path, _) in &batch {
                    let path = UnionPath::from_stored(union_path.clone());
                    let created = at(
                        NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap_or(today),
                        8,
                    );
                    let fund = ledger::account(
                        c,
                        UnionId(*union_id),
                        &path,
                        AccountKind::Fund,
                        Source::Union,
                        created,
                    )?
                    .id
                    .0;
                    let income = ledger::account(
                        c,
                        UnionId(*union_id),
                        &path,
                        AccountKind::Income,
                        Source::Union,
                        created,
                    )?
                    .id
                    .0;
                    let payout = ledger::account(
                        c,
                        UnionId(*union_id),
                        &path,
                        AccountKind::Payout,
                        Source::Union,
                        created,
                    )?
                    .id
                    .0;
                    // Who is responsible for this union's households, in the demo.
                    let officer = officers
                        .iter()
                        .find(|(_, _, p)| union_path.starts_with(p.as_str()))
                        .map(|(u, ou, _)| (*u, *ou));
                    if let Some((user, ou)) = officer {
                        s.paired += seed::pair_union(c, *union_id, ou, user)?;
                    }
                    // Cash paid per year, for the receipts that fund it.
                    let mut paid_by_year: std::collections::BTreeMap<i32, i64> = Default::default();
                    for h in households.iter().filter(|h| h.union_id == *union_id) {
                        let until = match h.status.as_str() {
                            "on_file" | "relieved" => today + Duration::days(1),
                            "exited" | "removed" => match left_on.get(&h.id) {
                                Some(d) => *d,
                                None => continue,
                            },
                            _ => continue,
                        };
                        let mut r = Gen(0x51_7CC1_B727_220A
                            ^ (u64::try_from(h.id).unwrap_or(0) + 7)
                                .wrapping_mul(0x9E37_79B9_7F4A_7C15));
                        r.next();
                        if let Some((user, ou)) = officer {
                            let from = h.filed_on.max(today - Duration::days(400));
                            if from < until {
                                pairings.push(seed::PairingRow {
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
                                visits.push(seed::VisitRow {
                                    id: ids.visit,
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
                                ids.visit += 1;
                                s.visits += 1;
                                last = Some(last.map_or(on, |l: NaiveDate| l.max(on)));
                            }
                            if let Some(on) = last {
                                seed::set_last_visit(c, h.id, on)?;
                            }
                        }
                        s.households += 1;
                        for year in first_year..=today.year() {
                            let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
                            let dec31 = NaiveDate::from_ymd_opt(year, 12, 31)
                                .unwrap_or(today)
                                .min(today);
                            if h.filed_on > dec31 {
                                continue;
                            }
                            let approved_on =
                                (jan1 + Duration::days(9)).max(h.filed_on + Duration::days(7));
                            if approved_on >= dec31 || approved_on >= until {
                                continue;
                            }
                            let plan_id = ids.plan;
                            ids.plan += 1;
                            plans.push(seed::PlanRow {
                                id: plan_id,
                                household_id: h.id,
                                union_path: h.union_path.clone(),
                                year,
                                goal: if r.chance(70) {
                                    "exit".into()
                                } else {
                                    "relief".into()
                                },
                                target_on: NaiveDate::from_ymd_opt(year, 12, 31),
                                summary: format!("{year} 年帮扶计划"),
                                status: "approved".into(),
                                approved_by: None,
                                approved_at: Some(at(approved_on, 10)),
                                version: 1,
                                created_by: None,
                                created_at: at(approved_on - Duration::days(3), 10),
                                updated_at: at(approved_on, 10),
                            });
                            s.plans += 1;
                            let mut mids = Vec::new();
                            for _ in 0..(1 + r.below(2)) {
                                let (track, programme, content) = *r.pick(&MEASURES);
                                mids.push(ids.measure);
                                measures.push(seed::MeasureRow {
                                    id: ids.measure,
                                    plan_id,
                                    household_id: h.id,
                                    union_path: h.union_path.clone(),
                                    track: track.into(),
                                    programme: Some(programme.into()),
                                    guarantee_line: None,
                                    content: content.into(),
                                    due_on: NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today),
                                    responsible_id: officer.map(|o| o.0),
                                    status: if dec31 < today {
                                        "done".into()
                                    } else {
                                        "in_progress".into()
                                    },
                                    done_on: (dec31 < today).then_some(dec31),
                                    version: 1,
                                    created_at: at(approved_on - Duration::days(3), 10),
                                    updated_at: at(approved_on, 10),
                                });
                                ids.measure += 1;
                                s.measures += 1;
                            }
                            let span = (dec31 - approved_on).num_days().max(1);
                            for _ in 0..(2 + r.below(5)) {
                                let on = approved_on
                                    + Duration::days(
                                        i64::try_from(r.below(u64::try_from(span).unwrap_or(1)))
                                            .unwrap_or(0)
                                            + 1,
                                    );
                                if on > today || on >= until {
                                    continue;
                                }
                                let (kind, cash_pct, lo, hi) = *r.pick(&KINDS);
                                let mut cash = if r.chance(cash_pct) && hi > 0 {
                                    (lo + i64::try_from(
                                        r.below(u64::try_from((hi - lo) / 10 + 1).unwrap_or(1)),
                                    )
                                    .unwrap_or(0)
                                        * 10)
                                        * 100
                                } else {
                                    0
                                };
                                let mut measure = Some(*r.pick(&mids));
                                // A few break the rules on purpose: one in ~400 over
                                // the standard, one in ~500 without a measure.
                                let mut extra = None;
                                if cash > 0
                                    && (r.below(400) == 0 || plant == 1)
                                    && kind == "medical"
                                {
                                    cash = 800_000;
                                    plant = plant.max(2);
                                } else if cash > 0 && r.below(500) == 0 {
                                    measure = None;
                                } else if cash > 0 && (r.below(400) == 0 || plant == 0) {
                                    let again = on
                                        + Duration::days(
                                            i64::try_from(5 + r.below(20)).unwrap_or(10),
                                        );
                                    if again <= today && again < until {
                                        extra = Some(again);
                                        plant = plant.max(1);
                                    }
                                }
                                let mut push = |on: NaiveDate, cash: i64, measure: Option<i64>| {
                                    let goods_value = if cash == 0 {
                                        10_000 * i64::try_from(1 + r.below(5)).unwrap_or(1)
                                    } else {
                                        0
                                    };
                                    let aid = ids.assistance;
                                    ids.assistance += 1;
                                    let tid = (cash > 0).then(|| {
                                        let t = ids.transfer;
                                        ids.transfer += 1;
                                        t
                                    });
                                    records.push(seed::AssistanceRow {
                                        id: aid,
                                        household_id: h.id,
                                        union_path: h.union_path.clone(),
                                        union_id: h.union_id,
                                        kind: kind.into(),
                                        given_on: on,
                                        cash,
                                        goods: if goods_value > 0 {
                                            "米、油等慰问品".into()
                                        } else {
                                            String::new()
                                        },
                                        goods_value,
                                        persons: h.size.max(1),
                                        measure_id: measure,
                                        source: (cash > 0).then(|| "union".into()),
                                        school: (kind == "education").then(|| "市第一中学".into()),
                                        stage: (kind == "education").then(|| "senior".into()),
                                        note: String::new(),
                                        status: "given".into(),
                                        transfer_id: tid,
                                        given_by: officer.map(|o| o.0),
                                        approved_by: None,
                                        subsidy_id: None,
                                        referral_id: None,
                                        created_by: officer.map(|o| o.0),
                                        created_at: at(on, 11),
                                        updated_at: at(on, 11),
                                    });
                                    s.records += 1;
                                    if let Some(t) = tid {
                                        s.with_cash += 1;
                                        transfers.push(seed::TransferRow {
                                            id: t,
                                            union_id: h.union_id,
                                            union_path: h.union_path.clone(),
                                            kind: "disbursement".into(),
                                            source: "union".into(),
                                            on_date: on,
                                            amount: cash,
                                            memo: "帮扶发放".into(),
                                            to_union_id: None,
                                            assistance_id: Some(aid),
                                            reverses_id: None,
                                            created_by: None,
                                            created_at: at(on, 11),
                                        });
                                        for (acct, amount) in [(fund, -cash), (payout, cash)] {
                                            entries.push(seed::EntryRow {
                                                id: ids.entry,
                                                transfer_id: t,
                                                account_id: acct,
                                                amount,
                                                on_date: on,
                                            });
                                            ids.entry += 1;
                                        }
                                        *paid_by_year.entry(on.year()).or_default() += cash;
                                    }
                                };
                                push(on, cash, measure);
                                if let Some(again) = extra {
                                    push(again, cash, measure);
                                }
                            }
                        }
                    }
                    // Receipts that fund the year's payments, dated the first of the year.
                    for (year, paid) in paid_by_year {
                        let on = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
                        let amount = (paid / 1_000_000 + 1) * 1_000_000;
                        let t = ids.transfer;
                        ids.transfer += 1;
                        transfers.push(seed::TransferRow {
                            id: t,
                            union_id: *union_id,
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
                        });
                        for (acct, x) in [(income, -amount), (fund, amount)] {
                            entries.push(seed::EntryRow {
                                id: ids.entry,
                                transfer_id: t,
                                account_id: acct,
                                amount: x,
                                on_date: on,
                            });
                            ids.entry += 1;
                        }
                    }
                }
                seed::insert_plans(c, &plans)?;
                seed::insert_measures(c, &measures)?;
                seed::insert_transfers(c, &transfers)?;
                seed::insert_assistance(c, &records)?;
                seed::insert_entries(c, &entries)?;
                seed::insert_visits(c, &visits)?;
                seed::insert_pairings(c, &pairings)?;
                s.transfers += transfers.len();
                seed::sync_sequences(c)?;
                Ok((s, plant))
            })
            .await?;
        planted = p;
        summary.households += s.households;
        summary.plans += s.plans;
        summary.measures += s.measures;
        summary.records += s.records;
        summary.with_cash += s.with_cash;
        summary.transfers += s.transfers;
        summary.visits += s.visits;
        summary.paired += s.paired;
        if summary.households % 20_000 < 2_100 || i >= unions_list.len() {
            progress(&format!(
                "已为 {} / {total} 户生成帮扶记录",
                summary.households
            ));
        }
    }
    if demo {
        demo_allocations(services, today).await?;
    }
    services.read(|c| Ok(c.analyze()?)).await?;
    Ok(summary)
}

/// The demo city receives government finance and allocates it to two of
/// its counties: one 200 days ago (never passed on — a finding), one last month.
async fn demo_allocations(
    services: &Services,
    today: chrono::NaiveDate,
) -> Result<(), ServiceError> {
    use bangfu_domain::funds::{movement, AccountKind, Source, TransferKind};
    use bangfu_domain::{Fen, UnionId};
    use bangfu_storage::{ledger, unions};
    services
        .write(move |c| {
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
            let at = crate::now();
            let src = Source::Finance;
            let income = ledger::account(c, city.id, &city.path, AccountKind::Income, src, at)?;
            let fund = ledger::account(c, city.id, &city.path, AccountKind::Fund, src, at)?;
            let received = today - chrono::Duration::days(240);
            let post = |c: &mut bangfu_storage::Conn,
                        kind,
                        on,
                        amount: i64,
                        legs: Vec<bangfu_domain::funds::Leg<bangfu_domain::funds::AccountId>>,
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
    use bangfu_domain::assistance::SubsidyPeriod;
    use bangfu_domain::funds::{movement, AccountKind, Source, TransferKind};
    use bangfu_domain::household::HouseholdId;
    use bangfu_domain::{Fen, Month};
    use bangfu_storage::subsidies::{self, NewSubsidy};
    use bangfu_storage::{ledger, seed, users};

    services
        .write(|c| {
            let Some((officer, _)) = users::credentials(c, "demo-officer")? else {
                return Ok(0);
            };
            let county = officer.union_path.as_str().to_owned();
            let ids: Vec<i64> = seed::household_unions(c, 0)?
                .into_iter()
                .filter(|u| u.1.starts_with(&county))
                .map(|u| u.0)
                .collect();
            let today = crate::households::today();
            let start = Month::of_date(today).add_months(-2);
            // The county's own union funds pay them: a year's worth received first.
            let now = crate::now();
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

// ---------------------------------------------------------------------------
// Leaving the file (issue 5): what becomes of each generated household.
// ---------------------------------------------------------------------------

use bangfu_domain::identification::Category;
use bangfu_domain::leaving::{ExitKind, Pathway, RemovalReason};
use bangfu_domain::Month;
use chrono::NaiveDate;

/// Years of decisions the generator writes, ending today.
const DECISION_YEARS: i64 = 3;
/// A file is on file at least this long before it can be decided (six
/// months of incomes above the line, then the steps).
const MIN_DAYS_ON_FILE: i64 = 270;

/// What becomes of a generated household, decided from what is stored of it
/// (its worker's ID number, union, filing date, health and category) so
/// that [`load_households_months`] shapes its incomes and [`load_exits`]
/// records its decisions without either storing anything for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fate {
    pub decided: Option<Decided>,
    /// Stays on file and has been above the line for the last nine months.
    pub ready: bool,
}

/// An approved decision of the last three years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub kind: ExitKind,
    pub pathway: Option<Pathway>,
    pub reason: Option<RemovalReason>,
    pub decided_on: NaiveDate,
    /// A later decision revoked it (the file is back on file from then).
    pub revoked_on: Option<NaiveDate>,
    pub relapse: Option<Relapse>,
}

/// 返困 after an exit: incomes below the line from `below_from`; flagged on
/// a day (a sudden event recorded by hand) and maybe reopened as a new file,
/// or not flagged yet (the monthly run will find it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relapse {
    pub below_from: Month,
    pub flagged_on: Option<NaiveDate>,
    pub reopened_on: Option<NaiveDate>,
    pub reason: &'static str,
}

impl Fate {
    /// Whether `month`'s income must be above the line (`Some(true)`), below
    /// it (`Some(false)`) or follow the household's usual level (`None`).
    pub fn above_line(&self, month: Month, last_month: Month) -> Option<bool> {
        match self.decided {
            Some(Decided {
                kind: ExitKind::Out,
                revoked_on: None,
                decided_on,
                relapse,
                ..
            }) => {
                if relapse.is_some_and(|r| month >= r.below_from) {
                    Some(false)
                } else if month >= Month::of_date(decided_on).add_months(-8) {
                    Some(true)
                } else {
                    None
                }
            }
            None if self.ready && month >= last_month.add_months(-8) => Some(true),
            _ => None,
        }
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn days(n: u64) -> chrono::Duration {
    chrono::Duration::days(i64::try_from(n).unwrap_or(0))
}

fn weighted<T: Copy>(r: &mut Gen, items: &[(T, u64)]) -> Option<T> {
    let total: u64 = items.iter().map(|x| x.1).sum();
    let mut k = r.below(total);
    for (item, w) in items {
        if k < *w {
            return Some(*item);
        }
        k -= w;
    }
    items.last().map(|x| x.0)
}

/// The fate of one household (deterministic). Proportions follow seed 000
/// (most baseline households out within three years): of the files on file
/// long enough, up to 90 % of the baseline cohort and 80 % of the others
/// are decided within the three years, less in lagging unions (65–105 % of
/// that pace, by union) and pro rata for files filed within the period. Of
/// the decisions: reliefs for about half of the households with serious
/// illness or disability; otherwise exits (就业创业 most, then 社会救助 —
/// more for 低保户 —, 医疗救助, 落实待遇, 其他) and about one in eight
/// removals (re-check, moving away, death). A few exits and
/// re-check removals are later revoked (3 %); about 7 % of exits relapse after
/// an event (most reopened as a new file), and some exits of the last
/// year fall below the line for the latest six months without a flag yet.
/// Of the files left on file, about 5 % are ready to exit (more in the
/// lagging unions).
pub fn fate(
    worker_id_number: &str,
    union_id: i64,
    filed_on: NaiveDate,
    poor_health: bool,
    category: Category,
    today: NaiveDate,
) -> Fate {
    let mut r = Gen(fnv(worker_id_number) ^ 0x5EED_0FF4_7E00 | 1);
    r.next();
    let mut u = Gen(fnv(&union_id.to_string()) ^ 0x1A66 | 1);
    u.next();
    let pace = 65 + u.below(41);
    let baseline = filed_on <= bangfu_domain::household::default_baseline_cutoff();
    let period_start = today - chrono::Duration::days(365 * DECISION_YEARS);
    let start = (filed_on + chrono::Duration::days(MIN_DAYS_ON_FILE)).max(period_start);
    let end = today - chrono::Duration::days(7);
    let share = if baseline { 90 } else { 80 } * pace;
    // Pro rata for files that could be decided only part of the period.
    let open_days = u64::try_from((end - start).num_days().max(0)).unwrap_or(0);
    let full_days = u64::try_from((end - period_start).num_days().max(1)).unwrap_or(1);
    let chance = share * open_days / full_days; // in 1/10 000
    let decided = r.below(10_000) < chance && open_days > 0;
    let ready_roll = r.below(100);
    if !decided {
        return Fate {
            decided: None,
            // Lagging unions have more files ready and not yet decided:
            // 1–9 % by union, about 5 % overall.
            ready: ready_roll < 1 + (105 - pace) / 5,
        };
    }
    let decided_on = start + days(r.below(open_days));
    let kind = if poor_health && r.chance(50) {
        ExitKind::Relief
    } else if r.chance(13) {
        ExitKind::Removal
    } else {
        ExitKind::Out
    };
    let social = if category == Category::Dibao { 45 } else { 18 };
    let medical = if poor_health { 30 } else { 12 };
    let pathway = (kind == ExitKind::Out)
        .then(|| {
            weighted(
                &mut r,
                &[
                    (Pathway::Employment, 40),
                    (Pathway::SocialAssistance, social),
                    (Pathway::Medical, medical),
                    (Pathway::Entitlements, 12),
                    (Pathway::Other, 12),
                ],
            )
        })
        .flatten();
    let reason = (kind == ExitKind::Removal)
        .then(|| {
            weighted(
                &mut r,
                &[
                    (RemovalReason::Recheck, 50),
                    (RemovalReason::Moved, 30),
                    (RemovalReason::Death, 20),
                ],
            )
        })
        .flatten();
    let revocable = kind == ExitKind::Out || reason == Some(RemovalReason::Recheck);
    let revoked_on = (revocable && r.chance(3))
        .then(|| decided_on + days(20 + r.below(100)))
        .filter(|d| *d < today);
    let follow_until = add_months(decided_on, bangfu_domain::leaving::DEFAULT_FOLLOW_MONTHS);
    let last_month = Month::of_date(today).pred();
    let mut relapse = None;
    if kind == ExitKind::Out && revoked_on.is_none() {
        let roll = r.below(100);
        let flag = decided_on + days(40 + r.below(280));
        if roll < 7 && flag < today && flag < follow_until {
            let reopen = flag + days(7 + r.below(35));
            let reopened_on = (reopen < today && !r.chance(20)).then_some(reopen);
            // Below the line from the month before the event (at least one
            // recorded month below), never in the month of the exit itself.
            relapse = Some(Relapse {
                below_from: Month::of_date(flag)
                    .pred()
                    .max(Month::of_date(decided_on).succ()),
                flagged_on: Some(flag),
                reopened_on,
                reason: RELAPSE_REASONS
                    [usize::try_from(r.below(RELAPSE_REASONS.len() as u64)).unwrap_or(0)],
            });
        } else if roll < 32
            && follow_until > today
            && Month::of_date(decided_on) <= last_month.add_months(-6)
        {
            // Falling back without anyone noticing yet: the latest six
            // months below the line, within the follow-up.
            relapse = Some(Relapse {
                below_from: last_month.add_months(-5),
                flagged_on: None,
                reopened_on: None,
                reason: "",
            });
        }
    }
    Fate {
        decided: Some(Decided {
            kind,
            pathway,
            reason,
            decided_on,
            revoked_on,
            relapse,
        }),
        ready: false,
    }
}

/// Why a followed household fell back, as an officer records it.
const RELAPSE_REASONS: [&str; 3] = [
    "突发重大疾病，医疗支出骤增，家庭人均收入低于当地低保标准",
    "家庭主要劳动力失业，家庭人均收入低于当地低保标准",
    "遭遇意外事故，家庭生活陷入困难",
];

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(d)
}

/// What the decision generator made.
#[derive(Debug, Clone, Default)]
pub struct ExitSummary {
    /// Files looked at.
    pub households: usize,
    /// Approved exits (脱困), by pathway code.
    pub out: std::collections::BTreeMap<&'static str, usize>,
    pub relieved: usize,
    pub removed: usize,
    /// Approved revocations (the file is back on file).
    pub revoked: usize,
    /// Relapses flagged (by hand, after an event).
    pub relapses: usize,
    /// Of those, reopened as a new file.
    pub reopened: usize,
    /// Exited households within follow-up below the line for six months, not flagged yet.
    pub falling_back: usize,
    /// Files left on file above the line for the last months (ready to exit).
    pub ready: usize,
    /// Target rows set.
    pub targets: usize,
}

impl ExitSummary {
    pub fn exits(&self) -> usize {
        self.out.values().sum()
    }
}

fn decision_text(
    kind: ExitKind,
    pathway: Option<Pathway>,
    reason: Option<RemovalReason>,
) -> (&'static str, &'static str) {
    match (kind, pathway, reason) {
        (ExitKind::Out, Some(Pathway::Employment), _) => (
            "经技能培训和就业推荐，家庭成员已稳定就业，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "劳动合同、近 6 个月工资流水；入户核查记录",
        ),
        (ExitKind::Out, Some(Pathway::Entitlements), _) => (
            "拖欠的社会保险和工资待遇已落实到位，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "社保缴费记录、待遇核定通知；入户核查记录",
        ),
        (ExitKind::Out, Some(Pathway::Medical), _) => (
            "经医疗救助、职工医疗互助和二次报销，医疗负担明显减轻，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "医疗费用结算单、互助金领取记录；入户核查记录",
        ),
        (ExitKind::Out, Some(Pathway::SocialAssistance), _) => (
            "已纳入政府低保（特困供养）等社会救助保障，按规定视为脱困。",
            "民政部门低保（特困）审批材料；入户核查记录",
        ),
        (ExitKind::Out, _, _) => (
            "经工会持续帮扶，家庭经济状况明显好转，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "收入证明；入户核查记录",
        ),
        (ExitKind::Relief, _, _) => (
            "家庭成员患重病或残疾，无法通过就业脱困；已纳入政府兜底保障和工会常态化帮扶，家庭实际生活水平达到当地低保标准，予以解困。",
            "低保证、常态化帮扶记录、医疗诊断或残疾证明；入户核查记录",
        ),
        (ExitKind::Removal, _, Some(RemovalReason::Death)) => (
            "职工本人去世，家庭无其他需帮扶的困难情形，档案退出。",
            "死亡证明；社区证明",
        ),
        (ExitKind::Removal, _, Some(RemovalReason::Moved)) => (
            "职工已迁离本地，档案退出。",
            "户籍迁移证明；社区证明",
        ),
        (ExitKind::Removal, _, _) => (
            "复核发现家庭收入超过建档标准，不符合建档条件，予以退出。",
            "部门核对结果、收入证明；复核记录",
        ),
        (ExitKind::Revoke, _, _) => (
            "复查发现原决定所依据的收入证明不实，撤销原决定，恢复在档帮扶。",
            "复查记录、收入核对结果",
        ),
    }
}

/// Who did the steps: the demo's officer and reviewer in their county,
/// otherwise the roles by name (generated history has no accounts).
#[derive(Debug, Clone)]
struct StepActors {
    demo: Vec<DemoActors>,
}

/// The union path a demo officer and reviewer work in, with their (id, name).
type DemoActors = (String, (i64, String), (i64, String));

impl StepActors {
    fn for_path(&self, path: &str) -> ((Option<i64>, String), (Option<i64>, String)) {
        match self.demo.iter().find(|d| path.starts_with(d.0.as_str())) {
            Some((_, o, v)) => ((Some(o.0), o.1.clone()), (Some(v.0), v.1.clone())),
            None => (
                (None, "基层工会帮扶干部".to_owned()),
                (None, "县级工会审核人".to_owned()),
            ),
        }
    }
}

/// Records the decisions [`fate`] gives every file on file filed after the
/// last one that has any (and is not itself a reopened file): an approved
/// `exits` row with its steps (propose, review, notice when the kind has
/// one, approve) on plausible dates, the file's status, leaving date and
/// follow-up, its span closed on the decision day; revocations that put a
/// file back on file (a new span from then); relapses flagged, most of them
/// reopened as a new incremental file linked both ways (filed through the
/// same path as any file, audited). Files left on file that are ready to
/// exit are flagged so (`ready_pathway`), as saving their incomes would
/// have done. Then a few yearly targets: 20 % a year
/// for the last three years at the root, the Guangdong province 25 % this
/// year, Guangzhou 30 % last year.
///
/// On file at any day D stays filings − decisions + revocations +
/// reopenings as of D (`bangfu_storage::seed::on_file_ledger`).
pub async fn load_exits(
    services: &Services,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<ExitSummary, ServiceError> {
    use crate::audit::{self, Record, Who};
    use crate::households::{file_household, Books};
    use bangfu_domain::audit::Action;
    use bangfu_domain::household::{HouseholdId, Status};
    use bangfu_domain::UnionId;
    use bangfu_storage::{households as hs, seed, unions, users, Scope};

    let today = crate::households::today();
    let flow = services.settings().exit_flow;
    let follow_months = services.settings().follow_months;
    let notice_days = u64::from(services.settings().notice_days);
    let (unions_list, actors, after) = services
        .write(move |c| {
            let after = seed::last_decided_household(c)?;
            let mut demo = Vec::new();
            if let (Some((o, _)), Some((v, _))) = (
                users::credentials(c, "demo-officer")?,
                users::credentials(c, "demo-reviewer")?,
            ) {
                demo.push((
                    o.union_path.as_str().to_owned(),
                    (o.id.0, o.display_name.clone()),
                    (v.id.0, v.display_name.clone()),
                ));
            }
            Ok((
                seed::household_unions(c, after)?,
                StepActors { demo },
                after,
            ))
        })
        .await?;
    let total: i64 = unions_list.iter().map(|u| u.2).sum();
    let mut summary = ExitSummary::default();
    let mut i = 0usize;
    let mut seen = 0i64;
    while i < unions_list.len() {
        let mut j = i;
        let mut n = 0;
        while j < unions_list.len() && (n < 2_000 || j == i) {
            n += unions_list[j].2;
            j += 1;
        }
        let union_ids: Vec<i64> = unions_list[i..j].iter().map(|u| u.0).collect();
        seen += n;
        i = j;
        let actors = actors.clone();
        let s = services
            .write(move |c| {
                let at = |d: NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).unwrap_or_default();
                let mut s = ExitSummary::default();
                let households = seed::on_file_of(c, &union_ids, after)?;
                let mut next = seed::next_exit_id(c)?;
                let mut decisions = Vec::new();
                let mut revokes = Vec::new();
                let mut steps = Vec::new();
                let mut left = Vec::new();
                let mut back = Vec::new();
                let mut relapses = Vec::new();
                let mut ready = Vec::new();
                for h in &households {
                    s.households += 1;
                    let category = Category::parse(&h.category).unwrap_or(Category::Sudden);
                    let f = fate(
                        &h.worker_id_number,
                        h.union_id,
                        h.filed_on,
                        h.health != "healthy",
                        category,
                        today,
                    );
                    let mut r = Gen(fnv(&h.worker_id_number) ^ 0xD0C5 | 1);
                    r.next();
                    let Some(d) = f.decided else {
                        if f.ready {
                            // What saving its incomes would have recorded (and
                            // the monthly run will confirm): ready, with the
                            // pathway its measures suggest.
                            let p = weighted(
                                &mut r,
                                &[
                                    (Pathway::Employment, 50),
                                    (Pathway::Medical, 15),
                                    (Pathway::Entitlements, 15),
                                    (Pathway::Other, 20),
                                ],
                            )
                            .unwrap_or(Pathway::Other);
                            ready.push((HouseholdId(h.id), p.code()));
                            s.ready += 1;
                        }
                        continue;
                    };
                    let ((officer_id, officer), (reviewer_id, reviewer)) =
                        actors.for_path(&h.union_path);
                    // Steps back from the approval: the notice period ending
                    // 0–3 days before, review 1–4 days before the notice,
                    // proposal 2–10 days before the review.
                    let mut plan = |id: i64,
                                    kind: ExitKind,
                                    approved: NaiveDate,
                                    notice: bool,
                                    steps: &mut Vec<seed::ExitStepRow>|
                     -> (Option<NaiveDate>, Option<NaiveDate>, NaiveDate) {
                        let notice_until = approved - days(r.below(4));
                        let notice_from = notice_until - days(notice_days);
                        let reviewed = if notice {
                            notice_from - days(1 + r.below(4))
                        } else {
                            approved - days(2 + r.below(6))
                        };
                        let proposed = reviewed - days(2 + r.below(9));
                        let label = kind.label();
                        let mut step = |step: &str, who: &(Option<i64>, String), on: NaiveDate, h: u32, note: String| {
                            steps.push(seed::ExitStepRow {
                                exit_id: id,
                                step: step.into(),
                                actor_id: who.0,
                                actor_name: who.1.clone(),
                                at: at(on, h),
                                note,
                            });
                        };
                        let off = (officer_id, officer.clone());
                        let rev = (reviewer_id, reviewer.clone());
                        step("propose", &off, proposed, 10, format!("提出{label}"));
                        step("review", &rev, reviewed, 15, "入户核查，情况属实".into());
                        if notice {
                            step(
                                "notice",
                                &rev,
                                notice_from,
                                9,
                                format!("在工会公示栏和社区公示至 {notice_until}"),
                            );
                            step("approve", &rev, approved, 16, "公示期满无异议，予以批准".into());
                            (Some(notice_from), Some(notice_until), proposed)
                        } else {
                            step("approve", &rev, approved, 16, "经审核，予以批准".into());
                            (None, None, proposed)
                        }
                    };
                    let id = next;
                    next += 1;
                    let notice = flow.notice(d.kind);
                    let (nf, nu, proposed) = plan(id, d.kind, d.decided_on, notice, &mut steps);
                    let (note, evidence) = decision_text(d.kind, d.pathway, d.reason);
                    decisions.push(seed::ExitRow {
                        id,
                        household_id: h.id,
                        union_id: h.union_id,
                        union_path: h.union_path.clone(),
                        kind: d.kind.code().into(),
                        pathway: d.pathway.map(|p| p.code().into()),
                        reason: d.reason.map(|p| p.code().into()),
                        note: note.into(),
                        evidence: evidence.into(),
                        cohort: h.cohort.clone(),
                        status: "approved".into(),
                        notice_from: nf,
                        notice_until: nu,
                        decided_on: Some(d.decided_on),
                        revokes_id: None,
                        revoked_by_id: None,
                        evaluation_json: "{}".into(),
                        version: if notice { 4 } else { 3 },
                        created_by: officer_id,
                        created_at: at(proposed, 10),
                        updated_at: at(d.decided_on, 16),
                    });
                    match d.kind {
                        ExitKind::Out => {
                            *s.out.entry(d.pathway.map_or("other", |p| p.code())).or_default() += 1
                        }
                        ExitKind::Relief => s.relieved += 1,
                        _ => s.removed += 1,
                    }
                    if let Some(on) = d.revoked_on {
                        let rid = next;
                        next += 1;
                        let notice = flow.notice(ExitKind::Revoke);
                        let (nf, nu, proposed) = plan(rid, ExitKind::Revoke, on, notice, &mut steps);
                        let (note, evidence) = decision_text(ExitKind::Revoke, None, None);
                        revokes.push(seed::ExitRow {
                            id: rid,
                            household_id: h.id,
                            union_id: h.union_id,
                            union_path: h.union_path.clone(),
                            kind: ExitKind::Revoke.code().into(),
                            pathway: None,
                            reason: None,
                            note: note.into(),
                            evidence: evidence.into(),
                            cohort: h.cohort.clone(),
                            status: "approved".into(),
                            notice_from: nf,
                            notice_until: nu,
                            decided_on: Some(on),
                            revokes_id: Some(id),
                            revoked_by_id: None,
                            evaluation_json: "{}".into(),
                            version: if notice { 4 } else { 3 },
                            created_by: officer_id,
                            created_at: at(proposed, 10),
                            updated_at: at(on, 16),
                        });
                        back.push((h.clone(), d.decided_on, on, id, rid));
                        s.revoked += 1;
                        continue;
                    }
                    let status = match d.kind {
                        ExitKind::Out => Status::Exited,
                        ExitKind::Relief => Status::Relieved,
                        _ => Status::Removed,
                    };
                    left.push(seed::Left {
                        household_id: h.id,
                        status: status.code(),
                        left_on: d.decided_on,
                        follow_until: (status == Status::Exited)
                            .then(|| add_months(d.decided_on, follow_months)),
                        at: at(d.decided_on, 16),
                    });
                    if let Some(rel) = d.relapse {
                        match rel.flagged_on {
                            Some(on) => {
                                relapses.push((h.id, h.union_id, on, rel.reason, rel.reopened_on));
                                s.relapses += 1;
                                s.reopened += usize::from(rel.reopened_on.is_some());
                            }
                            None => s.falling_back += 1,
                        }
                    }
                }
                for (id, pathway) in ready {
                    hs::set_readiness(c, id, Some(pathway), false)?;
                }
                seed::insert_exits(c, &decisions)?;
                seed::insert_exits(c, &revokes)?;
                for x in &revokes {
                    if let Some(of) = x.revokes_id {
                        seed::set_revoked_by(c, of, x.id)?;
                    }
                }
                seed::insert_exit_steps(c, &steps)?;
                seed::mark_left(c, &left)?;
                // Revoked: out from the decision to the revocation, then on file again.
                let mut spans = Vec::new();
                for (h, out_on, back_on, _, _) in &back {
                    seed::close_span(c, h.id, *out_on)?;
                    seed::bump_version(c, h.id, 2)?;
                    spans.push(seed::SpanRow {
                        household_id: h.id,
                        union_id: h.union_id,
                        union_path: h.union_path.clone(),
                        tier: h.tier.clone(),
                        category: h.category.clone(),
                        cohort: h.cohort.clone(),
                        persons: h.size,
                        from_on: *back_on,
                        until_on: None,
                    });
                }
                seed::insert_spans(c, &spans)?;
                seed::sync_exit_sequence(c)?;
                // Relapses: flagged, and most reopened as a new file with the
                // same people and data, filed the day it was reopened.
                let mut books = None;
                let root = unions::by_level_unscoped(c, UnionLevel::National)?;
                for (hid, union_id, on, reason, reopen) in relapses {
                    let id = HouseholdId(hid);
                    hs::set_relapse(c, id, Some((on, reason)))?;
                    let Some(reopen_on) = reopen else { continue };
                    let Some(union) = unions::find_unscoped(c, UnionId(union_id))? else {
                        continue;
                    };
                    let scope = Scope::of(
                        root.first()
                            .map(|u| u.path.clone())
                            .unwrap_or_else(|| union.path.clone()),
                    );
                    let Some(old) = hs::find(c, &scope, id)? else { continue };
                    let members = hs::members_of(c, id)?;
                    let incomes = hs::incomes_of(c, id)?;
                    if books.is_none() {
                        books = Some(Books::load(c)?);
                    }
                    let Some(b) = books.as_ref() else { continue };
                    let mut data = old.data.clone();
                    data.filed_on = reopen_on;
                    let new = file_household(c, Who::Operator, &union, &data, &members, &incomes, b)?;
                    hs::link_reopened(c, id, new)?;
                    audit::write(
                        c,
                        Who::Operator,
                        Record::change(
                            Action::ReopenHousehold,
                            "household",
                            new,
                            (union.id.0, &union.path),
                            None,
                            Some(serde_json::json!({
                                "previous_id": hid,
                                "previous_file_no": old.file_no,
                                "relapse_on": on,
                                "relapse_reason": reason,
                                "filed_on": reopen_on,
                            })),
                        ),
                    )?;
                }
                Ok(s)
            })
            .await?;
        summary.households += s.households;
        for (k, v) in s.out {
            *summary.out.entry(k).or_default() += v;
        }
        summary.relieved += s.relieved;
        summary.removed += s.removed;
        summary.revoked += s.revoked;
        summary.relapses += s.relapses;
        summary.reopened += s.reopened;
        summary.falling_back += s.falling_back;
        summary.ready += s.ready;
        if seen % 20_000 < 2_100 || i >= unions_list.len() {
            progress(&format!("已为 {seen} / {total} 户生成退出决定"));
        }
    }
    summary.targets = services
        .write(move |c| {
            let year = chrono::Datelike::year(&today);
            let set_at = crate::now();
            let mut rows = Vec::new();
            let mut push = |union_id: UnionId, year: i32, share_bp: i32| {
                rows.push(seed::TargetRow {
                    union_id: union_id.0,
                    year,
                    share_bp,
                    set_by: None,
                    set_at,
                });
            };
            for root in unions::by_level_unscoped(c, UnionLevel::National)? {
                for y in year - 2..=year {
                    push(root.id, y, 2000);
                }
            }
            for p in unions::by_level_unscoped(c, UnionLevel::Province)? {
                if p.division_code == "440000" {
                    push(p.id, year, 2500);
                }
            }
            for city in unions::by_level_unscoped(c, UnionLevel::City)? {
                if city.division_code == "440100" {
                    push(city.id, year - 1, 3000);
                }
            }
            Ok(seed::insert_targets(c, &rows)?)
        })
        .await?;
    services.read(|c| Ok(c.analyze()?)).await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fates over many households and days: every date in order, whatever
    /// day the generator runs on.
    #[test]
    fn fates_keep_their_dates_in_order() {
        let mut counts = [0usize; 6];
        for today_offset in [0i64, 17, 45, 100, 200, 333] {
            let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
                + chrono::Duration::days(today_offset);
            let last_month = Month::of_date(today).pred();
            let filed_from = NaiveDate::from_ymd_opt(2014, 1, 1).unwrap_or_default();
            for i in 0..3_000i64 {
                let id = demo_id(
                    "440103",
                    NaiveDate::from_ymd_opt(1966, 1, 1).unwrap_or_default(),
                    12_000,
                    0,
                    i,
                )
                .unwrap_or_default();
                let filed_on = filed_from + chrono::Duration::days((i * 7919) % 4_700);
                let category = Category::ALL[usize::try_from(i % 3).unwrap_or(0)];
                let f = fate(&id, 10 + i % 40, filed_on, i % 4 == 0, category, today);
                let Some(d) = f.decided else {
                    counts[0] += usize::from(f.ready);
                    continue;
                };
                assert!(!f.ready);
                assert!(d.decided_on >= filed_on + chrono::Duration::days(MIN_DAYS_ON_FILE));
                assert!(
                    d.decided_on < today && d.decided_on >= today - chrono::Duration::days(3 * 365)
                );
                assert_eq!(d.pathway.is_some(), d.kind == ExitKind::Out);
                assert_eq!(d.reason.is_some(), d.kind == ExitKind::Removal);
                if let Some(r) = d.revoked_on {
                    assert!(r > d.decided_on && r < today);
                    assert!(d.relapse.is_none());
                    counts[1] += 1;
                }
                if let Some(r) = d.relapse {
                    assert_eq!(d.kind, ExitKind::Out);
                    assert!(r.below_from > Month::of_date(d.decided_on));
                    assert!(r.below_from <= last_month);
                    match r.flagged_on {
                        Some(flag) => {
                            assert!(flag > d.decided_on && flag < today);
                            assert!(flag < add_months(d.decided_on, 12));
                            counts[2] += 1;
                            if let Some(re) = r.reopened_on {
                                assert!(re > flag && re < today);
                                counts[3] += 1;
                            }
                        }
                        None => {
                            // Still followed, six months below the line.
                            assert!(add_months(d.decided_on, 12) > today);
                            assert_eq!(r.below_from, last_month.add_months(-5));
                            counts[4] += 1;
                        }
                    }
                }
                counts[5] += 1;
                // Above the line for the months before the exit.
                if d.kind == ExitKind::Out && d.revoked_on.is_none() {
                    let m = Month::of_date(d.decided_on).pred();
                    assert_eq!(f.above_line(m, last_month), Some(true));
                }
            }
        }
        // Every kind of story occurs on every day the generator might run.
        assert!(counts.iter().all(|n| *n > 0), "{counts:?}");
    }
}
