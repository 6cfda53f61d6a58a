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
const CAPACITY: usize = 16 * 1024;

/// SHA-256 of the token: the map holds no token, and a lookup compares 32 bytes.
pub(crate) type TokenDigest = [u8; 32];

pub(crate) fn digest(token: &str) -> TokenDigest {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[derive(Clone)]
pub(crate) struct Verified {
    pub claims: AccessClaims,
    pub nbf: Option<i64>,
    pub kid: String,
    /// The key that verified the signature; a hit counts only while it is still the one
    /// the issuer publishes under `kid`.
    pub key: Arc<CachedKey>,
}

#[derive(Default)]
pub(crate) struct VerifiedTokens {
    map: Mutex<HashMap<TokenDigest, Verified>>,
}

impl VerifiedTokens {
    pub fn get(&self, digest: &TokenDigest) -> Option<Verified> {
        // A poisoned lock means a panic mid-update elsewhere; forget everything rather than
        // trust a half-written map (the cost is one signature check per token).
        match self.map.lock() {
            Ok(map) => map.get(digest).cloned(),
            Err(poisoned) => {
                poisoned.into_inner().clear();
                self.map.clear_poison();
                None
            }
        }
    }

    pub fn insert(&self, digest: TokenDigest, entry: Verified, now: i64) {
        let Ok(mut map) = self.map.lock() else { return };
        if map.len() >= CAPACITY {
            map.retain(|_, v| v.claims.exp > now);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(digest, entry);
    }

    pub fn remove(&self, digest: &TokenDigest) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(digest);
        }
    }
}
