//! Pushed authorization requests (RFC 9126).
//!
//! ```text
//!  client ── POST /par (client authenticated, authorization parameters) ──► push()
//!         ◄── 201 {request_uri: urn:ietf:params:oauth:request_uri:<random>, expires_in}
//!  browser ── GET /authorize?client_id=…&request_uri=… ──► redeem(): taken once,
//!             then the interaction goes on exactly as for a plain request
//! ```
//!
//! The request is checked by the same code as at `/authorize` (`authorize::parse_as`),
//! so a push is refused for whatever `/authorize` would refuse; what is stored is the
//! parsed request, under the digest of the random part of its `request_uri`. A
//! `request_uri` that is unknown, spent, expired or another client's is shown to the person
//! as a page: nothing is redirected, as no redirect URI has been proven for it.

use serde::Serialize;

use super::authorize::{self, Arrival, AuthorizeError};
use super::error::{OAuthError, OAuthResult};
use super::params::Params;
use super::pushed_request;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;

/// The push response (RFC 9126 §2.2).
#[derive(Debug, Serialize)]
pub struct PushResponse {
    pub request_uri: String,
    pub expires_in: u64,
}

/// `POST /par` for an authenticated client.
pub async fn push(
    ctx: &AuthContext,
    client: &Client,
    p: &Params,
    now: i64,
) -> OAuthResult<PushResponse> {
    if p.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request(
            "request_uri cannot be pushed (RFC 9126 §2.1)",
        ));
    }
    // With HTTP Basic the form may leave client_id out; the request is the client's.
    if p.get("client_id")
        .is_some_and(|id| id != client.client_id.as_str())
    {
        return Err(OAuthError::invalid_request(
            "client_id does not match the authenticated client",
        ));
    }
    let p = p.with_default("client_id", client.client_id.as_str());
    let request = match authorize::parse_as(ctx, &p, Arrival::Pushed).await {
        Ok((_, request)) => request,
        Err(AuthorizeError::Page(reason)) => {
            return Err(OAuthError::invalid_request(reason.reason()));
        }
        Err(AuthorizeError::Redirect(e)) => return Err(e.error),
        Err(AuthorizeError::Unavailable(e)) => return Err(e),
    };
    let ttl = ctx.config.par.request_uri_ttl_secs;
    let request_uri = pushed_request::store(ctx, &client.client_id, request, now, ttl).await?;
    Ok(PushResponse {
        request_uri,
        expires_in: ttl,
    })
}
