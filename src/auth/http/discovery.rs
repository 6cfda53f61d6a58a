//! Discovery and JWKS: documents serialised once at start, served as bytes.

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
    json(state.jwks_json.clone(), "public, max-age=300")
}
