//! Precise identification (精准识别, docs/rules.md §4): whether a household may
//! be filed as in hardship, under which condition, and in which category.
//!
//! The decision is arithmetic on whole fen. Per-capita figures are never
//! computed for the decision: "income per person below the line" is tested
//! as "household income below line × size", so no rounding can move a
//! household across a line. Products are taken in `i128` so no realistic
//! (or unrealistic) figure overflows. Per-capita amounts appear only in the
//! reasons and the month table, for the reviewer to read.

use crate::{Fen, Month, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 低保户: receives the minimum living guarantee.
    Dibao,
    /// 低保边缘户: not on 低保, income within the low-income line.
    NearDibao,
    /// 意外致困户: above the low-income line, brought down by expenditure.
    Sudden,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Dibao, Category::NearDibao, Category::Sudden];

    pub fn code(self) -> &'static str {
        match self {
            Category::Dibao => "dibao",
            Category::NearDibao => "near_dibao",
            Category::Sudden => "sudden",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Dibao => "低保户",
            Category::NearDibao => "低保边缘户",
            Category::Sudden => "意外致困户",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(raw: &str) -> Result<Category, ValidationError> {
        let s = raw.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.code() == s || c.label() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "category",
                    format!("困难类别“{s}”无效，可选：低保户、低保边缘户、意外致困户"),
                )
            })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Parameters of the rule, set per region by an administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// `N`: how many consecutive months the conditions must hold.
    pub window_months: u32,
    /// `K`: condition 4 admits incomes up to K times the 低保 line.
    pub multiple_k: u32,
}

impl Default for Params {
    /// The values of the source rule (001 §三): 6 months, 5 times the line.
    fn default() -> Self {
        Params {
            window_months: 6,
            multiple_k: 5,
        }
    }
}

impl Params {
    /// A window of 0 months would make every "each month" test vacuously
    /// true, and a huge K would admit everyone; both are refused.
    pub fn validate(self) -> Result<Params, ValidationError> {
        if !(1..=36).contains(&self.window_months) {
            return Err(ValidationError::new(
                "window_months",
                "识别所需的连续月数应在 1–36 个月之间",
            ));
        }
        if !(1..=20).contains(&self.multiple_k) {
            return Err(ValidationError::new(
                "multiple_k",
                "条件四的低保标准倍数应在 1–20 倍之间",
            ));
        }
        Ok(self)
    }
}

/// One month of a household's figures with the lines in force that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthFigures {
    pub month: Month,
    /// Household disposable income of the month (the whole household, not per person).
    pub income: Fen,
    /// Household non-living (rigid) expenditure `E(m)`: medical, schooling, emergencies.
    pub rigid_expenditure: Fen,
    /// `L`: the 低保 line per person in force that month.
    pub dibao_line: Fen,
    /// `LI`: the low-income line per person, if the region set one (else 1.5 × L).
    pub low_income_line: Option<Fen>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    /// Worker plus the members living together.
    pub size: u32,
    pub on_dibao: bool,
    /// A migrant worker household living and working locally long-term.
    pub migrant: bool,
    /// In any order.
    pub months: Vec<MonthFigures>,
}

/// What the decision used for one month, for the reviewer to see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthUsed {
    pub month: Month,
    pub income: Fen,
    pub rigid_expenditure: Fen,
    /// floor(income / size): display only.
    pub per_capita_income: Fen,
    /// floor((income − rigid) / size): display only; may be negative.
    pub actual_per_capita: Fen,
    pub dibao_line: Fen,
    /// The given line, or floor(3 × L / 2) for display when none was set.
    pub low_income_line: Fen,
    pub low_income_line_defaulted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identification {
    pub eligible: bool,
    /// 1..=4 when eligible.
    pub condition: Option<u8>,
    /// Eligible and migrant: filed under condition 5 and `condition`.
    pub migrant: bool,
    pub insufficient_data: bool,
    /// Some only when eligible.
    pub category: Option<Category>,
    /// Ascending.
    pub window: Vec<Month>,
    /// In Chinese, for the applicant and the reviewer.
    pub reasons: Vec<String>,
    /// The window's months, ascending.
    pub months: Vec<MonthUsed>,
    pub params: Params,
    /// Condition 1 met: below the line and not on 低保 — should be referred
    /// to civil affairs for 低保.
    pub refer_for_dibao: bool,
}

/// Decides whether a household qualifies (docs/rules.md §4).
///
/// Refuses input the rule cannot judge: invalid parameters, a household of
/// size 0, the same month given twice, or negative money. Too few
/// consecutive months is not an error but an `insufficient_data` result, so
/// the interface can say which months to fill in.
pub fn identify(h: &Household, params: Params) -> Result<Identification, ValidationError> {
    let params = params.validate()?;
    if h.size == 0 {
        return Err(ValidationError::new(
            "household_size",
            "家庭人口数至少为 1 人",
        ));
    }
    let months = sorted_and_checked(&h.months)?;
    let run_start = start_of_latest_run(&months);
    let run = &months[run_start..];
    let n = params.window_months as usize;
    if run.len() < n {
        let before_run = run_start.checked_sub(1).and_then(|i| months.get(i));
        return Ok(insufficient(h, params, run, before_run.map(|f| f.month)));
    }
    let window = &run[run.len() - n..];
    Ok(decide(h, params, window))
}

/// Sorts by month, refusing duplicates and negative amounts.
pub(crate) fn sorted_and_checked(
    months: &[MonthFigures],
) -> Result<Vec<MonthFigures>, ValidationError> {
    let mut sorted = months.to_vec();
    sorted.sort_by_key(|f| f.month);
    if let Some(pair) = sorted.windows(2).find(|p| p[0].month == p[1].month) {
        return Err(ValidationError::new(
            "months",
            format!("{} 的收入记录重复出现", pair[1].month),
        ));
    }
    for f in &sorted {
        let amounts = [
            (f.income, "家庭收入"),
            (f.rigid_expenditure, "非生活性支出"),
            (f.dibao_line, "低保标准"),
            (f.low_income_line.unwrap_or(Fen::ZERO), "低收入家庭标准"),
        ];
        if let Some((_, what)) = amounts.iter().find(|(amount, _)| amount.is_negative()) {
            return Err(ValidationError::new(
                "months",
                format!("{} 的{what}不能为负数", f.month),
            ));
        }
    }
    Ok(sorted)
}

/// Index of the first month of the run of consecutive months that ends with
/// the latest one (0 for an empty list).
pub(crate) fn start_of_latest_run(sorted: &[MonthFigures]) -> usize {
    let mut start = sorted.len().saturating_sub(1);
    while start > 0 && sorted[start - 1].month.succ() == sorted[start].month {
        start -= 1;
    }
    start
}

