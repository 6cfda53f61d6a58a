//! The one error type of the pages: what went wrong, and in which language to say it.
//!
//! A `PageError` becomes HTML in one place, [`super::page_edge`], the middleware around
//! every page route. Why there and not in `IntoResponse`: the templates are compiled once
//! and live in `AppState` (no globals), and the errors are raised deep in helpers (pending
//! lookup, session rotation) and in extractor rejections, none of which should need a
//! handle on the templates. So `into_response` only sets the status and parks the error in
//! the response's extensions; the middleware renders it. If a route ever lacks the
//! middleware, the status is still right and the body is plain text.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Pages;
use super::i18n::{self, Lang};

#[derive(Debug, Clone)]
pub struct PageError {
    kind: PageErrorKind,
    lang: Lang,
}

#[derive(Debug, Clone)]
enum PageErrorKind {
    /// A form without a valid CSRF token (forged, or from a stale page).
    Csrf,
    /// The interaction a page names is gone, or belongs to another browser.
    Expired,
    /// A request that cannot be trusted enough to redirect back; the reason is shown.
    BadRequest(Cow<'static, str>),
    /// `pages.allow_registration` is off.
    RegistrationClosed,
    /// Storage failed: try again shortly.
    Unavailable,
}

impl PageError {
    pub fn csrf(lang: Lang) -> Self {
        Self::new(PageErrorKind::Csrf, lang)
    }

    pub fn expired(lang: Lang) -> Self {
        Self::new(PageErrorKind::Expired, lang)
    }

    pub fn bad_request(lang: Lang, reason: impl Into<Cow<'static, str>>) -> Self {
        Self::new(PageErrorKind::BadRequest(reason.into()), lang)
    }

    pub fn registration_closed(lang: Lang) -> Self {
        Self::new(PageErrorKind::RegistrationClosed, lang)
    }

    pub fn unavailable(lang: Lang) -> Self {
        Self::new(PageErrorKind::Unavailable, lang)
    }

    fn new(kind: PageErrorKind, lang: Lang) -> Self {
        PageError { kind, lang }
    }

    fn status(&self) -> StatusCode {
        match self.kind {
            PageErrorKind::Csrf => StatusCode::FORBIDDEN,
            PageErrorKind::Expired | PageErrorKind::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageErrorKind::RegistrationClosed => StatusCode::NOT_FOUND,
            PageErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The page for this error, with its status and headers (`Retry-After` when
    /// unavailable).
    pub fn render(&self, pages: &Pages) -> Response {
        let lang = self.lang;
        let status = self.status();
        let message_key = match &self.kind {
            PageErrorKind::BadRequest(reason) => {
                return pages.render(
                    status,
                    "message.html",
                    lang,
                    minijinja::context! {
                        title => i18n::text(lang, "error_title"),
                        message => i18n::text(lang, "error_request"),
                        detail => format!("{reason}. {}", i18n::text(lang, "error_back")),
                        error => true,
                    },
                );
            }
            PageErrorKind::Csrf => "csrf",
            PageErrorKind::Expired => "expired",
            PageErrorKind::RegistrationClosed => "registration_closed",
            PageErrorKind::Unavailable => "unavailable",
        };
        let mut res = pages.message(
            status,
            lang,
            "error_title",
            i18n::text(lang, message_key),
            true,
        );
        if matches!(self.kind, PageErrorKind::Unavailable) {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = (self.status(), "page error").into_response();
        res.extensions_mut().insert(self);
        res
    }
}

/// `.or_unavailable(lang)?`: a storage failure becomes the "try again" page, its cause
/// logged (never shown).
pub trait OrUnavailable<T> {
    fn or_unavailable(self, lang: Lang) -> Result<T, PageError>;
}

impl<T, E: std::fmt::Display> OrUnavailable<T> for Result<T, E> {
    fn or_unavailable(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| {
            tracing::error!(error = %e, "page unavailable");
            PageError::unavailable(lang)
        })
    }
}
