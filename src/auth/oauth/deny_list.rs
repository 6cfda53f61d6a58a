//! Deny-lists for access tokens that are still in flight after their grant ended.
//!
//! Access tokens are self-contained JWTs; to revoke one before it expires, its `jti` (one
//! token) or its grant id `gid` (every token of a code/refresh grant) is listed in the
//! ephemeral store until the longest-lived such token has expired. Introspection and
//! userinfo consult the lists; resource servers validating offline cannot, which is why
//! access tokens are short-lived.

use super::error::OAuthResult;
use crate::auth::clients::ClientId;
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

/// Whether an access token no longer stands for anyone: its client was removed, or its
/// user was removed, disabled, or changed their password after it was issued. Looked up
/// (clients from the short-lived cache) at introspection and userinfo, so a token of a
/// disabled person is refused there at once, not only when it expires.
pub async fn is_access_token_orphaned(
    ctx: &AuthContext,
    claims: &AccessTokenClaims,
) -> OAuthResult<bool> {
    let Some(client_id) = ClientId::parse(&claims.client_id) else {
        return Ok(true);
    };
    if ctx.stores.clients.get_client(&client_id).await?.is_none() {
        return Ok(true);
    }
    if !claims.has_user() {
        return Ok(false);
    }
    Ok(match ctx.stores.users.get_user(&claims.sub).await? {
        Some(user) => user.disabled || issued_before(claims.iat, user.sessions_not_before_ms),
        None => true,
    })
}

/// `iat` is in whole seconds: a token counts as issued before `not_before_ms` only if its
/// whole second ended by then, so a token issued just after a password change, in the
/// same second, keeps working (the change itself revoked the grants it could come from).
pub fn issued_before(iat_secs: i64, not_before_ms: i64) -> bool {
    iat_secs.saturating_add(1).saturating_mul(1000) <= not_before_ms
}

#[cfg(test)]
mod tests {
    #[test]
    fn issued_before_counts_whole_seconds() {
        assert!(super::issued_before(10, 11_000));
        assert!(!super::issued_before(10, 10_999));
        assert!(!super::issued_before(10, 0));
    }
}