fn insufficient(
    h: &Household,
    params: Params,
    run: &[MonthFigures],
    before_run: Option<Month>,
) -> Identification {
    let n = params.window_months;
    let mut reasons = Vec::new();
    match (run.first(), run.last()) {
        (Some(first), Some(last)) => {
            reasons.push(format!(
                "数据不足：截至 {}，连续有收入记录的月份只有 {} 个月，识别需要连续 {n} 个月",
                last.month,
                run.len()
            ));
            if let Some(previous) = before_run {
                let (from, to) = (previous.succ(), first.month.pred());
                reasons.push(if from == to {
                    format!("缺少 {from} 的收入记录")
                } else {
                    format!("缺少 {from} 至 {to} 的收入记录")
                });
            }
        }
        _ => reasons.push(format!(
            "数据不足：没有收入记录，识别需要连续 {n} 个月的记录"
        )),
    }
    Identification {
        eligible: false,
        condition: None,
        migrant: false,
        insufficient_data: true,
        category: None,
        window: run.iter().map(|f| f.month).collect(),
        reasons,
        months: run.iter().map(|f| month_used(f, h.size)).collect(),
        params,
        refer_for_dibao: false,
    }
}

fn decide(h: &Household, params: Params, window: &[MonthFigures]) -> Identification {
    let w = Window {
        months: window,
        size: i128::from(h.size),
        k: i128::from(params.multiple_k),
    };
    let below_line = w.first_not_below_line().is_none();
    let within_low_income = w.first_above_low_income().is_none();
    let within_k = w.first_above_k().is_none();
    // Conditions 2–4: non-living expenditure exists (ΣE > 0) and brings the
    // actual living level below the line (ΣA < ΣL).
    let actual_below = w.has_expenditure() && w.actual_below_line();

    let condition: Option<u8> = if below_line && !h.on_dibao {
        Some(1)
    } else if below_line && h.on_dibao && actual_below {
        Some(2)
    } else if within_low_income && actual_below {
        Some(3)
    } else if within_k && actual_below {
        Some(4)
    } else {
        None
    };

    let category = condition.map(|_| {
        if h.on_dibao {
            Category::Dibao
        } else if within_low_income {
            Category::NearDibao
        } else {
            Category::Sudden
        }
    });

    let reasons = match condition {
        Some(c) => w.met_reasons(c, h.migrant),
        None => w.refusal_reasons(h),
    };

    Identification {
        eligible: condition.is_some(),
        condition,
        migrant: condition.is_some() && h.migrant,
        insufficient_data: false,
        category,
        window: window.iter().map(|f| f.month).collect(),
        reasons,
        months: window.iter().map(|f| month_used(f, h.size)).collect(),
        params,
        refer_for_dibao: condition == Some(1),
    }
}

fn month_used(f: &MonthFigures, size: u32) -> MonthUsed {
    let size = i128::from(size);
    let income = i128::from(f.income.0);
    let actual = income - i128::from(f.rigid_expenditure.0);
    MonthUsed {
        month: f.month,
        income: f.income,
        rigid_expenditure: f.rigid_expenditure,
        per_capita_income: fen_floor(income, size),
        actual_per_capita: fen_floor(actual, size),
        dibao_line: f.dibao_line,
        low_income_line: shown_low_income_line(f),
        low_income_line_defaulted: f.low_income_line.is_none(),
    }
}

/// The window's months with the household size and K, answering the tests
/// of the conditions in exact household totals.
struct Window<'a> {
    months: &'a [MonthFigures],
    size: i128,
    k: i128,
}

