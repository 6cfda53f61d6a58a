//! The token endpoint's grants, one handler each, plus the request and response shapes.

pub mod authorization_code;
pub mod client_credentials;
pub mod refresh_token;

use serde::Serialize;

use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::params::Params;
use super::scope::Scopes;
use crate::auth::accounts::users::User;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;
use crate::auth::oidc::claims::{ClaimsRequest, user_claims};
use crate::auth::oidc::id_token::IdTokenRequest;
use crate::auth::store::Namespace;
use crate::auth::tokens::access_token::AccessTokenRequest;

/// A token request, tagged on `grant_type`, with each grant's own required fields.
#[derive(Debug)]
pub enum TokenRequest {
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
    },
    RefreshToken {
        refresh_token: String,
        scope: Option<Scopes>,
    },
    ClientCredentials {
        scope: Scopes,
    },
}

impl TokenRequest {
    pub fn grant_type(&self) -> &'static str {
        match self {
            TokenRequest::AuthorizationCode { .. } => "authorization_code",
            TokenRequest::RefreshToken { .. } => "refresh_token",
            TokenRequest::ClientCredentials { .. } => "client_credentials",
        }
    }

    pub fn parse(p: &Params) -> OAuthResult<TokenRequest> {
        if let Some(dup) = p.first_duplicate() {
            return Err(OAuthError::invalid_request(format!(
                "parameter `{dup}` was sent more than once"
            )));
        }
        let required = |name: &'static str| {
            p.get(name)
                .map(str::to_owned)
                .ok_or_else(|| OAuthError::invalid_request(format!("{name} is missing")))
        };
        match p.get("grant_type") {
            None => Err(OAuthError::invalid_request("grant_type is missing")),
            Some("authorization_code") => Ok(TokenRequest::AuthorizationCode {
                code: required("code")?,
                redirect_uri: p.get("redirect_uri").map(str::to_owned),
                code_verifier: p.get("code_verifier").map(str::to_owned),
            }),
            Some("refresh_token") => Ok(TokenRequest::RefreshToken {
                refresh_token: required("refresh_token")?,
                scope: p.get("scope").map(|s| Scopes::parse(Some(s))).transpose()?,
            }),
            Some("client_credentials") => Ok(TokenRequest::ClientCredentials {
                scope: Scopes::parse(p.get("scope"))?,
            }),
            Some(other) => Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!(
                    "grant_type `{}` is not supported",
                    other.chars().take(64).collect::<String>()
                ),
            )),
        }
    }
}

/// RFC 6749 §5.1 (+ OIDC `id_token`).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

pub async fn token_endpoint(
    ctx: &AuthContext,
    client: &Client,
    request: TokenRequest,
    now: i64,
) -> OAuthResult<TokenResponse> {
    match request {
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            authorization_code::exchange(
                ctx,
                client,
                &code,
                redirect_uri.as_deref(),
                code_verifier.as_deref(),
                now,
            )
            .await
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => refresh_token::refresh(ctx, client, &refresh_token, scope, now).await,
        TokenRequest::ClientCredentials { scope } => {
            client_credentials::grant(ctx, client, scope, now)
        }
    }
}

/// What a user grant (code or refresh) has established, ready to become tokens.
pub(crate) struct UserGrant<'a> {
    pub client: &'a Client,
    pub user: &'a User,
    pub scopes: &'a Scopes,
    pub auth_time: i64,
    pub grant_id: &'a str,
    pub nonce: Option<&'a str>,
    pub code: Option<&'a str>,
    pub claims: &'a ClaimsRequest,
}

/// Access token + (for `openid`) ID token for a user grant. The refresh token, if any, is
/// added by the caller, which owns its storage.
pub(crate) fn user_tokens(
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
            },
            now,
        )
        .map_err(|e| OAuthError::unavailable(&e))?;
    let id_token = if g.scopes.contains("openid") {
        let claims = user_claims(g.user, g.scopes, &g.claims.id_token);
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
        token_type: "Bearer",
        expires_in: ctx.access_tokens.ttl(),
        scope,
        refresh_token: None,
        id_token,
    })
}

/// Marks a grant revoked for access tokens still in flight (checked by introspection and
/// userinfo until the longest-lived of them has expired).
pub(crate) async fn deny_grant(ctx: &AuthContext, grant_id: &str) -> OAuthResult<()> {
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

/// Remembers the userinfo claims requested through the `claims` parameter for this grant
/// (only written when such a request was made).
pub(crate) async fn remember_userinfo_claims(
    ctx: &AuthContext,
    grant_id: &str,
    claims: &ClaimsRequest,
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
