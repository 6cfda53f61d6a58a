//! Opaque bearer handles (authorization codes, refresh tokens, session ids, client secrets).
//!
//! A handle is 256 random bits, base64url-encoded. Only its SHA-256 digest is ever stored, so a
//! copy of the database or of Redis yields nothing a client could present.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random handle: 32 bytes from the OS CSPRNG, base64url without padding (43 chars).
pub fn new_handle() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The storage key of a handle: hex SHA-256.
pub fn digest(handle: &str) -> String {
    hex::encode(Sha256::digest(handle.as_bytes()))
}

/// Raw SHA-256, for constant-time comparison of secrets.
pub fn digest_bytes(handle: &str) -> [u8; 32] {
    Sha256::digest(handle.as_bytes()).into()
}

/// A short random identifier (128 bits, base64url) for ids that are not secrets by themselves.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_long_unique_and_digest_is_stable() {
        let a = new_handle();
        let b = new_handle();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
        assert_eq!(digest(&a).len(), 64);
    }
}
