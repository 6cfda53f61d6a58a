//! Browser sessions: who is signed in on this browser, since when.
//!
//! The cookie holds a random handle; the ephemeral store holds the [`Session`] under the
//! handle's SHA-256, so a leaked store reveals no usable cookie. A session is only as good as
//! its user: a disabled or deleted account ends it at the next request.

use serde::{Deserialize, Serialize};

use super::error::{OAuthError, OAuthResult};
use crate::auth::accounts::User;
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// A logged-in browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub user_id: String,
    pub auth_time: i64,
    /// When the session began, in Unix ms: a password change or a disable after it voids
    /// the session (`User::sessions_not_before_ms`). Sessions stored before this field
    /// existed read as 0, i.e. as old as can be.
    #[serde(default)]
    pub started_at_ms: i64,
    /// The session's id as relying parties see it (`sid` in ID and logout tokens): random,
    /// never the cookie or its digest. Kept when the same person signs in again on this
    /// browser (the cookie still changes). Empty for sessions stored before it existed.
    #[serde(default)]
    pub sid: String,
    /// How the person signed in (RFC 8176 `amr`: `pwd`, then `otp` and `mfa` after a
    /// second step). Sessions stored before two-step login existed read as empty.
    #[serde(default)]
    pub amr: Vec<String>,
}

impl Session {
    pub fn sid(&self) -> Option<&str> {
        Some(self.sid.as_str()).filter(|s| !s.is_empty())
    }
}

pub async fn load_session(
    ctx: &AuthContext,
    cookie: Option<&str>,
) -> OAuthResult<Option<(Session, User)>> {
    let Some(cookie) = cookie.filter(|c| c.len() <= 128) else {
        return Ok(None);
    };
    let Some(raw) = ctx
        .stores
        .ephemeral
        .get(Namespace::Session, &handles::digest(cookie))
        .await?
    else {
        return Ok(None);
    };
    let Ok(session) = serde_json::from_str::<Session>(&raw) else {
        return Ok(None);
    };
    match ctx.stores.users.get_user(&session.user_id).await? {
        Some(user) if !user.disabled && session.started_at_ms >= user.sessions_not_before_ms => {
            Ok(Some((session, user)))
        }
        _ => Ok(None),
    }
}

/// Starts a session for `user`, replacing `old_cookie`'s (session fixation defence: the
/// cookie always changes at login). The same person signing in again keeps the session's
/// `sid`; another person's sign-in ends the old session, and its clients hear of it
/// (back-channel logout). Returns the new cookie value and the session.
pub async fn start_session(
    ctx: &AuthContext,
    old_cookie: Option<&str>,
    user: &User,
    now: i64,
) -> OAuthResult<(String, Session)> {
    let amr = crate::auth::accounts::two_step::password_only();
    start_session_with_amr(ctx, old_cookie, user, amr, now).await
}

/// [`start_session`] for a login that used `amr` (e.g. a password and a second step).
pub async fn start_session_with_amr(
    ctx: &AuthContext,
    old_cookie: Option<&str>,
    user: &User,
    amr: Vec<String>,
    now: i64,
) -> OAuthResult<(String, Session)> {
    let mut sid = None;
    if let Some(old) = old_cookie.filter(|c| c.len() <= 128) {
        let old = ctx
            .stores
            .ephemeral
            .take(Namespace::Session, &handles::digest(old))
            .await?
            .and_then(|raw| serde_json::from_str::<Session>(&raw).ok());
        if let Some(old) = old.filter(|s| s.sid().is_some()) {
            // A session a password change or a disable voided keeps nothing: its clients
            // were already told it ended.
            let still_valid = old.started_at_ms >= user.sessions_not_before_ms;
            if old.user_id == user.user_id && still_valid {
                sid = Some(old.sid);
            } else if old.user_id != user.user_id {
                ctx.backchannel.session_ended(&ctx.metrics, &old.sid);
            }
        }
    }
    let cookie = handles::new_handle();
    let session = Session {
        user_id: user.user_id.clone(),
        auth_time: now,
        started_at_ms: ctx.clock.now_millis(),
        sid: sid.unwrap_or_else(handles::new_id),
        amr,
    };
    let json = serde_json::to_string(&session).map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::Session,
            &handles::digest(&cookie),
            &json,
            ctx.config.session.ttl_secs,
        )
        .await?;
    Ok((cookie, session))
}

/// Ends the session behind `cookie`, if any; the clients that took part in it are told
/// over the back channel, asynchronously (queued, never waited for here).
pub async fn end_session(ctx: &AuthContext, cookie: Option<&str>) -> OAuthResult<()> {
    let Some(c) = cookie.filter(|c| c.len() <= 128) else {
        return Ok(());
    };
    let ended = ctx
        .stores
        .ephemeral
        .take(Namespace::Session, &handles::digest(c))
        .await?
        .and_then(|raw| serde_json::from_str::<Session>(&raw).ok());
    if let Some(session) = &ended {
        tracing::info!(sub = %session.user_id, sid = session.sid().unwrap_or(""),
            "session ended (logout)");
        if let Some(sid) = session.sid() {
            ctx.backchannel.session_ended(&ctx.metrics, sid);
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
