//! Issue 11, the identity server's edge: each test is one finding, attacked over real HTTP
//! the way it was reported. One file per area; the helpers they share are here.

mod logs;
mod metrics;
mod pages;
mod pending;
mod throttle;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::support::browser::Browser;
use crate::support::{REDIRECT, TestAuth};

pub const PASSWORD: &str = "correct horse battery";

/// Argon2 at the cost it has in production (tens of milliseconds per hash) on one
/// thread, so a burst queues behind the hash as it does on a real server.
pub const REAL_HASHING: [(&str, &str); 3] = [
    ("BELF_PASSWORD__MEMORY_KIB", "19456"),
    ("BELF_PASSWORD__ITERATIONS", "2"),
    ("BELF_PASSWORD__MAX_CONCURRENT_HASHES", "1"),
];

/// Requests may name their source in X-Forwarded-For (the test itself is the proxy).
pub const BEHIND_PROXY: (&str, &str) = ("BELF_THROTTLE__TRUSTED_PROXIES", "127.0.0.1");

pub fn authorize_url(server: &TestAuth, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", "st-1");
    if !extra.iter().any(|(k, _)| *k == "scope") {
        url.query_pairs_mut().append_pair("scope", "openid");
    }
    url.query_pairs_mut().extend_pairs(extra);
    url.to_string()
}

/// `POST /login` from `ip` (X-Forwarded-For) with the browser's CSRF token.
pub async fn login_from(
    browser: &Browser,
    csrf: &str,
    ip: &str,
    username: &str,
    password: &str,
) -> StatusCode {
    browser
        .http
        .post(format!("{}/login", browser.base))
        .header("x-forwarded-for", ip)
        .form(&[
            ("csrf", csrf),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST /login")
        .status()
}

/// `POST /token` from `ip`, with `basic` credentials if given.
pub async fn token_from(
    server: &TestAuth,
    ip: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(server.url("/token"))
        .header("x-forwarded-for", ip)
        .form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.expect("POST /token");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// An answer as a test reads it.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

/// `GET path` with `headers` and no cookies.
pub async fn get_with(server: &TestAuth, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = reqwest::Client::new().get(server.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("GET");
    let content_type = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Answer {
        status: res.status(),
        content_type,
        body: res.text().await.expect("a body"),
    }
}

pub fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}
