//! Passkeys (WebAuthn, issue 13): a person's public-key credentials, made and checked with
//! webauthn-rs. Three ceremonies, each two requests apart (the options a page carries, then
//! the browser's answer), their state kept server-side in between (`ceremony.rs`):
//! adding a passkey at `/account/two-step` (`enrol.rs`), a passkey as the second step of a
//! login, and a password-less sign-in with a discoverable passkey (`verify.rs`).
//!
//! The relying party is the issuer: its host is the RP id and its origin the only origin
//! accepted. WebAuthn wants a domain name there (browsers refuse IP addresses, and http
//! only for `localhost`), so with an issuer such as `http://127.0.0.1:8080` passkeys stay
//! off and the pages do not offer them.

pub mod ceremony;
pub mod enrol;
pub mod verify;

use std::time::Duration;

use webauthn_rs::prelude::{Passkey, Url};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::config::Config;

/// The WebAuthn relying party of this server, when passkeys are on.
pub struct RelyingParty {
    webauthn: Option<Webauthn>,
}

impl RelyingParty {
    /// From `[passkeys]` and `server.issuer`; off (with a warning) when the issuer's host
    /// cannot be a WebAuthn relying-party id.
    pub fn from_config(config: &Config) -> RelyingParty {
        if !config.passkeys.enabled {
            return RelyingParty { webauthn: None };
        }
        let issuer = &config.server.issuer;
        let built = issuer
            .domain()
            .ok_or_else(|| "the issuer's host is not a domain name".to_owned())
            .and_then(|rp_id| {
                let origin = Url::parse(&issuer.origin().ascii_serialization())
                    .map_err(|e| e.to_string())?;
                WebauthnBuilder::new(rp_id, &origin)
                    .map_err(|e| e.to_string())?
                    .rp_name(&config.passkeys.rp_name)
                    .timeout(Duration::from_secs(config.passkeys.ceremony_ttl_secs))
                    .build()
                    .map_err(|e| e.to_string())
            });
        match built {
            Ok(webauthn) => RelyingParty {
                webauthn: Some(webauthn),
            },
            Err(reason) => {
                tracing::warn!(issuer = %issuer, %reason,
                    "passkeys are off: WebAuthn needs the issuer on a domain name (localhost for http)");
                RelyingParty { webauthn: None }
            }
        }
    }

    pub fn enabled(&self) -> bool {
        self.webauthn.is_some()
    }

    pub(crate) fn webauthn(&self) -> Option<&Webauthn> {
        self.webauthn.as_ref()
    }
}

/// A stored credential, read back; `None` (logged) when the stored JSON is unreadable.
pub(crate) fn credential_of(
    stored: &crate::auth::store::passkeys::StoredPasskey,
) -> Option<Passkey> {
    match serde_json::from_str(&stored.credential) {
        Ok(passkey) => Some(passkey),
        Err(e) => {
            tracing::error!(passkey_id = %stored.passkey_id, error = %e, "stored passkey unreadable");
            None
        }
    }
}

/// The WebAuthn user handle of a person: their user id, a UUID, as 16 bytes. `None` for an
/// id that is not a UUID (no such account is made here).
pub(crate) fn user_handle(user_id: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(user_id).ok()
}

/// A credential id as stored and compared: base64url without padding.
pub(crate) fn credential_id_text(raw: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// What a page carries to start a ceremony: the ceremony's id (posted back) and the
/// options for `navigator.credentials`, as JSON (base64url for binary values).
#[derive(Debug, Clone)]
pub struct CeremonyOptions {
    pub ceremony: String,
    pub options_json: String,
}
