//! Money (docs/rules.md §3): amounts are whole fen (分) held in an `i64`.
//!
//! Floats never touch money: an income of 1234.56 元 must compare with a line
//! of 1234.56 元 exactly, and a sum over six months must not drift. Yuan
//! strings exist only at the edges — parsed from what a person typed or what
//! Excel exported, and formatted for display.

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};

/// Money in whole fen (分). Never a float.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// The largest amount accepted from a person: 10 亿元. No household
    /// figure or line comes near it, so anything larger is a slip — an extra
    /// digit, or an ID number pasted into the wrong column.
    pub const MAX_PARSED: Fen = Fen(100_000_000_000);

    /// Parses yuan as typed by a person or found in Excel: "1234", "1234.5",
    /// "1,234.56", " 12.30 ", "¥12" -> Fen.
    ///
    /// Refuses empty, negative, more than two decimals, non-digits and
    /// absurd sizes (> [`Fen::MAX_PARSED`]). Thousands separators must fall
    /// every three digits, so "1,23" (a European "1.23") is refused rather
    /// than read as 123 元.
    pub fn parse_yuan(field: &'static str, raw: &str) -> Result<Fen, ValidationError> {
        Self::parse_yuan_opt(field, raw)?.ok_or_else(|| ValidationError::new(field, "请填写金额"))
    }

    /// Like [`Fen::parse_yuan`] but an empty or blank string is `Ok(None)`,
    /// for optional columns such as a region's own low-income line.
    pub fn parse_yuan_opt(field: &'static str, raw: &str) -> Result<Option<Fen>, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let bad_format = || {
            ValidationError::new(
                field,
                format!("金额“{trimmed}”格式不正确，应为以元为单位的数字，如 1234.56"),
            )
        };

        let s = trimmed
            .strip_prefix(['¥', '￥'])
            .unwrap_or(trimmed)
            .trim_start();
        let s = s.strip_suffix('元').unwrap_or(s).trim_end();
        if s.starts_with(['-', '−']) {
            return Err(ValidationError::new(field, "金额不能为负数"));
        }

        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        let int_digits = ungrouped_digits(int_part).ok_or_else(bad_format)?;
        if !frac_part.bytes().all(|b| b.is_ascii_digit())
            || (s.contains('.') && frac_part.is_empty())
        {
            return Err(bad_format());
        }
        if frac_part.len() > 2 {
            return Err(ValidationError::new(
                field,
                format!("金额“{trimmed}”最多保留两位小数（精确到分）"),
            ));
        }

        let too_large = || {
            ValidationError::new(
                field,
                format!(
                    "金额“{trimmed}”过大（上限 {} 元），请检查是否多输了数字",
                    Fen::MAX_PARSED.yuan_grouped()
                ),
            )
        };
        let mut fen: i64 = 0;
        let frac_padded = [frac_part.as_bytes(), b"00"].concat();
        for b in int_digits.bytes().chain(frac_padded.into_iter().take(2)) {
            fen = fen
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(b - b'0')))
                .ok_or_else(too_large)?;
        }
        if fen > Fen::MAX_PARSED.0 {
            return Err(too_large());
        }
        Ok(Some(Fen(fen)))
    }

    /// "1234.50": no thousands separator, always two decimals, "-" if negative.
    /// The form for data (CSV, Excel, forms) where separators would be misread.
    pub fn yuan(self) -> String {
        let abs = self.0.unsigned_abs();
        format!("{}{}.{:02}", self.sign(), abs / 100, abs % 100)
    }

    /// "1,234.50": for sentences a person reads, such as the reasons of a decision.
    pub fn yuan_grouped(self) -> String {
        let abs = self.0.unsigned_abs();
        let digits = (abs / 100).to_string();
        // The first group holds 1–3 digits; every later group exactly 3.
        let head = match digits.len() % 3 {
            0 => 3,
            r => r,
        };
        let (first, rest) = digits.split_at(head);
        let mut grouped = String::from(first);
        for chunk in rest.as_bytes().chunks(3) {
            grouped.push(',');
            grouped.extend(chunk.iter().map(|&b| char::from(b)));
        }
        format!("{}{grouped}.{:02}", self.sign(), abs % 100)
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    fn sign(self) -> &'static str {
        if self.0 < 0 {
            "-"
        } else {
            ""
        }
    }
}

