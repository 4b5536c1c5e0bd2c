//! Resident ID numbers (公民身份号码, GB 11643-1999) and the masking of
//! personal numbers in lists.
//!
//! The ID number is what ties a household file to a person across unions and
//! years, so a mistyped one would split a person into two files or merge two
//! people into one. Each check below catches a different kind of slip, and
//! each has its own message so the person typing knows which part to look at.

use crate::ValidationError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// Province-level codes of GB/T 2260 (the first two digits of an ID number).
const PROVINCE_CODES: [&str; 34] = [
    "11", "12", "13", "14", "15", // 华北
    "21", "22", "23", // 东北
    "31", "32", "33", "34", "35", "36", "37", // 华东
    "41", "42", "43", "44", "45", "46", // 中南
    "50", "51", "52", "53", "54", // 西南
    "61", "62", "63", "64", "65", // 西北
    "71", "81", "82", // 台湾、香港、澳门
];

/// ISO 7064 MOD 11-2 weights for the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each remainder 0..=10.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Birth dates before this are refused: nobody on file was born earlier,
/// and the 1800s are a sign of a slip in the year digits.
const EARLIEST_BIRTH: (i32, u32, u32) = (1900, 1, 1);

/// A validated 18-character resident ID number, stored with an upper-case X.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdNumber(String);

