//! The session cookie: `belf_web` (`__Host-belf_web` over https), a random id, HttpOnly,
//! SameSite=Lax, Path=/, Secure over https. Only the id travels; the session stays here.

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::web::session::SessionId;

pub const SESSION_COOKIE: &str = "belf_web";
/// Over https: the `__Host-` prefix makes browsers refuse the cookie unless it is Secure,
/// host-only and Path=/, so a sibling subdomain cannot plant one.
pub const SESSION_COOKIE_SECURE: &str = "__Host-belf_web";

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SESSION_COOKIE_SECURE
    } else {
        SESSION_COOKIE
    }
}

pub fn session_cookie(secure: bool, id: &SessionId, max_age: i64) -> Cookie<'static> {
    Cookie::build((cookie_name(secure), id.cookie_value().to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time::Duration::seconds(max_age))
        .build()
}

pub fn clear_cookie(secure: bool) -> Cookie<'static> {
    let mut c = session_cookie(secure, &SessionId::generate(), 0);
    c.set_value("");
    c.make_removal();
    c
}

/// The session id a request's cookie names, if it could be one of ours.
pub fn sent_session(jar: &CookieJar, secure: bool) -> Option<SessionId> {
    jar.get(cookie_name(secure))
        .and_then(|c| SessionId::from_cookie(c.value()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_https_the_cookie_is_host_prefixed_and_secure() {
        let id = SessionId::generate();
        let https = session_cookie(true, &id, 60).to_string();
        assert!(https.starts_with("__Host-belf_web="), "{https}");
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
            assert!(https.contains(part), "{part} in {https}");
        }
        assert!(!https.contains("Domain"), "host-only: {https}");
        let http = session_cookie(false, &id, 60).to_string();
        assert!(
            http.starts_with("belf_web=") && !http.contains("Secure"),
            "{http}"
        );
        let cleared = clear_cookie(true).to_string();
        assert!(
            cleared.starts_with("__Host-belf_web=;") && cleared.contains("Max-Age=0"),
            "{cleared}"
        );
    }

    #[test]
    fn only_the_cookie_of_the_scheme_in_use_is_read() {
        let id = SessionId::generate();
        let jar = CookieJar::new().add(Cookie::new(SESSION_COOKIE, id.cookie_value().to_owned()));
        assert_eq!(sent_session(&jar, false), Some(id.clone()));
        assert_eq!(
            sent_session(&jar, true),
            None,
            "over https only __Host- counts"
        );
    }
}
