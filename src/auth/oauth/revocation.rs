//! Token revocation (RFC 7009) and the deny-lists it feeds.
//!
//! Revoking a refresh token revokes its whole grant (RFC 7009 §2.1 allows, RFC 9700
//! recommends). Revoking an access token puts its `jti` on a deny-list until it expires.
//! Unknown tokens, and tokens of other clients, are a silent success: the answer must not
//! help anyone probe for valid tokens.

use super::error::OAuthResult;
use super::grants::deny_grant;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::access_token::AccessTokenClaims;
use crate::auth::tokens::handles;

pub async fn revoke(ctx: &AuthContext, client: &Client, token: &str, now: i64) -> OAuthResult<()> {
    if token.len() > 8192 {
        return Ok(());
    }
    // A JWT has two dots; our refresh tokens are base64url and have none.
    if token.contains('.') {
        if let Ok(claims) = ctx.access_tokens.verify_signature(token)
            && claims.client_id == client.client_id
            && claims.exp > now
        {
            deny_access_token(ctx, &claims, now).await?;
        }
        return Ok(());
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
        deny_grant(ctx, &record.family_id).await?;
    }
    Ok(())
}

pub async fn deny_access_token(
    ctx: &AuthContext,
    claims: &AccessTokenClaims,
    now: i64,
) -> OAuthResult<()> {
    let ttl = (claims.exp - now).max(1) as u64 + 60;
    ctx.stores
        .ephemeral
        .put(Namespace::RevokedJti, &claims.jti, "1", ttl)
        .await?;
    Ok(())
}

/// Whether an access token was revoked, directly or through its grant.
pub async fn is_access_token_revoked(
    ctx: &AuthContext,
    claims: &AccessTokenClaims,
) -> OAuthResult<bool> {
    if ctx
        .stores
        .ephemeral
        .get(Namespace::RevokedJti, &claims.jti)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    if let Some(gid) = &claims.gid
        && ctx
            .stores
            .ephemeral
            .get(Namespace::RevokedGrant, gid)
            .await?
            .is_some()
    {
        return Ok(true);
    }
    Ok(false)
}
