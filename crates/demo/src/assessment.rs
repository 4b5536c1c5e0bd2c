//! 考核评价 in the demo: the province assesses its county unions for this
//! year with Yunnan's 6 areas × 25 items, the computed items scored over the
//! demo's records, and the demo officer's county given its entered items
//! (a third-party evaluation with its report) so that one line is complete.

use crate::applications::sign_in;
use crate::tree::DemoAccount;
use bangfu_domain::assessment::{yunnan_items, RawItem};
use bangfu_service::assessments::{this_year, EntryInput, SchemeInput};
use bangfu_service::{ServiceError, Services, Upload};

/// What the demo assessment made.
#[derive(Debug, Clone, Default)]
pub struct AssessmentSummary {
    pub unions: usize,
    pub county: String,
}

pub async fn load_assessment(
    services: &Services,
    accounts: &[DemoAccount],
) -> Result<AssessmentSummary, ServiceError> {
    let account = |name: &str| crate::tree::account(accounts, name);
    let admin = sign_in(services, account("demo-admin")?).await?;
    let county_name = account("demo-officer")?.union_name.clone();
    let items: Vec<RawItem> = yunnan_items()
        .into_iter()
        .map(|i| RawItem {
            area: i.area,
            name: i.name,
            weight: i.weight.to_string(),
            source: i.source.code().into(),
        })
        .collect();
    let created = services
        .assessment_create(
            &admin,
            SchemeInput {
                union_id: None,
                level: "county".into(),
                year: this_year(),
                title: format!("{} 年县级工会困难职工解困脱困工作考核", this_year()),
                items,
            },
        )
        .await?;
    let id = created.scheme.id;
    let report = services.assessment_score(&admin, id).await?;
    let Some(county) = report.unions.iter().find(|u| u.name == county_name) else {
        return Ok(AssessmentSummary {
            unions: report.assessed,
            county: String::new(),
        });
    };
    for it in report
        .scheme
        .items
        .iter()
        .filter(|i| !i.item.source.computed())
    {
        let third = it.item.source.needs_document();
        // Nine tenths of the weight, as the evidence supports.
        let points = format!("{:.1}", f64::from(it.item.weight) * 0.9);
        services
            .assessment_enter(
                &admin,
                id,
                EntryInput {
                    item_id: it.id,
                    union_id: county.union_id,
                    points,
                    note: if third {
                        "第三方机构入户抽查 30 户，满意度 92%（见评估报告）".into()
                    } else {
                        "查阅会议纪要、工作台账和资金凭证".into()
                    },
                    document: third.then(|| Upload {
                        name: "第三方评估报告.pdf".into(),
                        bytes: b"%PDF-1.4\n% demo third-party evaluation report\n".to_vec(),
                    }),
                },
            )
            .await?;
    }
    Ok(AssessmentSummary {
        unions: report.assessed,
        county: county_name,
    })
}
