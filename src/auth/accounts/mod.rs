//! People: the `User` model, accounts and their passwords.
//!
//! The model lives here, apart from the service in `users.rs`, so storage (`auth::store`)
//! and the protocol can name it without depending on the service (as `clients/` does).

pub mod password;
pub mod password_policy;
pub mod throttle;
// Two-step login (issue 13, part `twostep`).
pub mod two_step;
// Passkeys (WebAuthn, issue 13).
pub mod passkeys;
pub mod users;

use std::fmt;

use serde::Serialize;

/// A person's account as stored. `Debug` prints only the ids: the rest is personal data,
/// and the password hash is never serialised.
#[derive(Clone, Serialize)]
pub struct User {
    pub user_id: String,
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub locale: Option<String>,
    pub phone_number: Option<String>,
    /// Postal address as a formatted single string (OIDC `address.formatted`).
    pub address: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    /// Sessions started and access tokens issued before this instant (Unix ms) are void:
    /// moved forward by a password change and by disabling the account.
    #[serde(skip)]
    pub sessions_not_before_ms: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}
