//! Any path the identity server does not serve: an HTML page for a browser (which sends
//! `Accept: text/html`), RFC 6749-style JSON for everything else, like the API endpoints'
//! own errors.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::pages::i18n::Lang;
use super::pages::{PageError, accept_language};

pub async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if wants_html(&headers) {
        let lang = Lang::choose(
            None,
            accept_language(&headers),
            &state.ctx.config.pages.default_locale,
        );
        return PageError::not_found(lang).render(&state.pages);
    }
    let body = json!({
        "error": "not_found",
        "error_description": "no such endpoint; the discovery document at /.well-known/openid-configuration lists them",
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// Whether `Accept` asks for HTML (a media range `text/html` or `application/xhtml+xml`
/// that is not refused with `q=0`). `*/*` alone is not a browser: API clients send it.
fn wants_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    accept.split(',').take(32).any(|range| {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        !refused
            && (media.eq_ignore_ascii_case("text/html")
                || media.eq_ignore_ascii_case("application/xhtml+xml"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, value.parse().unwrap());
        h
    }

    #[test]
    fn only_browsers_get_html() {
        assert!(wants_html(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(wants_html(&accept("application/xhtml+xml")));
        assert!(!wants_html(&accept("*/*")));
        assert!(!wants_html(&accept("application/json")));
        assert!(!wants_html(&accept("text/html;q=0, application/json")));
        assert!(!wants_html(&HeaderMap::new()));
    }
}
