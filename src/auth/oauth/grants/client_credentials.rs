//! The client credentials grant (RFC 6749 §4.4). Writes nothing: the JWT is self-contained
//! and its revocation, if ever asked for, is a `jti` deny-list entry until it expires.

use super::TokenResponse;
use crate::auth::clients::{Client, GrantType};
use crate::auth::context::AuthContext;
use crate::auth::oauth::error::{ErrorCode, OAuthError, OAuthResult};
use crate::auth::oauth::scope::{OIDC_SCOPES, Scopes};
use crate::auth::tokens::access_token::AccessTokenRequest;

pub fn grant(
    ctx: &AuthContext,
    client: &Client,
    scope: Scopes,
    resources: &[String],
    jkt: Option<&str>,
    now: i64,
) -> OAuthResult<TokenResponse> {
    if client.is_public() || !client.allows_grant(GrantType::ClientCredentials) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the client_credentials grant",
        ));
    }
    // No person is involved, so user scopes (openid, profile, …) make no sense here.
    if let Some(user_scope) = scope.iter().find(|s| OIDC_SCOPES.contains(s)) {
        return Err(OAuthError::invalid_scope(format!(
            "scope `{user_scope}` needs a user; client_credentials tokens carry none"
        )));
    }
    scope.check_allowed(&client.scopes)?;
    let scope = if scope.is_empty() {
        Scopes::from_list(
            client
                .scopes
                .iter()
                .filter(|s| !OIDC_SCOPES.contains(&s.as_str()))
                .cloned(),
        )
    } else {
        scope
    };
    let scope = scope.to_string();
    let (access_token, _) = ctx
        .access_tokens
        .mint(
            AccessTokenRequest {
                sub: &client.client_id,
                client_id: &client.client_id,
                scope: scope.clone(),
                auth_time: None,
                grant_id: None,
                alg: client.access_token_alg,
                resources,
                jkt,
            },
            now,
        )
        .map_err(|e| OAuthError::unavailable(&e))?;
    Ok(TokenResponse {
        access_token,
        token_type: crate::auth::oauth::token_response::token_type(jkt),
        expires_in: ctx.access_tokens.ttl(),
        scope,
        refresh_token: None,
        id_token: None,
        subject: client.client_id.to_string(),
    })
}
