//! Calendar months (docs/rules.md §3): incomes, expenditure and lines are all
//! monthly, and the identification window is a run of consecutive months.

use crate::ValidationError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A calendar month, `YYYY-MM`. Ordered; serialises as the string "2019-03".
///
/// Years are limited to 1900–2999: the programme's records start long after
/// 1900, and a year outside the range is a typing slip, not a real month.
/// Arithmetic that would leave the range stops at its ends instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    // Field order matters: the derived `Ord` compares the year first.
    year: i32,
    month: u32,
}

impl Month {
    pub const MIN_YEAR: i32 = 1900;
    pub const MAX_YEAR: i32 = 2999;

    pub const MIN: Month = Month {
        year: Self::MIN_YEAR,
        month: 1,
    };
    pub const MAX: Month = Month {
        year: Self::MAX_YEAR,
        month: 12,
    };

    pub fn new(year: i32, month: u32) -> Option<Month> {
        let ok = (Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) && (1..=12).contains(&month);
        ok.then_some(Month { year, month })
    }

    /// Accepts `YYYY-MM` and the forms spreadsheets and people commonly
    /// produce for it: `YYYY-M`, `YYYY/MM`, `YYYY/M` and `YYYYMM`
    /// (surrounding spaces ignored). Nothing looser, so that a date or a
    /// number in the wrong column is refused rather than guessed at.
    pub fn parse(field: &'static str, raw: &str) -> Result<Month, ValidationError> {
        let s = raw.trim();
        let bad_format = || {
            ValidationError::new(
                field,
                format!("月份“{s}”格式不正确，应为 YYYY-MM，如 2019-03"),
            )
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());

        let (y, m) = match s.split_once(['-', '/']) {
            Some(parts) => parts,
            None if s.len() == 6 && all_digits(s) => s.split_at(4),
            None => return Err(bad_format()),
        };
        if y.len() != 4 || !all_digits(y) || !(1..=2).contains(&m.len()) || !all_digits(m) {
            return Err(bad_format());
        }
        let year: i32 = y.parse().map_err(|_| bad_format())?;
        let month: u32 = m.parse().map_err(|_| bad_format())?;
        if !(1..=12).contains(&month) {
            return Err(ValidationError::new(
                field,
                format!("月份“{s}”不存在：月应在 01–12 之间"),
            ));
        }
        Month::new(year, month).ok_or_else(|| {
            ValidationError::new(
                field,
                format!(
                    "月份“{s}”的年份应在 {}–{} 之间",
                    Self::MIN_YEAR,
                    Self::MAX_YEAR
                ),
            )
        })
    }

    /// Months after the current month are not data (docs/rules.md §3): a
    /// month's income cannot be recorded before the month has come.
    /// `this_month` is the month of today in China (the caller's clock), so
    /// the rule itself reads no clock. Refuses a later month, naming it.
    pub fn not_after(
        self,
        field: &'static str,
        this_month: Month,
    ) -> Result<Month, ValidationError> {
        if self > this_month {
            return Err(ValidationError::new(
                field,
                format!("{self} 尚未到来，不能录入"),
            ));
        }
        Ok(self)
    }

