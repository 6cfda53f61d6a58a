//! `GET /static/passkey.js`: the one script of the identity server's pages (passkeys), and
//! the Content-Security-Policy of the pages that load it. Every other page keeps
//! `default-src 'none'`: no script at all.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub const PATH: &str = "/static/passkey.js";

const SCRIPT: &str = include_str!("passkey.js");

pub async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The pages' policy plus this server's own scripts: for pages that offer a passkey.
pub fn allow_script(res: &mut Response) {
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; img-src 'self'; style-src 'unsafe-inline'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
}
