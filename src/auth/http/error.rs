//! The one place protocol errors become HTTP: RFC 6749 §5.2 JSON for API endpoints,
//! RFC 6750 `WWW-Authenticate` for bearer endpoints. Pages have their own (`pages.rs`).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::oauth::error::{ErrorCode, OAuthError};

/// Headers every token-bearing or error JSON response carries (RFC 6749 §5.1).
pub fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::SlowDown => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// An error at the token, revocation or introspection endpoint; `retry_after` for 429.
pub struct ApiError(pub OAuthError, pub Option<u64>);

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        ApiError(e, None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = &self.0;
        let status = status_of(e.code);
        let mut res = (
            status,
            Json(json!({ "error": e.code.as_str(), "error_description": e.description })),
        )
            .into_response();
        no_store(res.headers_mut());
        if e.code == ErrorCode::InvalidClient {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"belf\", charset=\"UTF-8\""),
            );
        }
        let retry = match (e.code, self.1) {
            (_, Some(secs)) => Some(secs),
            (ErrorCode::TemporarilyUnavailable, None) => Some(1),
            _ => None,
        };
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// An error at a bearer-protected endpoint (userinfo), RFC 6750 §3, challenged under the
/// scheme the token needs (RFC 9449 §7.1: `DPoP` for DPoP-bound tokens and proofs).
pub struct BearerError(pub OAuthError, pub Challenge);

/// Which `WWW-Authenticate` scheme a refusal names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    Bearer,
    Dpop,
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let BearerError(e, scheme) = self;
        // RFC 6750 §3.1: a request without any token (an `invalid_request` with no
        // description) gets 401 and a bare challenge, with no error code.
        if e.code == ErrorCode::InvalidRequest && e.description.is_empty() {
            let mut res = StatusCode::UNAUTHORIZED.into_response();
            no_store(res.headers_mut());
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"belf\""),
            );
            return res;
        }
        // RFC 9449 §7.1: a refused proof at a resource is a 401, like a refused token.
        let status = match e.code {
            ErrorCode::InvalidDpopProof | ErrorCode::UseDpopNonce => StatusCode::UNAUTHORIZED,
            code => status_of(code),
        };
        // Quotes and backslashes cannot appear in a quoted-string unescaped.
        let desc: String = e
            .description
            .chars()
            .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
            .collect();
        let challenge = match scheme {
            Challenge::Bearer => format!(
                "Bearer realm=\"belf\", error=\"{}\", error_description=\"{}\"",
                e.code.as_str(),
                desc
            ),
            Challenge::Dpop => format!(
                "DPoP algs=\"{}\", error=\"{}\", error_description=\"{}\"",
                crate::validator::dpop::ALGS_PARAM,
                e.code.as_str(),
                desc
            ),
        };
        let mut res = (
            status,
            Json(json!({ "error": e.code.as_str(), "error_description": e.description })),
        )
            .into_response();
        no_store(res.headers_mut());
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        res
    }
}

impl From<crate::auth::store::StoreError> for ApiError {
    fn from(e: crate::auth::store::StoreError) -> Self {
        ApiError(e.into(), None)
    }
}
