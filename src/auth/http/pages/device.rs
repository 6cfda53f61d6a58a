//! `/device` and `/device/confirm`: where a person answers a device authorization
//! (RFC 8628 §3.3). Type the code → sign in (the login page, which comes back here) →
//! see the client and its scopes → confirm or deny. Plain forms, CSRF on each, no script.
//!
//! Wrong codes count as failures of the source IP in the same throttle as failed client
//! authentication: past the free allowance each further try waits longer (429).

use std::net::IpAddr;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::consent::describe;
use super::i18n::{self, Lang};
use super::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::http::AppState;
use crate::auth::http::extractors::{ClientIp, QueryOrForm};
use crate::auth::oauth::device::{self, Decision, Found};
use crate::auth::oauth::session;

/// Where the confirmation `id` is shown (the login page continues there).
pub fn confirm_path(id: &str) -> String {
    format!("/device/confirm?interaction={id}")
}

fn code_form(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    status: StatusCode,
    user_code: &str,
    error: Option<&str>,
) -> Response {
    state.pages.render(
        status,
        "device.html",
        lang,
        minijinja::context! {
            csrf => browser.csrf_token(),
            user_code => user_code,
            error => error,
        },
    )
}

/// `GET /device` (`?user_code=` from `verification_uri_complete` fills the form in).
pub async fn device_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    let lang = browser.lang(None);
    let typed = params
        .get("user_code")
        .and_then(device::normalise_user_code)
        .map(|c| device::display_user_code(&c))
        .unwrap_or_default();
    Ok(code_form(
        &state,
        &browser,
        lang,
        StatusCode::OK,
        &typed,
        None,
    ))
}

/// `POST /device`: the typed code.
pub async fn device_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let lang = browser.lang(None);
    if !browser.csrf_ok(form.get("csrf")) {
        return Err(PageError::csrf(lang));
    }
    let typed: String = form
        .get("user_code")
        .unwrap_or("")
        .chars()
        .take(20)
        .collect();
    let store = &*ctx.stores.ephemeral;
    if let Err(t) = ctx
        .throttle
        .check_client(store, ip)
        .await
        .or_unavailable(lang)?
    {
        tracing::warn!(%ip, retry_after_secs = t.retry_after_secs, "device code entry throttled");
        return Ok(throttled(
            &state,
            &browser,
            lang,
            &typed,
            t.retry_after_secs,
        ));
    }
    let now = ctx.clock.now();
    let Some(found) = device::find(ctx, &typed, now).await.or_unavailable(lang)? else {
        code_failed(&state, ip, lang).await?;
        let msg = i18n::text(lang, "device_code_invalid");
        return Ok(code_form(
            &state,
            &browser,
            lang,
            StatusCode::BAD_REQUEST,
            &typed,
            Some(msg),
        ));
    };
    let id = device::begin_confirmation(ctx, &found, browser.id())
        .await
        .or_unavailable(lang)?;
    tracing::info!(%ip, client_id = %found.record.client_id, "device user code accepted");
    Ok(redirect(&confirm_path(&id)))
}

async fn code_failed(state: &AppState, ip: IpAddr, lang: Lang) -> Result<(), PageError> {
    let ctx = &state.ctx;
    tracing::info!(%ip, "device user code refused");
    if let Some(t) = ctx
        .throttle
        .client_failed(&*ctx.stores.ephemeral, ip)
        .await
        .or_unavailable(lang)?
    {
        tracing::warn!(%ip, retry_after_secs = t.retry_after_secs,
            "source throttled after wrong device codes");
    }
    Ok(())
}

