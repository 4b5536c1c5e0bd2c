//! Two-factor sign-in (两步验证): TOTP codes (RFC 6238: SHA-1, 6 digits,
//! 30-second steps) from an authenticator app, and one-time recovery codes.
//!
//! A user enrols (a secret is shown as a QR code and in text, confirmed with
//! a code; ten recovery codes are shown once), sees how many recovery codes
//! remain, replaces them and, where their roles do not require two-factor,
//! turns it off; both need a current code. An administrator resets a user's
//! two-factor: the user must enrol again before anything else and all their
//! sessions end. Every change is audited.
//!
//! A code is accepted only for a time step later than the last one accepted
//! (no replay), and a wrong code counts toward the name's lockout exactly as
//! a wrong password does (`auth.rs` uses [`check_code`] and
//! [`count_failure`] for the second step of signing in).
//!
//! The secret is stored as it is (base32); it is to be encrypted at rest
//! once the server has a key file.

use crate::audit::{Owned, Record, Who};
use crate::crypto::token_hash;
use crate::{now, Actor, ServiceError, Services, Settings};
use bangfu_domain::audit::Action;
use bangfu_domain::{Permission, UserId, ValidationError};
use bangfu_storage::throttle::{self, Throttle};
use bangfu_storage::two_factor as store;
use bangfu_storage::users::{self, User};
use bangfu_storage::{sessions, Conn};
use chrono::NaiveDateTime;
use rand::RngCore;
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds of one TOTP time step.
const STEP: u64 = 30;
/// How many recovery codes a user is given.
pub const RECOVERY_CODES: usize = 10;
/// The issuer an authenticator app shows beside the account.
pub const ISSUER: &str = "帮扶 Bangfu";
/// Seconds within which the code of a sign-in half done must be given.
pub const CHALLENGE_SECONDS: u64 = 300;

/// How the second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Factor {
    Totp,
    RecoveryCode,
}

impl Factor {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Factor::Totp => "totp",
            Factor::RecoveryCode => "recovery_code",
        }
    }
}

/// A user's two-factor state, as they see it on their account page.
#[derive(Debug, Clone)]
pub struct TwoFactorStatus {
    pub enrolled_at: Option<NaiveDateTime>,
    /// Their roles (or an administrator's reset) require it: it cannot be turned off.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// A secret being enrolled: shown to the user once as a QR code (`uri`) and in text.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32, as typed into an authenticator app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` URI the QR code carries.
    pub uri: String,
}

/// Whether the policy requires two-factor of this user: one of their roles
/// is listed in [`Settings::two_factor_roles`], or an administrator reset it.
pub(crate) fn required(settings: &Settings, user: &User) -> bool {
    user.two_factor_reenrol
        || user
            .roles
            .iter()
            .any(|r| settings.two_factor_roles.contains(&r))
}

/// Whether the user must enrol before doing anything else.
pub(crate) fn enrolment_due(settings: &Settings, user: &User) -> bool {
    user.two_factor_enrolled_at.is_none() && required(settings, user)
}

fn unix(at: NaiveDateTime) -> u64 {
    u64::try_from(at.and_utc().timestamp()).unwrap_or(0)
}

fn totp(secret: &str) -> Result<TOTP, ServiceError> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|_| ServiceError::Internal("a stored TOTP secret is not base32".into()))?;
    Ok(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP, bytes))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The time step whose code `code` is, within one step either side of `at`.
fn matching_step(secret: &str, code: &str, at: NaiveDateTime) -> Result<Option<i64>, ServiceError> {
    let t = totp(secret)?;
    let current = unix(at) / STEP;
    let steps = [current, current.saturating_sub(1), current + 1];
    Ok(steps
        .into_iter()
        .find(|s| same(&t.generate(s * STEP), code))
        .and_then(|s| i64::try_from(s).ok()))
}

/// Six digits, spaces allowed (as apps show them: "123 456").
fn as_totp(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A recovery code as typed: case, spaces and dashes do not matter.
fn normal_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Ten fresh recovery codes (`xxxxx-xxxxx`, 50 random bits each) and their hashes.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz"; // no 0/o, 1/l/i
    let mut rng = rand::rngs::OsRng;
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let s: String = (0..10)
                .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
                .collect();
            format!("{}-{}", &s[..5], &s[5..])
        })
        .collect();
    let hashes = codes
        .iter()
        .map(|c| token_hash(&normal_recovery(c)))
        .collect();
    (codes, hashes)
}

fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => String::new(),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `otpauth://` URI of a secret for `username` (Key Uri Format).
pub fn otpauth_uri(secret: &str, username: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        percent(ISSUER),
        percent(username),
        percent(ISSUER)
    )
}

/// Checks a code against the user's enrolled secret (six digits) or their
/// recovery codes (anything else); a TOTP code is used up with its step, a
/// recovery code is deleted. `None`: wrong, or used already.
pub(crate) fn check_code(
    c: &mut Conn,
    user: UserId,
    code: &str,
    at: NaiveDateTime,
) -> Result<Option<Factor>, ServiceError> {
    let Some(s) = store::secrets(c, user)? else {
        return Ok(None);
    };
    let Some(secret) = s.totp_secret.as_deref() else {
        return Ok(None);
    };
    if let Some(digits) = as_totp(code) {
        return Ok(match matching_step(secret, &digits, at)? {
            Some(step) if store::accept_step(c, user, step)? => Some(Factor::Totp),
            _ => None,
        });
    }
    let normal = normal_recovery(code);
    if normal.len() != 10 {
        return Ok(None);
    }
    Ok(store::use_code(c, user, &token_hash(&normal))?.then_some(Factor::RecoveryCode))
}

/// Until when `username` is locked, if it is now.
pub(crate) fn locked_until(
    c: &mut Conn,
    username: &str,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, ServiceError> {
    Ok(throttle::get(c, username)?
        .and_then(|t| t.locked_until)
        .filter(|until| *until > at))
}

/// Counts a wrong code toward the name's lockout, as a wrong password is
/// counted; `true` when it locked the name now.
pub(crate) fn count_failure(
    c: &mut Conn,
    settings: &Settings,
    username: &str,
    at: NaiveDateTime,
) -> Result<bool, ServiceError> {
    let failures = throttle::count_failure(c, username, at)?;
    if failures < settings.lockout_failures {
        return Ok(false);
    }
    let lock = chrono::Duration::from_std(settings.lockout_duration)
        .unwrap_or(chrono::Duration::minutes(15));
    throttle::put(
        c,
        &Throttle {
            username: username.to_owned(),
            failures: 0,
            locked_until: Some(at + lock),
            updated_at: at,
        },
    )?;
    Ok(true)
}

fn minutes(settings: &Settings) -> i64 {
    i64::try_from(settings.lockout_duration.as_secs().div_ceil(60)).unwrap_or(15)
}

fn wrong_code() -> ServiceError {
    ServiceError::Invalid(ValidationError::new(
        "code",
        "验证码不正确或已用过：请输入验证器应用上当前显示的 6 位数字，或一个未用过的恢复码",
    ))
}

fn code_required() -> ServiceError {
    ServiceError::Invalid(ValidationError::new("code", "请输入验证码"))
}

impl Services {
    /// Whether two-factor is required of `user` (their roles, or a reset).
    pub fn two_factor_required(&self, user: &User) -> bool {
        required(&self.settings, user)
    }

    pub async fn two_factor_status(&self, actor: &Actor) -> Result<TwoFactorStatus, ServiceError> {
        let a = actor.clone();
        let required = self.two_factor_required(&actor.user);
        self.read(move |c| {
            let s = store::secrets(c, a.user.id)?.ok_or(ServiceError::NotFound("用户"))?;
            Ok(TwoFactorStatus {
                enrolled_at: s.totp_enrolled_at,
                required: required || s.two_factor_reenrol,
                recovery_codes_left: if s.totp_enrolled_at.is_some() {
                    store::codes_left(c, a.user.id)?
                } else {
                    0
                },
            })
        })
        .await
    }

    /// Starts enrolment: a new secret (or the one shown before and not yet
    /// confirmed, so reloading the page keeps the QR code the app scanned).
    pub async fn two_factor_begin(&self, actor: &Actor) -> Result<Enrolment, ServiceError> {
        let a = actor.clone();
        self.write(move |c| {
            let s = store::secrets(c, a.user.id)?.ok_or(ServiceError::NotFound("用户"))?;
            if s.totp_enrolled_at.is_some() {
                return Err(ServiceError::Conflict {
                    field: "code",
                    message: "已启用两步验证。如需更换手机，请先停用再重新启用，或请管理员重置"
                        .into(),
                });
            }
            let secret = match s.totp_pending_secret {
                Some(p) => p,
                None => {
                    let fresh = new_secret();
                    store::set_pending(c, a.user.id, &fresh)?;
                    Record::of(Action::EnrolTwoFactor, "user", a.user.id, a.user.owner())
                        .after(json!({ "stage": "secret_shown" }))
                        .write(c, Who::Actor(&a))?;
                    fresh
                }
            };
            Ok(Enrolment {
                uri: otpauth_uri(&secret, &a.user.username),
                secret,
            })
        })
        .await
    }

    /// Confirms enrolment with a code of the secret shown; returns the
    /// recovery codes, shown this once. The user's other sessions end.
    pub async fn two_factor_confirm(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<Vec<String>, ServiceError> {
        let digits = as_totp(code).ok_or_else(|| {
            ServiceError::Invalid(ValidationError::new(
                "code",
                "请输入验证器应用上显示的 6 位数字",
            ))
        })?;
        let a = actor.clone();
        self.write(move |c| {
            let at = now();
            let s = store::secrets(c, a.user.id)?.ok_or(ServiceError::NotFound("用户"))?;
            if s.totp_enrolled_at.is_some() {
                return Ok(Err(ServiceError::Conflict {
                    field: "code",
                    message: "已启用两步验证".into(),
                }));
            }
            let Some(secret) = s.totp_pending_secret else {
                return Ok(Err(ServiceError::Rule(
                    "请先打开“启用两步验证”页面，用验证器应用扫描二维码".into(),
                )));
            };
            let Some(step) = matching_step(&secret, &digits, at)? else {
                Record {
                    success: false,
                    ..Record::of(Action::EnrolTwoFactor, "user", a.user.id, a.user.owner())
                }
                .after(json!({ "stage": "confirm", "result": "bad_code" }))
                .write(c, Who::Actor(&a))?;
                return Ok(Err(wrong_code()));
            };
            store::enrol(c, a.user.id, &secret, step, at)?;
            let (codes, hashes) = new_recovery_codes();
            store::replace_codes(c, a.user.id, &hashes, at)?;
            let ended = sessions::delete_for_user(c, a.user.id, Some(&a.session_hash))?;
            Record::of(Action::EnrolTwoFactor, "user", a.user.id, a.user.owner())
                .after(json!({
                    "stage": "enrolled",
                    "recovery_codes": RECOVERY_CODES,
                    "sessions_ended": ended,
                }))
                .write(c, Who::Actor(&a))?;
            Ok(Ok(codes))
        })
        .await?
    }

    /// Checks a current code of the signed-in user for a change to their
    /// two-factor (in the caller's transaction): a locked name refuses it,
    /// a wrong one counts toward the lockout and is audited under `action`.
    fn confirm_with_code(
        c: &mut Conn,
        settings: &Settings,
        a: &Actor,
        code: &str,
        action: Action,
    ) -> Result<Result<Factor, ServiceError>, ServiceError> {
        let at = now();
        let refused = |c: &mut Conn, result: &str| {
            Record {
                success: false,
                ..Record::of(action, "user", a.user.id, a.user.owner())
            }
            .after(json!({ "result": result }))
            .write(c, Who::Actor(a))
        };
        if let Some(until) = locked_until(c, &a.user.username, at)? {
            refused(c, "locked")?;
            return Ok(Err(ServiceError::Locked {
                minutes: ((until - at).num_seconds() + 59).max(60) / 60,
            }));
        }
        match check_code(c, a.user.id, code, at)? {
            Some(f) => Ok(Ok(f)),
            None => {
                let locked = count_failure(c, settings, &a.user.username, at)?;
                refused(c, if locked { "locked_now" } else { "bad_code" })?;
                Ok(Err(if locked {
                    ServiceError::Locked {
                        minutes: minutes(settings),
                    }
                } else {
                    wrong_code()
                }))
            }
        }
    }

    /// Replaces the caller's recovery codes (needs a current code); returns
    /// the new ones, shown this once.
    pub async fn two_factor_regenerate(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<Vec<String>, ServiceError> {
        code_given(actor, code)?;
        let (a, settings, code) = (actor.clone(), self.settings.clone(), code.to_owned());
        self.write(move |c| {
            let action = Action::RegenerateRecoveryCodes;
            let factor = match Self::confirm_with_code(c, &settings, &a, &code, action)? {
                Ok(f) => f,
                Err(e) => return Ok(Err(e)),
            };
            let (codes, hashes) = new_recovery_codes();
            store::replace_codes(c, a.user.id, &hashes, now())?;
            Record::of(action, "user", a.user.id, a.user.owner())
                .after(json!({ "recovery_codes": RECOVERY_CODES, "factor": factor.code() }))
                .write(c, Who::Actor(&a))?;
            Ok(Ok(codes))
        })
        .await?
    }

    /// Turns the caller's two-factor off (needs a current code or a recovery
    /// code): refused where their roles require it. Their other sessions end.
    pub async fn two_factor_disable(&self, actor: &Actor, code: &str) -> Result<(), ServiceError> {
        if self.two_factor_required(&actor.user) {
            return Err(ServiceError::Rule(
                "您的角色须使用两步验证，不能停用。更换手机请用恢复码登录后联系管理员重置".into(),
            ));
        }
        code_given(actor, code)?;
        let (a, settings, code) = (actor.clone(), self.settings.clone(), code.to_owned());
        self.write(move |c| {
            let action = Action::DisableTwoFactor;
            let factor = match Self::confirm_with_code(c, &settings, &a, &code, action)? {
                Ok(f) => f,
                Err(e) => return Ok(Err(e)),
            };
            store::clear(c, a.user.id, false)?;
            let ended = sessions::delete_for_user(c, a.user.id, Some(&a.session_hash))?;
            Record::of(action, "user", a.user.id, a.user.owner())
                .after(json!({ "factor": factor.code(), "sessions_ended": ended }))
                .write(c, Who::Actor(&a))?;
            Ok(Ok(()))
        })
        .await?
    }

    /// An administrator resets the two-factor of a user in their subtree
    /// (a lost phone without recovery codes): the secret and recovery codes
    /// are forgotten, the user must enrol again at their next sign-in,
    /// whatever their roles, and every session of theirs ends. Returns how
    /// many sessions ended.
    pub async fn user_two_factor_reset(
        &self,
        actor: &Actor,
        id: UserId,
    ) -> Result<usize, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let user = users::find(c, &scope, id)?.ok_or(ServiceError::NotFound("用户"))?;
            let was = store::codes_left(c, id)?;
            store::clear(c, id, true)?;
            let ended = sessions::delete_for_user(c, id, None)?;
            Record::of(Action::ResetTwoFactor, "user", id, user.owner())
                .before(json!({
                    "enrolled": user.two_factor_enrolled_at.is_some(),
                    "recovery_codes_left": was,
                }))
                .after(json!({ "must_enrol": true, "sessions_ended": ended }))
                .write(c, Who::Actor(&a))?;
            Ok(ended)
        })
        .await
    }

    /// The operator resets a user's two-factor at the command line (an
    /// administrator who lost their phone and their recovery codes, when no
    /// other administrator can): as [`Services::user_two_factor_reset`].
    pub async fn operator_reset_two_factor(
        &self,
        _: crate::Operator,
        username: &str,
    ) -> Result<(User, usize), ServiceError> {
        let name = username.trim().to_ascii_lowercase();
        self.write(move |c| {
            let (user, _) = users::credentials(c, &name)?.ok_or(ServiceError::NotFound("用户"))?;
            store::clear(c, user.id, true)?;
            let ended = sessions::delete_for_user(c, user.id, None)?;
            Record::of(Action::ResetTwoFactor, "user", user.id, user.owner())
                .before(json!({ "enrolled": user.two_factor_enrolled_at.is_some() }))
                .after(json!({ "must_enrol": true, "sessions_ended": ended, "by": "command_line" }))
                .write(c, Who::Operator)?;
            Ok((user, ended))
        })
        .await
    }
}

