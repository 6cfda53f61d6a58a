//! `[mail]`, `[email_links]` and `[registration]`: how mail goes out, how long e-mailed
//! links live and how often they may be asked for, and who may create an account.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://host:25`, `smtp://host:587?tls=required` or `smtps://user:pass@host:465`.
    /// Empty: every message is written to `outbox_dir` instead (the embedded default).
    pub smtp_url: SecretString,
    /// The `From:` of every message, e.g. `Belf <no-reply@example.com>`.
    pub from: String,
    /// Where messages go without SMTP: one `.eml` file each (created when needed).
    pub outbox_dir: PathBuf,
    /// Connect and command timeout of the SMTP client, in seconds.
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailLinksConfig {
    /// How long an e-mail verification (or address change) link works, in seconds.
    pub verify_ttl_secs: u64,
    /// How long a password reset link works, in seconds.
    pub reset_ttl_secs: u64,
    /// How long an invitation (`belf user invite`) works unless `--expires-in` says.
    pub invite_ttl_secs: u64,
    /// At most this many links mailed to one address per window...
    pub max_per_address: u64,
    /// ...and asked for from one IP address per window.
    pub max_per_ip: u64,
    pub window_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Anyone may create an account on /register.
    Open,
    /// Only with an invitation link (`belf user invite EMAIL`).
    Invite,
    /// Nobody: /register says so. Administrators still add people with `belf user add`.
    Closed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationConfig {
    pub mode: RegistrationMode,
    /// Sign-in is refused (with a page to send the link again) until the person has
    /// followed the verification link mailed to them.
    pub require_verified_email: bool,
}

/// The checks `Config::load` runs on these sections: the setting and why.
pub(super) fn check(
    mail: &MailConfig,
    links: &EmailLinksConfig,
) -> Result<(), (&'static str, &'static str)> {
    if mail.from.parse::<lettre::message::Mailbox>().is_err() {
        return Err((
            "mail.from",
            "must be an address such as `Belf <no-reply@example.com>`",
        ));
    }
    if !(1..=300).contains(&mail.timeout_secs) {
        return Err(("mail.timeout_secs", "must be between 1 and 300"));
    }
    for (key, v) in [
        ("email_links.verify_ttl_secs", links.verify_ttl_secs),
        ("email_links.reset_ttl_secs", links.reset_ttl_secs),
        ("email_links.invite_ttl_secs", links.invite_ttl_secs),
        ("email_links.max_per_address", links.max_per_address),
        ("email_links.max_per_ip", links.max_per_ip),
        ("email_links.window_secs", links.window_secs),
    ] {
        if v == 0 {
            return Err((key, "must be greater than 0"));
        }
    }
    Ok(())
}
