//! A `private_key_jwt` client's public keys: a JWK Set checked when it is registered, and
//! the fetcher of `jwks_uri` sets — time- and size-limited, cached, refetched when an
//! assertion names an unknown `kid` (at most once per `jwks_min_refetch_secs` per URI),
//! and by default never pointed at loopback, private or link-local addresses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};

use super::outbound::{self, FetchLimits};
use crate::config::proof_of_possession::PrivateKeyJwtConfig;

/// Members only a private JWK has: a key set holding one is refused at registration (its
/// owner has just published a private key) and at fetch.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Parses a JWK Set and keeps the keys an assertion may be signed with (RSA, P-256,
/// Ed25519; `use` absent or `sig`). Refuses private members and a set with no usable key.
pub fn parse_public_jwks(json: &str) -> Result<JwkSet, String> {
    let raw: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let keys = raw
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("not a JWK Set (no `keys` array)")?;
    if keys.iter().any(|k| {
        k.as_object()
            .is_some_and(|o| PRIVATE_MEMBERS.iter().any(|m| o.contains_key(*m)))
    }) {
        return Err("holds private or symmetric key material; register public keys only".into());
    }
    let mut usable = Vec::new();
    for key in keys {
        // Keys of other kinds (encryption keys, curves we do not use) are skipped, not fatal.
        if let Ok(jwk) = serde_json::from_value::<Jwk>(key.clone())
            && usable_for_signatures(&jwk)
        {
            usable.push(jwk);
        }
    }
    if usable.is_empty() {
        return Err("holds no RSA, P-256 or Ed25519 signature key".into());
    }
    Ok(JwkSet { keys: usable })
}

fn usable_for_signatures(jwk: &Jwk) -> bool {
    let for_signing = jwk
        .common
        .public_key_use
        .as_ref()
        .is_none_or(|u| *u == jsonwebtoken::jwk::PublicKeyUse::Signature);
    let kind_ok = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => true,
        AlgorithmParameters::EllipticCurve(ec) => ec.curve == EllipticCurve::P256,
        AlgorithmParameters::OctetKeyPair(okp) => okp.curve == EllipticCurve::Ed25519,
        _ => false,
    };
    for_signing && kind_ok
}

/// A `jwks_uri` as registered: https, or http on a loopback address (development).
pub fn check_jwks_uri(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|_| "not an absolute URL".to_owned())?;
    if url.fragment().is_some() {
        return Err("must not have a fragment".into());
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        _ => Err("must be https (http only on loopback)".into()),
    }
}

pub use super::outbound::FetchError;

struct Fetched {
    keys: Arc<JwkSet>,
    fetched_at: i64,
}

/// Key sets fetched from clients' `jwks_uri`s, by URI. Cheap to clone.
#[derive(Clone)]
pub struct ClientJwksCache {
    config: Arc<PrivateKeyJwtConfig>,
    entries: Arc<Mutex<HashMap<String, Fetched>>>,
}

/// Bound on cached URIs; past it the cache starts over (each entry is refetched on use).
const MAX_CACHED_URIS: usize = 10_000;

impl ClientJwksCache {
    pub fn new(config: &PrivateKeyJwtConfig) -> Self {
        ClientJwksCache {
            config: Arc::new(config.clone()),
            entries: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn cached(&self, uri: &str) -> Option<(Arc<JwkSet>, i64)> {
        let entries = self.entries.lock().ok()?;
        entries.get(uri).map(|f| (f.keys.clone(), f.fetched_at))
    }

    /// The key set at `uri`: cached while younger than `jwks_cache_ttl_secs`; with
    /// `refresh` (an unknown `kid`), refetched unless fetched within
    /// `jwks_min_refetch_secs`. A failed refetch falls back to the cached set.
    pub async fn keys(
        &self,
        uri: &str,
        now: i64,
        refresh: bool,
    ) -> Result<Arc<JwkSet>, FetchError> {
        let cached = self.cached(uri);
        if let Some((keys, at)) = &cached {
            let age = now.saturating_sub(*at);
            let fresh = age < self.config.jwks_cache_ttl_secs as i64;
            let recently = age < self.config.jwks_min_refetch_secs as i64;
            if (fresh && !refresh) || recently {
                return Ok(keys.clone());
            }
        }
        match self.fetch(uri).await {
            Ok(keys) => {
                let keys = Arc::new(keys);
                if let Ok(mut entries) = self.entries.lock() {
                    if entries.len() >= MAX_CACHED_URIS {
                        entries.clear();
                    }
                    entries.insert(
                        uri.to_owned(),
                        Fetched {
                            keys: keys.clone(),
                            fetched_at: now,
                        },
                    );
                }
                tracing::info!(jwks_uri = %uri, keys = keys.keys.len(), "client key set fetched");
                Ok(keys)
            }
            Err(e) => {
                tracing::warn!(jwks_uri = %uri, error = %e, "client key set fetch failed");
                match cached {
                    Some((keys, _)) => Ok(keys),
                    None => Err(e),
                }
            }
        }
    }

    async fn fetch(&self, uri: &str) -> Result<JwkSet, FetchError> {
        let limits = FetchLimits {
            timeout: Duration::from_millis(self.config.jwks_fetch_timeout_ms),
            max_bytes: self.config.jwks_max_bytes,
            allow_private: self.config.jwks_allow_private_addresses,
        };
        let fetched =
            outbound::get(uri, "application/json, application/jwk-set+json", limits).await?;
        let text = String::from_utf8(fetched.body)
            .map_err(|_| FetchError::BadDocument("not UTF-8".into()))?;
        parse_public_jwks(&text).map_err(FetchError::BadDocument)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_and_empty_sets_are_refused() {
        let private = r#"{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLyUbFnaMf-eDvBtaAhY5s"}]}"#;
        assert!(parse_public_jwks(private).is_err());
        assert!(parse_public_jwks(r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#).is_err());
        assert!(parse_public_jwks(r#"{"keys":[]}"#).is_err());
        assert!(parse_public_jwks("[]").is_err());
        let public = r#"{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
        assert_eq!(parse_public_jwks(public).unwrap().keys.len(), 1);
    }

    #[test]
    fn jwks_uri_must_be_https_or_loopback_http() {
        assert!(check_jwks_uri("https://rp.example/jwks").is_ok());
        assert!(check_jwks_uri("http://127.0.0.1:9000/jwks").is_ok());
        assert!(check_jwks_uri("http://rp.example/jwks").is_err());
        assert!(check_jwks_uri("https://rp.example/jwks#x").is_err());
        assert!(check_jwks_uri("jwks.json").is_err());
    }
}
