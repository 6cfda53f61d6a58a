//! The door of every API route, as extractors: the bearer token, then the scope the route
//! needs, then (for writers) a user behind the token. Extractors of request parts run
//! before the body is read and before the handler looks at its query, so a caller who
//! may not do something hears 401/403 whatever they sent, never a 422 about their input
//! (issue 11). The rules themselves live in [`crate::todo::domain::access`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{ApiError, AppState};
use crate::todo::domain::access::{Caller, Reader, Writer};
use crate::validator::Authenticated;

/// A caller with `courses:read`.
impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = Authenticated::from_parts(parts, &state.validator).await?;
        Ok(Caller::new(&auth).reader()?)
    }
}

/// A user with `courses:write`.
impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = Authenticated::from_parts(parts, &state.validator).await?;
        Ok(Caller::new(&auth).writer()?)
    }
}