/// The digits of an integer part, with thousands separators (if any)
/// checked and removed. `None` if it is not a well-formed number.
fn ungrouped_digits(int_part: &str) -> Option<String> {
    let mut groups = int_part.split(',');
    let first = groups.next().unwrap_or_default();
    let is_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if !is_digits(first) {
        return None;
    }
    let mut out = first.to_owned();
    if int_part.contains(',') {
        if first.len() > 3 {
            return None;
        }
        for g in groups {
            if g.len() != 3 || !is_digits(g) {
                return None;
            }
            out.push_str(g);
        }
    }
    Some(out)
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.yuan())
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0.saturating_sub(rhs.0))
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Fen> for Fen {
    fn sum<I: Iterator<Item = &'a Fen>>(iter: I) -> Fen {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn parse(raw: &str) -> Result<Fen, ValidationError> {
        Fen::parse_yuan("income", raw)
    }

    #[test]
    fn parses_what_people_and_excel_write() {
        let cases = [
            ("1234", 123_400),
            ("1234.5", 123_450),
            ("1234.56", 123_456),
            ("1,234.56", 123_456),
            ("12,345,678", 1_234_567_800),
            (" 12.30 ", 1_230),
            ("¥12", 1_200),
            ("￥ 12.3", 1_230),
            ("800元", 80_000),
            ("0", 0),
            ("0.01", 1),
            ("007.10", 710),
            ("1000000000", 100_000_000_000),
        ];
        for (raw, fen) in cases {
            assert_eq!(parse(raw), Ok(Fen(fen)), "{raw}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        let cases = [
            ("", "请填写金额"),
            ("   ", "请填写金额"),
            ("-12", "负数"),
            ("−12", "负数"),
            ("12.345", "两位小数"),
            ("12.3a", "格式不正确"),
            ("12a", "格式不正确"),
            ("abc", "格式不正确"),
            ("12.", "格式不正确"),
            (".5", "格式不正确"),
            ("1.2.3", "格式不正确"),
            ("+12", "格式不正确"),
            ("1,23", "格式不正确"),
            ("1234,567", "格式不正确"),
            ("1,234,56", "格式不正确"),
            (",123", "格式不正确"),
            ("1e3", "格式不正确"),
            ("12 34", "格式不正确"),
            ("¥", "格式不正确"),
            ("1000000000.01", "过大"),
            ("440103199001011234", "过大"),
            ("99999999999999999999999999", "过大"),
        ];
        for (raw, message) in cases {
            let e = parse(raw).unwrap_err();
            assert_eq!(e.field, "income", "{raw}");
            assert!(e.message.contains(message), "{raw}: {}", e.message);
        }
    }

    #[test]
    fn blank_is_none_when_optional() {
        assert_eq!(Fen::parse_yuan_opt("low_income_line", " "), Ok(None));
        assert_eq!(
            Fen::parse_yuan_opt("low_income_line", "1200"),
            Ok(Some(Fen(120_000)))
        );
        assert!(Fen::parse_yuan_opt("low_income_line", "-1").is_err());
    }

    #[test]
    fn formats_with_two_decimals() {
        assert_eq!(Fen(123_450).yuan(), "1234.50");
        assert_eq!(Fen(5).yuan(), "0.05");
        assert_eq!(Fen::ZERO.yuan(), "0.00");
        assert_eq!(Fen(-1_230).yuan(), "-12.30");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Fen(i64::MIN).yuan(), "-92233720368547758.08");
        assert_eq!(Fen(123_456_789).yuan_grouped(), "1,234,567.89");
        assert_eq!(Fen(100_000).yuan_grouped(), "1,000.00");
        assert_eq!(Fen(99_999).yuan_grouped(), "999.99");
        assert_eq!(Fen(-48_000_000).yuan_grouped(), "-480,000.00");
    }

    #[test]
    fn arithmetic_saturates_and_sums() {
        assert_eq!(Fen(100) + Fen(250), Fen(350));
        assert_eq!(Fen(100) - Fen(250), Fen(-150));
        assert_eq!(Fen(i64::MAX) + Fen(1), Fen(i64::MAX));
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), None);
        assert_eq!(Fen(1).checked_add(Fen(2)), Some(Fen(3)));
        let all = [Fen(1), Fen(2), Fen(3)];
        assert_eq!(all.iter().sum::<Fen>(), Fen(6));
        assert_eq!(all.into_iter().sum::<Fen>(), Fen(6));
    }

    proptest! {
        #[test]
        fn yuan_round_trips(fen in 0i64..=Fen::MAX_PARSED.0) {
            prop_assert_eq!(parse(&Fen(fen).yuan()), Ok(Fen(fen)));
            prop_assert_eq!(parse(&Fen(fen).yuan_grouped()), Ok(Fen(fen)));
        }

        #[test]
        fn grouped_and_plain_agree(fen in any::<i64>()) {
            let plain = Fen(fen).yuan();
            let grouped: String = Fen(fen).yuan_grouped().chars().filter(|c| *c != ',').collect();
            prop_assert_eq!(plain, grouped);
        }
    }
}
