//! Issue 13, passkeys (WebAuthn) end to end through the real pages: a test device (a
//! software authenticator behind a WebAuthn client, `support::passkey`) answers the
//! options each page's passkey form carries, for the server's origin, and the answer is
//! posted in the form's hidden field as `/static/passkey.js` does. Adding, renaming and
//! removing passkeys at /account/two-step; a passkey as the login's second step; a
//! password-less sign-in; refusals (a tampered or replayed assertion, another person's
//! credential, an expired or reused ceremony); the account's deletion.

mod account;
mod second_step;
mod sign_in;

use reqwest::StatusCode;

use crate::support::browser::{Browser, Page};
use crate::support::passkey::{Device, passkey_form};
use crate::support::{PASSWORD, TestAuth};

/// The shipped `two_step.mfa_acr`.
pub const MFA_ACR: &str = "urn:belf:acr:mfa";

/// A fresh browser signed in with a password only.
pub async fn signed_in(server: &TestAuth, username: &str) -> Browser {
    let browser = Browser::new(&server.base);
    let done = browser.log_in(username, PASSWORD).await;
    assert_eq!(done.location(), "/", "{}", done.body);
    browser
}

/// Opens "Add a passkey" at /account/two-step: the page with the creating form.
pub async fn open_add_form(browser: &Browser) -> Page {
    let page = browser.get("/account/two-step").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.input("csrf").expect("csrf");
    let shown = browser
        .post("/account/two-step/passkey", &[("csrf", &csrf)])
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    shown
}

/// Adds a passkey named `name` made by `device`, in a signed-in `browser`; returns the
/// page after it (the notice and, with a first method, the recovery codes).
pub async fn add_passkey(browser: &Browser, device: &Device, name: &str) -> Page {
    let shown = open_add_form(browser).await;
    let form = passkey_form(&shown, "/account/two-step/passkey/finish").expect("a passkey form");
    let answer = device
        .create(&form.options)
        .await
        .expect("the device creates a passkey");
    post_answer(
        browser,
        &shown,
        &form.action,
        &form.ceremony,
        &answer,
        &[("name", name)],
    )
    .await
}

/// Posts a passkey form as the script does: its hidden fields, the ceremony, the answer.
pub async fn post_answer(
    browser: &Browser,
    page: &Page,
    action: &str,
    ceremony: &str,
    answer: &str,
    extra: &[(&str, &str)],
) -> Page {
    let csrf = page.input("csrf").expect("csrf");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("ceremony", ceremony),
        ("credential", answer),
    ];
    form.extend_from_slice(extra);
    browser.post(action, &form).await
}

/// Gives a passkey at the second-step page `after_password` redirects to.
pub async fn give_passkey(browser: &Browser, device: &Device, after_password: &Page) -> Page {
    let (page, answer) = second_step_answer(browser, device, after_password).await;
    let form = passkey_form(&page, "/login/second-step/passkey").expect("passkey offered");
    let step = page.input("step").expect("step");
    post_answer(
        browser,
        &page,
        &form.action,
        &form.ceremony,
        &answer,
        &[("step", &step)],
    )
    .await
}

/// The second-step page and the device's (untampered) answer to its passkey options.
pub async fn second_step_answer(
    browser: &Browser,
    device: &Device,
    after_password: &Page,
) -> (Page, String) {
    assert_eq!(
        after_password.status,
        StatusCode::FOUND,
        "{}",
        after_password.body
    );
    let to = after_password.location();
    assert!(to.starts_with("/login/second-step?step="), "{to}");
    let page = browser.get(to).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let form = passkey_form(&page, "/login/second-step/passkey").expect("passkey offered");
    let answer = device.get(&form.options).await.expect("the device answers");
    (page, answer)
}

/// An answer with one byte of its signature changed.
pub fn tampered(answer: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(answer).expect("answer is JSON");
    let sig = v["response"]["signature"]
        .as_str()
        .expect("signature")
        .to_owned();
    let mut chars: Vec<char> = sig.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    v["response"]["signature"] = chars.into_iter().collect::<String>().into();
    v.to_string()
}
