//! What the e-mail link pages share: issuing and mailing a link, the throttle answer,
//! and reading a presented token.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::i18n::{self, Lang};
use crate::auth::context::AuthContext;
use crate::auth::email_links::send::{self, LinkRequest};
use crate::auth::email_links::throttle::LinkThrottled;
use crate::auth::email_links::{LinkPurpose, presented_digest};
use crate::auth::http::AppState;
use crate::auth::oauth::params::Params;
use crate::auth::store::StoreResult;

/// Issues a link of `purpose` for `email` and mails it in the background.
pub async fn mail_link(
    ctx: &AuthContext,
    purpose: LinkPurpose,
    user_id: Option<&str>,
    email: &str,
    lang: Lang,
) -> StoreResult<()> {
    let request = LinkRequest {
        purpose,
        user_id,
        email,
        lang,
        ttl_secs: send::ttl_secs(&ctx.config.email_links, purpose),
    };
    let (_url, mail) = send::issue(
        &*ctx.stores.email_links,
        &ctx.issuer,
        ctx.clock.now(),
        request,
    )
    .await?;
    ctx.mail.send_later(mail);
    Ok(())
}

/// The digest of the `token` parameter, if it could be a token at all.
pub fn token_digest(params: &Params, name: &str) -> Option<String> {
    params.get(name).and_then(presented_digest)
}

/// 429 with `Retry-After`, on the page the request came from (rendered by `page`).
pub fn throttled(t: LinkThrottled, lang: Lang, page: impl FnOnce(&str) -> Response) -> Response {
    let wait = t.retry_after_secs.to_string();
    let msg = i18n::text(lang, "links_throttled").replace("{s}", &wait);
    let mut res = page(&msg);
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = HeaderValue::from_str(&wait) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// "This link does not work" (used, expired, forged or cut off), with the way to a new
/// one.
pub fn link_invalid(state: &AppState, lang: Lang, new_link_hint: &str) -> Response {
    state.pages.error(
        StatusCode::BAD_REQUEST,
        lang,
        i18n::text(lang, "link_invalid"),
        i18n::text(lang, new_link_hint),
    )
}
