//! Dynamic client registration (RFC 7591) and management (RFC 7592), without HTTP.
//!
//! - A registration is admitted by an **initial access token** (`belf client
//!   registration-token`; one use taken per registration, in one statement) unless
//!   `client_registration.open` is on.
//! - Metadata goes through the same service as `belf client add` (`service::build`), so
//!   the two can set the same things and refuse the same things.
//! - URIs the server itself will fetch or POST to (`jwks_uri`, `backchannel_logout_uri`)
//!   must not be, or resolve to, loopback, private, link-local or unique-local addresses
//!   unless `client_registration.allow_private_addresses` (SSRF).
//! - Each client gets a **registration access token** for GET/PUT/DELETE. Only its
//!   SHA-256 is stored; it is compared in constant time and replaced by a new one on every
//!   read and update (Keycloak does the same), since a response must carry one and only
//!   the digest is kept.
//! - PUT replaces the whole metadata (RFC 7592 §2.2). The secret is kept: a PUT never
//!   rotates it, except that a client changing from `none`/`private_key_jwt` to a secret
//!   method gets a new one (it had none), returned once.

use subtle::ConstantTimeEq;

use super::registration_metadata::{self, ClientMetadata, invalid_metadata, refusal};
use super::service;
use super::{Client, ClientSecret, Provenance};
use crate::auth::clients::outbound::server_fetched_uris_public;
use crate::auth::context::AuthContext;
use crate::auth::oauth::error::{OAuthError, OAuthResult};
use crate::auth::tokens::handles;

/// A client just registered or replaced: its record, its secret when one was issued now,
/// and its new registration access token.
pub struct Registered {
    pub client: Client,
    pub secret: Option<ClientSecret>,
    pub registration_access_token: String,
}

/// An initial access token as handed out by the CLI (shown once; only its digest is kept).
pub async fn issue_initial_token(
    store: &dyn crate::auth::store::RegistrationStore,
    ttl_secs: u64,
    max_uses: u64,
    now: i64,
) -> Result<String, crate::auth::store::StoreError> {
    let token = handles::new_handle();
    let expires_at = now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
    store
        .insert_initial_token(&handles::digest(&token), expires_at, max_uses, now)
        .await?;
    Ok(token)
}

/// RFC 7591 §3: registers the client described by `body`.
pub async fn register(
    ctx: &AuthContext,
    initial_token: Option<&str>,
    body: &[u8],
    now: i64,
) -> OAuthResult<Registered> {
    admit(ctx, initial_token, now).await?;
    let metadata = registration_metadata::parse(body)?;
    if metadata.client_id.is_some() || metadata.client_secret.is_some() {
        return Err(invalid_metadata(
            "client_id and client_secret are issued by the server, not registered",
        ));
    }
    let request = metadata.into_new_client(Provenance::DynamicRegistration)?;
    let (client, secret) = service::build(&ctx.known_scopes, request, now).map_err(refusal)?;
    check_outbound_uris(ctx, &client).await?;
    let token = handles::new_handle();
    ctx.stores
        .registrations
        .insert_registered_client(&client, &handles::digest(&token))
        .await?;
    tracing::info!(
        client_id = %client.client_id,
        auth_method = client.token_endpoint_auth_method(),
        open = initial_token.is_none(),
        "client registered dynamically"
    );
    Ok(Registered {
        client,
        secret,
        registration_access_token: token,
    })
}

/// An initial access token, or open registration.
async fn admit(ctx: &AuthContext, initial_token: Option<&str>, now: i64) -> OAuthResult<()> {
    match initial_token {
        // A presented token is checked even when registration is open.
        Some(token) => {
            let used = ctx
                .stores
                .registrations
                .use_initial_token(&handles::digest(token), now)
                .await?;
            if !used {
                return Err(OAuthError::invalid_token(
                    "the initial access token is unknown, expired or used up",
                ));
            }
            Ok(())
        }
        None if ctx.config.client_registration.open => Ok(()),
        None => Err(OAuthError::invalid_token(
            "registration needs an initial access token (Authorization: Bearer)",
        )),
    }
}

