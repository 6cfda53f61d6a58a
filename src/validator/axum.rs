//! axum glue: the [`Authenticated`] extractor and RFC 6750 error responses.
//!
//! ```ignore
//! async fn handler(auth: Authenticated) -> Result<String, BearerError> {
//!     auth.require_scope("courses:write")?;
//!     Ok(auth.sub.clone())
//! }
//! ```

use std::ops::Deref;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};

use super::{AccessClaims, BearerError, Validator};

/// Realm named in `WWW-Authenticate` challenges.
const REALM: &str = "belf";

/// A request carrying a valid access token. Derefs to its [`AccessClaims`].
#[derive(Debug, Clone)]
pub struct Authenticated(pub AccessClaims);

impl Deref for Authenticated {
    type Target = AccessClaims;
    fn deref(&self) -> &AccessClaims {
        &self.0
    }
}

impl<S> FromRequestParts<S> for Authenticated
where
    Validator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = BearerError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, BearerError> {
        Authenticated::from_parts(parts, &Validator::from_ref(state)).await
    }
}

impl Authenticated {
    /// The bearer token of `parts`, validated by `validator`: for extractors of services
    /// that keep their validator somewhere [`FromRef`] cannot reach (behind a readiness
    /// check, say) or that check more than the token before a handler runs.
    pub async fn from_parts(parts: &Parts, validator: &Validator) -> Result<Self, BearerError> {
        let (scheme, token) = presented_token(parts)?;
        let proofs: Vec<&str> = parts
            .headers
            .get_all("dpop")
            .iter()
            .map(|v| v.to_str().unwrap_or(""))
            .collect();
        validator
            .validate_request(
                token,
                scheme == Scheme::Dpop,
                &proofs,
                parts.method.as_str(),
                parts.uri.path(),
            )
            .await
            .map(Authenticated)
            .inspect_err(|e| tracing::debug!(reason = %e, "access token rejected"))
    }
}

/// How an access token was presented (RFC 6750 or RFC 9449 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    Dpop,
}

/// Extracts the token of an `Authorization: Bearer` or `Authorization: DPoP` header
/// (scheme case-insensitive), without validating it.
pub fn bearer_token(parts: &Parts) -> Result<&str, BearerError> {
    presented_token(parts).map(|(_, token)| token)
}

/// The scheme and token of the `Authorization` header.
pub fn presented_token(parts: &Parts) -> Result<(Scheme, &str), BearerError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(BearerError::MissingToken)?;
    let value = value
        .to_str()
        .map_err(|_| BearerError::InvalidToken("malformed Authorization header"))?;
    let (scheme, token) = value.split_once(' ').ok_or(BearerError::MissingToken)?;
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        // Another scheme (Basic, …) is, for us, no access token at all.
        return Err(BearerError::MissingToken);
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(BearerError::MissingToken);
    }
    Ok((scheme, token))
}

impl BearerError {
    pub fn status(&self) -> StatusCode {
        match self {
            BearerError::MissingToken
            | BearerError::InvalidToken(_)
            | BearerError::InvalidDpopToken(_)
            | BearerError::InvalidDpopProof(_) => StatusCode::UNAUTHORIZED,
            BearerError::InsufficientScope(_) => StatusCode::FORBIDDEN,
        }
    }

    /// RFC 6750 §3 challenge. Descriptions are static strings without quotes, so they
    /// can be embedded as they are.
    pub fn challenge(&self) -> String {
        match self {
            BearerError::MissingToken => format!("Bearer realm=\"{REALM}\""),
            BearerError::InvalidToken(why) => format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{why}\""
            ),
            BearerError::InsufficientScope(scope) => format!(
                "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{}\"",
                scope.replace(['"', '\\'], "")
            ),
            BearerError::InvalidDpopToken(why) => format!(
                "DPoP algs=\"{}\", error=\"invalid_token\", error_description=\"{why}\"",
                super::dpop::ALGS_PARAM
            ),
            BearerError::InvalidDpopProof(why) => format!(
                "DPoP algs=\"{}\", error=\"invalid_dpop_proof\", error_description=\"{why}\"",
                super::dpop::ALGS_PARAM
            ),
        }
    }

    /// The RFC 6750 error code (`None` for a missing token, as the RFC asks).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            BearerError::MissingToken => None,
            BearerError::InvalidToken(_) | BearerError::InvalidDpopToken(_) => {
                Some("invalid_token")
            }
            BearerError::InvalidDpopProof(_) => Some("invalid_dpop_proof"),
            BearerError::InsufficientScope(_) => Some("insufficient_scope"),
        }
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.code().unwrap_or("unauthorized"),
            "message": self.to_string(),
        });
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&self.challenge()) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
