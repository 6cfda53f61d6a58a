//! Client registration and management, shared by the CLI and the server.

use super::{
    Client, ClientDisplay, ClientId, ClientKeys, ClientSecret, GrantType, Provenance, RedirectUri,
    RedirectUriError, jwks,
};
use crate::auth::store::{ClientStore, StoreError};
use crate::config::SigningAlg;

/// What an administrator asks for.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    /// Empty: authorization_code + refresh_token.
    pub grant_types: Vec<String>,
    /// Empty: every scope the server knows.
    pub scopes: Vec<String>,
    pub access_token_alg: Option<String>,
    /// OIDC Registration `id_token_signed_response_alg` (RS256, ES256 or EdDSA); `None`:
    /// the server's `keys.id_token_alg`.
    pub id_token_alg: Option<String>,
    /// OIDC Back-Channel Logout 1.0: where to POST logout tokens.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// RFC 9126: the client must push its authorization requests.
    pub require_par: bool,
    /// RFC 7591 `token_endpoint_auth_method`: `client_secret_basic` (default for
    /// confidential clients; `client_secret_post` is accepted from the same clients),
    /// `none` (= `public`) or `private_key_jwt` (needs `jwks` or `jwks_uri`).
    pub auth_method: Option<String>,
    /// `private_key_jwt`: the client's public keys as JWK Set JSON.
    pub jwks: Option<String>,
    /// `private_key_jwt`: where the client publishes its JWK Set.
    pub jwks_uri: Option<String>,
    /// RFC 9449 §5.2: every token request must carry a DPoP proof.
    pub dpop_bound_access_tokens: bool,
    /// How the client is being created (the CLI: `Cli`, the default).
    pub provenance: Provenance,
    /// RFC 7591 display metadata: absolute http(s) URLs.
    pub display: ClientDisplay,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid --{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("no client with id `{0}`")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ClientError {
    ClientError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// Registers a client. Returns it and, for confidential clients, the secret (shown once).
pub async fn register(
    store: &dyn ClientStore,
    known_scopes: &[String],
    request: NewClient,
    now: i64,
) -> Result<(Client, Option<ClientSecret>), ClientError> {
    let (client, secret) = build(known_scopes, request, now)?;
    store.insert_client(&client).await?;
    Ok((client, secret))
}

/// Checks a request and makes the client it describes (a new id, and a new secret for a
/// confidential client without keys), without storing it: the one validation path of the
/// CLI, dynamic registration and client metadata documents.
pub fn build(
    known_scopes: &[String],
    request: NewClient,
    now: i64,
) -> Result<(Client, Option<ClientSecret>), ClientError> {
    let (public, client_keys) = auth_method(&request)?;
    let request = NewClient { public, ..request };
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "must be 1 to 100 characters"));
    }
    let mut grant_types = Vec::new();
    for g in &request.grant_types {
        let grant = GrantType::parse(g).ok_or_else(|| {
            invalid(
                "grant-type",
                format!(
                    "`{g}` is not one of authorization_code, refresh_token, client_credentials, device_code"
                ),
            )
        })?;
        if !grant_types.contains(&grant) {
            grant_types.push(grant);
        }
    }
    if grant_types.is_empty() {
        grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    }
    if request.public && grant_types.contains(&GrantType::ClientCredentials) {
        return Err(invalid(
            "grant-type",
            "client_credentials needs a confidential client (drop --public)",
        ));
    }
    let redirect_uris = parse_uris(&request.redirect_uris, request.public, "redirect-uri")?;
    if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(invalid(
            "redirect-uri",
            "at least one is required for the authorization_code grant",
        ));
    }
    let post_logout_redirect_uris = parse_uris(
        &request.post_logout_redirect_uris,
        request.public,
        "post-logout-redirect-uri",
    )?;
    let scopes = if request.scopes.is_empty() {
        known_scopes.to_vec()
    } else {
        for s in &request.scopes {
            if !known_scopes.contains(s) {
                return Err(invalid(
                    "scope",
                    format!("`{s}` is not a known scope ({})", known_scopes.join(" ")),
                ));
            }
        }
        request.scopes.clone()
    };
    let access_token_alg = parse_alg("access-token-alg", request.access_token_alg.as_deref())?;
    let id_token_alg = parse_alg("id-token-alg", request.id_token_alg.as_deref())?;
    let backchannel_logout_uri = request
        .backchannel_logout_uri
        .as_deref()
        .map(parse_backchannel_uri)
        .transpose()?;
    let display = check_display(request.display)?;
    // A client with registered keys authenticates with them and has no secret.
    let secret = (!request.public && client_keys.is_none()).then(ClientSecret::generate);
    let client = Client {
        client_id: ClientId::generate(),
        name,
        secret_hash: secret.as_ref().map(ClientSecret::digest_hex),
        redirect_uris,
        post_logout_redirect_uris,
        grant_types,
        scopes,
        access_token_alg,
        id_token_alg,
        backchannel_logout_uri,
        backchannel_logout_session_required: request.backchannel_logout_session_required,
        require_par: request.require_par,
        client_keys,
        dpop_bound_access_tokens: request.dpop_bound_access_tokens,
        provenance: request.provenance,
        display,
        created_at: now,
    };
    Ok((client, secret))
}

