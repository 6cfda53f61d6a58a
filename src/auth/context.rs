//! Everything the protocol needs, built once from configuration and shared by reference.
//! No globals: tests build their own with their own stores, keys and clock (`now`).

use std::sync::Arc;

use crate::auth::accounts::password::PasswordHasherPool;
use crate::auth::accounts::throttle::Throttle;
use crate::auth::oidc::id_token::IdTokenIssuer;
use crate::auth::oidc::metadata;
use crate::auth::store::Stores;
use crate::auth::tokens::access_token::AccessTokenIssuer;
use crate::auth::tokens::keys::KeyRing;
use crate::config::Config;

#[derive(Clone)]
pub struct AuthContext {
    pub config: Arc<Config>,
    pub stores: Stores,
    pub keys: Arc<KeyRing>,
    pub access_tokens: AccessTokenIssuer,
    pub id_tokens: IdTokenIssuer,
    pub passwords: PasswordHasherPool,
    pub throttle: Throttle,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    pub known_scopes: Arc<[String]>,
    pub issuer: Arc<str>,
    /// Discovery document and JWKS, serialised once; serving them is a refcount bump.
    pub discovery_json: axum::body::Bytes,
    pub jwks_json: axum::body::Bytes,
}

impl AuthContext {
    pub fn new(config: Arc<Config>, stores: Stores, keys: Arc<KeyRing>) -> anyhow::Result<Self> {
        Ok(AuthContext {
            access_tokens: AccessTokenIssuer::new(&config, keys.clone()),
            id_tokens: IdTokenIssuer::new(&config, keys.clone()),
            passwords: PasswordHasherPool::new(&config.password)?,
            throttle: Throttle::new(config.throttle.clone()),
            metrics: crate::metrics::Metrics::new("belf_auth"),
            known_scopes: metadata::known_scopes(&config).into(),
            issuer: config.issuer().into(),
            discovery_json: metadata::discovery_json(&config)?.into(),
            jwks_json: axum::body::Bytes::from(keys.jwks_json().to_string()),
            config,
            stores,
            keys,
        })
    }
}

/// Seconds since the Unix epoch: the only place the wall clock is read for protocol time.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
