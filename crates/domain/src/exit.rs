//! Leaving the file (docs/rules.md §5): whether a household meets the standard
//! for being out of hardship (脱困), and whether a household that cannot get
//! out is ready to be relieved (解困).
//!
//! As for identification, the decision is arithmetic on whole fen. "Income per
//! person above the line" is tested as "household income above line × size",
//! each month against the line in force that month, with products in `i128`.
//! Per-capita amounts appear only in the window and the reasons, for the
//! reviewer to read.

use crate::identification::{
    fen_floor, sorted_and_checked, start_of_latest_run, MonthFigures, Situation,
};
use crate::{Fen, Month, ValidationError};
use serde::Serialize;

/// `N` of the source rule (001 §四(一)): six consecutive months.
pub const DEFAULT_WINDOW_MONTHS: u32 = 6;

/// One month of the exit window, for the reviewer to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExitMonth {
    pub month: Month,
    /// Household disposable income of the month.
    pub income: Fen,
    /// floor(income / size): display only.
    pub per_capita_income: Fen,
    /// `L` in force that month, per person.
    pub dibao_line: Fen,
    /// `I(m) > L`, decided as income > L × size.
    pub above_line: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitEvaluation {
    /// The causes are removed and every month of a full window is above its line.
    pub meets_standard: bool,
    pub causes_removed: bool,
    /// Fewer than `N` consecutive months end with the latest month on record.
    pub insufficient_data: bool,
    /// `N`.
    pub window_months: u32,
    /// The latest `N` consecutive months (fewer when data is insufficient), ascending.
    pub window: Vec<ExitMonth>,
    /// In Chinese: the standard met, or every condition and month that failed.
    pub reasons: Vec<String>,
}

/// One month of the relief window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReliefMonth {
    pub month: Month,
    pub income: Fen,
    pub rigid_expenditure: Fen,
    /// floor((income − rigid) / size): display only; may be negative.
    pub actual_per_capita: Fen,
    pub dibao_line: Fen,
    /// `A(m) ≥ L`, decided as income − rigid ≥ L × size.
    pub at_or_above_line: bool,
}

/// Where the household stands in the two safety nets relief requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ReliefFlags {
    /// In the government's safety net (低保, 特困供养 and the like).
    pub in_safety_net: bool,
    /// Under the union's regular (常态化) assistance.
    pub under_regular_assistance: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReliefEvaluation {
    /// Both flags hold and every month of a full window has `A(m) ≥ L`.
    pub ready: bool,
    pub flags: ReliefFlags,
    pub insufficient_data: bool,
    pub window_months: u32,
    pub window: Vec<ReliefMonth>,
    pub reasons: Vec<String>,
}

/// The window the rules are judged on, with its arithmetic in household totals.
struct Latest {
    months: Vec<MonthFigures>,
    size: i128,
    /// Empty when the window is full; otherwise why it is not.
    shortfall: Vec<String>,
}

impl Latest {
    /// The latest `window_months` consecutive months ending with the latest
    /// month on record, or the whole latest run when it is shorter.
    fn of(h: &Situation, window_months: u32, purpose: &str) -> Result<Latest, ValidationError> {
        let n = validate_window(window_months)? as usize;
        if h.size == 0 {
            return Err(ValidationError::new(
                "household_size",
                "家庭人口数至少为 1 人",
            ));
        }
        let sorted = sorted_and_checked(&h.months)?;
        let run_start = start_of_latest_run(&sorted);
        let run = &sorted[run_start..];
        let size = i128::from(h.size);
        if run.len() >= n {
            return Ok(Latest {
                months: run[run.len() - n..].to_vec(),
                size,
                shortfall: Vec::new(),
            });
        }
        let mut shortfall = Vec::new();
        match (run.first(), run.last()) {
            (Some(first), Some(last)) => {
                shortfall.push(format!(
                    "数据不足：截至 {}，连续有收入记录的月份只有 {} 个月，{purpose}需要连续 {n} 个月",
                    last.month,
                    run.len()
                ));
                let before_run = run_start.checked_sub(1).and_then(|i| sorted.get(i));
                if let Some(previous) = before_run {
                    let (from, to) = (previous.month.succ(), first.month.pred());
                    shortfall.push(if from == to {
                        format!("缺少 {from} 的收入记录，连续月份在此中断")
                    } else {
                        format!("缺少 {from} 至 {to} 的收入记录，连续月份在此中断")
                    });
                }
            }
            _ => shortfall.push(format!(
                "数据不足：没有收入记录，{purpose}需要连续 {n} 个月的记录"
            )),
        }
        Ok(Latest {
            months: run.to_vec(),
            size,
            shortfall,
        })
    }

    fn line_total(&self, f: &MonthFigures) -> i128 {
        i128::from(f.dibao_line.0) * self.size
    }

    /// `I(m) > L`.
    fn above_line(&self, f: &MonthFigures) -> bool {
        i128::from(f.income.0) > self.line_total(f)
    }

    fn actual_total(f: &MonthFigures) -> i128 {
        i128::from(f.income.0) - i128::from(f.rigid_expenditure.0)
    }

    /// `A(m) ≥ L`.
    fn actual_at_or_above_line(&self, f: &MonthFigures) -> bool {
        Self::actual_total(f) >= self.line_total(f)
    }

