//! `GET|POST /authorize` (RFC 6749 §3.1, OIDC Core §3.1.2).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use super::AppState;
use super::cookies::{self, browser_id};
use super::extractors::QueryOrForm;
use super::pages::flow::step_response;
use super::pages::i18n::Lang;
use super::pages::{OrUnavailable, PageError, accept_language, redirect};
use crate::auth::context::AuthContext;
use crate::auth::oauth::authorize::{self, AuthorizationRequest, AuthorizeError};
use crate::auth::oauth::interaction::{self, Pending};
use crate::auth::oauth::session;
use crate::auth::tokens::handles;

/// Not a `BrowserRequest` handler: the request is checked before the browser is bound, so
/// a refused request sets no cookie. Only an accepted one gets a browser id (and, with
/// it, the interaction).
pub async fn authorize(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let lang = Lang::choose(
        params.get("ui_locales"),
        accept_language(&headers),
        &ctx.config.pages.default_locale,
    );
    let (client, request) = match authorize::parse(ctx, &params).await {
        Ok(ok) => ok,
        Err(AuthorizeError::Page(e)) => {
            tracing::info!(
                reason = e.reason(),
                "authorization request refused without redirect"
            );
            return Err(PageError::untrusted_authorization(lang, e));
        }
        Err(AuthorizeError::Redirect(e)) => return Ok(redirect(&e.to_url(&ctx.issuer))),
        Err(AuthorizeError::Unavailable(_)) => return Err(PageError::unavailable(lang)),
    };
    tracing::debug!(client_id = %client.client_id, "authorization request accepted");
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let next = begin_interaction(ctx, &jar, &browser, request, lang).await;
    // The browser cookie goes out with an error page too, as the interaction may exist.
    Ok((jar, next).into_response())
}

/// The first step of the interaction for an accepted request, bound to this browser.
async fn begin_interaction(
    ctx: &AuthContext,
    jar: &CookieJar,
    browser: &str,
    request: AuthorizationRequest,
    lang: Lang,
) -> Result<Response, PageError> {
    let session = session::load_session(ctx, cookies::session_cookie_value(jar).as_deref())
        .await
        .or_unavailable(lang)?;
    let pending = Pending {
        request,
        browser: handles::digest(browser),
        login_done: false,
        consent_done: false,
    };
    let id = handles::new_id();
    interaction::decide(ctx, &id, pending, session.as_ref(), ctx.clock.now())
        .await
        .map(step_response)
        .or_unavailable(lang)
}
