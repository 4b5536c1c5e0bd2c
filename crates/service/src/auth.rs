//! Signing in and out, sessions, lockout, password changes.

use crate::audit::{self, Owned, Record, Who};
use crate::crypto::{hash_password, random_token, token_hash, verify_any, verify_password};
use crate::two_factor::{self, CHALLENGE_SECONDS};
use crate::{now, Actor, Origin, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_storage::rate;
use bangfu_storage::sessions::{self, Session};
use bangfu_storage::throttle::{self, Throttle};
use bangfu_storage::two_factor::{self as two_factor_store, Challenge};
use bangfu_storage::users::{self, User};
use bangfu_storage::Conn;
use chrono::Duration as ChronoDuration;
use serde_json::json;

/// The longest name a login attempt is counted under; longer input is cut so
/// the throttle table cannot be stuffed with huge keys.
const MAX_ATTEMPT_NAME: usize = 64;

#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The secret to present on later requests (cookie or bearer token).
    pub token: String,
    pub csrf_token: String,
    pub user: User,
    /// Two-factor is required of this user and not yet enrolled: the
    /// session may do nothing but enrol (and sign out).
    pub two_factor_enrolment_due: bool,
}

/// Where a right password leads.
#[derive(Debug, Clone)]
pub enum LoginStep {
    /// Signed in.
    Done(Box<LoginOutcome>),
    /// The user has two-factor: a code is due, given with this challenge
    /// (single use, expires in `expires_in` seconds) to
    /// [`Services::login_two_factor`]. No session yet.
    CodeDue { challenge: String, expires_in: u64 },
}

fn chrono(d: std::time::Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX)
}

fn minutes_left(until: chrono::NaiveDateTime) -> i64 {
    ((until - now()).num_seconds() + 59).max(60) / 60
}

/// The audit entry of a login attempt (`result` says how it ended).
fn attempt_record<'a>(
    user: Option<&'a User>,
    kind: &'static str,
    result: &str,
    success: bool,
) -> Record<'a> {
    Record {
        action: Action::Login,
        object_kind: "session",
        object_id: None,
        union: user.map(|u| (u.union_id.0, &u.union_path)),
        before: None,
        after: Some(json!({ "kind": kind, "result": result })),
        success,
    }
}

/// Opens a session of `kind` for `u`, who has just signed in.
fn open_session(
    c: &mut Conn,
    u: &User,
    kind: &str,
    origin: &Origin,
    settings: &crate::Settings,
) -> Result<LoginOutcome, ServiceError> {
    let at = now();
    users::record_login(c, u.id, at)?;
    let token = random_token();
    let csrf_token = random_token();
    sessions::insert(
        c,
        &Session {
            token_hash: token_hash(&token),
            user_id: u.id.0,
            kind: kind.to_owned(),
            csrf_token: csrf_token.clone(),
            created_at: at,
            last_seen_at: at,
            ip: origin.ip.clone(),
            device: origin.device.clone(),
        },
    )?;
    Ok(LoginOutcome {
        token,
        csrf_token,
        two_factor_enrolment_due: two_factor::enrolment_due(settings, u),
        user: u.clone(),
    })
}