/// RFC 7592 §2: the client named in the path, if `token` is its registration access
/// token. Unknown client and wrong token answer alike.
async fn authorize(ctx: &AuthContext, client_id: &str, token: Option<&str>) -> OAuthResult<String> {
    let refused =
        || OAuthError::invalid_token("the registration access token is not valid for this client");
    let Some(token) = token else {
        return Err(refused());
    };
    let Some(stored) = ctx
        .stores
        .registrations
        .registration_token_hash(client_id)
        .await?
    else {
        return Err(refused());
    };
    let presented = handles::digest(token);
    if !bool::from(stored.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(refused());
    }
    Ok(stored)
}

/// Replaces the registration access token `old_hash` with a new one, once: of two
/// requests with the same token, one wins.
async fn rotate_token(ctx: &AuthContext, client_id: &str, old_hash: &str) -> OAuthResult<String> {
    let token = handles::new_handle();
    let swapped = ctx
        .stores
        .registrations
        .rotate_registration_token(client_id, old_hash, &handles::digest(&token))
        .await?;
    if !swapped {
        return Err(OAuthError::invalid_token(
            "the registration access token was used concurrently",
        ));
    }
    Ok(token)
}

/// RFC 7592 §2.1: the client's current metadata.
pub async fn read(
    ctx: &AuthContext,
    client_id: &str,
    token: Option<&str>,
) -> OAuthResult<Registered> {
    let old = authorize(ctx, client_id, token).await?;
    let client = ctx
        .stores
        .clients
        .get_client_fresh(client_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("unknown client"))?;
    let token = rotate_token(ctx, client_id, &old).await?;
    tracing::info!(%client_id, "client configuration read");
    Ok(Registered {
        client,
        secret: None,
        registration_access_token: token,
    })
}

/// RFC 7592 §2.2: replaces the client's metadata with `body`.
pub async fn replace(
    ctx: &AuthContext,
    client_id: &str,
    token: Option<&str>,
    body: &[u8],
    now: i64,
) -> OAuthResult<Registered> {
    let old = authorize(ctx, client_id, token).await?;
    let current = ctx
        .stores
        .clients
        .get_client_fresh(client_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("unknown client"))?;
    let metadata: ClientMetadata = registration_metadata::parse(body)?;
    if metadata.client_id.as_deref() != Some(client_id) {
        return Err(OAuthError::invalid_request(
            "client_id in the body must name the client being updated (RFC 7592 §2.2)",
        ));
    }
    if let Some(presented) = &metadata.client_secret
        && !current.secret_matches(&ClientSecret::from_presented(presented))
    {
        return Err(invalid_metadata(
            "client_secret does not match; a PUT cannot choose a new secret",
        ));
    }
    let request = metadata.into_new_client(current.provenance)?;
    let (mut client, new_secret) =
        service::build(&ctx.known_scopes, request, now).map_err(refusal)?;
    check_outbound_uris(ctx, &client).await?;
    client.client_id = current.client_id.clone();
    client.created_at = current.created_at;
    client.provenance = current.provenance;
    // Keep the secret a secret-method client already has; issue one only to a client
    // that had none.
    let secret = match (&new_secret, &current.secret_hash) {
        (Some(_), Some(kept)) => {
            client.secret_hash = Some(kept.clone());
            None
        }
        _ => new_secret,
    };
    if !ctx.stores.clients.replace_client(&client).await? {
        return Err(OAuthError::invalid_token("unknown client"));
    }
    let token = rotate_token(ctx, client_id, &old).await?;
    tracing::info!(
        %client_id,
        auth_method = client.token_endpoint_auth_method(),
        new_secret = secret.is_some(),
        "client configuration replaced"
    );
    Ok(Registered {
        client,
        secret,
        registration_access_token: token,
    })
}

/// RFC 7592 §2.3: removes the client with its refresh tokens and consents.
pub async fn delete(ctx: &AuthContext, client_id: &str, token: Option<&str>) -> OAuthResult<()> {
    authorize(ctx, client_id, token).await?;
    ctx.stores.clients.delete_client(client_id).await?;
    tracing::info!(%client_id, "client deleted through its configuration endpoint");
    Ok(())
}

/// Refuses server-fetched URIs on internal addresses (SSRF), unless configured.
async fn check_outbound_uris(ctx: &AuthContext, client: &Client) -> OAuthResult<()> {
    if ctx.config.client_registration.allow_private_addresses {
        return Ok(());
    }
    server_fetched_uris_public(client)
        .await
        .map_err(invalid_metadata)
}
