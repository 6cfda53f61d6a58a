//! A short-lived in-process copy of sessions in front of a [`SessionStore`]: a signed-in
//! page load reads its session from memory instead of a database or Redis round trip
//! (with SQLite, a hop to sqlx's connection thread and back on every page).
//!
//! What this process writes (save, delete, back-channel logout) updates the copy at once.
//! What another web instance writes to a shared store (Redis) is seen here within
//! `web.session_cache_secs`: a sign-out at one instance ends the session at the others
//! that late. Token refreshes never use the copy ([`SessionStore::load_uncached`]): a
//! refresh token another instance already spent must not be spent again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{Result, SessionData, SessionId, SessionStore};

/// Sessions kept at most; past this, expired copies go, and if that is not enough, all.
const CAPACITY: usize = 10_000;

struct Copy {
    data: SessionData,
    /// When it was read or written (Unix seconds): it serves until `ttl` later.
    taken_at: i64,
}

pub struct CachedSessions {
    inner: Arc<dyn SessionStore>,
    ttl: i64,
    copies: Mutex<HashMap<String, Copy>>,
    /// Counts removals (sign-out, back-channel logout): a read that overlapped one keeps
    /// no copy, so a session ended meanwhile is not served from here.
    removals: AtomicU64,
}

impl CachedSessions {
    /// Copies serve for `ttl_secs` seconds (at least 1).
    pub fn new(inner: Arc<dyn SessionStore>, ttl_secs: u64) -> CachedSessions {
        CachedSessions {
            inner,
            ttl: i64::try_from(ttl_secs).unwrap_or(i64::MAX).max(1),
            copies: Mutex::new(HashMap::new()),
            removals: AtomicU64::new(0),
        }
    }

    fn copies(&self) -> std::sync::MutexGuard<'_, HashMap<String, Copy>> {
        // A panic while holding the lock cannot leave a half-written map entry.
        self.copies.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn keep(&self, key: String, data: &SessionData, now: i64) {
        let mut copies = self.copies();
        if copies.len() >= CAPACITY && !copies.contains_key(&key) {
            copies.retain(|_, c| now - c.taken_at < self.ttl && c.data.expires_at > now);
            if copies.len() >= CAPACITY {
                copies.clear();
            }
        }
        copies.insert(
            key,
            Copy {
                data: data.clone(),
                taken_at: now,
            },
        );
    }
}

#[async_trait]
impl SessionStore for CachedSessions {
    async fn load(&self, id: &SessionId, now: i64) -> Result<Option<SessionData>> {
        let key = id.store_key();
        if let Some(copy) = self.copies().get(&key)
            && now - copy.taken_at < self.ttl
            && now >= copy.taken_at
            && copy.data.expires_at > now
        {
            return Ok(Some(copy.data.clone()));
        }
        let removals = self.removals.load(Ordering::SeqCst);
        let loaded = self.inner.load(id, now).await?;
        match &loaded {
            Some(data) if self.removals.load(Ordering::SeqCst) == removals => {
                self.keep(key, data, now);
            }
            _ => {
                self.copies().remove(&key);
            }
        }
        Ok(loaded)
    }

    async fn load_uncached(&self, id: &SessionId, now: i64) -> Result<Option<SessionData>> {
        self.inner.load_uncached(id, now).await
    }

    async fn save(
        &self,
        id: &SessionId,
        data: &SessionData,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let key = id.store_key();
        // Gone first: a failed write must not leave the new data served from here.
        self.copies().remove(&key);
        self.inner.save(id, data, now, expires_at).await?;
        let mut kept = data.clone();
        kept.expires_at = expires_at;
        self.keep(key, &kept, now);
        Ok(())
    }

    async fn delete(&self, id: &SessionId) -> Result<()> {
        self.removals.fetch_add(1, Ordering::SeqCst);
        self.copies().remove(&id.store_key());
        self.inner.delete(id).await
    }

    async fn end_for_subject(&self, sub: Option<&str>, sid: Option<&str>) -> Result<u64> {
        if sub.is_none() && sid.is_none() {
            return self.inner.end_for_subject(sub, sid).await;
        }
        self.removals.fetch_add(1, Ordering::SeqCst);
        self.copies().retain(|_, c| {
            let Some(user) = &c.data.user else {
                return true;
            };
            let same_sub = sub.is_none_or(|s| s == user.sub);
            let same_sid = sid.is_none_or(|s| user.sid.as_deref() == Some(s));
            !(same_sub && same_sid)
        });
        self.inner.end_for_subject(sub, sid).await
    }

    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
}

#[cfg(test)]
#[path = "cached_tests.rs"]
mod tests;
