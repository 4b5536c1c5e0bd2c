//! Yearly targets (目标任务, docs/rules.md §8, 001 §二, 000): a share of a
//! union's baseline cohort to be out of hardship or relieved each year.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// Where a union without targets of its own (nor any ancestor's) takes its
/// yearly shares from: a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultPlan {
    /// 梧州 (001 §二): 30 % in 2017, 25 % in 2018 and 2019, 20 % in 2020; no
    /// default share in other years.
    Wuzhou,
    /// 广东 (000): at least 20 % every year.
    Guangdong,
}

impl DefaultPlan {
    pub fn code(self) -> &'static str {
        match self {
            DefaultPlan::Wuzhou => "wuzhou",
            DefaultPlan::Guangdong => "guangdong",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DefaultPlan::Wuzhou => "2017–2020 年依次 30%、25%、25%、20%（梧州方案）",
            DefaultPlan::Guangdong => "每年不低于 20%（广东方案）",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim() {
            "wuzhou" => Ok(DefaultPlan::Wuzhou),
            "guangdong" => Ok(DefaultPlan::Guangdong),
            other => Err(ValidationError::new(
                "target_plan",
                format!("目标方案“{other}”无效，可选：wuzhou、guangdong"),
            )),
        }
    }

    /// The default share of the baseline cohort for `year`, in basis points
    /// (1 % = 100).
    pub fn share_bp(self, year: i32) -> Option<u32> {
        match self {
            DefaultPlan::Wuzhou => match year {
                2017 => Some(3000),
                2018 | 2019 => Some(2500),
                2020 => Some(2000),
                _ => None,
            },
            DefaultPlan::Guangdong => Some(2000),
        }
    }
}

/// 100 % in basis points.
pub const FULL_BP: u32 = 10_000;

