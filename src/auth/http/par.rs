//! `POST /par`: pushed authorization requests (RFC 9126 §2).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_authn::AuthenticatedClient;
use super::error::{ApiError, no_store};
use crate::auth::oauth::par;

pub async fn push(
    State(state): State<AppState>,
    AuthenticatedClient { client, params }: AuthenticatedClient,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let pushed = par::push(ctx, &client, &params, ctx.clock.now()).await?;
    tracing::info!(client_id = %client.client_id, "authorization request pushed");
    let mut res = (StatusCode::CREATED, Json(pushed)).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
