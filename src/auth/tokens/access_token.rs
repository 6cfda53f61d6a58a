//! JWT access tokens (RFC 9068) — minted with `jsonwebtoken`, verified here for our own
//! endpoints (userinfo, introspection, revocation). Resource servers use `crate::validator`.

use std::sync::Arc;

use jsonwebtoken::Header;
use serde::{Deserialize, Serialize};

use super::handles;
use super::keys::KeyRing;
use crate::config::{Config, ResourceConfig, SigningAlg};
use crate::validator::verified::VerifiedTokens;

/// `aud` may be one string or several (RFC 7519 §4.1.3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn contains(&self, aud: &str) -> bool {
        match self {
            Audience::One(a) => a == aud,
            Audience::Many(v) => v.iter().any(|a| a == aud),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub client_id: String,
    pub scope: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The authorization grant (refresh family) this token came from; revoking the grant
    /// revokes the token at introspection and userinfo. Absent for client credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// RFC 9449 §6.1: the DPoP key the token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// RFC 7800 `cnf` with the RFC 9449 `jkt` member (SHA-256 JWK thumbprint, base64url).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    pub jkt: String,
}

impl AccessTokenClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }

    pub fn has_user(&self) -> bool {
        self.sub != self.client_id
    }
}

/// What to put into a new access token.
pub struct AccessTokenRequest<'a> {
    pub sub: &'a str,
    pub client_id: &'a str,
    pub scope: String,
    pub auth_time: Option<i64>,
    pub grant_id: Option<&'a str>,
    pub alg: Option<SigningAlg>,
    /// RFC 8707 resources the token is for (checked by `oauth::resource`); when given,
    /// they are its `aud`, else the audience follows from the scopes.
    pub resources: &'a [String],
    /// RFC 9449: bind the token to this DPoP key thumbprint (`cnf.jkt`).
    pub jkt: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("not an access token")]
    WrongType,
    #[error("token expired")]
    Expired,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("signing failed: {0}")]
    Signing(String),
}

/// Mints and checks access tokens. Cheap to clone.
#[derive(Clone)]
pub struct AccessTokenIssuer {
    keys: Arc<KeyRing>,
    issuer: Arc<str>,
    ttl: i64,
    default_alg: SigningAlg,
    resources: Arc<[ResourceConfig]>,
    /// Tokens whose signature and issuer already checked out, by SHA-256 of the token.
    /// Resource servers introspect the same token again and again; the signature of the same
    /// bytes under the same (immutable, process-lifetime) key ring cannot change, `exp` is
    /// still checked on every use, and revocation is checked by the callers after this.
    verified: Arc<VerifiedTokens<AccessTokenClaims>>,
}

/// Bound on remembered verifications (expired ones go first when it fills, then all).
const VERIFIED_CACHE_MAX: usize = 50_000;

impl AccessTokenIssuer {
    pub fn new(config: &Config, keys: Arc<KeyRing>) -> Self {
        AccessTokenIssuer {
            keys,
            issuer: config.issuer().into(),
            ttl: config.tokens.access_token_ttl_secs as i64,
            default_alg: config.keys.access_token_alg,
            resources: config.resources.clone().into(),
            verified: Arc::new(VerifiedTokens::new(VERIFIED_CACHE_MAX)),
        }
    }

    pub fn ttl(&self) -> i64 {
        self.ttl
    }

    /// RFC 9068 §3: `aud` names the resource servers the scopes are for; a token for no
    /// known resource (for example only `openid profile`) is for the issuer's own userinfo.
    pub fn audience_for(&self, scope: &str) -> Audience {
        let mut auds: Vec<String> = self
            .resources
            .iter()
            .filter(|r| scope.split(' ').any(|s| r.scopes.iter().any(|x| x == s)))
            .map(|r| r.audience.clone())
            .collect();
        auds.dedup();
        match auds.len() {
            0 => Audience::One(self.issuer.to_string()),
            1 => Audience::One(auds.remove(0)),
            _ => Audience::Many(auds),
        }
    }

