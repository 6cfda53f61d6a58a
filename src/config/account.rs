//! `[account]`: the self-service account pages (`/account`): profile picture limits,
//! re-authentication before deleting an account, how often "last seen" is written.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Whether `/account` and its pages are served at all.
    pub enabled: bool,
    /// The largest profile picture accepted, in bytes, before its metadata is stripped.
    pub max_picture_bytes: usize,
    /// Deleting an account needs the password typed on the page, or a sign-in at most this
    /// many seconds ago (0: always the password).
    pub delete_recent_sign_in_secs: u64,
    /// A session's "last seen" is written at most once per this many seconds.
    pub last_seen_interval_secs: u64,
}

impl AccountConfig {
    /// Pictures are stored in the database and served whole from memory.
    pub const MAX_PICTURE_BYTES_LIMIT: usize = 8 * 1024 * 1024;
}
