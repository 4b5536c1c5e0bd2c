//! The demo dataset: a real slice of the union tree (Guangdong and Wuzhou in
//! Guangxi, the places the source documents come from) and one account per role.

use bangfu_domain::division;
use bangfu_domain::UnionLevel;
use bangfu_service::seeding::generate_password;
use bangfu_service::{FirstLogin, Operator, ServiceError, Services};
use bangfu_storage::unions::Union;

/// An account the demo created, with its freshly generated password.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: &'static str,
    pub union_name: String,
    pub password: String,
}

/// The demo account named `name` among those just made.
pub(crate) fn account<'a>(
    accounts: &'a [DemoAccount],
    name: &str,
) -> Result<&'a DemoAccount, bangfu_service::ServiceError> {
    accounts
        .iter()
        .find(|a| a.username == name)
        .ok_or_else(|| bangfu_service::ServiceError::Internal(format!("demo account {name}")))
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
    // The last two are departments' users (民政局, 医保局) of the officer's
    // district: they send the lists the demo's 部门核对 starts from.
    let plan: [(&str, &str, &'static str, &str, Option<&str>); 8] = [
        ("demo-admin", "演示管理员", "admin", &province, None),
        ("demo-auditor", "演示审计员", "auditor", &province, None),
        ("demo-fund", "演示资金管理员", "fund_officer", &city, None),
        ("demo-reviewer", "演示审核人", "reviewer", &county, None),
        ("demo-officer", "演示帮扶干部", "officer", &county, None),
        (
            "demo-officer2",
            "演示帮扶干部（另一区）",
            "officer",
            &other_county,
            None,
        ),
        (
            "demo-civil",
            "演示民政局数据专员",
            "department",
            &county,
            Some("civil_affairs"),
        ),
        (
            "demo-medical",
            "演示医保局数据专员",
            "department",
            &county,
            Some("medical_security"),
        ),
    ];
    let mut accounts = Vec::new();
    for (username, display, role, union, department) in plan {
        let password = generate_password();
        services
            .operator_create_user_in(
                Operator,
                username,
                Some(display),
                &[role.to_owned()],
                Some(union),
                &password,
                department,
                // The passwords are printed once for whoever runs the demo.
                FirstLogin::KeepPassword,
            )
            .await?;
        accounts.push(DemoAccount {
            username: username.to_owned(),
            role,
            union_name: union.to_owned(),
            password,
        });
    }
    services.seed_analyze().await?;
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
