//! RFC 7591 §2 client metadata: parsed into the CLI's [`NewClient`], so a registered
//! client passes the same checks as `belf client add` (one validation path), and a stored
//! [`Client`] written back as metadata (RFC 7591 §3.2.1, RFC 7592 §3).

use serde::Deserialize;
use serde_json::{Value, json};

use super::service::{ClientError, NewClient};
use super::{Client, ClientDisplay, GrantType, Provenance};
use crate::auth::oauth::error::{ErrorCode, OAuthError};

/// The metadata members Belf understands. Unknown members are ignored (RFC 7591 §2).
#[derive(Debug, Default, Deserialize)]
pub struct ClientMetadata {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    pub token_endpoint_auth_method: Option<String>,
    pub grant_types: Option<Vec<String>>,
    pub response_types: Option<Vec<String>>,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub policy_uri: Option<String>,
    pub tos_uri: Option<String>,
    /// Space-separated scope values.
    pub scope: Option<String>,
    pub jwks: Option<Value>,
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub backchannel_logout_session_required: bool,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
    /// The algorithm of this client's access tokens (the CLI's `--access-token-alg`).
    pub access_token_signed_response_alg: Option<String>,
    /// OIDC Registration §2: the algorithm of this client's ID tokens (the CLI's
    /// `--id-token-alg`); absent: the server's default (RS256 unless configured).
    pub id_token_signed_response_alg: Option<String>,
    /// RFC 7592 §2.2: a PUT names the client it replaces.
    pub client_id: Option<String>,
    /// RFC 7592 §2.2: a PUT may repeat the current secret (never a new one).
    pub client_secret: Option<String>,
}

pub fn invalid_metadata(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, description.into())
}

/// Parses a request body: JSON object with the members above, of the right types.
pub fn parse(body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| invalid_metadata(format!("the body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(invalid_metadata("the body must be a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| invalid_metadata(e.to_string()))
}

/// The only response type Belf issues (authorization code flow).
const CODE: &str = "code";

impl ClientMetadata {
    /// Checks what the client service does not (response types against grant types) and
    /// turns the metadata into a request to it.
    pub fn into_new_client(self, provenance: Provenance) -> Result<NewClient, OAuthError> {
        let grants = self.grant_types.clone().unwrap_or_default();
        let parsed: Vec<GrantType> = grants.iter().filter_map(|g| GrantType::parse(g)).collect();
        // The service defaults an empty list to authorization_code + refresh_token.
        let code_grant = grants.is_empty() || parsed.contains(&GrantType::AuthorizationCode);
        if let Some(types) = &self.response_types {
            if let Some(other) = types.iter().find(|t| t.as_str() != CODE) {
                return Err(invalid_metadata(format!(
                    "response_types: `{}` is not supported (only `code`)",
                    other.chars().take(40).collect::<String>()
                )));
            }
            let asks_code = types.iter().any(|t| t == CODE);
            if asks_code != code_grant {
                return Err(invalid_metadata(
                    "response_types and grant_types disagree: `code` goes with \
                     authorization_code and only with it (RFC 7591 §2.1)",
                ));
            }
        }
        if parsed.contains(&GrantType::RefreshToken)
            && !parsed
                .iter()
                .any(|g| matches!(g, GrantType::AuthorizationCode | GrantType::DeviceCode))
        {
            return Err(invalid_metadata(
                "grant_types: refresh_token needs authorization_code or device_code",
            ));
        }
        let public = self.token_endpoint_auth_method.as_deref() == Some("none");
        let name = match self.client_name {
            Some(n) => n,
            None => default_name(&self.redirect_uris),
        };
        let jwks = self.jwks.map(|j| j.to_string());
        Ok(NewClient {
            name,
            redirect_uris: self.redirect_uris,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            public,
            grant_types: grants,
            scopes: self
                .scope
                .unwrap_or_default()
                .split_ascii_whitespace()
                .map(str::to_owned)
                .collect(),
            access_token_alg: self.access_token_signed_response_alg,
            id_token_alg: self.id_token_signed_response_alg,
            backchannel_logout_uri: self.backchannel_logout_uri,
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            require_par: self.require_pushed_authorization_requests,
            // RFC 7591 §2: absent means client_secret_basic.
            auth_method: Some(
                self.token_endpoint_auth_method
                    .unwrap_or_else(|| "client_secret_basic".to_owned()),
            ),
            jwks,
            jwks_uri: self.jwks_uri,
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
            provenance,
            display: ClientDisplay {
                client_uri: self.client_uri,
                logo_uri: self.logo_uri,
                policy_uri: self.policy_uri,
                tos_uri: self.tos_uri,
            },
        })
    }
}

/// A client without `client_name` is shown on the consent page by its redirect host.
fn default_name(redirect_uris: &[String]) -> String {
    redirect_uris
        .first()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "Unnamed client".to_owned())
}

