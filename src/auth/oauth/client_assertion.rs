//! `private_key_jwt` (RFC 7523 §2.2 and §3, OIDC Core §9): a client proves who it is with
//! a JWT signed by one of its registered keys.
//!
//! Accepted: RS256, ES256 or EdDSA (never HS*, never `none`); `iss` = `sub` = the client id;
//! `aud` naming the issuer, the token endpoint, or the endpoint the assertion was sent to;
//! `exp` present, not past, and no farther ahead than `max_assertion_lifetime_secs`; a `jti`
//! seen for the first time (remembered until `exp`). Every refusal is `invalid_client`.

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::error::{OAuthError, OAuthResult};
use crate::auth::clients::{Client, ClientKeys, jwks};
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// RFC 7523 §2.2 `client_assertion_type`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The signing algorithms an assertion may use (discovery's
/// `token_endpoint_auth_signing_alg_values_supported`).
pub const ALGS: [&str; 3] = ["RS256", "ES256", "EdDSA"];

const MAX_ASSERTION_BYTES: usize = 8 * 1024;

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    aud: Audience,
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    jti: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn any(&self, f: impl Fn(&str) -> bool) -> bool {
        match self {
            Audience::One(a) => f(a),
            Audience::Many(v) => v.iter().any(|a| f(a)),
        }
    }
}

/// The client id an assertion claims (`sub`, else `iss`), read before any check, to find
/// the client whose keys will check it. Nothing else is trusted from this reading.
pub fn claimed_client_id(assertion: &str) -> Option<String> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return None;
    }
    #[derive(Deserialize)]
    struct Claimed {
        sub: Option<String>,
        iss: Option<String>,
    }
    let claimed: Claimed = jsonwebtoken::dangerous::insecure_decode(assertion)
        .ok()?
        .claims;
    claimed.sub.or(claimed.iss)
}

/// Checks `assertion` for `client`, presented at `endpoint_url`. `Ok` means the client is
/// authenticated; the assertion's `jti` is spent.
pub async fn verify(
    ctx: &AuthContext,
    client: &Client,
    assertion: &str,
    endpoint_url: &str,
    now: i64,
) -> OAuthResult<()> {
    let fail = |why: &'static str| OAuthError::invalid_client(why);
    let Some(keys) = &client.client_keys else {
        return Err(fail("client authentication failed"));
    };
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(fail("client assertion too large"));
    }
    // `alg: none` and unknown names fail to parse; HS* are named but refused here.
    let header =
        jsonwebtoken::decode_header(assertion).map_err(|_| fail("malformed client assertion"))?;
    if !matches!(
        header.alg,
        Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
    ) {
        return Err(fail(
            "client assertion must be signed with RS256, ES256 or EdDSA",
        ));
    }
    let claims = match keys {
        ClientKeys::Inline(json) => {
            let set = jwks::parse_public_jwks(json).map_err(|e| {
                tracing::error!(client_id = %client.client_id, error = %e, "stored client key set unusable");
                fail("client authentication failed")
            })?;
            check_signature(assertion, &header, &set)?
        }
        ClientKeys::Uri(uri) => {
            let set = fetched(ctx, uri, now, false).await?;
            match check_signature(assertion, &header, &set) {
                Err(e) if header.kid.is_some() && !has_kid(&set, header.kid.as_deref()) => {
                    // An unknown kid: the client may have rotated its keys since.
                    let set = fetched(ctx, uri, now, true).await?;
                    if !has_kid(&set, header.kid.as_deref()) {
                        return Err(e);
                    }
                    check_signature(assertion, &header, &set)?
                }
                other => other?,
            }
        }
    };
    let pkj = &ctx.config.private_key_jwt;
    let leeway = pkj.leeway_secs as i64;
    if claims.iss != client.client_id.as_str() || claims.sub != client.client_id.as_str() {
        return Err(fail("client assertion iss and sub must be the client_id"));
    }
    let issuer = &*ctx.issuer;
    let token_endpoint = format!("{issuer}{}", crate::auth::oidc::metadata::paths::TOKEN);
    if !claims
        .aud
        .any(|a| a == issuer || a == token_endpoint || a == endpoint_url)
    {
        return Err(fail(
            "client assertion aud must be the issuer or this endpoint's URL",
        ));
    }
    if claims.exp <= now - leeway {
        return Err(fail("client assertion expired"));
    }
    if claims.exp > now + pkj.max_assertion_lifetime_secs as i64 + leeway {
        return Err(fail("client assertion exp is too far in the future"));
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + leeway)
        || claims.iat.is_some_and(|iat| iat > now + leeway)
    {
        return Err(fail("client assertion is not valid yet"));
    }
    let jti = claims
        .jti
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or_else(|| fail("client assertion jti is required"))?;
    let key = handles::digest(&format!("{}\n{jti}", client.client_id));
    let ttl = (claims.exp - now + leeway).max(1) as u64;
    if ctx
        .stores
        .ephemeral
        .incr(Namespace::AssertionJti, &key, ttl)
        .await?
        != 1
    {
        return Err(fail("client assertion jti was already used"));
    }
    Ok(())
}

async fn fetched(
    ctx: &AuthContext,
    uri: &str,
    now: i64,
    refresh: bool,
) -> OAuthResult<std::sync::Arc<JwkSet>> {
    ctx.client_jwks.keys(uri, now, refresh).await.map_err(|e| {
        tracing::warn!(jwks_uri = %uri, error = %e, "client keys unavailable");
        OAuthError::invalid_client("the client's jwks_uri could not be fetched")
    })
}

fn has_kid(set: &JwkSet, kid: Option<&str>) -> bool {
    set.keys.iter().any(|k| k.common.key_id.as_deref() == kid)
}

/// The signature under a key of `set`: the one named by `kid`, else each key that fits
/// the algorithm. Claims come back unchecked (times with the injected clock by the caller).
fn check_signature(
    assertion: &str,
    header: &jsonwebtoken::Header,
    set: &JwkSet,
) -> OAuthResult<AssertionClaims> {
    let candidates: Vec<&Jwk> = set
        .keys
        .iter()
        .filter(|k| match &header.kid {
            Some(kid) => k.common.key_id.as_deref() == Some(kid.as_str()),
            None => true,
        })
        .filter(|k| fits(k, header.alg))
        .collect();
    if candidates.is_empty() {
        return Err(OAuthError::invalid_client(
            "no registered key of the client matches the assertion's kid and alg",
        ));
    }
    let mut validation = Validation::new(header.alg);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let mut malformed = false;
    for jwk in candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation) {
            Ok(data) => return Ok(data.claims),
            Err(e) => {
                malformed |= !matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature);
            }
        }
    }
    Err(OAuthError::invalid_client(if malformed {
        "client assertion lacks exp, iss, sub or aud, or is malformed"
    } else {
        "client assertion signature does not verify"
    }))
}

fn fits(jwk: &Jwk, alg: Algorithm) -> bool {
    let kind_ok = matches!(
        (&jwk.algorithm, alg),
        (AlgorithmParameters::RSA(_), Algorithm::RS256)
            | (AlgorithmParameters::EllipticCurve(_), Algorithm::ES256)
            | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
    );
    // A key registered for one algorithm is not used with another.
    let alg_ok = jwk
        .common
        .key_algorithm
        .is_none_or(|ka| ka.to_string() == format!("{alg:?}"));
    kind_ok && alg_ok
}
