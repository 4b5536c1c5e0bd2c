//! A user's sessions (登录会话): each browser or API client signed in, with
//! its device, address and last use. A user sees their own and ends any of
//! them; an administrator ends every session of a user in their subtree
//! (a lost phone, a suspected leak). Changing a password already ends the
//! others (`auth.rs`). Every end is audited.

use crate::audit::{Owned, Record, Who};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::{Permission, UserId};
use bangfu_storage::{sessions, users};
use chrono::NaiveDateTime;
use serde_json::json;

/// How many characters of a session's token hash (base64url) name it:
/// enough to tell a user's sessions apart, and nothing from which the token
/// can be had.
const HANDLE_LEN: usize = 16;

/// A session as its user sees it.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// Names the session to end it.
    pub handle: String,
    /// `browser` or `api`.
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub ip: Option<String>,
    pub device: Option<String>,
    /// The session this request came with.
    pub current: bool,
}

fn handle_of(token_hash: &str) -> String {
    token_hash.chars().take(HANDLE_LEN).collect()
}

impl Services {
    /// The caller's own sessions still in use (idle ones are refused
    /// anyway and not shown), the most recently used first.
    pub async fn session_list(&self, actor: &Actor) -> Result<Vec<SessionView>, ServiceError> {
        let a = actor.clone();
        let idle = chrono::Duration::from_std(self.settings().session_idle)
            .unwrap_or_else(|_| chrono::Duration::minutes(30));
        self.read(move |c| {
            let cutoff = now() - idle;
            Ok(sessions::of_user(c, a.user.id)?
                .into_iter()
                .filter(|s| s.last_seen_at >= cutoff || s.token_hash == a.session_hash)
                .map(|s| SessionView {
                    handle: handle_of(&s.token_hash),
                    current: s.token_hash == a.session_hash,
                    kind: s.kind,
                    created_at: s.created_at,
                    last_seen_at: s.last_seen_at,
                    ip: s.ip,
                    device: s.device,
                })
                .collect())
        })
        .await
    }

    /// Ends one of the caller's own sessions (the current one too: that is
    /// signing out there).
    pub async fn session_end(&self, actor: &Actor, handle: &str) -> Result<(), ServiceError> {
        let a = actor.clone();
        let handle = handle.trim().to_owned();
        self.write(move |c| {
            let found = sessions::of_user(c, a.user.id)?
                .into_iter()
                .find(|s| handle.len() == HANDLE_LEN && s.token_hash.starts_with(&handle))
                .ok_or(ServiceError::NotFound("登录会话"))?;
            sessions::delete(c, &found.token_hash)?;
            Record::of(Action::EndSession, "user", a.user.id, a.user.owner())
                .after(json!({
                    "session": handle,
                    "kind": found.kind,
                    "ip": found.ip,
                    "device": found.device,
                }))
                .write(c, Who::Actor(&a))
        })
        .await
    }

    /// Ends every session of a user in the caller's subtree (administrators);
    /// returns how many there were.
    pub async fn user_sessions_end(
        &self,
        actor: &Actor,
        id: UserId,
    ) -> Result<usize, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let user = users::find(c, &scope, id)?.ok_or(ServiceError::NotFound("用户"))?;
            let ended = sessions::delete_for_user(c, id, None)?;
            Record::of(Action::EndUserSessions, "user", id, user.owner())
                .after(json!({ "sessions_ended": ended }))
                .write(c, Who::Actor(&a))?;
            Ok(ended)
        })
        .await
    }
}
