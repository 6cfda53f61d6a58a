//! `[[resources]]`: the resource servers whose scopes the identity server grants, and how
//! the consent page describes each scope.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceConfig {
    pub audience: String,
    /// The resource's absolute URL (RFC 8707 `resource`): a token requested for it carries
    /// it as `aud`. Optional, so older configuration files still load.
    #[serde(default)]
    pub identifier: Option<String>,
    pub scopes: Vec<String>,
    /// What each scope lets a client do, as the consent page says it: every scope in
    /// `scopes` needs one, in English and Korean.
    #[serde(default)]
    pub descriptions: std::collections::HashMap<String, ScopeDescription>,
}

/// A scope in people's words, in each page language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDescription {
    pub en: String,
    pub ko: String,
}

/// An RFC 8707 resource identifier: an absolute URL, no fragment (the same rule the
/// `resource` parameter is held to).
pub fn is_resource_identifier(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.fragment().is_none() && u.host().is_some()
    }) && !s.contains('#')
}
