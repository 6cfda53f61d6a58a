//! `GET|POST /login`, and the shared glue that turns an interaction step into a response.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum_extra::extract::CookieJar;

use super::i18n::{self, Lang};
use super::{Pages, accept_language, redirect};
use crate::auth::accounts::users;
use crate::auth::context::AuthContext;
use crate::auth::http::AppState;
use crate::auth::http::cookies::{self, browser_id, csrf_ok, csrf_token};
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::oauth::interaction::{self, Pending, Step};
use crate::auth::oauth::session;

/// Where the browser goes after a step of the interaction.
pub fn step_response(jar: CookieJar, step: Step) -> Response {
    match step {
        Step::Login(id) => redirect(jar, &format!("/login?interaction={id}")),
        Step::Consent(id) => redirect(jar, &format!("/consent?interaction={id}")),
        Step::Redirect(url) => redirect(jar, &url),
    }
}

/// The language for a page: the pending request's `ui_locales`, then the browser's.
pub fn page_lang(ctx: &AuthContext, pending: Option<&Pending>, headers: &HeaderMap) -> Lang {
    Lang::choose(
        pending.and_then(|p| p.request.ui_locales.as_deref()),
        accept_language(headers),
        &ctx.config.pages.default_locale,
    )
}

/// Loads the interaction named by the form/query, if any. `Err` is the page to show when
/// it was named but is gone or belongs to another browser.
pub async fn pending_for(
    state: &AppState,
    interaction_id: Option<&str>,
    browser: &str,
    lang: Lang,
) -> Result<Option<Pending>, Response> {
    let Some(id) = interaction_id else {
        return Ok(None);
    };
    match interaction::load_pending(&state.ctx, id, browser).await {
        Ok(Some(p)) => Ok(Some(p)),
        Ok(None) => Err(state.pages.message(
            StatusCode::BAD_REQUEST,
            lang,
            "error_title",
            i18n::text(lang, "expired"),
            true,
        )),
        Err(_) => Err(state.pages.unavailable(lang)),
    }
}

/// What every form POST starts with: the browser id, the CSRF check, and the pending
/// interaction the form names (if any).
pub struct FormStart {
    pub browser: String,
    pub jar: CookieJar,
    pub pending: Option<Pending>,
    pub lang: Lang,
}

pub async fn start_form(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    form: &crate::auth::oauth::params::Params,
) -> Result<FormStart, Response> {
    let ctx = &state.ctx;
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let lang0 = page_lang(ctx, None, headers);
    if !csrf_ok(ctx.keys.cookie_secret(), &browser, form.get("csrf")) {
        let page = state.pages.csrf_error(lang0);
        return Err(super::with_cookies(jar, page));
    }
    let pending = match pending_for(state, form.get("interaction"), &browser, lang0).await {
        Ok(p) => p,
        Err(page) => return Err(super::with_cookies(jar, page)),
    };
    let lang = page_lang(ctx, pending.as_ref(), headers);
    Ok(FormStart {
        browser,
        jar,
        pending,
        lang,
    })
}

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

#[allow(clippy::too_many_arguments)]
async fn render_login(
    state: &AppState,
    pages: &Pages,
    lang: Lang,
    status: StatusCode,
    csrf: &str,
    interaction_id: Option<&str>,
    pending: Option<&Pending>,
    username: &str,
    error: Option<&str>,
) -> Response {
    pages.render(
        status,
        "login.html",
        lang,
        minijinja::context! {
            csrf => csrf,
            interaction => interaction_id.unwrap_or(""),
            client_name => client_name(&state.ctx, pending).await,
            username => username,
            error => error,
            allow_registration => state.ctx.config.pages.allow_registration,
        },
    )
}

pub async fn login_page(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(params): QueryOrForm,
) -> Response {
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let lang0 = page_lang(&state.ctx, None, &headers);
    let interaction_id = params.get("interaction");
    let pending = match pending_for(&state, interaction_id, &browser, lang0).await {
        Ok(p) => p,
        Err(page) => return super::with_cookies(jar, page),
    };
    let lang = page_lang(&state.ctx, pending.as_ref(), &headers);
    let csrf = csrf_token(state.ctx.keys.cookie_secret(), &browser);
    let hint = pending
        .as_ref()
        .and_then(|p| p.request.login_hint.clone())
        .unwrap_or_default();
    let page = render_login(
        &state,
        &state.pages,
        lang,
        StatusCode::OK,
        &csrf,
        interaction_id,
        pending.as_ref(),
        &hint,
        None,
    )
    .await;
    super::with_cookies(jar, page)
}

