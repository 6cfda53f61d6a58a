//! The token endpoint: the request tagged on `grant_type`, dispatch to one handler per
//! grant, and the response shape. What grants share lives beside them in `oauth`:
//! `issue` (tokens for a user grant), `code`, `deny_list`, `userinfo` (requested claims).

pub mod authorization_code;
pub mod client_credentials;
pub mod device_code;
pub mod refresh_token;

use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::params::Params;
use super::resource;
use super::scope::Scopes;
pub use super::token_response::TokenResponse;
use crate::auth::clients::{Client, DEVICE_CODE_GRANT};
use crate::auth::context::AuthContext;

/// A token request, tagged on `grant_type`, with each grant's own required fields.
/// `resource` (RFC 8707, repeatable) applies to every grant: checked against the
/// configuration and the grant's own authorization in `token_endpoint`.
#[derive(Debug)]
pub enum TokenRequest {
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
        resource: Vec<String>,
    },
    RefreshToken {
        refresh_token: String,
        scope: Option<Scopes>,
        resource: Vec<String>,
    },
    ClientCredentials {
        scope: Scopes,
        resource: Vec<String>,
    },
    DeviceCode {
        device_code: String,
        resource: Vec<String>,
    },
}

impl TokenRequest {
    pub fn grant_type(&self) -> &'static str {
        match self {
            TokenRequest::AuthorizationCode { .. } => "authorization_code",
            TokenRequest::RefreshToken { .. } => "refresh_token",
            TokenRequest::ClientCredentials { .. } => "client_credentials",
            TokenRequest::DeviceCode { .. } => DEVICE_CODE_GRANT,
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
        let resource = p.get_all("resource").to_vec();
        match p.get("grant_type") {
            None => Err(OAuthError::invalid_request("grant_type is missing")),
            Some("authorization_code") => Ok(TokenRequest::AuthorizationCode {
                code: required("code")?,
                redirect_uri: p.get("redirect_uri").map(str::to_owned),
                code_verifier: p.get("code_verifier").map(str::to_owned),
                resource,
            }),
            Some("refresh_token") => Ok(TokenRequest::RefreshToken {
                refresh_token: required("refresh_token")?,
                scope: p.get("scope").map(|s| Scopes::parse(Some(s))).transpose()?,
                resource,
            }),
            Some("client_credentials") => Ok(TokenRequest::ClientCredentials {
                scope: Scopes::parse(p.get("scope"))?,
                resource,
            }),
            Some(DEVICE_CODE_GRANT) => Ok(TokenRequest::DeviceCode {
                device_code: required("device_code")?,
                resource,
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
    jkt: Option<&str>,
    now: i64,
) -> OAuthResult<TokenResponse> {
    let config = &ctx.config;
    // RFC 9449 §5.2 `dpop_bound_access_tokens`: this client's tokens are always bound.
    if client.dpop_bound_access_tokens && jkt.is_none() {
        return Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "this client must send a DPoP proof with every token request",
        ));
    }
    match request {
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            resource,
        } => {
            authorization_code::exchange(
                ctx,
                client,
                authorization_code::Presented {
                    code: &code,
                    redirect_uri: redirect_uri.as_deref(),
                    code_verifier: code_verifier.as_deref(),
                    resources: resource::parse(config, &resource)?,
                    jkt,
                },
                now,
            )
            .await
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
            resource,
        } => {
            let resources = resource::parse(config, &resource)?;
            refresh_token::refresh(ctx, client, &refresh_token, scope, resources, jkt, now).await
        }
        TokenRequest::ClientCredentials { scope, resource } => {
            let resources = resource::parse(config, &resource)?;
            client_credentials::grant(ctx, client, scope, &resources, jkt, now)
        }
        TokenRequest::DeviceCode {
            device_code,
            resource,
        } => {
            let resources = resource::parse(config, &resource)?;
            device_code::poll(ctx, client, &device_code, resources, jkt, now).await
        }
    }
}

/// RFC 9449 §5: a public client's refresh token is bound to the DPoP key it was issued
/// under (it has no other credential that would stop a thief); a confidential client's
/// refresh token is already bound to its credentials.
pub fn refresh_binding(client: &Client, jkt: Option<&str>) -> Option<String> {
    if client.is_public() {
        jkt.map(str::to_owned)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
