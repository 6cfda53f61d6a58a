//! Issuing a link and writing its message, in one place for the pages and the CLI.

use super::{EmailLinkStore, LinkPurpose, link_url, new_link};
use crate::auth::http::pages::i18n::Lang;
use crate::auth::mail::Mail;
use crate::auth::mail::templates::{self, MailKind};
use crate::auth::store::StoreResult;
use crate::config::EmailLinksConfig;

/// How long a link of this purpose lives (`[email_links]`).
pub fn ttl_secs(config: &EmailLinksConfig, purpose: LinkPurpose) -> u64 {
    match purpose {
        LinkPurpose::Verify | LinkPurpose::ChangeEmail => config.verify_ttl_secs,
        LinkPurpose::PasswordReset => config.reset_ttl_secs,
        LinkPurpose::Invite => config.invite_ttl_secs,
    }
}

fn mail_kind(purpose: LinkPurpose) -> MailKind {
    match purpose {
        LinkPurpose::Verify => MailKind::Verify,
        LinkPurpose::ChangeEmail => MailKind::ChangeEmail,
        LinkPurpose::PasswordReset => MailKind::PasswordReset,
        LinkPurpose::Invite => MailKind::Invite,
    }
}

/// A link to issue: for whom, to which address, in which language, for how long.
pub struct LinkRequest<'a> {
    pub purpose: LinkPurpose,
    pub user_id: Option<&'a str>,
    pub email: &'a str,
    pub lang: Lang,
    pub ttl_secs: u64,
}

/// Stores a new link and returns its URL and the message that carries it (the caller
/// sends it: in the background from a page, awaited from the CLI). Earlier unused links
/// of the same person and purpose stop working: only the newest one mailed works.
pub async fn issue(
    links: &dyn EmailLinkStore,
    issuer: &str,
    now: i64,
    request: LinkRequest<'_>,
) -> StoreResult<(String, Mail)> {
    if let Some(user_id) = request.user_id {
        links.void_links(user_id, request.purpose, now).await?;
    }
    let (token, link) = new_link(
        request.purpose,
        request.user_id,
        request.email,
        now,
        request.ttl_secs,
    );
    links.insert_link(&link).await?;
    let url = link_url(issuer, request.purpose, &token);
    let mail = templates::render(
        mail_kind(request.purpose),
        request.lang,
        request.email,
        &url,
        request.ttl_secs,
    );
    Ok((url, mail))
}
