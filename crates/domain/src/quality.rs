//! File quality (档案质量, docs/rules.md §2.1): the checks a union runs over
//! the files it holds, as the national system's queries do — each a code, a
//! Chinese label and why it matters, and the precise test a file fails.
//!
//! A file is checked while it is under assistance (在档 and 已解困, see
//! [`Status::under_assistance`](crate::household::Status::under_assistance)):
//! a relieved household stays under regular assistance and monitoring, so
//! its file must stay complete too; exited and removed files are not checked.

use crate::household::coded;
use crate::{Month, ValidationError};
use chrono::{Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

coded!(
    /// One check of the file-quality page; a file may fail several.
    Check, "check", "检查项" {
        /// The file has not changed for 12 months.
        Stale = "stale", "一年未更新";
        /// No assistance was ever given to the household.
        NeverAssisted = "never_assisted", "从未帮扶";
        /// Nobody ever recorded a home visit.
        NeverVisited = "never_visited", "从未走访";
        /// A member's ID number is missing.
        MemberWithoutId = "member_without_id", "成员缺身份证号";
        /// No income recorded for any of the last three complete months.
        IncomesMissing = "incomes_missing", "近期收入缺失";
        /// Nobody is responsible for the household.
        NoResponsible = "no_responsible", "无责任人";
    }
);

/// How many complete months before the current one [`Check::IncomesMissing`] looks at.
pub const INCOME_MONTHS: i32 = 3;

/// How many months without a change make a file stale.
pub const STALE_MONTHS: u32 = 12;

impl Check {
    /// Why the check matters, in one line for the page.
    pub fn explain(self) -> &'static str {
        match self {
            Check::Stale => {
                "档案 12 个月没有任何变更：家庭情况多半已经变化，应核实后更新（动态管理）。"
            }
            Check::NeverAssisted => {
                "建档后从未有已发放的帮扶记录：建档是为了帮扶，应尽快落实帮扶措施。"
            }
            Check::NeverVisited => "从未记录入户走访：一看二问三讲是掌握实情、落实结对帮扶的基础。",
            Check::MemberWithoutId => {
                "有家庭成员没有身份证号：无法开展部门核对，也无法确认一人一档。"
            }
            Check::IncomesMissing => {
                "最近 3 个完整月份都没有录入收入：无法进行精准识别和脱困评估。"
            }
            Check::NoResponsible => "没有结对责任人：一帮一要求每户都有责任人，不达目标不脱钩。",
        }
    }

    /// What an empty list of the check means.
    pub fn empty(self) -> &'static str {
        match self {
            Check::Stale => "没有一年未更新的档案。",
            Check::NeverAssisted => "没有从未帮扶的档案。",
            Check::NeverVisited => "没有从未走访的档案。",
            Check::MemberWithoutId => "没有成员缺身份证号的档案。",
            Check::IncomesMissing => "没有近期收入缺失的档案。",
            Check::NoResponsible => "没有无责任人的档案。",
        }
    }
}

/// The instant before which a file's last change makes it stale:
/// [`STALE_MONTHS`] calendar months before `now` (clamped to month ends).
pub fn stale_before(now: NaiveDateTime) -> NaiveDateTime {
    now.checked_sub_months(Months::new(STALE_MONTHS))
        .unwrap_or(NaiveDateTime::MIN)
}

/// The months [`Check::IncomesMissing`] looks at, first and last: the
/// [`INCOME_MONTHS`] complete months before the month of `today` (on
/// 2026-12-06: 2026-09 to 2026-11). The current month is not over, so
/// its income is not yet due.
pub fn income_window(today: NaiveDate) -> (Month, Month) {
    let last = Month::of_date(today).pred();
    (last.add_months(1 - INCOME_MONTHS), last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn income_window_is_the_three_complete_months_before_this_one() {
        let cases = [
            ("2026-12-06", "2026-09", "2026-11"),
            ("2026-12-31", "2026-09", "2026-11"),
            ("2027-01-01", "2026-10", "2026-12"),
            ("2026-02-28", "2025-11", "2026-01"),
        ];
        for (today, first, last) in cases {
            let (f, l) = income_window(d(today));
            assert_eq!(
                (f.to_string(), l.to_string()),
                (first.into(), last.into()),
                "{today}"
            );
        }
    }

    #[test]
    fn stale_is_twelve_calendar_months() {
        let now = d("2026-12-06").and_hms_opt(10, 0, 0).expect("time");
        assert_eq!(
            stale_before(now),
            d("2025-12-06").and_hms_opt(10, 0, 0).expect("time")
        );
        let leap = d("2024-02-29").and_hms_opt(0, 0, 0).expect("time");
        assert_eq!(
            stale_before(leap),
            d("2023-02-28").and_hms_opt(0, 0, 0).expect("time")
        );
    }

    #[test]
    fn every_check_has_a_code_a_label_and_an_explanation() {
        for c in Check::ALL {
            assert_eq!(Check::parse(c.code()).ok(), Some(*c));
            assert_eq!(Check::parse(c.label()).ok(), Some(*c));
            assert!(!c.explain().is_empty() && c.empty().starts_with("没有"));
        }
        assert!(Check::parse("bogus").is_err());
    }
}
