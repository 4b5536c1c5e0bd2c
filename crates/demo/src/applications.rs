//! Applications for filing (建档申请) in every step, so a newcomer finds one
//! to review, one to publish, one on notice, one whose notice ends today
//! (approvable at once), one approved and one refused. They are made through
//! the same use cases as a person's, signed in as the demo's officer and
//! reviewer; only the one whose notice ends today has its notice dates moved
//! back, as if it had been published a week ago.

use crate::people::family;
use crate::random::Gen;
use crate::tree::DemoAccount;
use bangfu_domain::application::AppStatus;
use bangfu_domain::household::MonthlyIncome;
use bangfu_domain::{Fen, Month};
use bangfu_service::{
    today, Act, ApplicationInput, HouseholdInput, MemberInput, Operator, Origin, ServiceError,
    Services,
};
use bangfu_storage::applications as apps;

/// What the application generator made, by status.
#[derive(Debug, Clone, Default)]
pub struct ApplicationSummary {
    pub submitted: usize,
    pub reviewed: usize,
    pub notice: usize,
    pub approved: usize,
    pub rejected: usize,
}

/// Household numbers far beyond any generated household's, so the
/// applicants' ID numbers are their own.
const FIRST: i64 = 50_000_000;

/// Loads six applications in the demo officer's union and moves them along.
pub async fn load_applications(
    services: &Services,
    accounts: &[DemoAccount],
) -> Result<ApplicationSummary, ServiceError> {
    let account = |role: &str| {
        accounts
            .iter()
            .find(|a| a.role == role && a.username != "demo-officer2")
            .ok_or_else(|| ServiceError::Internal(format!("demo {role}")))
    };
    let officer = sign_in(services, account("officer")?).await?;
    let reviewer = sign_in(services, account("reviewer")?).await?;
    let union = services
        .operator_find_union(Operator, &account("officer")?.union_name)
        .await?
        .ok_or(ServiceError::NotFound("工会"))?;
    let notice_days = i64::from(services.settings().notice_days);
    let mut out = ApplicationSummary::default();
    // What becomes of each, in order: the steps taken after submission.
    let plans: [&[&str]; 7] = [
        &[],
        &["review"],
        &["review", "notice"],
        &["review", "notice", "objection"],
        &["review", "notice", "ends_today"],
        &["review", "notice", "ends_today", "approve"],
        &["review", "reject"],
    ];
    for (k, steps) in plans.iter().enumerate() {
        let i = FIRST + i64::try_from(k).unwrap_or(0);
        let input = applicant(i, union.id.0, &union.division_code);
        let id = services
            .application_submit(
                None,
                Origin {
                    ip: None,
                    device: None,
                },
                input,
            )
            .await?;
        let mut version = services
            .application_get(&officer, id)
            .await?
            .application
            .version;
        for step in *steps {
            let (who, act) = match *step {
                "review" => (
                    &officer,
                    Act::Review {
                        visit_date: today().to_string(),
                        seen: "两居室旧房，家具简陋，家中有长期服药的病人。".into(),
                        asked: "家庭收入、医疗支出和就业情况，与申请所填一致。".into(),
                        explained: "讲解了困难职工帮扶政策、公示和动态管理的要求。".into(),
                    },
                ),
                "notice" => (&officer, Act::Notice),
                "objection" => (
                    &officer,
                    Act::Objection {
                        text: "邻居反映其家庭有一处出租门面，请核实。".into(),
                    },
                ),
                "approve" => (
                    &reviewer,
                    Act::Approve {
                        note: "经入户核查和公示无异议，同意建档。".into(),
                    },
                ),
                "reject" => (
                    &reviewer,
                    Act::Reject {
                        reason: "经核查家庭人均收入高于当地低保标准的 5 倍。".into(),
                    },
                ),
                _ => {
                    // Published a week ago: the notice ends today.
                    let until = today();
                    let from = until - chrono::Duration::days(notice_days);
                    version = services
                        .seed_write(move |c| {
                            let at = crate::now();
                            let moved = apps::advance(
                                c,
                                id,
                                version,
                                AppStatus::Notice,
                                Some((from, until)),
                                None,
                                at,
                            )?;
                            Ok(if moved { version + 1 } else { version })
                        })
                        .await?;
                    continue;
                }
            };
            version = services
                .application_act(who, id, version, act)
                .await?
                .version;
        }
        match services
            .application_get(&officer, id)
            .await?
            .application
            .status
        {
            AppStatus::Submitted => out.submitted += 1,
            AppStatus::Reviewed => out.reviewed += 1,
            AppStatus::Notice => out.notice += 1,
            AppStatus::Approved => out.approved += 1,
            AppStatus::Rejected => out.rejected += 1,
        }
    }
    services.logout(&officer).await?;
    services.logout(&reviewer).await?;
    Ok(out)
}

pub(crate) async fn sign_in(
    services: &Services,
    a: &DemoAccount,
) -> Result<bangfu_service::Actor, ServiceError> {
    let origin = || Origin {
        ip: None,
        device: None,
    };
    // The demo's accounts are fresh: none has enrolled two-factor yet.
    let signed_in = services.without_two_factor();
    match signed_in
        .login(&a.username, &a.password, "api", origin())
        .await?
    {
        bangfu_service::LoginStep::Done(session) => {
            signed_in.authenticate(&session.token, origin()).await
        }
        bangfu_service::LoginStep::CodeDue { .. } => Err(ServiceError::Rule(format!(
            "演示账号 {} 已启用两步验证，无法自动登录",
            a.username
        ))),
    }
}

/// An applicant household of four: a worker with a chronic illness, low
/// wages and medical costs every month.
fn applicant(i: i64, union_id: i64, region: &str) -> ApplicationInput {
    let mut r = Gen::new(0x5EED ^ u64::try_from(i).unwrap_or(0));
    let people = family(&mut r, region, i, 4, today());
    let worker = &people[0];
    let last = Month::of_date(today()).pred();
    let incomes = (0..12)
        .map(|k| {
            let mut m = MonthlyIncome::empty(last.add_months(k - 11));
            m.wages = Fen(180_000 + r.below_i64(40_000));
            m.transfer = Fen(30_000);
            m.medical = Fen(60_000 + r.below_i64(30_000));
            m
        })
        .collect();
    ApplicationInput {
        union_id: Some(union_id),
        household: HouseholdInput {
            union_id: Some(union_id),
            worker_name: worker.name.clone(),
            worker_id_number: worker.id_number.clone(),
            phone: format!("139{:08}", r.below(100_000_000)),
            address: format!("{}号", 10 + r.below(200)),
            division_code: region.to_owned(),
            employer: "某纺织厂".into(),
            employer_kind: "private".into(),
            employment: "flexible".into(),
            labour_capacity: "partial".into(),
            health: "chronic".into(),
            causes: vec!["illness".into(), "low_wage".into()],
            category: "near_dibao".into(),
            tier: "national".into(),
            members: people
                .iter()
                .skip(1)
                .map(|p| MemberInput {
                    name: p.name.clone(),
                    id_number: p.id_number.clone(),
                    relation: p.relation.map(|x| x.code().to_owned()).unwrap_or_default(),
                    health: "healthy".into(),
                    disability_grade: None,
                    schooling: p.schooling.code().into(),
                    employment: p.employment.code().into(),
                    income: Fen::ZERO,
                })
                .collect(),
            ..Default::default()
        },
        incomes,
        files: Vec::new(),
        held: Default::default(),
        consent: Some(bangfu_domain::application::CONSENT_VERSION.to_owned()),
    }
}
