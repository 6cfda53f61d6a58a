//! Typed configuration: `config/default.toml` (compiled in) ← optional file ← `BELF_*` env.
//!
//! Every struct denies unknown fields, so a misspelt key in a file or in a `BELF_*`
//! variable stops the start with the key named, instead of being silently ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod account;
mod audit;
mod mail;
mod memory_store;
mod passkeys;
mod registration;
mod resources;
mod todo;
mod two_step;
mod upstream;
mod web;
pub use account::AccountConfig;
pub use audit::AuditConfig;
pub use mail::{EmailLinksConfig, MailConfig, RegistrationConfig, RegistrationMode};
pub use memory_store::MemoryStoreConfig;
pub use passkeys::PasskeysConfig;
pub use registration::{ClientMetadataDocumentConfig, ClientRegistrationConfig};
pub use resources::{ResourceConfig, ScopeDescription, is_resource_identifier};
pub use todo::TodoConfig;
pub use two_step::TwoStepConfig;
pub use upstream::{ClaimMapping, Preset, UpstreamConfig, UpstreamLoginConfig, UpstreamProtocol};
pub use web::{WebConfig, WebSessionStore};
pub mod proof_of_possession;

/// The defaults shipped with the binary; also the documented reference of every key.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub keys: KeysConfig,
    pub tokens: TokensConfig,
    pub session: SessionConfig,
    pub password: PasswordConfig,
    pub pages: PagesConfig,
    pub throttle: ThrottleConfig,
    pub clients: ClientsConfig,
    pub backchannel_logout: BackchannelLogoutConfig,
    pub memory_store: MemoryStoreConfig,
    pub management: ManagementConfig,
    pub device: DeviceConfig,
    pub par: ParConfig,
    pub dpop: proof_of_possession::DpopConfig,
    pub private_key_jwt: proof_of_possession::PrivateKeyJwtConfig,
    pub client_registration: ClientRegistrationConfig,
    pub client_metadata_documents: ClientMetadataDocumentConfig,
    #[serde(default)]
    pub resources: Vec<ResourceConfig>,
    pub todo: TodoConfig,
    pub web: WebConfig,
    /// Two-step login (issue 13, part `twostep`).
    #[serde(default)]
    pub two_step: TwoStepConfig,
    #[serde(default)]
    pub passkeys: PasskeysConfig,
    /// Issue 13, part `account`: the self-service account pages.
    pub account: AccountConfig,
    pub upstream_login: UpstreamLoginConfig,
    #[serde(default)]
    pub upstream: Vec<UpstreamConfig>,
    pub audit: AuditConfig,
    pub mail: MailConfig,
    pub email_links: EmailLinksConfig,
    pub registration: RegistrationConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub issuer: url::Url,
    pub max_body_bytes: usize,
    /// Every listener (identity server, todo service): see `crate::serve`.
    pub header_read_timeout_secs: u64,
    pub request_timeout_secs: u64,
    pub max_connections: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// May hold a password, hence secret.
    pub url: SecretString,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    pub url: SecretString,
    pub key_prefix: String,
}

