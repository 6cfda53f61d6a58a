//! The token endpoint: the request tagged on `grant_type`, dispatch to one handler per
//! grant, and the response shape. What grants share lives beside them in `oauth`:
//! `issue` (tokens for a user grant), `code`, `deny_list`, `userinfo` (requested claims).

pub mod authorization_code;
pub mod client_credentials;
pub mod refresh_token;

use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::params::Params;
use super::scope::Scopes;
pub use super::token_response::TokenResponse;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;

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

#[cfg(test)]
mod tests;
