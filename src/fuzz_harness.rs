//! Entry points for fuzzing every parser of untrusted input, shared by the `cargo fuzz`
//! targets in `fuzz/` and by `tests/e2e/fuzz_corpus.rs`, which replays the committed corpus
//! (seeds and any crash found) on stable Rust in every test run.
//!
//! Each function takes raw bytes, must never panic, and returns nothing: the property under
//! test is "no input crashes the parser or makes it hang". Inputs are bounded the way the
//! server bounds them (the body limit), so a slow path is a finding too.

use axum::http::{HeaderMap, HeaderValue, header};
use axum_extra::extract::CookieJar;

use crate::auth::clients::{ClientId, RedirectUri};
use crate::auth::oauth::grants::TokenRequest;
use crate::auth::oauth::params::Params;
use crate::auth::oauth::scope::Scopes;
use crate::auth::oauth::{client_auth, pkce};
use crate::auth::oidc::claims::ClaimsRequest;

/// The largest body the server accepts by default (`server.max_body_bytes`).
const MAX_INPUT: usize = 64 * 1024;

fn form(data: &[u8]) -> Params {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(data).unwrap_or_default();
    Params::from_pairs(pairs)
}

/// An authorization request's parameters through every parser `/authorize` runs before it
/// needs storage: client id, redirect URI rules, scope grammar, PKCE, `claims`, `prompt`.
pub fn authorization_request(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let p = form(data);
    let _ = p.first_duplicate();
    if let Some(id) = p.get("client_id") {
        let _ = ClientId::parse(id);
    }
    if let Some(uri) = p.get("redirect_uri") {
        let _ = RedirectUri::parse(uri, true);
        let _ = RedirectUri::parse(uri, false);
    }
    let _ = Scopes::parse(p.get("scope"));
    let _ = pkce::accept_challenge(
        p.get("code_challenge"),
        p.get("code_challenge_method"),
        true,
    );
    let _ = pkce::verify(None, p.get("code_verifier"));
    let _ = ClaimsRequest::parse(p.get("claims"));
    let _ = crate::auth::oauth::authorize::parse_prompt(p.get("prompt"));
}

/// A token request: the form (tagged on `grant_type`) and client authentication. The first
/// line of the input is the `Authorization` header, the rest the form body.
pub fn token_request(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let p = form(body);
    let _ = TokenRequest::parse(&p);
    let authorization = std::str::from_utf8(header).ok().filter(|h| !h.is_empty());
    let _ = client_auth::extract(authorization, &p);
}

/// A `Cookie` header as the pages read it: browser id, session, CSRF check.
pub fn cookies(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::COOKIE, value);
    let jar = CookieJar::from_headers(&headers);
    let _ = crate::auth::http::cookies::session_cookie_value(&jar);
    if let Some(browser) = crate::auth::http::cookies::sent_browser_id(&jar) {
        let secret = [7u8; 32];
        let _ = crate::auth::http::cookies::csrf_ok(&secret, browser, Some(browser));
    }
}

/// A configuration file.
pub fn config(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::config::Config::from_toml_str(text);
    }
}

/// What the validator parses before any signature check: the JWS header, the claims JSON
/// and the issuer's JWK set. The first line is a compact JWS, the rest a JWKS document.
pub fn jwt_and_jwks(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (token, jwks) = text.split_once('\n').unwrap_or((text, ""));
    crate::validator::parse_untrusted_for_fuzzing(token, jwks);
}
