//! "Sign in with a passkey" on the login page: `POST /login/passkey` takes the answer of
//! `navigator.credentials.get` to the discoverable-credential options the page carried.
//! A passkey is two factors (the key held, and the authenticator's check of the person), so
//! the login completes at once — no second step — with amr `hwk user mfa` and the mfa acr.
//! Throttled like passwords; every failure is logged and audited (method `passkey`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::flow::{Continuation, FormStart, complete_login, start_form};
use super::i18n::{self, Lang};
use super::login::{LoginForm, device_param, next_param};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::passkeys::CeremonyOptions;
use crate::auth::accounts::passkeys::verify::{self, Verified};
use crate::auth::audit::{AuditEvent, AuditKind, RequestOrigin};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::http::request_origin::Origin;
use crate::auth::oauth::params::Params;
use crate::auth::oidc::amr;

/// Options for the login page's passkey button; `None` (the button is left out) when
/// passkeys are off or the ceremony could not be kept.
pub async fn options(state: &AppState, browser: &BrowserRequest) -> Option<CeremonyOptions> {
    match verify::start_sign_in(&state.ctx, browser.id()).await {
        Ok(options) => options,
        Err(e) => {
            tracing::warn!(error = %e, "passkey sign-in not offered");
            None
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Origin(origin): Origin,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let FormStart { pending, lang } = start_form(&state, &browser, &form).await?;
    let answer = (
        form.get("ceremony").unwrap_or_default(),
        form.get("credential").unwrap_or_default(),
    );
    let ctx = &state.ctx;
    let outcome = verify::finish_sign_in(ctx, browser.id(), answer, origin.ip)
        .await
        .or_unavailable(lang)?;
    let page = LoginForm {
        interaction_id: form.get("interaction"),
        pending: pending.as_ref(),
        username: "",
        device: device_param(&form),
        next: next_param(&form).map(|(name, _)| name),
    };
    let user_id = match outcome {
        Verified::Accepted { user_id } => user_id,
        Verified::Throttled(t) => {
            tracing::warn!(ip = %origin.ip, limit = t.by.as_str(),
                retry_after_secs = t.retry_after_secs, "passkey sign-in throttled");
            failed(&state, &origin, None, "throttled").await;
            return Ok(page.throttled(&state, &browser, lang, &t).await);
        }
        Verified::Refused { reason } => {
            failed(&state, &origin, None, &reason).await;
            return Ok(refuse(&state, &browser, &page, lang, StatusCode::UNAUTHORIZED).await);
        }
        Verified::NothingPending => {
            failed(&state, &origin, None, "no ceremony").await;
            let msg = "passkey_expired";
            let res = page
                .render(
                    &state,
                    &browser,
                    lang,
                    StatusCode::BAD_REQUEST,
                    Some(i18n::text(lang, msg)),
                )
                .await;
            return Ok(res);
        }
    };
    let user = match ctx
        .stores
        .users
        .get_user(&user_id)
        .await
        .or_unavailable(lang)?
    {
        Some(user) if !user.disabled => user,
        _ => {
            failed(&state, &origin, Some(&user_id), "account disabled").await;
            return Ok(refuse(&state, &browser, &page, lang, StatusCode::UNAUTHORIZED).await);
        }
    };
    tracing::info!(ip = %origin.ip, sub = %user.user_id, method = "passkey", "login succeeded");
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::SignInSucceeded)
                .user(&user.user_id)
                .origin(&origin)
                .detail(serde_json::json!({ "method": "passkey" })),
        )
        .await;
    if ctx.config.registration.require_verified_email && !user.email_verified {
        tracing::info!(sub = %user.user_id, "sign-in held until the e-mail address is verified");
        return Ok(super::invitation::must_verify(
            &state, &browser, lang, &user,
        ));
    }
    let then = continuation(&form, pending.clone());
    complete_login(
        &state,
        browser.jar,
        lang,
        &user,
        amr::passkey_sign_in(),
        then,
    )
    .await
}

/// Where the sign-in goes on to: the pending authorization, a device confirmation, or the
/// page named by `next` — as after a password.
fn continuation(
    form: &Params,
    pending: Option<crate::auth::oauth::interaction::Pending>,
) -> Continuation {
    Continuation {
        interaction_id: form.get("interaction").map(str::to_owned),
        pending,
        continue_to: device_param(form)
            .map(super::device::confirm_path)
            .or_else(|| next_param(form).map(|(_, path)| path.to_owned())),
    }
}

async fn refuse(
    state: &AppState,
    browser: &BrowserRequest,
    page: &LoginForm<'_>,
    lang: Lang,
    status: StatusCode,
) -> Response {
    let msg = i18n::text(lang, "passkey_refused");
    page.render(state, browser, lang, status, Some(msg)).await
}

/// One audit event (and the failure counter) per refused passkey sign-in.
async fn failed(state: &AppState, origin: &RequestOrigin, user_id: Option<&str>, reason: &str) {
    tracing::info!(ip = %origin.ip, method = "passkey", %reason, "login failed");
    let mut event = AuditEvent::new(AuditKind::SignInFailed)
        .origin(origin)
        .detail(serde_json::json!({ "method": "passkey", "reason": reason }));
    if let Some(user_id) = user_id {
        event = event.user(user_id);
    }
    state.ctx.audit.record(event).await;
}
