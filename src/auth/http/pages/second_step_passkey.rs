//! `POST /login/second-step/passkey`: a passkey as the second step of a login, the answer
//! of `navigator.credentials.get` to the options the second-step page carried. Right: the
//! login goes on exactly as after a code (amr `hwk` beside the first step's, acr mfa).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::i18n;
use super::second_step::{Shown, finish, render, throttled, waiting};
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::accounts::passkeys::verify::{self, Verified};
use crate::auth::accounts::two_step::FirstFactor;
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(browser.lang(None)));
    }
    let w = waiting(&state, &browser, &form).await?;
    let lang = w.lang;
    if w.login.enrol || w.login.done {
        return Err(PageError::expired(lang));
    }
    let answer = (
        form.get("ceremony").unwrap_or_default(),
        form.get("credential").unwrap_or_default(),
    );
    let who = (w.user.user_id.as_str(), w.id.as_str());
    let outcome = verify::finish_second_step(&state.ctx, who, browser.id(), answer, ip)
        .await
        .or_unavailable(lang)?;
    let (status, key) = match outcome {
        Verified::Accepted { .. } => {
            return finish(&state, browser, w, FirstFactor::with_passkey).await;
        }
        Verified::Throttled(t) => return throttled(&state, &browser, &w, &t).await,
        Verified::Refused { .. } => (StatusCode::UNAUTHORIZED, "passkey_refused"),
        Verified::NothingPending => (StatusCode::BAD_REQUEST, "passkey_expired"),
    };
    let shown = Shown {
        error: Some(i18n::text(lang, key)),
        ..Shown::default()
    };
    render(&state, &browser, &w, status, shown).await
}
