//! `POST /introspect` (RFC 7662).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_authn::AuthenticatedClient;
use super::error::{ApiError, no_store};
use crate::auth::oauth::error::OAuthError;
use crate::auth::oauth::introspection;

pub async fn introspect(
    State(state): State<AppState>,
    AuthenticatedClient { client, params }: AuthenticatedClient,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let body = introspection::introspect(ctx, &client, token, ctx.clock.now()).await?;
    let mut res = Json(body).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
