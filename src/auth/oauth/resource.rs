//! Resource indicators (RFC 8707): which resource server an access token is for.
//!
//! A `resource` is one of the configured `[[resources]]` identifiers, exactly as written
//! there (absolute URL, no fragment); anything else is `invalid_target`. An authorization
//! (code, device code, refresh family) remembers the resources it was granted for; a token
//! request may name a subset of them (the token's `aud`) and never widen them. Without any
//! `resource`, tokens keep their scope-derived audience (`AccessTokenIssuer::audience_for`).

use super::error::{ErrorCode, OAuthError, OAuthResult};
use crate::config::{Config, is_resource_identifier};

/// More than any honest request names; refused before any lookup.
const MAX_RESOURCES: usize = 10;

fn invalid_target(d: impl Into<std::borrow::Cow<'static, str>>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidTarget, d)
}

/// The `resource` values of a request, checked against the configuration; duplicates
/// collapse. Empty when none was sent.
pub fn parse(config: &Config, values: &[String]) -> OAuthResult<Vec<String>> {
    if values.len() > MAX_RESOURCES {
        return Err(invalid_target("too many resource parameters"));
    }
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if value.is_empty() {
            return Err(invalid_target("resource is empty"));
        }
        if !is_resource_identifier(value) {
            return Err(invalid_target(
                "resource must be an absolute http(s) URL without a fragment",
            ));
        }
        let known = config
            .resources
            .iter()
            .any(|r| r.identifier.as_deref() == Some(value.as_str()));
        if !known {
            return Err(invalid_target(
                "resource is not a resource this server knows",
            ));
        }
        if !out.contains(value) {
            out.push(value.clone());
        }
    }
    Ok(out)
}

/// The resources a token request ends up with, given what its grant was authorized for:
/// all of them when it names none, else the ones it names, each of which must be granted.
pub fn narrow(requested: Vec<String>, granted: &[String]) -> OAuthResult<Vec<String>> {
    if requested.is_empty() {
        return Ok(granted.to_vec());
    }
    if requested.iter().all(|r| granted.contains(r)) {
        Ok(requested)
    } else {
        Err(invalid_target(
            "resource was not part of the authorization this grant comes from",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::load_with_env(None, Some(Default::default())).expect("defaults load")
    }

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_configured_absolute_identifiers_are_accepted() {
        let c = config();
        assert_eq!(
            parse(
                &c,
                &list(&["http://127.0.0.1:8081", "http://127.0.0.1:8081"])
            )
            .unwrap(),
            list(&["http://127.0.0.1:8081"])
        );
        assert!(parse(&c, &[]).unwrap().is_empty());
        for bad in [
            "",
            "/relative",
            "belf-todo",
            "http://127.0.0.1:8081#frag",
            "http://127.0.0.1:8082",
            "javascript:alert(1)",
        ] {
            let e = parse(&c, &list(&[bad])).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidTarget, "{bad}");
        }
        let many = vec!["http://127.0.0.1:8081".to_owned(); 11];
        assert!(parse(&c, &many).is_err());
    }

    #[test]
    fn a_token_request_narrows_and_never_widens() {
        let granted = list(&["https://a.example", "https://b.example"]);
        assert_eq!(narrow(vec![], &granted).unwrap(), granted);
        assert_eq!(
            narrow(list(&["https://b.example"]), &granted).unwrap(),
            list(&["https://b.example"])
        );
        assert!(narrow(list(&["https://c.example"]), &granted).is_err());
        assert!(narrow(list(&["https://a.example"]), &[]).is_err());
    }
}
