//! `POST /token` (RFC 6749 §3.2).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, no_store};
use super::extractors::{AuthorizationHeader, OAuthForm};
use crate::auth::oauth::grants::{TokenRequest, token_endpoint};

pub async fn token(
    State(state): State<AppState>,
    AuthorizationHeader(authorization): AuthorizationHeader,
    super::extractors::ClientIp(ip): super::extractors::ClientIp,
    OAuthForm(params): OAuthForm,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let (client, presented) =
        super::client_authn::authenticate_client(ctx, ip, authorization.as_deref(), &params)
            .await?;
    let _ = presented;
    let request = TokenRequest::parse(&params)?;
    let grant_type = request.grant_type();
    let response = token_endpoint(ctx, &client, request, ctx.clock.now()).await?;
    ctx.metrics.token_issued(grant_type);
    let mut res = Json(response).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
