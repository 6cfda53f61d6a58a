//! `[[upstream]]`: other providers people may sign in with (Kakao, Google, GitHub, any
//! OpenID provider), and `[upstream_login]`, what applies to all of them.
//!
//! A `preset` fills what a provider always has (issuer, scopes, claim names, GitHub's
//! endpoints); anything set in the entry wins. The client secret may come from the
//! environment instead of the file: `BELF_UPSTREAM_<ID>_CLIENT_SECRET` (the id upper-cased,
//! `-` as `_`).

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::ConfigError;

/// What applies to every upstream provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamLoginConfig {
    /// A first sign-in with an unknown upstream account creates a local one.
    pub create_accounts: bool,
    /// Provider metadata (discovery, keys) is fetched again when this old, in seconds.
    pub discovery_ttl_secs: u64,
    /// How long a person may take at the provider, in seconds (state, nonce, verifier).
    pub state_ttl_secs: u64,
    /// Each call to a provider (connect + answer), in seconds.
    pub timeout_secs: u64,
    /// The largest answer read from a provider, in bytes.
    pub max_response_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Kakao,
    Google,
    Github,
}

/// How the provider is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpstreamProtocol {
    /// OpenID Connect from the issuer's discovery document; the ID token is verified.
    Oidc,
    /// Plain OAuth 2 and GitHub's user API (`/user`, `/user/emails`).
    Github,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayName {
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub ko: String,
}

/// Which claim of the provider's ID token (or user API answer) holds what.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimMapping {
    pub subject: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<String>,
    pub picture: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// In URLs and the database: 1 to 16 of `a-z`, `0-9`, `-`. Never change it once people
    /// have linked accounts.
    pub id: String,
    #[serde(default)]
    pub display_name: DisplayName,
    pub preset: Option<Preset>,
    pub protocol: Option<UpstreamProtocol>,
    #[serde(default)]
    pub issuer: String,
    pub client_id: String,
    #[serde(default = "empty_secret")]
    pub client_secret: SecretString,
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub claims: ClaimMapping,
    /// Link a first sign-in to the local account with the same e-mail address, when the
    /// provider says the address is verified. Off: such a sign-in is refused instead.
    #[serde(default)]
    pub link_by_verified_email: bool,
    /// GitHub only: where its authorization and token endpoints and its API live.
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    pub api_base_url: Option<String>,
}

fn empty_secret() -> SecretString {
    SecretString::from(String::new())
}

impl UpstreamConfig {
    pub fn protocol(&self) -> UpstreamProtocol {
        self.protocol.unwrap_or(UpstreamProtocol::Oidc)
    }

    pub fn scopes(&self) -> &[String] {
        self.scopes.as_deref().unwrap_or_default()
    }

    /// The display name in `lang` ("en" or "ko"), falling back to the other, then the id.
    pub fn display_name(&self, lang: &str) -> &str {
        let (first, second) = if lang == "ko" {
            (&self.display_name.ko, &self.display_name.en)
        } else {
            (&self.display_name.en, &self.display_name.ko)
        };
        [first, second]
            .into_iter()
            .find(|n| !n.trim().is_empty())
            .map_or(self.id.as_str(), String::as_str)
    }

    /// Fills what the preset knows and the entry leaves out.
    fn apply_preset(&mut self) {
        let Some(preset) = self.preset else {
            return;
        };
        let set = |slot: &mut Option<String>, v: &str| {
            slot.get_or_insert_with(|| v.to_owned());
        };
        let (issuer, scopes, en, ko): (&str, &[&str], &str, &str) = match preset {
            Preset::Kakao => (
                "https://kauth.kakao.com",
                &[
                    "openid",
                    "profile_nickname",
                    "profile_image",
                    "account_email",
                ],
                "Kakao",
                "카카오",
            ),
            Preset::Google => (
                "https://accounts.google.com",
                &["openid", "profile", "email"],
                "Google",
                "구글",
            ),
            Preset::Github => ("", &["read:user", "user:email"], "GitHub", "깃허브"),
        };
        if self.issuer.trim().is_empty() {
            self.issuer = issuer.to_owned();
        }
        self.scopes
            .get_or_insert_with(|| scopes.iter().map(|s| (*s).to_owned()).collect());
        if self.display_name.en.is_empty() {
            self.display_name.en = en.to_owned();
        }
        if self.display_name.ko.is_empty() {
            self.display_name.ko = ko.to_owned();
        }
        match preset {
            // Kakao's ID token names the nickname `nickname`.
            Preset::Kakao => set(&mut self.claims.name, "nickname"),
            Preset::Google => {}
            Preset::Github => {
                self.protocol.get_or_insert(UpstreamProtocol::Github);
                set(&mut self.claims.subject, "id");
                set(
                    &mut self.authorization_url,
                    "https://github.com/login/oauth/authorize",
                );
                set(
                    &mut self.token_url,
                    "https://github.com/login/oauth/access_token",
                );
                set(&mut self.api_base_url, "https://api.github.com");
                set(&mut self.claims.picture, "avatar_url");
            }
        }
    }

