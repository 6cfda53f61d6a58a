//! The Belf icon (a check mark), served by the identity server and the web app at
//! `/favicon.ico`, where browsers ask for it on their own: an SVG, which every current
//! browser shows as a tab icon whatever the path says. Shared ground, so neither room
//! names the other for it.

use axum::http::header;
use axum::response::IntoResponse;

pub const PATH: &str = "/favicon.ico";
const ICON: &str = include_str!("static/favicon.svg");

pub async fn icon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}
