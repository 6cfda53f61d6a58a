//! DPoP proofs (RFC 9449 §4.3): the check every receiver of a proof makes, shared by the
//! identity server (token endpoint, userinfo) and resource servers (this validator's
//! extractor). Replay (`jti` seen before) and server nonces are the caller's: the identity
//! server keeps them in its ephemeral store (Redis in production), a resource server in a
//! [`ReplayCache`].
//!
//! What is checked, in order: size, header (`typ: dpop+jwt`, `alg` one of
//! [`ALGS`], a public `jwk` that fits the algorithm), the signature with that key, then the
//! claims: `jti`, `htm`, `htu` (without query and fragment), `iat` within the window, and
//! `ath` when an access token comes with the proof.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The proof algorithms accepted, as RFC 9449 names them in metadata and challenges.
pub const ALGS: [&str; 3] = ["ES256", "EdDSA", "RS256"];

/// `algs="…"` of a `WWW-Authenticate: DPoP` challenge.
pub const ALGS_PARAM: &str = "ES256 EdDSA RS256";

/// No honest proof comes near this (an RSA-4096 `jwk` is about 1 KB).
const MAX_PROOF_BYTES: usize = 8 * 1024;

/// Members only a private JWK has (RFC 7517/7518): a proof carrying one is refused.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// What the receiver expects of a proof for this request.
#[derive(Debug, Clone)]
pub struct ProofRequirements<'a> {
    /// The request's method (`htm`), as sent.
    pub method: &'a str,
    /// The request's URL as the client addressed it (`htu`); query and fragment are ignored.
    pub url: &'a str,
    /// The access token sent with the proof (resource requests): `ath` must be its hash.
    pub access_token: Option<&'a str>,
    pub now: i64,
    /// How old `iat` may be, in seconds.
    pub max_age_secs: i64,
    /// How far in the future `iat` may be, in seconds.
    pub leeway_secs: i64,
}

/// A proof whose signature and claims checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// RFC 7638 SHA-256 thumbprint of the proof's key (base64url): the token's `cnf.jkt`.
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
    pub nonce: Option<String>,
}

impl VerifiedProof {
    /// The key under which a replay cache remembers this proof.
    pub fn replay_key(&self) -> String {
        hex::encode(Sha256::digest(format!("{}\n{}", self.jkt, self.jti)))
    }
}

/// Why a proof is refused (RFC 9449 `invalid_dpop_proof`); the text is safe to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProofError(pub &'static str);

#[derive(Deserialize)]
struct ProofClaims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    #[serde(default)]
    ath: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
}

