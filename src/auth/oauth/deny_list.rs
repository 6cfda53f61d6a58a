//! Deny-lists for access tokens that are still in flight after their grant ended.
//!
//! Access tokens are self-contained JWTs; to revoke one before it expires, its `jti` (one
//! token) or its grant id `gid` (every token of a code/refresh grant) is listed in the
//! ephemeral store until the longest-lived such token has expired. Introspection and
//! userinfo consult the lists; resource servers validating offline cannot, which is why
//! access tokens are short-lived.

use super::error::OAuthResult;
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::access_token::AccessTokenClaims;

/// Marks a grant revoked for access tokens still in flight (checked by introspection and
/// userinfo until the longest-lived of them has expired).
pub async fn deny_grant(ctx: &AuthContext, grant_id: &str) -> OAuthResult<()> {
    ctx.stores
        .ephemeral
        .put(
            Namespace::RevokedGrant,
            grant_id,
            "1",
            ctx.access_tokens.ttl() as u64 + 60,
        )
        .await?;
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
