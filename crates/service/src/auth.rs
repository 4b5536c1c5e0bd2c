//! Signing in and out, sessions, lockout, password changes.

use crate::audit::{self, Owned, Record, Who};
use crate::crypto::{hash_password, random_token, token_hash, verify_password};
use crate::{now, Actor, Origin, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::Password;
use bangfu_storage::sessions::{self, Session};
use bangfu_storage::throttle::{self, Throttle};
use bangfu_storage::users::{self, User};
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
}

fn chrono(d: std::time::Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX)
}

fn minutes_left(until: chrono::NaiveDateTime) -> i64 {
    ((until - now()).num_seconds() + 59).max(60) / 60
}

impl Services {
    /// Checks a name and password and opens a session of `kind` (`web` or `api`).
    ///
    /// Every attempt is audited. Failures are counted per name, whether the
    /// name exists or not, and a name is locked after too many.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: &'static str,
        origin: Origin,
    ) -> Result<LoginOutcome, ServiceError> {
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
        let lookup_name = name.clone();
        let (throttled, creds) = self
            .read(move |c| {
                Ok::<_, ServiceError>((
                    throttle::get(c, &lookup_name)?,
                    users::credentials(c, &lookup_name)?,
                ))
            })
            .await?;
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
            let record = |success: bool, reason: &str| Record {
                action: Action::Login,
                object_kind: "session",
                object_id: None,
                union: user.as_ref().map(|u| (u.union_id.0, &u.union_path)),
                before: None,
                after: Some(json!({ "kind": kind, "result": reason })),
                success,
            };
            if let Some(until) = locked_until {
                audit::write(c, attempt, record(false, "locked"))?;
                return Ok(Err(ServiceError::Locked {
                    minutes: minutes_left(until),
                }));
            }
            match user.as_ref().filter(|_| verified) {
                Some(u) if !u.active => {
                    audit::write(c, attempt, record(false, "disabled"))?;
                    Ok(Err(ServiceError::Rule("账户已停用，请联系管理员".into())))
                }
                Some(u) => {
                    throttle::clear(c, &name)?;
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
                        },
                    )?;
                    audit::write(c, attempt, record(true, "ok"))?;
                    Ok(Ok(LoginOutcome {
                        token,
                        csrf_token,
                        user: u.clone(),
                    }))
                }
                None => {
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
                    audit::write(
                        c,
                        attempt,
                        record(
                            false,
                            if lock {
                                "locked_now"
                            } else {
                                "bad_credentials"
                            },
                        ),
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

    /// Resolves a session token to the user behind it, ending sessions that
    /// have been idle too long.
    pub async fn authenticate(&self, token: &str, origin: Origin) -> Result<Actor, ServiceError> {
        let hash = token_hash(token);
        let lookup = hash.clone();
        let found = self
            .read(move |c| {
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
        let new_password =
            Password::parse(new).map_err(|e| ServiceError::password("new_password", e))?;
        if current == new {
            return Err(ServiceError::Invalid(bangfu_domain::ValidationError::new(
                "new_password",
                "新密码不能与当前密码相同",
            )));
        }
        let uid = actor.user.id;
        let stored = self
            .read(move |c| Ok::<_, ServiceError>(users::password_hash(c, uid)?))
            .await?;
        if !verify_password(current.to_owned(), stored).await? {
            return Err(ServiceError::Invalid(bangfu_domain::ValidationError::new(
                "current_password",
                "当前密码不正确",
            )));
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
    /// failed-login counters and the documents of applicants who left the
    /// public form (held for [`crate::HELD_FOR_HOURS`]).
    pub async fn purge_expired(&self) -> Result<usize, ServiceError> {
        let at = now();
        let cutoff = at - chrono(self.settings.session_idle);
        let stale = at - chrono(self.settings.lockout_duration) - ChronoDuration::days(1);
        let held = at - ChronoDuration::hours(crate::HELD_FOR_HOURS);
        self.write(move |c| {
            Ok(sessions::delete_idle(c, cutoff)?
                + throttle::purge(c, stale, at)?
                + bangfu_storage::held_uploads::purge(c, held)?)
        })
        .await
    }
}
