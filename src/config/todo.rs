//! `[todo]`: the todo/course service's own settings (it shares no table with the identity
//! server and knows it only by its issuer URL).

use std::net::SocketAddr;

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TodoConfig {
    pub bind: SocketAddr,
    pub database_url: SecretString,
    pub issuer: url::Url,
    pub audience: String,
    /// Its resource identifier (RFC 8707/9728): accepted as `aud` besides `audience`, and
    /// published in `/.well-known/oauth-protected-resource`.
    pub resource: String,
    /// The largest photo accepted on a done entry, in bytes (the photo alone, before its
    /// metadata is stripped). `config/default.toml` sets it; the serde default covers a
    /// `TodoConfig` read from another document.
    #[serde(default = "TodoConfig::default_max_photo_bytes")]
    pub max_photo_bytes: usize,
}

impl TodoConfig {
    pub const DEFAULT_MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
    /// Photos are stored in the database and read whole into memory to be served: a cap
    /// keeps one upload from costing a row of hundreds of megabytes.
    pub const MAX_PHOTO_BYTES_LIMIT: usize = 32 * 1024 * 1024;

    fn default_max_photo_bytes() -> usize {
        Self::DEFAULT_MAX_PHOTO_BYTES
    }
}
