//! The password policy: at least 8 characters from at least 3 of the 4
//! classes (lower case, upper case, digits, symbols).

use std::fmt;

pub const MIN_LEN: usize = 8;
/// Argon2 hashes anything, but an unbounded input is a cheap denial of service.
pub const MAX_LEN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("密码至少需要 8 个字符")]
    TooShort,
    #[error("密码不能超过 128 个字符")]
    TooLong,
    #[error("密码需包含大写字母、小写字母、数字、符号中的至少三类")]
    TooFewClasses,
}

/// A password that satisfies the policy. It never prints its content.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, PasswordPolicyError> {
        let len = raw.chars().count();
        if len < MIN_LEN {
            return Err(PasswordPolicyError::TooShort);
        }
        if len > MAX_LEN {
            return Err(PasswordPolicyError::TooLong);
        }
        if classes(raw) < 3 {
            return Err(PasswordPolicyError::TooFewClasses);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

fn classes(raw: &str) -> usize {
    let lower = raw.chars().any(|c| c.is_lowercase());
    let upper = raw.chars().any(|c| c.is_uppercase());
    let digit = raw.chars().any(|c| c.is_ascii_digit());
    // Anything that is not a cased letter or a digit (punctuation, Chinese
    // characters) counts as a symbol.
    let symbol = raw
        .chars()
        .any(|c| !(c.is_lowercase() || c.is_uppercase() || c.is_ascii_digit()));
    [lower, upper, digit, symbol]
        .into_iter()
        .filter(|b| *b)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn policy_table() {
        let cases = [
            ("", Err(PasswordPolicyError::TooShort)),
            ("Ab1!", Err(PasswordPolicyError::TooShort)),
            ("abcdefgh", Err(PasswordPolicyError::TooFewClasses)),
            ("abcdefg1", Err(PasswordPolicyError::TooFewClasses)),
            ("abcdefG1", Ok(())),
            ("abcdef!1", Ok(())),
            ("ABCDEF!1", Ok(())),
            ("Abcdefg!", Ok(())),
            ("帮扶帮扶帮扶A1", Ok(())),
        ];
        for (raw, expected) in cases {
            assert_eq!(Password::parse(raw).map(|_| ()), expected, "{raw:?}");
        }
        assert_eq!(
            Password::parse(&"Aa1!".repeat(33)).map(|_| ()),
            Err(PasswordPolicyError::TooLong)
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::parse("Secret#2026").map_err(|e| e.to_string());
        assert_eq!(format!("{p:?}"), "Ok(Password(***))");
    }

    proptest! {
        #[test]
        fn accepted_passwords_meet_every_rule(raw in "\\PC{0,40}") {
            if let Ok(p) = Password::parse(&raw) {
                let n = p.expose().chars().count();
                prop_assert!((MIN_LEN..=MAX_LEN).contains(&n));
                prop_assert!(classes(p.expose()) >= 3);
            }
        }
    }
}
