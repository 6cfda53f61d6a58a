//! Storage behind small traits, one per aggregate, shaped by each artifact's lifetime.
//!
//! - Durable records (clients, users, consents, refresh-token families) live in SQL
//!   (`sql.rs`, one implementation for SQLite and PostgreSQL through sqlx's `Any` driver;
//!   the only dialect difference, the migrations, lives in `migrations/auth/<dialect>`).
//! - Short-lived artifacts (browser sessions, pending authorization requests, codes,
//!   deny-lists) live in an [`EphemeralStore`]: put-with-TTL, get, atomic take, delete —
//!   a shape that maps 1:1 onto Redis (`SET EX`, `GET`, `GETDEL`, `DEL`) and onto an
//!   in-process map (`memory.rs`) for the embedded default.

pub mod account;
pub mod cached_clients;
pub mod memory;
pub mod metadata_document_clients;
pub mod redis;
pub mod sql;
mod sql_account;
mod sql_clients;
pub mod sql_hot_queries;
mod sql_refresh_batch;
mod sql_session_clients;
mod sql_upstream;
// Two-step login (issue 13, part `twostep`).
mod sql_two_step;
pub mod two_step;
// Passkeys (WebAuthn, issue 13).
pub mod passkeys;
mod sql_passkeys;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::auth::accounts::User;
use crate::auth::clients::Client;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint (username, email, client id) already holds the value.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database or cache could not be reached or failed; the request may be retried.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn insert_client(&self, client: &Client) -> StoreResult<()>;
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<Client>>;
    /// The stored record, bypassing any cache in front of the store: for decisions that
    /// must not rest on a copy older than a secret rotation (a presented secret that does
    /// not match a cached copy is checked again against this).
    async fn get_client_fresh(&self, client_id: &str) -> StoreResult<Option<Client>> {
        self.get_client(client_id).await
    }
    async fn list_clients(&self) -> StoreResult<Vec<Client>>;
    async fn delete_client(&self, client_id: &str) -> StoreResult<bool>;
    async fn set_client_secret_hash(&self, client_id: &str, hash_hex: &str) -> StoreResult<bool>;
    /// Writes the settings `belf client update` changes — the back-channel logout URI
    /// (`None` removes it), its `sid` flag and the ID token algorithm — from `client`, in
    /// one statement; nothing else. `false`: no such client.
    async fn set_client_settings(&self, client: &Client) -> StoreResult<bool>;
    /// Replaces every metadata field of a stored client (RFC 7592 PUT); the id, the
    /// provenance and the creation time stay. `false`: no such client.
    async fn replace_client(&self, client: &Client) -> StoreResult<bool>;
}

/// RFC 7591/7592 registration state: initial access tokens and each dynamically registered
/// client's registration access token, both by SHA-256 digest only.
#[async_trait]
pub trait RegistrationStore: Send + Sync {
    async fn insert_initial_token(
        &self,
        token_hash: &str,
        expires_at: i64,
        max_uses: u64,
        now: i64,
    ) -> StoreResult<()>;
    /// Takes one use of an initial access token in one step: `false` if it is unknown,
    /// expired or used up.
    async fn use_initial_token(&self, token_hash: &str, now: i64) -> StoreResult<bool>;
    /// Stores a new client with the digest of its registration access token.
    async fn insert_registered_client(&self, client: &Client, token_hash: &str) -> StoreResult<()>;
    /// The registration access token digest of a client (`None`: unknown client, or one
    /// not registered dynamically).
    async fn registration_token_hash(&self, client_id: &str) -> StoreResult<Option<String>>;
    /// Replaces the digest `old_hash` with `new_hash` in one statement; `false` if the
    /// stored digest is no longer `old_hash`.
    async fn rotate_registration_token(
        &self,
        client_id: &str,
        old_hash: &str,
        new_hash: &str,
    ) -> StoreResult<bool>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    async fn get_user(&self, user_id: &str) -> StoreResult<Option<User>>;
    /// Looks a person up by username or e-mail address (case-insensitive).
    async fn find_user(&self, login: &str) -> StoreResult<Option<User>>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Disabling also voids the person's sessions and revokes their refresh tokens, in one
    /// transaction, so re-enabling the account later revives none of them.
    async fn set_user_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now_ms: i64,
    ) -> StoreResult<bool>;
    /// Sets a new password hash, voids every session started before `now_ms` and revokes
    /// every refresh token of the person, in one transaction.
    async fn set_password_hash(&self, user_id: &str, hash: &str, now_ms: i64) -> StoreResult<bool>;
}

