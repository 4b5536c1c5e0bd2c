//! The lines (低保标准 `L`, 低收入家庭标准 `LI`) and identification parameters
//! in force for a region and month (DOMAIN.md §3–§4).
//!
//! Each locality sets its own values from a month on. A region without its
//! own values inherits its nearest ancestor's (a district uses its city's
//! line unless it has one), and history is kept: a decision about March 2019
//! uses the line in force in March 2019, whatever was set since.

use crate::division::{self, NATIONAL};
use crate::household::{default_baseline_cutoff, Decision, HouseholdData, MonthlyIncome};
use crate::identification::{identify, Household, Identification, MonthFigures, Params};
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

/// Identifies a stored file (DOMAIN.md §4): each recorded month with the
/// line in force for the file's region that month. A month for which no
/// line is set cannot be judged, so it counts as missing (and says so).
pub fn identify_file(
    data: &HouseholdData,
    size: u32,
    months: &[MonthlyIncome],
    lines: &LineBook,
    params: Params,
) -> Result<Identification, ValidationError> {
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
    let latest = figures.iter().map(|f| f.month).max();
    let on_dibao = latest.is_some_and(|m| data.on_dibao_in(m));
    let mut result = identify(
        &Household {
            size: size.max(1),
            on_dibao,
            migrant: data.migrant,
            months: figures,
        },
        params,
    )?;
    if !unlined.is_empty() {
        let list: Vec<String> = unlined.iter().map(|m| m.to_string()).collect();
        result.reasons.insert(
            0,
            format!(
                "{} 所在地区（{}）尚未设置当月低保标准，这些月份未参与识别",
                list.join("、"),
                data.division_code
            ),
        );
    }
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
}
