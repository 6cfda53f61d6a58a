//! ID tokens (OIDC Core §2), built with `openidconnect`'s claim types so `at_hash`, `c_hash`
//! and the JOSE header are computed the way every OIDC relying party expects.
//!
//! Signing goes through [`OidcSigner`], a `PrivateSigningKey` over our key ring that signs
//! with `jsonwebtoken` (aws-lc-rs). We avoid openidconnect's own RSA key type: it depends on
//! `rsa` 0.9 (RUSTSEC-2023-0071 timing advisory).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, AdditionalClaims, Audience, AuthenticationContextClass,
    AuthenticationMethodReference, AuthorizationCode, ClientId, IdToken, IdTokenClaims, IssuerUrl,
    Nonce, PrivateSigningKey, SigningError, StandardClaims,
};
use serde::{Deserialize, Serialize};

use crate::auth::tokens::keys::{KeyRing, SigningKey};
use crate::config::{Config, SigningAlg};

/// The authentication context of a password login (a login with a second step has the
/// configured `two_step.mfa_acr`).
pub const ACR_PASSWORD: &str = "urn:belf:acr:password";

pub struct OidcSigner<'a>(pub &'a SigningKey);

pub fn oidc_alg(alg: SigningAlg) -> CoreJwsSigningAlgorithm {
    match alg {
        SigningAlg::RS256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        SigningAlg::ES256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        SigningAlg::EdDSA => CoreJwsSigningAlgorithm::EdDsa,
    }
}

impl PrivateSigningKey for OidcSigner<'_> {
    type VerificationKey = CoreJsonWebKey;

    fn sign(
        &self,
        signature_alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, SigningError> {
        if *signature_alg != oidc_alg(self.0.alg) {
            return Err(SigningError::UnsupportedAlg(format!("{signature_alg:?}")));
        }
        self.0
            .sign(message)
            .map_err(|e| SigningError::Other(e.to_string()))
    }

    fn as_verification_key(&self) -> CoreJsonWebKey {
        // Same JSON shape (RFC 7517) on both sides; only a bug could make this fail.
        serde_json::to_value(&self.0.jwk)
            .ok()
            .and_then(|v| CoreJsonWebKey::deserialize(v).ok())
            .unwrap_or_else(|| {
                CoreJsonWebKey::new_okp(
                    Vec::new(),
                    openidconnect::core::CoreJsonCurveType::Ed25519,
                    None,
                )
            })
    }
}

/// Claims `openidconnect` does not model: `sid` (OIDC Back-Channel Logout 1.0 §2.1), the
/// browser session the authentication belongs to, matched against logout tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl AdditionalClaims for SessionClaims {}

type BelfIdToken = IdToken<
    SessionClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// What an ID token says about one authentication.
pub struct IdTokenRequest<'a> {
    pub client_id: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
    /// `sub` plus the user claims to release, already filtered by scope and request.
    pub claims: serde_json::Map<String, serde_json::Value>,
    pub access_token: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The browser session (`sid`), when the grant began in one.
    pub sid: Option<&'a str>,
    /// RFC 8176 methods of the authentication (empty: not recorded, e.g. a device login).
    pub amr: &'a [String],
    /// The client's `id_token_signed_response_alg`; `None`: `keys.id_token_alg`.
    pub alg: Option<SigningAlg>,
}

#[derive(Clone)]
pub struct IdTokenIssuer {
    keys: Arc<KeyRing>,
    issuer: Arc<str>,
    ttl: i64,
    alg: SigningAlg,
    /// The `acr` of a login with a second step (`two_step.mfa_acr`).
    mfa_acr: Arc<str>,
}

#[derive(Debug, thiserror::Error)]
#[error("id token: {0}")]
pub struct IdTokenError(pub String);

impl IdTokenIssuer {
    pub fn new(config: &Config, keys: Arc<KeyRing>) -> Self {
        IdTokenIssuer {
            keys,
            issuer: config.issuer().into(),
            ttl: config.tokens.id_token_ttl_secs as i64,
            alg: config.keys.id_token_alg,
            mfa_acr: config.two_step.mfa_acr.as_str().into(),
        }
    }

