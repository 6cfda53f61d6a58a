//! Photos of done entries, served through the web app: the browser never holds the
//! access token the todo API wants, so the app fetches the photo with it and passes it
//! on. Only image types are passed as such; the API decides who may see a photo.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::errors::WebError;
use super::today::id_segment;
use super::{AppState, Member};

pub async fn photo(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = id_segment(&id)?;
    let (kind, body) = state
        .api
        .bytes(member.token(), &format!("/api/photos/{id}"))
        .await?;
    let kind = if matches!(
        kind.as_str(),
        "image/jpeg" | "image/png" | "image/webp" | "image/gif"
    ) {
        kind
    } else {
        "application/octet-stream".to_owned()
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&kind) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(res)
}
