//! JWKS cache keyed by `kid`.
//!
//! An unknown `kid` triggers a refetch (key rotation), but at most one per
//! `refetch_interval`, and concurrent misses share that one fetch: a flood of bogus kids
//! must not turn us into an amplifier against the issuer. A failed refetch keeps the old
//! keys, so an issuer outage does not stop tokens signed by known keys. Keys older than
//! `max_age` are refreshed on use, so a key the issuer withdraws stops working. Both
//! intervals are measured on the validator's [`Clock`], in milliseconds.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, PublicKeyUse};
use jsonwebtoken::{DecodingKey, jwk::Jwk};

use super::{DiscoveryError, allowed, fetch_json};
use crate::clock::Clock;

#[derive(serde::Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// A verification key with the one algorithm it may be used with.
pub(crate) struct CachedKey {
    pub key: DecodingKey,
    pub alg: Algorithm,
    /// EC and Ed25519 keys parsed once (aws-lc), so a signature check does not re-parse
    /// and re-validate the curve point each time as `jsonwebtoken::decode` does.
    pub parsed: Option<aws_lc_rs::signature::ParsedPublicKey>,
}

pub(crate) struct JwksCache {
    http: reqwest::Client,
    uri: String,
    refetch_interval: Duration,
    max_age: Duration,
    clock: Clock,
    keys: RwLock<Keys>,
    /// Held while refetching; remembers when (clock milliseconds) the last refetch attempt
    /// started.
    refetch: tokio::sync::Mutex<Option<i64>>,
}

struct Keys {
    by_kid: HashMap<String, Arc<CachedKey>>,
    /// Clock milliseconds.
    fetched_at: i64,
}

impl JwksCache {
    pub fn new(
        http: reqwest::Client,
        uri: String,
        refetch_interval: Duration,
        max_age: Duration,
        clock: Clock,
    ) -> Self {
        let fetched_at = clock.now_millis();
        Self {
            http,
            uri,
            refetch_interval,
            max_age,
            clock,
            keys: RwLock::new(Keys {
                by_kid: HashMap::new(),
                fetched_at,
            }),
            refetch: tokio::sync::Mutex::new(None),
        }
    }

    pub async fn initial_fetch(&self) -> Result<(), DiscoveryError> {
        let keys = self.fetch().await?;
        if keys.is_empty() {
            return Err(DiscoveryError::NoUsableKeys(self.uri.clone()));
        }
        self.replace(keys);
        Ok(())
    }

    pub async fn get(&self, kid: &str) -> Option<Arc<CachedKey>> {
        if let Some(k) = self.lookup(kid) {
            if !self.stale() {
                return Some(k);
            }
            // Older than `max_age`: refresh so keys the issuer has withdrawn stop
            // working. Never wait for someone else's refresh on this path, and keep the
            // old keys if the issuer cannot be reached.
            if let Ok(mut last) = self.refetch.try_lock()
                && self.may_refetch(*last)
            {
                *last = Some(self.clock.now_millis());
                self.refresh().await;
            }
            return self.lookup(kid);
        }
        let mut last = self.refetch.lock().await;
        // Another task may have refetched while we waited for the lock.
        if let Some(k) = self.lookup(kid) {
            return Some(k);
        }
        if !self.may_refetch(*last) {
            return None;
        }
        *last = Some(self.clock.now_millis());
        self.refresh().await;
        self.lookup(kid)
    }

    fn may_refetch(&self, last: Option<i64>) -> bool {
        last.is_none_or(|t| self.at_least_since(t, self.refetch_interval))
    }

    fn stale(&self) -> bool {
        let fetched_at = self
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .fetched_at;
        self.at_least_since(fetched_at, self.max_age)
    }

    /// Whether `interval` has passed since `since` (clock milliseconds). A clock that went
    /// backwards (the system clock can) counts as passed: otherwise a step back of an hour
    /// would freeze the key set for that hour.
    fn at_least_since(&self, since: i64, interval: Duration) -> bool {
        let elapsed = self.clock.now_millis().saturating_sub(since);
        let interval = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
        elapsed < 0 || elapsed >= interval
    }

