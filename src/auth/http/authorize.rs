//! `GET|POST /authorize` (RFC 6749 §3.1, OIDC Core §3.1.2).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum_extra::extract::CookieJar;

use super::AppState;
use super::cookies::{self, browser_id};
use super::extractors::QueryOrForm;
use super::pages::i18n::Lang;
use super::pages::login::step_response;
use super::pages::{accept_language, redirect, with_cookies};
use crate::auth::oauth::authorize::{self, AuthorizeError};
use crate::auth::oauth::interaction::{self, Pending};
use crate::auth::oauth::session;
use crate::auth::tokens::handles;

pub async fn authorize(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(params): QueryOrForm,
) -> Response {
    let ctx = &state.ctx;
    let lang = Lang::choose(
        params.get("ui_locales"),
        accept_language(&headers),
        &ctx.config.pages.default_locale,
    );
    let (client, request) = match authorize::parse(ctx, &params).await {
        Ok(ok) => ok,
        Err(AuthorizeError::Page(e)) => {
            tracing::info!(reason = %e.reason, "authorization request refused without redirect");
            return state.pages.request_error(lang, &e.reason);
        }
        Err(AuthorizeError::Redirect(e)) => return redirect(jar, &e.to_url(&ctx.issuer)),
        Err(AuthorizeError::Unavailable(_)) => return state.pages.unavailable(lang),
    };
    tracing::debug!(client_id = %client.client_id, "authorization request accepted");
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let session =
        match session::load_session(ctx, cookies::session_cookie_value(&jar).as_deref()).await {
            Ok(s) => s,
            Err(_) => return with_cookies(jar, state.pages.unavailable(lang)),
        };
    let pending = Pending {
        request,
        browser: handles::digest(&browser),
        login_done: false,
        consent_done: false,
    };
    let id = handles::new_id();
    match interaction::decide(ctx, &id, pending, session.as_ref(), ctx.clock.now()).await {
        Ok(step) => step_response(jar, step),
        Err(_) => with_cookies(jar, state.pages.unavailable(lang)),
    }
}
