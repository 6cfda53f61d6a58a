//! Client authentication at the token, revocation and introspection endpoints
//! (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`, `private_key_jwt`
//! (RFC 7523, checked in `client_assertion`), or `none` for public clients.
//!
//! Secrets are 256-bit random values stored as SHA-256, so checking one costs a hash and a
//! constant-time compare, never Argon2.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::error::{OAuthError, OAuthResult};
use super::params::Params;
use crate::auth::clients::{Client, ClientId, ClientSecret};
use crate::auth::context::AuthContext;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Post,
    PrivateKeyJwt,
    None,
}

impl AuthMethod {
    /// The RFC 7591 name (`token_endpoint_auth_method`), for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Basic => "client_secret_basic",
            AuthMethod::Post => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::None => "none",
        }
    }
}

/// Credentials as presented; the secret never prints.
#[derive(Debug)]
pub struct PresentedClient {
    pub client_id: String,
    pub secret: Option<ClientSecret>,
    /// A `private_key_jwt` assertion (RFC 7523 §2.2).
    pub assertion: Option<String>,
    pub method: AuthMethod,
}

/// Reads credentials from the `Authorization` header or the form. Using two methods at once
/// is refused (RFC 6749 §2.3).
pub fn extract(authorization: Option<&str>, form: &Params) -> OAuthResult<PresentedClient> {
    let form_id = form.get("client_id");
    let form_secret = form.get("client_secret");
    if [
        "client_id",
        "client_secret",
        "client_assertion",
        "client_assertion_type",
    ]
    .iter()
    .any(|p| form.is_duplicated(p))
    {
        return Err(OAuthError::invalid_request(
            "client credentials sent more than once",
        ));
    }
    if form.get("client_assertion").is_some() || form.get("client_assertion_type").is_some() {
        return extract_assertion(authorization, form);
    }
    if let Some(header) = authorization {
        let encoded = header
            .strip_prefix("Basic ")
            .or_else(|| header.strip_prefix("basic "))
            .ok_or_else(|| {
                OAuthError::invalid_client(
                    "only HTTP Basic client authentication is accepted in the Authorization header",
                )
            })?;
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| OAuthError::invalid_client("malformed Basic credentials"))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(|| OAuthError::invalid_client("malformed Basic credentials"))?;
        // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
        let decode = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let (id, secret) = (decode(id), decode(secret));
        if form_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not Basic and client_secret together",
            ));
        }
        if form_id.is_some_and(|f| f != id) {
            return Err(OAuthError::invalid_client(
                "client_id does not match the Basic credentials",
            ));
        }
        return Ok(PresentedClient {
            client_id: id,
            secret: Some(ClientSecret::from_presented(&secret)),
            assertion: None,
            method: AuthMethod::Basic,
        });
    }
    let client_id = form_id
        .ok_or_else(|| OAuthError::invalid_client("client authentication is missing"))?
        .to_owned();
    Ok(match form_secret {
        Some(secret) => PresentedClient {
            client_id,
            secret: Some(ClientSecret::from_presented(secret)),
            assertion: None,
            method: AuthMethod::Post,
        },
        None => PresentedClient {
            client_id,
            secret: None,
            assertion: None,
            method: AuthMethod::None,
        },
    })
}

/// `client_assertion` + `client_assertion_type` (RFC 7521 §4.2): the only credential sent.
/// The client is the form's `client_id`, else the one the assertion claims to be.
fn extract_assertion(authorization: Option<&str>, form: &Params) -> OAuthResult<PresentedClient> {
    if authorization.is_some() || form.get("client_secret").is_some() {
        return Err(OAuthError::invalid_request(
            "use one client authentication method, not an assertion and a secret together",
        ));
    }
    let (Some(kind), Some(assertion)) = (
        form.get("client_assertion_type"),
        form.get("client_assertion"),
    ) else {
        return Err(OAuthError::invalid_request(
            "client_assertion and client_assertion_type go together",
        ));
    };
    if kind != super::client_assertion::JWT_BEARER {
        return Err(OAuthError::invalid_client(
            "unsupported client_assertion_type (only jwt-bearer)",
        ));
    }
    let claimed = super::client_assertion::claimed_client_id(assertion)
        .ok_or_else(|| OAuthError::invalid_client("malformed client assertion"))?;
    if form.get("client_id").is_some_and(|id| id != claimed) {
        return Err(OAuthError::invalid_client(
            "client_id does not match the client assertion",
        ));
    }
    Ok(PresentedClient {
        client_id: claimed,
        secret: None,
        assertion: Some(assertion.to_owned()),
        method: AuthMethod::PrivateKeyJwt,
    })
}

/// Looks the client up and checks its credentials. Every failed credential is the same
/// `invalid_client`, so the answer does not tell which client ids exist.
///
/// A secret sent for a public client is a malformed request (`invalid_request`), not a
/// failed credential: a public client has no secret to guess, and a public client's id is
/// no secret either (it travels in browsers' URLs), so counting such requests as failures
/// would let anyone who reads the id make the client's own requests wait.
/// `endpoint_url` is the URL the credentials were sent to (an assertion may name it as
/// `aud`).
pub async fn authenticate(
    ctx: &AuthContext,
    presented: &PresentedClient,
    endpoint_url: &str,
) -> OAuthResult<Client> {
    let failed = || OAuthError::invalid_client("client authentication failed");
    // An id that cannot be one of ours fails like an unknown one, before any lookup.
    let Some(client_id) = ClientId::parse(&presented.client_id) else {
        return Err(failed());
    };
    if let Some(assertion) = &presented.assertion {
        // Keys change by registration only (no rotation of a stored secret to race), so
        // the cached record is the one to check against.
        let client = ctx
            .stores
            .clients
            .get_client(&client_id)
            .await?
            .filter(|c| c.client_keys.is_some())
            .ok_or_else(failed)?;
        super::client_assertion::verify(ctx, &client, assertion, endpoint_url, ctx.clock.now())
            .await?;
        return Ok(client);
    }
    let accepts = |client: &Client| match (&presented.secret, client.is_public()) {
        (None, true) => true,
        (Some(secret), false) => client.secret_matches(secret),
        _ => false,
    };
    let Some(client) = ctx.stores.clients.get_client(&client_id).await? else {
        return Err(failed());
    };
    if client.is_public() && presented.secret.is_some() {
        return Err(OAuthError::invalid_request(
            "this client is public: authenticate with client_id alone, without a secret",
        ));
    }
    if accepts(&client) {
        return Ok(client);
    }
    // The copy read above may be cached and predate a secret rotation: decide on the
    // stored record.
    match ctx.stores.clients.get_client_fresh(&client_id).await? {
        Some(client) if accepts(&client) => Ok(client),
        _ => Err(failed()),
    }
}
