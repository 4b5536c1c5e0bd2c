//! 部门核对 in the demo: the administrator makes the matching key, and two
//! departments' users of the officer's district send a list each through
//! the same use case as an upload — 民政局 a death register naming the worker
//! of one of the officer's households and a member of another (that one by
//! keyed hash), 医保局 large medical bills in a month the files record less.
//! Both lists also name people on no file. The officer then finds 核对预警
//! on the to-do list and open findings at `/verification/findings`; one
//! bill, checked and explained, is dismissed, so the list shows a resolved
//! finding too.

use crate::applications::sign_in;
use crate::people::family;
use crate::random::Gen;
use crate::tree::DemoAccount;
use bangfu_domain::household::{HouseholdId, MonthlyIncome, Status};
use bangfu_domain::Month;
use bangfu_service::verification::{
    id_hash, key_bytes, Batch, BatchInput, FindingQuery, ResolveInput,
};
use bangfu_service::{today, ServiceError, Services};
use bangfu_storage::households;
use bangfu_storage::{PageRequest, Scope};
use std::collections::BTreeMap;

/// What the departments sent and what it raised.
#[derive(Debug, Clone, Default)]
pub struct VerificationSummary {
    pub batches: usize,
    pub rows: i64,
    /// Findings raised (each with a warning for the responsible officer).
    pub findings: i64,
    /// Of those, dismissed by the officer after checking.
    pub dismissed: usize,
}

/// Household numbers beyond any generated or applicant household's, so the
/// people the lists name who are on no file have ID numbers of their own.
const NOBODY: i64 = 60_000_000;

/// The large bill, and the moderate one the officer dismisses (fen).
const LARGE_BILL: i64 = 3_865_000;
const CHECKED_BILL: i64 = 186_000;

/// A file of the officer's, as a department's list would name it.
struct OnFile {
    id: HouseholdId,
    worker: String,
    /// Members with an ID number.
    members: Vec<String>,
    incomes: Vec<MonthlyIncome>,
}

