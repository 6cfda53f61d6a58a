//! Server-side sessions of the web app (backend-for-frontend): the browser holds only a
//! random id in a cookie; the tokens, the pending sign-in (state, nonce, PKCE verifier) and
//! the CSRF token live here. Stores are keyed by the SHA-256 of the id, so a leaked store
//! does not hand out usable cookies.
//!
//! Two stores behind one trait: [`sql::SqlSessions`] (SQLite file by default, or
//! PostgreSQL) and [`redis::RedisSessions`] (shared by several web instances). Both expire
//! sessions by themselves and can end every session of a person (back-channel logout).
//! [`cached::CachedSessions`] keeps a short-lived copy in front of either.

pub mod cached;
pub mod redis;
pub mod sql;

use async_trait::async_trait;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The cookie value: 256 random bits, base64url. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    pub fn generate() -> SessionId {
        SessionId(random_token())
    }

    /// A cookie value that could be one of ours (43 base64url characters), else `None`.
    pub fn from_cookie(value: &str) -> Option<SessionId> {
        let plausible = value.len() == 43
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        plausible.then(|| SessionId(value.to_owned()))
    }

    pub fn cookie_value(&self) -> &str {
        &self.0
    }

    /// What the stores key on: SHA-256 of the id, hex.
    pub fn store_key(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(..)")
    }
}

/// 256 random bits, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A bearer secret kept in a session (access, refresh and ID tokens, the PKCE verifier):
/// serialised into the store, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Everything a session holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionData {
    /// The per-session CSRF token every form carries.
    pub csrf: String,
    /// A sign-in under way (between `/login` and `/callback`).
    pub pending: Option<PendingLogin>,
    pub user: Option<SignedIn>,
    /// The UTC offset the person picked for "today".
    pub utc_offset: Option<String>,
    /// When the session ends unless used again (Unix seconds).
    #[serde(default)]
    pub expires_at: i64,
}

impl SessionData {
    pub fn new() -> SessionData {
        SessionData {
            csrf: random_token(),
            ..SessionData::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: Secret,
    pub nonce: Secret,
    pub pkce_verifier: Secret,
    /// Checked by [`crate::web::return_to`] before it was stored.
    pub return_to: String,
    pub started_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub sub: String,
    /// The identity server's session id (`sid` claim), when it sends one: back-channel
    /// logout may name it instead of `sub`.
    pub sid: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub access_token: Secret,
    /// Unix seconds on the web app's clock.
    pub access_expires_at: i64,
    pub refresh_token: Option<Secret>,
    /// Sent back as `id_token_hint` at sign-out.
    pub id_token: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionStoreError {
    #[error("session store unavailable: {0}")]
    Unavailable(String),
}

pub type Result<T> = std::result::Result<T, SessionStoreError>;

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The session, unless it does not exist or has expired at `now`.
    async fn load(&self, id: &SessionId, now: i64) -> Result<Option<SessionData>>;
    /// As `load`, but from the store itself, past any in-process copy
    /// ([`cached::CachedSessions`]): for a token refresh, which must see what another
    /// instance may have written.
    async fn load_uncached(&self, id: &SessionId, now: i64) -> Result<Option<SessionData>> {
        self.load(id, now).await
    }
    /// Creates or replaces the session; it lives until `expires_at` (Unix seconds).
    async fn save(
        &self,
        id: &SessionId,
        data: &SessionData,
        now: i64,
        expires_at: i64,
    ) -> Result<()>;
    async fn delete(&self, id: &SessionId) -> Result<()>;
    /// Ends every session of `sub` (only those of identity-server session `sid`, when
    /// given). Returns how many ended.
    async fn end_for_subject(&self, sub: Option<&str>, sid: Option<&str>) -> Result<u64>;
    async fn ping(&self) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_plausible_and_hashed_for_storage() {
        let a = SessionId::generate();
        let b = SessionId::generate();
        assert_ne!(a, b);
        assert_eq!(SessionId::from_cookie(a.cookie_value()), Some(a.clone()));
        assert_eq!(SessionId::from_cookie("short"), None);
        assert_eq!(SessionId::from_cookie(&"a".repeat(42)), None);
        assert_eq!(
            SessionId::from_cookie(&format!("{}=", &"a".repeat(42))),
            None
        );
        assert_eq!(a.store_key().len(), 64);
        assert!(!a.store_key().contains(a.cookie_value()));
        assert_eq!(format!("{a:?}"), "SessionId(..)");
        assert_eq!(format!("{:?}", Secret::new("tok")), "Secret(..)");
    }
}
