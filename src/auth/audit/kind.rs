//! The kinds of security event, named as they are stored and logged.

use serde::Serialize;

/// Every event the audit trail knows. Stored and logged by [`AuditKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A sign-in succeeded (`detail.method`: password, passkey, upstream…).
    #[default]
    SignInSucceeded,
    /// A sign-in was refused (`detail.method`, `detail.reason`).
    SignInFailed,
    TwoStepAdded,
    TwoStepRemoved,
    /// The person changed their password (knowing the old one, or by an administrator).
    PasswordChanged,
    /// The password was set through an e-mailed reset link.
    PasswordReset,
    /// A reset link was asked for (for a known or unknown address; `user` when known).
    PasswordResetRequested,
    EmailVerified,
    /// The account's e-mail address changed (after the new address was verified).
    EmailChanged,
    ProviderLinked,
    ProviderUnlinked,
    ConsentGiven,
    ConsentRevoked,
    /// A spent refresh token came back: its whole family was revoked.
    RefreshTokenReuseDetected,
    ClientCreated,
    ClientSecretRotated,
    ClientUpdated,
    ClientRemoved,
    KeysRotated,
    AccountCreated,
    AccountDeleted,
    InviteCreated,
}

impl AuditKind {
    pub const ALL: [AuditKind; 22] = [
        AuditKind::SignInSucceeded,
        AuditKind::SignInFailed,
        AuditKind::TwoStepAdded,
        AuditKind::TwoStepRemoved,
        AuditKind::PasswordChanged,
        AuditKind::PasswordReset,
        AuditKind::PasswordResetRequested,
        AuditKind::EmailVerified,
        AuditKind::EmailChanged,
        AuditKind::ProviderLinked,
        AuditKind::ProviderUnlinked,
        AuditKind::ConsentGiven,
        AuditKind::ConsentRevoked,
        AuditKind::RefreshTokenReuseDetected,
        AuditKind::ClientCreated,
        AuditKind::ClientSecretRotated,
        AuditKind::ClientUpdated,
        AuditKind::ClientRemoved,
        AuditKind::KeysRotated,
        AuditKind::AccountCreated,
        AuditKind::AccountDeleted,
        AuditKind::InviteCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::SignInSucceeded => "sign_in_succeeded",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::TwoStepAdded => "two_step_added",
            AuditKind::TwoStepRemoved => "two_step_removed",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::PasswordReset => "password_reset",
            AuditKind::PasswordResetRequested => "password_reset_requested",
            AuditKind::EmailVerified => "email_verified",
            AuditKind::EmailChanged => "email_changed",
            AuditKind::ProviderLinked => "provider_linked",
            AuditKind::ProviderUnlinked => "provider_unlinked",
            AuditKind::ConsentGiven => "consent_given",
            AuditKind::ConsentRevoked => "consent_revoked",
            AuditKind::RefreshTokenReuseDetected => "refresh_token_reuse_detected",
            AuditKind::ClientCreated => "client_created",
            AuditKind::ClientSecretRotated => "client_secret_rotated",
            AuditKind::ClientUpdated => "client_updated",
            AuditKind::ClientRemoved => "client_removed",
            AuditKind::KeysRotated => "keys_rotated",
            AuditKind::AccountCreated => "account_created",
            AuditKind::AccountDeleted => "account_deleted",
            AuditKind::InviteCreated => "invite_created",
        }
    }

    pub fn parse(s: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for AuditKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
