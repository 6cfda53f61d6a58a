//! Authorization requests (RFC 6749 §4.1.1): the URL a client sends the browser to, and
//! the whole round trip — authorize → login → consent → redirect with a code — driven in
//! a cookie-jar [`Browser`].

use super::browser::{Browser, param};
use super::pkce::Pkce;
use super::{PASSWORD, REDIRECT};

/// An authorization request URL at `base`: `response_type=code`, the test redirect URI,
/// `scope=openid` and `state=st-1` unless `extra` names the same parameter (then `extra`
/// wins).
pub fn authorize_url(base: &str, client_id: &str, extra: &[(&str, &str)]) -> String {
    let defaults = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("state", "st-1"),
    ];
    let mut url = url::Url::parse(&format!("{base}/authorize")).expect("base is a URL");
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in defaults {
            if !extra.iter().any(|(ek, _)| *ek == k) {
                q.append_pair(k, v);
            }
        }
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    url.to_string()
}

/// Drives authorize (with PKCE S256) → login as `username` with [`PASSWORD`] → consent in
/// `browser`, against the server the browser points at. Returns (code, PKCE verifier).
pub async fn code_for(
    browser: &Browser,
    client_id: &str,
    scope: &str,
    username: &str,
) -> (String, String) {
    let pkce = Pkce::random();
    let mut extra = vec![("scope", scope)];
    extra.extend(pkce.challenge_params());
    let url = authorize_url(&browser.base, client_id, &extra);
    let q = browser.authorize(&url, username, PASSWORD).await;
    let code = param(&q, "code").unwrap_or_else(|| panic!("code in {q:?}"));
    (code.to_owned(), pkce.verifier)
}
