//! Server-rendered pages for people: login, registration, consent, logout, errors.
//! Plain HTML forms (no JavaScript), English and Korean, CSRF token on every form.

pub mod consent;
pub mod i18n;
pub mod login;
pub mod register;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use minijinja::{Environment, Value};

use i18n::Lang;

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
            ("message.html", include_str!("templates/message.html")),
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

    /// A page with a title and a message (errors, "signed out", home).
    pub fn message(
        &self,
        status: StatusCode,
        lang: Lang,
        title_key: &str,
        message: &str,
        error: bool,
    ) -> Response {
        self.render(
            status,
            "message.html",
            lang,
            minijinja::context! {
                title => i18n::text(lang, title_key),
                message => message,
                error => error,
            },
        )
    }

    /// A form without a valid CSRF token (forged, or from a stale page).
    pub fn csrf_error(&self, lang: Lang) -> Response {
        self.message(
            StatusCode::FORBIDDEN,
            lang,
            "error_title",
            i18n::text(lang, "csrf"),
            true,
        )
    }

    /// The page for a request that cannot be trusted enough to redirect.
    pub fn request_error(&self, lang: Lang, reason: &str) -> Response {
        self.render(
            StatusCode::BAD_REQUEST,
            "message.html",
            lang,
            minijinja::context! {
                title => i18n::text(lang, "error_title"),
                message => i18n::text(lang, "error_request"),
                detail => format!("{reason}. {}", i18n::text(lang, "error_back")),
                error => true,
            },
        )
    }

    pub fn unavailable(&self, lang: Lang) -> Response {
        let mut res = self.message(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            "error_title",
            i18n::text(lang, "unavailable"),
            true,
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        res
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

/// A redirect (302) that also sets cookies.
pub fn redirect(jar: CookieJar, location: &str) -> Response {
    let mut res = (jar, StatusCode::FOUND).into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Adds the cookies in `jar` to an already-built response.
pub fn with_cookies(jar: CookieJar, res: Response) -> Response {
    (jar, res).into_response()
}

pub fn accept_language(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}