/// What an act needing a current code checks first: a code was typed, and
/// the caller has two-factor to check it against.
fn code_given(actor: &Actor, code: &str) -> Result<(), ServiceError> {
    if code.trim().is_empty() {
        return Err(code_required());
    }
    if actor.user.two_factor_enrolled_at.is_none() {
        return Err(ServiceError::Rule("尚未启用两步验证".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238, appendix B (SHA-1, 8 digits there; the last 6 here).
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        let t = totp(&secret).unwrap();
        assert_eq!(t.generate(59), "287082");
        assert_eq!(t.generate(1_111_111_109), "081804");
        assert_eq!(t.generate(2_000_000_000), "279037");
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(as_totp(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(as_totp("12345"), None);
        assert_eq!(normal_recovery("AbCdE-fGh2k"), "abcdefgh2k");
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(
            hashes[0],
            token_hash(&normal_recovery(&codes[0].to_uppercase()))
        );
    }

    #[test]
    fn uri_names_issuer_and_account() {
        let uri = otpauth_uri("ABC", "li.hua");
        assert!(uri.starts_with("otpauth://totp/%E5%B8%AE%E6%89%B6%20Bangfu:li.hua?secret=ABC&"));
        assert!(uri.contains("issuer=%E5%B8%AE%E6%89%B6%20Bangfu"));
        assert_eq!(new_secret().len(), 32);
    }
}
