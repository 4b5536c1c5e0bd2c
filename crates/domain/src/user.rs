use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A login name: 3–32 characters of ASCII letters, digits, `.`, `_`, `-`,
/// starting with a letter. Stored lower-case so `Zhang` and `zhang` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim().to_ascii_lowercase();
        let ok_len = (3..=32).contains(&s.len());
        let ok_first = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok_len && ok_first && ok_chars {
            Ok(Self(s))
        } else {
            Err(ValidationError::new(
                "username",
                "用户名须为 3–32 位字母、数字、点、下划线或连字符，并以字母开头",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as shown in the interface (Chinese names, 1–50 characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let n = s.chars().count();
        if n == 0 || n > 50 || s.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "display_name",
                "姓名不能为空，且不超过 50 个字符",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in [
            "abc",
            "Zhang.San",
            "li_si-2",
            "a23456789012345678901234567890ab",
        ] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "ab", "1abc", "张三", "a b c", "a@b.c", &"a".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Username::parse(" Zhang ").map(|u| u.to_string()),
            Ok("zhang".into())
        );
    }

    #[test]
    fn display_names() {
        assert!(DisplayName::parse("张三").is_ok());
        assert!(DisplayName::parse("  ").is_err());
        assert!(DisplayName::parse(&"张".repeat(51)).is_err());
    }
}
