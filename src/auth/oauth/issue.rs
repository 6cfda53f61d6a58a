//! The tokens a user grant ends in: an RFC 9068 access token and, for `openid`, an ID token.
//! Shared by the authorization-code and refresh-token grants (and the grants to come: device
//! code, CIBA), which own the refresh token's storage themselves.

use super::error::{OAuthError, OAuthResult};
use super::scope::Scopes;
use super::token_response::TokenResponse;
use crate::auth::accounts::User;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;
use crate::auth::oidc::claims::{ClaimsRequest, picture_released, user_claims};
use crate::auth::oidc::id_token::IdTokenRequest;
use crate::auth::self_service::profile::add_picture_claim;
use crate::auth::tokens::access_token::AccessTokenRequest;

/// What a user grant (code or refresh) has established, ready to become tokens.
pub struct UserGrant<'a> {
    pub client: &'a Client,
    pub user: &'a User,
    pub scopes: &'a Scopes,
    pub auth_time: i64,
    pub grant_id: &'a str,
    pub nonce: Option<&'a str>,
    pub code: Option<&'a str>,
    pub claims: &'a ClaimsRequest,
    /// The browser session the grant began in, for `sid` in the ID token.
    pub sid: Option<&'a str>,
    /// RFC 8707 resources the access token is for (empty: by scope).
    pub resources: &'a [String],
    /// RFC 9449: the DPoP key thumbprint the access token is bound to.
    pub jkt: Option<&'a str>,
    /// How the person signed in (RFC 8176), for `amr` and `acr` in the ID token.
    pub amr: &'a [String],
}

/// Access token + (for `openid`) ID token for a user grant. The refresh token, if any, is
/// added by the caller, which owns its storage.
pub async fn user_tokens(
    ctx: &AuthContext,
    g: UserGrant<'_>,
    now: i64,
) -> OAuthResult<TokenResponse> {
    let scope = g.scopes.to_string();
    let (access_token, _) = ctx
        .access_tokens
        .mint(
            AccessTokenRequest {
                sub: &g.user.user_id,
                client_id: &g.client.client_id,
                scope: scope.clone(),
                auth_time: Some(g.auth_time),
                grant_id: Some(g.grant_id),
                alg: g.client.access_token_alg,
                resources: g.resources,
                jkt: g.jkt,
            },
            now,
        )
        .map_err(|e| OAuthError::unavailable(&e))?;
    let id_token = if g.scopes.contains("openid") {
        let mut claims = user_claims(g.user, g.scopes, &g.claims.id_token);
        let picture = picture_released(g.scopes, &g.claims.id_token);
        add_picture_claim(ctx, &g.user.user_id, picture, &mut claims).await?;
        Some(
            ctx.id_tokens
                .mint(
                    IdTokenRequest {
                        client_id: &g.client.client_id,
                        nonce: g.nonce,
                        auth_time: g.auth_time,
                        claims,
                        access_token: Some(&access_token),
                        code: g.code,
                        sid: g.sid,
                        amr: g.amr,
                        alg: g.client.id_token_alg,
                    },
                    now,
                )
                .map_err(|e| OAuthError::unavailable(&e))?,
        )
    } else {
        None
    };
    Ok(TokenResponse {
        access_token,
        token_type: super::token_response::token_type(g.jkt),
        expires_in: ctx.access_tokens.ttl(),
        scope,
        refresh_token: None,
        id_token,
        subject: g.user.user_id.clone(),
    })
}
