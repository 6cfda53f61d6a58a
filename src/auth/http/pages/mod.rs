//! Server-rendered pages for people: login, registration, consent, logout, errors.
//! Plain HTML forms, English and Korean, CSRF token on every form. The one script is
//! `/static/passkey.js`, on the pages that offer a passkey (`passkey_script.rs`).
//!
//! Page handlers take a [`BrowserRequest`] and return `Result<Response, PageError>`; the
//! [`page_edge`] middleware around them attaches a new browser cookie and renders errors.

pub mod account;
pub mod browser;
pub mod consent;
pub mod device;
pub mod error;
pub mod flow;
pub mod home;
pub mod i18n;
pub mod login;
pub mod register;
pub mod upstream;
mod upstream_i18n;
// Two-step login (issue 13, part `twostep`).
pub mod second_step;
// Passkeys (WebAuthn, issue 13).
mod passkey_i18n;
pub mod passkey_script;
pub mod passkey_sign_in;
pub mod second_step_passkey;
// issue 13, part mailaudit
pub mod account_email;
pub mod email_verify;
pub mod invitation;
pub mod mail_links;
pub mod password_reset;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use minijinja::{Environment, Value};

pub use browser::BrowserRequest;
use browser::NewBrowserCookie;
pub use error::{OrUnavailable, PageError};
use i18n::Lang;

use super::AppState;

/// Templates, compiled once.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn new() -> anyhow::Result<Pages> {
        let mut env = Environment::new();
        for (name, src) in [
            ("base.html", include_str!("templates/base.html")),
            ("login.html", include_str!("templates/login.html")),
            ("register.html", include_str!("templates/register.html")),
            ("consent.html", include_str!("templates/consent.html")),
            ("device.html", include_str!("templates/device.html")),
            (
                "device_confirm.html",
                include_str!("templates/device_confirm.html"),
            ),
            ("message.html", include_str!("templates/message.html")),
            // Two-step login (issue 13, part `twostep`).
            (
                "second_step.html",
                include_str!("templates/second_step.html"),
            ),
            (
                "account_two_step.html",
                include_str!("templates/account_two_step.html"),
            ),
            (
                "two_step_enrol.html",
                include_str!("templates/two_step_enrol.html"),
            ),
            (
                "two_step_codes.html",
                include_str!("templates/two_step_codes.html"),
            ),
            // Issue 13, part `account`.
            (
                "account_base.html",
                include_str!("templates/account_base.html"),
            ),
            (
                "account_overview.html",
                include_str!("templates/account_overview.html"),
            ),
            (
                "account_profile.html",
                include_str!("templates/account_profile.html"),
            ),
            (
                "account_password.html",
                include_str!("templates/account_password.html"),
            ),
            (
                "account_apps.html",
                include_str!("templates/account_apps.html"),
            ),
            (
                "account_sessions.html",
                include_str!("templates/account_sessions.html"),
            ),
            (
                "account_delete.html",
                include_str!("templates/account_delete.html"),
            ),
            // upstream: sign-in with another provider
            (
                "upstream_message.html",
                include_str!("templates/upstream_message.html"),
            ),
            (
                "account_providers.html",
                include_str!("templates/account_providers.html"),
            ),
            // issue 13, part mailaudit
            (
                "password_forgot.html",
                include_str!("templates/password_forgot.html"),
            ),
            (
                "password_reset.html",
                include_str!("templates/password_reset.html"),
            ),
            (
                "email_verify.html",
                include_str!("templates/email_verify.html"),
            ),
            (
                "account_email.html",
                include_str!("templates/account_email.html"),
            ),
        ] {
            env.add_template(name, src)?;
        }
        Ok(Pages { env })
    }

    /// Renders `name` with `ctx` (plus `lang` and `t`). HTML-escaping is on for .html.
    pub fn render(&self, status: StatusCode, name: &str, lang: Lang, ctx: Value) -> Response {
        let full = minijinja::context! { lang => lang.code(), t => i18n::table(lang), ..ctx };
        let html = match self.env.get_template(name).and_then(|t| t.render(full)) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, template = name, "template failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "page unavailable").into_response();
            }
        };
        let mut res = (status, Html(html)).into_response();
        page_headers(&mut res);
        res
    }

    /// A page with a title and a message ("signed out").
    pub fn message(
        &self,
        status: StatusCode,
        lang: Lang,
        title_key: &str,
        message: &str,
    ) -> Response {
        self.render(
            status,
            "message.html",
            lang,
            minijinja::context! {
                title => i18n::text(lang, title_key),
                message => message,
            },
        )
    }

    /// The one shape of every error page: a title, what went wrong, what to do next.
    pub fn error(&self, status: StatusCode, lang: Lang, message: &str, hint: &str) -> Response {
        self.render(
            status,
            "message.html",
            lang,
            minijinja::context! {
                title => i18n::text(lang, "error_title"),
                message => message,
                error => true,
                hint => hint,
            },
        )
    }
}

/// Pages are never cached, never framed (clickjacking) and leak no referrer.
fn page_headers(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
    );
}

/// A redirect (302). Cookies, if any, are added by the caller: `(jar, redirect(..))`.
pub fn redirect(location: &str) -> Response {
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

pub fn accept_language(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The middleware around every page route (and `/authorize`): renders a [`PageError`]
/// with the templates in `state`, and attaches the browser cookie a [`BrowserRequest`]
/// minted, to pages and errors alike. Cookies the handler set itself (the session) are
/// kept on a rendered error.
pub async fn page_edge(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let new_browser = NewBrowserCookie::default();
    req.extensions_mut().insert(new_browser.clone());
    let mut res = next.run(req).await;
    if let Some(error) = res.extensions_mut().remove::<PageError>() {
        let mut page = error.render(&state.pages);
        for cookie in res.headers().get_all(header::SET_COOKIE) {
            page.headers_mut()
                .append(header::SET_COOKIE, cookie.clone());
        }
        res = page;
    }
    match new_browser.get() {
        Some(cookie) => (CookieJar::new().add(cookie.clone()), res).into_response(),
        None => res,
    }
}
