//! The lines (低保标准 `L`, 低收入家庭标准 `LI`) and identification parameters
//! in force for a region and month (docs/rules.md §3–§4).
//!
//! Each locality sets its own values from a month on. A region without its
//! own values inherits its nearest ancestor's (a district uses its city's
//! line unless it has one), and history is kept: a decision about March 2019
//! uses the line in force in March 2019, whatever was set since.

use crate::division::{self, NATIONAL};
use crate::exit::{self, ExitEvaluation};
use crate::household::{default_baseline_cutoff, Decision, HouseholdData, MonthlyIncome};
use crate::identification::{identify, Identification, MonthFigures, Params, Situation};
use crate::{Fen, Month, ValidationError};
use chrono::NaiveDate;
use std::collections::HashMap;

/// A line set for a region from `effective` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub division_code: String,
    pub effective: Month,
    pub dibao_line: Fen,
    /// `None`: 1.5 × the 低保 line.
    pub low_income_line: Option<Fen>,
}

/// Parameters set for a region (no history: each decision records the values it used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionParams {
    pub params: Params,
    pub baseline_cutoff: NaiveDate,
}

impl Default for RegionParams {
    fn default() -> Self {
        Self {
            params: Params::default(),
            baseline_cutoff: default_baseline_cutoff(),
        }
    }
}

/// The regions from `code` up to the whole country, nearest first.
pub fn ancestry(code: &str) -> Vec<String> {
    let mut out = vec![code.to_owned()];
    let mut cur = division::lookup(code).and_then(|d| d.parent_code.clone());
    while let Some(p) = cur {
        cur = division::lookup(&p).and_then(|d| d.parent_code.clone());
        out.push(p);
    }
    if code != NATIONAL {
        out.push(NATIONAL.to_owned());
    }
    out
}

/// Every line ever set, indexed for lookups by region and month.
#[derive(Debug, Clone, Default)]
pub struct LineBook {
    /// Per region, sorted by effective month.
    by_region: HashMap<String, Vec<Line>>,
}

impl LineBook {
    pub fn new(lines: impl IntoIterator<Item = Line>) -> Self {
        let mut by_region: HashMap<String, Vec<Line>> = HashMap::new();
        for l in lines {
            by_region
                .entry(l.division_code.clone())
                .or_default()
                .push(l);
        }
        for v in by_region.values_mut() {
            v.sort_by_key(|l| l.effective);
        }
        Self { by_region }
    }