    /// "2019-01 至 2019-06", or the one month.
    fn span(&self) -> String {
        match (self.months.first(), self.months.last()) {
            (Some(first), Some(last)) if first.month != last.month => {
                format!("{} 至 {}", first.month, last.month)
            }
            (Some(only), _) => only.month.to_string(),
            _ => String::new(),
        }
    }
}

/// `N` must be 1–36, as for identification: a window of 0 months would make
/// "every month" vacuously true.
pub fn validate_window(window_months: u32) -> Result<u32, ValidationError> {
    if (1..=36).contains(&window_months) {
        Ok(window_months)
    } else {
        Err(ValidationError::new(
            "window_months",
            "连续月数应在 1–36 个月之间",
        ))
    }
}

/// Decides whether a household meets the exit standard (脱困, docs/rules.md §5):
/// the causes of hardship are removed and `I(m) > L` for each of the latest
/// `window_months` consecutive months, each month against its own line.
///
/// Refuses what the rule cannot judge (a window outside 1–36, a household of
/// size 0, a month given twice, negative money). Too few consecutive months is
/// not an error but a result that does not meet the standard, with
/// `insufficient_data` set and the missing months named.
pub fn evaluate_exit(
    h: &Situation,
    causes_removed: bool,
    window_months: u32,
) -> Result<ExitEvaluation, ValidationError> {
    let w = Latest::of(h, window_months, "脱困评估")?;
    let window: Vec<ExitMonth> = w
        .months
        .iter()
        .map(|f| ExitMonth {
            month: f.month,
            income: f.income,
            per_capita_income: fen_floor(i128::from(f.income.0), w.size),
            dibao_line: f.dibao_line,
            above_line: w.above_line(f),
        })
        .collect();
    let insufficient_data = !w.shortfall.is_empty();
    let all_above = window.iter().all(|m| m.above_line);
    let meets_standard = causes_removed && !insufficient_data && all_above;

    let mut reasons = Vec::new();
    if meets_standard {
        reasons.push(format!(
            "符合脱困标准：致困原因已消除，且 {} 连续 {} 个月家庭人均可支配收入均高于当月低保标准",
            w.span(),
            window.len()
        ));
    } else {
        if !causes_removed {
            reasons.push("致困原因尚未消除".to_owned());
        }
        reasons.extend(w.shortfall.iter().cloned());
        reasons.extend(window.iter().filter(|m| !m.above_line).map(|m| {
            format!(
                "{} 家庭人均可支配收入 {} 元，未高于当月低保标准 {} 元",
                m.month,
                m.per_capita_income.yuan_grouped(),
                m.dibao_line.yuan_grouped()
            )
        }));
    }
    Ok(ExitEvaluation {
        meets_standard,
        causes_removed,
        insufficient_data,
        window_months,
        window,
        reasons,
    })
}

