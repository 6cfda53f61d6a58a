//! `GET|POST /register`: people create their own accounts (if `pages.allow_registration`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum_extra::extract::CookieJar;

use super::i18n::{self, Lang};
use super::login::{finish_login, page_lang, pending_for};
use crate::auth::accounts::users::{self, NewUser, UserError};
use crate::auth::http::AppState;
use crate::auth::http::cookies::{browser_id, csrf_token};
use crate::auth::http::extractors::QueryOrForm;
use crate::auth::oauth::params::Params;

fn closed(state: &AppState, lang: Lang) -> Option<Response> {
    (!state.ctx.config.pages.allow_registration).then(|| {
        state.pages.message(
            StatusCode::NOT_FOUND,
            lang,
            "error_title",
            i18n::text(lang, "registration_closed"),
            true,
        )
    })
}

fn render(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    csrf: &str,
    form: &Params,
    error: Option<String>,
) -> Response {
    state.pages.render(
        status,
        "register.html",
        lang,
        minijinja::context! {
            csrf => csrf,
            interaction => form.get("interaction").unwrap_or(""),
            username => form.get("username").unwrap_or(""),
            email => form.get("email").unwrap_or(""),
            name => form.get("name").unwrap_or(""),
            error => error,
        },
    )
}

pub async fn register_page(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(params): QueryOrForm,
) -> Response {
    let (browser, jar) = browser_id(jar, state.secure_cookies);
    let lang0 = page_lang(&state.ctx, None, &headers);
    if let Some(page) = closed(&state, lang0) {
        return page;
    }
    let pending = match pending_for(&state, params.get("interaction"), &browser, lang0).await {
        Ok(p) => p,
        Err(page) => return super::with_cookies(jar, page),
    };
    let lang = page_lang(&state.ctx, pending.as_ref(), &headers);
    let csrf = csrf_token(state.ctx.keys.cookie_secret(), &browser);
    let page = render(&state, lang, StatusCode::OK, &csrf, &params, None);
    super::with_cookies(jar, page)
}

pub async fn register_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    QueryOrForm(form): QueryOrForm,
) -> Response {
    let ctx = &state.ctx;
    if let Some(page) = closed(&state, page_lang(ctx, None, &headers)) {
        return page;
    }
    let super::login::FormStart {
        browser,
        jar,
        pending,
        lang,
    } = match super::login::start_form(&state, jar, &headers, &form).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let interaction_id = form.get("interaction");
    let new = NewUser {
        username: form.get("username").unwrap_or("").to_owned(),
        email: form.get("email").unwrap_or("").to_owned(),
        name: form.get("name").map(str::to_owned),
        password: form.get("password").unwrap_or("").to_owned(),
    };
    let csrf = csrf_token(ctx.keys.cookie_secret(), &browser);
    match users::create_user(&*ctx.stores.users, &ctx.passwords, new, ctx.clock.now()).await {
        Ok(user) => finish_login(&state, jar, lang, interaction_id, pending, &user).await,
        Err(e @ UserError::Invalid { .. }) => {
            let page = render(
                &state,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &csrf,
                &form,
                Some(e.to_string()),
            );
            super::with_cookies(jar, page)
        }
        Err(UserError::Taken) => {
            let msg = i18n::text(lang, "taken").to_owned();
            let page = render(&state, lang, StatusCode::CONFLICT, &csrf, &form, Some(msg));
            super::with_cookies(jar, page)
        }
        Err(e) => {
            tracing::error!(error = %e, "registration failed");
            super::with_cookies(jar, state.pages.unavailable(lang))
        }
    }
}
