//! `POST /revoke` (RFC 7009).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_authn::AuthenticatedClient;
use super::error::{ApiError, no_store};
use crate::auth::oauth::error::OAuthError;
use crate::auth::oauth::revocation;

pub async fn revoke(
    State(state): State<AppState>,
    AuthenticatedClient { client, params }: AuthenticatedClient,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let revoked = revocation::revoke(ctx, &client, token, ctx.clock.now()).await?;
    let client_id = &client.client_id;
    match revoked {
        revocation::Revoked::Nothing => {
            tracing::info!(%client_id, "revocation of an unknown token ignored")
        }
        kind => tracing::info!(%client_id, token_type = kind.as_str(), "token revoked"),
    }
    let mut res = StatusCode::OK.into_response();
    no_store(res.headers_mut());
    Ok(res)
}
