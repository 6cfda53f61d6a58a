//! OAuth clients: typed ids, secrets and redirect URIs, and the registration service that
//! both the `belf client` CLI and the server call (no HTTP in between).

mod client_id;
pub mod jwks;
pub mod metadata_document;
pub mod outbound;
mod redirect_uri;
pub mod registration;
pub mod registration_metadata;
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
    /// RFC 8628, `urn:ietf:params:oauth:grant-type:device_code`.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

impl GrantType {
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::DeviceCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::DeviceCode => DEVICE_CODE_GRANT,
        }
    }

    /// The RFC name; the device grant also by its short name `device_code` (CLI).
    pub fn parse(s: &str) -> Option<Self> {
        if s == "device_code" {
            return Some(GrantType::DeviceCode);
        }
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// The device authorization grant's `grant_type` (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

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
    /// OIDC Registration `id_token_signed_response_alg`: overrides `keys.id_token_alg`
    /// (RS256 unless configured) for this client's ID tokens and logout tokens.
    pub id_token_alg: Option<SigningAlg>,
    /// Where back-channel logout tokens are POSTed (OIDC Back-Channel Logout 1.0); `None`:
    /// this client is not told about ended sessions.
    pub backchannel_logout_uri: Option<RedirectUri>,
    /// The client needs `sid` in logout tokens (Belf always sends it for a session end).
    pub backchannel_logout_session_required: bool,
    /// RFC 9126 `require_pushed_authorization_requests`: only pushed requests may start
    /// an authorization for this client.
    pub require_par: bool,
    /// `private_key_jwt` (RFC 7523): where the client's public keys are; `None`: the
    /// client authenticates with a secret, or is public.
    #[serde(skip)]
    pub client_keys: Option<ClientKeys>,
    /// RFC 9449 §5.2: every token request of this client must carry a DPoP proof.
    pub dpop_bound_access_tokens: bool,
    /// How the client came to be (shown by `belf client list`).
    pub provenance: Provenance,
    /// RFC 7591 display metadata (`client_uri`, `logo_uri`, `policy_uri`, `tos_uri`).
    pub display: ClientDisplay,
    pub created_at: i64,
}

/// How a client was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// `belf client add`.
    #[default]
    Cli,
    /// RFC 7591 dynamic registration.
    DynamicRegistration,
    /// A client ID metadata document fetched from the https `client_id`.
    MetadataDocument,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Cli => "cli",
            Provenance::DynamicRegistration => "dynamic_registration",
            Provenance::MetadataDocument => "metadata_document",
        }
    }

    /// A stored value; anything unknown reads as `cli` (the column's default).
    pub fn parse(s: &str) -> Provenance {
        match s {
            "dynamic_registration" => Provenance::DynamicRegistration,
            "metadata_document" => Provenance::MetadataDocument,
            _ => Provenance::Cli,
        }
    }
}

/// Display metadata of RFC 7591 §2: pages about the client, shown to no one by Belf yet
/// but kept, echoed by the registration endpoint and shown by `belf client show`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDisplay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
}

impl ClientDisplay {
    pub fn is_empty(&self) -> bool {
        *self == ClientDisplay::default()
    }
}

/// A `private_key_jwt` client's public keys: a JWK Set registered inline, or the URL the
/// client publishes it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientKeys {
    /// JWK Set JSON, checked at registration to hold only public RS256/ES256/EdDSA keys.
    Inline(String),
    Uri(String),
}

impl ClientKeys {
    pub fn from_columns(jwks: Option<String>, jwks_uri: Option<String>) -> Option<Self> {
        match (jwks, jwks_uri) {
            (Some(j), _) => Some(ClientKeys::Inline(j)),
            (None, Some(u)) => Some(ClientKeys::Uri(u)),
            (None, None) => None,
        }
    }

    pub fn inline_json(&self) -> Option<String> {
        match self {
            ClientKeys::Inline(j) => Some(j.clone()),
            ClientKeys::Uri(_) => None,
        }
    }

    pub fn uri(&self) -> Option<String> {
        match self {
            ClientKeys::Uri(u) => Some(u.clone()),
            ClientKeys::Inline(_) => None,
        }
    }
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
    /// No credential at all: neither a secret nor registered keys.
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none() && self.client_keys.is_none()
    }

    /// RFC 7591 `token_endpoint_auth_method` of this client.
    pub fn token_endpoint_auth_method(&self) -> &'static str {
        match (&self.client_keys, &self.secret_hash) {
            (Some(_), _) => "private_key_jwt",
            (None, Some(_)) => "client_secret_basic",
            (None, None) => "none",
        }
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
