//! Single-use e-mailed links: e-mail verification, e-mail address change, password reset
//! and registration invitations.
//!
//! A link carries a random token (256 bits); only its SHA-256 digest is stored, with its
//! purpose, the person (none for an invitation), the address it was mailed to and its
//! expiry. Following a link takes it atomically (of two concurrent uses one succeeds), so
//! a link works once; an expired, used or forged one finds nothing.

pub mod send;
pub mod sql;
pub mod throttle;

use async_trait::async_trait;

use crate::auth::store::StoreResult;
use crate::auth::tokens::handles;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Confirms the account's current address (`users.email_verified`).
    Verify,
    /// Confirms a new address; the account takes it when the link is followed.
    ChangeEmail,
    PasswordReset,
    /// Lets the holder register (in `registration.mode = "invite"`) with the address.
    Invite,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Verify => "verify",
            LinkPurpose::ChangeEmail => "change_email",
            LinkPurpose::PasswordReset => "password_reset",
            LinkPurpose::Invite => "invite",
        }
    }

    /// Where the link points, under the issuer.
    pub fn path(self) -> &'static str {
        match self {
            LinkPurpose::Verify | LinkPurpose::ChangeEmail => "/email/verify",
            LinkPurpose::PasswordReset => "/password/reset",
            LinkPurpose::Invite => "/register",
        }
    }
}

/// A stored link (the token itself is never stored).
#[derive(Clone, PartialEq, Eq)]
pub struct EmailLink {
    pub token_hash: String,
    pub purpose: LinkPurpose,
    pub user_id: Option<String>,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl std::fmt::Debug for EmailLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailLink")
            .field("purpose", &self.purpose)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What following a verification link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailConfirmed {
    /// `users.email_verified` is now true for this person (their address unchanged).
    Verified { user_id: String },
    /// The person's address is now `email`, verified.
    Changed { user_id: String, email: String },
    /// The new address was registered by someone else in the meantime.
    Taken,
    /// The link was good but the account or its address changed since: nothing to do.
    Stale,
}

#[async_trait]
pub trait EmailLinkStore: Send + Sync {
    async fn insert_link(&self, link: &EmailLink) -> StoreResult<()>;
    /// The link if it is unused and unexpired at `now` (the link stays usable).
    async fn find_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: i64,
    ) -> StoreResult<Option<EmailLink>>;
    /// Marks the link used and returns it, only if it was unused and unexpired: of two
    /// concurrent takes exactly one gets it.
    async fn take_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: i64,
    ) -> StoreResult<Option<EmailLink>>;
    /// Marks every unused link of this person and purpose used (a reset voids the other
    /// reset links; a newer verification link voids the older ones).
    async fn void_links(&self, user_id: &str, purpose: LinkPurpose, now: i64) -> StoreResult<u64>;
    /// Takes a verification or address-change link and applies it in one transaction.
    async fn confirm_email(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<EmailConfirmed>>;
    /// Marks `email` verified for the person, if it is still their address (an account
    /// created from an invitation mailed to it).
    async fn mark_email_verified(&self, user_id: &str, email: &str, now: i64) -> StoreResult<bool>;
    /// Removes at most `limit` links that expired before `now`.
    async fn purge_links(&self, now: i64, limit: u32) -> StoreResult<u64>;
}

/// A new link: the token to put in the URL and the record to store.
pub fn new_link(
    purpose: LinkPurpose,
    user_id: Option<&str>,
    email: &str,
    now: i64,
    ttl_secs: u64,
) -> (String, EmailLink) {
    let token = handles::new_handle();
    let link = EmailLink {
        token_hash: handles::digest(&token),
        purpose,
        user_id: user_id.map(str::to_owned),
        email: email.to_owned(),
        created_at: now,
        expires_at: now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX)),
    };
    (token, link)
}

/// The URL a person follows: `{issuer}{path}?token=…`.
pub fn link_url(issuer: &str, purpose: LinkPurpose, token: &str) -> String {
    let mut url = format!("{}{}", issuer.trim_end_matches('/'), purpose.path());
    url.push_str(if purpose == LinkPurpose::Invite {
        "?invite="
    } else {
        "?token="
    });
    url.push_str(token);
    url
}

/// The digest a presented token is looked up by; `None` for something that cannot be a
/// token (wrong length or alphabet), so a forged value costs no query.
pub fn presented_digest(token: &str) -> Option<String> {
    let plausible = (20..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plausible.then(|| handles::digest(token))
}

#[cfg(test)]
mod tests;
