//! The one OAuth error type (RFC 6749 §4.1.2.1 / §5.2, RFC 7009, RFC 7662, OIDC Core §3.1.2.6).
//!
//! Protocol code returns `OAuthError`; `auth::http::error` turns it into a response in one
//! place. Descriptions are for developers and never carry internal causes: those are logged
//! where the error is created.

use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    UnsupportedTokenType,
    TemporarilyUnavailable,
    LoginRequired,
    ConsentRequired,
    InteractionRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    InvalidToken,
    InsufficientScope,
    /// Too many failed attempts: wait (HTTP 429 with Retry-After).
    SlowDown,
    /// RFC 8707: an unknown, relative or fragment-carrying `resource`.
    InvalidTarget,
    /// RFC 8628 §3.5: the person has not answered yet; poll again.
    AuthorizationPending,
    /// RFC 8628 §3.5: the device code expired.
    ExpiredToken,
    /// RFC 8628 §3.5: polling too fast (HTTP 400, unlike the throttle's 429 `slow_down`).
    PollSlowDown,
    /// RFC 9126 §2.2 / RFC 6749 §4.1.2.1: `request_uri` unknown, spent or expired.
    InvalidRequestUri,
    /// RFC 9449 §5.2 / §7.1: the DPoP proof is missing, malformed, replayed or not for
    /// this request.
    InvalidDpopProof,
    /// RFC 9449 §8: the proof must carry the server's nonce (sent in `DPoP-Nonce`).
    UseDpopNonce,
    /// RFC 7591 §3.2.2: a redirect URI the registration refuses.
    InvalidRedirectUri,
    /// RFC 7591 §3.2.2: any other metadata the registration refuses.
    InvalidClientMetadata,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::InteractionRequired => "interaction_required",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::PollSlowDown => "slow_down",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
            ErrorCode::InvalidRedirectUri => "invalid_redirect_uri",
            ErrorCode::InvalidClientMetadata => "invalid_client_metadata",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: Cow<'static, str>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        OAuthError {
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, d)
    }

    pub fn invalid_client(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidClient, d)
    }

    pub fn invalid_grant(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidGrant, d)
    }

    pub fn invalid_scope(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidScope, d)
    }

    pub fn invalid_token(d: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidToken, d)
    }

    /// A dependency failed. The cause is logged here and never sent; the client may retry.
    pub fn unavailable(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "storage or worker failure");
        Self::new(
            ErrorCode::TemporarilyUnavailable,
            "the server is temporarily unable to handle the request; retry shortly",
        )
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl From<crate::auth::store::StoreError> for OAuthError {
    fn from(e: crate::auth::store::StoreError) -> Self {
        OAuthError::unavailable(&e)
    }
}

pub type OAuthResult<T> = Result<T, OAuthError>;
