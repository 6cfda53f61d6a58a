//! Issue 13, two-step login, end to end through the real pages: an authenticator app
//! (TOTP) enrolled at /account/two-step with codes computed here from the key the page
//! shows, the login's second step, recovery codes, the throttle, `amr`/`acr` in ID tokens
//! (an `openidconnect` relying party checks them), step-up through `acr_values` and
//! `max_age`, and two-step login required of a person or of everyone.

mod account;
mod required;
mod sign_in;
mod step_up;

use std::time::Duration;

use reqwest::StatusCode;

use crate::support::browser::{Browser, Page, param, query_of};
use crate::support::token::exchange_code;
use crate::support::{PASSWORD, TestAuth};

/// The shipped `two_step.mfa_acr`.
pub const MFA_ACR: &str = "urn:belf:acr:mfa";
pub const PASSWORD_ACR: &str = "urn:belf:acr:password";

/// The code an authenticator app shows at `unix` for `secret` (RFC 6238: SHA-1, six
/// digits, 30-second steps), computed the way an app does.
pub fn code_at(secret: &str, unix: i64) -> String {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("the page shows base32"))
        .build()
        .expect("a valid key")
        .generate(u64::try_from(unix).expect("after 1970"))
        .to_string()
}

/// The app code at the server's now.
pub fn code_now(server: &TestAuth, secret: &str) -> String {
    code_at(secret, server.clock.now())
}

/// Moves the server's clock to the next 30-second step, so a fresh code is due.
pub fn next_step(server: &TestAuth) {
    server.clock.advance(Duration::from_secs(30));
}

/// The key the enrolment page shows as text.
pub fn secret_on(page: &Page) -> String {
    let marker = "id=\"totp-secret\">";
    let start = page.body.find(marker).expect("the page shows the key") + marker.len();
    let end = page.body[start..].find('<').expect("key ends") + start;
    page.body[start..end].to_owned()
}

/// The recovery codes a page shows (once).
pub fn recovery_codes_on(page: &Page) -> Vec<String> {
    let marker = "class=\"recovery-code\">";
    page.body
        .match_indices(marker)
        .map(|(i, _)| {
            let start = i + marker.len();
            let end = page.body[start..].find('<').expect("code ends") + start;
            page.body[start..end].to_owned()
        })
        .collect()
}

/// Enrols an authenticator app at /account/two-step in a signed-in `browser`. Returns the
/// key and the recovery codes shown.
pub async fn enrol_app(server: &TestAuth, browser: &Browser) -> (String, Vec<String>) {
    let page = browser.get("/account/two-step").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.input("csrf").expect("csrf");
    let shown = browser
        .post("/account/two-step/totp", &[("csrf", &csrf)])
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("<svg"), "a QR code drawn in the page");
    let secret = secret_on(&shown);
    let code = code_now(server, &secret);
    let done = browser
        .post(
            "/account/two-step/totp/verify",
            &[("csrf", &csrf), ("name", "phone"), ("code", &code)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let codes = recovery_codes_on(&done);
    (secret, codes)
}

/// A fresh browser signed in with a password only (the person has no method yet).
pub async fn signed_in(server: &TestAuth, username: &str) -> Browser {
    let browser = Browser::new(&server.base);
    let done = browser.log_in(username, PASSWORD).await;
    assert_eq!(done.location(), "/", "{}", done.body);
    browser
}

/// Submits the second-step form reached by `after_password` (a redirect to it).
pub async fn give_code(browser: &Browser, after_password: &Page, code: &str) -> Page {
    assert_eq!(
        after_password.status,
        StatusCode::FOUND,
        "{}",
        after_password.body
    );
    let to = after_password.location();
    assert!(to.starts_with("/login/second-step?step="), "{to}");
    let form = browser.get(to).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    submit_code(browser, &form, code).await
}

/// Posts `code` on a second-step page.
pub async fn submit_code(browser: &Browser, form: &Page, code: &str) -> Page {
    let csrf = form.input("csrf").expect("csrf");
    let step = form.input("step").expect("step");
    browser
        .post(
            "/login/second-step",
            &[("csrf", &csrf), ("step", &step), ("code", code)],
        )
        .await
}

/// Follows the redirects of an authorization from `page` on (consenting when asked) back
/// to the client; returns the ID token's claims (unverified: the relying-party test
/// verifies them) and the token response.
pub async fn id_token_after(
    server: &TestAuth,
    browser: &Browser,
    client: (&str, &str),
    mut page: Page,
) -> (serde_json::Value, serde_json::Value) {
    for _ in 0..4 {
        assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
        let to = page.location().to_owned();
        if to.starts_with("/consent") {
            let consent = browser.get(&to).await;
            page = browser.submit_consent(&consent, true).await;
            continue;
        }
        let q = query_of(&to);
        let code = param(&q, "code").unwrap_or_else(|| panic!("a code: {to}"));
        let tokens = exchange_code(&server.base, client, code, None).await.ok();
        let id_token = tokens["id_token"].as_str().expect("an ID token");
        let claims = crate::support::jwt::unverified_claims(id_token);
        return (claims, tokens);
    }
    panic!("too many hops");
}

pub fn amr(claims: &serde_json::Value) -> Vec<String> {
    claims["amr"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