/// The client service's refusal as an RFC 7591 §3.2.2 error, named by metadata member.
pub fn refusal(e: ClientError) -> OAuthError {
    match e {
        ClientError::Invalid { field, reason } => {
            let member = match field {
                "redirect-uri" => {
                    return OAuthError::new(
                        ErrorCode::InvalidRedirectUri,
                        format!("redirect_uris: {reason}"),
                    );
                }
                "name" => "client_name",
                "grant-type" => "grant_types",
                "scope" => "scope",
                "auth-method" => "token_endpoint_auth_method",
                "jwks" => "jwks",
                "jwks-uri" => "jwks_uri",
                "post-logout-redirect-uri" => "post_logout_redirect_uris",
                "backchannel-logout-uri" => "backchannel_logout_uri",
                "access-token-alg" => "access_token_signed_response_alg",
                "id-token-alg" => "id_token_signed_response_alg",
                "client-uri" => "client_uri",
                "logo-uri" => "logo_uri",
                "policy-uri" => "policy_uri",
                "tos-uri" => "tos_uri",
                other => other,
            };
            // The service words its reasons for the CLI; name members, not flags.
            let reason = reason
                .replace("(drop --public)", "(token_endpoint_auth_method `none`)")
                .replace("--jwks FILE or --jwks-uri URL", "jwks or jwks_uri")
                .replace("--jwks and --jwks-uri go", "jwks and jwks_uri go")
                .replace("--auth-method ", "token_endpoint_auth_method ")
                .replace("give --jwks or --jwks-uri", "give jwks or jwks_uri");
            invalid_metadata(format!("{member}: {reason}"))
        }
        ClientError::NotFound(_) => OAuthError::invalid_token("unknown client"),
        ClientError::Store(e) => e.into(),
    }
}

/// A stored client as RFC 7591 metadata (no secret, no registration token).
pub fn metadata_json(c: &Client) -> Value {
    let code = c.allows_grant(GrantType::AuthorizationCode);
    let mut v = json!({
        "client_id": c.client_id,
        "client_id_issued_at": c.created_at,
        "client_name": c.name,
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "grant_types": c.grant_types,
        "response_types": if code { vec![CODE] } else { vec![] },
        "token_endpoint_auth_method": c.token_endpoint_auth_method(),
        "scope": c.scopes.join(" "),
        "require_pushed_authorization_requests": c.require_par,
        "dpop_bound_access_tokens": c.dpop_bound_access_tokens,
        "backchannel_logout_session_required": c.backchannel_logout_session_required,
    });
    let mut set = |k: &str, val: Option<Value>| {
        if let (Some(val), Some(o)) = (val, v.as_object_mut()) {
            o.insert(k.to_owned(), val);
        }
    };
    set(
        "backchannel_logout_uri",
        c.backchannel_logout_uri.as_ref().map(|u| json!(u)),
    );
    set(
        "access_token_signed_response_alg",
        c.access_token_alg.map(|a| json!(a.as_str())),
    );
    set(
        "id_token_signed_response_alg",
        c.id_token_alg.map(|a| json!(a.as_str())),
    );
    if let Some(keys) = &c.client_keys {
        set("jwks_uri", keys.uri().map(Value::String));
        set(
            "jwks",
            keys.inline_json()
                .and_then(|j| serde_json::from_str::<Value>(&j).ok()),
        );
    }
    let d = &c.display;
    for (k, val) in [
        ("client_uri", &d.client_uri),
        ("logo_uri", &d.logo_uri),
        ("policy_uri", &d.policy_uri),
        ("tos_uri", &d.tos_uri),
    ] {
        set(k, val.as_ref().map(|s| json!(s)));
    }
    v
}
