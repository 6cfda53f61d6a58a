//! PKCE (RFC 7636) as a client does it: a fresh random verifier and its S256 challenge.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Digest;

/// A verifier and the challenge that commits to it.
pub struct Pkce {
    /// 43 base64url characters (32 random bytes), sent with the code exchange.
    pub verifier: String,
    /// `BASE64URL(SHA-256(verifier))`, sent with the authorization request.
    pub challenge: String,
}

impl Pkce {
    pub fn random() -> Pkce {
        let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }

    /// The authorization-request parameters for this pair (`code_challenge_method=S256`).
    pub fn challenge_params(&self) -> [(&'static str, &str); 2] {
        [
            ("code_challenge", self.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]
    }
}
