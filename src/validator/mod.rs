//! Validates Belf access tokens (RFC 9068 JWTs) for resource servers.
//!
//! Everything is learnt from the issuer URL: OIDC discovery gives `issuer` and `jwks_uri`,
//! the JWKS gives the keys. This module never names the identity server's code, so it can move to its
//! own crate unchanged.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let validator = belf::validator::Validator::discover("https://id.example", "belf-todo").await?;
//! let claims = validator.validate("eyJ...").await?;
//! println!("{} may {:?}", claims.sub, claims.scopes);
//! # Ok(()) }
//! ```

pub mod axum;
mod background;
pub mod dpop;
mod jwks;
pub mod verified;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation, errors::ErrorKind};
use serde::Deserialize;

use crate::clock::Clock;
use jwks::{CachedKey, JwksCache};
use verified::{Verified, VerifiedTokens};

pub use self::axum::Authenticated;
pub use background::{Backoff, ValidatorSlot};

/// Tokens larger than this are refused before any parsing: no honest Belf token comes near.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Tunables; the defaults suit production.
#[derive(Debug, Clone)]
pub struct ValidatorOptions {
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// Minimum time between two JWKS refetches caused by unknown `kid`s, so a flood of
    /// bogus kids costs the issuer at most one request per interval.
    pub refetch_interval: Duration,
    /// Timeout of each HTTP request to the issuer.
    pub http_timeout: Duration,
    /// After this long, the key set is refetched on use so withdrawn keys stop working.
    pub jwks_max_age: Duration,
    /// Where "now" comes from for `exp`/`nbf`, the verified-token cache, the JWKS age and
    /// the refetch interval; tests pass a manual clock and move it instead of sleeping.
    pub clock: Clock,
    /// Audiences accepted besides the one given to `discover` — a resource server's RFC
    /// 8707 identifier (its URL), which tokens requested with `resource=` carry as `aud`.
    pub also_accepted_audiences: Vec<String>,
    /// The resource server's public base URL (scheme, host, port and any path prefix), to
    /// which each request's path is appended for a DPoP proof's `htu`. `None`: DPoP-bound
    /// tokens are refused (their proofs cannot be checked).
    pub dpop_public_url: Option<String>,
    /// How old a DPoP proof may be (and how long its `jti` is remembered).
    pub dpop_max_age: Duration,
    /// Bound on remembered DPoP proof `jti`s.
    pub dpop_replay_capacity: usize,
}

impl Default for ValidatorOptions {
    fn default() -> Self {
        Self {
            leeway: Duration::from_secs(30),
            refetch_interval: Duration::from_secs(10),
            http_timeout: Duration::from_secs(5),
            jwks_max_age: Duration::from_secs(300),
            clock: Clock::system(),
            also_accepted_audiences: Vec::new(),
            dpop_public_url: None,
            dpop_max_age: Duration::from_secs(60),
            dpop_replay_capacity: 100_000,
        }
    }
}

/// Why discovery failed at start-up.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("issuer URL `{0}` is not a valid URL")]
    BadIssuer(String),
    #[error("fetching {url}: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("discovery document names issuer `{found}`, expected `{expected}`")]
    IssuerMismatch { expected: String, found: String },
    #[error("the JWKS at {0} holds no usable signing key (RS256, ES256 or EdDSA)")]
    NoUsableKeys(String),
}

/// Why a request is refused; mapped to RFC 6750 responses in [`axum`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    /// No `Authorization: Bearer` header at all.
    #[error("missing bearer token")]
    MissingToken,
    /// The token is not acceptable; the text says why (safe to show: it names no secret).
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token is fine but lacks the scope this route needs.
    #[error("insufficient scope: needs `{0}`")]
    InsufficientScope(String),
    /// RFC 9449 §7.1: the token is refused under the DPoP scheme (a DPoP-bound token sent as
    /// Bearer, a plain token sent as DPoP, or an invalid token sent as DPoP); challenged
    /// with `WWW-Authenticate: DPoP`.
    #[error("invalid token: {0}")]
    InvalidDpopToken(&'static str),
    /// RFC 9449 §7.1: the DPoP proof is missing or not acceptable (`invalid_dpop_proof`).
    #[error("invalid DPoP proof: {0}")]
    InvalidDpopProof(&'static str),
}

/// The claims of a validated access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub client_id: String,
    pub scopes: BTreeSet<String>,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    pub auth_time: Option<i64>,
    pub aud: Vec<String>,
    /// RFC 9449 `cnf.jkt`: the token is bound to this DPoP key (its SHA-256 thumbprint).
    pub cnf_jkt: Option<String>,
}

