//! The reuse grace window of refresh-token rotation: within `refresh_reuse_grace_ms` of a
//! rotation, presenting the spent token again hands back *the same* successor, so two tabs
//! refreshing at once end up with one live token instead of two (and a thief who replays
//! a token inside the window gains nothing the victim does not also hold).
//!
//! Only digests of refresh tokens are stored, so the successor is kept in the ephemeral
//! store encrypted (AES-256-GCM) under a key derived from the *spent* token: only someone
//! presenting that token can read it back, and a copy of the store reveals nothing.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{OAuthError, OAuthResult};
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

#[derive(Serialize, Deserialize)]
struct Sealed {
    /// Until when (Unix ms) the successor may be handed back.
    until_ms: i64,
    nonce: String,
    sealed: String,
}

fn key_for(spent_token: &str) -> OAuthResult<LessSafeKey> {
    let mut h = Sha256::new();
    h.update(b"belf refresh successor v1\0");
    h.update(spent_token.as_bytes());
    let key = UnboundKey::new(&AES_256_GCM, &h.finalize())
        .map_err(|_| OAuthError::unavailable(&"AES key setup failed"))?;
    Ok(LessSafeKey::new(key))
}

/// Remembers `successor` as what `spent_token` rotated into, until `until_ms`.
pub async fn remember(
    ctx: &AuthContext,
    spent_token: &str,
    successor: &str,
    until_ms: i64,
) -> OAuthResult<()> {
    let key = key_for(spent_token)?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
    let mut data = successor.as_bytes().to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
        .map_err(|_| OAuthError::unavailable(&"sealing failed"))?;
    let json = serde_json::to_string(&Sealed {
        until_ms,
        nonce: URL_SAFE_NO_PAD.encode(nonce),
        sealed: URL_SAFE_NO_PAD.encode(&data),
    })
    .map_err(|e| OAuthError::unavailable(&e))?;
    let ttl_secs = (until_ms - ctx.clock.now_millis()).max(0) as u64 / 1000 + 1;
    ctx.stores
        .ephemeral
        .put(
            Namespace::RefreshSuccessor,
            &handles::digest(spent_token),
            &json,
            ttl_secs,
        )
        .await?;
    Ok(())
}

/// The successor `spent_token` rotated into, if the grace window is still open.
pub async fn recall(
    ctx: &AuthContext,
    spent_token: &str,
    now_ms: i64,
) -> OAuthResult<Option<String>> {
    let Some(raw) = ctx
        .stores
        .ephemeral
        .get(Namespace::RefreshSuccessor, &handles::digest(spent_token))
        .await?
    else {
        return Ok(None);
    };
    let Ok(sealed) = serde_json::from_str::<Sealed>(&raw) else {
        return Ok(None);
    };
    if now_ms > sealed.until_ms {
        return Ok(None);
    }
    let (Ok(nonce), Ok(mut data)) = (
        URL_SAFE_NO_PAD.decode(&sealed.nonce),
        URL_SAFE_NO_PAD.decode(&sealed.sealed),
    ) else {
        return Ok(None);
    };
    let Ok(nonce) = Nonce::try_assume_unique_for_key(&nonce) else {
        return Ok(None);
    };
    let key = key_for(spent_token)?;
    Ok(key
        .open_in_place(nonce, Aad::empty(), &mut data)
        .ok()
        .and_then(|plain| String::from_utf8(plain.to_vec()).ok()))
}