/// Decides whether a household that cannot get out of hardship is ready to be
/// relieved (解困, docs/rules.md §5): it is in the government's safety net, under
/// the union's regular assistance, and `A(m) ≥ L` for each of the latest
/// `window_months` consecutive months, `A(m)` = (income − rigid expenditure) ÷
/// size, decided as income − rigid ≥ L × size.
///
/// Refuses the same input as [`evaluate_exit`].
pub fn relief_ready(
    h: &Situation,
    flags: ReliefFlags,
    window_months: u32,
) -> Result<ReliefEvaluation, ValidationError> {
    let w = Latest::of(h, window_months, "解困评估")?;
    let window: Vec<ReliefMonth> = w
        .months
        .iter()
        .map(|f| ReliefMonth {
            month: f.month,
            income: f.income,
            rigid_expenditure: f.rigid_expenditure,
            actual_per_capita: fen_floor(Latest::actual_total(f), w.size),
            dibao_line: f.dibao_line,
            at_or_above_line: w.actual_at_or_above_line(f),
        })
        .collect();
    let insufficient_data = !w.shortfall.is_empty();
    let all_at_line = window.iter().all(|m| m.at_or_above_line);
    let ready =
        flags.in_safety_net && flags.under_regular_assistance && !insufficient_data && all_at_line;

    let mut reasons = Vec::new();
    if ready {
        reasons.push(format!(
            "符合解困条件：已纳入政府保障网和工会常态化帮扶，且 {} 连续 {} 个月实际人均生活水平均不低于当月低保标准",
            w.span(),
            window.len()
        ));
    } else {
        if !flags.in_safety_net {
            reasons.push("尚未纳入政府保障网（低保、特困供养等）".to_owned());
        }
        if !flags.under_regular_assistance {
            reasons.push("尚未纳入工会常态化帮扶".to_owned());
        }
        reasons.extend(w.shortfall.iter().cloned());
        reasons.extend(window.iter().filter(|m| !m.at_or_above_line).map(|m| {
            format!(
                "{} 实际人均生活水平 {} 元，低于当月低保标准 {} 元",
                m.month,
                m.actual_per_capita.yuan_grouped(),
                m.dibao_line.yuan_grouped()
            )
        }));
    }
    Ok(ReliefEvaluation {
        ready,
        flags,
        insufficient_data,
        window_months,
        window,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The usual line in these tests: 1,000.00 元 per person; households of two.
    const L: i64 = 100_000;
    const N: u32 = DEFAULT_WINDOW_MONTHS;

    fn m(s: &str) -> Month {
        Month::parse("month", s).unwrap()
    }

    fn fig(month: Month, income: i64, rigid: i64, line: i64) -> MonthFigures {
        MonthFigures {
            month,
            income: Fen(income),
            rigid_expenditure: Fen(rigid),
            dibao_line: Fen(line),
            low_income_line: None,
        }
    }

    /// `n` consecutive months from `start`, all alike, under the usual line.
    fn run(start: &str, n: i32, income: i64, rigid: i64) -> Vec<MonthFigures> {
        (0..n)
            .map(|i| fig(m(start).add_months(i), income, rigid, L))
            .collect()
    }

    /// Six months, 2019-01 to 2019-06.
    fn six(income: i64) -> Vec<MonthFigures> {
        run("2019-01", 6, income, 0)
    }

    fn set(
        mut months: Vec<MonthFigures>,
        i: usize,
        change: impl FnOnce(&mut MonthFigures),
    ) -> Vec<MonthFigures> {
        change(&mut months[i]);
        months
    }

    fn hh(months: Vec<MonthFigures>) -> Situation {
        Situation::of(2, months)
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        Met,
        NotMet,
        Insufficient,
    }
    use Expect::*;

    struct Case {
        name: &'static str,
        household: Situation,
        causes_removed: bool,
        window_months: u32,
        expect: Expect,
        /// First and last month of the window shown.
        window: Option<(&'static str, &'static str)>,
        /// Each must appear among the reasons.
        reasons: Vec<&'static str>,
    }

    fn case(name: &'static str, household: Situation, expect: Expect) -> Case {
        Case {
            name,
            household,
            causes_removed: true,
            window_months: N,
            expect,
            window: Some(("2019-01", "2019-06")),
            reasons: vec![],
        }
    }

    impl Case {
        fn causes_not_removed(self) -> Case {
            Case {
                causes_removed: false,
                ..self
            }
        }
        fn n(self, window_months: u32) -> Case {
            Case {
                window_months,
                ..self
            }
        }
        fn window(self, first: &'static str, last: &'static str) -> Case {
            Case {
                window: Some((first, last)),
                ..self
            }
        }
        fn no_window(self) -> Case {
            Case {
                window: None,
                ..self
            }
        }
        fn reason(mut self, r: &'static str) -> Case {
            self.reasons.push(r);
            self
        }
    }

    fn exit_cases() -> Vec<Case> {
        // The line rises from 1,000.00 to 1,200.00 元 in 2019-04.
        let rising = |mut v: Vec<MonthFigures>| {
            for f in &mut v {
                if f.month >= m("2019-04") {
                    f.dibao_line = Fen(120_000);
                }
            }
            v
        };
        vec![
            case("one fen above L × size every month", hh(six(200_001)), Met)
                .reason("符合脱困标准：致困原因已消除，且 2019-01 至 2019-06 连续 6 个月家庭人均可支配收入均高于当月低保标准"),
            case("well above the line", hh(six(900_000)), Met),
            case(
                "income equal to the line is not above it",
                hh(set(six(200_001), 3, |f| f.income = Fen(200_000))),
                NotMet,
            )
            .reason("2019-04 家庭人均可支配收入 1,000.00 元，未高于当月低保标准 1,000.00 元"),
            case("equal to the line every month", hh(six(200_000)), NotMet)
                .reason("2019-01 家庭人均可支配收入 1,000.00 元，未高于当月低保标准 1,000.00 元")
                .reason("2019-06 家庭人均可支配收入 1,000.00 元，未高于当月低保标准 1,000.00 元"),
            case(
                "per capita 1,000.005 among three is above 1,000.00 (exact, no rounding)",
                Situation::of(3, six(300_001)),
                Met,
            ),
            case(
                "a line rise inside the window: above the old line, not the new",
                hh(rising(six(220_000))),
                NotMet,
            )
            .reason("2019-04 家庭人均可支配收入 1,100.00 元，未高于当月低保标准 1,200.00 元")
            .reason("2019-06 家庭人均可支配收入 1,100.00 元，未高于当月低保标准 1,200.00 元"),
            case(
                "a line rise inside the window: one fen above each month's own line",
                hh(rising(
                    (0..6)
                        .map(|i| {
                            let line = if i < 3 { L } else { 120_000 };
                            fig(m("2019-01").add_months(i), 2 * line + 1, 0, line)
                        })
                        .collect(),
                )),
                Met,
            ),
            case(
                "a gap breaks the run: too few consecutive months",
                hh([run("2019-01", 2, 900_000, 0), run("2019-04", 4, 900_000, 0)].concat()),
                Insufficient,
            )
            .window("2019-04", "2019-07")
            .reason("数据不足：截至 2019-07，连续有收入记录的月份只有 4 个月，脱困评估需要连续 6 个月")
            .reason("缺少 2019-03 的收入记录，连续月份在此中断"),
            case(
                "a gap before a full run of six does not matter",
                hh([run("2018-01", 3, 0, 0), six(200_001)].concat()),
                Met,
            ),
            case(
                "months below the line before the window do not matter",
                hh([run("2018-07", 6, 10_000, 0), six(200_001)].concat()),
                Met,
            ),
            case(
                "causes not removed",
                hh(six(900_000)),
                NotMet,
            )
            .causes_not_removed()
            .reason("致困原因尚未消除"),
            case(
                "causes not removed and a month below",
                hh(set(six(900_000), 5, |f| f.income = Fen(0))),
                NotMet,
            )
            .causes_not_removed()
            .reason("致困原因尚未消除")
            .reason("2019-06 家庭人均可支配收入 0.00 元，未高于当月低保标准 1,000.00 元"),
            case("five months of six", hh(run("2019-01", 5, 900_000, 0)), Insufficient)
                .window("2019-01", "2019-05")
                .reason("数据不足：截至 2019-05，连续有收入记录的月份只有 5 个月，脱困评估需要连续 6 个月"),
            case("no months at all", hh(vec![]), Insufficient)
                .no_window()
                .reason("数据不足：没有收入记录，脱困评估需要连续 6 个月的记录"),
            case(
                "a shorter window set by the region",
                hh(set(six(200_001), 0, |f| f.income = Fen(0))),
                Met,
            )
            .n(5)
            .window("2019-02", "2019-06")
            .reason("符合脱困标准：致困原因已消除，且 2019-02 至 2019-06 连续 5 个月家庭人均可支配收入均高于当月低保标准"),
            case(
                "a window of one month",
                hh(six(200_001)),
                Met,
            )
            .n(1)
            .window("2019-06", "2019-06")
            .reason("符合脱困标准：致困原因已消除，且 2019-06 连续 1 个月家庭人均可支配收入均高于当月低保标准"),
        ]
    }

    fn span(first: &str, last: &str) -> Vec<Month> {
        let (first, last) = (m(first), m(last));
        (0..=first.months_until(last))
            .map(|i| first.add_months(i))
            .collect()
    }

    #[test]
    fn exit_table() {
        for c in exit_cases() {
            let r = evaluate_exit(&c.household, c.causes_removed, c.window_months)
                .unwrap_or_else(|e| panic!("{}: {e:?}", c.name));
            let got = match (r.meets_standard, r.insufficient_data) {
                (true, _) => Met,
                (false, true) => Insufficient,
                (false, false) => NotMet,
            };
            assert_eq!(got, c.expect, "{}: {:?}", c.name, r.reasons);
            assert!(!(r.meets_standard && r.insufficient_data), "{}", c.name);
            let months: Vec<Month> = r.window.iter().map(|w| w.month).collect();
            let want = c.window.map(|(a, b)| span(a, b)).unwrap_or_default();
            assert_eq!(months, want, "{}: window", c.name);
            for reason in &c.reasons {
                assert!(
                    r.reasons.iter().any(|x| x == reason),
                    "{}: missing {reason:?} in {:?}",
                    c.name,
                    r.reasons
                );
            }
            assert!(!r.reasons.is_empty(), "{}: no reasons", c.name);
            assert_eq!(r.causes_removed, c.causes_removed);
            assert_eq!(r.window_months, c.window_months);
        }
    }

    #[test]
    fn the_window_shows_the_figures_used() {
        let h = Situation::of(3, six(300_001));
        let r = evaluate_exit(&h, true, N).unwrap();
        assert_eq!(
            r.window[0],
            ExitMonth {
                month: m("2019-01"),
                income: Fen(300_001),
                per_capita_income: Fen(100_000),
                dibao_line: Fen(L),
                above_line: true,
            }
        );
        let r = evaluate_exit(
            &hh(set(six(200_001), 2, |f| f.income = Fen(200_000))),
            true,
            N,
        )
        .unwrap();
        let flags: Vec<bool> = r.window.iter().map(|w| w.above_line).collect();
        assert_eq!(flags, [true, true, false, true, true, true]);
        // Only the failing month is named.
        assert_eq!(
            r.reasons,
            ["2019-03 家庭人均可支配收入 1,000.00 元，未高于当月低保标准 1,000.00 元"]
        );
    }

    #[test]
    fn bad_input_is_refused() {
        let e = evaluate_exit(&hh(six(200_001)), true, 0).unwrap_err();
        assert_eq!(e.field, "window_months");
        let e = evaluate_exit(&hh(six(200_001)), true, 37).unwrap_err();
        assert_eq!(e.field, "window_months");
        let e = evaluate_exit(&Situation::of(0, six(1)), true, N).unwrap_err();
        assert_eq!(e.field, "household_size");
        let twice = [six(200_001), run("2019-06", 1, 200_001, 0)].concat();
        let e = evaluate_exit(&hh(twice), true, N).unwrap_err();
        assert_eq!(e.field, "months");
        let e =
            evaluate_exit(&hh(set(six(200_001), 1, |f| f.income = Fen(-1))), true, N).unwrap_err();
        assert_eq!(e.field, "months");
        let e = relief_ready(&hh(six(1)), ReliefFlags::default(), 0).unwrap_err();
        assert_eq!(e.field, "window_months");
    }

    #[test]
    fn order_of_months_does_not_matter() {
        let months = [run("2018-10", 3, 0, 0), six(200_001)].concat();
        let sorted = evaluate_exit(&hh(months.clone()), true, N).unwrap();
        let mut shuffled = months;
        shuffled.reverse();
        shuffled.swap(1, 6);
        assert_eq!(evaluate_exit(&hh(shuffled), true, N).unwrap(), sorted);
        assert!(sorted.meets_standard);
    }

    const BOTH: ReliefFlags = ReliefFlags {
        in_safety_net: true,
        under_regular_assistance: true,
    };

    #[test]
    fn relief_table() {
        // (name, household, flags, ready, reasons that must appear)
        let with_rigid = |income: i64, rigid: i64| hh(run("2019-01", 6, income, rigid));
        let cases: Vec<(&str, Situation, ReliefFlags, bool, Vec<&str>)> = vec![
            (
                "A equal to the line, both flags",
                with_rigid(250_000, 50_000),
                BOTH,
                true,
                vec!["符合解困条件：已纳入政府保障网和工会常态化帮扶，且 2019-01 至 2019-06 连续 6 个月实际人均生活水平均不低于当月低保标准"],
            ),
            (
                "A one fen below the line",
                hh(set(run("2019-01", 6, 250_000, 50_000), 4, |f| {
                    f.rigid_expenditure = Fen(50_001)
                })),
                BOTH,
                false,
                vec!["2019-05 实际人均生活水平 999.99 元，低于当月低保标准 1,000.00 元"],
            ),
            (
                "income above the line but expenditure brings A below",
                with_rigid(300_000, 150_000),
                BOTH,
                false,
                vec!["2019-01 实际人均生活水平 750.00 元，低于当月低保标准 1,000.00 元"],
            ),
            (
                "not in the government safety net",
                with_rigid(250_000, 0),
                ReliefFlags {
                    in_safety_net: false,
                    under_regular_assistance: true,
                },
                false,
                vec!["尚未纳入政府保障网（低保、特困供养等）"],
            ),
            (
                "not under regular union assistance",
                with_rigid(250_000, 0),
                ReliefFlags {
                    in_safety_net: true,
                    under_regular_assistance: false,
                },
                false,
                vec!["尚未纳入工会常态化帮扶"],
            ),
            (
                "neither flag",
                with_rigid(250_000, 0),
                ReliefFlags::default(),
                false,
                vec![
                    "尚未纳入政府保障网（低保、特困供养等）",
                    "尚未纳入工会常态化帮扶",
                ],
            ),
            (
                "too few months",
                hh(run("2019-01", 5, 250_000, 0)),
                BOTH,
                false,
                vec!["数据不足：截至 2019-05，连续有收入记录的月份只有 5 个月，解困评估需要连续 6 个月"],
            ),
            (
                "A negative is shown floored",
                hh(set(run("2019-01", 6, 250_000, 0), 5, |f| {
                    f.rigid_expenditure = Fen(250_001)
                })),
                BOTH,
                false,
                vec!["2019-06 实际人均生活水平 -0.01 元，低于当月低保标准 1,000.00 元"],
            ),
        ];
        for (name, h, flags, ready, reasons) in cases {
            let r = relief_ready(&h, flags, N).unwrap();
            assert_eq!(r.ready, ready, "{name}: {:?}", r.reasons);
            assert_eq!(r.flags, flags);
            for reason in reasons {
                assert!(
                    r.reasons.iter().any(|x| x == reason),
                    "{name}: missing {reason:?} in {:?}",
                    r.reasons
                );
            }
        }
    }

    #[test]
    fn relief_window_shows_actual_level() {
        let r = relief_ready(&hh(run("2019-01", 6, 250_001, 50_000)), BOTH, N).unwrap();
        assert!(r.ready);
        assert_eq!(
            r.window[5],
            ReliefMonth {
                month: m("2019-06"),
                income: Fen(250_001),
                rigid_expenditure: Fen(50_000),
                actual_per_capita: Fen(100_000),
                dibao_line: Fen(L),
                at_or_above_line: true,
            }
        );
        assert_eq!(r.reasons.len(), 1);
    }
}

#[cfg(test)]
mod properties {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    const LINES: [i64; 3] = [80_000, 80_001, 120_000];

    /// A household of up to 12 months with occasional gaps; incomes and
    /// expenditures in proportion to line × size with a jitter of a few fen,
    /// so they land on, just above and just below the line.
    fn arb_household() -> impl Strategy<Value = (Situation, u32)> {
        (
            1u32..=6,
            vec(
                (
                    0..LINES.len(),
                    80i64..=120,
                    -2i64..=2,
                    0i64..=30,
                    prop::bool::weighted(0.08),
                ),
                0..=12,
            ),
            1u32..=8,
        )
            .prop_map(|(size, raws, n)| {
                let mut month = Month::new(2019, 1).unwrap_or(Month::MIN);
                let mut months = Vec::new();
                for (line, pct, jitter, rigid_pct, gap) in raws {
                    let line = LINES[line];
                    let total = line * i64::from(size);
                    months.push(MonthFigures {
                        month,
                        income: Fen((total * pct / 100 + jitter).max(0)),
                        rigid_expenditure: Fen(total * rigid_pct / 100),
                        dibao_line: Fen(line),
                        low_income_line: None,
                    });
                    month = month.add_months(if gap { 2 } else { 1 });
                }
                (Situation::of(size, months), n)
            })
    }

    fn raise(h: &Situation, raises: &[i64]) -> Situation {
        let mut richer = h.clone();
        for (f, r) in richer.months.iter_mut().zip(raises.iter().cycle()) {
            f.income = Fen(f.income.0 + r);
        }
        richer
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Raising incomes never turns a met standard into not met.
        #[test]
        fn raising_income_keeps_the_standard_met(
            (h, n) in arb_household(),
            causes in any::<bool>(),
            raises in vec(0i64..=50_000, 1..=6),
        ) {
            let before = evaluate_exit(&h, causes, n).unwrap();
            let after = evaluate_exit(&raise(&h, &raises), causes, n).unwrap();
            if before.meets_standard {
                prop_assert!(after.meets_standard, "{:?}", after.reasons);
            }
        }

        /// Met means: causes removed, a full window ending at the latest
        /// month, every month strictly above its own line (in totals).
        #[test]
        fn met_means_every_month_above_its_line((h, n) in arb_household(), causes in any::<bool>()) {
            let r = evaluate_exit(&h, causes, n).unwrap();
            if r.meets_standard {
                prop_assert!(causes);
                prop_assert_eq!(r.window.len(), n as usize);
                let size = i128::from(h.size);
                for w in &r.window {
                    let f = h.months.iter().find(|f| f.month == w.month).unwrap();
                    prop_assert!(i128::from(f.income.0) > i128::from(f.dibao_line.0) * size);
                    prop_assert!(w.per_capita_income >= f.dibao_line);
                }
            } else {
                prop_assert!(!r.reasons.is_empty());
            }
        }

        /// The window is the latest run, consecutive and ascending; data is
        /// insufficient exactly when it is shorter than N; an insufficient
        /// window never meets the standard.
        #[test]
        fn window_shape((h, n) in arb_household(), causes in any::<bool>()) {
            let r = evaluate_exit(&h, causes, n).unwrap();
            prop_assert!(r.window.windows(2).all(|p| p[0].month.succ() == p[1].month));
            prop_assert_eq!(r.window.last().map(|w| w.month), h.months.iter().map(|f| f.month).max());
            prop_assert!(r.window.len() <= n as usize);
            prop_assert_eq!(r.insufficient_data, r.window.len() < n as usize);
            prop_assert!(!(r.insufficient_data && r.meets_standard));
            // Any failing month in the window is named in the reasons.
            for w in r.window.iter().filter(|w| !w.above_line) {
                let month = w.month.to_string();
                prop_assert!(r.reasons.iter().any(|x| x.starts_with(&month)));
            }
        }

        /// The order the months are given in does not matter.
        #[test]
        fn order_does_not_matter(
            ((h, n), shuffled) in arb_household().prop_flat_map(|(h, n)| {
                let months = h.months.clone();
                (Just((h, n)), Just(months).prop_shuffle())
            }),
        ) {
            let shuffled = Situation { months: shuffled, ..h.clone() };
            prop_assert_eq!(evaluate_exit(&shuffled, true, n), evaluate_exit(&h, true, n));
            prop_assert_eq!(
                relief_ready(&shuffled, BOTH, n),
                relief_ready(&h, BOTH, n)
            );
        }

        /// Relief: more income or less expenditure never undoes readiness;
        /// ready means both flags and A(m) ≥ L every month of a full window.
        #[test]
        fn relief_is_monotone_and_sound(
            (h, n) in arb_household(),
            raises in vec(0i64..=50_000, 1..=6),
            in_safety_net in any::<bool>(),
            under_regular_assistance in any::<bool>(),
        ) {
            let flags = ReliefFlags { in_safety_net, under_regular_assistance };
            let before = relief_ready(&h, flags, n).unwrap();
            let mut better = raise(&h, &raises);
            for f in &mut better.months {
                f.rigid_expenditure = Fen(f.rigid_expenditure.0 / 2);
            }
            let after = relief_ready(&better, flags, n).unwrap();
            if before.ready {
                prop_assert!(after.ready, "{:?}", after.reasons);
                prop_assert!(in_safety_net && under_regular_assistance);
                prop_assert_eq!(before.window.len(), n as usize);
                let size = i128::from(h.size);
                for w in &before.window {
                    prop_assert!(
                        i128::from(w.income.0) - i128::from(w.rigid_expenditure.0)
                            >= i128::from(w.dibao_line.0) * size
                    );
                }
            }
        }
    }

    const BOTH: ReliefFlags = ReliefFlags {
        in_safety_net: true,
        under_regular_assistance: true,
    };
}

// ---------------------------------------------------------------------------
// Relapse (返困, docs/rules.md §5, 000): an exited household followed up that
// falls back below the line.
// ---------------------------------------------------------------------------

/// One month of the relapse window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RelapseMonth {
    pub month: Month,
    pub income: Fen,
    /// floor(income / size): display only.
    pub per_capita_income: Fen,
    pub dibao_line: Fen,
    /// `I(m) < L`, decided as income < L × size.
    pub below_line: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelapseEvaluation {
    /// Every month of a full window is below its line.
    pub relapsed: bool,
    /// Fewer than `N` consecutive months end with the latest month on record.
    pub insufficient_data: bool,
    pub window_months: u32,
    /// The latest `N` consecutive months (fewer when data is insufficient), ascending.
    pub window: Vec<RelapseMonth>,
    /// In Chinese: the relapse and its months, or why it is not one.
    pub reasons: Vec<String>,
}

/// Decides whether a household that left the file has fallen back into
/// hardship (返困): each of the latest `window_months` consecutive months on
/// record has `I(m) < L`, decided as household income < L × size, each month
/// against its own line. Income equal to the line is not below it.
///
/// The caller passes the months it wants judged (for an exited household,
/// those recorded since it left). Too few consecutive months is no relapse,
/// with `insufficient_data` set. Refuses the same input as [`evaluate_exit`].
pub fn relapsed(h: &Situation, window_months: u32) -> Result<RelapseEvaluation, ValidationError> {
    let w = Latest::of(h, window_months, "返困判断")?;
    let window: Vec<RelapseMonth> = w
        .months
        .iter()
        .map(|f| RelapseMonth {
            month: f.month,
            income: f.income,
            per_capita_income: fen_floor(i128::from(f.income.0), w.size),
            dibao_line: f.dibao_line,
            below_line: i128::from(f.income.0) < w.line_total(f),
        })
        .collect();
    let insufficient_data = !w.shortfall.is_empty();
    let relapsed = !insufficient_data && !window.is_empty() && window.iter().all(|m| m.below_line);
    let mut reasons = Vec::new();
    if relapsed {
        reasons.push(format!(
            "返困：{} 连续 {} 个月家庭人均可支配收入均低于当月低保标准",
            w.span(),
            window.len()
        ));
    } else {
        reasons.extend(w.shortfall.iter().cloned());
        reasons.extend(window.iter().filter(|m| !m.below_line).map(|m| {
            format!(
                "{} 家庭人均可支配收入 {} 元，不低于当月低保标准 {} 元",
                m.month,
                m.per_capita_income.yuan_grouped(),
                m.dibao_line.yuan_grouped()
            )
        }));
    }
    Ok(RelapseEvaluation {
        relapsed,
        insufficient_data,
        window_months,
        window,
        reasons,
    })
}

#[cfg(test)]
mod relapse_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const L: i64 = 100_000;

    fn m(s: &str) -> Month {
        Month::parse("month", s).unwrap()
    }

    /// `incomes` in consecutive months from `start`, households of two, line `L`
    /// (1,200.00 元 from 2025-04 where `rising`).
    fn hh(start: &str, incomes: &[i64], rising: bool) -> Situation {
        let months = incomes
            .iter()
            .enumerate()
            .map(|(i, income)| {
                let month = m(start).add_months(i32::try_from(i).unwrap());
                MonthFigures {
                    month,
                    income: Fen(*income),
                    rigid_expenditure: Fen(0),
                    dibao_line: if rising && month >= m("2025-04") {
                        Fen(120_000)
                    } else {
                        Fen(L)
                    },
                    low_income_line: None,
                }
            })
            .collect();
        Situation::of(2, months)
    }

    #[test]
    fn relapse_table() {
        // (name, household, N, relapsed, insufficient, reasons that must appear)
        let below = 199_999;
        type Case = (&'static str, Situation, u32, bool, bool, Vec<&'static str>);
        let cases: Vec<Case> = vec![
            (
                "one fen below L × size six months running",
                hh("2025-01", &[below; 6], false),
                6,
                true,
                false,
                vec!["返困：2025-01 至 2025-06 连续 6 个月家庭人均可支配收入均低于当月低保标准"],
            ),
            (
                "income equal to the line is not below it",
                hh("2025-01", &[below, below, 200_000, below, below, below], false),
                6,
                false,
                false,
                vec!["2025-03 家庭人均可支配收入 1,000.00 元，不低于当月低保标准 1,000.00 元"],
            ),
            (
                "only the latest N months count: an old good month does not matter",
                hh("2024-12", &[900_000, below, below, below, below, below, below], false),
                6,
                true,
                false,
                vec!["返困：2025-01 至 2025-06 连续 6 个月家庭人均可支配收入均低于当月低保标准"],
            ),
            (
                "a recovery in the latest month undoes it",
                hh("2025-01", &[below, below, below, below, below, below, 200_001], false),
                6,
                false,
                false,
                vec!["2025-07 家庭人均可支配收入 1,000.00 元，不低于当月低保标准 1,000.00 元"],
            ),
            (
                "a line rise inside the window: 2,200.00 for two is above 1,000 but below 1,200",
                hh("2025-01", &[200_000, 200_000, 200_000, 220_000, 220_000, 220_000], true),
                6,
                false,
                false,
                vec!["2025-01 家庭人均可支配收入 1,000.00 元，不低于当月低保标准 1,000.00 元"],
            ),
            (
                "after the rise every month is below its own line",
                hh("2025-01", &[199_999, 199_999, 199_999, 239_999, 239_999, 239_999], true),
                6,
                true,
                false,
                vec![],
            ),
            (
                "too few months since leaving",
                hh("2025-01", &[below; 5], false),
                6,
                false,
                true,
                vec!["数据不足：截至 2025-05，连续有收入记录的月份只有 5 个月，返困判断需要连续 6 个月"],
            ),
            (
                "a gap breaks the run",
                Situation::of(2, [hh("2025-01", &[below; 3], false).months, hh("2025-05", &[below; 4], false).months]
                        .concat()),
                6,
                false,
                true,
                vec!["缺少 2025-04 的收入记录，连续月份在此中断"],
            ),
            ("no months at all", hh("2025-01", &[], false), 6, false, true, vec![]),
            (
                "a shorter N set by the region",
                hh("2025-01", &[900_000, below, below, below], false),
                3,
                true,
                false,
                vec!["返困：2025-02 至 2025-04 连续 3 个月家庭人均可支配收入均低于当月低保标准"],
            ),
        ];
        for (name, h, n, want, insufficient, reasons) in cases {
            let r = relapsed(&h, n).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(r.relapsed, want, "{name}: {:?}", r.reasons);
            assert_eq!(r.insufficient_data, insufficient, "{name}");
            assert!(
                !r.reasons.is_empty() || h.months.is_empty(),
                "{name}: no reasons"
            );
            for reason in reasons {
                assert!(
                    r.reasons.iter().any(|x| x == reason),
                    "{name}: missing {reason:?} in {:?}",
                    r.reasons
                );
            }
        }
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(
            relapsed(&hh("2025-01", &[1; 6], false), 0)
                .unwrap_err()
                .field,
            "window_months"
        );
        let e = relapsed(&Situation::of(0, hh("2025-01", &[1; 6], false).months), 6).unwrap_err();
        assert_eq!(e.field, "household_size");
        assert_eq!(
            relapsed(&hh("2025-01", &[1, -1, 1, 1, 1, 1], false), 6)
                .unwrap_err()
                .field,
            "months"
        );
    }
}

#[cfg(test)]
mod relapse_properties {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    const LINES: [i64; 3] = [80_000, 80_001, 120_000];

    /// Up to 12 months with occasional gaps, incomes near line × size.
    fn arb_household() -> impl Strategy<Value = (Situation, u32)> {
        (
            1u32..=6,
            vec(
                (
                    0..LINES.len(),
                    80i64..=120,
                    -2i64..=2,
                    prop::bool::weighted(0.08),
                ),
                0..=12,
            ),
            1u32..=8,
        )
            .prop_map(|(size, raws, n)| {
                let mut month = Month::new(2025, 1).unwrap_or(Month::MIN);
                let mut months = Vec::new();
                for (line, pct, jitter, gap) in raws {
                    let line = LINES[line];
                    let total = line * i64::from(size);
                    months.push(MonthFigures {
                        month,
                        income: Fen((total * pct / 100 + jitter).max(0)),
                        rigid_expenditure: Fen(0),
                        dibao_line: Fen(line),
                        low_income_line: None,
                    });
                    month = month.add_months(if gap { 2 } else { 1 });
                }
                (Situation::of(size, months), n)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Relapsed means a full window ending at the latest month, every
        /// month strictly below its own line in exact totals.
        #[test]
        fn relapsed_means_every_month_below((h, n) in arb_household()) {
            let r = relapsed(&h, n).unwrap();
            prop_assert_eq!(r.insufficient_data, r.window.len() < n as usize);
            prop_assert_eq!(r.window.last().map(|w| w.month), h.months.iter().map(|f| f.month).max());
            if r.relapsed {
                prop_assert_eq!(r.window.len(), n as usize);
                let size = i128::from(h.size);
                for w in &r.window {
                    let f = h.months.iter().find(|f| f.month == w.month).unwrap();
                    prop_assert!(i128::from(f.income.0) < i128::from(f.dibao_line.0) * size);
                }
            }
        }

        /// Lowering incomes never undoes a relapse; raising them never makes one.
        #[test]
        fn monotone((h, n) in arb_household(), cuts in vec(0i64..=50_000, 1..=6)) {
            let mut poorer = h.clone();
            for (f, c) in poorer.months.iter_mut().zip(cuts.iter().cycle()) {
                f.income = Fen((f.income.0 - c).max(0));
            }
            let before = relapsed(&h, n).unwrap();
            let after = relapsed(&poorer, n).unwrap();
            if before.relapsed {
                prop_assert!(after.relapsed, "{:?}", after.reasons);
            }
            if !after.relapsed {
                prop_assert!(!before.relapsed);
            }
        }

        /// A relapse and the exit standard never hold on the same window.
        #[test]
        fn never_both_relapsed_and_out((h, n) in arb_household()) {
            let r = relapsed(&h, n).unwrap();
            let e = evaluate_exit(&h, true, n).unwrap();
            prop_assert!(!(r.relapsed && e.meets_standard));
        }

        /// The order the months are given in does not matter.
        #[test]
        fn order_does_not_matter(
            ((h, n), shuffled) in arb_household().prop_flat_map(|(h, n)| {
                let months = h.months.clone();
                (Just((h, n)), Just(months).prop_shuffle())
            }),
        ) {
            let shuffled = Situation { months: shuffled, ..h.clone() };
            prop_assert_eq!(relapsed(&shuffled, n), relapsed(&h, n));
        }
    }
}