impl IdNumber {
    /// Validates a number typed by a person or read from Excel. `today`
    /// bounds the birth date (passed in so the rule stays free of the clock).
    ///
    /// Checks in the order a person would fix them: length, characters,
    /// province, birth date, then the check digit (which catches a mistyped
    /// or swapped digit anywhere).
    pub fn parse(
        field: &'static str,
        raw: &str,
        today: NaiveDate,
    ) -> Result<IdNumber, ValidationError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValidationError::new(field, "请填写身份证号码"));
        }
        let len = s.chars().count();
        if len != 18 {
            return Err(ValidationError::new(
                field,
                format!("身份证号码应为 18 位（现为 {len} 位）"),
            ));
        }
        let s = s.to_ascii_uppercase();
        let (first17, last) = s.split_at_checked(17).unwrap_or((&s, ""));
        if !first17.bytes().all(|b| b.is_ascii_digit())
            || !last.bytes().all(|b| b.is_ascii_digit() || b == b'X')
        {
            return Err(ValidationError::new(
                field,
                "身份证号码的前 17 位应为数字，最后一位应为数字或 X",
            ));
        }
        if !PROVINCE_CODES.contains(&&s[..2]) {
            return Err(ValidationError::new(
                field,
                "身份证号码的前两位不是有效的省级行政区划代码",
            ));
        }

        let birth = birth_date_of(&s)
            .ok_or_else(|| ValidationError::new(field, "身份证号码中的出生日期不存在"))?;
        let (y, m, d) = EARLIEST_BIRTH;
        if NaiveDate::from_ymd_opt(y, m, d).is_some_and(|earliest| birth < earliest) {
            return Err(ValidationError::new(
                field,
                "身份证号码中的出生日期不能早于 1900 年",
            ));
        }
        if birth > today {
            return Err(ValidationError::new(
                field,
                "身份证号码中的出生日期不能晚于今天",
            ));
        }

        if check_digit(first17).map(String::from).as_deref() != Some(last) {
            return Err(ValidationError::new(field, "身份证号码的校验位不正确"));
        }
        Ok(IdNumber(s))
    }

    /// For values read back from storage (already validated when written).
    pub fn from_stored(s: String) -> IdNumber {
        IdNumber(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        birth_date_of(&self.0)
    }

    /// The 17th digit is odd for men and even for women.
    pub fn sex(&self) -> Sex {
        // An ASCII digit's byte has the digit's parity ('0' is 48).
        match self.0.as_bytes().get(16) {
            Some(b) if b % 2 == 1 => Sex::Male,
            _ => Sex::Female,
        }
    }

    /// First 4 and last 4 characters, the rest as '*': "4401**********123X".
    /// Enough to tell people apart in a list without exposing the number.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

/// Digits 7–14 as a date, if they are one.
fn birth_date_of(s: &str) -> Option<NaiveDate> {
    let digits = s.get(6..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y = digits[..4].parse().ok()?;
    let m = digits[4..6].parse().ok()?;
    let d = digits[6..].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The check digit for 17 digits (useful for tests and demo data
/// generation): returns None unless exactly 17 ASCII digits.
pub fn check_digit(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// Masks an ID number as typed, valid or not (an import names rows by it):
/// first 4 and last 4 characters, the rest as '*'; a text too short to keep
/// both is masked entirely.
pub fn mask_id_number(raw: &str) -> String {
    mask_keeping(raw, 4, 4)
}

/// Masks a phone number for lists: mobile (11 digits) keeps first 3 and
/// last 4 ("138****5678"); anything else keeps the last 4 only, the rest '*'.
pub fn mask_phone(phone: &str) -> String {
    let phone = phone.trim();
    let mobile = phone.len() == 11 && phone.bytes().all(|b| b.is_ascii_digit());
    if mobile {
        mask_keeping(phone, 3, 4)
    } else {
        mask_keeping(phone, 0, 4)
    }
}

/// Masks an address for the audit log, which can never be anonymised: the
/// first 6 characters (city and district, as a rule) stay, the rest is '*'.
pub fn mask_address(address: &str) -> String {
    mask_keeping(address.trim(), 6, 0)
}

/// What the audit log keeps of a free-text note: that there is one and how
/// long it is, never its words (it is sealed in the file and may name an
/// illness).
pub fn note_marker(note: &str) -> String {
    match note.trim().chars().count() {
        0 => String::new(),
        n => format!("（{n} 字）"),
    }
}

/// Keeps `head` characters at the start and `tail` at the end, masking the
/// rest. A value too short to keep both is masked entirely rather than shown.
fn mask_keeping(s: &str, head: usize, tail: usize) -> String {
    let n = s.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_address_keeps_its_district_and_a_note_only_its_length() {
        assert_eq!(mask_address("广州市荔湾区多宝路12号"), "广州市荔湾区******");
        assert_eq!(mask_address("荔湾区"), "***");
        assert_eq!(note_marker("丈夫肝硬化"), "（5 字）");
        assert_eq!(note_marker("  "), "");
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 15).unwrap()
    }

    /// A complete number from its first 17 digits.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_digit(first17).unwrap())
    }

    fn parse(raw: &str) -> Result<IdNumber, ValidationError> {
        IdNumber::parse("id_number", raw, today())
    }

    fn refused(raw: &str) -> String {
        let e = parse(raw).unwrap_err();
        assert_eq!(e.field, "id_number");
        e.message
    }

    #[test]
    fn check_digit_follows_iso_7064() {
        // The worked example of GB 11643-1999.
        assert_eq!(check_digit("11010519491231002"), Some('X'));
        assert_eq!(check_digit("44010619900307223"), Some('4'));
        assert_eq!(check_digit("1101051949123100"), None);
        assert_eq!(check_digit("110105194912310021"), None);
        assert_eq!(check_digit("1101051949123100a"), None);
    }

    #[test]
    fn accepts_a_valid_number() {
        let raw = with_check("44010619900307224");
        let id = parse(&format!("  {raw} ")).unwrap();
        assert_eq!(id.as_str(), raw);
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1990, 3, 7));
        assert_eq!(id.sex(), Sex::Female);
        let man = parse(&with_check("44010619900307213")).unwrap();
        assert_eq!(man.sex(), Sex::Male);
        assert_eq!((Sex::Male.label(), Sex::Male.code()), ("男", "male"));
        assert_eq!((Sex::Female.label(), Sex::Female.code()), ("女", "female"));
    }

    #[test]
    fn lowercase_x_is_stored_upper_case() {
        let id = parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.sex(), Sex::Female);
    }

    #[test]
    fn each_slip_has_its_own_message() {
        let valid = with_check("44010619900307223");
        let wrong_check = format!(
            "{}{}",
            &valid[..17],
            if valid.ends_with('5') { '6' } else { '5' }
        );
        let cases = [
            ("".to_owned(), "请填写"),
            (valid[..17].to_owned(), "应为 18 位（现为 17 位）"),
            (format!("{valid}1"), "应为 18 位（现为 19 位）"),
            ("4401061990030722X3".to_owned(), "前 17 位应为数字"),
            ("44010619900307223Y".to_owned(), "前 17 位应为数字"),
            ("４40106199003072234".to_owned(), "前 17 位应为数字"),
            (with_check("99010619900307223"), "省级行政区划代码"),
            (with_check("00010619900307223"), "省级行政区划代码"),
            (with_check("44010619900230223"), "出生日期不存在"),
            (with_check("44010619901301223"), "出生日期不存在"),
            (with_check("44010618991231223"), "不能早于 1900 年"),
            (with_check("44010620240616223"), "不能晚于今天"),
            (wrong_check, "校验位不正确"),
            ("11010519491231002Y".to_owned(), "前 17 位应为数字"),
            ("110105194912310021".to_owned(), "校验位不正确"),
        ];
        for (raw, message) in cases {
            let got = refused(&raw);
            assert!(got.contains(message), "{raw}: {got}");
        }
    }

    #[test]
    fn birth_date_today_is_allowed() {
        assert!(parse(&with_check("44010620240615223")).is_ok());
    }

    #[test]
    fn all_province_codes_are_accepted() {
        for code in PROVINCE_CODES {
            let id = with_check(&format!("{code}010619900307223"));
            assert!(parse(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn masks() {
        let id = parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        let stored = IdNumber::from_stored("44010619900307123X".to_owned());
        assert_eq!(stored.masked(), "4401**********123X");
        assert_eq!(mask_phone("13800135678"), "138****5678");
        assert_eq!(mask_phone(" 13800135678 "), "138****5678");
        assert_eq!(mask_phone("020-12345678"), "********5678");
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_phone(""), "");
        assert_eq!(IdNumber::from_stored("short".to_owned()).masked(), "*****");
        assert_eq!(mask_id_number("4401031980"), "4401**1980");
        assert_eq!(mask_id_number("12345678"), "********");
    }

    proptest! {
        #[test]
        fn every_generated_number_parses(
            province in proptest::sample::select(PROVINCE_CODES.to_vec()),
            area in 0u32..10_000,
            days in 0i64..45_000,
            seq in 0u32..1_000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assume!(birth <= today());
            let first17 = format!("{province}{area:04}{}{seq:03}", birth.format("%Y%m%d"));
            let id = parse(&with_check(&first17)).unwrap();
            prop_assert_eq!(id.birth_date(), Some(birth));
            prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
        }

        #[test]
        fn changing_one_digit_is_caught(pos in 0usize..17, delta in 1u8..10) {
            let valid = with_check("44010619900307223");
            let mut bytes = valid.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(parse(&changed).is_err());
        }
    }
}
