//! What every page handler starts from: the browser (its id cookie, its cookies as sent),
//! its language, and its CSRF token.
//!
//! A browser seen for the first time gets an id here; the cookie that hands it over is
//! attached by [`super::page_edge`] to whatever the handler answers, page or error, so no
//! handler has to remember it. Only requests that extract a `BrowserRequest` set the
//! cookie: a refused `/authorize` request or a closed registration page never binds a
//! browser.

use std::sync::{Arc, OnceLock};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;

use super::error::PageError;
use super::i18n::Lang;
use crate::auth::http::AppState;
use crate::auth::http::cookies;
use crate::auth::tokens::keys::KeyRing;

pub struct BrowserRequest {
    id: String,
    /// The cookies as sent. The new browser cookie, if any, is not in here (it reaches the
    /// response through [`NewBrowserCookie`]): a handler that returns this jar with a
    /// session change cannot set it twice.
    pub jar: CookieJar,
    /// From `Accept-Language`, else the configured default.
    browser_lang: Lang,
    keys: Arc<KeyRing>,
}

impl BrowserRequest {
    /// This browser's id (random, from its `belf_browser` cookie).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The language for a page: `ui_locales` (from the client's request) first, then the
    /// browser's.
    pub fn lang(&self, ui_locales: Option<&str>) -> Lang {
        Lang::choose(ui_locales, None, self.browser_lang.code())
    }

    /// The token every form of this browser carries.
    pub fn csrf_token(&self) -> String {
        cookies::csrf_token(self.keys.cookie_secret(), &self.id)
    }

    /// Whether a submitted form carries this browser's CSRF token (constant time).
    pub fn csrf_ok(&self, submitted: Option<&str>) -> bool {
        cookies::csrf_ok(self.keys.cookie_secret(), &self.id, submitted)
    }

    /// The login session cookie's value, if the browser sent one.
    pub fn session_cookie(&self) -> Option<&str> {
        self.jar.get(cookies::SESSION_COOKIE).map(|c| c.value())
    }
}

impl FromRequestParts<AppState> for BrowserRequest {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let Ok(jar) = CookieJar::from_request_parts(parts, state).await;
        let browser_lang = Lang::choose(
            None,
            super::accept_language(&parts.headers),
            &state.ctx.config.pages.default_locale,
        );
        let id = match cookies::sent_browser_id(&jar) {
            Some(id) => id.to_owned(),
            None => {
                let Some(slot) = parts.extensions.get::<NewBrowserCookie>() else {
                    tracing::error!("a page route without the page_edge middleware");
                    return Err(PageError::unavailable(browser_lang));
                };
                slot.get_or_mint(state.secure_cookies).value().to_owned()
            }
        };
        Ok(BrowserRequest {
            id,
            jar,
            browser_lang,
            keys: state.ctx.keys.clone(),
        })
    }
}

/// Where the extractor leaves a newly minted browser cookie for [`super::page_edge`] to
/// attach. Shared (an `Arc`) because the middleware hands the request on and keeps only
/// its own copy.
#[derive(Clone, Default)]
pub(super) struct NewBrowserCookie(Arc<OnceLock<Cookie<'static>>>);

impl NewBrowserCookie {
    /// The cookie minted for this request, minting it on first use (so extracting twice
    /// still gives one id).
    fn get_or_mint(&self, secure: bool) -> &Cookie<'static> {
        self.0.get_or_init(|| cookies::new_browser_cookie(secure))
    }

    pub(super) fn get(&self) -> Option<&Cookie<'static>> {
        self.0.get()
    }
}
