//! Token revocation (RFC 7009); the deny-lists it feeds live in `deny_list`.
//!
//! Revoking a refresh token revokes its whole grant (RFC 7009 §2.1 allows, RFC 9700
//! recommends). Revoking an access token puts its `jti` on a deny-list until it expires.
//! Unknown tokens, and tokens of other clients, are a silent success: the answer must not
//! help anyone probe for valid tokens.

use super::deny_list;
use super::error::OAuthResult;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;
use crate::auth::tokens::handles;

/// What a revocation request ended: the client is told nothing either way, the log is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    AccessToken,
    /// A refresh token, and with it its whole grant.
    Grant,
    /// Unknown, expired, or another client's: nothing changed.
    Nothing,
}

impl Revoked {
    pub fn as_str(self) -> &'static str {
        match self {
            Revoked::AccessToken => "access_token",
            Revoked::Grant => "refresh_token",
            Revoked::Nothing => "none",
        }
    }
}

pub async fn revoke(
    ctx: &AuthContext,
    client: &Client,
    token: &str,
    now: i64,
) -> OAuthResult<Revoked> {
    if token.len() > 8192 {
        return Ok(Revoked::Nothing);
    }
    // A JWT has two dots; our refresh tokens are base64url and have none.
    if token.contains('.') {
        if let Ok(claims) = ctx.access_tokens.verify_signature(token)
            && claims.client_id == client.client_id
            && claims.exp > now
        {
            deny_list::deny_access_token(ctx, &claims, now).await?;
            return Ok(Revoked::AccessToken);
        }
        return Ok(Revoked::Nothing);
    }
    if let Some(record) = ctx
        .stores
        .refresh_tokens
        .find_refresh_token(&handles::digest(token))
        .await?
        && record.client_id == client.client_id
    {
        ctx.stores
            .refresh_tokens
            .revoke_family(&record.family_id, now)
            .await?;
        deny_list::deny_grant(ctx, &record.family_id).await?;
        return Ok(Revoked::Grant);
    }
    Ok(Revoked::Nothing)
}