#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Scopes this user has already granted this client.
    async fn granted_scopes(&self, user_id: &str, client_id: &str) -> StoreResult<Vec<String>>;
    async fn remember_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scopes: &[String],
        now: i64,
    ) -> StoreResult<()>;
}

/// One refresh token of a family (= one authorization grant). Stored by digest only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshTokenRecord {
    pub token_hash: String,
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub auth_time: i64,
    /// The `claims` request parameter of the original authorization, as JSON.
    pub claims_json: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The browser session the grant began in (`sid` of the ID tokens it yields).
    #[serde(default)]
    pub sid: Option<String>,
    /// RFC 8707 resource identifiers the grant was authorized for (empty: none named).
    #[serde(default)]
    pub resources: Vec<String>,
    /// RFC 9449 §5: the JWK thumbprint a public client's refresh token is bound to; a
    /// refresh must carry a DPoP proof signed with that key.
    #[serde(default)]
    pub dpop_jkt: Option<String>,
    /// How the person signed in when the grant began (RFC 8176), for refreshed ID tokens.
    #[serde(default)]
    pub amr: Vec<String>,
}

/// What happened when a refresh token was presented for rotation.
#[derive(Debug)]
pub enum Rotation {
    /// The presented token was active; it is now spent and `new` is stored.
    Rotated,
    /// The presented token was already spent at `rotated_at` (reuse or a concurrent tab).
    AlreadySpent { record: Box<RefreshTokenRecord> },
    /// Unknown, revoked or expired.
    Invalid,
}

#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    async fn insert_refresh_token(&self, record: &RefreshTokenRecord) -> StoreResult<()>;
    async fn find_refresh_token(&self, token_hash: &str)
    -> StoreResult<Option<RefreshTokenRecord>>;
    /// Atomically marks `old_hash` spent and stores `new` — only if `old_hash` is active.
    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new: &RefreshTokenRecord,
        now: i64,
    ) -> StoreResult<Rotation>;
    /// Revokes every token of the family. Returns how many were active.
    async fn revoke_family(&self, family_id: &str, now: i64) -> StoreResult<u64>;
    /// Removes at most `limit` expired rows; returns how many. Callers repeat until fewer
    /// than `limit` come back, so each statement stays short.
    async fn purge_refresh_tokens(&self, now: i64, limit: u32) -> StoreResult<u64>;
}

/// A client that took part in a browser session (it received a code in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClient {
    pub sid: String,
    pub client_id: String,
    pub user_id: String,
}

/// Which clients took part in which browser session, for back-channel logout. Durable and
/// shared, so every instance sees every session's clients; each "take" removes what it
/// returns in one statement, so of two instances ending the same session one notifies.
#[async_trait]
pub trait SessionClientStore: Send + Sync {
    /// Idempotent: a second code for the same client in the same session changes nothing
    /// but the expiry.
    async fn remember_session_client(
        &self,
        participant: &SessionClient,
        started_at_ms: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The clients of session `sid`, removed.
    async fn take_session_clients(&self, sid: &str) -> StoreResult<Vec<SessionClient>>;
    /// The clients of every session of `user_id` that started before `before_ms`, removed
    /// (a password change or a disable voids exactly those sessions).
    async fn take_user_session_clients(
        &self,
        user_id: &str,
        before_ms: i64,
    ) -> StoreResult<Vec<SessionClient>>;
    /// Removes at most `limit` rows of sessions that have expired by themselves.
    async fn purge_session_clients(&self, now: i64, limit: u32) -> StoreResult<u64>;
}

/// An account at an upstream provider linked to a local person: `(provider, subject)` is
/// unique (one local account per upstream account), and so is `(user_id, provider)` (one
/// account of each provider per person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamIdentity {
    pub provider: String,
    pub subject: String,
    pub user_id: String,
    /// The e-mail address the provider gave at linking, for the account page.
    pub email: Option<String>,
    pub linked_at: i64,
}

