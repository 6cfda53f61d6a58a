//! `[memory_store]`: caps of the in-process state used without Redis.

use serde::Deserialize;

/// Caps of the in-process ephemeral store (used when `redis.url` is empty), in entries,
/// one per namespace (`auth::store::memory`). `Default` is what `default.toml` ships
/// (a test keeps the two equal).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryStoreConfig {
    pub sessions: usize,
    pub interactions: usize,
    pub authorization_codes: usize,
    pub spent_codes: usize,
    pub revoked_access_tokens: usize,
    pub revoked_grants: usize,
    pub grant_claims: usize,
    pub refresh_successors: usize,
    pub throttle: usize,
    /// Device authorizations (RFC 8628): each record, its user-code index, its poll
    /// state and its decision count one entry in their kind.
    pub device_codes: usize,
    pub pushed_requests: usize,
    /// Replay caches: DPoP proof `jti`s (and nonces), client assertion `jti`s.
    pub dpop_proofs: usize,
    pub client_assertions: usize,
}

impl Default for MemoryStoreConfig {
    fn default() -> Self {
        MemoryStoreConfig {
            sessions: 200_000,
            interactions: 20_000,
            authorization_codes: 10_000,
            spent_codes: 20_000,
            revoked_access_tokens: 100_000,
            revoked_grants: 100_000,
            grant_claims: 100_000,
            refresh_successors: 100_000,
            throttle: 200_000,
            device_codes: 10_000,
            pushed_requests: 10_000,
            dpop_proofs: 200_000,
            client_assertions: 100_000,
        }
    }
}
