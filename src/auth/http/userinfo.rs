//! `GET|POST /userinfo` (OIDC Core §5.3) with RFC 6750 bearer errors.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{BearerError, no_store};
use super::extractors::{AuthorizationHeader, QueryOrForm};
use crate::auth::oauth::error::{ErrorCode, OAuthError};
use crate::auth::oauth::userinfo;

pub async fn userinfo(
    State(state): State<AppState>,
    AuthorizationHeader(authorization): AuthorizationHeader,
    method: axum::http::Method,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, BearerError> {
    let from_header = authorization.as_deref().and_then(|h| {
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
            .map(str::trim)
    });
    // RFC 6750 §2.2: the form-body parameter is allowed on POST; never from the query.
    let from_body = (method == axum::http::Method::POST)
        .then(|| params.get("access_token"))
        .flatten();
    let token = match (from_header, from_body) {
        (Some(_), Some(_)) => {
            return Err(BearerError(OAuthError::invalid_request(
                "send the access token in one place only",
            )));
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => {
            return Err(BearerError(OAuthError::new(ErrorCode::InvalidRequest, "")));
        }
    };
    let claims = userinfo::userinfo(&state.ctx, token, state.ctx.clock.now())
        .await
        .map_err(BearerError)?;
    let mut res = Json(claims).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
