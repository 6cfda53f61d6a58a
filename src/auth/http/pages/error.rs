//! The one error type of the pages: what went wrong, and in which language to say it.
//!
//! A `PageError` becomes HTML in one place, [`super::page_edge`], the middleware around
//! every page route. Why there and not in `IntoResponse`: the templates are compiled once
//! and live in `AppState` (no globals), and the errors are raised deep in helpers (pending
//! lookup, session rotation) and in extractor rejections, none of which should need a
//! handle on the templates. So `into_response` only sets the status and parks the error in
//! the response's extensions; the middleware renders it. If a route ever lacks the
//! middleware, the status is still right and the body is plain text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Pages;
use super::i18n::{self, Lang};
use crate::auth::oauth::authorize::UntrustedRequest;
use crate::auth::oauth::end_session::Rejection;

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
    /// An authorization request that cannot be trusted enough to redirect back.
    UntrustedAuthorization(UntrustedRequest),
    /// A logout request refused before anything happened.
    LogoutRefused(Rejection),
    /// `pages.allow_registration` is off.
    RegistrationClosed,
    /// No page at this address.
    NotFound,
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

    pub fn untrusted_authorization(lang: Lang, reason: UntrustedRequest) -> Self {
        Self::new(PageErrorKind::UntrustedAuthorization(reason), lang)
    }

    pub fn logout_refused(lang: Lang, reason: Rejection) -> Self {
        Self::new(PageErrorKind::LogoutRefused(reason), lang)
    }

    pub fn registration_closed(lang: Lang) -> Self {
        Self::new(PageErrorKind::RegistrationClosed, lang)
    }

    pub fn not_found(lang: Lang) -> Self {
        Self::new(PageErrorKind::NotFound, lang)
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
            PageErrorKind::Expired
            | PageErrorKind::UntrustedAuthorization(_)
            | PageErrorKind::LogoutRefused(_) => StatusCode::BAD_REQUEST,
            PageErrorKind::RegistrationClosed | PageErrorKind::NotFound => StatusCode::NOT_FOUND,
            PageErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// What went wrong and what to do next, as string-table keys. A refused request also
    /// names its reason (a third key), after the message.
    fn texts(&self) -> (&'static str, Option<&'static str>, &'static str) {
        match self.kind {
            PageErrorKind::Csrf => ("csrf", None, "hint_reload"),
            PageErrorKind::Expired => ("expired", None, "hint_restart"),
            PageErrorKind::UntrustedAuthorization(reason) => {
                ("error_request", Some(untrusted_key(reason)), "hint_back")
            }
            PageErrorKind::LogoutRefused(reason) => {
                ("error_logout", Some(logout_key(reason)), "hint_back")
            }
            PageErrorKind::RegistrationClosed => ("registration_closed", None, "hint_sign_in"),
            PageErrorKind::NotFound => ("not_found", None, "hint_home"),
            PageErrorKind::Unavailable => ("unavailable", None, "hint_wait"),
        }
    }

    /// The page for this error, with its status and headers (`Retry-After` when
    /// unavailable). Every error has the same shape: a title, the message (with the reason
    /// for a refused request) and what to do next, all in the page's language.
    pub fn render(&self, pages: &Pages) -> Response {
        let lang = self.lang;
        let (message, reason, hint) = self.texts();
        let message = match reason {
            Some(reason) => format!("{} {}", i18n::text(lang, message), i18n::text(lang, reason)),
            None => i18n::text(lang, message).to_owned(),
        };
        let mut res = pages.error(self.status(), lang, &message, i18n::text(lang, hint));
        if matches!(self.kind, PageErrorKind::Unavailable) {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

fn untrusted_key(reason: UntrustedRequest) -> &'static str {
    match reason {
        UntrustedRequest::ClientIdRepeated => "untrusted_client_id_repeated",
        UntrustedRequest::ClientIdMissing => "untrusted_client_id_missing",
        UntrustedRequest::UnknownClient => "untrusted_unknown_client",
        UntrustedRequest::RedirectUriRepeated => "untrusted_redirect_uri_repeated",
        UntrustedRequest::RedirectUriMissing => "untrusted_redirect_uri_missing",
        UntrustedRequest::UnregisteredRedirectUri => "untrusted_redirect_uri_unregistered",
        UntrustedRequest::RequestUriInvalid => "untrusted_request_uri_invalid",
        UntrustedRequest::RequestUriOtherClient => "untrusted_request_uri_other_client",
    }
}

fn logout_key(reason: Rejection) -> &'static str {
    match reason {
        Rejection::InvalidHint => "logout_invalid_hint",
        Rejection::ClientMismatch => "logout_client_mismatch",
        Rejection::UnregisteredReturnUri => "logout_return_uri_unregistered",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_worded_in_both_languages() {
        let untrusted = [
            UntrustedRequest::ClientIdRepeated,
            UntrustedRequest::ClientIdMissing,
            UntrustedRequest::UnknownClient,
            UntrustedRequest::RedirectUriRepeated,
            UntrustedRequest::RedirectUriMissing,
            UntrustedRequest::UnregisteredRedirectUri,
            UntrustedRequest::RequestUriInvalid,
            UntrustedRequest::RequestUriOtherClient,
        ];
        let logout = [
            Rejection::InvalidHint,
            Rejection::ClientMismatch,
            Rejection::UnregisteredReturnUri,
        ];
        for lang in [Lang::En, Lang::Ko] {
            let mut errors = vec![
                PageError::csrf(lang),
                PageError::expired(lang),
                PageError::registration_closed(lang),
                PageError::not_found(lang),
                PageError::unavailable(lang),
            ];
            errors.extend(untrusted.map(|r| PageError::untrusted_authorization(lang, r)));
            errors.extend(logout.map(|r| PageError::logout_refused(lang, r)));
            for error in errors {
                let (message, reason, hint) = error.texts();
                for key in [Some(message), reason, Some(hint)].into_iter().flatten() {
                    assert!(!i18n::text(lang, key).is_empty(), "{key} in {lang:?}");
                }
            }
        }
    }
}