/// A signing algorithm the server has keys for (`keys/` always holds an RSA, a P-256 and
/// an Ed25519 key). Anything else — `none`, HS256, a typo — is refused, never ignored.
fn parse_alg(field: &'static str, raw: Option<&str>) -> Result<Option<SigningAlg>, ClientError> {
    raw.map(|a| {
        SigningAlg::parse(a).ok_or_else(|| {
            invalid(
                field,
                format!(
                    "`{}` is not one of RS256, ES256, EdDSA",
                    a.chars().take(40).collect::<String>()
                ),
            )
        })
    })
    .transpose()
}

/// Display URLs: absolute http(s), no fragment, at most 2000 characters.
fn check_display(display: ClientDisplay) -> Result<ClientDisplay, ClientError> {
    let check = |field: &'static str, v: Option<String>| -> Result<Option<String>, ClientError> {
        let Some(raw) = v else { return Ok(None) };
        let ok = raw.len() <= 2000
            && url::Url::parse(&raw)
                .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.fragment().is_none());
        if ok {
            Ok(Some(raw))
        } else {
            Err(invalid(
                field,
                "must be an absolute http(s) URL without a fragment",
            ))
        }
    };
    Ok(ClientDisplay {
        client_uri: check("client-uri", display.client_uri)?,
        logo_uri: check("logo-uri", display.logo_uri)?,
        policy_uri: check("policy-uri", display.policy_uri)?,
        tos_uri: check("tos-uri", display.tos_uri)?,
    })
}

/// Whether the client is public, and its keys for `private_key_jwt`.
fn auth_method(request: &NewClient) -> Result<(bool, Option<ClientKeys>), ClientError> {
    let field = "auth-method";
    let keys = match (&request.jwks, &request.jwks_uri) {
        (Some(_), Some(_)) => {
            return Err(invalid("jwks", "give --jwks or --jwks-uri, not both"));
        }
        (Some(json), None) => Some(ClientKeys::Inline(
            serde_json::to_string(&jwks::parse_public_jwks(json).map_err(|e| invalid("jwks", e))?)
                .map_err(|e| invalid("jwks", e.to_string()))?,
        )),
        (None, Some(uri)) => Some(ClientKeys::Uri(
            jwks::check_jwks_uri(uri).map_err(|e| invalid("jwks-uri", e))?,
        )),
        (None, None) => None,
    };
    match request.auth_method.as_deref() {
        None | Some("client_secret_basic" | "client_secret_post") if keys.is_none() => {
            Ok((request.public, None))
        }
        Some("none") if keys.is_none() => Ok((true, None)),
        Some("private_key_jwt") if request.public => Err(invalid(
            field,
            "private_key_jwt is for confidential clients (drop --public)",
        )),
        Some("private_key_jwt") if keys.is_none() => Err(invalid(
            field,
            "private_key_jwt needs the client's keys: --jwks FILE or --jwks-uri URL",
        )),
        Some("private_key_jwt") => Ok((false, keys)),
        None | Some("client_secret_basic" | "client_secret_post" | "none") => Err(invalid(
            field,
            "--jwks and --jwks-uri go with --auth-method private_key_jwt",
        )),
        Some(other) => Err(invalid(
            field,
            format!(
                "`{}` is not one of client_secret_basic, client_secret_post, none, private_key_jwt",
                other.chars().take(40).collect::<String>()
            ),
        )),
    }
}

