//! The identity server's own pages in headless Chromium (issue 13: "tested through the
//! real pages, and in headless Chromium for the pages people see"): sign-in with another
//! provider (a second Belf as the upstream) and linking one on /account/providers, an
//! authenticator app enrolled on /account/two-step and then asked for at
//! /login/second-step, every account page's form, and the login and second-step forms
//! with the keyboard alone.
//!
//! Each test runs once on a laptop in English and once on a phone in Korean (the
//! `Accept-Language` the tab sends), and reads what it expects from the pages' own string
//! catalogue ([`t`]), so a changed wording fails here only if the page stops showing it.
//! Every tab must end with a console free of errors: the pages run under a strict
//! Content-Security-Policy that the browser enforces, so a violation shows up as one.
//! Screenshots go to `target/screenshots/account/`; `docs/screenshots/` keeps a few.
//!
//! Shared launcher and tab: `crate::support::chromium` (skipped with a notice without
//! Chromium, failing under CI).

mod keyboard;
mod pages;
mod passkeys;
mod two_step;
mod upstream;

use belf::auth::http::pages::i18n::{self, Lang};

use crate::support::PASSWORD;
use crate::support::chromium::{Chromium, Tab, Viewport};

/// The two ways each test is run: a laptop in English, a phone in Korean.
pub const PEOPLE: [(Viewport, &str); 2] = [(Viewport::Desktop, "en"), (Viewport::Phone, "ko")];

/// A headless Chromium whose screenshots go to `target/screenshots/account/`, or `None`
/// (after a notice) where there is none outside CI.
pub async fn chromium() -> Option<Chromium> {
    Some(Chromium::launch().await?.screenshots_in("account"))
}

/// A page string as the catalogue has it in `lang` (`en` or `ko`).
pub fn t(lang: &str, key: &str) -> &'static str {
    let lang = Lang::from_tag(lang).unwrap_or_else(|| panic!("no language {lang}"));
    let text = i18n::text(lang, key);
    assert!(!text.is_empty(), "{key} is in the catalogue");
    text
}

/// Signs `username` in with [`PASSWORD`] on the bare login page at `base`, typing into
/// the form and pressing its button, as a person does.
pub async fn sign_in(tab: &Tab, base: &str, username: &str) {
    sign_in_with(tab, base, username, PASSWORD).await;
}

pub async fn sign_in_with(tab: &Tab, base: &str, username: &str, password: &str) {
    tab.goto(&format!("{base}/login")).await;
    tab.fill("#username", username).await;
    tab.fill("#password", password).await;
    tab.click("form[action='/login'] button[type=submit]").await;
}

/// Opens an account page from the nav (so the nav must link it) and checks the nav marks
/// it as the current page.
pub async fn open_from_nav(tab: &Tab, lang: &str, path: &str, label_key: &str) {
    let link = format!("nav.account a[href='{path}']");
    assert_eq!(
        tab.text(&link).await,
        t(lang, label_key),
        "{path} in the nav"
    );
    tab.click(&link).await;
    assert_eq!(tab.path().await, path);
    let current = tab
        .eval::<Vec<String>>(
            "[...document.querySelectorAll('nav.account a[aria-current=page]')]\
             .map(a => a.getAttribute('href'))",
        )
        .await;
    assert_eq!(current, [path], "the nav marks {path} as the current page");
}

/// The notice an account page shows after a change (or a refusal).
pub async fn notice(tab: &Tab) -> String {
    tab.text("main .notice").await
}