impl AccessClaims {
    /// RFC 9068 §2.2: a client-credentials token carries the client id as `sub`.
    pub fn is_user(&self) -> bool {
        self.sub != self.client_id
    }

    /// The user's id, if the token represents a user.
    pub fn user(&self) -> Option<&str> {
        self.is_user().then_some(self.sub.as_str())
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    pub fn require_scope(&self, scope: &str) -> Result<(), BearerError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(BearerError::InsufficientScope(scope.to_owned()))
        }
    }
}

/// Validates access tokens of one issuer for one audience. Cheap to clone.
#[derive(Clone)]
pub struct Validator {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    audience: String,
    also_accepted: Vec<String>,
    leeway: Duration,
    clock: Clock,
    jwks: JwksCache,
    verified: VerifiedTokens<Verified>,
    dpop_public_url: Option<String>,
    dpop_max_age: i64,
    dpop_replay: dpop::ReplayCache,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct DiscoveryDoc {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct RawClaims {
    iss: String,
    sub: String,
    aud: Audience,
    client_id: String,
    #[serde(default)]
    scope: Option<String>,
    jti: String,
    iat: i64,
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    auth_time: Option<i64>,
    #[serde(default)]
    cnf: Option<Confirmation>,
}

/// RFC 7800 `cnf`; only `jkt` (RFC 9449) is understood.
#[derive(Deserialize)]
struct Confirmation {
    #[serde(default)]
    jkt: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Validator {
    /// Fetches `{issuer}/.well-known/openid-configuration` and then the JWKS.
    pub async fn discover(issuer: &str, audience: &str) -> Result<Self, DiscoveryError> {
        Self::discover_with(issuer, audience, ValidatorOptions::default()).await
    }

    pub async fn discover_with(
        issuer: &str,
        audience: &str,
        options: ValidatorOptions,
    ) -> Result<Self, DiscoveryError> {
        // Belf issuers carry no trailing slash; `url::Url` adds one to bare hosts.
        let expected = issuer.trim_end_matches('/').to_owned();
        let discovery_url =
            url::Url::parse(&format!("{expected}/.well-known/openid-configuration"))
                .map_err(|_| DiscoveryError::BadIssuer(issuer.to_owned()))?;
        let http = reqwest::Client::builder()
            .timeout(options.http_timeout)
            .connect_timeout(options.http_timeout)
            .build()
            .map_err(|source| DiscoveryError::Http {
                url: discovery_url.to_string(),
                source,
            })?;
        let doc: DiscoveryDoc = fetch_json(&http, discovery_url.as_str()).await?;
        // OIDC Discovery §4.3: the issuer in the document must be the one we asked.
        if doc.issuer != expected {
            return Err(DiscoveryError::IssuerMismatch {
                expected,
                found: doc.issuer,
            });
        }
        let jwks = JwksCache::new(
            http,
            doc.jwks_uri,
            options.refetch_interval,
            options.jwks_max_age,
            options.clock.clone(),
        );
        jwks.initial_fetch().await?;
        Ok(Self {
            inner: Arc::new(Inner {
                issuer: doc.issuer,
                audience: audience.to_owned(),
                also_accepted: options.also_accepted_audiences,
                leeway: options.leeway,
                clock: options.clock,
                jwks,
                verified: VerifiedTokens::new(verified::VALIDATOR_CAPACITY),
                dpop_public_url: options
                    .dpop_public_url
                    .map(|u| u.trim_end_matches('/').to_owned()),
                dpop_max_age: i64::try_from(options.dpop_max_age.as_secs()).unwrap_or(60),
                dpop_replay: dpop::ReplayCache::new(options.dpop_replay_capacity),
            }),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// Checks signature, `typ`, `iss`, `aud`, `exp`, `nbf` and returns the claims.
    ///
    /// A token seen before skips the signature check (see `verified`), but only while the
    /// key that verified it is still the issuer's current key under its `kid`; `exp` and
    /// `nbf` are checked on every call.
    pub async fn validate(&self, token: &str) -> Result<AccessClaims, BearerError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(BearerError::InvalidToken("token too large"));
        }
        let now = self.inner.clock.now();
        let digest = verified::digest(token);
        if let Some(hit) = self.inner.verified.get(&digest) {
            let current = self.inner.jwks.get(&hit.kid).await;
            if current.is_some_and(|key| Arc::ptr_eq(&key, &hit.key)) {
                self.check_times(hit.claims.exp, hit.nbf, now)?;
                return Ok(hit.claims);
            }
            // The key set changed since: verify again against what the issuer publishes.
            self.inner.verified.remove(&digest);
        }
        let entry = self.verify(token, now).await?;
        let claims = entry.claims.clone();
        self.inner.verified.insert(digest, entry, claims.exp, now);
        Ok(claims)
    }

    /// A token as a request presented it: `Authorization: Bearer` (`proofs` empty, `dpop`
    /// false) or `Authorization: DPoP` with its `DPoP` proof header(s), for the request
    /// `method` on `path`. A DPoP-bound token (`cnf.jkt`) is accepted only under the DPoP
    /// scheme with one valid, unused proof by the bound key for this very request
    /// (RFC 9449 §7); a token without `cnf` only as Bearer.
    pub async fn validate_request(
        &self,
        token: &str,
        dpop: bool,
        proofs: &[&str],
        method: &str,
        path: &str,
    ) -> Result<AccessClaims, BearerError> {
        let claims = match self.validate(token).await {
            Ok(c) => c,
            Err(BearerError::InvalidToken(why)) if dpop => {
                return Err(BearerError::InvalidDpopToken(why));
            }
            Err(e) => return Err(e),
        };
        let Some(jkt) = claims.cnf_jkt.as_deref() else {
            if dpop {
                return Err(BearerError::InvalidDpopToken(
                    "the token is not DPoP-bound; send it as Bearer",
                ));
            }
            return Ok(claims);
        };
        if !dpop {
            return Err(BearerError::InvalidDpopToken(
                "a DPoP-bound token must be sent with the DPoP scheme and a proof",
            ));
        }
        let proof = match proofs {
            [one] => *one,
            [] => return Err(BearerError::InvalidDpopProof("DPoP proof missing")),
            _ => return Err(BearerError::InvalidDpopProof("more than one DPoP proof")),
        };
        let Some(base) = self.inner.dpop_public_url.as_deref() else {
            return Err(BearerError::InvalidDpopToken(
                "this resource server does not accept DPoP-bound tokens",
            ));
        };
        let now = self.inner.clock.now();
        let leeway = i64::try_from(self.inner.leeway.as_secs()).unwrap_or(30);
        let url = format!("{base}{path}");
        let verified = dpop::verify_proof(
            proof,
            &dpop::ProofRequirements {
                method,
                url: &url,
                access_token: Some(token),
                now,
                max_age_secs: self.inner.dpop_max_age,
                leeway_secs: leeway,
            },
        )
        .map_err(|e| BearerError::InvalidDpopProof(e.0))?;
        if verified.jkt != jkt {
            return Err(BearerError::InvalidDpopProof(
                "proof key is not the key the token is bound to",
            ));
        }
        let forget_at = verified.iat + self.inner.dpop_max_age + leeway;
        if !self
            .inner
            .dpop_replay
            .first_use(verified.replay_key(), forget_at, now)
        {
            return Err(BearerError::InvalidDpopProof("proof was already used"));
        }
        Ok(claims)
    }

    /// The full check, without the cache.
    async fn verify(&self, token: &str, now: i64) -> Result<Verified, BearerError> {
        // `alg: none` and unknown algorithms fail here: the header enum has no such variant.
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| BearerError::InvalidToken("malformed token header"))?;
        // RFC 9068 §4: reject anything not typed as an access token (ID tokens, above all).
        let typ_ok = header.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
        });
        if !typ_ok {
            return Err(BearerError::InvalidToken("not an access token (typ)"));
        }
        // RFC 7515 §4.1.11: we understand no critical extensions, so any listed is fatal.
        // (`jku`, `jwk`, `x5u` are never followed: keys come only from the issuer's JWKS.)
        if header.crit.as_ref().is_some_and(|c| !c.is_empty()) {
            return Err(BearerError::InvalidToken("unsupported critical header"));
        }
        let kid = header
            .kid
            .ok_or(BearerError::InvalidToken("token has no kid"))?;
        let key = self
            .inner
            .jwks
            .get(&kid)
            .await
            .ok_or(BearerError::InvalidToken("unknown signing key"))?;
        // The algorithm comes from the key, never from the token: this is what defeats
        // HS256-with-the-public-key and algorithm substitution.
        if header.alg != key.alg {
            return Err(BearerError::InvalidToken(
                "algorithm does not match the key",
            ));
        }
        let raw = match &key.parsed {
            Some(parsed) => check_signature_with_parsed_key(token, parsed)?,
            None => check_signature_with_jsonwebtoken(token, &key)?,
        };
        self.check_claims(&raw, now)?;
        Ok(Verified {
            claims: AccessClaims {
                iss: raw.iss,
                sub: raw.sub,
                client_id: raw.client_id,
                scopes: raw
                    .scope
                    .unwrap_or_default()
                    .split_ascii_whitespace()
                    .map(str::to_owned)
                    .collect(),
                jti: raw.jti,
                iat: raw.iat,
                exp: raw.exp,
                auth_time: raw.auth_time,
                aud: match raw.aud {
                    Audience::One(a) => vec![a],
                    Audience::Many(v) => v,
                },
                cnf_jkt: raw.cnf.and_then(|c| c.jkt),
            },
            nbf: raw.nbf,
            // Shared, not copied, by every cache hit.
            kid: kid.into(),
            key,
        })
    }

    /// `exp`, `nbf`, `iss`, `aud`, in the order `jsonwebtoken` checks them, with "now" from
    /// the injected clock (which `jsonwebtoken` cannot take).
    fn check_claims(&self, raw: &RawClaims, now: i64) -> Result<(), BearerError> {
        self.check_times(raw.exp, raw.nbf, now)?;
        if raw.iss != self.inner.issuer {
            return Err(BearerError::InvalidToken("wrong issuer"));
        }
        let ours = |a: &String| *a == self.inner.audience || self.inner.also_accepted.contains(a);
        let audience_ok = match &raw.aud {
            Audience::One(a) => ours(a),
            Audience::Many(v) => v.iter().any(ours),
        };
        if !audience_ok {
            return Err(BearerError::InvalidToken("wrong audience"));
        }
        Ok(())
    }

    /// `exp` and `nbf` with the configured leeway (the same rule as `jsonwebtoken`'s).
    fn check_times(&self, exp: i64, nbf: Option<i64>, now: i64) -> Result<(), BearerError> {
        let leeway = i64::try_from(self.inner.leeway.as_secs()).unwrap_or(i64::MAX);
        if exp < now.saturating_sub(leeway) {
            return Err(BearerError::InvalidToken("token expired"));
        }
        if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err(BearerError::InvalidToken("token not yet valid"));
        }
        Ok(())
    }
}