fn parse_uris(
    raw: &[String],
    public: bool,
    field: &'static str,
) -> Result<Vec<RedirectUri>, ClientError> {
    raw.iter()
        .map(|u| {
            RedirectUri::parse(u, public)
                .map_err(|e: RedirectUriError| invalid(field, e.to_string()))
        })
        .collect()
}

/// A back-channel logout URI: absolute, https (http only on loopback), no fragment (OIDC
/// Back-Channel Logout 1.0 §2.2) — the redirect URI rules of a confidential client, minus
/// custom schemes (the server itself POSTs to it).
fn parse_backchannel_uri(raw: &str) -> Result<RedirectUri, ClientError> {
    let field = "backchannel-logout-uri";
    let uri = RedirectUri::parse(raw, false).map_err(|e| invalid(field, e.to_string()))?;
    if !(uri.as_str().starts_with("https://") || uri.as_str().starts_with("http://")) {
        return Err(invalid(field, "must be an http(s) URL"));
    }
    Ok(uri)
}

/// What `belf client update` changes: each `None` leaves the field as it is.
#[derive(Debug, Clone, Default)]
pub struct ClientUpdate {
    /// `Some("")` removes the URI.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: Option<bool>,
    /// RS256, ES256 or EdDSA; `Some("")` returns the client to the server's default.
    pub id_token_alg: Option<String>,
}

/// Changes a registered client's back-channel logout settings and ID token algorithm.
pub async fn update(
    store: &dyn ClientStore,
    client_id: &str,
    change: ClientUpdate,
) -> Result<Client, ClientError> {
    let mut client = store
        .get_client_fresh(client_id)
        .await?
        .ok_or_else(|| ClientError::NotFound(client_id.to_owned()))?;
    match change.backchannel_logout_uri.as_deref().map(str::trim) {
        None => {}
        Some("") => client.backchannel_logout_uri = None,
        Some(raw) => client.backchannel_logout_uri = Some(parse_backchannel_uri(raw)?),
    }
    if let Some(required) = change.backchannel_logout_session_required {
        client.backchannel_logout_session_required = required;
    }
    match change.id_token_alg.as_deref().map(str::trim) {
        None => {}
        Some("") => client.id_token_alg = None,
        Some(raw) => client.id_token_alg = parse_alg("id-token-alg", Some(raw))?,
    }
    if !store.set_client_settings(&client).await? {
        return Err(ClientError::NotFound(client_id.to_owned()));
    }
    Ok(client)
}

/// Issues a new secret for a confidential client; the old one stops working at once.
pub async fn rotate_secret(
    store: &dyn ClientStore,
    client_id: &str,
) -> Result<ClientSecret, ClientError> {
    let client = store
        .get_client(client_id)
        .await?
        .ok_or_else(|| ClientError::NotFound(client_id.to_owned()))?;
    if client.is_public() {
        return Err(invalid("client", "public clients have no secret"));
    }
    if client.client_keys.is_some() {
        return Err(invalid(
            "client",
            "this client authenticates with its keys (private_key_jwt) and has no secret",
        ));
    }
    let secret = ClientSecret::generate();
    store
        .set_client_secret_hash(client_id, &secret.digest_hex())
        .await?;
    Ok(secret)
}
