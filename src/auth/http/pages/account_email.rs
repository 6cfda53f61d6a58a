//! `GET|POST /account/email`: the signed-in person's e-mail address — confirm it (another
//! verification link) or change it. A new address takes effect only when the link
//! mailed to it is followed; until then the account keeps the old one.
//!
//! Changing needs the current password (a borrowed, still signed-in browser must not be
//! able to move the account's recovery address). Whether the new address belongs to
//! another account is never said: the answer is the same, and no link goes out.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::account::{Account, Frame, account_of};
use super::i18n::{self, Lang};
use super::mail_links::{mail_link, throttled};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::users::{check_email, normalise_login};
use crate::auth::email_links::{LinkPurpose, throttle};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::request_origin::Origin;

struct EmailPage<'a> {
    account: &'a Account,
    new_email: &'a str,
    message: Option<&'a str>,
    error: Option<&'a str>,
}

impl EmailPage<'_> {
    /// One of the account pages (their [`Frame`] and nav); the message or error is
    /// already worded (a throttle's says how long to wait), so it is shown here, not as
    /// the frame's notice.
    fn render(&self, state: &AppState, browser: &BrowserRequest, status: StatusCode) -> Response {
        let user = &self.account.user;
        let frame = Frame {
            account: self.account,
            path: "/account/email",
            notice: None,
        };
        frame.render(
            state,
            browser,
            status,
            "account_email.html",
            minijinja::context! {
                email => user.email.clone(),
                verified => user.email_verified,
                new_email => self.new_email,
                message => self.message,
                error => self.error,
            },
        )
    }
}

/// The signed-in person, or the page that asks to sign in first.
async fn signed_in(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
) -> Result<Result<Account, Response>, PageError> {
    Ok(match account_of(state, browser).await? {
        Some(account) => Ok(account),
        None => Err(state.pages.render(
            StatusCode::UNAUTHORIZED,
            "message.html",
            lang,
            minijinja::context! {
                title => i18n::text(lang, "account_email_title"),
                message => i18n::text(lang, "sign_in_first"),
                login_link => true,
            },
        )),
    })
}

pub async fn email_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match signed_in(&state, &browser, lang).await? {
        Ok(account) => account,
        Err(page) => return Ok(page),
    };
    let page = EmailPage {
        account: &account,
        new_email: "",
        message: None,
        error: None,
    };
    Ok(page.render(&state, &browser, StatusCode::OK))
}

pub async fn email_submit(
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
    let account = match signed_in(&state, &browser, lang).await? {
        Ok(account) => account,
        Err(page) => return Ok(page),
    };
    let user = &account.user;
    let new_email = normalise_login(form.get("new_email").unwrap_or_default());
    let verifying = form.get("action") == Some("verify");
    let address = if verifying {
        user.email.clone()
    } else {
        new_email.clone()
    };
    let answer = |status, message: Option<&str>, error: Option<&str>| {
        let page = EmailPage {
            account: &account,
            new_email: &new_email,
            message,
            error,
        };
        Ok(page.render(&state, &browser, status))
    };
    if !verifying {
        if check_email(&new_email).is_err() {
            return answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(i18n::text(lang, "invalid_email")),
            );
        }
        if new_email == user.email {
            return answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(i18n::text(lang, "same_email")),
            );
        }
        let password = form.get("password").unwrap_or_default().to_owned();
        let right = ctx
            .passwords
            .verify(Some(user.password_hash.clone()), password)
            .await
            .or_unavailable(lang)?;
        if !right {
            tracing::info!(ip = %origin.ip, sub = %user.user_id, "e-mail change refused: wrong password");
            return answer(
                StatusCode::UNAUTHORIZED,
                None,
                Some(i18n::text(lang, "wrong_password")),
            );
        }
    }
    if let Err(t) = throttle::admit(ctx, origin.ip, &address)
        .await
        .or_unavailable(lang)?
    {
        tracing::warn!(ip = %origin.ip, limit = t.by, "e-mail link throttled");
        return Ok(throttled(t, lang, |msg| {
            EmailPage {
                account: &account,
                new_email: &new_email,
                message: None,
                error: Some(msg),
            }
            .render(&state, &browser, StatusCode::OK)
        }));
    }
    if verifying {
        if !user.email_verified {
            mail_link(
                ctx,
                LinkPurpose::Verify,
                Some(&user.user_id),
                &user.email,
                lang,
            )
            .await
            .or_unavailable(lang)?;
        }
        return answer(StatusCode::OK, Some(i18n::text(lang, "resend_sent")), None);
    }
    let taken = ctx
        .stores
        .users
        .find_user(&new_email)
        .await
        .or_unavailable(lang)?
        .is_some();
    if !taken {
        mail_link(
            ctx,
            LinkPurpose::ChangeEmail,
            Some(&user.user_id),
            &new_email,
            lang,
        )
        .await
        .or_unavailable(lang)?;
    }
    tracing::info!(ip = %origin.ip, sub = %user.user_id, sent = !taken, "e-mail change asked for");
    answer(
        StatusCode::OK,
        Some(i18n::text(lang, "change_email_sent")),
        None,
    )
}
