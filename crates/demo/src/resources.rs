//! Social resources of the demo: 荔湾区's caring enterprise, charity,
//! hospital and volunteer team with their resources, and the first matches
//! made of them — through the services, as the demo officer would.

use crate::applications::sign_in;
use crate::tree::DemoAccount;
use bangfu_domain::Fen;
use bangfu_service::resources::{MatchInput, OutcomeInput, ProviderInput, ResourceInput};
use bangfu_service::{ServiceError, Services};

/// What was loaded.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResourcesSummary {
    pub providers: usize,
    pub resources: usize,
    pub matches: usize,
    pub delivered: usize,
}

fn provider(name: &str, kind: &str, contact: &str, shared: bool) -> ProviderInput {
    ProviderInput {
        name: name.into(),
        kind: kind.into(),
        contact: contact.into(),
        shared,
        ..Default::default()
    }
}

fn resource(provider: i64, kind: &str, title: &str, quantity: i64) -> ResourceInput {
    ResourceInput {
        provider_id: provider,
        kind: kind.into(),
        title: title.into(),
        quantity,
        ..Default::default()
    }
}

/// Registers the providers and resources, and matches the first suggestions
/// of each resource: two of them delivered, one still waiting for its outcome.
pub async fn load_resources(
    services: &Services,
    accounts: &[DemoAccount],
) -> Result<ResourcesSummary, ServiceError> {
    let officer = sign_in(services, crate::tree::account(accounts, "demo-officer")?).await?;
    let mut summary = ResourcesSummary::default();
    let firm = services
        .provider_create(
            &officer,
            provider("荔湾某物流有限公司", "enterprise", "刘经理", false),
        )
        .await?;
    let charity = services
        .provider_create(
            &officer,
            provider("荔湾区慈善会", "charity", "陈秘书长", true),
        )
        .await?;
    let hospital = services
        .provider_create(
            &officer,
            provider("荔湾区人民医院", "hospital", "康复科 王主任", false),
        )
        .await?;
    let volunteers = services
        .provider_create(
            &officer,
            provider("荔湾区职工志愿服务队", "volunteers", "李队长", true),
        )
        .await?;
    summary.providers = 4;
    let mut jobs = resource(firm.id.0, "job", "仓库管理员", 3);
    jobs.place = "荔湾区芳村".into();
    jobs.detail = "初中以上学历，能适应倒班".into();
    jobs.wage = Some(Fen(450_000));
    let mut kits = resource(charity.id.0, "goods", "金秋助学礼包", 50);
    kits.aim = "education".into();
    kits.unit_value = Some(Fen(20_000));
    let mut care = resource(hospital.id.0, "service", "上门康复护理", 10);
    care.service = "rehabilitation".into();
    let mut hours = resource(volunteers.id.0, "volunteering", "助餐助行志愿服务", 200);
    hours.detail = "每周两次上门送餐、陪同就医".into();
    let mut made = Vec::new();
    for input in [jobs, kits, care, hours] {
        made.push(services.resource_create(&officer, input).await?);
        summary.resources += 1;
    }
    // The job: the first two suggestions matched, the first one hired.
    // The school kits: the first two pupils' households, one received.
    for (resource, take, quantity) in [(&made[0], 2, None), (&made[1], 2, Some(1))] {
        let found = services
            .resource_suggestions(&officer, resource.id, None, take)
            .await?;
        for (i, s) in found.items.iter().enumerate() {
            let m = services
                .match_confirm(
                    &officer,
                    resource.id,
                    MatchInput {
                        household_id: s.household_id.0,
                        person: String::new(),
                        quantity,
                    },
                )
                .await?;
            summary.matches += 1;
            if i == 0 {
                services
                    .match_outcome(
                        &officer,
                        m.id,
                        None,
                        OutcomeInput {
                            delivered: true,
                            school: "荔湾区第一中学".into(),
                            stage: "junior".into(),
                            ..Default::default()
                        },
                    )
                    .await?;
                summary.delivered += 1;
            }
        }
    }
    Ok(summary)
}
