//! `POST /oauth/register` (RFC 7591) and `GET|PUT|DELETE /oauth/register/{client_id}`
//! (RFC 7592). Extract, call `auth::clients::registration`, map.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, BearerError, Challenge, no_store};
use super::extractors::ClientIp;
use crate::auth::clients::registration::{self, Registered};
use crate::auth::clients::registration_metadata::metadata_json;
use crate::auth::oauth::error::{ErrorCode, OAuthError};
use crate::auth::oidc::metadata::paths;

/// The `Authorization: Bearer` token, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// One log line per refusal. Token refusals carry a Bearer challenge (RFC 6750 §3); the
/// rest are RFC 7591 JSON.
fn refused(action: &'static str, client_id: Option<&str>, e: OAuthError) -> Response {
    tracing::warn!(
        action,
        client_id,
        error = e.code.as_str(),
        description = %e.description,
        "client registration request refused"
    );
    if e.code == ErrorCode::InvalidToken {
        BearerError(e, Challenge::Bearer).into_response()
    } else {
        ApiError(e, None).into_response()
    }
}

/// RFC 7591 §3.2.1 / RFC 7592 §3: metadata, secret (when issued now), management token.
fn answer(state: &AppState, status: StatusCode, r: Registered) -> Response {
    let mut body = metadata_json(&r.client);
    if let Some(o) = body.as_object_mut() {
        if let Some(secret) = &r.secret {
            o.insert("client_secret".into(), secret.expose().into());
            o.insert("client_secret_expires_at".into(), 0.into());
        }
        o.insert(
            "registration_access_token".into(),
            r.registration_access_token.into(),
        );
        o.insert(
            "registration_client_uri".into(),
            format!(
                "{}{}/{}",
                state.ctx.issuer,
                paths::REGISTRATION,
                r.client.client_id
            )
            .into(),
        );
    }
    let mut res = (status, Json(body)).into_response();
    no_store(res.headers_mut());
    res
}

pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = &state.ctx;
    let allowance = ctx.config.client_registration.free_registrations_per_ip;
    match ctx
        .throttle
        .begin_client_registration(&*ctx.stores.ephemeral, ip, allowance)
        .await
    {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(Err(t)) => {
            tracing::warn!(%ip, retry_after_secs = t.retry_after_secs, "client registration throttled");
            return ApiError(
                OAuthError::new(
                    ErrorCode::SlowDown,
                    "too many registrations; wait and retry",
                ),
                Some(t.retry_after_secs),
            )
            .into_response();
        }
        Ok(Ok(())) => {}
    }
    match registration::register(ctx, bearer(&headers), &body, ctx.clock.now()).await {
        Ok(r) => answer(&state, StatusCode::CREATED, r),
        Err(e) => refused("register", None, e),
    }
}

pub async fn read(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match registration::read(&state.ctx, &client_id, bearer(&headers)).await {
        Ok(r) => answer(&state, StatusCode::OK, r),
        Err(e) => refused("read", Some(&client_id), e),
    }
}

pub async fn replace(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = &state.ctx;
    match registration::replace(ctx, &client_id, bearer(&headers), &body, ctx.clock.now()).await {
        Ok(r) => answer(&state, StatusCode::OK, r),
        Err(e) => refused("replace", Some(&client_id), e),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match registration::delete(&state.ctx, &client_id, bearer(&headers)).await {
        Ok(()) => {
            let mut res = StatusCode::NO_CONTENT.into_response();
            no_store(res.headers_mut());
            res
        }
        Err(e) => refused("delete", Some(&client_id), e),
    }
}
