//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at `/logout`, and `/`.
//!
//! With a valid `id_token_hint` for the current session, the session ends at once. Without
//! one, the person confirms on a page (a CSRF-protected form), so a cross-site link cannot
//! log anyone out. `post_logout_redirect_uri` is followed only if registered for the client
//! named by the hint or by `client_id`; otherwise the request is answered with a page.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum_extra::extract::CookieJar;

use super::AppState;
use super::cookies::{self, browser_id, csrf_ok, csrf_token};
use super::extractors::QueryOrForm;
use super::pages::i18n::{self, Lang};
use super::pages::{accept_language, redirect, with_cookies};
use crate::auth::oauth::authorize::redirect_with;
use crate::auth::oauth::session;

pub async fn end_session(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    method: Method,
    QueryOrForm(params): QueryOrForm,
) -> Response {
    let ctx = &state.ctx;
    let lang = Lang::choose(
        params.get("ui_locales"),
        accept_language(&headers),
        &ctx.config.pages.default_locale,
    );
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let hint = params
        .get("id_token_hint")
        .and_then(|h| ctx.id_tokens.verify_hint(h));
    if params.get("id_token_hint").is_some() && hint.is_none() {
        return with_cookies(
            jar,
            state.pages.request_error(
                lang,
                "id_token_hint is not a valid ID token from this server",
            ),
        );
    }
    let client_id = match (params.get("client_id"), &hint) {
        (Some(c), Some((_, aud))) if !aud.iter().any(|a| a == c) => {
            return with_cookies(
                jar,
                state
                    .pages
                    .request_error(lang, "client_id does not match id_token_hint"),
            );
        }
        (Some(c), _) => Some(c.to_owned()),
        (None, Some((_, aud))) => aud.first().cloned(),
        (None, None) => None,
    };
    // Validate the return address before anything else.
    let mut target = None;
    if let Some(uri) = params.get("post_logout_redirect_uri") {
        let client = match &client_id {
            Some(id) => match ctx.stores.clients.get_client(id).await {
                Ok(c) => c,
                Err(_) => return with_cookies(jar, state.pages.unavailable(lang)),
            },
            None => None,
        };
        match client
            .as_ref()
            .and_then(|c| c.post_logout_redirect_uri(uri))
        {
            Some(registered) => {
                let mut q = Vec::new();
                if let Some(s) = params.get("state") {
                    q.push(("state", s));
                }
                target = Some(redirect_with(registered, &ctx.issuer, &q));
            }
            _ => {
                return with_cookies(
                    jar,
                    state.pages.request_error(
                        lang,
                        "post_logout_redirect_uri is not registered for this client",
                    ),
                );
            }
        }
    }
    let session_cookie = cookies::session_cookie_value(&jar);
    let session = session::load_session(ctx, session_cookie.as_deref())
        .await
        .ok()
        .flatten();
    let hint_matches = match (&hint, &session) {
        (Some((sub, _)), Some((_, user))) => *sub == user.user_id,
        (Some(_), None) => true,
        _ => false,
    };
    let confirmed = method == Method::POST
        && params.get("confirm") == Some("yes")
        && csrf_ok(ctx.keys.cookie_secret(), &browser, params.get("csrf"));
    if session.is_some() && !hint_matches && !confirmed {
        let keep: Vec<(String, String)> = [
            "post_logout_redirect_uri",
            "state",
            "client_id",
            "ui_locales",
        ]
        .into_iter()
        .filter_map(|k| params.get(k).map(|v| (k.to_owned(), v.to_owned())))
        .collect();
        let page = state.pages.render(
            StatusCode::OK,
            "message.html",
            lang,
            minijinja::context! {
                title => i18n::text(lang, "sign_out_question"),
                message => "",
                username => session.as_ref().map(|s| s.1.username.clone()),
                logout_form => true,
                logout_params => keep,
                csrf => csrf_token(ctx.keys.cookie_secret(), &browser),
            },
        );
        return with_cookies(jar, page);
    }
    if session::end_session(ctx, session_cookie.as_deref())
        .await
        .is_err()
    {
        return with_cookies(jar, state.pages.unavailable(lang));
    }
    let jar = cookies::clear_session(jar);
    match target {
        Some(url) => redirect(jar, &url),
        None => {
            let page = state.pages.message(
                StatusCode::OK,
                lang,
                "home_title",
                i18n::text(lang, "signed_out"),
                false,
            );
            with_cookies(jar, page)
        }
    }
}

/// `/`: who is signed in, with a way out.
pub async fn home(State(state): State<AppState>, jar: CookieJar, headers: HeaderMap) -> Response {
    let ctx = &state.ctx;
    let lang = Lang::choose(
        None,
        accept_language(&headers),
        &ctx.config.pages.default_locale,
    );
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let session =
        match session::load_session(ctx, cookies::session_cookie_value(&jar).as_deref()).await {
            Ok(s) => s,
            Err(_) => return with_cookies(jar, state.pages.unavailable(lang)),
        };
    let page = state.pages.render(
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
            csrf => csrf_token(ctx.keys.cookie_secret(), &browser),
        },
    );
    with_cookies(jar, page)
}
