//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at `/logout`. The decision
//! is `oauth::end_session`; this handler checks the confirmation form and renders the
//! outcome.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::cookies;
use super::extractors::QueryOrForm;
use super::pages::i18n::{self, Lang};
use super::pages::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::oauth::end_session::{self, EndSession, LogoutRequest};
use crate::auth::oauth::params::Params;

pub async fn end_session(
    State(state): State<AppState>,
    browser: BrowserRequest,
    method: Method,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(params.get("ui_locales"));
    let request = LogoutRequest {
        id_token_hint: params.get("id_token_hint"),
        client_id: params.get("client_id"),
        post_logout_redirect_uri: params.get("post_logout_redirect_uri"),
        state: params.get("state"),
        confirmed: method == Method::POST
            && params.get("confirm") == Some("yes")
            && browser.csrf_ok(params.get("csrf")),
    };
    let outcome = end_session::logout(&state.ctx, &request, browser.session_cookie())
        .await
        .or_unavailable(lang)?;
    match outcome {
        EndSession::Reject(rejection) => {
            tracing::info!(reason = rejection.reason(), "logout request refused");
            Err(PageError::logout_refused(lang, rejection))
        }
        EndSession::Confirm { username } => {
            Ok(confirm_page(&state, &browser, lang, &params, &username))
        }
        EndSession::Done { redirect: target } => {
            let page = match target {
                Some(url) => redirect(&url),
                None => state.pages.message(
                    StatusCode::OK,
                    lang,
                    "home_title",
                    i18n::text(lang, "signed_out"),
                ),
            };
            Ok((cookies::clear_session(browser.jar), page).into_response())
        }
    }
}

/// "Sign out?" with a form that repeats the request (and a CSRF token), so confirming
/// leads to the same decision, confirmed.
fn confirm_page(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    params: &Params,
    username: &str,
) -> Response {
    let repeat: Vec<(String, String)> = [
        "post_logout_redirect_uri",
        "state",
        "client_id",
        "ui_locales",
    ]
    .into_iter()
    .filter_map(|k| params.get(k).map(|v| (k.to_owned(), v.to_owned())))
    .collect();
    state.pages.render(
        StatusCode::OK,
        "message.html",
        lang,
        minijinja::context! {
            title => i18n::text(lang, "sign_out_question"),
            message => "",
            username => username,
            logout_form => true,
            logout_params => repeat,
            csrf => browser.csrf_token(),
        },
    )
}
