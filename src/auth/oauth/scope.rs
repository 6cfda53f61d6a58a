//! Scopes: parsing (RFC 6749 §3.3 grammar, via oxide-auth's `Scope`) and what is known.

use std::collections::BTreeSet;

use oxide_auth::primitives::scope::Scope;

use super::error::{OAuthError, OAuthResult};

/// The OpenID Connect scopes this server always knows.
pub const OIDC_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

/// A set of scope tokens, kept sorted so it prints and compares the same way every time.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Parses a `scope` parameter. An empty or absent parameter is an empty set.
    pub fn parse(raw: Option<&str>) -> OAuthResult<Scopes> {
        let raw = raw.unwrap_or("").trim();
        if raw.is_empty() {
            return Ok(Scopes::default());
        }
        if raw.len() > 2048 {
            return Err(OAuthError::invalid_scope("scope is too long"));
        }
        let parsed: Scope = raw
            .parse()
            .map_err(|_| OAuthError::invalid_scope("scope has characters RFC 6749 §3.3 forbids"))?;
        Ok(Scopes(parsed.iter().map(str::to_owned).collect()))
    }

    pub fn from_list<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Scopes {
        Scopes(items.into_iter().map(Into::into).collect())
    }

    pub fn contains(&self, s: &str) -> bool {
        self.0.contains(s)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }

    pub fn is_subset_of(&self, other: &Scopes) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Every requested scope must be one the client may ask for.
    pub fn check_allowed(&self, allowed: &[String]) -> OAuthResult<()> {
        if let Some(bad) = self.0.iter().find(|s| !allowed.contains(s)) {
            return Err(OAuthError::invalid_scope(format!(
                "scope `{bad}` is unknown or not allowed for this client"
            )));
        }
        Ok(())
    }

    pub fn without(&self, s: &str) -> Scopes {
        Scopes(self.0.iter().filter(|x| *x != s).cloned().collect())
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for s in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sorts_dedups_and_rejects_bad_chars() {
        let s = Scopes::parse(Some("profile openid  openid")).unwrap();
        assert_eq!(s.to_string(), "openid profile");
        assert!(Scopes::parse(Some("a\"b")).is_err());
        assert!(Scopes::parse(None).unwrap().is_empty());
        assert!(s.check_allowed(&["openid".into()]).is_err());
    }
}
