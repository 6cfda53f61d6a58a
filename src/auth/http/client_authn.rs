//! Client authentication with throttling, shared by the token, revocation and
//! introspection endpoints: one extractor, so each of them starts from an authenticated
//! client and its form parameters.

use axum::extract::{FromRequest, FromRequestParts, Request};

use super::AppState;
use super::error::ApiError;
use super::extractors::{AuthorizationHeader, ClientIp, OAuthForm};
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;
use crate::auth::oauth::client_auth;
use crate::auth::oauth::error::{ErrorCode, OAuthError};
use crate::auth::oauth::params::Params;

/// A client that proved who it is (RFC 6749 §2.3), with the form it sent.
///
/// Rejections keep the RFC 6749 shapes: a malformed request is `invalid_request`, failed
/// authentication `invalid_client` (401 + `WWW-Authenticate`), too many failures
/// `slow_down` (429 + `Retry-After`).
pub struct AuthenticatedClient {
    pub client: Client,
    pub params: Params,
}

impl FromRequest<AppState> for AuthenticatedClient {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(&mut parts, state).await;
        let Ok(AuthorizationHeader(authorization)) =
            AuthorizationHeader::from_request_parts(&mut parts, state).await;
        // The URL this endpoint is reached at, which an assertion may name as `aud`.
        let endpoint_url = format!("{}{}", state.ctx.issuer, parts.uri.path());
        // The form is checked (POST, content type, encoding) before any credential is.
        let OAuthForm(params) =
            OAuthForm::from_request(Request::from_parts(parts, body), state).await?;
        let client = authenticate(
            &state.ctx,
            ip,
            authorization.as_deref(),
            &params,
            &endpoint_url,
        )
        .await?;
        Ok(AuthenticatedClient { client, params })
    }
}

/// Throttle check, credential check, and counting of failures, in that order: a client
/// whose source IP is waiting is refused before its secret is even looked at. Failures
/// count per source IP only: wrong secrets sent with a client's id from elsewhere must
/// not make the real client wait.
async fn authenticate(
    ctx: &AuthContext,
    ip: std::net::IpAddr,
    authorization: Option<&str>,
    params: &Params,
    endpoint_url: &str,
) -> Result<Client, ApiError> {
    let presented = client_auth::extract(authorization, params)?;
    let store = &*ctx.stores.ephemeral;
    let id = &presented.client_id;
    if let Err(t) = ctx.throttle.check_client(store, ip).await? {
        tracing::warn!(
            client_id = %id,
            %ip,
            limit = t.by.as_str(),
            retry_after_secs = t.retry_after_secs,
            "client authentication throttled"
        );
        return Err(slow_down(t.retry_after_secs));
    }
    match client_auth::authenticate(ctx, &presented, endpoint_url).await {
        Ok(client) => Ok(client),
        Err(e) if e.code == ErrorCode::InvalidClient => {
            ctx.metrics.client_auth_failures.inc();
            tracing::warn!(
                client_id = %id,
                %ip,
                method = presented.method.as_str(),
                reason = %e.description,
                "client authentication failed"
            );
            if let Some(t) = ctx.throttle.client_failed(store, ip).await? {
                tracing::warn!(
                    %ip,
                    limit = t.by.as_str(),
                    retry_after_secs = t.retry_after_secs,
                    "source throttled after failed client authentication"
                );
            }
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

fn slow_down(secs: u64) -> ApiError {
    ApiError(
        OAuthError::new(
            ErrorCode::SlowDown,
            format!("too many failed attempts; retry in {secs} s"),
        ),
        Some(secs),
    )
}
