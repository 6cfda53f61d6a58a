//! `POST /revoke` (RFC 7009).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, no_store};
use super::extractors::{AuthorizationHeader, OAuthForm};
use crate::auth::oauth::error::OAuthError;
use crate::auth::oauth::revocation;

pub async fn revoke(
    State(state): State<AppState>,
    AuthorizationHeader(authorization): AuthorizationHeader,
    super::extractors::ClientIp(ip): super::extractors::ClientIp,
    OAuthForm(params): OAuthForm,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let (client, presented) =
        super::client_authn::authenticate_client(ctx, ip, authorization.as_deref(), &params)
            .await?;
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    revocation::revoke(ctx, &client, &presented, token, ctx.clock.now()).await?;
    let mut res = StatusCode::OK.into_response();
    no_store(res.headers_mut());
    Ok(res)
}
