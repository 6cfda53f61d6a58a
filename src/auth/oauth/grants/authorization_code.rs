//! The authorization code grant (RFC 6749 §4.1, OIDC Core §3.1.3, RFC 7636, RFC 9700 §4.2).
//!
//! Codes are single use (`oauth::code` takes them atomically and leaves a "spent" marker
//! naming the grant the exchange creates), so a second presentation of the code revokes
//! that grant (its refresh family at once, its access tokens at introspection/userinfo)
//! before failing with `invalid_grant`.
//! A code exchange writes at most one SQL row: the refresh token, when one is issued.

use super::TokenResponse;
use crate::auth::clients::{Client, GrantType};
use crate::auth::context::AuthContext;
use crate::auth::oauth::code::{self, Redeemed};
use crate::auth::oauth::error::{ErrorCode, OAuthError, OAuthResult};
use crate::auth::oauth::issue::{UserGrant, user_tokens};
use crate::auth::oauth::{deny_list, pkce, resource, userinfo};
use crate::auth::store::RefreshTokenRecord;
use crate::auth::tokens::handles;

/// What the client presented with the code.
pub struct Presented<'a> {
    pub code: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    /// RFC 8707 resources, already checked against the configuration.
    pub resources: Vec<String>,
    /// RFC 9449: the DPoP key of the request's proof, if any.
    pub jkt: Option<&'a str>,
}

pub async fn exchange(
    ctx: &AuthContext,
    client: &Client,
    presented: Presented<'_>,
    now: i64,
) -> OAuthResult<TokenResponse> {
    let Presented {
        code,
        redirect_uri,
        code_verifier,
        resources,
        jkt,
    } = presented;
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the authorization_code grant",
        ));
    }
    if code.len() > 256 {
        return Err(OAuthError::invalid_grant("invalid authorization code"));
    }
    let (record, grant_id) = match code::redeem(ctx, code).await? {
        Redeemed::Fresh { record, grant_id } => (record, grant_id),
        Redeemed::Replayed { grant_id } => {
            tracing::warn!(grant_id, "authorization code replayed; revoking its grant");
            ctx.stores
                .refresh_tokens
                .revoke_family(&grant_id, now)
                .await?;
            deny_list::deny_grant(ctx, &grant_id).await?;
            return Err(OAuthError::invalid_grant(
                "authorization code was already used; the tokens issued for it are revoked",
            ));
        }
        Redeemed::Unknown => {
            return Err(OAuthError::invalid_grant(
                "invalid or expired authorization code",
            ));
        }
    };

    if record.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "authorization code was issued to another client",
        ));
    }
    if record.expires_at <= now {
        return Err(OAuthError::invalid_grant("authorization code expired"));
    }
    match (record.redirect_uri_sent, redirect_uri) {
        (_, Some(uri)) if uri != record.redirect_uri.as_str() => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        (true, None) => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri is required (it was in the authorization request)",
            ));
        }
        _ => {}
    }
    pkce::verify(record.code_challenge.as_ref(), code_verifier)?;
    let resources = resource::narrow(resources, &record.resources)?;

    let user = match ctx.stores.users.get_user(&record.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => {
            return Err(OAuthError::invalid_grant(
                "the user of this code is no longer active",
            ));
        }
    };
    let mut response = user_tokens(
        ctx,
        UserGrant {
            client,
            user: &user,
            scopes: &record.scopes,
            auth_time: record.auth_time,
            grant_id: &grant_id,
            nonce: record.nonce.as_deref(),
            code: Some(code),
            claims: &record.claims,
            sid: record.sid.as_deref(),
            resources: &resources,
            jkt,
        },
        now,
    )
    .await?;
    let refresh_ttl = ctx.config.tokens.refresh_token_ttl_secs;
    if record.scopes.contains("offline_access") && client.allows_grant(GrantType::RefreshToken) {
        let refresh_token = handles::new_handle();
        ctx.stores
            .refresh_tokens
            .insert_refresh_token(&RefreshTokenRecord {
                token_hash: handles::digest(&refresh_token),
                family_id: grant_id.clone(),
                client_id: client.client_id.to_string(),
                user_id: user.user_id.clone(),
                scopes: record.scopes.to_vec(),
                auth_time: record.auth_time,
                claims_json: serde_json::to_string(&record.claims).ok(),
                issued_at: now,
                expires_at: now + refresh_ttl as i64,
                rotated_at: None,
                revoked_at: None,
                sid: record.sid.clone(),
                // The family keeps what the authorization granted, not this narrowing.
                resources: record.resources.clone(),
                dpop_jkt: super::refresh_binding(client, jkt),
            })
            .await?;
        response.refresh_token = Some(refresh_token);
    }
    userinfo::remember_requested_claims(
        ctx,
        &grant_id,
        &record.claims,
        ctx.access_tokens.ttl() as u64,
    )
    .await?;
    Ok(response)
}
