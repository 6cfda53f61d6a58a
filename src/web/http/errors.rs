//! The one error type of the web app's pages, and the middleware that renders it.
//!
//! A handler returns `Err(WebError)`; the error travels in the response's extensions to
//! [`edge`], which knows the request (its language, its path for "try again" and "come
//! back after signing in") and renders the page. Nothing here ever answers 500: an
//! unreachable identity server, todo service or session store is a 503 page with a
//! retry link.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::i18n::{self, Lang};
use crate::web::api::ApiError;
use crate::web::return_to;
use crate::web::rp::RpError;
use crate::web::session::SessionStoreError;

/// Which part is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    Identity,
    Todo,
    Sessions,
}

#[derive(Debug, Clone)]
pub enum WebError {
    /// No session, or it has ended: sign in and come back here.
    SignIn,
    Unavailable(Outage),
    NotFound,
    BadRequest,
    /// The form's CSRF token is missing or wrong.
    Csrf,
    /// A refusal by the todo API that no form shows in place.
    Api {
        status: u16,
        message: String,
    },
    /// The sign-in did not complete (state mismatch, invalid ID token, spent code).
    LoginFailed,
    /// The person (or the identity server) refused at the consent or login step.
    LoginDenied,
    /// An upload larger than `web.max_photo_bytes`.
    PhotoTooLarge,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        res.extensions_mut().insert(self);
        res
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "todo service unavailable");
                WebError::Unavailable(Outage::Todo)
            }
            ApiError::Unauthorized => WebError::SignIn,
            ApiError::Api {
                status: 404 | 403, ..
            } => WebError::NotFound,
            ApiError::Api {
                status, message, ..
            } => WebError::Api { status, message },
        }
    }
}

impl From<RpError> for WebError {
    fn from(e: RpError) -> Self {
        match e {
            RpError::Unavailable(cause) => {
                tracing::warn!(%cause, "identity server unavailable");
                WebError::Unavailable(Outage::Identity)
            }
            RpError::Refused(reason) => {
                tracing::info!(%reason, "identity server refused the grant; signing in again");
                WebError::SignIn
            }
            RpError::Invalid(reason) => {
                tracing::warn!(%reason, "sign-in refused: invalid answer from the identity server");
                WebError::LoginFailed
            }
        }
    }
}

impl From<SessionStoreError> for WebError {
    fn from(e: SessionStoreError) -> Self {
        tracing::warn!(error = %e, "session store unavailable");
        WebError::Unavailable(Outage::Sessions)
    }
}

/// Where "try again" and "come back after signing in" lead: this page for a GET, the page
/// the form was on (its same-site `Referer`) for a POST, else the start page.
fn come_back_to(method: &Method, path_and_query: &str, headers: &HeaderMap) -> String {
    if method == Method::GET {
        return return_to::or_home(Some(path_and_query));
    }
    let referer = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok());
    let path = referer.map(|u| match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    });
    return_to::or_home(path.as_deref())
}

pub fn lang_of(headers: &HeaderMap, default: &str) -> Lang {
    Lang::choose(
        None,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        default,
    )
}

/// Renders a [`WebError`] a handler returned, as a page in the visitor's language.
pub async fn edge(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let headers = req.headers().clone();
    let mut res = next.run(req).await;
    let Some(error) = res.extensions_mut().remove::<WebError>() else {
        return res;
    };
    let lang = lang_of(&headers, &state.settings.default_locale);
    let back = come_back_to(&method, &path, &headers);
    let mut page = render(&state, lang, &error, &back);
    // Cookies the handler set (a cleared session) stay on the error page.
    for cookie in res.headers().get_all(header::SET_COOKIE) {
        page.headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    page
}

fn render(state: &AppState, lang: Lang, error: &WebError, back: &str) -> Response {
    let t = |k| i18n::text(lang, k);
    let (status, title, message, hint, retry) = match error {
        WebError::SignIn => {
            let target = format!(
                "/login?{}",
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("return_to", back)
                    .finish()
            );
            return super::auth::see_other(&target);
        }
        WebError::Unavailable(which) => {
            let message = match which {
                Outage::Identity => t("outage_identity"),
                Outage::Todo => t("outage_todo"),
                Outage::Sessions => t("outage_sessions"),
            };
            (
                StatusCode::SERVICE_UNAVAILABLE,
                t("outage_title"),
                message.to_owned(),
                t("outage_hint"),
                Some(back),
            )
        }
        WebError::NotFound => (
            StatusCode::NOT_FOUND,
            t("error_title"),
            t("not_found").to_owned(),
            t("go_home"),
            None,
        ),
        WebError::BadRequest => (
            StatusCode::BAD_REQUEST,
            t("error_title"),
            t("bad_request").to_owned(),
            t("go_home"),
            None,
        ),
        WebError::Csrf => (
            StatusCode::FORBIDDEN,
            t("error_title"),
            t("csrf_failed").to_owned(),
            t("csrf_hint"),
            None,
        ),
        WebError::Api { status, message } => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
            t("error_title"),
            message.clone(),
            t("csrf_hint"),
            None,
        ),
        WebError::LoginFailed => (
            StatusCode::BAD_REQUEST,
            t("error_title"),
            t("login_failed").to_owned(),
            "",
            Some("/login"),
        ),
        WebError::LoginDenied => (
            StatusCode::FORBIDDEN,
            t("error_title"),
            t("login_denied").to_owned(),
            "",
            Some("/login"),
        ),
        WebError::PhotoTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            t("error_title"),
            t("photo_too_large").to_owned(),
            t("csrf_hint"),
            None,
        ),
    };
    let mut res = state.pages.render(
        status,
        "message.html",
        lang,
        minijinja::context! { title, message, hint, retry, error => true },
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(
            header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("5"),
        );
    }
    res
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_an_error_page_uses_exists() {
        let source = include_str!("errors.rs");
        let keys: Vec<&str> = source
            .split("t(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .collect();
        assert!(keys.len() > 10, "{keys:?}");
        for key in keys {
            for lang in [Lang::En, Lang::Ko] {
                assert!(
                    !i18n::text(lang, key).is_empty(),
                    "{key} missing in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn come_back_is_this_page_or_the_form_s_page_and_never_another_site() {
        let mut h = HeaderMap::new();
        assert_eq!(
            come_back_to(&Method::GET, "/today?date=2026-01-01", &h),
            "/today?date=2026-01-01"
        );
        assert_eq!(come_back_to(&Method::POST, "/today/done", &h), "/");
        h.insert(
            header::REFERER,
            "http://127.0.0.1:8082/courses/x?a=1".parse().unwrap(),
        );
        assert_eq!(come_back_to(&Method::POST, "/x", &h), "/courses/x?a=1");
        assert_eq!(come_back_to(&Method::GET, "//evil.example", &h), "/");
    }
}
