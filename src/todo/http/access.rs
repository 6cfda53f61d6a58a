//! The door of every API route, as extractors: the bearer token, then the scope the route
//! needs, then (for writers) a user behind the token. Extractors of request parts run
//! before the body is read and before the handler looks at its query, so a caller who
//! may not do something hears 401/403 whatever they sent, never a 422 about their input
//! (issue 11). The rules themselves live in [`crate::todo::domain::access`].

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::{ApiError, AppState};
use crate::todo::domain::access::{Caller, Reader, Writer};
use crate::validator::Authenticated;
use crate::validator::axum::bearer_token;

/// A caller with `courses:read`.
impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = authenticate(parts, state).await?;
        Ok(Caller::new(&auth).reader()?)
    }
}

/// A user with `courses:write`.
impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = authenticate(parts, state).await?;
        Ok(Caller::new(&auth).writer()?)
    }
}

/// The validated token of the request; names its subject and client in the request's
/// `caller` span, so every later line of the request (a refusal above all) says who asked.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Authenticated, ApiError> {
    let Some(validator) = state.validator.get() else {
        // Without the issuer's keys no token can be judged; a request without one can.
        bearer_token(parts)?;
        return Err(ApiError::Unavailable);
    };
    let auth = Authenticated::from_parts(parts, validator).await?;
    let span = tracing::Span::current();
    span.record("sub", auth.sub.as_str());
    span.record("client_id", auth.client_id.as_str());
    Ok(auth)
}

/// Middleware: runs the request inside a `caller` span whose `sub` and `client_id` the
/// extractors fill in once the token is valid.
pub async fn caller_span(req: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "caller",
        sub = tracing::field::Empty,
        client_id = tracing::field::Empty
    );
    next.run(req).instrument(span).await
}