    /// The standard claim names where the entry names none.
    fn apply_claim_defaults(&mut self) {
        let c = &mut self.claims;
        for (slot, name) in [
            (&mut c.subject, "sub"),
            (&mut c.name, "name"),
            (&mut c.email, "email"),
            (&mut c.email_verified, "email_verified"),
            (&mut c.picture, "picture"),
        ] {
            slot.get_or_insert_with(|| name.to_owned());
        }
        if self.protocol() == UpstreamProtocol::Oidc {
            let scopes = self
                .scopes
                .get_or_insert_with(|| ["openid", "profile", "email"].map(str::to_owned).to_vec());
            if !scopes.iter().any(|s| s == "openid") {
                scopes.insert(0, "openid".to_owned());
            }
        }
    }

    /// The variable a secret may come from: `BELF_UPSTREAM_<ID>_CLIENT_SECRET`.
    pub fn secret_variable(id: &str) -> String {
        format!(
            "BELF_UPSTREAM_{}_CLIENT_SECRET",
            id.to_ascii_uppercase().replace('-', "_")
        )
    }
}

/// Whether `name` is an upstream client-secret variable (read by [`resolve_upstreams`],
/// never a setting of its own).
pub fn is_secret_variable(name: &str) -> bool {
    name.strip_prefix("BELF_UPSTREAM_")
        .is_some_and(|rest| rest.ends_with("_CLIENT_SECRET"))
}

/// Presets, claim defaults, and secrets from the environment.
pub(super) fn resolve_upstreams(upstreams: &mut [UpstreamConfig], env: &HashMap<String, String>) {
    for u in upstreams {
        u.apply_preset();
        u.apply_claim_defaults();
        if let Some(secret) = env
            .get(&UpstreamConfig::secret_variable(&u.id))
            .filter(|s| !s.is_empty())
        {
            u.client_secret = SecretString::from(secret.clone());
        }
    }
}

pub(super) fn check_upstreams(
    login: &UpstreamLoginConfig,
    upstreams: &[UpstreamConfig],
) -> Result<(), ConfigError> {
    let invalid = |key, reason: String| Err(ConfigError::Invalid { key, reason });
    for (key, ok) in [
        (
            "upstream_login.discovery_ttl_secs",
            (1..=86_400).contains(&login.discovery_ttl_secs),
        ),
        (
            "upstream_login.state_ttl_secs",
            (30..=3_600).contains(&login.state_ttl_secs),
        ),
        (
            "upstream_login.timeout_secs",
            (1..=60).contains(&login.timeout_secs),
        ),
        (
            "upstream_login.max_response_bytes",
            (1_024..=16 * 1024 * 1024).contains(&login.max_response_bytes),
        ),
    ] {
        if !ok {
            return invalid(
                key,
                "out of range (discovery_ttl_secs 1-86400, state_ttl_secs 30-3600, timeout_secs 1-60, max_response_bytes 1024-16777216)".into(),
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for u in upstreams {
        let id_ok = (1..=16).contains(&u.id.len())
            && u.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return invalid(
                "upstream.id",
                format!(
                    "`{}` must be 1 to 16 of a-z, 0-9 and -",
                    u.id.chars().take(32).collect::<String>()
                ),
            );
        }
        if !seen.insert(u.id.as_str()) {
            return invalid("upstream.id", format!("`{}` is used twice", u.id));
        }
        if u.client_id.trim().is_empty() {
            return invalid(
                "upstream.client_id",
                format!("upstream `{}` needs one", u.id),
            );
        }
        let urls: Vec<(&'static str, Option<&str>)> = match u.protocol() {
            UpstreamProtocol::Oidc => vec![("upstream.issuer", Some(u.issuer.as_str()))],
            UpstreamProtocol::Github => vec![
                ("upstream.authorization_url", u.authorization_url.as_deref()),
                ("upstream.token_url", u.token_url.as_deref()),
                ("upstream.api_base_url", u.api_base_url.as_deref()),
            ],
        };
        for (key, url) in urls {
            let ok = url
                .and_then(|s| url::Url::parse(s).ok())
                .is_some_and(|url| {
                    matches!(url.scheme(), "http" | "https")
                        && url.host().is_some()
                        && url.fragment().is_none()
                });
            if !ok {
                return invalid(
                    key,
                    format!("upstream `{}` needs an absolute http(s) URL", u.id),
                );
            }
        }
        if u.client_secret.expose_secret().is_empty() {
            // Named, so the operator knows where it may come from; never echoed.
            return invalid(
                "upstream.client_secret",
                format!(
                    "upstream `{}` needs a client secret (in the file or {})",
                    u.id,
                    UpstreamConfig::secret_variable(&u.id)
                ),
            );
        }
    }
    Ok(())
}

impl super::Config {
    /// Adds a provider as if it were an `[[upstream]]` entry of the file (preset, claim
    /// defaults, then every check): for tests and embedders that build a config in code.
    pub fn push_upstream(&mut self, entry: UpstreamConfig) -> Result<(), ConfigError> {
        let mut entries = vec![entry];
        resolve_upstreams(&mut entries, &HashMap::new());
        self.upstream.extend(entries);
        check_upstreams(&self.upstream_login, &self.upstream)
    }
}

#[cfg(test)]
#[path = "upstream_tests.rs"]
mod tests;
