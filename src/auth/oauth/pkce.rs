//! PKCE (RFC 7636), S256 only.
//!
//! The challenge/verify arithmetic is oxide-auth's `Pkce` extension (constant-time compare
//! of the S256 digest). We add what it leaves open: the RFC's length and alphabet rules for
//! the verifier and challenge, and a stored form we can persist in our own code records.

use std::borrow::Cow;

use oxide_auth::code_grant::extensions::Pkce;
use oxide_auth::primitives::grant::Value;

use serde::{Deserialize, Serialize};

use super::error::{OAuthError, OAuthResult};

/// RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~].
fn is_valid_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 code challenge as accepted at the authorization endpoint and stored with the
/// code (the base64url SHA-256 of the client's verifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeChallenge(String);

/// A code verifier as presented at the token endpoint, of the RFC's length and alphabet.
/// Not `Debug`-printed: until the code is redeemed it is a credential.
pub struct CodeVerifier(String);

impl CodeVerifier {
    pub fn parse(raw: &str) -> OAuthResult<CodeVerifier> {
        if !is_valid_verifier(raw) {
            return Err(OAuthError::invalid_grant(
                "code_verifier must be 43-128 characters of [A-Za-z0-9-._~]",
            ));
        }
        Ok(CodeVerifier(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier(***)")
    }
}

/// Checks the authorization request's PKCE parameters. Returns the encoded challenge to store
/// with the code (`None` when the client sent none and is allowed not to).
pub fn accept_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
    required: bool,
) -> OAuthResult<Option<CodeChallenge>> {
    match (challenge, method) {
        (None, Some(_)) => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method without code_challenge",
            ));
        }
        (None, None) if required => {
            return Err(OAuthError::invalid_request(
                "PKCE is required for this client: send code_challenge with code_challenge_method=S256",
            ));
        }
        (None, None) => return Ok(None),
        (Some(_), m) if m != Some("S256") => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method must be S256 (plain is not supported)",
            ));
        }
        (Some(c), _) if c.len() != 43 || !is_valid_verifier(c) => {
            return Err(OAuthError::invalid_request(
                "code_challenge must be the 43-character base64url SHA-256 of the verifier",
            ));
        }
        _ => {}
    }
    let value = Pkce::required()
        .challenge(method.map(Cow::Borrowed), challenge.map(Cow::Borrowed))
        .map_err(|()| OAuthError::invalid_request("invalid code_challenge"))?;
    Ok(value
        .and_then(|v| v.into_private_value().ok().flatten())
        .map(CodeChallenge))
}

/// Checks the token request's verifier against the stored challenge. If a challenge was
/// stored the verifier is mandatory; a verifier without a stored challenge is refused too
/// (it would mean the client believes PKCE protects a code that it does not).
pub fn verify(stored: Option<&CodeChallenge>, verifier: Option<&str>) -> OAuthResult<()> {
    match (stored, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent but the authorization request had no code_challenge",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is required")),
        (Some(stored), Some(verifier)) => {
            let verifier = CodeVerifier::parse(verifier)?;
            Pkce::required()
                .verify(
                    Some(Value::private(Some(stored.0.clone()))),
                    Some(Cow::Borrowed(verifier.as_str())),
                )
                .map_err(|()| {
                    OAuthError::invalid_grant("code_verifier does not match code_challenge")
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sha2::Digest;

    fn s256(v: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.as_bytes()))
    }

    #[test]
    fn s256_round_trip_and_failures() {
        let verifier = "a".repeat(43);
        let stored = accept_challenge(Some(&s256(&verifier)), Some("S256"), true)
            .unwrap()
            .unwrap();
        assert!(verify(Some(&stored), Some(&verifier)).is_ok());
        assert_eq!(
            format!("{:?}", CodeVerifier::parse(&verifier).unwrap()),
            "CodeVerifier(***)"
        );
        assert!(verify(Some(&stored), Some(&"b".repeat(43))).is_err());
        assert!(verify(Some(&stored), None).is_err());
        assert!(verify(Some(&stored), Some("short")).is_err());
        assert!(accept_challenge(Some(&verifier), Some("plain"), true).is_err());
        assert!(accept_challenge(Some(&s256(&verifier)), None, true).is_err());
        assert!(accept_challenge(None, None, true).is_err());
        assert_eq!(accept_challenge(None, None, false).unwrap(), None);
        assert!(verify(None, Some(&verifier)).is_err());
    }
}