impl Window<'_> {
    fn income(f: &MonthFigures) -> i128 {
        i128::from(f.income.0)
    }

    fn line(f: &MonthFigures) -> i128 {
        i128::from(f.dibao_line.0)
    }

    /// `I(m) < L` fails: income ≥ L × size.
    fn first_not_below_line(&self) -> Option<&MonthFigures> {
        self.months
            .iter()
            .find(|f| Self::income(f) >= Self::line(f) * self.size)
    }

    /// `I(m) ≤ LI` fails. With no LI set, LI = 1.5 × L, tested as
    /// 2 × income ≤ 3 × L × size so the half fen is not lost.
    fn first_above_low_income(&self) -> Option<&MonthFigures> {
        self.months.iter().find(|f| match f.low_income_line {
            Some(li) => Self::income(f) > i128::from(li.0) * self.size,
            None => 2 * Self::income(f) > 3 * Self::line(f) * self.size,
        })
    }

    /// `I(m) ≤ K × L` fails.
    fn first_above_k(&self) -> Option<&MonthFigures> {
        self.months
            .iter()
            .find(|f| Self::income(f) > self.k * Self::line(f) * self.size)
    }

    /// Σ(income − rigid) over the window: the household's actual living level.
    fn sum_actual(&self) -> i128 {
        self.months
            .iter()
            .map(|f| Self::income(f) - i128::from(f.rigid_expenditure.0))
            .sum()
    }

    /// ΣE: the household's non-living expenditure over the window.
    fn sum_rigid(&self) -> i128 {
        self.months
            .iter()
            .map(|f| i128::from(f.rigid_expenditure.0))
            .sum()
    }

    /// `ΣE > 0`: conditions 2–4 each need non-living expenditure in the
    /// window (存在……非生活性支出); without it none of them holds.
    fn has_expenditure(&self) -> bool {
        self.sum_rigid() > 0
    }

    /// Σ(L × size), each month with its own line.
    fn sum_line(&self) -> i128 {
        self.months.iter().map(|f| Self::line(f) * self.size).sum()
    }

    /// `ΣA < ΣL`.
    fn actual_below_line(&self) -> bool {
        self.sum_actual() < self.sum_line()
    }

    /// "实际人均生活水平合计 X 元，低于/不低于低保标准合计 Y 元", per capita.
    ///
    /// ΣL is a multiple of size, so ΣL / size is exact; ΣA / size is floored,
    /// which never makes the shown figures contradict the verdict.
    ///
    /// With no expenditure at all the phrase says so instead: conditions 2–4
    /// fail on ΣE = 0 before the totals are compared.
    fn totals_phrase(&self) -> String {
        if !self.has_expenditure() {
            return "窗口内无非生活性支出（ΣE = 0），条件二至四不成立".to_owned();
        }
        let verdict = if self.actual_below_line() {
            "低于"
        } else {
            "不低于"
        };
        format!(
            "窗口内家庭非生活性支出合计 {} 元，实际人均生活水平合计 {} 元，{verdict}低保标准合计 {} 元",
            fen_saturating(self.sum_rigid()).yuan_grouped(),
            fen_floor(self.sum_actual(), self.size).yuan_grouped(),
            fen_floor(self.sum_line(), self.size).yuan_grouped(),
        )
    }

    fn met_reasons(&self, condition: u8, migrant: bool) -> Vec<String> {
        let n = self.months.len();
        let k = self.k;
        let mut reasons = vec![match condition {
            1 => {
                format!("符合条件一：连续 {n} 个月家庭人均可支配收入低于当地低保标准，且未享受低保")
            }
            2 => format!(
                "符合条件二：连续 {n} 个月家庭人均可支配收入低于当地低保标准，已享受低保，且{}",
                self.totals_phrase()
            ),
            3 => format!(
                "符合条件三：连续 {n} 个月家庭人均可支配收入不高于当地低收入家庭标准，且{}",
                self.totals_phrase()
            ),
            _ => format!(
                "符合条件四：连续 {n} 个月家庭人均可支配收入在当地低保标准 {k} 倍（含）以内，且{}",
                self.totals_phrase()
            ),
        }];
        if migrant {
            reasons.push(format!(
                "符合条件五：在本地长期居住和务工的农民工家庭，且符合条件{}",
                chinese_numeral(condition)
            ));
        }
        reasons
    }

    /// One line per condition, naming the first month or the total that failed it.
    fn refusal_reasons(&self, h: &Household) -> Vec<String> {
        let not_below = |label: &str, f: &MonthFigures| {
            format!(
                "{label}：{} 家庭人均可支配收入 {} 元，不低于当月低保标准 {} 元",
                f.month,
                self.per_capita_income_floor(f).yuan_grouped(),
                f.dibao_line.yuan_grouped()
            )
        };
        let totals = |label: &str| format!("{label}：{}", self.totals_phrase());

        let one = match self.first_not_below_line() {
            Some(f) => not_below("条件一", f),
            None => "条件一：已享受低保（条件一适用于未享受低保的家庭）".to_owned(),
        };
        let two = match self.first_not_below_line() {
            Some(f) => not_below("条件二", f),
            None if !h.on_dibao => "条件二：未享受低保（条件二适用于已享受低保的家庭）".to_owned(),
            None => totals("条件二"),
        };
        let three = match self.first_above_low_income() {
            Some(f) => format!(
                "条件三：{} 家庭人均可支配收入 {} 元，高于当月低收入家庭标准 {} 元",
                f.month,
                self.per_capita_income_ceil(f).yuan_grouped(),
                shown_low_income_line(f).yuan_grouped()
            ),
            None => totals("条件三"),
        };
        let four = match self.first_above_k() {
            Some(f) => format!(
                "条件四：{} 家庭人均可支配收入 {} 元，高于当月低保标准的 {} 倍 {} 元",
                f.month,
                self.per_capita_income_ceil(f).yuan_grouped(),
                self.k,
                fen_saturating(self.k * Self::line(f)).yuan_grouped()
            ),
            None => totals("条件四"),
        };
        let mut reasons = vec![one, two, three, four];
        if h.migrant {
            reasons.push("条件五：农民工家庭须符合条件一至四之一，以上均不符合".to_owned());
        }
        reasons
    }

    /// For "not below the line": floor keeps the shown figure ≥ the line.
    fn per_capita_income_floor(&self, f: &MonthFigures) -> Fen {
        fen_floor(Self::income(f), self.size)
    }

    /// For "above a line": ceiling keeps the shown figure above it, where
    /// floor could show 1,200.00 "above" 1,200.00 for 3,600.01 among three.
    fn per_capita_income_ceil(&self, f: &MonthFigures) -> Fen {
        let income = Self::income(f);
        let floor = income.div_euclid(self.size);
        let ceil = if income.rem_euclid(self.size) == 0 {
            floor
        } else {
            floor + 1
        };
        fen_saturating(ceil)
    }
}

/// The low-income line as shown: the region's own, or 1.5 × L rounded down
/// (the decision itself compares against the exact 1.5 × L).
fn shown_low_income_line(f: &MonthFigures) -> Fen {
    f.low_income_line
        .unwrap_or_else(|| fen_floor(3 * i128::from(f.dibao_line.0), 2))
}

/// floor(value / divisor) as fen, for display; `divisor` is positive.
pub(crate) fn fen_floor(value: i128, divisor: i128) -> Fen {
    fen_saturating(value.div_euclid(divisor))
}

/// Display figures are derived from `i64` fen and stay in range in practice;
/// saturating keeps an absurd input from wrapping into a plausible one.
fn fen_saturating(value: i128) -> Fen {
    Fen(i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX }))
}

