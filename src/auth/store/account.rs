//! What the account pages store (issue 13, part `account`): the profile picture, the
//! directory of a person's browser sessions, their connected apps, and the deletion of
//! the whole account.

use async_trait::async_trait;

use super::StoreResult;

/// A profile picture, metadata already stripped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPicture {
    pub user_id: String,
    /// Random, new with every upload: names the picture in its URL.
    pub picture_id: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub updated_at: i64,
}

/// One browser session as the sessions page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEntry {
    pub sid: String,
    pub user_id: String,
    /// The session's key in the ephemeral store (the digest of its cookie).
    pub session_key: String,
    /// Coarse: "Firefox on Windows".
    pub device: String,
    pub ip: String,
    pub started_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// A consent a person gave an app, with the app's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedApp {
    pub client_id: String,
    /// `None` when the client was removed since.
    pub client_name: Option<String>,
    pub scopes: Vec<String>,
    pub updated_at: i64,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Sets (or with `None` clears) the display name (`name` claim).
    async fn set_display_name(
        &self,
        user_id: &str,
        name: Option<&str>,
        now: i64,
    ) -> StoreResult<bool>;
    /// Stores the person's picture, replacing the previous one.
    async fn put_picture(&self, picture: &StoredPicture) -> StoreResult<()>;
    /// The id of the person's current picture, if any.
    async fn picture_id(&self, user_id: &str) -> StoreResult<Option<String>>;
    async fn get_picture(&self, picture_id: &str) -> StoreResult<Option<StoredPicture>>;
    async fn delete_picture(&self, user_id: &str) -> StoreResult<bool>;

    /// Records a session (or its new cookie, when the same session signs in again).
    async fn record_session(&self, entry: &SessionEntry) -> StoreResult<()>;
    /// Moves "last seen" of the session behind `session_key` to `now`, unless it moved
    /// within `interval_secs` already (then nothing is written). Returns the session's
    /// "last seen" afterwards; `None` for a session not in the directory.
    async fn touch_session(
        &self,
        session_key: &str,
        ip: &str,
        now: i64,
        interval_secs: u64,
    ) -> StoreResult<Option<i64>>;
    /// The person's sessions that have not expired, newest first.
    async fn list_sessions(&self, user_id: &str, now: i64) -> StoreResult<Vec<SessionEntry>>;
    /// Forgets sessions by id (ended, or found gone from the ephemeral store).
    async fn forget_sessions(&self, sids: &[String]) -> StoreResult<()>;
    async fn forget_session_key(&self, session_key: &str) -> StoreResult<()>;
    /// Removes at most `limit` entries of sessions that have expired; returns how many.
    async fn purge_sessions(&self, now: i64, limit: u32) -> StoreResult<u64>;

    /// The apps the person consented to, by name.
    async fn connected_apps(&self, user_id: &str) -> StoreResult<Vec<ConnectedApp>>;
    /// Deletes the consent and revokes every refresh token the app holds for the person,
    /// in one transaction. Returns the grant (family) ids revoked, so their access tokens
    /// can be denied too; `None` when there was no such consent.
    async fn revoke_app(
        &self,
        user_id: &str,
        client_id: &str,
        now: i64,
    ) -> StoreResult<Option<Vec<String>>>;

    /// Removes the person and everything stored about them, in one transaction: refresh
    /// tokens, consents, and the user row (the tables keyed by user id that reference it
    /// follow by `ON DELETE CASCADE`). Returns the grant ids that were still active.
    async fn delete_account(&self, user_id: &str, now: i64) -> StoreResult<Option<Vec<String>>>;
}
