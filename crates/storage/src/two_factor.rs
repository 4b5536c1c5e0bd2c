//! Two-factor sign-in (TOTP): a user's secret, the last time step accepted,
//! one-time recovery codes (only their SHA-256) and sign-ins half done
//! (login challenges: the password was right, the code is due).

use crate::db::{run, Conn};
use crate::schema::{login_challenges as lc, recovery_codes as rc, users};
use crate::StorageError;
use bangfu_domain::UserId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A user's stored two-factor state, secrets included: read only to check a
/// code or to show a secret being enrolled.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct Secrets {
    /// The enrolled secret (base32).
    pub totp_secret: Option<String>,
    pub totp_enrolled_at: Option<NaiveDateTime>,
    pub totp_last_step: Option<i64>,
    /// A secret shown for enrolment, not yet confirmed (base32).
    pub totp_pending_secret: Option<String>,
    pub two_factor_reenrol: bool,
}

pub fn secrets(conn: &mut Conn, user: UserId) -> Result<Option<Secrets>, StorageError> {
    let found: Option<Secrets> = run!(conn, c => users::table
        .filter(users::id.eq(user.0))
        .select(Secrets::as_select())
        .first(c)
        .optional())?;
    let Some(mut s) = found else {
        return Ok(None);
    };
    // Both secrets are sealed at rest (see `at_rest`).
    s.totp_secret = conn.open_opt(SECRET, s.totp_secret.as_deref())?;
    s.totp_pending_secret = conn.open_opt(PENDING, s.totp_pending_secret.as_deref())?;
    Ok(Some(s))
}

const SECRET: &str = "users.totp_secret";
const PENDING: &str = "users.totp_pending_secret";

/// Keeps a secret shown for enrolment until it is confirmed.
pub fn set_pending(conn: &mut Conn, user: UserId, secret: &str) -> Result<(), StorageError> {
    let sealed = conn.seal(PENDING, secret)?;
    run!(conn, c => diesel::update(users::table.filter(users::id.eq(user.0)))
        .set(users::totp_pending_secret.eq(Some(&sealed)))
        .execute(c))?;
    Ok(())
}

/// The pending secret becomes the user's: enrolled at `at`, `step` already used.
pub fn enrol(
    conn: &mut Conn,
    user: UserId,
    secret: &str,
    step: i64,
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    let sealed = conn.seal(SECRET, secret)?;
    run!(conn, c => diesel::update(users::table.filter(users::id.eq(user.0)))
        .set((
            users::totp_secret.eq(Some(&sealed)),
            users::totp_enrolled_at.eq(Some(at)),
            users::totp_last_step.eq(Some(step)),
            users::totp_pending_secret.eq(None::<String>),
            users::two_factor_reenrol.eq(false),
        ))
        .execute(c))?;
    Ok(())
}

/// Records `step` as the last one accepted, only if it is later than the
/// last one: `false` when it is not (the code was used already). Atomic, so
/// two processes cannot both accept the same code.
pub fn accept_step(conn: &mut Conn, user: UserId, step: i64) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        users::table
            .filter(users::id.eq(user.0))
            .filter(users::totp_secret.is_not_null())
            .filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step))),
    )
    .set(users::totp_last_step.eq(Some(step)))
    .execute(c))?;
    Ok(n == 1)
}

/// Forgets the user's two-factor secret and recovery codes; `reenrol`: they
/// must enrol again before anything else (an administrator's reset).
pub fn clear(conn: &mut Conn, user: UserId, reenrol: bool) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(users::table.filter(users::id.eq(user.0)))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_enrolled_at.eq(None::<NaiveDateTime>),
            users::totp_last_step.eq(None::<i64>),
            users::totp_pending_secret.eq(None::<String>),
            users::two_factor_reenrol.eq(reenrol),
        ))
        .execute(c))?;
    run!(conn, c => diesel::delete(rc::table.filter(rc::user_id.eq(user.0))).execute(c))?;
    run!(conn, c => diesel::delete(lc::table.filter(lc::user_id.eq(user.0))).execute(c))?;
    Ok(())
}

/// Replaces the user's recovery codes with these (their hashes).
pub fn replace_codes(
    conn: &mut Conn,
    user: UserId,
    hashes: &[String],
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(rc::table.filter(rc::user_id.eq(user.0))).execute(c))?;
    let rows: Vec<_> = hashes
        .iter()
        .map(|h| {
            (
                rc::user_id.eq(user.0),
                rc::code_hash.eq(h.as_str()),
                rc::created_at.eq(at),
            )
        })
        .collect();
    run!(conn, c => diesel::insert_into(rc::table).values(&rows).execute(c))?;
    Ok(())
}

/// Uses up a recovery code: `true` if the user had it (it is gone now).
pub fn use_code(conn: &mut Conn, user: UserId, hash: &str) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::delete(
        rc::table
            .filter(rc::user_id.eq(user.0))
            .filter(rc::code_hash.eq(hash)),
    )
    .execute(c))?;
    Ok(n == 1)
}

/// How many recovery codes the user has left.
pub fn codes_left(conn: &mut Conn, user: UserId) -> Result<i64, StorageError> {
    Ok(run!(conn, c => rc::table
        .filter(rc::user_id.eq(user.0))
        .count()
        .get_result(c))?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lc)]
pub struct Challenge {
    pub token_hash: String,
    pub user_id: i64,
    /// `web` or `api`: the kind of session it opens.
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Challenge {
    pub fn user(&self) -> UserId {
        UserId(self.user_id)
    }
}

pub fn challenge_insert(conn: &mut Conn, ch: &Challenge) -> Result<(), StorageError> {
    run!(conn, c => diesel::insert_into(lc::table)
        .values((
            lc::token_hash.eq(&ch.token_hash),
            lc::user_id.eq(ch.user_id),
            lc::kind.eq(&ch.kind),
            lc::created_at.eq(ch.created_at),
            lc::expires_at.eq(ch.expires_at),
        ))
        .execute(c))?;
    Ok(())
}

pub fn challenge_find(
    conn: &mut Conn,
    token_hash: &str,
) -> Result<Option<Challenge>, StorageError> {
    Ok(run!(conn, c => lc::table
        .filter(lc::token_hash.eq(token_hash))
        .select(Challenge::as_select())
        .first(c)
        .optional())?)
}

/// Ends a challenge: `true` if it was still there (so of two requests with
/// the same challenge, one wins).
pub fn challenge_delete(conn: &mut Conn, token_hash: &str) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::delete(lc::table.filter(lc::token_hash.eq(token_hash))).execute(c))?;
    Ok(n == 1)
}

/// Removes challenges that expired before `now` (housekeeping).
pub fn challenge_purge(conn: &mut Conn, now: NaiveDateTime) -> Result<usize, StorageError> {
    Ok(run!(conn, c => diesel::delete(lc::table.filter(lc::expires_at.lt(now))).execute(c))?)
}
