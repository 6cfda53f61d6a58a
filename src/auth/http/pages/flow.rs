//! The glue between the interaction state machine (`oauth::interaction`) and the pages
//! that drive it (`/authorize`, login, registration, consent): which page a step leads to,
//! how a form starts, how a login finishes.

use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use super::i18n::Lang;
use super::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::accounts::User;
use crate::auth::accounts::two_step::{self, AfterPassword, FirstFactor};
use crate::auth::context::AuthContext;
use crate::auth::http::AppState;
use crate::auth::http::cookies;
use crate::auth::oauth::interaction::{self, Pending, Step};
use crate::auth::oauth::params::Params;
use crate::auth::oauth::second_step::{self, PendingSecondStep};
use crate::auth::oauth::session;
use crate::auth::tokens::handles;

/// Where the browser goes after a step of the interaction.
pub fn step_response(step: Step) -> Response {
    match step {
        Step::Login(id) => redirect(&format!("/login?interaction={id}")),
        Step::Consent(id) => redirect(&format!("/consent?interaction={id}")),
        Step::Redirect(url) => redirect(&url),
    }
}

/// The language for a page: the pending request's `ui_locales`, then the browser's.
pub fn page_lang(browser: &BrowserRequest, pending: Option<&Pending>) -> Lang {
    browser.lang(pending.and_then(|p| p.request.ui_locales.as_deref()))
}

/// Loads the interaction named by the form/query, if any. An error when it was named but
/// is gone or belongs to another browser.
pub async fn pending_for(
    state: &AppState,
    interaction_id: Option<&str>,
    browser: &BrowserRequest,
    lang: Lang,
) -> Result<Option<Pending>, PageError> {
    let Some(id) = interaction_id else {
        return Ok(None);
    };
    match interaction::load_pending(&state.ctx, id, browser.id())
        .await
        .or_unavailable(lang)?
    {
        Some(p) => Ok(Some(p)),
        None => Err(PageError::expired(lang)),
    }
}

/// A form that passed its CSRF check, with the interaction it names (if any) and the
/// language to answer in.
pub struct FormStart {
    pub pending: Option<Pending>,
    pub lang: Lang,
}

/// What every form POST starts with: the CSRF check, then the pending interaction.
pub async fn start_form(
    state: &AppState,
    browser: &BrowserRequest,
    form: &Params,
) -> Result<FormStart, PageError> {
    let browser_lang = browser.lang(None);
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(browser_lang));
    }
    let pending = pending_for(state, form.get("interaction"), browser, browser_lang).await?;
    let lang = page_lang(browser, pending.as_ref());
    Ok(FormStart { pending, lang })
}

/// The name of the client an interaction is for, to show on its pages.
pub async fn client_name(ctx: &AuthContext, pending: Option<&Pending>) -> Option<String> {
    let p = pending?;
    ctx.stores
        .clients
        .get_client(&p.request.client_id)
        .await
        .ok()
        .flatten()
        .map(|c| c.name)
}

/// After a correct password (a login or a registration): on to the second step when the
/// person has one or must set one up (`accounts::two_step`), else signed in at once.
/// `jar` is the browser's cookies as sent.
pub async fn finish_login(
    state: &AppState,
    jar: CookieJar,
    lang: Lang,
    interaction_id: Option<&str>,
    pending: Option<Pending>,
    user: &User,
    continue_to: Option<String>,
) -> Result<Response, PageError> {
    let first = FirstFactor::Password;
    finish_first_step(
        state,
        jar,
        lang,
        (interaction_id, pending),
        user,
        continue_to,
        first,
    )
    .await
}

/// After the first step, however it was made (a password, or an upstream provider).
pub async fn finish_first_step(
    state: &AppState,
    jar: CookieJar,
    lang: Lang,
    (interaction_id, pending): (Option<&str>, Option<Pending>),
    user: &User,
    continue_to: Option<String>,
    first: FirstFactor,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let demanded = pending.as_ref().is_some_and(|p| p.request.require_mfa);
    let next = two_step::after_password(ctx, &user.user_id, demanded)
        .await
        .or_unavailable(lang)?;
    let then = Continuation {
        interaction_id: interaction_id.map(str::to_owned),
        pending,
        continue_to,
    };
    if next == AfterPassword::Done {
        return complete_login(state, jar, lang, user, first.alone(), then).await;
    }
    // The browser id came with the form (its CSRF token is bound to it).
    let Some(browser) = cookies::sent_browser_id(&jar) else {
        return Err(PageError::expired(lang));
    };
    let waiting = PendingSecondStep {
        user_id: user.user_id.clone(),
        browser: handles::digest(browser),
        interaction: then.interaction_id,
        continue_to: then.continue_to,
        enrol: next == AfterPassword::Enrol,
        done: false,
        first,
    };
    let id = second_step::save_new(ctx, &waiting)
        .await
        .or_unavailable(lang)?;
    Ok(redirect(&format!("/login/second-step?step={id}")))
}

/// Where a login goes once it is complete.
pub struct Continuation {
    pub interaction_id: Option<String>,
    pub pending: Option<Pending>,
    /// A local path, when there is no pending authorization.
    pub continue_to: Option<String>,
}

/// The login is complete (password, and a second step if any): rotate the session, then
/// continue the interaction (or go to `continue_to`, a local path, or home). The new
/// session cookie goes out with every answer from here on, error pages included.
pub async fn complete_login(
    state: &AppState,
    jar: CookieJar,
    lang: Lang,
    user: &User,
    amr: Vec<String>,
    then: Continuation,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let now = ctx.clock.now();
    let old = cookies::session_cookie_value(&jar);
    let (cookie, started) = session::start_session_with_amr(ctx, old.as_deref(), user, amr, now)
        .await
        .or_unavailable(lang)?;
    let jar = cookies::set_session(
        jar,
        cookie,
        state.secure_cookies,
        ctx.config.session.ttl_secs,
    );
    let (Some(id), Some(mut pending)) = (then.interaction_id, then.pending) else {
        let to = then.continue_to.unwrap_or_else(|| "/".to_owned());
        return Ok((jar, redirect(&to)).into_response());
    };
    pending.login_done = true;
    let session = (started, user.clone());
    let next = interaction::decide(ctx, &id, pending, Some(&session), now)
        .await
        .map(step_response)
        .or_unavailable(lang);
    Ok((jar, next).into_response())
}
