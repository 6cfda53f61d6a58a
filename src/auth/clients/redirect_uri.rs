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
    /// A value read back from our own store, written only after [`RedirectUri::parse`].
    pub fn from_stored(stored: String) -> RedirectUri {
        RedirectUri(stored)
    }

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

    proptest::proptest! {
        /// Whatever is offered at registration: never a panic, and what is accepted has no
        /// fragment, no user info, no forbidden scheme, and http only on a loopback host.
        #[test]
        fn accepted_redirect_uris_keep_every_rule(
            raw in "(https?|javascript|data|com\\.app|file)://?[a-z0-9.@:\\[\\]-]{0,24}(/[a-z#?=&%]{0,12}){0,3}|\\PC{0,60}",
            public in proptest::bool::ANY,
        ) {
            if let Ok(uri) = RedirectUri::parse(&raw, public) {
                let s = uri.as_str();
                proptest::prop_assert!(!s.contains('#'), "{s}");
                let url = url::Url::parse(s).expect("accepted URIs parse");
                proptest::prop_assert!(url.username().is_empty() && url.password().is_none());
                proptest::prop_assert!(!FORBIDDEN_SCHEMES.contains(&url.scheme()));
                if url.scheme() == "http" {
                    proptest::prop_assert!(is_loopback(&url), "{s}");
                }
                if !matches!(url.scheme(), "http" | "https") {
                    proptest::prop_assert!(public, "custom scheme for a confidential client: {s}");
                }
            }
        }

        /// A registered URI matches itself and nothing else: no prefix, case, slash or
        /// percent-encoding variant of it.
        #[test]
        fn a_registered_uri_matches_only_itself(
            path in "[a-z]{1,8}",
            variant in "[a-zA-Z0-9/%._-]{0,12}",
        ) {
            let registered = format!("https://app.example/{path}");
            let client = crate::auth::clients::Client {
                client_id: crate::auth::clients::ClientId::generate(),
                name: "p".into(),
                secret_hash: None,
                redirect_uris: vec![RedirectUri::parse(&registered, true).expect("valid")],
                post_logout_redirect_uris: vec![],
                grant_types: vec![],
                scopes: vec![],
                access_token_alg: None,
                id_token_alg: None,
                backchannel_logout_uri: None,
                backchannel_logout_session_required: false,
                require_par: false,
            client_keys: None,
            dpop_bound_access_tokens: false,
                provenance: Default::default(),
                display: Default::default(),
                created_at: 0,
            };
            proptest::prop_assert!(client.has_redirect_uri(&registered));
            let other = format!("{registered}{variant}");
            proptest::prop_assert_eq!(client.has_redirect_uri(&other), variant.is_empty());
            proptest::prop_assert!(!client.has_redirect_uri(&registered.to_uppercase()));
        }
    }
}
