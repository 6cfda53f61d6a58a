//! `belf user invite EMAIL [--expires-in AGE]`: a single-use registration link, mailed
//! (SMTP or the outbox folder, as the server would) and printed.

use anyhow::Context;
use serde_json::json;

use super::output;
use crate::auth::accounts::users::{self, check_email};
use crate::auth::audit::AuditKind;
use crate::auth::email_links::LinkPurpose;
use crate::auth::email_links::send::{self, LinkRequest};
use crate::auth::http::pages::i18n::Lang;
use crate::auth::mail::MailService;
use crate::auth::store::UserStore;
use crate::auth::store::sql::SqlStore;
use crate::clock::Clock;
use crate::config::{Config, RegistrationMode};

/// An age such as `90s`, `30m`, `48h` or `7d`, in seconds.
pub fn parse_age(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let split = raw.len().checked_sub(1)?;
    let (number, unit) = raw.split_at(split);
    let n: u64 = number.parse().ok()?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(unit_secs).filter(|s| *s > 0)
}

pub async fn run(
    config: &Config,
    store: &SqlStore,
    email: &str,
    expires_in: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let email = users::normalise_login(email);
    check_email(&email).map_err(|e| anyhow::anyhow!("invalid EMAIL: {e}"))?;
    if store.find_user(&email).await?.is_some() {
        anyhow::bail!("invalid EMAIL: an account with {email} already exists");
    }
    let ttl_secs = match expires_in {
        Some(raw) => parse_age(raw)
            .filter(|s| *s <= 365 * 86_400)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "invalid --expires-in `{raw}`: an age like 90m, 48h, 7d (at most 365d)"
                )
            })?,
        None => config.email_links.invite_ttl_secs,
    };
    let mail = MailService::from_config(&config.mail)?;
    let lang = Lang::choose(None, None, &config.pages.default_locale);
    let now = Clock::system().now();
    let expires_at = now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
    let request = LinkRequest {
        purpose: LinkPurpose::Invite,
        user_id: None,
        email: &email,
        lang,
        ttl_secs,
    };
    let (url, message) = send::issue(store, config.issuer().as_str(), now, request)
        .await
        .context("database.url: cannot store the invitation")?;
    // The link is printed whatever happens to the mail: the administrator can pass it on.
    let mailed = mail.send_now(message).await;
    super::audit::recorder(store)
        .record(
            super::audit::cli_event(AuditKind::InviteCreated)
                .detail(json!({ "via": "cli", "email": email, "expires_at": expires_at })),
        )
        .await;
    let warning = (config.registration.mode != RegistrationMode::Invite)
        .then_some("registration.mode is not \"invite\": the link is only needed in invite mode");
    let v = json!({
        "email": email,
        "link": url,
        "expires_at": expires_at,
        "mailed": mailed.is_ok(),
        "mail_error": mailed.as_ref().err().map(|e| format!("{e:#}")),
        "via": mail.describe(),
        "warning": warning,
    });
    output(json, &v, || {
        let mut out = format!("invitation for {email}\nlink: {url}\n");
        match &mailed {
            Ok(()) => out.push_str(&format!("mailed via {}", mail.describe())),
            Err(e) => out.push_str(&format!("NOT mailed ({e:#}); pass the link on yourself")),
        }
        if let Some(w) = warning {
            out.push_str(&format!("\nnote: {w}"));
        }
        out
    });
    Ok(())
}