    async fn refresh(&self) {
        match self.fetch().await {
            // An empty set is more likely a broken issuer than a real revocation of
            // every key; keep what we have.
            Ok(keys) if !keys.is_empty() => self.replace(keys),
            Ok(_) => tracing::warn!(uri = %self.uri, "JWKS refetch returned no usable keys"),
            Err(e) => tracing::warn!(error = %e, "JWKS refetch failed; serving cached keys"),
        }
    }

    fn lookup(&self, kid: &str) -> Option<Arc<CachedKey>> {
        // A poisoned lock only means a panic elsewhere mid-insert of a whole map; the
        // map itself is still consistent, so keep serving it.
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.by_kid.get(kid).cloned()
    }

    fn replace(&self, keys: HashMap<String, Arc<CachedKey>>) {
        let mut guard = self.keys.write().unwrap_or_else(|p| p.into_inner());
        *guard = Keys {
            by_kid: keys,
            fetched_at: self.clock.now_millis(),
        };
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<CachedKey>>, DiscoveryError> {
        // Parse key by key: one exotic entry must not hide the usable ones.
        let set: RawSet = fetch_json(&self.http, &self.uri).await?;
        Ok(set
            .keys
            .into_iter()
            .filter_map(|value| {
                let jwk: Jwk = serde_json::from_value(value).ok()?;
                let kid = jwk.common.key_id.clone()?;
                let key = usable(&jwk)?;
                Some((kid, Arc::new(key)))
            })
            .collect())
    }
}

/// Turns a JWK into a key, or `None` if it is not a signing key we accept.
fn usable(jwk: &Jwk) -> Option<CachedKey> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    // The key type decides which algorithm is even possible; a declared `alg` must agree.
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        // Symmetric (`oct`) keys never belong in a public JWKS.
        _ => return None,
    };
    let alg = match jwk.common.key_algorithm {
        Some(declared) => Algorithm::try_from(declared).ok()?,
        None => implied,
    };
    if alg != implied || !allowed(alg) {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(CachedKey {
        key,
        alg,
        parsed: parse_public(jwk),
    })
}

fn parse_public(jwk: &Jwk) -> Option<aws_lc_rs::signature::ParsedPublicKey> {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ED25519, ParsedPublicKey};
    use base64::Engine;
    let b64 = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()
    };
    match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(p) => {
            let mut point = vec![0x04];
            point.extend(b64(&p.x)?);
            point.extend(b64(&p.y)?);
            ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).ok()
        }
        AlgorithmParameters::OctetKeyPair(p) => ParsedPublicKey::new(&ED25519, b64(&p.x)?).ok(),
        _ => None,
    }
}

/// How many keys of an untrusted JWKS document would be accepted (for the fuzz harness:
/// the same path `refresh` takes with the issuer's answer).
#[doc(hidden)]
pub fn usable_keys_in(document: &str) -> usize {
    serde_json::from_str::<jsonwebtoken::jwk::JwkSet>(document)
        .map(|set| set.keys.iter().filter_map(usable).count())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(clock: &Clock) -> JwksCache {
        JwksCache::new(
            reqwest::Client::new(),
            "http://127.0.0.1:9/jwks".into(),
            Duration::from_secs(10),
            Duration::from_secs(300),
            clock.clone(),
        )
    }

    #[test]
    fn refetches_and_staleness_follow_the_injected_clock() {
        let clock = Clock::manual(1_000_000);
        let jwks = cache(&clock);
        let last = Some(clock.now_millis());
        assert!(jwks.may_refetch(None));
        assert!(!jwks.may_refetch(last));
        assert!(!jwks.stale());
        clock.advance(Duration::from_millis(9_999));
        assert!(!jwks.may_refetch(last));
        clock.advance(Duration::from_millis(1));
        assert!(jwks.may_refetch(last));
        assert!(!jwks.stale());
        clock.advance(Duration::from_secs(290));
        assert!(jwks.stale());
    }

    #[test]
    fn a_clock_that_went_backwards_does_not_freeze_the_key_set() {
        let clock = Clock::manual(1_000_000);
        let jwks = cache(&clock);
        // As if the last refetch had happened an hour "later" than now.
        let future = clock.now_millis() + 3_600_000;
        assert!(jwks.may_refetch(Some(future)));
        assert!(jwks.at_least_since(future, Duration::from_secs(300)));
    }
}