/// The years a target may be set for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Checks a target year (the API's `year`, the page's 年份).
pub fn check_year(year: i32) -> Result<i32, ValidationError> {
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(ValidationError::new(
            "year",
            format!(
                "年份“{year}”无效，应在 {} 至 {} 之间",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

/// Parses a year typed by a person or sent in a query (`"2019"`).
pub fn parse_year(raw: &str) -> Result<i32, ValidationError> {
    let t = raw.trim();
    let year: i32 = t.parse().map_err(|_| {
        ValidationError::new("year", format!("年份“{t}”无效，应为四位数字，如 2019"))
    })?;
    check_year(year)
}

/// Parses a share typed as a percentage with at most two decimals
/// (`"25"`, `"25.5"`, `"12.34"`, `"20%"`, `"20％"`) into basis points,
/// 0–100 %. Exact: no floating point.
pub fn parse_share_percent(raw: &str) -> Result<u32, ValidationError> {
    let bad = |why: &str| ValidationError::new("share", why.to_owned());
    let t = raw.trim().trim_end_matches(['%', '％']).trim_end();
    if t.is_empty() {
        return Err(bad("请填写目标比例（百分数，如 25 或 22.5）"));
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) {
        return Err(bad(&format!("目标比例“{}”不是有效的百分数", raw.trim())));
    }
    if frac.len() > 2 {
        return Err(bad("目标比例最多保留两位小数"));
    }
    if whole.len() > 3 {
        return Err(bad("目标比例应在 0% 至 100% 之间"));
    }
    let w: u32 = whole.parse().map_err(|_| bad("目标比例不是有效的百分数"))?;
    let f: u32 = if frac.is_empty() {
        0
    } else {
        let v: u32 = frac.parse().map_err(|_| bad("目标比例不是有效的百分数"))?;
        if frac.len() == 1 {
            v * 10
        } else {
            v
        }
    };
    let bp = w * 100 + f;
    if bp > FULL_BP {
        return Err(bad("目标比例应在 0% 至 100% 之间"));
    }
    Ok(bp)
}

/// A share in basis points as a person reads it: `25%`, `22.5%`, `12.34%`.
pub fn format_share(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

/// The number of baseline households to be out of hardship or relieved in
/// the year: `ceil(baseline × bp / 10000)` — a share of a household is a
/// whole household to help.
pub fn target_count(baseline: i64, bp: u32) -> i64 {
    if baseline <= 0 || bp == 0 {
        return 0;
    }
    let n = i128::from(baseline) * i128::from(bp);
    let d = i128::from(FULL_BP);
    i64::try_from((n + d - 1) / d).unwrap_or(i64::MAX)
}

/// What should be achieved by the end of month `month` (1–12; 0 before the
/// year starts): `ceil(target × month / 12)`, so December expects the whole
/// target.
pub fn expected_by(target: i64, month: u32) -> i64 {
    let m = i128::from(month.min(12));
    if target <= 0 || m == 0 {
        return 0;
    }
    let n = i128::from(target) * m;
    i64::try_from((n + 11) / 12).unwrap_or(i64::MAX)
}

/// The expected cumulative count at the end of each month, January first.
pub fn schedule(target: i64) -> [i64; 12] {
    let mut out = [0; 12];
    for (i, v) in out.iter_mut().enumerate() {
        *v = expected_by(target, u32::try_from(i + 1).unwrap_or(12));
    }
    out
}

/// How far into `year` we are on `today`, in months: 12 for a past year,
/// the current month for this year, 0 for a future year.
pub fn months_elapsed(year: i32, today: chrono::NaiveDate) -> u32 {
    use chrono::Datelike;
    match year.cmp(&today.year()) {
        std::cmp::Ordering::Less => 12,
        std::cmp::Ordering::Equal => today.month(),
        std::cmp::Ordering::Greater => 0,
    }
}

/// Behind schedule (进度滞后): achieved so far is below what the schedule
/// expects at the end of the current month (`month`, from
/// [`months_elapsed`]).
pub fn is_behind(achieved_to_date: i64, target: i64, month: u32) -> bool {
    achieved_to_date < expected_by(target, month)
}

/// Progress as basis points of the target, rounded down (may exceed 100 %);
/// `None` when there is no target to measure against.
pub fn progress_bp(achieved: i64, target: i64) -> Option<u32> {
    if target <= 0 {
        return None;
    }
    let v = i128::from(achieved.max(0)) * i128::from(FULL_BP) / i128::from(target);
    Some(u32::try_from(v).unwrap_or(u32::MAX))
}

/// The order of a ranking by progress (achieved / target), best first,
/// compared exactly (cross-multiplied, no rounding). Unions without a target
/// come last; ties go to the larger achieved count.
pub fn rank_order(a: (i64, i64), b: (i64, i64)) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ((aa, at), (ba, bt)) = (a, b);
    match (at > 0, bt > 0) {
        (false, false) => ba.cmp(&aa),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (true, true) => {
            let left = i128::from(aa) * i128::from(bt);
            let right = i128::from(ba) * i128::from(at);
            right.cmp(&left).then(ba.cmp(&aa))
        }
    }
}

/// Where a union's share for a year comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "union_id")]
pub enum ShareOrigin {
    /// Set for the union itself.
    Own,
    /// Inherited from the nearest ancestor that set one (its id).
    Inherited(i64),
    /// The default plan (a setting).
    Plan,
    /// Nothing applies (e.g. the 梧州 plan outside 2017–2020): no target.
    None,
}

/// A union's share for a year and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub bp: u32,
    pub origin: ShareOrigin,
}

impl Share {
    /// The share of a union given the shares set along its path, nearest
    /// first (the union itself, then its parent, … up to the root; `None`
    /// where a union set nothing for the year), else the default plan.
    pub fn resolve(
        chain_nearest_first: &[(i64, Option<u32>)],
        plan: DefaultPlan,
        year: i32,
    ) -> Share {
        for (i, (union_id, bp)) in chain_nearest_first.iter().enumerate() {
            if let Some(bp) = bp {
                return Share {
                    bp: (*bp).min(FULL_BP),
                    origin: if i == 0 {
                        ShareOrigin::Own
                    } else {
                        ShareOrigin::Inherited(*union_id)
                    },
                };
            }
        }
        match plan.share_bp(year) {
            Some(bp) => Share {
                bp,
                origin: ShareOrigin::Plan,
            },
            None => Share {
                bp: 0,
                origin: ShareOrigin::None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::cmp::Ordering;

    #[test]
    fn default_plans() {
        let table = [
            (DefaultPlan::Wuzhou, 2016, None),
            (DefaultPlan::Wuzhou, 2017, Some(3000)),
            (DefaultPlan::Wuzhou, 2018, Some(2500)),
            (DefaultPlan::Wuzhou, 2019, Some(2500)),
            (DefaultPlan::Wuzhou, 2020, Some(2000)),
            (DefaultPlan::Wuzhou, 2021, None),
            (DefaultPlan::Guangdong, 2017, Some(2000)),
            (DefaultPlan::Guangdong, 2026, Some(2000)),
        ];
        for (plan, year, bp) in table {
            assert_eq!(plan.share_bp(year), bp, "{plan:?} {year}");
        }
        let wuzhou: u32 = (2017..=2020)
            .filter_map(|y| DefaultPlan::Wuzhou.share_bp(y))
            .sum();
        assert_eq!(wuzhou, FULL_BP, "梧州方案四年合计 100%");
    }

    #[test]
    fn shares_parse_and_format() {
        let ok = [
            ("25", 2500),
            ("25%", 2500),
            (" 22.5 ", 2250),
            ("12.34", 1234),
            ("0", 0),
            ("0.01", 1),
            ("100", 10_000),
            ("100.00", 10_000),
            ("7.05％", 705),
        ];
        for (raw, bp) in ok {
            assert_eq!(parse_share_percent(raw), Ok(bp), "{raw}");
        }
        for raw in [
            "", "abc", "-5", "100.01", "101", "12.345", "1e2", ".5", "1000",
        ] {
            let e = parse_share_percent(raw).expect_err(raw);
            assert_eq!(e.field, "share");
        }
        let fmt = [
            (2500, "25%"),
            (2250, "22.5%"),
            (1234, "12.34%"),
            (705, "7.05%"),
            (0, "0%"),
        ];
        for (bp, s) in fmt {
            assert_eq!(format_share(bp), s);
        }
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("2019"), Ok(2019));
        assert_eq!(parse_year(" 2100 "), Ok(2100));
        for raw in ["1999", "2101", "二〇一九", "", "19.5"] {
            assert_eq!(parse_year(raw).expect_err(raw).field, "year");
        }
    }

    #[test]
    fn target_rounds_up() {
        let table = [
            (0, 3000, 0),
            (10, 3000, 3),
            (11, 3000, 4), // 3.3 households → 4
            (3, 2500, 1),  // 0.75 → 1
            (100, 2000, 20),
            (7, 0, 0),
            (7, 10_000, 7),
            (1, 1, 1),
        ];
        for (baseline, bp, t) in table {
            assert_eq!(target_count(baseline, bp), t, "{baseline} × {bp}");
        }
    }

    #[test]
    fn monthly_schedule() {
        assert_eq!(schedule(12), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(schedule(4), [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
        assert_eq!(schedule(1), [1; 12]);
        assert_eq!(schedule(0), [0; 12]);
        assert_eq!(expected_by(5, 0), 0);
        assert_eq!(expected_by(5, 13), 5);
    }

    #[test]
    fn behind_schedule() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert_eq!(months_elapsed(2019, d(2020, 3, 1)), 12);
        assert_eq!(months_elapsed(2020, d(2020, 3, 1)), 3);
        assert_eq!(months_elapsed(2021, d(2020, 3, 1)), 0);
        // 12 to do; by the end of March 3 are expected.
        assert!(is_behind(2, 12, 3));
        assert!(!is_behind(3, 12, 3));
        // A past year is judged at December: the whole target.
        assert!(is_behind(11, 12, 12));
        assert!(!is_behind(12, 12, 12));
        // No target, never behind; a future year, never behind.
        assert!(!is_behind(0, 0, 12));
        assert!(!is_behind(0, 12, 0));
    }

    #[test]
    fn progress_and_ranking() {
        assert_eq!(progress_bp(1, 4), Some(2500));
        assert_eq!(progress_bp(1, 3), Some(3333));
        assert_eq!(progress_bp(5, 4), Some(12_500));
        assert_eq!(progress_bp(3, 0), None);
        // 2/3 beats 3/5; 1/2 ties 2/4 and the larger count goes first.
        assert_eq!(rank_order((2, 3), (3, 5)), Ordering::Less);
        assert_eq!(rank_order((1, 2), (2, 4)), Ordering::Greater);
        // Without a target: last.
        assert_eq!(rank_order((0, 1), (5, 0)), Ordering::Less);
        assert_eq!(rank_order((5, 0), (0, 1)), Ordering::Greater);
        let mut v = vec![(1, 4), (0, 0), (3, 3), (2, 4), (1, 1)];
        v.sort_by(|a, b| rank_order(*a, *b));
        assert_eq!(v, vec![(3, 3), (1, 1), (2, 4), (1, 4), (0, 0)]);
    }

    #[test]
    fn shares_inherit() {
        let plan = DefaultPlan::Wuzhou;
        // Own row wins.
        let s = Share::resolve(&[(9, Some(1500)), (5, Some(4000))], plan, 2018);
        assert_eq!(
            s,
            Share {
                bp: 1500,
                origin: ShareOrigin::Own
            }
        );
        // Nearest ancestor.
        let s = Share::resolve(&[(9, None), (5, Some(4000)), (1, Some(100))], plan, 2018);
        assert_eq!(
            s,
            Share {
                bp: 4000,
                origin: ShareOrigin::Inherited(5)
            }
        );
        // An explicit 0 is a share too (nothing asked this year).
        let s = Share::resolve(&[(9, None), (5, Some(0))], plan, 2018);
        assert_eq!(
            s,
            Share {
                bp: 0,
                origin: ShareOrigin::Inherited(5)
            }
        );
        // The plan.
        let s = Share::resolve(&[(9, None), (5, None)], plan, 2018);
        assert_eq!(
            s,
            Share {
                bp: 2500,
                origin: ShareOrigin::Plan
            }
        );
        let s = Share::resolve(&[], DefaultPlan::Guangdong, 2030);
        assert_eq!(
            s,
            Share {
                bp: 2000,
                origin: ShareOrigin::Plan
            }
        );
        // Nothing applies.
        let s = Share::resolve(&[(9, None)], plan, 2030);
        assert_eq!(
            s,
            Share {
                bp: 0,
                origin: ShareOrigin::None
            }
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The target is the smallest whole number of households that
        /// reaches the share: never short, never one too many.
        #[test]
        fn target_is_the_least_count_reaching_the_share(baseline in 0_i64..10_000_000, bp in 0_u32..=FULL_BP) {
            let t = target_count(baseline, bp);
            let need = i128::from(baseline) * i128::from(bp);
            prop_assert!(i128::from(t) * 10_000 >= need);
            if t > 0 {
                prop_assert!(i128::from(t - 1) * 10_000 < need);
            }
            prop_assert!(t <= baseline);
            prop_assert!(t >= 0);
        }

        /// The schedule rises month by month to the whole target, each
        /// month at least its share and never more than one household ahead.
        #[test]
        fn schedule_rises_to_the_target(target in 0_i64..5_000_000) {
            let s = schedule(target);
            prop_assert_eq!(s[11], target);
            prop_assert_eq!(expected_by(target, 0), 0);
            for m in 1..12 {
                prop_assert!(s[m] >= s[m - 1]);
            }
            for (i, e) in s.iter().enumerate() {
                let m = i128::try_from(i + 1).unwrap_or(12);
                prop_assert!(i128::from(*e) * 12 >= i128::from(target) * m);
                prop_assert!(i128::from(*e - 1) * 12 < i128::from(target) * m || *e == 0);
            }
        }

        /// Behind means exactly: below the schedule at that month.
        #[test]
        fn behind_is_below_schedule(achieved in 0_i64..1000, target in 0_i64..1000, month in 0_u32..=12) {
            prop_assert_eq!(is_behind(achieved, target, month), achieved < expected_by(target, month));
            if achieved >= target {
                prop_assert!(!is_behind(achieved, target, month));
            }
        }

        /// A share survives formatting and parsing unchanged.
        #[test]
        fn share_round_trips(bp in 0_u32..=FULL_BP) {
            prop_assert_eq!(parse_share_percent(&format_share(bp)), Ok(bp));
        }

        /// The ranking agrees with the exact ratio.
        #[test]
        fn ranking_follows_the_ratio(a in 0_i64..1000, at in 1_i64..1000, b in 0_i64..1000, bt in 1_i64..1000) {
            let ord = rank_order((a, at), (b, bt));
            let (l, r) = (a * bt, b * at);
            if l > r { prop_assert_eq!(ord, std::cmp::Ordering::Less); }
            if l < r { prop_assert_eq!(ord, std::cmp::Ordering::Greater); }
        }
    }
}