fn chinese_numeral(condition: u8) -> &'static str {
    match condition {
        1 => "一",
        2 => "二",
        3 => "三",
        _ => "四",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// The usual line in these tests: 1,000.00 元 per person.
    const L: i64 = 100_000;

    fn m(s: &str) -> Month {
        Month::parse("month", s).unwrap()
    }

    fn span(first: &str, last: &str) -> Vec<Month> {
        let (first, last) = (m(first), m(last));
        (0..=first.months_until(last))
            .map(|i| first.add_months(i))
            .collect()
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
    fn six(income: i64, rigid: i64) -> Vec<MonthFigures> {
        run("2019-01", 6, income, rigid)
    }

    fn set(
        mut months: Vec<MonthFigures>,
        i: usize,
        change: impl FnOnce(&mut MonthFigures),
    ) -> Vec<MonthFigures> {
        change(&mut months[i]);
        months
    }

    fn each(
        mut months: Vec<MonthFigures>,
        change: impl Fn(&mut MonthFigures),
    ) -> Vec<MonthFigures> {
        months.iter_mut().for_each(change);
        months
    }

    /// A household of two (so L × size = 2,000.00 元), not on 低保, not migrant.
    fn hh(months: Vec<MonthFigures>) -> Household {
        Household {
            size: 2,
            on_dibao: false,
            migrant: false,
            months,
        }
    }

    fn on_dibao(h: Household) -> Household {
        Household {
            on_dibao: true,
            ..h
        }
    }

    fn migrant(h: Household) -> Household {
        Household { migrant: true, ..h }
    }

    fn of_size(size: u32, h: Household) -> Household {
        Household { size, ..h }
    }

    fn params(window_months: u32, multiple_k: u32) -> Params {
        Params {
            window_months,
            multiple_k,
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        Eligible(u8, Category),
        NotEligible,
        Insufficient,
    }
    use Expect::*;

    struct Case {
        name: &'static str,
        household: Household,
        params: Params,
        expect: Expect,
        window: Vec<Month>,
    }

    fn case(name: &'static str, household: Household, expect: Expect) -> Case {
        Case {
            name,
            household,
            params: Params::default(),
            expect,
            window: span("2019-01", "2019-06"),
        }
    }

    impl Case {
        fn params(self, params: Params) -> Case {
            Case { params, ..self }
        }

        fn window(self, first: &str, last: &str) -> Case {
            Case {
                window: span(first, last),
                ..self
            }
        }

        fn no_window(self) -> Case {
            Case {
                window: vec![],
                ..self
            }
        }
    }

    fn cases() -> Vec<Case> {
        // Line changes from 1,000.00 to 1,200.00 元 in 2019-04.
        let rising = |v: Vec<MonthFigures>| {
            each(v, |f| {
                if f.month >= m("2019-04") {
                    f.dibao_line = Fen(120_000);
                }
            })
        };
        let low_income =
            |li: i64, v: Vec<MonthFigures>| each(v, |f| f.low_income_line = Some(Fen(li)));
        let odd_line = |v: Vec<MonthFigures>| each(v, |f| f.dibao_line = Fen(80_001));
        let with_gap = {
            let mut v = run("2019-01", 2, 150_000, 0);
            v.extend(run("2019-04", 4, 150_000, 0));
            v
        };
        let reversed = {
            let mut v = six(150_000, 0);
            v.reverse();
            v
        };

        vec![
            // Condition 1 and the 低保 line.
            case(
                "c1: below the line every month, not on 低保",
                hh(six(150_000, 0)),
                Eligible(1, Category::NearDibao),
            ),
            case(
                "c1: one fen below L×size is below",
                hh(set(six(150_000, 0), 2, |f| f.income = Fen(199_999))),
                Eligible(1, Category::NearDibao),
            ),
            case(
                "c1: income equal to L×size is not below (falls to c3)",
                hh(set(six(150_000, 10_000), 2, |f| f.income = Fen(200_000))),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "c1: a household of one",
                of_size(1, hh(six(99_999, 0))),
                Eligible(1, Category::NearDibao),
            ),
            // Condition 2.
            case(
                "c2: below the line on 低保, with expenditure",
                on_dibao(hh(six(150_000, 10_000))),
                Eligible(2, Category::Dibao),
            ),
            case(
                "c2: one fen of expenditure in the window is enough",
                on_dibao(hh(set(six(150_000, 0), 3, |f| {
                    f.rigid_expenditure = Fen(1)
                }))),
                Eligible(2, Category::Dibao),
            ),
            case(
                "c2: below the line on 低保 without expenditure (ΣE = 0)",
                on_dibao(hh(six(150_000, 0))),
                NotEligible,
            ),
            case(
                "c2: expenditure only before the window does not count",
                on_dibao(hh(
                    [run("2018-12", 1, 150_000, 50_000), six(150_000, 0)].concat()
                )),
                NotEligible,
            ),
            case(
                "c2: equal to the line on 低保 (falls to c3)",
                on_dibao(hh(set(six(150_000, 10_000), 5, |f| {
                    f.income = Fen(200_000)
                }))),
                Eligible(3, Category::Dibao),
            ),
            // Condition 3 and the low-income line.
            case(
                "c3: within LI, expenditure brings ΣA below ΣL",
                hh(six(250_000, 60_000)),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "c3: income equal to default LI×size counts",
                hh(set(six(250_000, 100_000), 0, |f| f.income = Fen(300_000))),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "c3: one fen above default LI×size (falls to c4)",
                hh(set(six(250_000, 100_000), 0, |f| f.income = Fen(300_001))),
                Eligible(4, Category::Sudden),
            ),
            case(
                "c3: ΣA below ΣL without expenditure (ΣE = 0)",
                hh(set(six(150_000, 0), 2, |f| f.income = Fen(200_000))),
                NotEligible,
            ),
            case(
                "c3: ΣA equal to ΣL is not below",
                hh(six(250_000, 50_000)),
                NotEligible,
            ),
            case(
                "c3: ΣA one fen below ΣL",
                hh(set(six(250_000, 50_000), 3, |f| {
                    f.rigid_expenditure = Fen(50_001)
                })),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "c3: a set LI, income equal to LI×size",
                hh(low_income(120_000, six(240_000, 50_000))),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "c3: a set LI, one fen above",
                hh(low_income(
                    120_000,
                    set(six(240_000, 50_000), 1, |f| f.income = Fen(240_001)),
                )),
                Eligible(4, Category::Sudden),
            ),
            case(
                "c3: odd line, default LI: 2×120001 ≤ 3×80001",
                of_size(1, hh(odd_line(six(120_001, 50_000)))),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "c3: odd line, default LI: 2×120002 > 3×80001",
                of_size(
                    1,
                    hh(odd_line(set(six(120_001, 50_000), 0, |f| {
                        f.income = Fen(120_002)
                    }))),
                ),
                Eligible(4, Category::Sudden),
            ),
            case(
                "c3: on 低保 above the line is still 低保户",
                on_dibao(hh(six(250_000, 60_000))),
                Eligible(3, Category::Dibao),
            ),
            // Condition 4 and K.
            case(
                "c4: within K×L, expenditure brings ΣA below ΣL",
                hh(six(800_000, 650_000)),
                Eligible(4, Category::Sudden),
            ),
            case(
                "c4: income equal to K×L×size counts",
                hh(set(six(800_000, 850_000), 4, |f| f.income = Fen(1_000_000))),
                Eligible(4, Category::Sudden),
            ),
            case(
                "c4: one fen above K×L×size",
                hh(set(six(800_000, 850_000), 4, |f| f.income = Fen(1_000_001))),
                NotEligible,
            ),
            case(
                "c4: ΣA below ΣL without expenditure (ΣE = 0)",
                hh(set(six(100_000, 0), 0, |f| f.income = Fen(400_000))),
                NotEligible,
            ),
            case(
                "c4: the same with one fen of expenditure",
                hh(set(
                    set(six(100_000, 0), 0, |f| f.income = Fen(400_000)),
                    5,
                    |f| f.rigid_expenditure = Fen(1),
                )),
                Eligible(4, Category::Sudden),
            ),
            case(
                "c4: on 低保",
                on_dibao(hh(six(800_000, 650_000))),
                Eligible(4, Category::Dibao),
            ),
            case(
                "c4: K = 3 refuses four times the line",
                hh(six(800_000, 650_000)),
                NotEligible,
            )
            .params(params(6, 3)),
            case(
                "c4: K = 3 admits three times the line",
                hh(six(600_000, 500_000)),
                Eligible(4, Category::Sudden),
            )
            .params(params(6, 3)),
            // A line change inside the window: each month with its own line.
            case(
                "line change: ΣL sums each month's line (ΣA one fen below)",
                hh(rising(set(six(250_000, 30_000), 5, |f| {
                    f.rigid_expenditure = Fen(30_001)
                }))),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "line change: ΣA equal to ΣL",
                hh(rising(six(250_000, 30_000))),
                NotEligible,
            ),
            case(
                "line change: income against the month's own line",
                hh(each(six(210_000, 10_000), |f| {
                    if f.month < m("2019-04") {
                        f.dibao_line = Fen(120_000);
                    }
                })),
                Eligible(3, Category::NearDibao),
            ),
            // Which months make the window.
            case(
                "a gap leaves too few consecutive months",
                hh(with_gap),
                Insufficient,
            )
            .window("2019-04", "2019-07"),
            case(
                "fewer months than the window",
                hh(run("2019-01", 5, 150_000, 0)),
                Insufficient,
            )
            .window("2019-01", "2019-05"),
            case("no months at all", hh(vec![]), Insufficient).no_window(),
            case(
                "months given out of order",
                hh(reversed),
                Eligible(1, Category::NearDibao),
            ),
            case(
                "more than N months: only the latest N count",
                hh([run("2018-10", 3, 500_000, 0), six(150_000, 0)].concat()),
                Eligible(1, Category::NearDibao),
            ),
            case(
                "more than N months: the latest month is in the window",
                hh(set(run("2018-10", 9, 150_000, 0), 8, |f| {
                    f.income = Fen(500_000)
                })),
                NotEligible,
            )
            .window("2019-01", "2019-06"),
            case(
                "a gap before the window does not matter",
                hh([vec![fig(m("2018-01"), 900_000, 0, L)], six(150_000, 0)].concat()),
                Eligible(1, Category::NearDibao),
            ),
            case(
                "a window of 3 months",
                hh(run("2019-01", 3, 150_000, 0)),
                Eligible(1, Category::NearDibao),
            )
            .params(params(3, 5))
            .window("2019-01", "2019-03"),
            case(
                "a window of 3 months with 2",
                hh(run("2019-01", 2, 150_000, 0)),
                Insufficient,
            )
            .params(params(3, 5))
            .window("2019-01", "2019-02"),
            // Condition 5: migrants.
            case(
                "c5: a migrant household meeting c3",
                migrant(hh(six(250_000, 60_000))),
                Eligible(3, Category::NearDibao),
            ),
            case(
                "c5: a migrant household meeting c1",
                migrant(hh(six(150_000, 0))),
                Eligible(1, Category::NearDibao),
            ),
            case(
                "c5: a migrant household meeting none",
                migrant(hh(six(250_000, 50_000))),
                NotEligible,
            ),
            case(
                "c5: a migrant household with too few months",
                migrant(hh(run("2019-01", 5, 150_000, 0))),
                Insufficient,
            )
            .window("2019-01", "2019-05"),
        ]
    }

    #[test]
    fn the_rule_table() {
        for c in cases() {
            let r = identify(&c.household, c.params).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            let name = c.name;
            match c.expect {
                Eligible(condition, category) => {
                    assert!(r.eligible, "{name}: {:?}", r.reasons);
                    assert_eq!(r.condition, Some(condition), "{name}: {:?}", r.reasons);
                    assert_eq!(r.category, Some(category), "{name}");
                    assert!(!r.insufficient_data, "{name}");
                }
                NotEligible => {
                    assert!(!r.eligible, "{name}: {:?}", r.reasons);
                    assert_eq!((r.condition, r.category), (None, None), "{name}");
                    assert!(!r.insufficient_data, "{name}");
                    assert_eq!(
                        r.reasons.len(),
                        if c.household.migrant { 5 } else { 4 },
                        "{name}"
                    );
                }
                Insufficient => {
                    assert!(r.insufficient_data && !r.eligible, "{name}");
                    assert_eq!((r.condition, r.category), (None, None), "{name}");
                }
            }
            assert_eq!(r.migrant, r.eligible && c.household.migrant, "{name}");
            assert_eq!(r.refer_for_dibao, r.condition == Some(1), "{name}");
            assert_eq!(r.window, c.window, "{name}");
            let used: Vec<Month> = r.months.iter().map(|u| u.month).collect();
            assert_eq!(used, c.window, "{name}");
            assert_eq!(r.params, c.params, "{name}");
            assert!(!r.reasons.is_empty(), "{name}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_judge() {
        let dup = hh([six(150_000, 0), run("2019-03", 1, 1, 0)].concat());
        let e = identify(&dup, Params::default()).unwrap_err();
        assert_eq!(e.field, "months");
        assert!(
            e.message.contains("2019-03") && e.message.contains("重复"),
            "{e}"
        );

        let e = identify(&of_size(0, hh(six(150_000, 0))), Params::default()).unwrap_err();
        assert_eq!(e.field, "household_size");

        let negatives: [fn(&mut MonthFigures); 4] = [
            |f| f.income = Fen(-1),
            |f| f.rigid_expenditure = Fen(-1),
            |f| f.dibao_line = Fen(-1),
            |f| f.low_income_line = Some(Fen(-1)),
        ];
        for change in negatives {
            let e = identify(&hh(set(six(150_000, 0), 4, change)), Params::default()).unwrap_err();
            assert_eq!(e.field, "months");
            assert!(
                e.message.contains("2019-05") && e.message.contains("负数"),
                "{e}"
            );
        }

        for (p, field) in [
            (params(0, 5), "window_months"),
            (params(37, 5), "window_months"),
            (params(6, 0), "multiple_k"),
            (params(6, 21), "multiple_k"),
        ] {
            assert_eq!(identify(&hh(six(150_000, 0)), p).unwrap_err().field, field);
        }
        assert!(params(1, 1).validate().is_ok());
        assert!(params(36, 20).validate().is_ok());
    }

    #[test]
    fn reasons_when_eligible() {
        let r = identify(&hh(six(150_000, 0)), Params::default()).unwrap();
        assert_eq!(
            r.reasons,
            ["符合条件一：连续 6 个月家庭人均可支配收入低于当地低保标准，且未享受低保"]
        );

        let r = identify(&on_dibao(hh(six(150_000, 10_000))), Params::default()).unwrap();
        assert_eq!(
            r.reasons,
            ["符合条件二：连续 6 个月家庭人均可支配收入低于当地低保标准，已享受低保，且窗口内家庭非生活性支出合计 600.00 元，实际人均生活水平合计 4,200.00 元，低于低保标准合计 6,000.00 元"]
        );

        let r = identify(&migrant(hh(six(250_000, 60_000))), Params::default()).unwrap();
        assert_eq!(
            r.reasons,
            [
                "符合条件三：连续 6 个月家庭人均可支配收入不高于当地低收入家庭标准，且窗口内家庭非生活性支出合计 3,600.00 元，实际人均生活水平合计 5,700.00 元，低于低保标准合计 6,000.00 元",
                "符合条件五：在本地长期居住和务工的农民工家庭，且符合条件三",
            ]
        );

        let r = identify(&hh(six(800_000, 650_000)), params(6, 4)).unwrap();
        assert_eq!(
            r.reasons,
            ["符合条件四：连续 6 个月家庭人均可支配收入在当地低保标准 4 倍（含）以内，且窗口内家庭非生活性支出合计 39,000.00 元，实际人均生活水平合计 4,500.00 元，低于低保标准合计 6,000.00 元"]
        );
    }

    #[test]
    fn reasons_when_refused_name_the_month_or_total() {
        let r = identify(&hh(six(250_000, 50_000)), Params::default()).unwrap();
        assert_eq!(
            r.reasons,
            [
                "条件一：2019-01 家庭人均可支配收入 1,250.00 元，不低于当月低保标准 1,000.00 元",
                "条件二：2019-01 家庭人均可支配收入 1,250.00 元，不低于当月低保标准 1,000.00 元",
                "条件三：窗口内家庭非生活性支出合计 3,000.00 元，实际人均生活水平合计 6,000.00 元，不低于低保标准合计 6,000.00 元",
                "条件四：窗口内家庭非生活性支出合计 3,000.00 元，实际人均生活水平合计 6,000.00 元，不低于低保标准合计 6,000.00 元",
            ]
        );

        // A household of three whose income is 0.01 元 above the lines in total:
        // the per-capita figure is rounded so it never appears equal to the line.
        let three = |income: i64, li: Option<i64>| {
            of_size(
                3,
                hh(set(six(200_000, 0), 2, |f| {
                    f.income = Fen(income);
                    f.low_income_line = li.map(Fen);
                })),
            )
        };
        let r = identify(&three(1_500_001, Some(120_000)), Params::default()).unwrap();
        assert_eq!(
            r.reasons,
            [
                "条件一：2019-03 家庭人均可支配收入 5,000.00 元，不低于当月低保标准 1,000.00 元",
                "条件二：2019-03 家庭人均可支配收入 5,000.00 元，不低于当月低保标准 1,000.00 元",
                "条件三：2019-03 家庭人均可支配收入 5,000.01 元，高于当月低收入家庭标准 1,200.00 元",
                "条件四：2019-03 家庭人均可支配收入 5,000.01 元，高于当月低保标准的 5 倍 5,000.00 元",
            ]
        );
        // Within the LI in every month but one, by 0.01 元 among three.
        let at_li = of_size(
            3,
            hh(set(
                each(six(360_000, 0), |f| f.low_income_line = Some(Fen(120_000))),
                2,
                |f| f.income = Fen(360_001),
            )),
        );
        let r = identify(&at_li, Params::default()).unwrap();
        assert_eq!(
            r.reasons[2],
            "条件三：2019-03 家庭人均可支配收入 1,200.01 元，高于当月低收入家庭标准 1,200.00 元"
        );

        // The month named is the first that fails, judged against its own line.
        let h = hh(each(six(210_000, 0), |f| {
            f.dibao_line = if f.month < m("2019-04") {
                Fen(120_000)
            } else {
                Fen(70_000)
            }
        }));
        let r = identify(&migrant(h), Params::default()).unwrap();
        assert!(!r.eligible && !r.migrant);
        assert_eq!(
            r.reasons[0],
            "条件一：2019-04 家庭人均可支配收入 1,050.00 元，不低于当月低保标准 700.00 元"
        );
        assert_eq!(
            r.reasons[4],
            "条件五：农民工家庭须符合条件一至四之一，以上均不符合"
        );
    }

    #[test]
    fn reasons_when_refused_for_want_of_expenditure() {
        // On 低保 and below the line every month, but nothing spent beyond
        // living: conditions 2–4 all need ΣE > 0 (docs/rules.md §4).
        let r = identify(&on_dibao(hh(six(150_000, 0))), Params::default()).unwrap();
        assert!(!r.eligible && !r.insufficient_data);
        assert_eq!(
            r.reasons,
            [
                "条件一：已享受低保（条件一适用于未享受低保的家庭）",
                "条件二：窗口内无非生活性支出（ΣE = 0），条件二至四不成立",
                "条件三：窗口内无非生活性支出（ΣE = 0），条件二至四不成立",
                "条件四：窗口内无非生活性支出（ΣE = 0），条件二至四不成立",
            ]
        );

        // A month failing a condition's income test is still named first.
        let r = identify(
            &hh(set(six(100_000, 0), 0, |f| f.income = Fen(400_000))),
            Params::default(),
        )
        .unwrap();
        assert_eq!(
            r.reasons[2],
            "条件三：2019-01 家庭人均可支配收入 2,000.00 元，高于当月低收入家庭标准 1,500.00 元"
        );
        assert_eq!(
            r.reasons[3],
            "条件四：窗口内无非生活性支出（ΣE = 0），条件二至四不成立"
        );
    }

    #[test]
    fn reasons_for_branches_identify_cannot_reach() {
        // With non-negative expenditure, "below the line every month" and
        // ΣE > 0 imply ΣA < ΣL, so a refused household on 低保 below the line
        // fails condition 2 on ΣE = 0, never on the totals. The other
        // wordings are still checked here directly.
        let months = six(150_000, 10_000);
        let w = Window {
            months: &months,
            size: 2,
            k: 5,
        };
        let on = on_dibao(hh(months.clone()));
        let off = hh(months.clone());
        assert_eq!(
            w.refusal_reasons(&on)[0],
            "条件一：已享受低保（条件一适用于未享受低保的家庭）"
        );
        assert_eq!(
            w.refusal_reasons(&off)[1],
            "条件二：未享受低保（条件二适用于已享受低保的家庭）"
        );
        assert_eq!(
            w.refusal_reasons(&on)[1],
            "条件二：窗口内家庭非生活性支出合计 600.00 元，实际人均生活水平合计 4,200.00 元，低于低保标准合计 6,000.00 元"
        );
    }

    #[test]
    fn reasons_when_data_is_insufficient() {
        let gap = hh([run("2019-01", 2, 150_000, 0), run("2019-04", 4, 150_000, 0)].concat());
        let r = identify(&gap, Params::default()).unwrap();
        assert_eq!(
            r.reasons,
            [
                "数据不足：截至 2019-07，连续有收入记录的月份只有 4 个月，识别需要连续 6 个月",
                "缺少 2019-03 的收入记录",
            ]
        );

        let wide_gap = hh([run("2018-06", 3, 150_000, 0), run("2019-02", 5, 150_000, 0)].concat());
        let r = identify(&wide_gap, Params::default()).unwrap();
        assert_eq!(r.reasons[1], "缺少 2018-09 至 2019-01 的收入记录");

        let short = hh(run("2019-01", 5, 150_000, 0));
        let r = identify(&short, Params::default()).unwrap();
        assert_eq!(
            r.reasons,
            ["数据不足：截至 2019-05，连续有收入记录的月份只有 5 个月，识别需要连续 6 个月"]
        );
        assert_eq!(r.months.len(), 5);

        let r = identify(&hh(vec![]), params(3, 5)).unwrap();
        assert_eq!(
            r.reasons,
            ["数据不足：没有收入记录，识别需要连续 3 个月的记录"]
        );
        assert!(r.window.is_empty() && r.months.is_empty());
    }

    #[test]
    fn months_used_show_per_capita_figures() {
        let h = of_size(
            2,
            hh(vec![
                MonthFigures {
                    low_income_line: None,
                    ..fig(m("2019-01"), 100_001, 200_000, 80_001)
                },
                MonthFigures {
                    low_income_line: Some(Fen(110_000)),
                    ..fig(m("2019-02"), 100_001, 0, 80_001)
                },
            ]),
        );
        let r = identify(&h, params(2, 5)).unwrap();
        assert_eq!(
            r.months[0],
            MonthUsed {
                month: m("2019-01"),
                income: Fen(100_001),
                rigid_expenditure: Fen(200_000),
                per_capita_income: Fen(50_000),
                actual_per_capita: Fen(-50_000),
                dibao_line: Fen(80_001),
                low_income_line: Fen(120_001),
                low_income_line_defaulted: true,
            }
        );
        assert_eq!(r.months[1].low_income_line, Fen(110_000));
        assert!(!r.months[1].low_income_line_defaulted);
        assert_eq!(r.months[1].actual_per_capita, Fen(50_000));
    }

    #[test]
    fn the_order_of_months_does_not_matter() {
        let months = [six(250_000, 0), run("2018-01", 3, 900_000, 0)].concat();
        let sorted = identify(&hh(months.clone()), Params::default()).unwrap();
        let mut shuffled = months;
        shuffled.rotate_left(4);
        shuffled.swap(0, 7);
        assert_eq!(identify(&hh(shuffled), Params::default()).unwrap(), sorted);
    }

    #[test]
    fn categories_parse_and_label() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Ok(c));
            assert_eq!(Category::parse(c.label()), Ok(c));
            assert_eq!(c.to_string(), c.code());
        }
        assert_eq!(Category::NearDibao.label(), "低保边缘户");
        let e = Category::parse("困难户").unwrap_err();
        assert_eq!(e.field, "category");
        assert_eq!(Params::default(), params(6, 5));
    }
}

#[cfg(test)]
mod properties {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::collection::{btree_set, vec};
    use proptest::prelude::*;
    use proptest::sample::Index;

    /// Lines including an odd one, so default LI has a half fen.
    const LINES: [i64; 4] = [80_000, 80_001, 100_000, 120_000];

    /// One month's figures as proportions of the line, so they land on both
    /// sides of every threshold whatever the household size.
    #[derive(Debug, Clone)]
    struct Raw {
        line: usize,
        li: Option<usize>,
        income_pct: i64,
        jitter: i64,
        rigid_pct: i64,
    }

    fn raw() -> impl Strategy<Value = Raw> {
        (
            0..LINES.len(),
            proptest::option::of(0usize..3),
            0i64..=600,
            0i64..=3,
            0i64..=600,
        )
            .prop_map(|(line, li, income_pct, jitter, rigid_pct)| Raw {
                line,
                li,
                income_pct,
                jitter,
                rigid_pct,
            })
    }

    fn figures(month: Month, r: &Raw, size: u32, income_cap_pct: i64) -> MonthFigures {
        let line = LINES[r.line];
        let household_line = line * i64::from(size);
        MonthFigures {
            month,
            income: Fen(household_line * r.income_pct * income_cap_pct / 600 / 100 + r.jitter),
            rigid_expenditure: Fen(household_line * r.rigid_pct / 100),
            dibao_line: Fen(line),
            low_income_line: r.li.map(|i| Fen([line, line * 3 / 2, line * 2][i])),
        }
    }

    fn arb_params() -> impl Strategy<Value = Params> {
        (1u32..=8, 1u32..=6).prop_map(|(window_months, multiple_k)| Params {
            window_months,
            multiple_k,
        })
    }

    /// Any household: up to 12 months with occasional gaps. Incomes are
    /// capped per household at just under L, 1.5 L or 6 L so that every
    /// condition is met by some of them.
    fn arb_household() -> impl Strategy<Value = (Household, Params)> {
        (
            1u32..=6,
            any::<bool>(),
            any::<bool>(),
            prop_oneof![Just(99i64), Just(150), Just(600)],
            vec((raw(), prop::bool::weighted(0.1)), 0..=12),
            arb_params(),
        )
            .prop_map(|(size, on_dibao, migrant, cap, raws, params)| {
                let mut month = Month::new(2018, 1).unwrap_or(Month::MIN);
                let mut months = Vec::new();
                for (r, gap) in &raws {
                    months.push(figures(month, r, size, cap));
                    month = month.add_months(if *gap { 2 } else { 1 });
                }
                (
                    Household {
                        size,
                        on_dibao,
                        migrant,
                        months,
                    },
                    params,
                )
            })
    }

    /// A household whose latest run of months fills the window.
    fn arb_full_window() -> impl Strategy<Value = (Household, Params)> {
        arb_params().prop_flat_map(|params| {
            let n = params.window_months as usize;
            (
                1u32..=6,
                any::<bool>(),
                any::<bool>(),
                prop_oneof![Just(99i64), Just(150), Just(600)],
                vec(raw(), n..=n + 3),
            )
                .prop_map(move |(size, on_dibao, migrant, cap, raws)| {
                    let start = Month::new(2019, 1).unwrap_or(Month::MIN);
                    let months = raws
                        .iter()
                        .zip(0..)
                        .map(|(r, i)| figures(start.add_months(i), r, size, cap))
                        .collect();
                    (
                        Household {
                            size,
                            on_dibao,
                            migrant,
                            months,
                        },
                        params,
                    )
                })
        })
    }

    /// Eligible by construction: every income within K × L and expenditure
    /// at least the income and at least one fen, so ΣE > 0 and
    /// ΣA ≤ 0 < ΣL (condition 4 at least).
    fn arb_eligible() -> impl Strategy<Value = (Household, Params)> {
        arb_full_window().prop_map(|(mut h, params)| {
            let k = i64::from(params.multiple_k);
            let size = i64::from(h.size);
            for f in &mut h.months {
                f.income = Fen(f.income.0.min(k * f.dibao_line.0 * size));
                f.rigid_expenditure = Fen(f.rigid_expenditure.0.max(f.income.0).max(1));
            }
            (h, params)
        })
    }

    fn without_expenditure(h: &Household) -> Household {
        let mut none = h.clone();
        for f in &mut none.months {
            f.rigid_expenditure = Fen::ZERO;
        }
        none
    }

    fn lower_all(h: &Household, cuts_pct: &[i64]) -> Household {
        let mut lower = h.clone();
        for (f, cut) in lower.months.iter_mut().zip(cuts_pct.iter().cycle()) {
            f.income = Fen(f.income.0 - f.income.0 * cut / 100);
        }
        lower
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// (a) More income never makes a household qualify, in particular
        /// never under condition 1.
        #[test]
        fn raising_income_never_qualifies(
            (h, params) in arb_household(),
            which in any::<Index>(),
            raise in 1i64..=2_000_000,
        ) {
            prop_assume!(!h.months.is_empty());
            let before = identify(&h, params).unwrap();
            let mut richer = h.clone();
            let i = which.index(richer.months.len());
            richer.months[i].income = Fen(richer.months[i].income.0 + raise);
            let after = identify(&richer, params).unwrap();
            if after.condition == Some(1) {
                prop_assert_eq!(before.condition, Some(1));
            }
            if !before.eligible {
                prop_assert!(!after.eligible, "{:?} -> {:?}", before.reasons, after.reasons);
            }
            prop_assert!(after.condition.unwrap_or(9) >= before.condition.unwrap_or(9) || !before.eligible);
        }

        /// (b) The result does not depend on the order the months are given.
        #[test]
        fn order_does_not_matter(
            ((h, params), shuffled) in arb_household().prop_flat_map(|(h, p)| {
                let months = h.months.clone();
                (Just((h, p)), Just(months).prop_shuffle())
            })
        ) {
            let shuffled = Household { months: shuffled, ..h.clone() };
            prop_assert_eq!(identify(&shuffled, params), identify(&h, params));
        }

        /// (c) Lowering incomes (expenditure unchanged) keeps an eligible
        /// household eligible, under the same condition or an earlier one.
        #[test]
        fn lowering_income_keeps_eligible(
            (h, params) in prop_oneof![arb_eligible(), arb_full_window()],
            cuts in vec(0i64..=100, 1..=8),
        ) {
            let before = identify(&h, params).unwrap();
            let after = identify(&lower_all(&h, &cuts), params).unwrap();
            if before.eligible {
                prop_assert!(after.eligible, "{:?} -> {:?}", before.reasons, after.reasons);
                prop_assert!(after.condition <= before.condition);
            }
        }

        #[test]
        fn households_built_eligible_are(
            (h, params) in arb_eligible(),
        ) {
            let r = identify(&h, params).unwrap();
            prop_assert!(r.eligible, "{:?}", r.reasons);
            prop_assert_eq!(r.window.len(), params.window_months as usize);
        }

        /// (e) Conditions 2–4 need non-living expenditure in the window: a
        /// household that spent nothing beyond living qualifies, if at all,
        /// under condition 1 only (below the line and not on 低保).
        #[test]
        fn no_expenditure_no_condition_two_to_four(
            (h, params) in prop_oneof![arb_eligible(), arb_full_window()],
        ) {
            let h = without_expenditure(&h);
            let r = identify(&h, params).unwrap();
            prop_assert!(matches!(r.condition, None | Some(1)), "{:?}", r.reasons);
            if r.condition == Some(1) {
                prop_assert!(!h.on_dibao);
            }
        }

        /// Whoever qualifies under 2–4 has expenditure in the window.
        #[test]
        fn conditions_two_to_four_have_expenditure((h, params) in arb_household()) {
            let r = identify(&h, params).unwrap();
            if matches!(r.condition, Some(2..=4)) {
                prop_assert!(r.months.iter().any(|u| u.rigid_expenditure.0 > 0));
            }
        }

        /// More expenditure never makes an eligible household ineligible.
        #[test]
        fn raising_expenditure_keeps_eligible(
            (h, params) in prop_oneof![arb_eligible(), arb_full_window()],
            which in any::<Index>(),
            raise in 1i64..=2_000_000,
        ) {
            let before = identify(&h, params).unwrap();
            let mut poorer = h.clone();
            let i = which.index(poorer.months.len());
            poorer.months[i].rigid_expenditure = Fen(poorer.months[i].rigid_expenditure.0 + raise);
            let after = identify(&poorer, params).unwrap();
            if before.eligible {
                prop_assert!(after.eligible, "{:?} -> {:?}", before.reasons, after.reasons);
                prop_assert!(after.condition <= before.condition);
            }
        }

        /// (d) Months before the window, contiguous or not, change nothing.
        #[test]
        fn older_months_change_nothing(
            (h, params) in arb_full_window(),
            offsets in btree_set(1i32..=24, 1..=5),
            extra in raw(),
        ) {
            let before = identify(&h, params).unwrap();
            let first = h.months.iter().map(|f| f.month).min().unwrap();
            let mut longer = h.clone();
            for back in offsets {
                longer.months.push(figures(first.add_months(-back), &extra, h.size, 600));
            }
            prop_assert_eq!(identify(&longer, params).unwrap(), before);
        }

        /// The window always ends at the latest month and is ascending.
        #[test]
        fn window_shape((h, params) in arb_household()) {
            let r = identify(&h, params).unwrap();
            prop_assert!(r.window.windows(2).all(|p| p[0].succ() == p[1]));
            prop_assert_eq!(r.window.last().copied(), h.months.iter().map(|f| f.month).max());
            prop_assert_eq!(r.insufficient_data, r.window.len() < params.window_months as usize);
            prop_assert!(r.window.len() <= params.window_months as usize);
            prop_assert_eq!(r.category.is_some(), r.eligible);
        }
    }
}
