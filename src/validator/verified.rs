//! Tokens already verified, so a client calling many times with one token pays for the
//! signature check once (an ES256 check is ~50 µs, the rest of a todo request a few µs).
//!
//! A hit is not a free pass: the caller re-checks the times on every use, and the entry
//! remembers the very key object that verified it, so when the key set is refreshed (every
//! `jwks_max_age`, or on rotation) the token is verified again against the current keys and
//! a withdrawn key stops working exactly as without the cache. Only verified tokens enter,
//! so invalid tokens cannot fill it; at capacity, expired entries go first, then all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::AccessClaims;
use super::jwks::CachedKey;

/// Enough for every token of a busy service's active users; ~1 KiB each.
pub(crate) const VALIDATOR_CAPACITY: usize = 16 * 1024;

/// SHA-256 of the token: the map holds no token, and a lookup compares 32 bytes.
pub type TokenDigest = [u8; 32];

pub fn digest(token: &str) -> TokenDigest {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// What the validator remembers of a verified token.
#[derive(Clone)]
pub(crate) struct Verified {
    pub claims: AccessClaims,
    pub nbf: Option<i64>,
    pub kid: Arc<str>,
    /// The key that verified the signature; a hit counts only while it is still the one
    /// the issuer publishes under `kid`.
    pub key: Arc<CachedKey>,
}

/// A bounded map from token digest to what its verification produced, with the token's
/// `exp` so that expired entries are the first to go when it fills. Used by this validator
/// and by the identity server's own token checks (introspection, userinfo); the callers
/// decide what a hit still has to pass.
pub struct VerifiedTokens<V> {
    map: Mutex<HashMap<TokenDigest, (V, i64)>>,
    capacity: usize,
}

impl<V: Clone> VerifiedTokens<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    pub fn get(&self, digest: &TokenDigest) -> Option<V> {
        // A poisoned lock means a panic mid-update elsewhere; forget everything rather than
        // trust a half-written map (the cost is one signature check per token).
        match self.map.lock() {
            Ok(map) => map.get(digest).map(|(v, _)| v.clone()),
            Err(poisoned) => {
                poisoned.into_inner().clear();
                self.map.clear_poison();
                None
            }
        }
    }

    /// Remembers `value` for a token expiring at `exp`; at capacity, expired entries are
    /// dropped first, then everything.
    pub fn insert(&self, digest: TokenDigest, value: V, exp: i64, now: i64) {
        let Ok(mut map) = self.map.lock() else { return };
        if map.len() >= self.capacity {
            map.retain(|_, (_, e)| *e > now);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(digest, (value, exp));
    }

    pub fn remove(&self, digest: &TokenDigest) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(digest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_drops_expired_entries_first_then_everything() {
        let cache = VerifiedTokens::new(2);
        let now = 1_000;
        cache.insert(digest("expired"), 1, now - 1, now);
        cache.insert(digest("live"), 2, now + 60, now);
        // Full: the expired entry makes room, the live one stays.
        cache.insert(digest("new"), 3, now + 60, now);
        assert_eq!(cache.get(&digest("expired")), None);
        assert_eq!(cache.get(&digest("live")), Some(2));
        assert_eq!(cache.get(&digest("new")), Some(3));
        // Full of live entries: cleared, so memory stays bounded.
        cache.insert(digest("another"), 4, now + 60, now);
        assert_eq!(cache.get(&digest("live")), None);
        assert_eq!(cache.get(&digest("another")), Some(4));
        cache.remove(&digest("another"));
        assert_eq!(cache.get(&digest("another")), None);
    }
}