impl Services {
    /// Checks a name and password and opens a session of `kind` (`web` or `api`).
    ///
    /// Every attempt is audited. Failures are counted per name, whether the
    /// name exists or not, and a name is locked after too many; they are
    /// also counted per client address, whatever the names, and an address
    /// is refused (429) after too many in a window, so one address can
    /// neither try many names nor lock accounts in bulk. A disabled account
    /// is answered exactly as a wrong password (the log says which it was).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: &'static str,
        origin: Origin,
    ) -> Result<LoginStep, ServiceError> {
        let name: String = username
            .trim()
            .to_ascii_lowercase()
            .chars()
            .take(MAX_ATTEMPT_NAME)
            .collect();
        if name.is_empty() {
            return Err(ServiceError::Invalid(bangfu_domain::ValidationError::new(
                "username",
                "请输入用户名",
            )));
        }
        let settings = self.settings.clone();
        let address = format!("login_address:{}", origin.throttle_key());

        // The attempt is counted against the address before the password is
        // checked, so a burst in parallel cannot slip past the limit; a
        // successful login takes its count back.
        let (lookup_name, addr, o) = (name.clone(), address.clone(), origin.clone());
        let window = chrono(settings.login_address_window);
        let (throttled, creds) = self
            .write(move |c| {
                let at = now();
                let count = rate::hit(c, &addr, 1, at, at - window)?;
                let creds = users::credentials(c, &lookup_name)?;
                if count.hits > settings.login_address_failures {
                    let user = creds.as_ref().map(|(u, _)| u);
                    audit::write(
                        c,
                        Who::Attempt {
                            username: &lookup_name,
                            user_id: user.map(|u| u.id.0),
                            origin: &o,
                        },
                        attempt_record(user, kind, "address_throttled", false),
                    )?;
                    let retry_after =
                        u64::try_from((count.window_start + window - at).num_seconds())
                            .unwrap_or(0)
                            .max(1);
                    return Ok(Err(ServiceError::TooMany {
                        code: "too_many_attempts",
                        message: format!(
                            "从您所在网络地址登录失败的次数过多，请 {} 分钟后再试",
                            retry_after.div_ceil(60)
                        ),
                        retry_after,
                    }));
                }
                Ok(Ok((throttle::get(c, &lookup_name)?, creds)))
            })
            .await??;
        let t0 = now();
        let locked_until = throttled
            .as_ref()
            .and_then(|t| t.locked_until)
            .filter(|until| *until > t0);

        // While locked, the password is not even checked.
        let verified = match locked_until {
            Some(_) => false,
            None => {
                verify_password(password.to_owned(), creds.as_ref().map(|(_, h)| h.clone())).await?
            }
        };
        let settings = self.settings.clone();
        self.write(move |c| {
            let user = creds.map(|(u, _)| u);
            let attempt = Who::Attempt {
                username: &name,
                user_id: user.as_ref().map(|u| u.id.0),
                origin: &origin,
            };
            if let Some(until) = locked_until {
                audit::write(
                    c,
                    attempt,
                    attempt_record(user.as_ref(), kind, "locked", false),
                )?;
                return Ok(Err(ServiceError::Locked {
                    minutes: minutes_left(until),
                }));
            }
            match user.as_ref().filter(|u| verified && u.active) {
                // The password is right and a code is due: the name's
                // failures are kept (cleared only when the code is right
                // too), so a known password does not reset the count of
                // wrong codes.
                Some(u) if u.two_factor_enrolled_at.is_some() => {
                    rate::release(c, &address)?;
                    let at = now();
                    let challenge = random_token();
                    two_factor_store::challenge_insert(
                        c,
                        &Challenge {
                            token_hash: token_hash(&challenge),
                            user_id: u.id.0,
                            kind: kind.to_owned(),
                            created_at: at,
                            expires_at: at + ChronoDuration::seconds(CHALLENGE_SECONDS as i64),
                        },
                    )?;
                    audit::write(c, attempt, attempt_record(Some(u), kind, "code_due", true))?;
                    Ok(Ok(LoginStep::CodeDue {
                        challenge,
                        expires_in: CHALLENGE_SECONDS,
                    }))
                }
                Some(u) => {
                    throttle::clear(c, &name)?;
                    rate::release(c, &address)?;
                    let out = open_session(c, u, kind, &origin, &settings)?;
                    audit::write(c, attempt, attempt_record(Some(u), kind, "ok", true))?;
                    Ok(Ok(LoginStep::Done(Box::new(out))))
                }
                // A wrong password, a name that does not exist, or the right
                // password of a disabled account: one answer for all three,
                // so the answer never tells that a password was right.
                None => {
                    let disabled = verified;
                    let at = now();
                    let failures = throttle::count_failure(c, &name, at)?;
                    let lock = failures >= settings.lockout_failures;
                    if lock {
                        throttle::put(
                            c,
                            &Throttle {
                                username: name.clone(),
                                failures: 0,
                                locked_until: Some(at + chrono(settings.lockout_duration)),
                                updated_at: at,
                            },
                        )?;
                    }
                    let result = match (disabled, lock) {
                        (true, true) => "disabled_locked_now",
                        (true, false) => "disabled",
                        (false, true) => "locked_now",
                        (false, false) => "bad_credentials",
                    };
                    audit::write(
                        c,
                        attempt,
                        attempt_record(user.as_ref(), kind, result, false),
                    )?;
                    Ok(Err(if lock {
                        ServiceError::Locked {
                            minutes: settings.lockout_duration.as_secs().div_ceil(60) as i64,
                        }
                    } else {
                        ServiceError::BadCredentials
                    }))
                }
            }
        })
        .await?
    }

    /// The second step of signing in: the code (TOTP, or a recovery code)
    /// of a user whose password was right, with the challenge that step
    /// gave. A wrong code counts toward the name's lockout exactly as a
    /// wrong password does and is audited as a failed login; a locked name
    /// refuses codes too (and the challenge ends). A challenge is used once
    /// and expires after [`CHALLENGE_SECONDS`].
    pub async fn login_two_factor(
        &self,
        challenge: &str,
        code: &str,
        origin: Origin,
    ) -> Result<LoginOutcome, ServiceError> {
        let code = code.trim().to_owned();
        if code.is_empty() {
            return Err(ServiceError::Invalid(bangfu_domain::ValidationError::new(
                "code",
                "请输入验证码",
            )));
        }
        let hash = token_hash(challenge.trim());
        let settings = self.settings.clone();
        self.write(move |c| {
            let at = now();
            let found = two_factor_store::challenge_find(c, &hash)?
                .filter(|ch| ch.expires_at > at)
                .map(|ch| users::find_unscoped(c, ch.user()).map(|u| (ch, u)))
                .transpose()?;
            let Some((ch, Some(user))) = found else {
                return Ok(Err(ServiceError::TwoFactorExpired));
            };
            let kind: &'static str = if ch.kind == "web" { "web" } else { "api" };
            let name = user.username.clone();
            let attempt = || Who::Attempt {
                username: &name,
                user_id: Some(user.id.0),
                origin: &origin,
            };
            let record = |result: &str, factor: Option<&str>, success: bool| Record {
                after: Some(json!({
                    "kind": kind,
                    "result": result,
                    "step": "two_factor",
                    "factor": factor,
                })),
                ..attempt_record(Some(&user), kind, result, success)
            };
            if let Some(until) = two_factor::locked_until(c, &name, at)? {
                two_factor_store::challenge_delete(c, &hash)?;
                audit::write(c, attempt(), record("locked", None, false))?;
                return Ok(Err(ServiceError::Locked {
                    minutes: minutes_left(until),
                }));
            }
            if !user.active || user.two_factor_enrolled_at.is_none() {
                two_factor_store::challenge_delete(c, &hash)?;
                audit::write(c, attempt(), record("no_longer_valid", None, false))?;
                return Ok(Err(ServiceError::TwoFactorExpired));
            }
            match two_factor::check_code(c, user.id, &code, at)? {
                Some(factor) => {
                    if !two_factor_store::challenge_delete(c, &hash)? {
                        return Ok(Err(ServiceError::TwoFactorExpired));
                    }
                    throttle::clear(c, &name)?;
                    let out = open_session(c, &user, kind, &origin, &settings)?;
                    audit::write(c, attempt(), record("ok", Some(factor.code()), true))?;
                    Ok(Ok(out))
                }
                None => {
                    let locked = two_factor::count_failure(c, &settings, &name, at)?;
                    if locked {
                        two_factor_store::challenge_delete(c, &hash)?;
                    }
                    let result = if locked { "locked_now" } else { "bad_code" };
                    audit::write(c, attempt(), record(result, None, false))?;
                    Ok(Err(if locked {
                        ServiceError::Locked {
                            minutes: settings.lockout_duration.as_secs().div_ceil(60) as i64,
                        }
                    } else {
                        ServiceError::BadCode
                    }))
                }
            }
        })
        .await?
    }

    /// Resolves a session token to the user behind it, ending sessions that
    /// have been idle too long.
    pub async fn authenticate(&self, token: &str, origin: Origin) -> Result<Actor, ServiceError> {
        let hash = token_hash(token);
        let lookup = hash.clone();
        // The primary: a session ended or an account disabled a moment ago
        // must not still open a replica's copy.
        let found = self
            .read_primary(move |c| {
                let Some(s) = sessions::find(c, &lookup)? else {
                    return Ok::<_, ServiceError>(None);
                };
                let user = users::find_unscoped(c, s.user())?;
                Ok(user.map(|u| (s, u)))
            })
            .await?;
        let Some((session, user)) = found else {
            return Err(ServiceError::Unauthenticated);
        };
        let at = now();
        let idle = chrono(self.settings.session_idle);
        if session.last_seen_at + idle < at || !user.active {
            let h = hash.clone();
            self.write(move |c| Ok::<_, ServiceError>(sessions::delete(c, &h)?))
                .await?;
            return Err(if user.active {
                ServiceError::SessionExpired
            } else {
                ServiceError::Unauthenticated
            });
        }
        // Refresh the idle clock now and then rather than on every request.
        let refresh_every = (idle / 4).min(ChronoDuration::seconds(60));
        if at - session.last_seen_at >= refresh_every {
            let h = hash.clone();
            self.write(move |c| Ok::<_, ServiceError>(sessions::touch(c, &h, at)?))
                .await?;
        }
        Ok(Actor {
            two_factor_enrolment_due: two_factor::enrolment_due(&self.settings, &user),
            user,
            session_hash: hash,
            csrf_token: session.csrf_token,
            origin,
        })
    }

    pub async fn logout(&self, actor: &Actor) -> Result<(), ServiceError> {
        let a = actor.clone();
        self.write(move |c| {
            sessions::delete(c, &a.session_hash)?;
            audit::write(
                c,
                Who::Actor(&a),
                Record {
                    action: Action::Logout,
                    object_kind: "session",
                    object_id: None,
                    union: Some((a.user.union_id.0, &a.user.union_path)),
                    before: None,
                    after: None,
                    success: true,
                },
            )
        })
        .await
    }

    /// A user changes their own password; their other sessions end.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<(), ServiceError> {
        let new_password = crate::users::password_for(&actor.user.username, new, "new_password")?;
        if current == new {
            return Err(ServiceError::Invalid(bangfu_domain::ValidationError::new(
                "new_password",
                "新密码不能与当前密码相同",
            )));
        }
        let uid = actor.user.id;
        let recent = self
            .read(move |c| Ok::<_, ServiceError>(users::recent_password_hashes(c, uid)?))
            .await?;
        if !verify_password(current.to_owned(), recent.first().cloned()).await? {
            return Err(ServiceError::Invalid(bangfu_domain::ValidationError::new(
                "current_password",
                "当前密码不正确",
            )));
        }
        if verify_any(new_password.expose().to_owned(), recent).await? {
            return Err(ServiceError::password(
                "new_password",
                bangfu_domain::PasswordPolicyError::Reused,
            ));
        }
        let hash = hash_password(new_password.expose().to_owned()).await?;
        let a = actor.clone();
        self.write(move |c| {
            users::set_password(c, a.user.id, &hash, false, now())?;
            sessions::delete_for_user(c, a.user.id, Some(&a.session_hash))?;
            Record::of(Action::ChangePassword, "user", a.user.id, a.user.owner())
                .write(c, Who::Actor(&a))
        })
        .await
    }

    /// Housekeeping, run every few minutes by `bangfu serve`: removes
    /// sessions idle beyond the timeout (they are refused anyway), stale
    /// failed-login counters, windows of the rate limits long over, and the
    /// documents of applicants who left the public form (held for
    /// [`crate::HELD_FOR_HOURS`]).
    pub async fn purge_expired(&self) -> Result<usize, ServiceError> {
        let at = now();
        let cutoff = at - chrono(self.settings.session_idle);
        let stale = at - chrono(self.settings.lockout_duration) - ChronoDuration::days(1);
        // Every window counted is at most this long (the lookup limit's is an hour).
        let longest = chrono(self.settings.login_address_window).max(ChronoDuration::hours(1));
        let old_windows = at - longest - ChronoDuration::days(1);
        let held = at - ChronoDuration::hours(crate::HELD_FOR_HOURS);
        self.write(move |c| {
            Ok(sessions::delete_idle(c, cutoff)?
                + two_factor_store::challenge_purge(c, at)?
                + throttle::purge(c, stale, at)?
                + rate::purge(c, old_windows)?
                + bangfu_storage::held_uploads::purge(c, held)?)
        })
        .await
    }
}
