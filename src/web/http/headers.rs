//! Security headers on every response: a Content-Security-Policy that allows no script
//! at all (the app needs none) and no framing; no MIME sniffing; no referrer to other
//! sites (a course URL is nobody else's business); pages never cached (they are per
//! person).

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// `form-action` names the issuer too: signing out posts to us and we redirect to its
/// end-session endpoint, and browsers apply `form-action` to that redirect.
pub fn content_security_policy(issuer: &str) -> HeaderValue {
    let issuer_origin = url::Url::parse(issuer)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self'; \
         img-src 'self' data:; form-action 'self' {issuer_origin}; frame-ancestors 'none'; \
         base-uri 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
}

pub async fn security_headers(csp: HeaderValue, req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
