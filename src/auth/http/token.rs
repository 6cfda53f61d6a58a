//! `POST /token` (RFC 6749 §3.2).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_authn::AuthenticatedClient;
use super::error::{ApiError, no_store};
use crate::auth::oauth::grants::{TokenRequest, token_endpoint};

pub async fn token(
    State(state): State<AppState>,
    AuthenticatedClient { client, params }: AuthenticatedClient,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let request = TokenRequest::parse(&params)?;
    let grant_type = request.grant_type();
    let response = token_endpoint(ctx, &client, request, ctx.clock.now()).await?;
    ctx.metrics.token_issued(grant_type);
    tracing::info!(
        grant_type,
        client_id = %client.client_id,
        sub = %response.subject,
        refresh_token = response.refresh_token.is_some(),
        "token issued"
    );
    let mut res = Json(response).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
