//! `POST /token` (RFC 6749 §3.2).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, no_store};
use super::extractors::{AuthorizationHeader, OAuthForm};
use crate::auth::context::now;
use crate::auth::oauth::client_auth;
use crate::auth::oauth::grants::{TokenRequest, token_endpoint};

pub async fn token(
    State(state): State<AppState>,
    AuthorizationHeader(authorization): AuthorizationHeader,
    OAuthForm(params): OAuthForm,
) -> Result<Response, ApiError> {
    let ctx = &state.ctx;
    let presented = client_auth::extract(authorization.as_deref(), &params)?;
    let client = client_auth::authenticate(ctx, &presented).await?;
    let request = TokenRequest::parse(&params)?;
    let response = token_endpoint(ctx, &client, request, now()).await?;
    let mut res = Json(response).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
