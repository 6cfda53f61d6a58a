//! The durable side of two-step login: a person's methods (TOTP keys), their one-time
//! recovery codes (digests only) and whether an administrator requires a second step.
//! SQL in `sql_two_step.rs` (SQLite and PostgreSQL).

use async_trait::async_trait;

use super::StoreResult;

/// What kind of second step a method is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    /// An authenticator app: RFC 6238 codes from a shared key.
    Totp,
}

impl MethodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Totp => "totp",
        }
    }

    pub fn parse(s: &str) -> Option<MethodKind> {
        match s {
            "totp" => Some(MethodKind::Totp),
            _ => None,
        }
    }
}

/// One second-step method of a person.
#[derive(Clone)]
pub struct TwoStepMethod {
    pub method_id: String,
    pub user_id: String,
    pub kind: MethodKind,
    /// The person's own name for it ("phone").
    pub name: String,
    /// TOTP: the key, base32. Never shown again after enrolment, never logged.
    pub secret: String,
    /// The last TOTP step a code was accepted for (0: none yet).
    pub last_used_step: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl std::fmt::Debug for TwoStepMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwoStepMethod")
            .field("method_id", &self.method_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait TwoStepStore: Send + Sync {
    /// The person's methods, oldest first.
    async fn list_methods(&self, user_id: &str) -> StoreResult<Vec<TwoStepMethod>>;
    async fn add_method(&self, method: &TwoStepMethod) -> StoreResult<()>;
    /// Accepts a TOTP code of `step` for the method: true only if `step` is later than the
    /// last accepted one, which it then becomes. One conditional update, so of two
    /// concurrent uses of the same code exactly one is accepted.
    async fn accept_totp_step(
        &self,
        user_id: &str,
        method_id: &str,
        step: i64,
        now: i64,
    ) -> StoreResult<bool>;
    async fn rename_method(&self, user_id: &str, method_id: &str, name: &str) -> StoreResult<bool>;
    /// Removes the method; when it was the person's last (no app and no passkey left), their
    /// recovery codes go too (they stand in for a method, never alone).
    async fn remove_method(&self, user_id: &str, method_id: &str) -> StoreResult<bool>;
    /// Replaces every recovery code of the person with these digests, in one transaction.
    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        digests: &[String],
        now: i64,
    ) -> StoreResult<()>;
    /// Uses up the recovery code with this digest: true if it existed (it is gone now).
    async fn use_recovery_code(&self, user_id: &str, digest: &str) -> StoreResult<bool>;
    async fn count_recovery_codes(&self, user_id: &str) -> StoreResult<u64>;
    /// Whether an administrator requires a second step of this person.
    async fn is_required(&self, user_id: &str) -> StoreResult<bool>;
    async fn set_required(&self, user_id: &str, required: bool, now: i64) -> StoreResult<()>;
}
