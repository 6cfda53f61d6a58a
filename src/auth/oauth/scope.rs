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

/// Every scope this server knows: the OpenID ones and those of the configured resources.
pub fn known_scopes(config: &crate::config::Config) -> Vec<String> {
    let mut scopes: Vec<String> = OIDC_SCOPES.iter().map(|s| s.to_string()).collect();
    for r in &config.resources {
        for s in &r.scopes {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
    }
    scopes
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

    proptest::proptest! {
        /// Any `scope` string: never a panic; what parses is RFC 6749 §3.3 tokens only and
        /// survives a round trip through its printed form unchanged.
        #[test]
        fn any_scope_string_parses_to_valid_tokens_or_is_refused(raw in "\\PC{0,80}|[ -~]{0,80}") {
            if let Ok(scopes) = Scopes::parse(Some(&raw)) {
                for token in scopes.iter() {
                    proptest::prop_assert!(!token.is_empty());
                    proptest::prop_assert!(token.bytes().all(|b| b == 0x21
                        || (0x23..=0x5b).contains(&b)
                        || (0x5d..=0x7e).contains(&b)), "{token:?}");
                }
                let again = Scopes::parse(Some(&scopes.to_string())).expect("printed form parses");
                proptest::prop_assert_eq!(again, scopes);
            }
        }

        /// A set is a subset of itself and of any superset; adding a scope it lacks breaks that.
        #[test]
        fn subset_agrees_with_set_inclusion(
            a in proptest::collection::btree_set("[a-z:]{1,8}", 0..6),
            extra in "[A-Z]{1,8}",
        ) {
            let small = Scopes::from_list(a.iter().cloned());
            let big = Scopes::from_list(a.iter().cloned().chain([extra.clone()]));
            proptest::prop_assert!(small.is_subset_of(&small));
            proptest::prop_assert!(small.is_subset_of(&big));
            proptest::prop_assert!(!big.is_subset_of(&small));
        }
    }
}
