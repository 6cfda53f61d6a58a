//! The durable side of passkeys: a person's WebAuthn credentials. SQL in
//! `sql_passkeys.rs` (SQLite and PostgreSQL). The credential itself is webauthn-rs's
//! `Passkey` as JSON: a public key and a signature counter, nothing secret.

use async_trait::async_trait;

use super::StoreResult;

/// One passkey of a person.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub passkey_id: String,
    pub user_id: String,
    /// The WebAuthn credential id, base64url (unique across every account).
    pub credential_id: String,
    /// The person's own name for it ("laptop").
    pub name: String,
    /// webauthn-rs `Passkey`, serialised.
    pub credential: String,
    /// The authenticator keeps it, so it can sign in without a username (credProps rk).
    pub discoverable: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// The person's passkeys, oldest first.
    async fn list_passkeys(&self, user_id: &str) -> StoreResult<Vec<StoredPasskey>>;
    /// `Conflict` when the credential id is registered already (to anyone).
    async fn add_passkey(&self, passkey: &StoredPasskey) -> StoreResult<()>;
    /// The passkey with this credential id, whoever it belongs to.
    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>>;
    /// Stores the credential after a use (its new counter and backup state).
    async fn passkey_used(
        &self,
        user_id: &str,
        passkey_id: &str,
        credential: &str,
        now: i64,
    ) -> StoreResult<bool>;
    async fn rename_passkey(
        &self,
        user_id: &str,
        passkey_id: &str,
        name: &str,
    ) -> StoreResult<bool>;
    /// Removes the passkey; when the person has no second-step method left (no passkey, no
    /// app), their recovery codes go too, as when the last app goes.
    async fn remove_passkey(&self, user_id: &str, passkey_id: &str) -> StoreResult<bool>;
}