    /// The month a date falls in (clamped to the supported years).
    pub fn of_date(d: NaiveDate) -> Month {
        Month::from_index(Month::index_of(d.year(), d.month()))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn succ(self) -> Month {
        self.add_months(1)
    }

    pub fn pred(self) -> Month {
        self.add_months(-1)
    }

    /// Months from self to other (other - self), may be negative.
    pub fn months_until(self, other: Month) -> i32 {
        // Both indices lie within 1900..=2999 years, so this cannot overflow.
        (other.index() - self.index()) as i32
    }

    pub fn add_months(self, n: i32) -> Month {
        Month::from_index(self.index() + i64::from(n))
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    /// Months since year 0, so month arithmetic is integer arithmetic.
    fn index(self) -> i64 {
        Month::index_of(self.year, self.month)
    }

    fn index_of(year: i32, month: u32) -> i64 {
        i64::from(year) * 12 + i64::from(month) - 1
    }

    fn from_index(i: i64) -> Month {
        let i = i.clamp(Month::MIN.index(), Month::MAX.index());
        // In range after the clamp: the year fits an i32 and the month is 1..=12.
        Month {
            year: i.div_euclid(12) as i32,
            month: i.rem_euclid(12) as u32 + 1,
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Month, ValidationError> {
        Month::parse("month", s)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Month, D::Error> {
        let s = String::deserialize(deserializer)?;
        Month::parse("month", &s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Month {
        Month::parse("month", s).unwrap()
    }

    #[test]
    fn parses_the_accepted_forms() {
        for raw in [
            "2019-03",
            "2019-3",
            "2019/03",
            "2019/3",
            "201903",
            " 2019-03 ",
        ] {
            assert_eq!(
                Month::parse("month", raw),
                Ok(Month::new(2019, 3).unwrap()),
                "{raw}"
            );
        }
        assert_eq!(
            "2019-12".parse::<Month>(),
            Ok(Month::new(2019, 12).unwrap())
        );
    }

    #[test]
    fn refuses_everything_else() {
        let cases = [
            ("", "格式不正确"),
            ("2019", "格式不正确"),
            ("19-03", "格式不正确"),
            ("2019-003", "格式不正确"),
            ("2019-03-01", "格式不正确"),
            ("2019.03", "格式不正确"),
            ("2019-", "格式不正确"),
            ("-03", "格式不正确"),
            ("2019年3月", "格式不正确"),
            ("20193", "格式不正确"),
            ("2019-+3", "格式不正确"),
            ("2019-00", "不存在"),
            ("2019-13", "不存在"),
            ("201913", "不存在"),
            ("1899-12", "年份"),
            ("3000-01", "年份"),
        ];
        for (raw, message) in cases {
            let e = Month::parse("effective_month", raw).unwrap_err();
            assert_eq!(e.field, "effective_month");
            assert!(e.message.contains(message), "{raw}: {}", e.message);
        }
        assert!(Month::parse("m", "abc")
            .unwrap_err()
            .message
            .contains("YYYY-MM"));
    }

    #[test]
    fn deserialises_through_parse() {
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;
        let de = |s: &'static str| -> StrDeserializer<'static, Error> { s.into_deserializer() };
        assert_eq!(Month::deserialize(de("2019-03")), Ok(m("2019-03")));
        let e = Month::deserialize(de("2019-13")).unwrap_err();
        assert!(e.to_string().contains("不存在"), "{e}");
    }

    #[test]
    fn months_that_have_not_come_are_refused() {
        let now = m("2026-12");
        assert_eq!(m("2026-12").not_after("incomes", now), Ok(m("2026-12")));
        assert_eq!(m("2019-03").not_after("incomes", now), Ok(m("2019-03")));
        let e = m("2027-01").not_after("incomes", now).unwrap_err();
        assert_eq!(e.field, "incomes");
        assert_eq!(e.message, "2027-01 尚未到来，不能录入");
        let e = m("2999-12").not_after("month", now).unwrap_err();
        assert_eq!(
            (e.field, e.message.as_str()),
            ("month", "2999-12 尚未到来，不能录入")
        );
    }

    #[test]
    fn new_checks_ranges() {
        assert!(Month::new(2019, 0).is_none());
        assert!(Month::new(2019, 13).is_none());
        assert!(Month::new(1899, 12).is_none());
        assert!(Month::new(3000, 1).is_none());
        assert_eq!(Month::new(1900, 1), Some(Month::MIN));
        assert_eq!(Month::new(2999, 12), Some(Month::MAX));
    }

    #[test]
    fn steps_across_year_ends() {
        assert_eq!(m("2019-12").succ(), m("2020-01"));
        assert_eq!(m("2020-01").pred(), m("2019-12"));
        assert_eq!(m("2019-03").succ(), m("2019-04"));
        assert_eq!(m("2019-03").add_months(10), m("2020-01"));
        assert_eq!(m("2019-03").add_months(-3), m("2018-12"));
        assert_eq!(m("2019-03").add_months(-27), m("2016-12"));
        assert_eq!(m("2019-03").add_months(0), m("2019-03"));
        assert_eq!(m("2018-11").months_until(m("2019-02")), 3);
        assert_eq!(m("2019-02").months_until(m("2018-11")), -3);
        // The ends of the range hold instead of leaving it.
        assert_eq!(Month::MAX.succ(), Month::MAX);
        assert_eq!(Month::MIN.pred(), Month::MIN);
        assert_eq!(Month::MIN.add_months(i32::MAX), Month::MAX);
        assert_eq!(Month::MAX.add_months(i32::MIN), Month::MIN);
    }

    #[test]
    fn dates() {
        let d = |y, mo, day| NaiveDate::from_ymd_opt(y, mo, day).unwrap();
        assert_eq!(Month::of_date(d(2019, 3, 31)), m("2019-03"));
        assert_eq!(Month::of_date(d(1850, 3, 31)), Month::MIN);
        assert_eq!(m("2019-03").first_day(), d(2019, 3, 1));
        assert_eq!(m("2019-02").last_day(), d(2019, 2, 28));
        assert_eq!(m("2020-02").last_day(), d(2020, 2, 29));
        assert_eq!(m("2019-12").last_day(), d(2019, 12, 31));
    }

    #[test]
    fn orders_by_year_then_month() {
        assert!(m("2018-12") < m("2019-01"));
        assert!(m("2019-02") < m("2019-10"));
        assert_eq!(m("2019-03").to_string(), "2019-03");
        assert_eq!(m("1999-11").to_string(), "1999-11");
    }

    proptest! {
        #[test]
        fn display_round_trips(year in 1900i32..=2999, month in 1u32..=12) {
            let x = Month::new(year, month).unwrap();
            prop_assert_eq!(x.to_string().parse::<Month>(), Ok(x));
        }

        #[test]
        fn arithmetic_is_consistent(year in 1950i32..=2950, month in 1u32..=12, n in -500i32..=500) {
            let x = Month::new(year, month).unwrap();
            let y = x.add_months(n);
            prop_assert_eq!(x.months_until(y), n);
            prop_assert_eq!(y.add_months(-n), x);
            prop_assert_eq!(x.succ().pred(), x);
            prop_assert_eq!(x.months_until(x.succ()), 1);
            prop_assert_eq!(n > 0, y > x);
        }
    }
}