/// `ath`: base64url SHA-256 of the access token's ASCII bytes (RFC 9449 §4.2).
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Checks one proof against what the request is; replay and nonce are left to the caller.
pub fn verify_proof(proof: &str, req: &ProofRequirements<'_>) -> Result<VerifiedProof, ProofError> {
    let bad = ProofError;
    if proof.len() > MAX_PROOF_BYTES {
        return Err(bad("proof too large"));
    }
    let header_segment = proof.split('.').next().unwrap_or_default();
    let raw_header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header_segment)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(bad("malformed proof header"))?;
    let typ_ok = raw_header
        .get("typ")
        .and_then(|t| t.as_str())
        .is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt"));
    if !typ_ok {
        return Err(bad("proof typ must be dpop+jwt"));
    }
    let alg_name = raw_header.get("alg").and_then(|a| a.as_str()).unwrap_or("");
    if !ALGS.contains(&alg_name) {
        return Err(bad("proof algorithm must be ES256, EdDSA or RS256"));
    }
    let raw_jwk = raw_header
        .get("jwk")
        .and_then(|j| j.as_object())
        .ok_or(bad("proof header has no jwk"))?;
    if PRIVATE_MEMBERS.iter().any(|m| raw_jwk.contains_key(*m)) {
        return Err(bad("proof jwk must be a public key"));
    }
    if raw_header
        .get("crit")
        .is_some_and(|c| c.as_array().is_none_or(|a| !a.is_empty()))
    {
        return Err(bad("unsupported critical header"));
    }
    let header = jsonwebtoken::decode_header(proof).map_err(|_| bad("malformed proof header"))?;
    let jwk = header.jwk.ok_or(bad("proof header has no jwk"))?;
    check_key_fits(&jwk, header.alg)?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| bad("unusable proof jwk"))?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<ProofClaims>(proof, &key, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => bad("proof signature is invalid"),
            jsonwebtoken::errors::ErrorKind::Json(_) => {
                bad("proof claims jti, htm, htu and iat are required")
            }
            _ => bad("malformed proof"),
        })?
        .claims;
    if claims.jti.is_empty() || claims.jti.len() > 256 {
        return Err(bad("proof jti must be 1 to 256 characters"));
    }
    if claims.htm != req.method {
        return Err(bad("proof htm does not match the request method"));
    }
    if normalized(&claims.htu).is_none() || normalized(&claims.htu) != normalized(req.url) {
        return Err(bad("proof htu does not match the request URL"));
    }
    if claims.iat > req.now.saturating_add(req.leeway_secs) {
        return Err(bad("proof iat is in the future"));
    }
    if claims.iat < req.now.saturating_sub(req.max_age_secs) {
        return Err(bad("proof is too old (iat)"));
    }
    if let Some(token) = req.access_token {
        match &claims.ath {
            Some(ath) if *ath == access_token_hash(token) => {}
            Some(_) => return Err(bad("proof ath does not match the access token")),
            None => return Err(bad("proof ath is required with an access token")),
        }
    }
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| bad("unusable proof jwk"))?;
    Ok(VerifiedProof {
        jkt,
        jti: claims.jti,
        iat: claims.iat,
        nonce: claims.nonce,
    })
}

/// The key type must be the algorithm's (a P-256 key for ES256, Ed25519 for EdDSA, RSA of
/// at least 2048 bits for RS256), so no key is used with an algorithm it was not made for.
fn check_key_fits(jwk: &Jwk, alg: Algorithm) -> Result<(), ProofError> {
    let fits = match (&jwk.algorithm, alg) {
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA) => {
            okp.curve == EllipticCurve::Ed25519
        }
        (AlgorithmParameters::RSA(rsa), Algorithm::RS256) => URL_SAFE_NO_PAD
            .decode(&rsa.n)
            .is_ok_and(|n| n.iter().skip_while(|b| **b == 0).count() >= 256),
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(ProofError("proof jwk does not fit its algorithm"))
    }
}

/// `htu` comparison (RFC 9449 §4.3 item 9): scheme, host, port and path, after URL
/// normalisation; query and fragment ignored.
fn normalized(url: &str) -> Option<String> {
    let mut url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// An in-process memory of proofs seen, for a resource server (one instance; several
/// instances behind a balancer would each accept a proof once, which RFC 9449 §11.1 leaves
/// to the deployment). Bounded: when full of live entries, new proofs are refused rather
/// than old ones forgotten, so a flood cannot reopen a replay window.
pub struct ReplayCache {
    seen: Mutex<HashMap<String, i64>>,
    capacity: usize,
}

impl ReplayCache {
    pub fn new(capacity: usize) -> Self {
        ReplayCache {
            seen: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// `true` the first time `key` is offered before `expires_at`; `false` for a replay,
    /// or when the cache is full of unexpired entries.
    pub fn first_use(&self, key: String, expires_at: i64, now: i64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.get(&key).is_some_and(|exp| *exp > now) {
            return false;
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, exp| *exp > now);
            if seen.len() >= self.capacity {
                tracing::warn!(
                    capacity = self.capacity,
                    "DPoP replay cache full; proof refused"
                );
                return false;
            }
        }
        seen.insert(key, expires_at);
        true
    }
}

#[cfg(test)]
#[path = "dpop_tests.rs"]
mod tests;
