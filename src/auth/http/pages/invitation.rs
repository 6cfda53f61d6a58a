//! Registration modes on the register page: an invitation in `invite` mode, and what
//! happens right after an account is created (a verification link; with
//! `registration.require_verified_email` no sign-in until it is followed).

use axum::http::StatusCode;
use axum::response::Response;

use super::BrowserRequest;
use super::email_verify::VerifyPage;
use super::i18n::{self, Lang};
use super::mail_links::{mail_link, token_digest};
use crate::auth::accounts::User;
use crate::auth::audit::{AuditEvent, AuditKind, RequestOrigin};
use crate::auth::context::AuthContext;
use crate::auth::email_links::LinkPurpose;
use crate::auth::http::AppState;
use crate::auth::oauth::params::Params;
use crate::auth::store::StoreResult;
use crate::config::RegistrationMode;

/// A valid invitation presented with the form (`invite=<token>`).
pub struct Invitation {
    pub token: String,
    pub token_hash: String,
    pub email: String,
}

/// What the registration mode asks of a form.
pub enum InviteCheck {
    /// `open` mode: no invitation needed.
    NotNeeded,
    /// `invite` mode, with a valid invitation.
    Valid(Invitation),
    /// `invite` mode, without one (missing, used, expired or forged).
    Missing,
}

pub async fn required(ctx: &AuthContext, params: &Params) -> StoreResult<InviteCheck> {
    if ctx.config.registration.mode != RegistrationMode::Invite {
        return Ok(InviteCheck::NotNeeded);
    }
    let Some(hash) = token_digest(params, "invite") else {
        return Ok(InviteCheck::Missing);
    };
    let link = ctx
        .stores
        .email_links
        .find_link(&hash, LinkPurpose::Invite, ctx.clock.now())
        .await?;
    Ok(match link {
        Some(link) => InviteCheck::Valid(Invitation {
            token: params.get("invite").unwrap_or_default().to_owned(),
            token_hash: hash,
            email: link.email,
        }),
        None => InviteCheck::Missing,
    })
}

/// "Registration is by invitation only" (also for a used or expired invitation).
pub fn invite_only(state: &AppState, lang: Lang) -> Response {
    state.pages.error(
        StatusCode::FORBIDDEN,
        lang,
        i18n::text(lang, "registration_invite_only"),
        i18n::text(lang, "hint_sign_in"),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Welcome {
    /// Sign the new account in now.
    SignIn,
    /// Show "confirm your address first" (required verification, link mailed).
    VerifyFirst,
}

/// After `user` was created on the page: spends the invitation (its address is then
/// verified: the link reached it) or mails a verification link, and records the event.
pub async fn welcome(
    ctx: &AuthContext,
    user: &mut User,
    invite: Option<&Invitation>,
    lang: Lang,
    origin: &RequestOrigin,
) -> StoreResult<Welcome> {
    let links = &ctx.stores.email_links;
    let now = ctx.clock.now();
    if let Some(invite) = invite {
        // The address is unique, so an invitation can make one account even if two
        // submissions race; taking it here stops it being shown again.
        links
            .take_link(&invite.token_hash, LinkPurpose::Invite, now)
            .await?;
        user.email_verified = links
            .mark_email_verified(&user.user_id, &user.email, now)
            .await?;
    } else {
        mail_link(
            ctx,
            LinkPurpose::Verify,
            Some(&user.user_id),
            &user.email,
            lang,
        )
        .await?;
    }
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::AccountCreated)
                .user(&user.user_id)
                .origin(origin)
                .detail(serde_json::json!({ "via": "register", "invited": invite.is_some() })),
        )
        .await;
    Ok(
        if ctx.config.registration.require_verified_email && !user.email_verified {
            Welcome::VerifyFirst
        } else {
            Welcome::SignIn
        },
    )
}

/// The page shown instead of a sign-in while the address is unconfirmed: what to do, and
/// a button for another link.
pub fn verify_first(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    user: &User,
) -> Response {
    VerifyPage {
        token: "",
        message: Some(i18n::text(lang, "verify_sent").replace("{email}", &user.email)),
        error: None,
        resend_login: &user.username,
    }
    .render(state, browser, lang, StatusCode::OK)
}

/// The login page's answer to a right password for an account that must confirm its
/// address first.
pub fn must_verify(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    user: &User,
) -> Response {
    VerifyPage {
        token: "",
        message: None,
        error: Some(i18n::text(lang, "verify_needed").to_owned()),
        resend_login: &user.username,
    }
    .render(state, browser, lang, StatusCode::FORBIDDEN)
}
