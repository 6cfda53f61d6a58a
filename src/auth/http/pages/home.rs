//! `/`: who is signed in, with a way out.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::i18n;
use super::{BrowserRequest, OrUnavailable, PageError};
use crate::auth::http::AppState;
use crate::auth::oauth::session;

pub async fn home(
    State(state): State<AppState>,
    browser: BrowserRequest,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let session = session::load_session(&state.ctx, browser.session_cookie())
        .await
        .or_unavailable(lang)?;
    Ok(state.pages.render(
        StatusCode::OK,
        "message.html",
        lang,
        minijinja::context! {
            title => i18n::text(lang, "home_title"),
            message => "",
            username => session.as_ref().map(|s| s.1.username.clone()),
            logout_form => session.is_some(),
            logout_params => Vec::<(String, String)>::new(),
            login_link => session.is_none(),
            account_link => session.is_some(),
            csrf => browser.csrf_token(),
        },
    ))
}