    /// The line in force for `code` in `month`: the latest the region set on
    /// or before that month, else its nearest ancestor's.
    pub fn line_for(&self, code: &str, month: Month) -> Option<&Line> {
        ancestry(code).iter().find_map(|c| {
            self.by_region
                .get(c)
                .and_then(|v| v.iter().rev().find(|l| l.effective <= month))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.by_region.is_empty()
    }
}

/// Every region's parameters, with inheritance.
#[derive(Debug, Clone, Default)]
pub struct ParamBook {
    by_region: HashMap<String, RegionParams>,
}

impl ParamBook {
    pub fn new(rows: impl IntoIterator<Item = (String, RegionParams)>) -> Self {
        Self {
            by_region: rows.into_iter().collect(),
        }
    }

    /// The region's own parameters, else its nearest ancestor's, else the defaults.
    pub fn for_region(&self, code: &str) -> RegionParams {
        ancestry(code)
            .iter()
            .find_map(|c| self.by_region.get(c).copied())
            .unwrap_or_default()
    }

    /// Where the region's parameters come from: its own code, an ancestor's, or `None` (defaults).
    pub fn source_of(&self, code: &str) -> Option<String> {
        ancestry(code)
            .into_iter()
            .find(|c| self.by_region.contains_key(c))
    }
}

/// Identifies a stored file (docs/rules.md §4): each recorded month with the
/// line in force for the file's region that month. A month for which no
/// line is set cannot be judged, so it counts as missing (and says so).
pub fn identify_file(
    data: &HouseholdData,
    size: u32,
    months: &[MonthlyIncome],
    lines: &LineBook,
    params: Params,
) -> Result<Identification, ValidationError> {
    let (figures, unlined) = file_figures(data, months, lines);
    let latest = figures.iter().map(|f| f.month).max();
    let on_dibao = latest.is_some_and(|m| data.on_dibao_in(m));
    let mut result = identify(
        &Situation {
            size: size.max(1),
            on_dibao,
            migrant: data.migrant,
            months: figures,
        },
        params,
    )?;
    if let Some(r) = unlined_reason(data, &unlined, "识别") {
        result.reasons.insert(0, r);
    }
    Ok(result)
}

/// The exit step the system cannot decide: an officer confirms it later.
pub const CAUSES_TO_CONFIRM: &str = "须由帮扶干部确认致困原因已消除";

/// The recorded months of a stored file, each with the line in force for the
/// file's region that month; the months without a line are left out (they
/// count as missing, as every rule on months does).
pub fn months_with_lines(
    data: &HouseholdData,
    months: &[MonthlyIncome],
    lines: &LineBook,
) -> Vec<MonthFigures> {
    file_figures(data, months, lines).0
}

/// The recorded months of a stored file, each with the line in force for the
/// file's region that month; the months without a line, apart.
fn file_figures(
    data: &HouseholdData,
    months: &[MonthlyIncome],
    lines: &LineBook,
) -> (Vec<MonthFigures>, Vec<Month>) {
    let mut figures = Vec::with_capacity(months.len());
    let mut unlined = Vec::new();
    for m in months {
        match lines.line_for(&data.division_code, m.month) {
            Some(l) => figures.push(MonthFigures {
                month: m.month,
                income: m.income(),
                rigid_expenditure: m.rigid(),
                dibao_line: l.dibao_line,
                low_income_line: l.low_income_line,
            }),
            None => unlined.push(m.month),
        }
    }
    (figures, unlined)
}

/// "… 所在地区（…）尚未设置当月低保标准，这些月份未参与{what}".
fn unlined_reason(data: &HouseholdData, unlined: &[Month], what: &str) -> Option<String> {
    if unlined.is_empty() {
        return None;
    }
    let list: Vec<String> = unlined.iter().map(|m| m.to_string()).collect();
    Some(format!(
        "{} 所在地区（{}）尚未设置当月低保标准，这些月份未参与{what}",
        list.join("、"),
        data.division_code
    ))
}

/// Evaluates the exit standard (脱困, docs/rules.md §5) on a stored file: each
/// recorded month with the line in force for the file's region that month,
/// over the latest `params.window_months` consecutive months, as
/// [`identify_file`] does. A month without a line counts as missing.
///
/// Only the income test is decided here: the causes of hardship are assumed
/// removed (`causes_removed` is `true` in the result) and the reasons say that
/// an officer must confirm it. `meets_standard` therefore means "meets the
/// income standard, pending that confirmation".
pub fn evaluate_exit_file(
    data: &HouseholdData,
    size: u32,
    months: &[MonthlyIncome],
    lines: &LineBook,
    params: Params,
) -> Result<ExitEvaluation, ValidationError> {
    let (figures, unlined) = file_figures(data, months, lines);
    let mut result = exit::evaluate_exit(
        &Situation::of(size.max(1), figures),
        true,
        params.window_months,
    )?;
    if result.meets_standard {
        // The rule's own wording says the causes are removed; here that is
        // not yet known, so only the income test is stated as met.
        let span = match (result.window.first(), result.window.last()) {
            (Some(a), Some(b)) if a.month != b.month => format!("{} 至 {}", a.month, b.month),
            (Some(a), _) => a.month.to_string(),
            _ => String::new(),
        };
        result.reasons = vec![format!(
            "达到脱困收入标准：{span} 连续 {} 个月家庭人均可支配收入均高于当月低保标准",
            result.window.len()
        )];
    }
    if let Some(r) = unlined_reason(data, &unlined, "脱困评估") {
        result.reasons.insert(0, r);
    }
    result.reasons.push(CAUSES_TO_CONFIRM.to_owned());
    Ok(result)
}

/// The decision stored on a file for lists and counts.
pub fn decision_of(i: &Identification) -> (Decision, Option<i32>) {
    if i.eligible {
        (Decision::Eligible, i.condition.map(i32::from))
    } else if i.insufficient_data {
        (Decision::Insufficient, None)
    } else {
        (Decision::NotEligible, None)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse("month", s).unwrap()
    }

    fn line(code: &str, from: &str, fen: i64) -> Line {
        Line {
            division_code: code.into(),
            effective: m(from),
            dibao_line: Fen(fen),
            low_income_line: None,
        }
    }

    #[test]
    fn history_and_inheritance() {
        let book = LineBook::new([
            line("440100", "2018-01", 90000),
            line("440100", "2019-07", 101000),
            line("440103", "2019-01", 95000),
            line("440000", "2017-01", 70000),
        ]);
        // The district's own line from 2019-01; before that, the city's.
        assert_eq!(
            book.line_for("440103", m("2019-03")).unwrap().dibao_line,
            Fen(95000)
        );
        assert_eq!(
            book.line_for("440103", m("2018-12")).unwrap().dibao_line,
            Fen(90000)
        );
        // Another district of the city follows the city's history.
        assert_eq!(
            book.line_for("440104", m("2019-06")).unwrap().dibao_line,
            Fen(90000)
        );
        assert_eq!(
            book.line_for("440104", m("2019-07")).unwrap().dibao_line,
            Fen(101000)
        );
        // Before the city set any, the province's.
        assert_eq!(
            book.line_for("440104", m("2017-05")).unwrap().dibao_line,
            Fen(70000)
        );
        // Nothing in force yet.
        assert!(book.line_for("440104", m("2016-12")).is_none());
        assert!(book.line_for("450403", m("2019-01")).is_none());
    }

    #[test]
    fn params_inherit_then_default() {
        let own = RegionParams {
            params: Params {
                window_months: 3,
                multiple_k: 4,
            },
            baseline_cutoff: default_baseline_cutoff(),
        };
        let book = ParamBook::new([("440100".to_owned(), own)]);
        assert_eq!(book.for_region("440103"), own);
        assert_eq!(book.source_of("440103").as_deref(), Some("440100"));
        assert_eq!(book.for_region("450403"), RegionParams::default());
        assert_eq!(book.source_of("450403"), None);
    }

    fn file_in(code: &str) -> HouseholdData {
        use crate::household::{Causes, EmployerKind, Employment, Health, LabourCapacity, Tier};
        use crate::identification::Category;
        HouseholdData {
            worker_name: "张三".into(),
            worker_id_number: crate::IdNumber::from_stored("440103199001011234".into()),
            phone: String::new(),
            address: String::new(),
            division_code: code.into(),
            employer: String::new(),
            employer_kind: EmployerKind::Private,
            employment: Employment::Employed,
            labour_capacity: LabourCapacity::Full,
            health: Health::Healthy,
            disability_grade: None,
            migrant: false,
            zero_employment: false,
            closure_laid_off: false,
            trade_friction: false,
            causes: Causes::default(),
            category: Category::Sudden,
            tier: Tier::Grassroots,
            filed_on: default_baseline_cutoff(),
            dibao_since: None,
            other_relief_since: None,
            notes: String::new(),
        }
    }

    /// `n` months from `start`, household income `wages` each.
    fn incomes(start: &str, n: i32, wages: i64) -> Vec<MonthlyIncome> {
        (0..n)
            .map(|i| MonthlyIncome {
                wages: Fen(wages),
                ..MonthlyIncome::empty(m(start).add_months(i))
            })
            .collect()
    }

    fn params(window_months: u32) -> Params {
        Params {
            window_months,
            multiple_k: 5,
        }
    }

    #[test]
    fn exit_of_a_file_uses_the_lines_in_force() {
        // The city's line rises in 2019-04; the district inherits it.
        let book = LineBook::new([
            line("440100", "2018-01", 100_000),
            line("440100", "2019-04", 120_000),
        ]);
        let data = file_in("440103");
        // A household of two: 2,400.01 元 is above 1,200.00 × 2.
        let r = evaluate_exit_file(&data, 2, &incomes("2019-01", 6, 240_001), &book, params(6))
            .unwrap();
        assert!(r.meets_standard, "{:?}", r.reasons);
        assert!(!r.insufficient_data);
        let lines_used: Vec<i64> = r.window.iter().map(|w| w.dibao_line.0).collect();
        assert_eq!(
            lines_used,
            [100_000, 100_000, 100_000, 120_000, 120_000, 120_000]
        );
        assert_eq!(r.window[0].month, m("2019-01"));
        assert_eq!(r.window[0].per_capita_income, Fen(120_000));
        assert_eq!(
            r.reasons,
            [
                "达到脱困收入标准：2019-01 至 2019-06 连续 6 个月家庭人均可支配收入均高于当月低保标准",
                CAUSES_TO_CONFIRM,
            ]
        );
        assert!(r.reasons.iter().all(|x| !x.contains("致困原因已消除，")));

        // Above the old line, equal to the new one from 2019-04: not met,
        // each such month named.
        let r = evaluate_exit_file(&data, 2, &incomes("2019-01", 6, 240_000), &book, params(6))
            .unwrap();
        assert!(!r.meets_standard);
        assert!(!r.insufficient_data);
        assert_eq!(
            r.reasons,
            [
                "2019-04 家庭人均可支配收入 1,200.00 元，未高于当月低保标准 1,200.00 元",
                "2019-05 家庭人均可支配收入 1,200.00 元，未高于当月低保标准 1,200.00 元",
                "2019-06 家庭人均可支配收入 1,200.00 元，未高于当月低保标准 1,200.00 元",
                CAUSES_TO_CONFIRM,
            ]
        );
    }

    #[test]
    fn exit_of_a_file_follows_the_region_window() {
        let book = LineBook::new([line("440100", "2018-01", 100_000)]);
        let data = file_in("440103");
        let five = incomes("2019-01", 5, 200_001);
        // Five months fall short of the default six …
        let r = evaluate_exit_file(
            &data,
            2,
            &five,
            &book,
            ParamBook::default().for_region("440103").params,
        )
        .unwrap();
        assert!(!r.meets_standard);
        assert!(r.insufficient_data);
        assert_eq!(r.window_months, 6);
        assert!(
            r.reasons[0].starts_with("数据不足：截至 2019-05"),
            "{:?}",
            r.reasons
        );
        // … and meet a region's own N = 3.
        let own = ParamBook::new([(
            "440100".to_owned(),
            RegionParams {
                params: params(3),
                baseline_cutoff: default_baseline_cutoff(),
            },
        )]);
        let r =
            evaluate_exit_file(&data, 2, &five, &book, own.for_region("440103").params).unwrap();
        assert!(r.meets_standard, "{:?}", r.reasons);
        assert_eq!(r.window.len(), 3);
        assert_eq!(r.window[0].month, m("2019-03"));
        // A size of 0 is read as 1, as for identification.
        let r = evaluate_exit_file(&data, 0, &incomes("2019-01", 6, 100_001), &book, params(6))
            .unwrap();
        assert!(r.meets_standard);
        // A bad N is refused.
        assert_eq!(
            evaluate_exit_file(&data, 2, &five, &book, params(0))
                .unwrap_err()
                .field,
            "window_months"
        );
    }

    #[test]
    fn exit_of_a_file_without_lines_says_so() {
        // The line is set only from 2019-03: 2019-01 and 2019-02 cannot be judged.
        let book = LineBook::new([line("440100", "2019-03", 100_000)]);
        let data = file_in("440103");
        let r = evaluate_exit_file(&data, 2, &incomes("2019-01", 6, 900_000), &book, params(6))
            .unwrap();
        assert!(!r.meets_standard);
        assert!(r.insufficient_data);
        assert_eq!(
            r.reasons[0],
            "2019-01、2019-02 所在地区（440103）尚未设置当月低保标准，这些月份未参与脱困评估"
        );
        assert_eq!(
            r.reasons.last().map(String::as_str),
            Some(CAUSES_TO_CONFIRM)
        );
        // Nothing recorded at all.
        let r = evaluate_exit_file(&data, 2, &[], &book, params(6)).unwrap();
        assert!(!r.meets_standard && r.insufficient_data && r.window.is_empty());
    }
}
