//! `/account`: the pages where a person manages their own account (issue 13, part
//! `account`). One file per page; each handler checks the session with [`signed_in`],
//! calls one `self_service` function and renders its template inside the account layout
//! (`account_base.html`: the nav, light and dark). Plain forms, CSRF on every POST, no
//! JavaScript. Other parts add /account/two-step, /account/providers, /account/email.

pub mod activity;
pub mod apps;
pub mod delete;
pub mod overview;
pub mod password;
pub mod picture;
pub mod profile;
pub mod providers;
pub mod sessions;
pub mod strings;
// Two-step login (issue 13, part `twostep`).
pub mod two_step;
pub mod two_step_passkeys;

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::Value;

use super::i18n::Lang;
use super::{BrowserRequest, OrUnavailable, PageError, redirect};
use crate::auth::accounts::User;
use crate::auth::http::AppState;
use crate::auth::oauth::params::Params;
use crate::auth::oauth::session::{self, Session};

/// The account nav: path, string key, and whether the page is served only with
/// `[account] enabled` (e-mail, two-step and providers belong to other parts and stay), in
/// the order shown.
const NAV: &[(&str, &str, bool)] = &[
    ("/account", "account_nav_overview", true),
    ("/account/profile", "account_nav_profile", true),
    ("/account/password", "account_nav_password", true),
    ("/account/email", "account_nav_email", false),
    ("/account/two-step", "account_nav_two_step", false),
    ("/account/providers", "account_nav_providers", false),
    ("/account/apps", "account_nav_apps", true),
    ("/account/sessions", "account_nav_sessions", true),
    ("/account/delete", "account_nav_delete", true),
];

/// Account pages with a form that leads to another site (a provider's sign-in page).
const FORMS_GO_ELSEWHERE: &[&str] = &["/account/providers"];

/// A signed-in person on an account page.
pub struct Account {
    pub session: Session,
    pub user: User,
    /// The session cookie as sent (the session is stored under its digest).
    pub cookie: String,
    pub lang: Lang,
}

/// The signed-in person, or the answer for a browser without a session: to the login
/// page (after which `/` links back here).
pub async fn signed_in(
    state: &AppState,
    browser: &BrowserRequest,
) -> Result<Result<Account, Response>, PageError> {
    Ok(account_of(state, browser)
        .await?
        .ok_or_else(|| redirect("/login")))
}

/// The signed-in person, if the browser has a session (each page decides what a browser
/// without one sees).
pub async fn account_of(
    state: &AppState,
    browser: &BrowserRequest,
) -> Result<Option<Account>, PageError> {
    let lang = browser.lang(None);
    let cookie = browser.session_cookie().map(str::to_owned);
    let found = session::load_session(&state.ctx, cookie.as_deref())
        .await
        .or_unavailable(lang)?;
    Ok(match (found, cookie) {
        (Some((session, user)), Some(cookie)) => Some(Account {
            session,
            user,
            cookie,
            lang,
        }),
        _ => None,
    })
}

/// The POST form's CSRF check, for every account form.
pub fn check_csrf(browser: &BrowserRequest, form: &Params, lang: Lang) -> Result<(), PageError> {
    if browser.csrf_ok(form.get("csrf")) {
        Ok(())
    } else {
        tracing::warn!(target: "belf::audit", event = "csrf_refused", "account form without a valid CSRF token");
        Err(PageError::csrf(lang))
    }
}

/// What every account page shows around its own content.
pub struct Frame<'a> {
    pub account: &'a Account,
    /// The nav entry that is current.
    pub path: &'static str,
    /// A message next to the form: `(key, is_error)`.
    pub notice: Option<(&'a str, bool)>,
}

impl Frame<'_> {
    pub fn render(
        &self,
        state: &AppState,
        browser: &BrowserRequest,
        status: StatusCode,
        template: &str,
        page: Value,
    ) -> Response {
        let lang = self.account.lang;
        let all_pages = state.ctx.config.account.enabled;
        let nav: Vec<Value> = NAV
            .iter()
            .filter(|(_, _, account_part)| all_pages || !account_part)
            .map(|(path, key, _)| {
                minijinja::context! {
                    href => *path,
                    label => super::i18n::text(lang, key),
                    current => *path == self.path,
                }
            })
            .collect();
        let (notice, notice_is_error) = match self.notice {
            Some((key, is_error)) => (Some(super::i18n::text(lang, key)), is_error),
            None => (None, false),
        };
        let user = &self.account.user;
        let mut res = state.pages.render(
            status,
            template,
            lang,
            minijinja::context! {
                nav => nav,
                csrf => browser.csrf_token(),
                username => user.username.clone(),
                display_name => user.name.clone(),
                notice => notice,
                notice_is_error => notice_is_error,
                ..page
            },
        );
        // The pages' policy, plus the profile picture (served from here). Forms post here
        // only — except on the providers page, whose Connect form is answered with a
        // redirect to the provider, which `form-action 'self'` would stop in the browser.
        let policy = if FORMS_GO_ELSEWHERE.contains(&self.path) {
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
             frame-ancestors 'none'; base-uri 'none'"
        } else {
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        };
        res.headers_mut().insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(policy),
        );
        res
    }
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM UTC`, for lists.
pub fn when(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}