    pub fn mint(
        &self,
        req: AccessTokenRequest<'_>,
        now: i64,
    ) -> Result<(String, AccessTokenClaims), TokenError> {
        let key = self
            .keys
            .signing_key(req.alg.unwrap_or(self.default_alg), now)
            .map_err(|e| TokenError::Signing(e.to_string()))?;
        let claims = AccessTokenClaims {
            iss: self.issuer.to_string(),
            sub: req.sub.to_owned(),
            aud: match req.resources {
                [] => self.audience_for(&req.scope),
                [one] => Audience::One(one.clone()),
                many => Audience::Many(many.to_vec()),
            },
            client_id: req.client_id.to_owned(),
            scope: req.scope,
            jti: handles::new_id(),
            iat: now,
            exp: now + self.ttl,
            auth_time: req.auth_time,
            gid: req.grant_id.map(str::to_owned),
            cnf: req.jkt.map(|jkt| Confirmation {
                jkt: jkt.to_owned(),
            }),
        };
        let mut header = Header::new(key.algorithm());
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(key.kid.clone());
        let token = super::keys::encode_jwt(&header, &claims, &key)
            .map_err(|e| TokenError::Signing(e.to_string()))?;
        Ok((token, claims))
    }

    /// Signature (key chosen by `kid`, algorithm by the key), `typ`, `iss`, `exp`.
    /// `aud` is not checked: our own endpoints accept tokens for any of our audiences.
    pub fn verify(&self, token: &str, now: i64) -> Result<AccessTokenClaims, TokenError> {
        let digest = super::handles::digest_bytes(token);
        let claims = match self.verified.get(&digest) {
            Some(c) => c,
            None => {
                let c = self.verify_signature(token)?;
                self.verified.insert(digest, c.clone(), c.exp, now);
                c
            }
        };
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// Like [`verify`](Self::verify) but accepts expired tokens (revocation of a token that
    /// just expired is still a no-op success).
    pub fn verify_signature(&self, token: &str) -> Result<AccessTokenClaims, TokenError> {
        if token.len() > 8192 {
            return Err(TokenError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let typ_ok = header.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
        });
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        let key = self.keys.by_kid(kid).ok_or(TokenError::UnknownKey)?;
        // The algorithm is the key's, never the header's alone (no alg confusion).
        if header.alg != key.algorithm() {
            return Err(TokenError::Invalid("algorithm does not match key".into()));
        }
        if !typ_ok {
            return Err(TokenError::WrongType);
        }
        // Signature first, with the key parsed once at start (jsonwebtoken's verifier
        // re-parses the public key on every call: 90-110 µs per ES256/EdDSA token).
        let (message, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let signature =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signature)
                .map_err(|_| TokenError::Malformed)?;
        if !key.verify(message.as_bytes(), &signature) {
            return Err(TokenError::Invalid("bad signature".into()));
        }
        // Only a verified payload is parsed; `exp`, `iss` and `sub` are required fields.
        let claims: AccessTokenClaims = jsonwebtoken::dangerous::insecure_decode(token)
            .map_err(|e| TokenError::Invalid(e.to_string()))?
            .claims;
        if claims.iss != *self.issuer {
            return Err(TokenError::Invalid("wrong issuer".into()));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_ours_and_refuses_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load_with_env(None, Some(Default::default())).unwrap();
        let keys = Arc::new(
            KeyRing::load_or_generate(
                dir.path(),
                crate::auth::tokens::keys::KeyPolicy::from_config(&config),
                0,
            )
            .unwrap(),
        );
        let issuer = AccessTokenIssuer::new(&config, keys);
        for alg in SigningAlg::ALL {
            let req = AccessTokenRequest {
                sub: "u1",
                client_id: "c1",
                scope: "openid".into(),
                auth_time: None,
                grant_id: None,
                alg: Some(alg),
                resources: &[],
                jkt: None,
            };
            let (token, _) = issuer.mint(req, 1_000).unwrap();
            assert_eq!(issuer.verify(&token, 1_001).unwrap().sub, "u1");
            // Again (served from the verified cache), and still expiring on time.
            assert_eq!(issuer.verify(&token, 1_002).unwrap().sub, "u1");
            assert!(matches!(
                issuer.verify(&token, 1_000 + 601),
                Err(TokenError::Expired)
            ));
            // Another payload under the same signature.
            let parts: Vec<&str> = token.split('.').collect();
            let forged_payload = base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                br#"{"iss":"http://127.0.0.1:8080","sub":"admin","aud":"x","client_id":"c1","scope":"openid","jti":"j","iat":1000,"exp":9999999999}"#,
            );
            let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
            assert!(issuer.verify(&forged, 1_001).is_err(), "{alg:?}");
            // A damaged signature.
            let truncated = format!(
                "{}.{}.{}",
                parts[0],
                parts[1],
                &parts[2][..parts[2].len() - 4]
            );
            assert!(issuer.verify(&truncated, 1_001).is_err());
        }
    }
}
