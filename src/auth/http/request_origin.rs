//! The request's origin for the audit trail: the client IP (by the same
//! X-Forwarded-For rule as the throttle) and the user agent, cleaned and bounded.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::AppState;
use super::extractors::ClientIp;
use crate::auth::audit::{RequestOrigin, clean_user_agent};

/// Extracts a [`RequestOrigin`]; never rejects.
pub struct Origin(pub RequestOrigin);

impl FromRequestParts<AppState> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(clean_user_agent);
        Ok(Origin(RequestOrigin { ip, user_agent }))
    }
}
