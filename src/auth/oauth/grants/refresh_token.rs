//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14).
//!
//! Every use spends the presented token and issues a new one in the same family. A spent
//! token presented again is theft unless it comes within `refresh_reuse_grace_secs` of its
//! rotation (two tabs refreshing at once): then it gets a fresh token in the same family.
//! Otherwise the whole family is revoked — committed even though this request fails.

use super::TokenResponse;
use crate::auth::clients::{Client, GrantType};
use crate::auth::context::AuthContext;
use crate::auth::oauth::deny_list;
use crate::auth::oauth::error::{ErrorCode, OAuthError, OAuthResult};
use crate::auth::oauth::issue::{UserGrant, user_tokens};
use crate::auth::oauth::scope::Scopes;
use crate::auth::oidc::claims::ClaimsRequest;
use crate::auth::store::{RefreshTokenRecord, Rotation};
use crate::auth::tokens::handles;

pub async fn refresh(
    ctx: &AuthContext,
    client: &Client,
    presented: &str,
    scope: Option<Scopes>,
    now: i64,
) -> OAuthResult<TokenResponse> {
    if !client.allows_grant(GrantType::RefreshToken) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the refresh_token grant",
        ));
    }
    let invalid = || OAuthError::invalid_grant("invalid, expired or revoked refresh token");
    if presented.len() > 256 {
        return Err(invalid());
    }
    let hash = handles::digest(presented);
    let Some(current) = ctx.stores.refresh_tokens.find_refresh_token(&hash).await? else {
        return Err(invalid());
    };
    if current.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "refresh token was issued to another client",
        ));
    }
    if current.revoked_at.is_some() || current.expires_at <= now {
        return Err(invalid());
    }
    let granted = Scopes::from_list(current.scopes.clone());
    let scopes = match scope {
        Some(s) if !s.is_subset_of(&granted) => {
            return Err(OAuthError::invalid_scope(
                "scope exceeds what was originally granted",
            ));
        }
        Some(s) if !s.is_empty() => s,
        _ => granted,
    };

    let new_token = handles::new_handle();
    let new_record = RefreshTokenRecord {
        token_hash: handles::digest(&new_token),
        issued_at: now,
        expires_at: now + ctx.config.tokens.refresh_token_ttl_secs as i64,
        rotated_at: None,
        revoked_at: None,
        ..current.clone()
    };
    match ctx
        .stores
        .refresh_tokens
        .rotate_refresh_token(&hash, &new_record, now)
        .await?
    {
        Rotation::Rotated => {}
        Rotation::AlreadySpent { record } => {
            let grace = ctx.config.tokens.refresh_reuse_grace_secs as i64;
            let within_grace = record.rotated_at.is_some_and(|t| now - t <= grace) && grace > 0;
            if !within_grace {
                tracing::warn!(family = %record.family_id, client_id = %client.client_id,
                    "refresh token reuse detected; revoking the family");
                ctx.stores
                    .refresh_tokens
                    .revoke_family(&record.family_id, now)
                    .await?;
                deny_list::deny_grant(ctx, &record.family_id).await?;
                return Err(OAuthError::invalid_grant(
                    "refresh token was already used; the whole grant is revoked",
                ));
            }
            ctx.stores
                .refresh_tokens
                .insert_refresh_token(&new_record)
                .await?;
        }
        Rotation::Invalid => return Err(invalid()),
    }

    let user = match ctx.stores.users.get_user(&current.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => {
            ctx.stores
                .refresh_tokens
                .revoke_family(&current.family_id, now)
                .await?;
            return Err(OAuthError::invalid_grant(
                "the user of this grant is no longer active",
            ));
        }
    };
    let claims: ClaimsRequest = current
        .claims_json
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let mut response = user_tokens(
        ctx,
        UserGrant {
            client,
            user: &user,
            scopes: &scopes,
            auth_time: current.auth_time,
            grant_id: &current.family_id,
            nonce: None,
            code: None,
            claims: &claims,
        },
        now,
    )?;
    response.refresh_token = Some(new_token);
    Ok(response)
}
