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
