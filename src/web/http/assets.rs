//! The stylesheet, compiled in and served by the app (the CSP allows no inline style).

use axum::http::header;
use axum::response::IntoResponse;

const STYLESHEET: &str = include_str!("../static/belf.css");

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}
