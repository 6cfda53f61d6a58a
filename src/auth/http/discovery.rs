//! Discovery and JWKS: documents serialised once (the JWKS once per key change), served
//! as bytes.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;

fn json(body: axum::body::Bytes, max_age: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(max_age));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

pub async fn openid_configuration(State(state): State<AppState>) -> Response {
    json(state.discovery_json.clone(), "public, max-age=300")
}

pub async fn jwks(State(state): State<AppState>) -> Response {
    let now = state.ctx.clock.now();
    let body = axum::body::Bytes::from_owner(state.ctx.keys.jwks_json(now));
    // Shorter than the default pre-publication delay minus the reload interval (300 − 30
    // s): a cache filled just before a rotation is refreshed before the new key signs.
    json(body, "public, max-age=120")
}
