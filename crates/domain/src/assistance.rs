//! Plans, pairing and assistance (docs/rules.md §6): the closed lists the rules
//! depend on, and the checks on one act of assistance.
//!
//! Tracks, programmes, kinds of assistance, guarantee lines and departments
//! are catalogues an administrator edits (the `dictionary`); only the few
//! codes a rule depends on are named here.

use crate::household::coded;
use crate::{Fen, ValidationError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Identifiers: a transparent `i64` newtype with `Display` (also used by
/// `resources`).
macro_rules! id {
    ($($(#[$m:meta])* $name:ident;)+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}
pub(crate) use id;

id! {
    PlanId;
    MeasureId;
    VisitId;
    AssistanceId;
    SubsidyId;
    PaymentId;
    ReferralId;
    FindingId;
}

coded!(
    /// The catalogues of the dictionary.
    Catalogue, "catalogue", "目录" {
        /// 四个一批 (003 §三(二)).
        Track = "track", "帮扶路径（四个一批）";
        /// 十大行动计划 (000).
        Programme = "programme", "行动计划（十大行动计划）";
        AssistanceKind = "assistance_kind", "帮扶类别";
        /// 六条保障线 (002 Liuzhou).
        GuaranteeLine = "guarantee_line", "保障线（六条保障线）";
        Department = "department", "部门";
    }
);

/// Kinds of assistance a rule depends on (codes in the `assistance_kind` catalogue).
pub mod kind {
    /// 助学 / 金秋助学: needs the student's school and stage.
    pub const EDUCATION: &str = "education";
    /// 送温暖, including the regular living subsidy.
    pub const WARMTH: &str = "warmth";
    /// 落实政策: a policy put into effect (a granted referral is one).
    pub const POLICY: &str = "policy";
    /// 就业安置: a job placement.
    pub const JOB: &str = "job";
}

coded!(
    /// What a year's plan aims at.
    Goal, "goal", "帮扶目标" {
        /// 脱困: out of hardship by the target date.
        Exit = "exit", "按期脱困";
        /// 解困: relieved and kept safe under regular assistance.
        Relief = "relief", "解困（兜底保障）";
    }
);

coded!(
    /// Where a plan stands: the officer drafts it and submits it for
    /// approval (提交审批); a reviewer approves what was submitted. A change
    /// of its goal or summary sends it back to draft.
    PlanStatus, "status", "计划状态" {
        Draft = "draft", "草拟";
        /// Submitted by the officer: waits for a reviewer.
        Submitted = "submitted", "待审定";
        /// A reviewer approved it: its measures are approved measures.
        Approved = "approved", "已审定";
    }
);

coded!(
    MeasureStatus, "status", "措施状态" {
        Planned = "planned", "未开始";
        InProgress = "in_progress", "进行中";
        Done = "done", "已完成";
        Cancelled = "cancelled", "已取消";
    }
);

impl MeasureStatus {
    /// Still to be done: counts as due work for the responsible person.
    pub fn is_open(self) -> bool {
        matches!(self, MeasureStatus::Planned | MeasureStatus::InProgress)
    }

    /// Still open after its due date.
    pub fn overdue(self, due_on: NaiveDate, today: NaiveDate) -> bool {
        self.is_open() && due_on < today
    }
}

/// The first day that still counts as recent for a visit: a household whose
/// visit clock started before it (see [`VisitDates`]) is due a visit.
pub fn visit_cutoff(today: NaiveDate, interval_days: u32) -> NaiveDate {
    today - chrono::Duration::days(i64::from(interval_days))
}

/// The days a household's visit interval runs from: it is filed, paired
/// with a responsible person (一帮一) and visited. A household just filed,
/// or just given to a new responsible person, is not yet due a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitDates {
    pub filed_on: NaiveDate,
    /// The day its current pairing began, if it has one.
    pub paired_on: Option<NaiveDate>,
    pub last_visit_on: Option<NaiveDate>,
}

impl VisitDates {
    /// The later of the filing, the current pairing and the last visit.
    pub fn clock_start(self) -> NaiveDate {
        [self.paired_on, self.last_visit_on]
            .into_iter()
            .flatten()
            .fold(self.filed_on, NaiveDate::max)
    }
}

/// Whether a household is due a home visit: `interval_days` have passed
/// since the later of its filing, its current pairing and its last visit.
/// (Storage lists the same households with the same three dates:
/// `bangfu_storage::plans::Worklist::NotVisitedSince`.)
pub fn visit_overdue(dates: VisitDates, today: NaiveDate, interval_days: u32) -> bool {
    dates.clock_start() < visit_cutoff(today, interval_days)
}

coded!(
    /// The school stage of a student helped with education aid (金秋助学).
    Stage, "stage", "就学阶段" {
        Primary = "primary", "小学";
        Junior = "junior", "初中";
        Senior = "senior", "高中";
        Vocational = "vocational", "中职";
        College = "college", "大专";
        Undergraduate = "undergraduate", "本科";
        Graduate = "graduate", "研究生";
    }
);

coded!(
    AssistanceStatus, "status", "帮扶记录状态" {
        /// Given; its cash, if any, was paid from the fund.
        Given = "given", "已发放";
        /// Cash above the approval threshold, waiting for a reviewer.
        Pending = "pending", "待审批";
        Refused = "refused", "未批准";
        /// Paid and then reversed by a new ledger entry.
        Reversed = "reversed", "已冲销";
    }
);

impl AssistanceStatus {
    /// Counted in totals, household-times and person-times.
    pub fn counts(self) -> bool {
        self == AssistanceStatus::Given
    }
}

coded!(
    /// How often a regular subsidy (送温暖常态化) is paid.
    SubsidyPeriod, "period", "发放周期" {
        Monthly = "monthly", "按月";
        Quarterly = "quarterly", "按季";
    }
);

impl SubsidyPeriod {
    pub fn months(self) -> i32 {
        match self {
            SubsidyPeriod::Monthly => 1,
            SubsidyPeriod::Quarterly => 3,
        }
    }

    /// The periods (by their first month) of a subsidy starting at `start`
    /// and ending after `end` (if any) that have begun by `upto`.
    pub fn due(
        self,
        start: crate::Month,
        end: Option<crate::Month>,
        upto: crate::Month,
    ) -> Vec<crate::Month> {
        let mut out = Vec::new();
        let mut m = start;
        let last = match end {
            Some(e) if e < upto => e,
            _ => upto,
        };
        while m <= last {
            out.push(m);
            m = m.add_months(self.months());
        }
        out
    }
}

coded!(
    SubsidyStatus, "status", "补助状态" {
        Active = "active", "发放中";
        Stopped = "stopped", "已停发";
    }
);

coded!(
    PaymentStatus, "status", "应发状态" {
        Due = "due", "待发放";
        Paid = "paid", "已发放";
        Cancelled = "cancelled", "已取消";
    }
);

coded!(
    ReferralStatus, "status", "推送状态" {
        Sent = "sent", "已推送";
        Granted = "granted", "已落实";
        Refused = "refused", "未落实";
    }
);

impl ReferralStatus {
    /// Still unanswered after its deadline.
    pub fn overdue(self, deadline: NaiveDate, today: NaiveDate) -> bool {
        self == ReferralStatus::Sent && deadline < today
    }
}

coded!(
    /// The checks of the fund audit (002, 004).
    Check, "check", "审计项" {
        /// Paid to a household not on file, or closed or out, on the payment date.
        NotOnFile = "not_on_file", "向非在档或已退出家庭发放";
        /// Same household, kind and amount twice within 30 days.
        Duplicate = "duplicate", "30天内重复发放";
        /// More cash than the standard for the kind and region.
        OverStandard = "over_standard", "超标准发放";
        /// Cash paid without an approved measure.
        NoMeasure = "no_measure", "无审定措施发放";
        /// Money allocated to a child union that never left its account.
        NotPassedOn = "not_passed_on", "下拨资金未使用";
    }
);

coded!(
    FindingStatus, "status", "问题状态" {
        Open = "open", "待处理";
        Explained = "explained", "已说明";
        Reversed = "reversed", "已冲销";
    }
);

/// Days within which the same household, kind and amount paid twice is a duplicate.
pub const DUPLICATE_WINDOW_DAYS: i64 = 30;

/// Checks the numbers of one act of assistance: non-negative, something
/// given, a date not in the future.
pub fn check_amounts(
    cash: Fen,
    goods_value: Fen,
    persons: i32,
    given_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ValidationError> {
    if cash.is_negative() {
        return Err(ValidationError::new("cash", "现金金额不能为负数"));
    }
    if goods_value.is_negative() {
        return Err(ValidationError::new("goods_value", "物资折价不能为负数"));
    }
    if !(1..=99).contains(&persons) {
        return Err(ValidationError::new("persons", "受益人数应在 1 到 99 之间"));
    }
    if given_on > today {
        return Err(ValidationError::new("given_on", "帮扶日期不能晚于今天"));
    }
    Ok(())
}

/// Why cash given on `given_on` serves no approved measure — what the fund
/// audit's check of cash without an approved measure will find — or `None`
/// when it serves one. `measure` is the plan of the measure the record
/// serves: its status and the day (UTC, as the audit compares) it was
/// approved; `None` when the record serves no measure.
pub fn unapproved_measure(
    measure: Option<(PlanStatus, Option<NaiveDate>)>,
    given_on: NaiveDate,
) -> Option<&'static str> {
    match measure {
        None => Some("没有关联帮扶措施"),
        Some((PlanStatus::Approved, Some(on))) if on <= given_on => None,
        Some((PlanStatus::Approved, Some(_))) => Some("所关联措施的帮扶计划在帮扶日期之后才审定"),
        Some(_) => Some("所关联措施的帮扶计划尚未审定"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Month;

    #[test]
    fn cash_serves_an_approved_measure_only_when_its_plan_was_approved_by_then() {
        let d = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default();
        let before = d.pred_opt().unwrap_or(d);
        let after = d.succ_opt().unwrap_or(d);
        type Served = Option<(PlanStatus, Option<NaiveDate>)>;
        let cases: [(Served, bool); 7] = [
            (None, false),
            (Some((PlanStatus::Draft, None)), false),
            (Some((PlanStatus::Submitted, None)), false),
            (Some((PlanStatus::Approved, None)), false),
            (Some((PlanStatus::Approved, Some(after))), false),
            (Some((PlanStatus::Approved, Some(d))), true),
            (Some((PlanStatus::Approved, Some(before))), true),
        ];
        for (measure, serves) in cases {
            assert_eq!(
                unapproved_measure(measure, d).is_none(),
                serves,
                "{measure:?}"
            );
        }
    }

    fn m(s: &str) -> Month {
        Month::parse("m", s).unwrap_or(Month::MIN)
    }

    /// period, start, end, up to, the periods due.
    type DueCase<'a> = (
        SubsidyPeriod,
        &'a str,
        Option<&'a str>,
        &'a str,
        &'a [&'a str],
    );

    #[test]
    fn due_periods() {
        let cases: &[DueCase] = &[
            (
                SubsidyPeriod::Monthly,
                "2026-01",
                None,
                "2026-03",
                &["2026-01", "2026-02", "2026-03"],
            ),
            (
                SubsidyPeriod::Monthly,
                "2026-01",
                Some("2026-02"),
                "2026-05",
                &["2026-01", "2026-02"],
            ),
            (
                SubsidyPeriod::Quarterly,
                "2026-01",
                None,
                "2026-07",
                &["2026-01", "2026-04", "2026-07"],
            ),
            (
                SubsidyPeriod::Quarterly,
                "2026-02",
                None,
                "2026-04",
                &["2026-02"],
            ),
            (SubsidyPeriod::Monthly, "2026-05", None, "2026-04", &[]),
        ];
        for (p, start, end, upto, want) in cases {
            let got: Vec<String> = p
                .due(m(start), end.map(m), m(upto))
                .into_iter()
                .map(|x| x.to_string())
                .collect();
            assert_eq!(
                got,
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{p:?} {start} {end:?} {upto}"
            );
        }
    }

    #[test]
    fn overdue_rules() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let today = d("2026-06-15");
        assert!(MeasureStatus::Planned.overdue(d("2026-06-14"), today));
        assert!(!MeasureStatus::Planned.overdue(d("2026-06-15"), today));
        assert!(!MeasureStatus::Done.overdue(d("2026-01-01"), today));
        assert!(ReferralStatus::Sent.overdue(d("2026-06-14"), today));
        assert!(!ReferralStatus::Granted.overdue(d("2026-06-14"), today));
    }

    #[test]
    fn a_visit_is_due_an_interval_after_filing_pairing_or_the_last_visit() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let today = d("2026-06-15");
        let dates = |filed: &str, paired: Option<&str>, visited: Option<&str>| VisitDates {
            filed_on: d(filed),
            paired_on: paired.map(d),
            last_visit_on: visited.map(d),
        };
        // (filed, paired, last visit, overdue after 90 days)
        let cases = [
            // Filed today, never visited: not yet due.
            ("2026-06-15", None, None, false),
            // Filed 90 days ago: due tomorrow; 91 days ago: due.
            ("2026-03-17", None, None, false),
            ("2026-03-16", None, None, true),
            // Filed long ago: the last visit counts, 90 days but not 91.
            ("2024-01-01", None, Some("2026-03-17"), false),
            ("2024-01-01", None, Some("2026-03-16"), true),
            // Filed long ago, never visited, paired recently (a new
            // responsible person): not yet due; paired 91 days ago: due.
            ("2024-01-01", Some("2026-06-01"), None, false),
            ("2024-01-01", Some("2026-03-16"), None, true),
            // The latest of the three counts, whichever it is.
            ("2026-04-01", Some("2025-01-01"), Some("2025-06-01"), false),
            ("2025-01-01", Some("2025-02-01"), Some("2026-03-16"), true),
        ];
        for (filed, paired, visited, overdue) in cases {
            let v = dates(filed, paired, visited);
            assert_eq!(visit_overdue(v, today, 90), overdue, "{v:?}");
        }
        // Another interval.
        assert!(!visit_overdue(dates("2026-05-16", None, None), today, 30));
        assert!(visit_overdue(dates("2026-05-15", None, None), today, 30));
        assert_eq!(
            dates("2026-01-01", Some("2026-02-01"), Some("2025-12-01")).clock_start(),
            d("2026-02-01")
        );
    }

    #[test]
    fn amounts_are_checked() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        assert!(check_amounts(Fen(100), Fen(0), 1, d, d).is_ok());
        assert!(check_amounts(Fen(-1), Fen(0), 1, d, d).is_err());
        assert!(check_amounts(Fen(0), Fen(-5), 1, d, d).is_err());
        assert!(check_amounts(Fen(0), Fen(0), 0, d, d).is_err());
        assert!(check_amounts(Fen(0), Fen(0), 1, d.succ_opt().unwrap_or(d), d).is_err());
    }
}

#[cfg(test)]
mod properties {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn day(offset: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap() + chrono::Duration::days(offset)
    }

    fn arb_dates() -> impl Strategy<Value = VisitDates> {
        (
            -1000i64..=0,
            proptest::option::of(-1000i64..=0),
            proptest::option::of(-1000i64..=0),
        )
            .prop_map(|(f, p, v)| VisitDates {
                filed_on: day(f),
                paired_on: p.map(day),
                last_visit_on: v.map(day),
            })
    }

    proptest! {
        /// Due exactly when filing, pairing and the last visit all lie
        /// before the cut-off.
        #[test]
        fn due_when_every_date_is_before_the_cutoff(v in arb_dates(), days in 0u32..=400) {
            let today = day(0);
            let cutoff = visit_cutoff(today, days);
            let all_before = v.filed_on < cutoff
                && v.paired_on.is_none_or(|p| p < cutoff)
                && v.last_visit_on.is_none_or(|l| l < cutoff);
            prop_assert_eq!(visit_overdue(v, today, days), all_before);
        }

        /// A visit recorded today is never overdue, whatever came before.
        #[test]
        fn a_visit_today_is_never_overdue(v in arb_dates(), days in 0u32..=400) {
            let today = day(0);
            let visited = VisitDates { last_visit_on: Some(today), ..v };
            prop_assert!(!visit_overdue(visited, today, days));
            let filed = VisitDates { filed_on: today, ..v };
            prop_assert!(!visit_overdue(filed, today, days));
        }
    }
}
