//! The UserInfo endpoint's logic (OIDC Core §5.3): a valid, unrevoked access token with the
//! `openid` scope yields the claims its scopes (and its `claims` request) release.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::deny_list::{is_access_token_revoked, issued_before};
use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::scope::Scopes;
use crate::auth::context::AuthContext;
use crate::auth::oidc::claims::user_claims;
use crate::auth::store::Namespace;

pub async fn userinfo(ctx: &AuthContext, token: &str, now: i64) -> OAuthResult<Map<String, Value>> {
    let claims = ctx
        .access_tokens
        .verify(token, now)
        .map_err(|e| OAuthError::invalid_token(e.to_string()))?;
    if is_access_token_revoked(ctx, &claims).await? {
        return Err(OAuthError::invalid_token("the access token was revoked"));
    }
    let scopes = Scopes::from_list(claims.scopes());
    if !scopes.contains("openid") || !claims.has_user() {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token lacks the openid scope",
        ));
    }
    let user = match ctx.stores.users.get_user(&claims.sub).await? {
        Some(u) if !u.disabled && !issued_before(claims.iat, u.sessions_not_before_ms) => u,
        _ => return Err(OAuthError::invalid_token("the user is no longer active")),
    };
    let requested: BTreeSet<String> = match &claims.gid {
        Some(gid) => ctx
            .stores
            .ephemeral
            .get(Namespace::GrantClaims, gid)
            .await?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        None => BTreeSet::new(),
    };
    Ok(user_claims(&user, &scopes, &requested))
}

/// Remembers the userinfo claims requested through the `claims` parameter for this grant
/// (only written when such a request was made).
pub async fn remember_requested_claims(
    ctx: &AuthContext,
    grant_id: &str,
    claims: &crate::auth::oidc::claims::ClaimsRequest,
    ttl: u64,
) -> OAuthResult<()> {
    if claims.userinfo.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(&claims.userinfo).map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(Namespace::GrantClaims, grant_id, &json, ttl)
        .await?;
    Ok(())
}