pub async fn login_submit(
    State(state): State<AppState>,
    crate::auth::http::extractors::ClientIp(ip): crate::auth::http::extractors::ClientIp,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(form): QueryOrForm,
) -> Response {
    let ctx = &state.ctx;
    let FormStart {
        browser,
        jar,
        pending,
        lang,
    } = match start_form(&state, jar, &headers, &form).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let interaction_id = form.get("interaction");
    let username = form.get("username").unwrap_or("").to_owned();
    let password = form.get("password").unwrap_or("").to_owned();
    let store = &*ctx.stores.ephemeral;
    let throttled = match ctx.throttle.check(store, "user", &username, ip).await {
        Ok(r) => r.err(),
        Err(_) => return super::with_cookies(jar, state.pages.unavailable(lang)),
    };
    if let Some(t) = throttled {
        let csrf = csrf_token(ctx.keys.cookie_secret(), &browser);
        let msg = i18n::text(lang, "throttled").replace("{s}", &t.retry_after_secs.to_string());
        let mut page = render_login(
            &state,
            &state.pages,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &csrf,
            interaction_id,
            pending.as_ref(),
            &username,
            Some(&msg),
        )
        .await;
        if let Ok(v) = axum::http::HeaderValue::from_str(&t.retry_after_secs.to_string()) {
            page.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        return super::with_cookies(jar, page);
    }
    let user =
        match users::authenticate(&*ctx.stores.users, &ctx.passwords, &username, password).await {
            Ok(Some(u)) => u,
            Ok(None) => {
                tracing::info!(%ip, "login failed");
                ctx.metrics.login_failures.inc();
                if ctx
                    .throttle
                    .failed(store, "user", &username, ip)
                    .await
                    .is_err()
                {
                    return super::with_cookies(jar, state.pages.unavailable(lang));
                }
                let csrf = csrf_token(ctx.keys.cookie_secret(), &browser);
                let page = render_login(
                    &state,
                    &state.pages,
                    lang,
                    StatusCode::UNAUTHORIZED,
                    &csrf,
                    interaction_id,
                    pending.as_ref(),
                    &username,
                    Some(i18n::text(lang, "login_failed")),
                )
                .await;
                return super::with_cookies(jar, page);
            }
            Err(e) => {
                tracing::error!(error = %e, "login failed with an internal error");
                return super::with_cookies(jar, state.pages.unavailable(lang));
            }
        };
    if ctx
        .throttle
        .succeeded(store, "user", &username, ip)
        .await
        .is_err()
    {
        return super::with_cookies(jar, state.pages.unavailable(lang));
    }
    finish_login(&state, jar, lang, interaction_id, pending, &user).await
}

/// After a successful login or registration: rotate the session, then continue the
/// interaction (or go home).
pub async fn finish_login(
    state: &AppState,
    jar: CookieJar,
    lang: Lang,
    interaction_id: Option<&str>,
    pending: Option<Pending>,
    user: &crate::auth::accounts::User,
) -> Response {
    let ctx = &state.ctx;
    let now = ctx.clock.now();
    let old = cookies::session_cookie_value(&jar);
    let cookie = match session::start_session(ctx, old.as_deref(), user, now).await {
        Ok(c) => c,
        Err(_) => return super::with_cookies(jar, state.pages.unavailable(lang)),
    };
    let jar = cookies::set_session(
        jar,
        cookie,
        state.secure_cookies,
        ctx.config.session.ttl_secs,
    );
    let (Some(id), Some(mut pending)) = (interaction_id, pending) else {
        return redirect(jar, "/");
    };
    pending.login_done = true;
    let session = (
        session::Session {
            user_id: user.user_id.clone(),
            auth_time: now,
            started_at_ms: ctx.clock.now_millis(),
        },
        user.clone(),
    );
    match interaction::decide(ctx, id, pending, Some(&session), now).await {
        Ok(step) => step_response(jar, step),
        Err(_) => super::with_cookies(jar, state.pages.unavailable(lang)),
    }
}
