//! `amr` (RFC 8176): how a person signed in, as sessions, refresh tokens and ID tokens
//! carry it. Plain values with no dependencies, so ID tokens and the interaction can ask
//! "was there a second step?" without naming the two-step machinery.

/// RFC 8176 authentication method references.
pub const AMR_PASSWORD: &str = "pwd";
pub const AMR_OTP: &str = "otp";
pub const AMR_MFA: &str = "mfa";
/// A key held in hardware or a platform authenticator: a passkey (WebAuthn).
pub const AMR_HWK: &str = "hwk";
/// The authenticator checked the person (WebAuthn user verification: a PIN, a fingerprint,
/// a face): with `hwk`, the second factor of a password-less passkey sign-in.
pub const AMR_USER: &str = "user";
/// Signed in through an upstream provider (RFC 8176 `fed`): Belf cannot vouch for how the
/// provider checked the person, so its own `amr` is not repeated.
pub const AMR_FEDERATED: &str = "fed";

/// How the first step was made: a password here, or a provider's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum FirstFactor {
    #[default]
    Password,
    Federated,
}

impl FirstFactor {
    fn amr(self) -> &'static str {
        match self {
            FirstFactor::Password => AMR_PASSWORD,
            FirstFactor::Federated => AMR_FEDERATED,
        }
    }

    /// The first step alone.
    pub fn alone(self) -> Vec<String> {
        vec![self.amr().to_owned()]
    }

    /// The first step and a one-time code (an app's or a recovery code).
    pub fn with_code(self) -> Vec<String> {
        [self.amr(), AMR_OTP, AMR_MFA].map(str::to_owned).to_vec()
    }

    /// The first step and a passkey.
    pub fn with_passkey(self) -> Vec<String> {
        [self.amr(), AMR_HWK, AMR_MFA].map(str::to_owned).to_vec()
    }
}

/// A password-less sign-in with a passkey: something held (the key) and the authenticator's
/// check of the person (user verification) — two factors, so `mfa` (and its acr).
pub fn passkey_sign_in() -> Vec<String> {
    [AMR_HWK, AMR_USER, AMR_MFA].map(str::to_owned).to_vec()
}

/// A login by password alone.
pub fn password_only() -> Vec<String> {
    FirstFactor::Password.alone()
}

/// A login by password and a one-time code (an app's or a recovery code).
pub fn password_and_code() -> Vec<String> {
    FirstFactor::Password.with_code()
}

pub fn has_second_step(amr: &[String]) -> bool {
    amr.iter().any(|m| m == AMR_MFA)
}
