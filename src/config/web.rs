//! `[web]`: the Belf web app's settings and their checks (kept apart so `config.rs` stays
//! one screen per part).

use std::net::SocketAddr;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{Config, ConfigError};

/// The Belf web app (`crate::web`): where it listens, the identity server it signs people
/// in with and the todo API it calls (both over HTTP only), and its own session store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    pub bind: SocketAddr,
    /// The URL people open; the redirect URI is `{public_url}/callback`. `https` turns on
    /// the `__Host-` cookie prefix and `Secure`.
    pub public_url: url::Url,
    /// Empty in a file: `server.issuer` (filled in at load).
    pub issuer: String,
    pub todo_url: url::Url,
    /// Empty: `belf serve` registers the app and keeps its credentials in
    /// `{keys.dir}/web-client.json`.
    pub client_id: String,
    pub client_secret: SecretString,
    /// `database` (the SQL store at `database_url`) or `redis` (`[redis]`).
    pub session_store: WebSessionStore,
    pub database_url: SecretString,
    pub session_ttl_secs: u64,
    /// Seconds a session read from the store is served from memory (0: every page reads
    /// the store). Writes of this process are seen at once; another instance's within this.
    pub session_cache_secs: u64,
    /// Refresh the access token when it has fewer seconds than this left.
    pub refresh_margin_secs: u64,
    pub default_locale: String,
    /// The UTC offset "today" is in until a person picks theirs (`+09:00`).
    pub default_utc_offset: String,
    /// The largest photo a check-off form may carry, in bytes.
    pub max_photo_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebSessionStore {
    Database,
    Redis,
}

impl Config {
    /// Defaults that depend on other keys: the web app's issuer is the identity server's
    /// unless set.
    pub(super) fn resolve_web(&mut self) {
        if self.web.issuer.trim().is_empty() {
            self.web.issuer = self.issuer();
        }
    }

    pub(super) fn check_web(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.to_owned(),
            })
        };
        let web = &self.web;
        if !matches!(web.public_url.scheme(), "http" | "https") || web.public_url.query().is_some()
        {
            return invalid("web.public_url", "must be an http(s) URL without a query");
        }
        if !url::Url::parse(&web.issuer).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            return invalid(
                "web.issuer",
                "must be empty (server.issuer) or an http(s) URL",
            );
        }
        if !matches!(web.todo_url.scheme(), "http" | "https") {
            return invalid("web.todo_url", "must be an http(s) URL");
        }
        if web.session_store == WebSessionStore::Database
            && crate::db::Dialect::parse(web.database_url.expose_secret()).is_none()
        {
            return invalid("web.database_url", "must start with sqlite: or postgres:");
        }
        if web.session_store == WebSessionStore::Redis && !self.redis.enabled() {
            return invalid("web.session_store", "`redis` needs redis.url");
        }
        if web.max_photo_bytes == 0 || web.max_photo_bytes > 32 * 1024 * 1024 {
            return invalid(
                "web.max_photo_bytes",
                "must be between 1 and 33554432 (32 MiB)",
            );
        }
        if web.session_ttl_secs == 0 {
            return invalid("web.session_ttl_secs", "must be greater than 0");
        }
        if !matches!(web.default_locale.as_str(), "en" | "ko") {
            return invalid("web.default_locale", "must be `en` or `ko`");
        }
        if crate::web::zone::UtcOffset::parse(&web.default_utc_offset).is_none() {
            return invalid(
                "web.default_utc_offset",
                "must be a UTC offset such as +09:00 or -05:30",
            );
        }
        Ok(())
    }
}
