//! `GET|POST /email/verify`: following an e-mail verification (or address change) link;
//! `POST /email/verify/resend`: another link for an account that must verify before it
//! may sign in.
//!
//! The link opens a page with a button rather than acting on GET, so a mail scanner that
//! fetches every link does not spend it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::i18n::{self, Lang};
use super::mail_links::{link_invalid, mail_link, throttled, token_digest};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::users::normalise_login;
use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::email_links::{EmailConfirmed, LinkPurpose, throttle};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::request_origin::Origin;

/// The verification page: a confirm button (`token`), a message, or the resend form
/// (`resend_login`).
pub struct VerifyPage<'a> {
    pub token: &'a str,
    pub message: Option<String>,
    pub error: Option<String>,
    pub resend_login: &'a str,
}

impl VerifyPage<'_> {
    pub fn render(
        &self,
        state: &AppState,
        browser: &BrowserRequest,
        lang: Lang,
        status: StatusCode,
    ) -> Response {
        state.pages.render(
            status,
            "email_verify.html",
            lang,
            minijinja::context! {
                csrf => browser.csrf_token(),
                token => self.token,
                message => self.message.clone(),
                error => self.error.clone(),
                resend_login => self.resend_login,
            },
        )
    }
}

pub async fn verify_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let lang = browser.lang(None);
    let Some(digest) = token_digest(&params, "token") else {
        return Ok(link_invalid(&state, lang, "hint_new_verify_link"));
    };
    let now = ctx.clock.now();
    let links = &ctx.stores.email_links;
    let mut link = links
        .find_link(&digest, LinkPurpose::Verify, now)
        .await
        .or_unavailable(lang)?;
    if link.is_none() {
        link = links
            .find_link(&digest, LinkPurpose::ChangeEmail, now)
            .await
            .or_unavailable(lang)?;
    }
    let Some(link) = link else {
        return Ok(link_invalid(&state, lang, "hint_new_verify_link"));
    };
    let page = VerifyPage {
        token: params.get("token").unwrap_or_default(),
        message: Some(i18n::text(lang, "verify_intro").replace("{email}", &link.email)),
        error: None,
        resend_login: "",
    };
    Ok(page.render(&state, &browser, lang, StatusCode::OK))
}

pub async fn verify_submit(
    State(state): State<AppState>,
    Origin(origin): Origin,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let lang = browser.lang(None);
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(lang));
    }
    let Some(digest) = token_digest(&form, "token") else {
        return Ok(link_invalid(&state, lang, "hint_new_verify_link"));
    };
    let outcome = ctx
        .stores
        .email_links
        .confirm_email(&digest, ctx.clock.now())
        .await
        .or_unavailable(lang)?;
    let message = match outcome {
        None | Some(EmailConfirmed::Stale) => {
            return Ok(link_invalid(&state, lang, "hint_new_verify_link"));
        }
        Some(EmailConfirmed::Taken) => {
            let page = VerifyPage {
                token: "",
                message: None,
                error: Some(i18n::text(lang, "email_taken_since").to_owned()),
                resend_login: "",
            };
            return Ok(page.render(&state, &browser, lang, StatusCode::CONFLICT));
        }
        Some(EmailConfirmed::Verified { user_id }) => {
            ctx.audit
                .record(
                    AuditEvent::new(AuditKind::EmailVerified)
                        .user(&user_id)
                        .origin(&origin),
                )
                .await;
            i18n::text(lang, "verify_done").to_owned()
        }
        Some(EmailConfirmed::Changed { user_id, email }) => {
            tracing::info!(sub = %user_id, "e-mail address changed after verification");
            ctx.audit
                .record(
                    AuditEvent::new(AuditKind::EmailChanged)
                        .user(&user_id)
                        .origin(&origin),
                )
                .await;
            i18n::text(lang, "email_changed_done").replace("{email}", &email)
        }
    };
    let page = VerifyPage {
        token: "",
        message: Some(message),
        error: None,
        resend_login: "",
    };
    Ok(page.render(&state, &browser, lang, StatusCode::OK))
}

/// Another verification link for the account `login` names, if it still needs one. The
/// answer is the same whether it does, does not, or does not exist.
pub async fn resend_submit(
    State(state): State<AppState>,
    Origin(origin): Origin,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let lang = browser.lang(None);
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(lang));
    }
    let login = normalise_login(form.get("login").unwrap_or_default());
    let page = |message: Option<String>, error: Option<String>| VerifyPage {
        token: "",
        message,
        error,
        resend_login: &login,
    };
    if login.is_empty() || login.len() > 254 {
        return Ok(link_invalid(&state, lang, "hint_new_verify_link"));
    }
    if let Err(t) = throttle::admit(ctx, origin.ip, &login)
        .await
        .or_unavailable(lang)?
    {
        tracing::warn!(ip = %origin.ip, limit = t.by, "verification link throttled");
        return Ok(throttled(t, lang, |msg| {
            page(None, Some(msg.to_owned())).render(&state, &browser, lang, StatusCode::OK)
        }));
    }
    let user = ctx
        .stores
        .users
        .find_user(&login)
        .await
        .or_unavailable(lang)?;
    if let Some(user) = user.filter(|u| !u.disabled && !u.email_verified) {
        let (ctx, user) = (ctx.clone(), user.clone());
        tokio::spawn(async move {
            let sent = mail_link(
                &ctx,
                LinkPurpose::Verify,
                Some(&user.user_id),
                &user.email,
                lang,
            )
            .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "verification link not issued");
            }
        });
    }
    let message = Some(i18n::text(lang, "resend_sent").to_owned());
    Ok(page(message, None).render(&state, &browser, lang, StatusCode::OK))
}
