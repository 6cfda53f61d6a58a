//! Client registration and management, shared by the CLI and the server.

use super::{Client, ClientId, ClientSecret, GrantType, RedirectUri, RedirectUriError};
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
    /// OIDC Back-Channel Logout 1.0: where to POST logout tokens.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
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
                    "`{g}` is not one of authorization_code, refresh_token, client_credentials"
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
    let access_token_alg = match request.access_token_alg.as_deref() {
        None => None,
        Some(a) => Some(
            SigningAlg::parse(a)
                .ok_or_else(|| invalid("access-token-alg", "must be RS256, ES256 or EdDSA"))?,
        ),
    };
    let backchannel_logout_uri = request
        .backchannel_logout_uri
        .as_deref()
        .map(parse_backchannel_uri)
        .transpose()?;
    let secret = (!request.public).then(ClientSecret::generate);
    let client = Client {
        client_id: ClientId::generate(),
        name,
        secret_hash: secret.as_ref().map(ClientSecret::digest_hex),
        redirect_uris,
        post_logout_redirect_uris,
        grant_types,
        scopes,
        access_token_alg,
        backchannel_logout_uri,
        backchannel_logout_session_required: request.backchannel_logout_session_required,
        created_at: now,
    };
    store.insert_client(&client).await?;
    Ok((client, secret))
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
}

/// Changes a registered client's back-channel logout settings.
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
    if !store
        .set_backchannel_logout(
            client_id,
            client
                .backchannel_logout_uri
                .as_ref()
                .map(RedirectUri::as_str),
            client.backchannel_logout_session_required,
        )
        .await?
    {
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
    let secret = ClientSecret::generate();
    store
        .set_client_secret_hash(client_id, &secret.digest_hex())
        .await?;
    Ok(secret)
}
