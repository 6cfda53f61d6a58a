//! Adding a passkey at `/account/two-step`: `POST /account/two-step/passkey` shows the
//! form that creates one (the options for `navigator.credentials.create`, a name), and
//! `POST /account/two-step/passkey/finish` takes the browser's answer. Like adding an app,
//! it needs a recent sign-in; renaming and removing go through the page's common forms.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::super::{BrowserRequest, OrUnavailable, PageError};
use super::two_step::{Shown, Visitor, form_visitor, render};
use crate::auth::accounts::passkeys::enrol::{self, Enrolled};
use crate::auth::http::AppState;
use crate::auth::http::extractors::QueryOrForm;

/// `POST /account/two-step/passkey`.
pub async fn start(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match form_visitor(&state, &browser, &form, true).await? {
        Visitor::SignIn(to) => return Ok(to),
        Visitor::SignedIn(account) => account,
    };
    let user = &account.user;
    let Some(options) = enrol::start(&state.ctx, user, browser.id())
        .await
        .or_unavailable(lang)?
    else {
        return Err(PageError::not_found(lang));
    };
    let shown = Shown {
        passkey: Some(options),
        ..Shown::default()
    };
    render(&state, &browser, &account, StatusCode::OK, shown).await
}

/// `POST /account/two-step/passkey/finish`.
pub async fn finish(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let account = match form_visitor(&state, &browser, &form, true).await? {
        Visitor::SignIn(to) => return Ok(to),
        Visitor::SignedIn(account) => account,
    };
    let user = &account.user;
    let answer = (
        form.get("ceremony").unwrap_or_default(),
        form.get("credential").unwrap_or_default(),
    );
    let name = form.get("name").unwrap_or_default();
    let outcome = enrol::finish(&state.ctx, &user.user_id, browser.id(), answer, name)
        .await
        .or_unavailable(lang)?;
    let (status, shown) = match outcome {
        Enrolled::Added { recovery_codes } => (
            StatusCode::OK,
            Shown {
                recovery_codes,
                notice: Some("passkey_added"),
                ..Shown::default()
            },
        ),
        Enrolled::Refused { .. } => (StatusCode::BAD_REQUEST, error("passkey_not_added")),
        Enrolled::Duplicate => (StatusCode::CONFLICT, error("passkey_duplicate")),
        Enrolled::NothingPending => (StatusCode::BAD_REQUEST, error("passkey_expired")),
    };
    render(&state, &browser, &account, status, shown).await
}

fn error(key: &'static str) -> Shown {
    Shown {
        error: Some(key),
        ..Shown::default()
    }
}
