//! Settings of the two proof-of-possession features: DPoP-bound tokens and
//! `private_key_jwt` client authentication (documented in `config/default.toml`).

use serde::Deserialize;

/// DPoP (RFC 9449): sender-constrained tokens (`auth::oauth::dpop`, `validator::dpop`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpopConfig {
    /// Accept DPoP proofs at the token endpoint (off: the `DPoP` header is refused).
    pub enabled: bool,
    /// Every proof at the token endpoint must carry a nonce the server handed out.
    pub require_nonce: bool,
    /// How long a handed-out nonce is accepted, in seconds.
    pub nonce_ttl_secs: u64,
    /// How old a proof's `iat` may be, in seconds (its `jti` is remembered this long).
    pub proof_max_age_secs: u64,
    /// How far in the future a proof's `iat` may lie (clock skew), in seconds.
    pub proof_leeway_secs: u64,
}

/// `private_key_jwt` client authentication (RFC 7523, OIDC Core §9).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateKeyJwtConfig {
    /// The farthest in the future an assertion's `exp` may lie, in seconds.
    pub max_assertion_lifetime_secs: u64,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
    /// Fetching a client's `jwks_uri`: time limit, size limit, how long a fetched set is
    /// used, and the least time between two fetches of one URI (an unknown `kid` refetches).
    pub jwks_fetch_timeout_ms: u64,
    pub jwks_max_bytes: usize,
    pub jwks_cache_ttl_secs: u64,
    pub jwks_min_refetch_secs: u64,
    /// Allow `jwks_uri` hosts that resolve to loopback, private or link-local addresses
    /// (off: such a fetch is refused, so a client cannot make the server probe its network).
    pub jwks_allow_private_addresses: bool,
}
