//! `POST /introspect` (RFC 7662).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, no_store};
use super::extractors::{AuthorizationHeader, OAuthForm};
use crate::auth::oauth::error::OAuthError;
use crate::auth::oauth::introspection;

pub async fn introspect(
    State(state): State<AppState>,
    AuthorizationHeader(authorization): AuthorizationHeader,
    super::extractors::ClientIp(ip): super::extractors::ClientIp,
    OAuthForm(params): OAuthForm,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let (client, _presented) =
        super::client_authn::authenticate_client(ctx, ip, authorization.as_deref(), &params)
            .await?;
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let body = introspection::introspect(ctx, &client, token, ctx.clock.now()).await?;
    let mut res = Json(body).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
