//! Browser cookies and CSRF tokens.
//!
//! - `belf_browser`: a random id per browser. Pending authorization requests are bound to
//!   it, and CSRF tokens are derived from it: HMAC-SHA256(cookie.key, browser id). A page
//!   from another site cannot read the cookie, so it cannot forge the token.
//! - `belf_session`: the login session id (random; only its digest is stored). Replaced at
//!   every login.
//!
//! Both are HttpOnly and SameSite=Lax, and Secure when the issuer is https.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::tokens::handles;

pub const BROWSER_COOKIE: &str = "belf_browser";
pub const SESSION_COOKIE: &str = "belf_session";

fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age_secs: Option<i64>,
) -> Cookie<'static> {
    let mut c = Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/");
    if let Some(age) = max_age_secs {
        c = c.max_age(time::Duration::seconds(age));
    }
    c.build()
}

/// The browser id, creating (and setting) one if this browser has none.
pub fn browser_id(jar: CookieJar, secure: bool) -> (String, CookieJar) {
    if let Some(id) = sent_browser_id(&jar) {
        return (id.to_owned(), jar);
    }
    let cookie = new_browser_cookie(secure);
    (cookie.value().to_owned(), jar.add(cookie))
}

/// The browser id this request carries, if it is a plausible one.
pub fn sent_browser_id(jar: &CookieJar) -> Option<&str> {
    jar.get(BROWSER_COOKIE)
        .map(|c| c.value())
        .filter(|id| (20..=64).contains(&id.len()))
}

/// A cookie with a fresh browser id (kept for 400 days).
pub fn new_browser_cookie(secure: bool) -> Cookie<'static> {
    cookie(
        BROWSER_COOKIE,
        handles::new_handle(),
        secure,
        Some(400 * 24 * 3600),
    )
}

pub fn session_cookie_value(jar: &CookieJar) -> Option<String> {
    jar.get(SESSION_COOKIE).map(|c| c.value().to_owned())
}

pub fn set_session(jar: CookieJar, value: String, secure: bool, ttl_secs: u64) -> CookieJar {
    jar.add(cookie(SESSION_COOKIE, value, secure, Some(ttl_secs as i64)))
}

pub fn clear_session(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/"))
}

/// HMAC-SHA256(cookie.key, "belf-csrf:" + browser id). `new_from_slice` cannot fail for
/// HMAC (any key length is valid), hence the `expect`.
fn csrf_mac(secret: &[u8; 32], browser: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"belf-csrf:");
    mac.update(browser.as_bytes());
    mac
}

pub fn csrf_token(secret: &[u8; 32], browser: &str) -> String {
    hex::encode(csrf_mac(secret, browser).finalize().into_bytes())
}

/// Constant-time check of a submitted CSRF token.
pub fn csrf_ok(secret: &[u8; 32], browser: &str, submitted: Option<&str>) -> bool {
    match submitted.map(hex::decode) {
        Some(Ok(bytes)) => csrf_mac(secret, browser).verify_slice(&bytes).is_ok(),
        _ => false,
    }
}