/// Loads the key, the two batches and one dismissal.
pub async fn load_verification(
    services: &Services,
    accounts: &[DemoAccount],
) -> Result<VerificationSummary, ServiceError> {
    let account = |name: &str| crate::tree::account(accounts, name);
    let admin = sign_in(services, account("demo-admin")?).await?;
    let officer = sign_in(services, account("demo-officer")?).await?;
    let civil = sign_in(services, account("demo-civil")?).await?;
    let medical = sign_in(services, account("demo-medical")?).await?;
    let key = services.verification_key(&admin).await?;
    let bytes = key_bytes(&key.key)?;

    // The officer's own files on file, in the order they were filed.
    let mine = services
        .my_households(&officer, PageRequest::new(Some(1), Some(200)))
        .await?;
    let mut ids: Vec<HouseholdId> = mine
        .items
        .iter()
        .filter(|h| h.item.status == Status::OnFile)
        .map(|h| h.item.household_id)
        .collect();
    ids.sort_by_key(|h| h.0);
    let scope = Scope::of(officer.user.union_path.clone());
    let files: Vec<OnFile> = services
        .seed_write(move |c| {
            let mut out = Vec::new();
            for id in ids {
                let Some(h) = households::find(c, &scope, id)? else {
                    continue;
                };
                let members = households::members_of(c, &scope, id)?
                    .into_iter()
                    .filter_map(|m| m.id_number.map(|n| n.as_str().to_owned()))
                    .collect();
                out.push(OnFile {
                    id,
                    worker: h.data.worker_id_number.as_str().to_owned(),
                    members,
                    incomes: households::incomes_of(c, &scope, id)?,
                });
            }
            Ok(out)
        })
        .await?;
    // The worker who died, the household that lost a member, the large
    // bill and the bill the officer checks: four different files.
    let died = files
        .first()
        .ok_or_else(|| ServiceError::Internal("the demo officer has no files".into()))?;
    let lost = files
        .iter()
        .skip(1)
        .find(|f| !f.members.is_empty())
        .ok_or_else(|| ServiceError::Internal("no demo file with members".into()))?;
    let mut others = files.iter().filter(|f| f.id != died.id && f.id != lost.id);
    let (Some(billed), Some(checked)) = (others.next(), others.next()) else {
        return Err(ServiceError::Internal("too few demo files".into()));
    };

    let today = today();
    let day = |d: i64| (today - chrono::Duration::days(d)).to_string();
    let nobody = |k: i64| {
        let mut r = Gen::new(0xDEAD ^ u64::try_from(k).unwrap_or(0));
        family(&mut r, "440103", NOBODY + k, 1, today)
            .into_iter()
            .next()
            .map(|p| p.id_number)
            .unwrap_or_default()
    };
    let row = |pairs: &[(&str, String)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    let hashed = |n: &str| id_hash(&bytes, n);

    let mut out = VerificationSummary::default();
    let mut add = |b: &Batch| {
        out.batches += 1;
        out.rows += b.rows;
        out.findings += b.findings;
    };
    let deaths = services
        .verification_batch_create(
            &civil,
            BatchInput {
                dataset: "death".into(),
                source: "荔湾区民政局".into(),
                as_of: day(3),
                key_id: None,
                file_name: Some("死亡登记名单.xlsx".into()),
                rows: vec![
                    row(&[("id_number", died.worker.clone()), ("died_on", day(17))]),
                    row(&[("id_hash", hashed(&lost.members[0])), ("died_on", day(40))]),
                    row(&[("id_number", nobody(1)), ("died_on", day(9))]),
                    row(&[("id_hash", hashed(&nobody(2))), ("died_on", day(22))]),
                    row(&[("id_number", nobody(3)), ("died_on", day(51))]),
                ]
                .into(),
                first_row: 2,
            },
        )
        .await?;
    add(&deaths);

    // A month each file records less medical expenditure than the bill:
    // the latest month on file, else last month.
    let large_month = billed
        .incomes
        .iter()
        .filter(|m| m.medical.0 < LARGE_BILL)
        .map(|m| m.month)
        .max()
        .unwrap_or(Month::of_date(today).pred());
    let checked_month = checked
        .incomes
        .iter()
        .max_by_key(|m| m.month)
        .map(|m| m.month)
        .unwrap_or(Month::of_date(today).pred());
    let checked_recorded = checked
        .incomes
        .iter()
        .find(|m| m.month == checked_month)
        .map(|m| m.medical.0)
        .unwrap_or(0);
    let bills = services
        .verification_batch_create(
            &medical,
            BatchInput {
                dataset: "medical".into(),
                source: "荔湾区医疗保障局".into(),
                as_of: day(5),
                key_id: None,
                file_name: Some("大额医疗自付费用.csv".into()),
                rows: vec![
                    row(&[
                        ("id_number", billed.worker.clone()),
                        ("month", large_month.to_string()),
                        ("amount_fen", LARGE_BILL.to_string()),
                    ]),
                    row(&[
                        ("id_hash", hashed(&checked.worker)),
                        ("month", checked_month.to_string()),
                        ("amount_fen", (checked_recorded + CHECKED_BILL).to_string()),
                    ]),
                    row(&[
                        ("id_number", nobody(4)),
                        ("month", large_month.to_string()),
                        ("amount_fen", "1240000".to_owned()),
                    ]),
                ]
                .into(),
                first_row: 2,
            },
        )
        .await?;
    add(&bills);

    // The officer checked the smaller bill: already reimbursed in part and
    // the rest recorded in the next month's figures.
    let found = services
        .verification_finding_list(
            &officer,
            FindingQuery {
                batch: Some(bills.id),
                household_id: Some(checked.id.0),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(10)),
        )
        .await?;
    for f in found.items {
        services
            .verification_finding_resolve(
                &officer,
                f.id,
                ResolveInput {
                    action: "dismiss".into(),
                    note: "已入户核实：该笔费用已由大病保险报销大部分，个人实际负担已计入次月医疗支出。"
                        .into(),
                    version: Some(f.version),
                },
            )
            .await?;
        out.dismissed += 1;
    }
    for a in [&admin, &officer, &civil, &medical] {
        services.logout(a).await?;
    }
    Ok(out)
}