/// The signature, checked by `jsonwebtoken` (RSA keys), and the presence of the claims a
/// Belf access token must carry. Times, issuer and audience are left to
/// [`Validator::check_claims`]: `jsonwebtoken` would read the wall clock.
fn check_signature_with_jsonwebtoken(
    token: &str,
    key: &CachedKey,
) -> Result<RawClaims, BearerError> {
    let mut validation = Validation::new(key.alg);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<RawClaims>(token, &key.key, &validation)
        .map(|data| data.claims)
        .map_err(|e| BearerError::InvalidToken(describe(e.kind())))
}

/// The signature over header.payload with a key parsed once (EC and Ed25519 keys), then
/// the payload; as with the `jsonwebtoken` path, the claims are checked by the caller.
fn check_signature_with_parsed_key(
    token: &str,
    key: &aws_lc_rs::signature::ParsedPublicKey,
) -> Result<RawClaims, BearerError> {
    use base64::Engine;
    let (message, signature) = token
        .rsplit_once('.')
        .ok_or(BearerError::InvalidToken("malformed token"))?;
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| BearerError::InvalidToken("malformed token"))?;
    if key.verify_sig(message.as_bytes(), &signature).is_err() {
        return Err(BearerError::InvalidToken("bad signature"));
    }
    jsonwebtoken::dangerous::insecure_decode(token)
        .map(|data| data.claims)
        .map_err(|_| BearerError::InvalidToken("malformed claims"))
}

