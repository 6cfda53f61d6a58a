//! Redirect URI rules at registration (RFC 9700 §2.1, RFC 8252 for native apps).

use std::net::IpAddr;

/// A redirect URI that passed registration checks. Matched later by exact string.
/// Carried as this type from registration through the client record, the authorization
/// request and the code, so a redirect can only ever go to a checked, registered URI.
/// `Deserialize` is for our own stored records (written only after `parse`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedirectUriError {
    #[error("`{0}` is not an absolute URI")]
    NotAbsolute(String),
    #[error("`{0}` has a fragment (#); redirect URIs must not")]
    Fragment(String),
    #[error("`{0}` has user information (user@); redirect URIs must not")]
    UserInfo(String),
    #[error(
        "`{0}` uses http on a non-loopback host; use https (http is only for 127.0.0.1, [::1] or localhost)"
    )]
    InsecureHttp(String),
    #[error("`{0}` uses a custom scheme, which only public (native) clients may register")]
    CustomSchemeNotAllowed(String),
    #[error("`{0}` uses a forbidden scheme")]
    ForbiddenScheme(String),
}

/// Schemes that would run code or read local data in the browser.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "about", "blob"];

impl RedirectUri {
    pub fn parse(raw: &str, public_client: bool) -> Result<RedirectUri, RedirectUriError> {
        let raw = raw.trim();
        if raw.contains('#') {
            return Err(RedirectUriError::Fragment(raw.to_owned()));
        }
        let url =
            url::Url::parse(raw).map_err(|_| RedirectUriError::NotAbsolute(raw.to_owned()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RedirectUriError::UserInfo(raw.to_owned()));
        }
        match url.scheme() {
            "https" if url.host().is_none() => {
                return Err(RedirectUriError::NotAbsolute(raw.to_owned()));
            }
            "https" => {}
            "http" if !is_loopback(&url) => {
                return Err(RedirectUriError::InsecureHttp(raw.to_owned()));
            }
            "http" => {}
            s if FORBIDDEN_SCHEMES.contains(&s) => {
                return Err(RedirectUriError::ForbiddenScheme(raw.to_owned()));
            }
            _ if !public_client => {
                return Err(RedirectUriError::CustomSchemeNotAllowed(raw.to_owned()));
            }
            _ => {}
        }
        Ok(RedirectUri(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_rules() {
        let ok = |s, public| RedirectUri::parse(s, public).map(|r| r.into_string());
        assert!(ok("https://app.example/cb", false).is_ok());
        assert!(ok("http://127.0.0.1:3000/cb", false).is_ok());
        assert!(ok("http://localhost/cb", false).is_ok());
        assert!(ok("http://[::1]:8000/cb", false).is_ok());
        assert!(ok("com.example.app:/cb", true).is_ok());
        assert_eq!(
            ok("com.example.app:/cb", false),
            Err(RedirectUriError::CustomSchemeNotAllowed(
                "com.example.app:/cb".into()
            ))
        );
        assert!(matches!(
            ok("http://app.example/cb", false),
            Err(RedirectUriError::InsecureHttp(_))
        ));
        assert!(matches!(
            ok("https://app.example/cb#x", false),
            Err(RedirectUriError::Fragment(_))
        ));
        assert!(matches!(
            ok("https://app.example/cb#", false),
            Err(RedirectUriError::Fragment(_))
        ));
        assert!(matches!(
            ok("https://u:p@app.example/cb", false),
            Err(RedirectUriError::UserInfo(_))
        ));
        assert!(matches!(
            ok("/cb", false),
            Err(RedirectUriError::NotAbsolute(_))
        ));
        assert!(matches!(
            ok("javascript:alert(1)", true),
            Err(RedirectUriError::ForbiddenScheme(_))
        ));
        assert!(matches!(
            ok("http://127.0.0.1.evil.example/cb", false),
            Err(RedirectUriError::InsecureHttp(_))
        ));
    }
}
