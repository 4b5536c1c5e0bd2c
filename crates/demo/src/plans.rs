//! One household's year of assistance: an approved plan, its measures, and
//! the acts of assistance given under them, each cash act paid through a
//! balanced disbursement — with the few planted on purpose that the fund
//! audit must find.

use crate::assistance::{Accounts, Chunk};
use crate::at;
use crate::random::Gen;
use bangfu_storage::seed::{self, SeedHousehold};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::BTreeMap;

const MEASURES: [(&str, &str, &str); 6] = [
    ("employment", "skills", "参加技能培训并推荐就业岗位"),
    ("employment", "startup", "创业担保贷款和开业指导"),
    ("insurance", "second_insurance", "参加职工住院二次医保"),
    ("medical", "mutual_aid", "医疗互助保障和大病救助"),
    ("safety_net", "warmth", "节日送温暖和生活救助"),
    ("safety_net", "golden_autumn", "子女金秋助学"),
];
/// Kinds, weighted by how often they are given, with the chance of cash
/// (%) and its range in yuan: about 60 % of all acts carry cash.
type Kind = (&'static str, u64, i64, i64);
const KINDS: [(Kind, u64); 7] = [
    (("living", 90, 300, 1_500), 3),
    (("medical", 85, 500, 4_000), 2),
    (("education", 90, 1_000, 2_500), 1),
    (("warmth", 70, 300, 800), 3),
    (("training", 10, 200, 500), 1),
    (("legal", 0, 0, 0), 1),
    (("policy", 0, 0, 0), 1),
];

/// An act of assistance to write: what, when, how much cash, under which measure.
#[derive(Debug, Clone, Copy)]
struct Act {
    kind: &'static str,
    on: NaiveDate,
    cash: i64,
    measure: Option<i64>,
}

impl Chunk {
    /// `h`'s plan for `year` (approved early in the year, or a week after
    /// its filing), one or two measures, and 2–6 acts of assistance before
    /// the file left (`until`); cash paid is added to `paid_by_year`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn year(
        &mut self,
        r: &mut Gen,
        h: &SeedHousehold,
        year: i32,
        until: NaiveDate,
        officer: Option<(i64, i64)>,
        accounts: Accounts,
        paid_by_year: &mut BTreeMap<i32, i64>,
    ) {
        let today = self.today;
        let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        let dec31 = NaiveDate::from_ymd_opt(year, 12, 31)
            .unwrap_or(today)
            .min(today);
        if h.filed_on > dec31 {
            return;
        }
        let approved_on = (jan1 + Duration::days(9)).max(h.filed_on + Duration::days(7));
        if approved_on >= dec31 || approved_on >= until {
            return;
        }
        let plan_id = self.ids.plan;
        self.ids.plan += 1;
        self.plans.push(seed::PlanRow {
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
        self.s.plans += 1;
        let mut mids = Vec::new();
        for _ in 0..(1 + r.below(2)) {
            let (track, programme, content) = *r.pick(&MEASURES);
            mids.push(self.ids.measure);
            self.measures.push(seed::MeasureRow {
                id: self.ids.measure,
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
            self.ids.measure += 1;
            self.s.measures += 1;
        }
        let span = (dec31 - approved_on).num_days().max(1);
        for _ in 0..(2 + r.below(5)) {
            let on =
                approved_on + Duration::days(r.below_i64(u64::try_from(span).unwrap_or(1)) + 1);
            if on > today || on >= until {
                continue;
            }
            let (kind, cash_pct, lo, hi) = r.weighted(&KINDS).unwrap_or(KINDS[0].0);
            let cash = if r.chance(cash_pct) && hi > 0 {
                (lo + r.below_i64(u64::try_from((hi - lo) / 10 + 1).unwrap_or(1)) * 10) * 100
            } else {
                0
            };
            let mut act = Act {
                kind,
                on,
                cash,
                measure: Some(*r.pick(&mids)),
            };
            // A few break the rules on purpose: one in ~400 over the
            // standard, one in ~500 without a measure, one in ~400 paid twice.
            let mut again = None;
            if cash > 0 && (r.below(400) == 0 || self.plant == 1) && kind == "medical" {
                act.cash = 800_000;
                self.plant = self.plant.max(2);
            } else if cash > 0 && r.below(500) == 0 {
                act.measure = None;
            } else if cash > 0 && (r.below(400) == 0 || self.plant == 0) {
                let on = on + Duration::days(i64::try_from(5 + r.below(20)).unwrap_or(10));
                if on <= today && on < until {
                    again = Some(Act { on, ..act });
                    self.plant = self.plant.max(1);
                }
            }
            for act in std::iter::once(act).chain(again) {
                self.act(r, h, act, officer, accounts, paid_by_year);
            }
        }
    }

    /// One act of assistance (goods when it carries no cash), and its
    /// disbursement from the union's fund when it does.
    fn act(
        &mut self,
        r: &mut Gen,
        h: &SeedHousehold,
        Act {
            kind,
            on,
            cash,
            measure,
        }: Act,
        officer: Option<(i64, i64)>,
        accounts: Accounts,
        paid_by_year: &mut BTreeMap<i32, i64>,
    ) {
        let goods_value = if cash == 0 {
            10_000 * i64::try_from(1 + r.below(5)).unwrap_or(1)
        } else {
            0
        };
        let aid = self.ids.assistance;
        self.ids.assistance += 1;
        let tid = (cash > 0).then(|| self.next_transfer());
        self.records.push(seed::AssistanceRow {
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
        self.s.records += 1;
        let Some(t) = tid else { return };
        self.s.with_cash += 1;
        self.post(
            seed::TransferRow {
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
            },
            [(accounts.fund, -cash), (accounts.payout, cash)],
        );
        *paid_by_year.entry(on.year()).or_default() += cash;
    }
}
