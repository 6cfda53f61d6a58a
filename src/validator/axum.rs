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
        let token = bearer_token(parts)?;
        validator
            .validate(token)
            .await
            .map(Authenticated)
            .inspect_err(|e| tracing::debug!(reason = %e, "bearer token rejected"))
    }
}

/// Extracts the token of an `Authorization: Bearer` header (scheme case-insensitive),
/// without validating it.
pub fn bearer_token(parts: &Parts) -> Result<&str, BearerError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(BearerError::MissingToken)?;
    let value = value
        .to_str()
        .map_err(|_| BearerError::InvalidToken("malformed Authorization header"))?;
    let (scheme, token) = value.split_once(' ').ok_or(BearerError::MissingToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Another scheme (Basic, …) is, for us, no bearer token at all.
        return Err(BearerError::MissingToken);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(BearerError::MissingToken);
    }
    Ok(token)
}

impl BearerError {
    pub fn status(&self) -> StatusCode {
        match self {
            BearerError::MissingToken | BearerError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
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
        }
    }

    /// The RFC 6750 error code (`None` for a missing token, as the RFC asks).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            BearerError::MissingToken => None,
            BearerError::InvalidToken(_) => Some("invalid_token"),
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
