//! `[two_step]`: the second step of a login (TOTP authenticator apps, recovery codes), who
//! must use one, and how the ID token names it (`acr`).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoStepConfig {
    /// Everyone must sign in with a second step; a person without one is taken to set one
    /// up right after the password. Per person: `belf user require-two-step USER`.
    pub required: bool,
    /// The `acr` value a relying party sends (`acr_values`, or an essential `acr` claim)
    /// to demand a second step, and that ID tokens carry after one.
    pub mfa_acr: String,
    /// The issuer name authenticator apps show beside the account (`otpauth://` label).
    pub totp_issuer: String,
    /// Steps of 30 seconds accepted before and after now (RFC 6238 §5.2: clock drift).
    pub totp_skew_steps: u16,
    /// Recovery codes issued at a time (each works once).
    pub recovery_codes: usize,
    /// Adding or removing a method needs a sign-in this recent, in seconds; older sessions
    /// are sent to sign in again first.
    pub reauth_max_age_secs: i64,
    /// How long a person has, after the password, to give the second step, in seconds.
    pub pending_ttl_secs: u64,
}

impl Default for TwoStepConfig {
    fn default() -> Self {
        TwoStepConfig {
            required: false,
            mfa_acr: "urn:belf:acr:mfa".to_owned(),
            totp_issuer: "Belf".to_owned(),
            totp_skew_steps: 1,
            recovery_codes: 10,
            reauth_max_age_secs: 300,
            pending_ttl_secs: 600,
        }
    }
}

impl TwoStepConfig {
    pub(super) fn check(&self) -> Result<(), super::ConfigError> {
        let invalid = |key, reason: &str| {
            Err(super::ConfigError::Invalid {
                key,
                reason: reason.to_owned(),
            })
        };
        // The password acr names a weaker login: the two must differ, or a password alone
        // would satisfy a demand for a second step.
        let acr = self.mfa_acr.trim();
        if acr.is_empty() || acr == "urn:belf:acr:password" || acr.len() > 200 {
            return invalid(
                "two_step.mfa_acr",
                "must be a non-empty value other than urn:belf:acr:password (at most 200 characters)",
            );
        }
        if self.totp_issuer.is_empty() || self.totp_issuer.contains(':') {
            return invalid(
                "two_step.totp_issuer",
                "must be non-empty and contain no ':'",
            );
        }
        if self.totp_skew_steps > 2 {
            return invalid("two_step.totp_skew_steps", "must be 0, 1 or 2");
        }
        if !(1..=20).contains(&self.recovery_codes) {
            return invalid("two_step.recovery_codes", "must be between 1 and 20");
        }
        if self.reauth_max_age_secs < 0 || self.pending_ttl_secs == 0 {
            return invalid(
                "two_step",
                "reauth_max_age_secs must be non-negative and pending_ttl_secs at least 1",
            );
        }
        Ok(())
    }
}