fn describe(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::ExpiredSignature => "token expired",
        ErrorKind::ImmatureSignature => "token not yet valid",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::MissingRequiredClaim(_) => "missing required claim",
        ErrorKind::InvalidAlgorithm => "algorithm not allowed",
        ErrorKind::Json(_) => "malformed claims",
        _ => "malformed token",
    }
}

async fn fetch_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, DiscoveryError> {
    let wrap = |source| DiscoveryError::Http {
        url: url.to_owned(),
        source,
    };
    http.get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(wrap)?
        .json()
        .await
        .map_err(wrap)
}

/// Algorithms a Belf issuer signs with; anything else in a JWKS is ignored.
pub(crate) fn allowed(alg: Algorithm) -> bool {
    matches!(alg, Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA)
}

/// Everything the validator parses from untrusted input before a signature is checked: the
/// JWS header, the claims JSON, and the issuer's JWK set (see `crate::fuzz_harness`).
#[doc(hidden)]
pub fn parse_untrusted_for_fuzzing(token: &str, jwks_document: &str) {
    if token.len() <= MAX_TOKEN_BYTES {
        let _ = jsonwebtoken::decode_header(token);
        if let Some(payload) = token.split('.').nth(1) {
            use base64::Engine;
            if let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) {
                let _ = serde_json::from_slice::<RawClaims>(&bytes);
            }
        }
    }
    let _ = jwks::usable_keys_in(jwks_document);
}
