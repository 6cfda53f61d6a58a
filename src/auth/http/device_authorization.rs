//! `POST /device_authorization` (RFC 8628 §3.1, §3.2).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_authn::AuthenticatedClient;
use super::error::{ApiError, no_store};
use crate::auth::oauth::device;

pub async fn device_authorization(
    State(state): State<AppState>,
    AuthenticatedClient { client, params }: AuthenticatedClient,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let started = device::start(ctx, &client, &params, ctx.clock.now()).await?;
    tracing::info!(client_id = %client.client_id, "device authorization started");
    let mut res = Json(started).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
