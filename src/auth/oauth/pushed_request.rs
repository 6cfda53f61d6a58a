//! A pushed authorization request (RFC 9126) as stored: written by `/par`, taken once by
//! `/authorize`. A typed artifact over the ephemeral store, like `code.rs`.

use serde::{Deserialize, Serialize};

use super::authorization_request::{AuthorizationRequest, AuthorizeError, UntrustedRequest};
use super::error::{OAuthError, OAuthResult};
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

/// Stores `request` for `ttl` seconds under the digest of a fresh random handle and
/// returns the `request_uri` that stands for it.
pub async fn store(
    ctx: &AuthContext,
    client_id: &ClientId,
    request: AuthorizationRequest,
    now: i64,
    ttl: u64,
) -> OAuthResult<String> {
    let handle = handles::new_handle();
    let record = PushedRequest {
        client_id: client_id.clone(),
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
    Ok([REQUEST_URI_PREFIX, &handle].concat())
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
