//! `GET|POST /password/forgot` and `GET|POST /password/reset`: a person who forgot their
//! password asks for a link by e-mail address and sets a new password through it.
//!
//! The forgot page answers the same, in the same time, for known and unknown addresses:
//! the link is stored and mailed by a background task. Setting the new password signs
//! out every session and revokes every refresh token of the account (the same store call
//! as a password change), and the clients of those sessions hear of it (back-channel
//! logout).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::i18n::{self, Lang};
use super::mail_links::{link_invalid, mail_link, throttled, token_digest};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::password_policy;
use crate::auth::accounts::users::normalise_login;
use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::email_links::{LinkPurpose, throttle};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::request_origin::Origin;

fn forgot_form(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    status: StatusCode,
    email: &str,
    sent: bool,
    error: Option<&str>,
) -> Response {
    state.pages.render(
        status,
        "password_forgot.html",
        lang,
        minijinja::context! { csrf => browser.csrf_token(), email, sent, error },
    )
}

pub async fn forgot_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    Ok(forgot_form(
        &state,
        &browser,
        lang,
        StatusCode::OK,
        "",
        false,
        None,
    ))
}

pub async fn forgot_submit(
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
    let email = normalise_login(form.get("email").unwrap_or(""));
    if email.is_empty() || email.len() > 254 {
        let msg = i18n::text(lang, "email_required");
        return Ok(forgot_form(
            &state,
            &browser,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            false,
            Some(msg),
        ));
    }
    if let Err(t) = throttle::admit(ctx, origin.ip, &email)
        .await
        .or_unavailable(lang)?
    {
        tracing::warn!(ip = %origin.ip, limit = t.by, "password reset link throttled");
        return Ok(throttled(t, lang, |msg| {
            forgot_form(
                &state,
                &browser,
                lang,
                StatusCode::OK,
                &email,
                false,
                Some(msg),
            )
        }));
    }
    let user = ctx
        .stores
        .users
        .find_user(&email)
        .await
        .or_unavailable(lang)?;
    let user = user.filter(|u| !u.disabled);
    let mut event = AuditEvent::new(AuditKind::PasswordResetRequested).origin(&origin);
    if let Some(user) = &user {
        event = event.user(&user.user_id);
        // Stored and mailed in the background: the answer does not wait for it, so it
        // takes as long for an unknown address.
        let (ctx, user) = (ctx.clone(), user.clone());
        tokio::spawn(async move {
            let sent = mail_link(
                &ctx,
                LinkPurpose::PasswordReset,
                Some(&user.user_id),
                &user.email,
                lang,
            )
            .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "password reset link not issued");
            }
        });
    }
    tracing::info!(ip = %origin.ip, known = user.is_some(), "password reset link asked for");
    ctx.audit
        .record(event.detail(serde_json::json!({ "known": user.is_some() })))
        .await;
    Ok(forgot_form(
        &state,
        &browser,
        lang,
        StatusCode::OK,
        &email,
        true,
        None,
    ))
}

fn reset_form(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    status: StatusCode,
    token: &str,
    error: Option<&str>,
) -> Response {
    state.pages.render(
        status,
        "password_reset.html",
        lang,
        minijinja::context! { csrf => browser.csrf_token(), token, error },
    )
}

pub async fn reset_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let lang = browser.lang(None);
    let Some(digest) = token_digest(&params, "token") else {
        return Ok(link_invalid(&state, lang, "hint_new_reset_link"));
    };
    let link = ctx
        .stores
        .email_links
        .find_link(&digest, LinkPurpose::PasswordReset, ctx.clock.now())
        .await
        .or_unavailable(lang)?;
    if link.is_none() {
        return Ok(link_invalid(&state, lang, "hint_new_reset_link"));
    }
    let token = params.get("token").unwrap_or_default();
    Ok(reset_form(
        &state,
        &browser,
        lang,
        StatusCode::OK,
        token,
        None,
    ))
}

pub async fn reset_submit(
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
    let links = &ctx.stores.email_links;
    let now = ctx.clock.now();
    let Some(digest) = token_digest(&form, "token") else {
        return Ok(link_invalid(&state, lang, "hint_new_reset_link"));
    };
    let link = links
        .find_link(&digest, LinkPurpose::PasswordReset, now)
        .await
        .or_unavailable(lang)?;
    let user = match link.as_ref().and_then(|l| l.user_id.as_deref()) {
        Some(id) => ctx.stores.users.get_user(id).await.or_unavailable(lang)?,
        None => None,
    };
    let Some(user) = user.filter(|u| !u.disabled) else {
        return Ok(link_invalid(&state, lang, "hint_new_reset_link"));
    };
    let token = form.get("token").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_owned();
    let refuse = |key: &str| {
        let msg = i18n::text(lang, key);
        Ok(reset_form(
            &state,
            &browser,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            Some(msg),
        ))
    };
    if form.get("password2") != Some(password.as_str()) {
        return refuse("passwords_differ");
    }
    // The link stays usable while the new password is refused.
    if let Err(why) = password_policy::check(&password, &user.username, &user.email) {
        return refuse(why.i18n_key());
    }
    let hash = ctx.passwords.hash(password).await.or_unavailable(lang)?;
    // Taken only now, atomically: of two submissions of one link, one sets a password.
    let taken = links
        .take_link(&digest, LinkPurpose::PasswordReset, now)
        .await
        .or_unavailable(lang)?;
    if taken.is_none() {
        return Ok(link_invalid(&state, lang, "hint_new_reset_link"));
    }
    let now_ms = ctx.clock.now_millis();
    ctx.stores
        .users
        .set_password_hash(&user.user_id, &hash, now_ms)
        .await
        .or_unavailable(lang)?;
    links
        .void_links(&user.user_id, LinkPurpose::PasswordReset, now)
        .await
        .or_unavailable(lang)?;
    ctx.backchannel
        .user_sessions_ended(&ctx.metrics, &user.user_id, now_ms);
    tracing::info!(ip = %origin.ip, sub = %user.user_id,
        "password reset: sessions signed out, refresh tokens revoked");
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::PasswordReset)
                .user(&user.user_id)
                .origin(&origin)
                .detail(serde_json::json!({ "via": "email_link" })),
        )
        .await;
    Ok(state.pages.render(
        StatusCode::OK,
        "message.html",
        lang,
        minijinja::context! {
            title => i18n::text(lang, "reset_title"),
            message => i18n::text(lang, "reset_done"),
            login_link => true,
        },
    ))
}