#[async_trait]
pub trait UpstreamIdentityStore: Send + Sync {
    /// `Conflict` when the upstream account or the person's link to this provider exists.
    async fn link_identity(&self, identity: &UpstreamIdentity) -> StoreResult<()>;
    /// A just-in-time account and its first link, in one transaction: both or neither.
    async fn insert_user_with_identity(
        &self,
        user: &User,
        identity: &UpstreamIdentity,
    ) -> StoreResult<()>;
    async fn find_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<UpstreamIdentity>>;
    async fn identities_of(&self, user_id: &str) -> StoreResult<Vec<UpstreamIdentity>>;
    /// Removes the person's link to `provider`; whether there was one.
    async fn unlink_identity(&self, user_id: &str, provider: &str) -> StoreResult<bool>;
}

/// Namespaces of short-lived artifacts; the key inside each is a digest or random id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    Session,
    Interaction,
    AuthorizationCode,
    SpentCode,
    RevokedJti,
    RevokedGrant,
    GrantClaims,
    RefreshSuccessor,
    Throttle,
    /// RFC 8628 device authorizations (by device-code digest) and their user-code index.
    DeviceCode,
    /// When each device code was last polled, and its current interval.
    DevicePoll,
    /// The person's answer to a device authorization, taken once by the device's poll.
    DeviceDecision,
    /// RFC 9126 pushed authorization requests, by `request_uri` digest.
    PushedRequest,
    /// RFC 9449 proof `jti`s seen (by digest of key thumbprint and jti), until the proof
    /// would be too old anyway.
    DpopJti,
    /// RFC 9449 §8 server nonces handed out and still accepted.
    DpopNonce,
    /// RFC 7523 client assertion `jti`s seen (by digest of client id and jti), until `exp`.
    AssertionJti,
    /// Sign-ins at an upstream provider on their way (by digest of `state`): the nonce,
    /// the PKCE verifier and the browser they belong to, taken once by the callback.
    UpstreamLogin,
    /// Two-step login: a login waiting for its second step (after the password), by id.
    SecondStep,
    /// Two-step login: an authenticator-app key shown to a person and not yet confirmed.
    TotpEnrolment,
    /// Passkeys: a WebAuthn ceremony between its options and the browser's answer, by id.
    PasskeyCeremony,
}

impl Namespace {
    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::Session => "sess",
            Namespace::Interaction => "ia",
            Namespace::AuthorizationCode => "code",
            Namespace::SpentCode => "spent",
            Namespace::RevokedJti => "rjti",
            Namespace::RevokedGrant => "rgrant",
            Namespace::GrantClaims => "gclaims",
            Namespace::RefreshSuccessor => "rsucc",
            Namespace::Throttle => "thr",
            Namespace::DeviceCode => "dev",
            Namespace::DevicePoll => "devpoll",
            Namespace::DeviceDecision => "devdec",
            Namespace::PushedRequest => "par",
            Namespace::DpopJti => "dpopjti",
            Namespace::DpopNonce => "dpopnonce",
            Namespace::AssertionJti => "ajti",
            Namespace::UpstreamLogin => "upstream",
            Namespace::SecondStep => "2step",
            Namespace::TotpEnrolment => "totpenrol",
            Namespace::PasskeyCeremony => "passkey",
        }
    }
}

#[async_trait]
pub trait EphemeralStore: Send + Sync {
    async fn put(&self, ns: Namespace, key: &str, value: &str, ttl_secs: u64) -> StoreResult<()>;
    async fn get(&self, ns: Namespace, key: &str) -> StoreResult<Option<String>>;
    /// Several keys in one round trip (Redis `MGET`); in order, `None` where absent.
    async fn get_many(&self, ns: Namespace, keys: &[String]) -> StoreResult<Vec<Option<String>>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get(ns, k).await?);
        }
        Ok(out)
    }
    /// Returns the value and removes it in one atomic step: of two concurrent takes of the
    /// same key, exactly one gets the value (single-use authorization codes).
    async fn take(&self, ns: Namespace, key: &str) -> StoreResult<Option<String>>;
    async fn delete(&self, ns: Namespace, key: &str) -> StoreResult<()>;
    /// Adds one to a counter and returns the new value; the counter expires `ttl_secs` after
    /// its first increment (fixed-window rate limiting).
    async fn incr(&self, ns: Namespace, key: &str, ttl_secs: u64) -> StoreResult<u64>;
    /// Reachability, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;
}

