//! The password policy: at least 8 characters from at least 3 of the 4
//! classes (lower case, upper case, digits, symbols); not one of the most
//! common passwords (nor one with a common word behind a few digits or
//! look-alike characters); for an account, not containing its user name and
//! not one of its last [`REMEMBERED`] passwords (checked by the service,
//! which holds the hashes, against [`PasswordPolicyError::Reused`]).

use crate::Username;
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

pub const MIN_LEN: usize = 8;
/// Argon2 hashes anything, but an unbounded input is a cheap denial of service.
pub const MAX_LEN: usize = 128;
/// How many of an account's passwords (the current one included) a new one
/// must differ from.
pub const REMEMBERED: usize = 5;

/// The most common passwords, lower case, one a line: the first 4,000 of
/// the 20,000 Django ships (Royce Williams' list, from public breaches)
/// that have 4 characters or more and are not all digits, and a few more
/// common in China or obvious here (`woaini1314`, `gonghui`, `bangfu`).
const COMMON_LIST: &str = include_str!("common_passwords.txt");

fn common_list() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        COMMON_LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Whether `raw` is a common password, or a common word dressed up: case
/// ignored, digits and symbols around it stripped (`Qwerty123`, `2026!Dragon`),
/// look-alike characters read back as letters (`P@ssw0rd`).
fn is_common(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    let core = lower
        .trim_end_matches(|c: char| !c.is_alphabetic())
        .trim_start_matches(|c: char| !c.is_alphabetic());
    let unleet: String = core
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .collect();
    let list = common_list();
    let common = [lower.as_str(), core, unleet.as_str()]
        .into_iter()
        .any(|form| form.chars().count() >= 4 && list.contains(form));
    common
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("密码至少需要 8 个字符")]
    TooShort,
    #[error("密码不能超过 128 个字符")]
    TooLong,
    #[error("密码需包含大写字母、小写字母、数字、符号中的至少三类")]
    TooFewClasses,
    #[error("密码过于常见（属于常见密码或常见单词加数字、符号），容易被猜中，请换一个")]
    Common,
    #[error("密码不能包含用户名")]
    ContainsUsername,
    #[error("新密码不能与最近 5 次使用过的密码相同")]
    Reused,
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
        if is_common(raw) {
            return Err(PasswordPolicyError::Common);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The policy for `username`'s password: [`Password::parse`], and the
    /// name must not appear in it (case ignored).
    pub fn for_user(raw: &str, username: &Username) -> Result<Self, PasswordPolicyError> {
        let p = Self::parse(raw)?;
        if raw.to_lowercase().contains(username.as_str()) {
            return Err(PasswordPolicyError::ContainsUsername);
        }
        Ok(p)
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
            ("xbcdefG1", Ok(())),
            ("xbcdef!1", Ok(())),
            ("XBCDEF!1", Ok(())),
            ("Xbcdefg!", Ok(())),
            ("帮扶帮扶帮扶A1", Ok(())),
            ("Test-Pass-2026", Ok(())),
            // Common ones, and common words dressed up.
            ("Password1", Err(PasswordPolicyError::Common)),
            ("Passw0rd", Err(PasswordPolicyError::Common)),
            ("P@ssw0rd!", Err(PasswordPolicyError::Common)),
            ("Qwerty123", Err(PasswordPolicyError::Common)),
            ("abcdefG1", Err(PasswordPolicyError::Common)),
            ("2026!Dragon", Err(PasswordPolicyError::Common)),
            ("Woaini1314", Err(PasswordPolicyError::Common)),
            ("Bangfu@2026", Err(PasswordPolicyError::Common)),
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
    fn an_accounts_password_does_not_contain_its_name() {
        let Ok(name) = Username::parse("Zhangwei") else {
            panic!("username")
        };
        for raw in ["Zhangwei-2026", "x-ZHANGWEI-1", "my.zhangwei.K9"] {
            assert_eq!(
                Password::for_user(raw, &name).map(|_| ()),
                Err(PasswordPolicyError::ContainsUsername),
                "{raw}"
            );
        }
        assert_eq!(
            Password::for_user("Zhang-Wei-2026", &name).map(|_| ()),
            Ok(())
        );
        // The general policy comes first.
        assert_eq!(
            Password::for_user("zhangwei", &name).map(|_| ()),
            Err(PasswordPolicyError::TooFewClasses)
        );
    }

    #[test]
    fn the_common_list_is_bundled_and_lower_case() {
        let list = common_list();
        assert!(list.len() > 3000, "{}", list.len());
        assert!(list.iter().all(|w| *w == w.to_lowercase()));
        assert!(list.contains("password") && list.contains("woaini"));
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::parse("Vq7#Lark-Tide").map_err(|e| e.to_string());
        assert_eq!(format!("{p:?}"), "Ok(Password(***))");
    }

    proptest! {
        #[test]
        fn accepted_passwords_meet_every_rule(raw in "\\PC{0,40}") {
            if let Ok(p) = Password::parse(&raw) {
                let n = p.expose().chars().count();
                prop_assert!((MIN_LEN..=MAX_LEN).contains(&n));
                prop_assert!(classes(p.expose()) >= 3);
                prop_assert!(!common_list().contains(p.expose().to_lowercase().as_str()));
            }
        }
    }
}
