//! `GET|POST /consent`: the person grants (or refuses) the requested scopes to a client.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum_extra::extract::CookieJar;

use super::i18n::{self, Lang};
use super::login::{client_name, page_lang, pending_for, step_response};
use crate::auth::http::AppState;
use crate::auth::http::cookies::{self, browser_id, csrf_ok, csrf_token};
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::oauth::{interaction, session};

fn describe(lang: Lang, scope: &str) -> String {
    let key = format!("scope_{scope}");
    match i18n::text(lang, &key) {
        "" => format!("{} {scope}", i18n::text(lang, "scope_other")),
        text => text.to_owned(),
    }
}

pub async fn consent_page(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(params): QueryOrForm,
) -> Response {
    handle(state, jar, headers, params, false).await
}

pub async fn consent_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(form): QueryOrForm,
) -> Response {
    handle(state, jar, headers, form, true).await
}

async fn handle(
    state: AppState,
    jar: CookieJar,
    headers: HeaderMap,
    params: crate::auth::oauth::params::Params,
    submit: bool,
) -> Response {
    let ctx = &state.ctx;
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let lang0 = page_lang(ctx, None, &headers);
    if submit && !csrf_ok(ctx.keys.cookie_secret(), &browser, params.get("csrf")) {
        let page = state.pages.csrf_error(lang0);
        return super::with_cookies(jar, page);
    }
    let Some(id) = params.get("interaction") else {
        let page = state.pages.message(
            StatusCode::BAD_REQUEST,
            lang0,
            "error_title",
            i18n::text(lang0, "expired"),
            true,
        );
        return super::with_cookies(jar, page);
    };
    let pending = match pending_for(&state, Some(id), &browser, lang0).await {
        Ok(Some(p)) => p,
        Ok(None) => return super::with_cookies(jar, state.pages.unavailable(lang0)),
        Err(page) => return super::with_cookies(jar, page),
    };
    let lang = page_lang(ctx, Some(&pending), &headers);
    let session =
        match session::load_session(ctx, cookies::session_cookie_value(&jar).as_deref()).await {
            Ok(Some(s)) => s,
            // Logged out in between: back to the login step.
            Ok(None) => return step_response(jar, interaction::Step::Login(id.to_owned())),
            Err(_) => return super::with_cookies(jar, state.pages.unavailable(lang)),
        };
    if submit {
        let allow = params.get("decision") == Some("allow");
        return match interaction::answer_consent(ctx, id, pending, &session, allow, ctx.clock.now())
            .await
        {
            Ok(step) => step_response(jar, step),
            Err(_) => super::with_cookies(jar, state.pages.unavailable(lang)),
        };
    }
    // Claims requested one by one show up as the scopes that cover them.
    let scopes: Vec<String> = pending
        .request
        .consent_scopes()
        .iter()
        .map(|s| describe(lang, s))
        .collect();
    let page = state.pages.render(
        StatusCode::OK,
        "consent.html",
        lang,
        minijinja::context! {
            csrf => csrf_token(ctx.keys.cookie_secret(), &browser),
            interaction => id,
            client_name => client_name(ctx, Some(&pending)).await,
            scopes => scopes,
            username => session.1.username.clone(),
        },
    );
    super::with_cookies(jar, page)
}