/// The durable store as a whole, for readiness checks.
#[async_trait]
pub trait DurableStore: Send + Sync {
    async fn ping(&self) -> StoreResult<()>;
}

/// Everything the identity server stores, as trait objects so the embedded and
/// production back ends are chosen at start from configuration. Protocol code sees only
/// these traits: which database, and whether a cache sits in front, is decided here.
#[derive(Clone)]
pub struct Stores {
    pub clients: std::sync::Arc<dyn ClientStore>,
    pub users: std::sync::Arc<dyn UserStore>,
    pub consents: std::sync::Arc<dyn ConsentStore>,
    pub refresh_tokens: std::sync::Arc<dyn RefreshTokenStore>,
    pub session_clients: std::sync::Arc<dyn SessionClientStore>,
    /// Two-step login methods, recovery codes, who must use them.
    pub two_step: std::sync::Arc<dyn two_step::TwoStepStore>,
    /// Passkeys (WebAuthn credentials).
    pub passkeys: std::sync::Arc<dyn passkeys::PasskeyStore>,
    /// Issue 13, part `account`: pictures, the session directory, connected apps.
    pub accounts: std::sync::Arc<dyn account::AccountStore>,
    pub upstream_identities: std::sync::Arc<dyn UpstreamIdentityStore>,
    pub registrations: std::sync::Arc<dyn RegistrationStore>,
    pub ephemeral: std::sync::Arc<dyn EphemeralStore>,
    pub durable: std::sync::Arc<dyn DurableStore>,
    /// The audit trail's table (recorded through `AuthContext::audit`).
    pub audit: std::sync::Arc<dyn crate::auth::audit::AuditStore>,
    /// Single-use e-mailed links (verification, reset, invitations).
    pub email_links: std::sync::Arc<dyn crate::auth::email_links::EmailLinkStore>,
}

impl Stores {
    /// SQL from `database.url`; ephemeral state in Redis when `redis.url` is set, else
    /// in this process.
    pub async fn connect(config: &crate::config::Config) -> anyhow::Result<Stores> {
        use anyhow::Context;
        use secrecy::ExposeSecret;
        // Named by setting, so the operator knows which value to fix.
        let sql = sql::SqlStore::connect(&config.database)
            .await
            .context("database.url: cannot open or migrate the database")?;
        let ephemeral: std::sync::Arc<dyn EphemeralStore> = if config.redis.enabled() {
            std::sync::Arc::new(
                redis::RedisStore::connect(
                    config.redis.url.expose_secret(),
                    &config.redis.key_prefix,
                )
                .await
                .context("redis.url: cannot connect to Redis")?,
            )
        } else {
            std::sync::Arc::new(memory::MemoryStore::with_limits(&config.memory_store))
        };
        let mut stores = Stores::from_parts(sql, ephemeral, config.clients.cache_ttl_secs);
        if config.client_metadata_documents.enabled {
            stores.clients =
                std::sync::Arc::new(metadata_document_clients::MetadataDocumentClients::new(
                    stores.clients,
                    &config.client_metadata_documents,
                    crate::auth::oauth::scope::known_scopes(config),
                    crate::clock::Clock::system(),
                ));
        }
        Ok(stores)
    }

    pub fn from_parts(
        sql: sql::SqlStore,
        ephemeral: std::sync::Arc<dyn EphemeralStore>,
        client_cache_ttl_secs: u64,
    ) -> Self {
        let shared = std::sync::Arc::new(sql.clone());
        let client_cache = std::sync::Arc::new(cached_clients::CachedClientStore::new(
            shared.clone(),
            client_cache_ttl_secs,
        ));
        Stores {
            clients: client_cache,
            users: shared.clone(),
            consents: shared.clone(),
            refresh_tokens: shared.clone(),
            session_clients: shared.clone(),
            two_step: shared.clone(),
            passkeys: shared.clone(),
            accounts: shared.clone(),
            upstream_identities: shared.clone(),
            registrations: shared.clone(),
            audit: shared.clone(),
            email_links: shared.clone(),
            durable: shared,
            ephemeral,
        }
    }
}
