//! The national tree for benchmarks: every province, city and county union
//! of the shipped divisions, grassroots unions spread over the counties, and
//! one officer per county.

use bangfu_domain::division;
use bangfu_domain::{DisplayName, Role, Roles, UnionLevel, Username};
use bangfu_service::seeding::{self, generate_password, hash_password};
use bangfu_service::{Operator, ServiceError, Services};
use bangfu_storage::unions::{self, Union};
use bangfu_storage::Conn;

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
    let root = services.prepare().await?;
    if services
        .operator_find_union(Operator, "北京市总工会")
        .await?
        .is_some()
    {
        return Err(ServiceError::Rule("全国演示数据已存在".into()));
    }
    let password = generate_password();
    let hash = hash_password(password.clone()).await?;
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
            .seed_write(move |c| {
                let (mut u, mut g, mut us) = (0usize, 0usize, 0usize);
                let mut provinces = unions::children_unscoped(c, root.id)?;
                let province = child_for(
                    c,
                    &root,
                    &mut provinces,
                    UnionLevel::Province,
                    &province_code,
                    &mut u,
                )?;
                let mut cities = unions::children_unscoped(c, province.id)?;
                let mut county_unions: Vec<(Union, usize)> = Vec::new();
                for (city_code, county_code, n) in quota {
                    let city = child_for(
                        c,
                        &province,
                        &mut cities,
                        UnionLevel::City,
                        &city_code,
                        &mut u,
                    )?;
                    let mut siblings = unions::children_unscoped(c, city.id)?;
                    let county = child_for(
                        c,
                        &city,
                        &mut siblings,
                        UnionLevel::County,
                        &county_code,
                        &mut u,
                    )?;
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
                        let code = &county.division_code;
                        seeding::create_union(c, county, UnionLevel::Grassroots, &name, code)?;
                        u += 1;
                        g += 1;
                    }
                    seeding::create_user(
                        c,
                        &Username::parse(&format!("officer-{}", county.division_code))?,
                        &DisplayName::parse(&format!("{base}帮扶干部"))?,
                        &Roles::new([Role::Officer])?,
                        county,
                        &hash,
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
        services.seed_analyze().await?;
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

/// The union for division `code` among `known` (the children of `parent`
/// already stored), or a new one made under `parent` and counted in `made`:
/// a second run fills in what the first did not reach.
fn child_for(
    c: &mut Conn,
    parent: &Union,
    known: &mut Vec<Union>,
    level: UnionLevel,
    code: &str,
    made: &mut usize,
) -> Result<Union, ServiceError> {
    if let Some(x) = known.iter().find(|x| x.division_code == code) {
        return Ok(x.clone());
    }
    let name = format!("{}总工会", division_label(code));
    let x = seeding::create_union(c, parent, level, &name, code)?;
    *made += 1;
    known.push(x.clone());
    Ok(x)
}
