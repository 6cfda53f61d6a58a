//! OAuth clients: typed ids, secrets and redirect URIs, and the registration service that
//! both the `belf client` CLI and the server call (no HTTP in between).

mod client_id;
mod redirect_uri;
pub mod service;

use std::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

pub use client_id::ClientId;
pub use redirect_uri::{RedirectUri, RedirectUriError};

use crate::config::SigningAlg;

/// A client secret as issued: 256 random bits. Shown once; only its SHA-256 is stored.
/// `Debug` never prints it.
pub struct ClientSecret(secrecy::SecretString);

impl ClientSecret {
    pub fn generate() -> Self {
        ClientSecret(crate::auth::tokens::handles::new_handle().into())
    }

    pub fn from_presented(s: &str) -> Self {
        ClientSecret(s.to_owned().into())
    }

    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }

    pub fn digest_hex(&self) -> String {
        crate::auth::tokens::handles::digest(self.expose())
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ]
        .into_iter()
        .find(|g| g.as_str() == s)
    }
}

/// A registered client as stored.
#[derive(Clone, Serialize)]
pub struct Client {
    pub client_id: ClientId,
    pub name: String,
    /// Hex SHA-256 of the secret; `None` for public clients (SPAs, native apps).
    #[serde(skip)]
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    /// Scopes this client may request.
    pub scopes: Vec<String>,
    /// Overrides `keys.access_token_alg` for this client's access tokens.
    pub access_token_alg: Option<SigningAlg>,
    /// Where back-channel logout tokens are POSTed (OIDC Back-Channel Logout 1.0); `None`:
    /// this client is not told about ended sessions.
    pub backchannel_logout_uri: Option<RedirectUri>,
    /// The client needs `sid` in logout tokens (Belf always sends it for a session end).
    pub backchannel_logout_session_required: bool,
    pub created_at: i64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("public", &self.is_public())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Exact string comparison (RFC 9700 §4.1.3): no prefix, wildcard or normalisation.
    /// The registered redirect URI equal to `uri`, if any.
    pub fn redirect_uri(&self, uri: &str) -> Option<&RedirectUri> {
        self.redirect_uris.iter().find(|r| r.as_str() == uri)
    }

    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uri(uri).is_some()
    }

    /// The registered post-logout redirect URI equal to `uri`, if any.
    pub fn post_logout_redirect_uri(&self, uri: &str) -> Option<&RedirectUri> {
        self.post_logout_redirect_uris
            .iter()
            .find(|r| r.as_str() == uri)
    }

    /// Constant-time comparison of the presented secret's digest with the stored one.
    pub fn secret_matches(&self, presented: &ClientSecret) -> bool {
        match &self.secret_hash {
            Some(stored) => {
                let presented = presented.digest_hex();
                stored.as_bytes().ct_eq(presented.as_bytes()).into()
            }
            None => false,
        }
    }
}