impl RedisConfig {
    pub fn enabled(&self) -> bool {
        !self.url.expose_secret().trim().is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum SigningAlg {
    RS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// By hand, so a wrong value is answered in the operator's terms ("`HS256` is not a
/// supported algorithm; use RS256, ES256 or EdDSA"), not serde's ("variant constructor").
impl<'de> Deserialize<'de> for SigningAlg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SigningAlg::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{}` is not a supported signing algorithm; use RS256, ES256 or EdDSA",
                s.chars().take(32).collect::<String>()
            ))
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    pub dir: PathBuf,
    pub access_token_alg: SigningAlg,
    pub id_token_alg: SigningAlg,
    /// A new key is published this long before any instance signs with it.
    pub pre_publication_secs: u64,
    /// How often the key folder is read again for keys written since.
    pub reload_interval_secs: u64,
    /// Automatic rotation when the newest key is this old (0: off).
    pub rotate_every_days: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensConfig {
    pub access_token_ttl_secs: u64,
    pub id_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub authorization_code_ttl_secs: u64,
    pub refresh_reuse_grace_ms: u64,
    /// Seconds between two purges of expired rows (0: never purge).
    pub purge_interval_secs: u64,
    /// Rows deleted per statement, so a purge never holds a long lock.
    pub purge_batch_size: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    pub ttl_secs: u64,
    pub interaction_ttl_secs: u64,
    /// Pending sign-ins one browser may hold; a new one pushes out its oldest.
    pub max_interactions_per_browser: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfig {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub max_concurrent_hashes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagesConfig {
    pub default_locale: String,
    pub allow_registration: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientsConfig {
    pub cache_ttl_secs: u64,
}

/// OpenID Connect Back-Channel Logout 1.0: logout tokens POSTed to clients when a
/// session they took part in ends (`auth::oidc::backchannel_logout`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackchannelLogoutConfig {
    pub enabled: bool,
    pub token_ttl_secs: u64,
    pub timeout_secs: u64,
    pub max_attempts: u32,
    pub retry_backoff_ms: u64,
    pub queue_capacity: usize,
    pub max_concurrent_deliveries: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleConfig {
    pub enabled: bool,
    pub window_secs: u64,
    pub free_failures: u64,
    pub free_failures_per_ip: u64,
    pub free_failures_per_account: u64,
    pub max_delay_secs: u64,
    pub free_registrations_per_ip: u64,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The management listener (`/metrics`), apart from the public one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementConfig {
    /// An address, or empty for no management listener.
    pub bind: String,
}

impl ManagementConfig {
    /// The address to listen on; `None` when the listener is off. Checked at load, so
    /// the error case is unreachable after [`Config::load`].
    pub fn bind_addr(&self) -> Result<Option<SocketAddr>, std::net::AddrParseError> {
        match self.bind.trim() {
            "" => Ok(None),
            addr => addr.parse().map(Some),
        }
    }
}

/// The device authorization grant (RFC 8628).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub enabled: bool,
    /// How long a device code (and its user code) can be approved, in seconds.
    pub code_ttl_secs: u64,
    /// The least number of seconds between two polls of one device code.
    pub interval_secs: u64,
}

/// Pushed authorization requests (RFC 9126).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParConfig {
    pub enabled: bool,
    /// Every client must push its authorization requests (per client: `--require-par`).
    pub required: bool,
    /// Lifetime of a `request_uri`, in seconds (1 to 60).
    pub request_uri_ttl_secs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The `config` crate's message already names the key and the cause; it is not also
    /// this error's `source`, or printing the chain would say everything twice.
    #[error("configuration: {0}")]
    Load(config::ConfigError),
    #[error("configuration: invalid setting `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl From<config::ConfigError> for ConfigError {
    fn from(e: config::ConfigError) -> Self {
        ConfigError::Load(e)
    }
}

impl Config {
    /// Defaults ← `file` ← the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, None)
    }

    /// Like [`Config::load`], with an explicit environment (tests pass their own map
    /// instead of mutating the process environment).
    pub fn load_with_env(
        file: Option<&Path>,
        env: Option<std::collections::HashMap<String, String>>,
    ) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_TOML,
            config::FileFormat::Toml,
        ));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let mut env_source = config::Environment::with_prefix("BELF")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            // Lists in one variable, comma-separated: BELF_THROTTLE__TRUSTED_PROXIES=10.0.0.1,10.0.0.2
            .list_separator(",")
            .with_list_parse_key("throttle.trusted_proxies");
        let all_vars: std::collections::HashMap<String, String> =
            env.unwrap_or_else(|| std::env::vars().collect());
        let mut vars = all_vars.clone();
        vars.retain(|k, _| is_setting_variable(k));
        // An empty list variable means an empty list (the splitter would yield [""]).
        let empty_proxies = vars
            .get("BELF_THROTTLE__TRUSTED_PROXIES")
            .is_some_and(|v| v.trim().is_empty());
        if empty_proxies {
            vars.remove("BELF_THROTTLE__TRUSTED_PROXIES");
        }
        env_source = env_source.source(Some(vars));
        let mut builder = builder.add_source(env_source);
        if empty_proxies {
            builder = builder.set_override("throttle.trusted_proxies", Vec::<String>::new())?;
        }
        let mut cfg: Config = builder.build()?.try_deserialize()?;
        cfg.resolve_web();
        upstream::resolve_upstreams(&mut cfg.upstream, &all_vars);
        cfg.check()?;
        Ok(cfg)
    }

    /// The defaults overlaid with a TOML document (no environment): what `--config FILE`
    /// does with the file's text; the fuzz harness feeds it arbitrary text.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let mut cfg: Config = config::Config::builder()
            .add_source(config::File::from_str(
                DEFAULT_TOML,
                config::FileFormat::Toml,
            ))
            .add_source(config::File::from_str(text, config::FileFormat::Toml))
            .build()?
            .try_deserialize()?;
        cfg.resolve_web();
        upstream::resolve_upstreams(&mut cfg.upstream, &Default::default());
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.to_owned(),
            })
        };
        if !matches!(self.server.issuer.scheme(), "http" | "https") {
            return invalid("server.issuer", "must be an http(s) URL");
        }
        if self.server.issuer.query().is_some() || self.server.issuer.fragment().is_some() {
            return invalid("server.issuer", "must not have a query or fragment");
        }
        if self.tokens.authorization_code_ttl_secs == 0
            || self.tokens.authorization_code_ttl_secs > 60
        {
            return invalid(
                "tokens.authorization_code_ttl_secs",
                "must be between 1 and 60",
            );
        }
        for (key, v) in [
            (
                "tokens.access_token_ttl_secs",
                self.tokens.access_token_ttl_secs,
            ),
            ("tokens.id_token_ttl_secs", self.tokens.id_token_ttl_secs),
            (
                "tokens.refresh_token_ttl_secs",
                self.tokens.refresh_token_ttl_secs,
            ),
            ("session.ttl_secs", self.session.ttl_secs),
            (
                "session.interaction_ttl_secs",
                self.session.interaction_ttl_secs,
            ),
        ] {
            if v == 0 {
                return invalid(key, "must be greater than 0");
            }
        }
        if let Err((key, reason)) = self
            .client_registration
            .check()
            .and(self.client_metadata_documents.check())
        {
            return invalid(key, reason);
        }
        if self.keys.reload_interval_secs == 0 {
            return invalid("keys.reload_interval_secs", "must be at least 1");
        }
        if self.keys.pre_publication_secs < self.keys.reload_interval_secs {
            // Otherwise one instance could sign with a key another does not yet publish.
            return invalid(
                "keys.pre_publication_secs",
                "must be at least keys.reload_interval_secs",
            );
        }
        let bcl = &self.backchannel_logout;
        for (key, ok) in [
            (
                "backchannel_logout.token_ttl_secs",
                (1..=600).contains(&bcl.token_ttl_secs),
            ),
            (
                "backchannel_logout.timeout_secs",
                (1..=60).contains(&bcl.timeout_secs),
            ),
            (
                "backchannel_logout.max_attempts",
                (1..=10).contains(&bcl.max_attempts),
            ),
            ("backchannel_logout.queue_capacity", bcl.queue_capacity >= 1),
            (
                "backchannel_logout.max_concurrent_deliveries",
                bcl.max_concurrent_deliveries >= 1,
            ),
        ] {
            if !ok {
                return invalid(
                    key,
                    "out of range (token_ttl_secs 1-600, timeout_secs 1-60, max_attempts 1-10, queue_capacity and max_concurrent_deliveries at least 1)",
                );
            }
        }
        if self.session.max_interactions_per_browser == 0 {
            return invalid("session.max_interactions_per_browser", "must be at least 1");
        }
        if self.password.max_concurrent_hashes == 0 {
            return invalid("password.max_concurrent_hashes", "must be at least 1");
        }
        if argon2::Params::new(
            self.password.memory_kib,
            self.password.iterations,
            self.password.parallelism,
            None,
        )
        .is_err()
        {
            return invalid(
                "password",
                "memory_kib/iterations/parallelism are not valid Argon2 parameters",
            );
        }
        self.two_step.check()?;
        self.passkeys.check()?;
        if !matches!(self.pages.default_locale.as_str(), "en" | "ko") {
            return invalid("pages.default_locale", "must be `en` or `ko`");
        }
        let redis = self.redis.url.expose_secret();
        if !redis.is_empty()
            && !url::Url::parse(redis)
                .is_ok_and(|u| matches!(u.scheme(), "redis" | "rediss") && u.host().is_some())
        {
            // The value may hold a password: named, never echoed.
            return invalid(
                "redis.url",
                "must be empty (in-process state) or redis://[user:password@]host[:port][/db] (rediss:// for TLS)",
            );
        }
        let db = self.database.url.expose_secret();
        if crate::db::Dialect::parse(db).is_none() {
            return invalid("database.url", "must start with sqlite: or postgres:");
        }
        if self.todo.max_photo_bytes == 0
            || self.todo.max_photo_bytes > TodoConfig::MAX_PHOTO_BYTES_LIMIT
        {
            return invalid(
                "todo.max_photo_bytes",
                "must be between 1 and 33554432 (32 MiB)",
            );
        }
        if self.account.max_picture_bytes == 0
            || self.account.max_picture_bytes > AccountConfig::MAX_PICTURE_BYTES_LIMIT
        {
            return invalid(
                "account.max_picture_bytes",
                "must be between 1 and 8388608 (8 MiB)",
            );
        }
        if self.management.bind_addr().is_err() {
            return invalid(
                "management.bind",
                "must be an address such as 127.0.0.1:9090, or empty for none",
            );
        }
        if self.device.code_ttl_secs == 0 || self.device.code_ttl_secs > 3600 {
            return invalid("device.code_ttl_secs", "must be between 1 and 3600");
        }
        if self.device.interval_secs == 0 || self.device.interval_secs > 60 {
            return invalid("device.interval_secs", "must be between 1 and 60");
        }
        if self.par.request_uri_ttl_secs == 0 || self.par.request_uri_ttl_secs > 60 {
            return invalid("par.request_uri_ttl_secs", "must be between 1 and 60");
        }
        if !is_resource_identifier(&self.todo.resource) {
            return invalid(
                "todo.resource",
                "must be an absolute http(s) URL without a fragment",
            );
        }
        self.check_web()?;
        upstream::check_upstreams(&self.upstream_login, &self.upstream)?;
        for resource in &self.resources {
            if let Some(id) = &resource.identifier
                && !is_resource_identifier(id)
            {
                return Err(ConfigError::Invalid {
                    key: "resources.identifier",
                    reason: format!(
                        "`{id}` of resource `{}` must be an absolute http(s) URL without a fragment",
                        resource.audience
                    ),
                });
            }
            for scope in &resource.scopes {
                let described = resource
                    .descriptions
                    .get(scope)
                    .is_some_and(|d| !d.en.trim().is_empty() && !d.ko.trim().is_empty());
                if !described {
                    return Err(ConfigError::Invalid {
                        key: "resources.descriptions",
                        reason: format!(
                            "scope `{scope}` of resource `{}` needs a description in `en` and `ko` (shown on the consent page)",
                            resource.audience
                        ),
                    });
                }
            }
        }
        if let Err((key, reason)) = mail::check(&self.mail, &self.email_links) {
            return invalid(key, reason);
        }
        Ok(())
    }

    /// Issuer without a trailing slash, as it appears in `iss`.
    pub fn issuer(&self) -> String {
        self.server.issuer.as_str().trim_end_matches('/').to_owned()
    }
}

/// Variables the CLI and the test suite read themselves: never settings.
const NOT_SETTINGS: &[&str] = &["BELF_CONFIG", "BELF_LOG", "BELF_LOG_FORMAT"];

/// Only `BELF_<SECTION>__<KEY>` variables are settings. Any other `BELF_` name (a typo, a
/// test variable exported in the shell, a future CLI variable) is warned about and left
/// alone: a stray variable must never stop the server from starting.
fn is_setting_variable(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("BELF_") else {
        return false;
    };
    if NOT_SETTINGS.contains(&name)
        || rest.starts_with("TEST_")
        || upstream::is_secret_variable(name)
    {
        return false;
    }
    if rest.contains("__") {
        return true;
    }
    tracing::warn!(
        variable = %name,
        "ignoring environment variable: settings are named BELF_<SECTION>__<KEY> (two underscores)"
    );
    false
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
