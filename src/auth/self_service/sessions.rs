//! The directory of a person's browser sessions, for the sessions page: which device,
//! from where, signed in when, last seen when; and ending them.
//!
//! Sessions themselves live in the ephemeral store (`oauth::session`), keyed by the
//! digest of their cookie and not findable by person. The directory (a durable table)
//! adds that index. It is kept at the edge, for every way of signing in at once: a
//! response that sets a session cookie records the session with the request's device and
//! address; a request that carries one moves its "last seen" (at most once per
//! `account.last_seen_interval_secs`). A row whose session is gone from the ephemeral
//! store (logged out, expired, voided by a password change) is stale: it is dropped
//! whenever the list is read.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::auth::accounts::User;
use crate::auth::context::AuthContext;
use crate::auth::oauth::error::OAuthResult;
use crate::auth::oauth::session::{Session, load_session};
use crate::auth::store::Namespace;
use crate::auth::store::account::SessionEntry;
use crate::auth::tokens::handles;

/// What the edge knows about the request that started or used a session.
pub struct Seen<'a> {
    pub user_agent: Option<&'a str>,
    pub ip: IpAddr,
}

/// Records the session a response just started under `cookie`.
pub async fn record_started(ctx: &AuthContext, cookie: &str, seen: Seen<'_>) -> OAuthResult<()> {
    // Only a session that counts (its person exists, is enabled, and has not voided it).
    let Some((session, _)) = load_session(ctx, Some(cookie)).await? else {
        return Ok(());
    };
    let key = handles::digest(cookie);
    let Some(sid) = session.sid() else {
        return Ok(());
    };
    let now = ctx.clock.now();
    let ttl = i64::try_from(ctx.config.session.ttl_secs).unwrap_or(i64::MAX);
    let entry = SessionEntry {
        sid: sid.to_owned(),
        user_id: session.user_id.clone(),
        session_key: key,
        device: super::device::label(seen.user_agent),
        ip: seen.ip.to_string(),
        started_at: session.auth_time,
        last_seen_at: now,
        expires_at: now.saturating_add(ttl),
    };
    ctx.stores.accounts.record_session(&entry).await?;
    Ok(())
}

/// Forgets the session a response just ended (its cookie was cleared).
pub async fn record_ended(ctx: &AuthContext, cookie: &str) -> OAuthResult<()> {
    let key = handles::digest(cookie);
    ctx.stores.accounts.forget_session_key(&key).await?;
    Ok(())
}

/// Each session's "last seen" as this process last read or wrote it, so most requests
/// cost no query at all. Bounded: emptied when it grows past [`LastSeenMemo::MAX`].
#[derive(Clone, Default)]
pub struct LastSeenMemo(Arc<Mutex<HashMap<String, i64>>>);

impl LastSeenMemo {
    const MAX: usize = 10_000;

    /// Whether `key`'s "last seen" may be due a write at `now`.
    fn due(&self, key: &str, now: i64, interval: i64) -> bool {
        match self.0.lock() {
            Ok(seen) => seen.get(key).is_none_or(|&at| now - at >= interval),
            Err(_) => true,
        }
    }

    fn remember(&self, key: &str, last_seen: i64) {
        if let Ok(mut seen) = self.0.lock() {
            if seen.len() >= Self::MAX {
                seen.clear();
            }
            seen.insert(key.to_owned(), last_seen);
        }
    }
}

/// Moves "last seen" of the session behind `cookie` (cheaply: see [`LastSeenMemo`]). A
/// live session missing from the directory (started before it existed) is recorded now.
pub async fn touch(
    ctx: &AuthContext,
    memo: &LastSeenMemo,
    cookie: &str,
    seen: Seen<'_>,
) -> OAuthResult<()> {
    if cookie.len() > 128 {
        return Ok(());
    }
    let key = handles::digest(cookie);
    let now = ctx.clock.now();
    let interval = ctx.config.account.last_seen_interval_secs;
    if !memo.due(&key, now, i64::try_from(interval).unwrap_or(i64::MAX)) {
        return Ok(());
    }
    let last_seen = ctx
        .stores
        .accounts
        .touch_session(&key, &seen.ip.to_string(), now, interval)
        .await?;
    // Remembered either way: a cookie of no session costs one look per interval.
    memo.remember(&key, last_seen.unwrap_or(now));
    if last_seen.is_none() {
        record_started(ctx, cookie, seen).await?;
    }
    Ok(())
}

/// The person's live sessions, newest first; stale rows are dropped on the way.
pub async fn live_sessions(ctx: &AuthContext, user: &User) -> OAuthResult<Vec<SessionEntry>> {
    let entries = ctx
        .stores
        .accounts
        .list_sessions(&user.user_id, ctx.clock.now())
        .await?;
    let keys: Vec<String> = entries.iter().map(|e| e.session_key.clone()).collect();
    let stored = ctx
        .stores
        .ephemeral
        .get_many(Namespace::Session, &keys)
        .await?;
    let mut live = Vec::new();
    let mut stale = Vec::new();
    for (entry, raw) in entries.into_iter().zip(stored) {
        let session = raw.and_then(|r| serde_json::from_str::<Session>(&r).ok());
        let alive = session.is_some_and(|s| {
            s.user_id == user.user_id
                && s.sid() == Some(entry.sid.as_str())
                && s.started_at_ms >= user.sessions_not_before_ms
        });
        if alive {
            live.push(entry);
        } else {
            stale.push(entry.sid);
        }
    }
    ctx.stores.accounts.forget_sessions(&stale).await?;
    Ok(live)
}

/// Ends one of the person's sessions (by `sid`); its clients hear of it over the back
/// channel. `false` when the person has no such live session.
pub async fn end_session(
    ctx: &AuthContext,
    user: &User,
    sid: &str,
    ip: IpAddr,
) -> OAuthResult<bool> {
    let live = live_sessions(ctx, user).await?;
    let Some(entry) = live.into_iter().find(|e| e.sid == sid) else {
        return Ok(false);
    };
    end_entry(ctx, &entry, ip).await?;
    Ok(true)
}

/// Ends every live session of the person but `keep_sid`. Returns how many ended.
pub async fn end_other_sessions(
    ctx: &AuthContext,
    user: &User,
    keep_sid: Option<&str>,
    ip: IpAddr,
) -> OAuthResult<usize> {
    let mut ended = 0;
    for entry in live_sessions(ctx, user).await? {
        if Some(entry.sid.as_str()) != keep_sid {
            end_entry(ctx, &entry, ip).await?;
            ended += 1;
        }
    }
    Ok(ended)
}

async fn end_entry(ctx: &AuthContext, entry: &SessionEntry, ip: IpAddr) -> OAuthResult<()> {
    ctx.stores
        .ephemeral
        .delete(Namespace::Session, &entry.session_key)
        .await?;
    ctx.stores
        .accounts
        .forget_sessions(std::slice::from_ref(&entry.sid))
        .await?;
    ctx.backchannel.session_ended(&ctx.metrics, &entry.sid);
    tracing::info!(target: "belf::audit", event = "session_ended", user = %entry.user_id,
        sid = %entry.sid, %ip, "a session was ended from the account page");
    Ok(())
}