    /// The algorithm of a client's ID tokens: its own choice, else the server's default.
    pub fn alg_for(&self, client_alg: Option<SigningAlg>) -> SigningAlg {
        client_alg.unwrap_or(self.alg)
    }

    pub fn mint(&self, req: IdTokenRequest<'_>, now: i64) -> Result<String, IdTokenError> {
        let err = |e: &dyn std::fmt::Display| IdTokenError(e.to_string());
        let alg = self.alg_for(req.alg);
        let key = self.keys.signing_key(alg, now).map_err(|e| err(&e))?;
        let standard: StandardClaims<CoreGenderClaim> =
            StandardClaims::deserialize(serde_json::Value::Object(req.claims))
                .map_err(|e| err(&e))?;
        let at = |t: i64| {
            Utc.timestamp_opt(t, 0)
                .single()
                .ok_or_else(|| IdTokenError("time out of range".into()))
        };
        let claims = IdTokenClaims::<SessionClaims, CoreGenderClaim>::new(
            IssuerUrl::new(self.issuer.to_string()).map_err(|e| err(&e))?,
            vec![Audience::new(req.client_id.to_owned())],
            at(now + self.ttl)?,
            at(now)?,
            standard,
            SessionClaims {
                sid: req.sid.map(str::to_owned),
            },
        )
        .set_auth_time(Some(at(req.auth_time)?))
        .set_nonce(req.nonce.map(|n| Nonce::new(n.to_owned())))
        .set_auth_context_ref(Some(AuthenticationContextClass::new(
            if crate::auth::oidc::amr::has_second_step(req.amr) {
                self.mfa_acr.to_string()
            } else {
                ACR_PASSWORD.to_owned()
            },
        )))
        .set_auth_method_refs((!req.amr.is_empty()).then(|| {
            req.amr
                .iter()
                .map(|m| AuthenticationMethodReference::new(m.clone()))
                .collect()
        }))
        .set_authorized_party(Some(ClientId::new(req.client_id.to_owned())));
        let access_token = req.access_token.map(|t| AccessToken::new(t.to_owned()));
        let code = req.code.map(|c| AuthorizationCode::new(c.to_owned()));
        let token = BelfIdToken::new(
            claims,
            &OidcSigner(&key),
            oidc_alg(alg),
            access_token.as_ref(),
            code.as_ref(),
        )
        .map_err(|e| err(&e))?;
        Ok(token.to_string())
    }

    /// Checks an `id_token_hint`: our signature and issuer; expiry is ignored (OIDC Core
    /// §3.1.2.1 and RP-initiated logout both allow an expired hint). Returns (sub, aud).
    pub fn verify_hint(&self, token: &str) -> Option<(String, Vec<String>)> {
        #[derive(Deserialize)]
        struct Hint {
            sub: String,
            aud: crate::auth::tokens::access_token::Audience,
        }
        if token.len() > 16384 {
            return None;
        }
        let header = jsonwebtoken::decode_header(token).ok()?;
        // An access token is not an ID token, even though we signed both.
        if header
            .typ
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("at+jwt"))
        {
            return None;
        }
        let key = self.keys.by_kid(header.kid.as_deref()?)?;
        if header.alg != key.algorithm() {
            return None;
        }
        let mut v = jsonwebtoken::Validation::new(key.algorithm());
        v.set_issuer(&[&*self.issuer]);
        v.validate_aud = false;
        v.validate_exp = false;
        v.set_required_spec_claims(&["iss", "sub", "aud"]);
        let hint = jsonwebtoken::decode::<Hint>(token, &key.decoding, &v)
            .ok()?
            .claims;
        let aud = match hint.aud {
            crate::auth::tokens::access_token::Audience::One(a) => vec![a],
            crate::auth::tokens::access_token::Audience::Many(v) => v,
        };
        Some((hint.sub, aud))
    }
}
