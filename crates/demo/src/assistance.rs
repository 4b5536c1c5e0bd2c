//! A believable record of assistance: yearly plans and their measures,
//! acts of assistance paid through balanced ledger transfers, visits and
//! pairings, with a few records that break the audit's rules on purpose.

use crate::funds::demo_allocations;
use crate::now;
use crate::random::Gen;
use bangfu_domain::funds::{AccountKind, Source};
use bangfu_domain::{UnionId, UnionPath};
use bangfu_service::today;
use bangfu_service::{ServiceError, Services};
use bangfu_storage::{findings, ledger, seed, users};
use chrono::{Datelike, Duration, NaiveDate};

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
    let today = today();
    let (unions_list, officers, after) = services
        .seed_write(move |c| {
            let after = seed::last_assisted_household(c)?;
            if findings::standards(c)?.is_empty() {
                for (k, code, max) in demo_standards() {
                    findings::set_standard(c, k, code, bangfu_domain::Fen(max), None, now())?;
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
            .seed_write(move |c| {
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
                        let mut r = Gen::new(
                            0x51_7CC1_B727_220A
                                ^ (u64::try_from(h.id).unwrap_or(0) + 7)
                                    .wrapping_mul(0x9E37_79B9_7F4A_7C15),
                        );
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
    services.seed_analyze().await?;
    Ok(summary)
}
