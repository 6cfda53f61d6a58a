//! `GET|POST /userinfo` (OIDC Core §5.3) with RFC 6750 bearer errors.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{BearerError, Challenge, no_store};
use super::extractors::{AuthorizationHeader, QueryOrForm};
use crate::auth::oauth::error::{ErrorCode, OAuthError};
use crate::auth::oauth::userinfo;

pub async fn userinfo(
    State(state): State<AppState>,
    AuthorizationHeader(authorization): AuthorizationHeader,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, BearerError> {
    // RFC 6750 `Bearer` or RFC 9449 `DPoP` (scheme names are case-insensitive).
    let (dpop_scheme, from_header) = match authorization.as_deref().and_then(|h| h.split_once(' '))
    {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            (false, Some(token.trim()))
        }
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("dpop") => (true, Some(token.trim())),
        _ => (false, None),
    };
    let challenge = if dpop_scheme {
        Challenge::Dpop
    } else {
        Challenge::Bearer
    };
    // RFC 6750 §2.2: the form-body parameter is allowed on POST; never from the query.
    let from_body = (method == axum::http::Method::POST)
        .then(|| params.get("access_token"))
        .flatten();
    let token = match (from_header, from_body) {
        (Some(_), Some(_)) => {
            return Err(BearerError(
                OAuthError::invalid_request("send the access token in one place only"),
                challenge,
            ));
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => {
            return Err(BearerError(
                OAuthError::new(ErrorCode::InvalidRequest, ""),
                Challenge::Bearer,
            ));
        }
    };
    let proofs: Vec<&str> = headers
        .get_all("dpop")
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect();
    let presented = userinfo::Presented {
        token,
        dpop_scheme,
        proofs: &proofs,
        method: method.as_str(),
    };
    let claims = userinfo::userinfo(&state.ctx, presented, state.ctx.clock.now())
        .await
        .map_err(|r| {
            let scheme = if r.dpop { Challenge::Dpop } else { challenge };
            tracing::info!(error = %r.error, dpop = r.dpop, "userinfo request refused");
            BearerError(r.error, scheme)
        })?;
    let mut res = Json(claims).into_response();
    no_store(res.headers_mut());
    Ok(res)
}
