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

use serde::{Deserialize, Serialize};

use super::authorize::{self, Arrival, AuthorizationRequest, AuthorizeError, UntrustedRequest};
use super::error::{OAuthError, OAuthResult};
use super::params::Params;
use crate::auth::clients::{Client, ClientId};
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// A pushed request as stored.
#[derive(Debug, Serialize, Deserialize)]
struct PushedRequest {
    client_id: ClientId,
    request: AuthorizationRequest,
    expires_at: i64,
}

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
    let handle = handles::new_handle();
    let record = PushedRequest {
        client_id: client.client_id.clone(),
        request,
        expires_at: now + ttl as i64,
    };
    let json = serde_json::to_string(&record).map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::PushedRequest,
            &handles::digest(&handle),
            &json,
            ttl,
        )
        .await?;
    Ok(PushResponse {
        request_uri: [REQUEST_URI_PREFIX, &handle].concat(),
        expires_in: ttl,
    })
}

/// The pushed request `request_uri` stands for, taken (single use). `client` is the one
/// `/authorize` named in `client_id`, which must be the one that pushed it.
pub async fn redeem(
    ctx: &AuthContext,
    client: &Client,
    request_uri: &str,
    now: i64,
) -> Result<AuthorizationRequest, AuthorizeError> {
    let invalid = || AuthorizeError::Page(UntrustedRequest::RequestUriInvalid);
    let handle = request_uri
        .strip_prefix(REQUEST_URI_PREFIX)
        .filter(|h| !h.is_empty() && h.len() <= 256)
        .ok_or_else(invalid)?;
    let raw = ctx
        .stores
        .ephemeral
        .take(Namespace::PushedRequest, &handles::digest(handle))
        .await
        .map_err(|e| AuthorizeError::Unavailable(e.into()))?
        .ok_or_else(invalid)?;
    let pushed: PushedRequest = serde_json::from_str(&raw)
        .map_err(|e| AuthorizeError::Unavailable(OAuthError::unavailable(&e)))?;
    if pushed.client_id != client.client_id {
        // Taken all the same: a request_uri shown to the wrong client is burnt.
        tracing::warn!(client_id = %client.client_id, pushed_by = %pushed.client_id,
            "request_uri presented with another client's id");
        return Err(AuthorizeError::Page(
            UntrustedRequest::RequestUriOtherClient,
        ));
    }
    if pushed.expires_at <= now {
        return Err(invalid());
    }
    Ok(pushed.request)
}
