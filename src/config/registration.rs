//! Settings of dynamic client registration (RFC 7591/7592), documented in
//! `config/default.toml` under `[client_registration]`.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRegistrationConfig {
    /// Serve the registration endpoint and name it in discovery.
    pub enabled: bool,
    /// Registration without an initial access token (anyone may register a client).
    pub open: bool,
    /// Largest registration request body, in bytes.
    pub max_body_bytes: usize,
    /// Registrations one source IP may make per `throttle.window_secs` before it waits.
    pub free_registrations_per_ip: u64,
    /// Let registered server-fetched URIs (`jwks_uri`, `backchannel_logout_uri`) name hosts
    /// on loopback, private or link-local addresses (off: refused, against SSRF).
    pub allow_private_addresses: bool,
    /// Default lifetime of an initial access token (`belf client registration-token`).
    pub initial_token_ttl_secs: u64,
}

/// Client ID Metadata Documents (IETF draft `oauth-client-id-metadata-document`): an https
/// `client_id` names a JSON document describing the client, fetched by the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientMetadataDocumentConfig {
    /// Accept URL client ids and fetch their documents.
    pub enabled: bool,
    /// Let documents live on loopback, private or link-local addresses, and over plain
    /// http on loopback (development and tests only).
    pub allow_private_addresses: bool,
    /// Time limit of one fetch (resolution, connection, body), in milliseconds.
    pub fetch_timeout_ms: u64,
    /// Largest document, in bytes.
    pub max_bytes: usize,
    /// A fetched (or refused) document is reused at least this long, whatever its
    /// `Cache-Control` says, in seconds …
    pub min_cache_secs: u64,
    /// … and at most this long.
    pub max_cache_secs: u64,
}

/// A key that is wrong, and why.
type Refusal = (&'static str, &'static str);

impl ClientRegistrationConfig {
    pub(super) fn check(&self) -> Result<(), Refusal> {
        if self.max_body_bytes == 0 {
            return Err(("client_registration.max_body_bytes", "must be at least 1"));
        }
        if self.initial_token_ttl_secs == 0 {
            return Err((
                "client_registration.initial_token_ttl_secs",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

impl ClientMetadataDocumentConfig {
    pub(super) fn check(&self) -> Result<(), Refusal> {
        if self.fetch_timeout_ms == 0 {
            return Err((
                "client_metadata_documents.fetch_timeout_ms",
                "must be at least 1",
            ));
        }
        if self.max_bytes == 0 {
            return Err(("client_metadata_documents.max_bytes", "must be at least 1"));
        }
        if self.min_cache_secs > self.max_cache_secs {
            return Err((
                "client_metadata_documents.min_cache_secs",
                "must not exceed max_cache_secs",
            ));
        }
        Ok(())
    }
}
