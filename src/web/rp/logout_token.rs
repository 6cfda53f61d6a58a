//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.6): checking a logout
//! token before any session ends. The token is a JWT signed by the issuer (a key from its
//! JWKS), typed `logout+jwt`, for this client, recent, carrying the back-channel event and
//! `sub` and/or `sid`, and never a `nonce` (so an ID token cannot be replayed as one).

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How far `iat` may lie from our clock, in seconds.
const MAX_SKEW: i64 = 300;

/// Whose sessions a valid logout token ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutSubject {
    pub sub: Option<String>,
    pub sid: Option<String>,
}

/// Why a logout token is refused (answered 400 `invalid_request`, logged by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogoutTokenError {
    #[error("not a JWT")]
    Malformed,
    #[error("typ is not logout+jwt")]
    WrongType,
    #[error("no issuer key verifies it")]
    Signature,
    #[error("iss, aud or iat is wrong")]
    Claims,
    #[error("iat is too far from now, or exp has passed")]
    Stale,
    #[error("events lacks the back-channel logout event")]
    NoEvent,
    #[error("neither sub nor sid")]
    NoSubject,
    #[error("carries a nonce")]
    Nonce,
}

#[derive(Deserialize)]
struct Claims {
    iat: i64,
    exp: Option<i64>,
    sub: Option<String>,
    sid: Option<String>,
    #[serde(default)]
    events: HashMap<String, serde_json::Value>,
    nonce: Option<serde_json::Value>,
}

const ALLOWED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// Verifies `token` against the issuer's `jwks`, for `client_id`, at Unix time `now`.
pub fn verify(
    token: &str,
    jwks: &JwkSet,
    issuer: &str,
    client_id: &str,
    now: i64,
) -> Result<LogoutSubject, LogoutTokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| LogoutTokenError::Malformed)?;
    let typ = header.typ.as_deref().unwrap_or_default();
    if !typ.eq_ignore_ascii_case("logout+jwt")
        && !typ.eq_ignore_ascii_case("application/logout+jwt")
    {
        return Err(LogoutTokenError::WrongType);
    }
    if !ALLOWED.contains(&header.alg) {
        return Err(LogoutTokenError::Signature);
    }
    let candidates = jwks
        .keys
        .iter()
        .filter(|k| match (&header.kid, &k.common.key_id) {
            (Some(want), Some(have)) => want == have,
            (None, _) => true,
            (Some(_), None) => false,
        });
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["iss", "aud", "iat"]);
    // Times are checked below on the injected clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let mut last = LogoutTokenError::Signature;
    for jwk in candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
            Ok(data) => return check_claims(data.claims, now),
            Err(e) => {
                use jsonwebtoken::errors::ErrorKind as K;
                last = match e.kind() {
                    K::InvalidIssuer
                    | K::InvalidAudience
                    | K::MissingRequiredClaim(_)
                    | K::Json(_) => LogoutTokenError::Claims,
                    _ => last,
                };
            }
        }
    }
    Err(last)
}

fn check_claims(c: Claims, now: i64) -> Result<LogoutSubject, LogoutTokenError> {
    if (c.iat - now).abs() > MAX_SKEW || c.exp.is_some_and(|exp| exp <= now) {
        return Err(LogoutTokenError::Stale);
    }
    if !c
        .events
        .get(BACKCHANNEL_EVENT)
        .is_some_and(|v| v.is_object())
    {
        return Err(LogoutTokenError::NoEvent);
    }
    if c.nonce.is_some() {
        return Err(LogoutTokenError::Nonce);
    }
    let sub = c.sub.filter(|s| !s.is_empty());
    let sid = c.sid.filter(|s| !s.is_empty());
    if sub.is_none() && sid.is_none() {
        return Err(LogoutTokenError::NoSubject);
    }
    Ok(LogoutSubject { sub, sid })
}
