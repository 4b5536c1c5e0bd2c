//! Administrative divisions (GB/T 2260) down to county level.
//!
//! The table ships inside the binary (`data/divisions.csv`, see its licence
//! file) so a union's region can be checked without any network or database.

use crate::ValidationError;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const CSV: &str = include_str!("../../../data/divisions.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Division {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

fn table() -> &'static HashMap<String, Division> {
    static TABLE: OnceLock<HashMap<String, Division>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CSV.lines()
            .skip(1)
            .filter_map(|line| {
                let mut parts = line.split(',');
                let code = parts.next()?.trim().to_owned();
                let name = parts.next()?.trim().to_owned();
                let parent = parts.next().map(str::trim).filter(|p| !p.is_empty());
                Some((
                    code.clone(),
                    Division {
                        code,
                        name,
                        parent_code: parent.map(str::to_owned),
                    },
                ))
            })
            .collect()
    })
}

pub fn lookup(code: &str) -> Option<&'static Division> {
    table().get(code)
}

/// The division's name with its ancestors, e.g. "广东省 广州市 荔湾区".
pub fn full_name(code: &str) -> Option<String> {
    let mut names = Vec::new();
    let mut cur = lookup(code);
    while let Some(d) = cur {
        names.push(d.name.as_str());
        cur = d.parent_code.as_deref().and_then(lookup);
    }
    if names.is_empty() {
        return None;
    }
    names.reverse();
    Some(names.join(" "))
}

/// A six-digit administrative division code that exists in the shipped table.
/// `000000` stands for the whole country (the national union).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DivisionCode(String);

pub const NATIONAL: &str = "000000";

impl DivisionCode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new(
                "division_code",
                "行政区划代码须为 6 位数字（GB/T 2260）",
            ));
        }
        if s != NATIONAL && lookup(s).is_none() {
            return Err(ValidationError::new(
                "division_code",
                format!("行政区划代码 {s} 不存在"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The leading digits every code inside this division starts with: two
    /// for a province (`440000` → `44`), four for a city (`440100` →
    /// `4401`), all six below; empty for the whole country. A list filtered
    /// "in this region" matches codes by this prefix.
    pub fn prefix(&self) -> &str {
        let s = self.0.as_str();
        if s == NATIONAL {
            ""
        } else if s.ends_with("0000") {
            &s[..2]
        } else if s.ends_with("00") {
            &s[..4]
        } else {
            s
        }
    }

    pub fn name(&self) -> String {
        if self.0 == NATIONAL {
            return "全国".to_owned();
        }
        full_name(&self.0).unwrap_or_else(|| self.0.clone())
    }
}

/// All divisions whose parent is `code` (`None`: the provinces), sorted by code.
pub fn children(code: Option<&str>) -> Vec<&'static Division> {
    let mut v: Vec<_> = table()
        .values()
        .filter(|d| d.parent_code.as_deref() == code)
        .collect();
    v.sort_by(|a, b| a.code.cmp(&b.code));
    v
}

/// Whether `code` is `ancestor` or lies under it (`000000` contains all).
pub fn is_within(code: &str, ancestor: &str) -> bool {
    if ancestor == NATIONAL || code == ancestor {
        return true;
    }
    let mut cur = lookup(code).and_then(|d| d.parent_code.as_deref());
    while let Some(p) = cur {
        if p == ancestor {
            return true;
        }
        cur = lookup(p).and_then(|d| d.parent_code.as_deref());
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_region_filter_matches_by_the_division_prefix() {
        for (code, prefix) in [
            ("000000", ""),
            ("440000", "44"),
            ("440100", "4401"),
            ("440103", "440103"),
        ] {
            let d = super::DivisionCode::parse(code).unwrap();
            assert_eq!(d.prefix(), prefix, "{code}");
        }
    }

    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(lookup("440000").map(|d| d.name.as_str()), Some("广东省"));
        assert_eq!(full_name("440100").as_deref(), Some("广东省 广州市"));
        assert!(DivisionCode::parse("450403").is_ok());
        assert!(DivisionCode::parse("000000").is_ok());
        assert!(DivisionCode::parse("44010").is_err());
        assert!(DivisionCode::parse("999999").is_err());
        assert!(children(None).len() >= 31);
    }
}

#[cfg(test)]
mod within_tests {
    use super::*;

    #[test]
    fn within() {
        assert!(is_within("440103", "440100"));
        assert!(is_within("440103", "440000"));
        assert!(is_within("440103", NATIONAL));
        assert!(!is_within("440103", "440300"));
        assert!(!is_within("440000", "440100"));
    }
}
