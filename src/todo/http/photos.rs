//! `GET /api/photos/{id}`: a done entry's photo, to whoever may see its course.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};

use super::error::ApiPath;
use super::{ApiError, AppState, find_course};
use crate::todo::domain::access::Reader;
use crate::todo::domain::parse_id;

/// The stored type (set by this service from the bytes, never by the uploader), `nosniff`
/// so no browser second-guesses it, and `private`: a photo of a private course must not
/// sit in a shared cache. Someone who may not see the course hears 404, as for the course.
pub async fn get_photo(
    State(s): State<AppState>,
    reader: Reader,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id).ok_or_else(ApiError::not_found)?;
    let photo = s.photos.photo(&id).await?.ok_or_else(ApiError::not_found)?;
    let course = find_course(&*s.courses, &photo.course_id).await?;
    reader.read_history(course.access())?;
    let content_type = HeaderValue::from_str(&photo.content_type).map_err(|_| {
        tracing::error!(photo = %photo.id, "a stored photo type is not a header value");
        ApiError::internal()
    })?;
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (CACHE_CONTROL, HeaderValue::from_static("private")),
        ],
        photo.bytes,
    )
        .into_response())
}