fn throttled(
    state: &AppState,
    browser: &BrowserRequest,
    lang: Lang,
    typed: &str,
    wait: u64,
) -> Response {
    let wait = wait.to_string();
    let msg = i18n::text(lang, "throttled").replace("{s}", &wait);
    let mut res = code_form(
        state,
        browser,
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        typed,
        Some(&msg),
    );
    if let Ok(v) = HeaderValue::from_str(&wait) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// The confirmation a page names, or the page that says it is gone.
async fn confirmation(
    state: &AppState,
    browser: &BrowserRequest,
    id: Option<&str>,
    lang: Lang,
) -> Result<Result<(String, Found), Response>, PageError> {
    let ctx = &state.ctx;
    let gone = || {
        state.pages.error(
            StatusCode::BAD_REQUEST,
            lang,
            i18n::text(lang, "device_gone"),
            i18n::text(lang, "hint_restart"),
        )
    };
    let Some(id) = id else {
        return Ok(Err(gone()));
    };
    match device::load_confirmation(ctx, id, browser.id(), ctx.clock.now())
        .await
        .or_unavailable(lang)?
    {
        Some(found) => Ok(Ok((id.to_owned(), found))),
        None => Ok(Err(gone())),
    }
}

/// `GET /device/confirm?interaction=…`: who asks for what; signs the person in first.
pub async fn confirm_page(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(params): QueryOrForm,
) -> Result<Response, PageError> {
    handle(state, browser, params, false).await
}

/// `POST /device/confirm`: the answer.
pub async fn confirm_submit(
    State(state): State<AppState>,
    browser: BrowserRequest,
    QueryOrForm(form): QueryOrForm,
) -> Result<Response, PageError> {
    handle(state, browser, form, true).await
}

async fn handle(
    state: AppState,
    browser: BrowserRequest,
    params: crate::auth::oauth::params::Params,
    submit: bool,
) -> Result<Response, PageError> {
    let ctx = &state.ctx;
    let lang = browser.lang(None);
    if submit && !browser.csrf_ok(params.get("csrf")) {
        return Err(PageError::csrf(lang));
    }
    let (id, found) = match confirmation(&state, &browser, params.get("interaction"), lang).await? {
        Ok(ok) => ok,
        Err(gone) => return Ok(gone),
    };
    let session = session::load_session(ctx, browser.session_cookie())
        .await
        .or_unavailable(lang)?;
    let Some((session, user)) = session else {
        return Ok(redirect(&format!("/login?device={id}")));
    };
    let client = ctx
        .stores
        .clients
        .get_client(&found.record.client_id)
        .await
        .or_unavailable(lang)?;
    let Some(client) = client else {
        // Removed meanwhile: nothing left to connect.
        return Ok(state.pages.error(
            StatusCode::BAD_REQUEST,
            lang,
            i18n::text(lang, "device_gone"),
            i18n::text(lang, "hint_restart"),
        ));
    };
    if submit {
        let allow = params.get("decision") == Some("allow");
        let decision = if allow {
            Decision::Approved {
                user_id: user.user_id.clone(),
                auth_time: session.auth_time,
                amr: session.amr.clone(),
            }
        } else {
            Decision::Denied
        };
        let answered = device::answer(ctx, &found, &decision, ctx.clock.now())
            .await
            .or_unavailable(lang)?;
        device::end_confirmation(ctx, &id)
            .await
            .or_unavailable(lang)?;
        let scopes = found.record.scopes.to_string();
        let (client_id, sub) = (&client.client_id, &user.user_id);
        if !answered {
            return Ok(state.pages.error(
                StatusCode::BAD_REQUEST,
                lang,
                i18n::text(lang, "device_gone"),
                i18n::text(lang, "hint_restart"),
            ));
        }
        let (title, message) = if allow {
            tracing::info!(%client_id, %sub, %scopes, "device authorization approved");
            ("device_approved_title", "device_approved")
        } else {
            tracing::info!(%client_id, %sub, %scopes, "device authorization denied");
            ("device_denied_title", "device_denied")
        };
        return Ok(state
            .pages
            .message(StatusCode::OK, lang, title, i18n::text(lang, message)));
    }
    let scopes: Vec<String> = found
        .record
        .scopes
        .iter()
        .map(|s| describe(&ctx.config, lang, s))
        .collect();
    Ok(state.pages.render(
        StatusCode::OK,
        "device_confirm.html",
        lang,
        minijinja::context! {
            csrf => browser.csrf_token(),
            interaction => id,
            client_name => client.name,
            user_code => device::display_user_code(&found.record.user_code),
            scopes => scopes,
            username => user.username.clone(),
        },
    ))
}
