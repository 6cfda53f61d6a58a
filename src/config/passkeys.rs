//! `[passkeys]`: WebAuthn credentials as a second step and for password-less sign-in.
//! The relying-party id and origin come from `server.issuer` (WebAuthn binds every
//! credential to them): its host must be a domain name (`localhost` included), never an
//! IP address, or passkeys stay off with a warning at start.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasskeysConfig {
    /// Offer passkeys on the login, second-step and `/account/two-step` pages.
    pub enabled: bool,
    /// The name authenticators show for this site when a passkey is created.
    pub rp_name: String,
    /// Seconds between the options a page carries and the browser's answer: a ceremony
    /// answered later is refused (the page is loaded again).
    pub ceremony_ttl_secs: u64,
}

impl Default for PasskeysConfig {
    fn default() -> Self {
        PasskeysConfig {
            enabled: true,
            rp_name: "Belf".to_owned(),
            ceremony_ttl_secs: 300,
        }
    }
}

impl PasskeysConfig {
    pub(super) fn check(&self) -> Result<(), super::ConfigError> {
        let invalid = |key, reason: &str| {
            Err(super::ConfigError::Invalid {
                key,
                reason: reason.to_owned(),
            })
        };
        if self.rp_name.trim().is_empty() || self.rp_name.len() > 100 {
            return invalid("passkeys.rp_name", "must be 1 to 100 characters");
        }
        if !(10..=3600).contains(&self.ceremony_ttl_secs) {
            return invalid("passkeys.ceremony_ttl_secs", "must be between 10 and 3600");
        }
        Ok(())
    }
}
