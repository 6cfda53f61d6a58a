//! Sign-in with another provider (`[[upstream]]`: Kakao, Google, GitHub, any OpenID
//! provider): this server as a relying party of theirs.
//!
//! ```text
//!  login page ──POST /upstream/<id>/start──► begin(): state, nonce, PKCE verifier kept in
//!        │        (CSRF-checked form)          the ephemeral store under digest(state),
//!        │                                     bound to the browser, TTL state_ttl_secs
//!        ▼
//!  provider ──GET /upstream/<id>/callback?code&state──► complete(): state taken (single
//!                                    use), browser checked, code exchanged, ID token verified
//!        ▼
//!  accounts::resolve(): linked account │ link (signed in, /account/providers)
//!                       │ same verified e-mail + link_by_verified_email │ new account (JIT)
//!        ▼
//!  finish_login (pages/flow.rs): session rotated, the pending /authorize continues
//! ```
//!
//! Nothing here knows HTTP servers: the pages call [`sign_in::begin`], [`sign_in::complete`] and
//! [`accounts::resolve`], and turn an [`UpstreamFailure`] into a page.

pub mod accounts;
pub mod github;
pub mod http_client;
pub mod login_state;
pub mod oidc;
pub mod sign_in;

use serde_json::Value;

use crate::clock::Clock;
use crate::config::{ClaimMapping, Config, UpstreamConfig, UpstreamProtocol};
use http_client::UpstreamHttp;
pub use login_state::{LoginState, Purpose};

/// What a provider says about the person, verified.
#[derive(Debug, Clone)]
pub struct UpstreamProfile {
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Only what the provider asserts; `false` when it says nothing.
    pub email_verified: bool,
    pub picture: Option<String>,
}

/// The redirect to the provider and what to keep until the person comes back.
pub struct AuthorizationStart {
    pub url: String,
    pub state: String,
    pub nonce: Option<String>,
    pub pkce_verifier: String,
}

/// Why a sign-in with a provider did not go through. Each is a page for the person and
/// one log line; the `String`s are for the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamFailure {
    UnknownProvider,
    /// The person said no at the provider (`error=access_denied`).
    Denied,
    /// The provider answered with another error.
    ProviderError(String),
    /// No such sign-in: unknown, used, expired, or another browser's `state`.
    StateMismatch,
    /// The ID token (or the token answer) does not verify.
    InvalidToken(String),
    /// The provider refused the code.
    Refused(String),
    /// The provider is down, slow, or answers too much.
    Unavailable(String),
    /// A local account has the provider's e-mail address, and linking by e-mail is not
    /// allowed (or the provider does not say the address is verified).
    AccountExists,
    /// `upstream_login.create_accounts` is off and no account is linked.
    NoAccount,
    /// The upstream account is linked to another local person.
    LinkedElsewhere,
    /// The person already linked another account of this provider.
    ProviderAlreadyLinked,
    /// The linked local account is disabled.
    Disabled,
    /// Unlinking would leave the person no way to sign in.
    LastMethod,
    /// Storage failed.
    Storage(String),
}

impl UpstreamFailure {
    /// The reason class in the log line.
    pub fn kind(&self) -> &'static str {
        match self {
            UpstreamFailure::UnknownProvider => "unknown_provider",
            UpstreamFailure::Denied => "access_denied",
            UpstreamFailure::ProviderError(_) => "provider_error",
            UpstreamFailure::StateMismatch => "state_mismatch",
            UpstreamFailure::InvalidToken(_) => "invalid_id_token",
            UpstreamFailure::Refused(_) => "code_refused",
            UpstreamFailure::Unavailable(_) => "provider_unavailable",
            UpstreamFailure::AccountExists => "email_in_use",
            UpstreamFailure::NoAccount => "no_linked_account",
            UpstreamFailure::LinkedElsewhere => "linked_to_another_account",
            UpstreamFailure::ProviderAlreadyLinked => "provider_already_linked",
            UpstreamFailure::Disabled => "account_disabled",
            UpstreamFailure::LastMethod => "last_sign_in_method",
            UpstreamFailure::Storage(_) => "storage_unavailable",
        }
    }

    /// What the log may add (never a token or secret: error texts of the crates).
    pub fn detail(&self) -> &str {
        match self {
            UpstreamFailure::ProviderError(d)
            | UpstreamFailure::InvalidToken(d)
            | UpstreamFailure::Refused(d)
            | UpstreamFailure::Unavailable(d)
            | UpstreamFailure::Storage(d) => d,
            _ => "",
        }
    }
}

impl From<crate::auth::store::StoreError> for UpstreamFailure {
    fn from(e: crate::auth::store::StoreError) -> Self {
        UpstreamFailure::Storage(e.to_string())
    }
}

/// One configured provider and how to talk to it.
pub struct Provider {
    pub config: UpstreamConfig,
    kind: ProviderKind,
}

enum ProviderKind {
    Oidc(oidc::OidcProvider),
    Github(github::GithubProvider),
}

/// Every configured provider, built once from configuration.
pub struct Upstreams {
    providers: Vec<Provider>,
    http: UpstreamHttp,
}

/// Where a provider sends the browser back: `<issuer>/upstream/<id>/callback`.
pub fn redirect_uri(issuer: &str, id: &str) -> String {
    format!("{issuer}/upstream/{id}/callback")
}

impl Upstreams {
    pub fn new(config: &Config, clock: &Clock) -> anyhow::Result<Upstreams> {
        let login = &config.upstream_login;
        let providers = config
            .upstream
            .iter()
            .map(|u| {
                let redirect = redirect_uri(&config.issuer(), &u.id);
                let kind = match u.protocol() {
                    UpstreamProtocol::Oidc => ProviderKind::Oidc(oidc::OidcProvider::new(
                        u.clone(),
                        redirect,
                        login.discovery_ttl_secs,
                        clock.clone(),
                    )),
                    UpstreamProtocol::Github => {
                        ProviderKind::Github(github::GithubProvider::new(u.clone(), redirect))
                    }
                };
                Provider {
                    config: u.clone(),
                    kind,
                }
            })
            .collect();
        Ok(Upstreams {
            providers,
            http: UpstreamHttp::new(login)?,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.config.id == id)
    }

    pub fn all(&self) -> &[Provider] {
        &self.providers
    }
}

/// The person as `claims` (a verified ID token or a user API answer) says, through the
/// configured claim names. A subject is required; the rest is optional and bounded.
pub fn profile_from_claims(
    mapping: &ClaimMapping,
    claims: &Value,
) -> Result<UpstreamProfile, UpstreamFailure> {
    let text = |name: &Option<String>, max: usize| -> Option<String> {
        let v = claims.get(name.as_deref()?)?;
        let s = match v {
            Value::String(s) => s.trim().to_owned(),
            // GitHub's user id is a number.
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)).then_some(s)
    };
    let subject = text(&mapping.subject, 255)
        .ok_or_else(|| UpstreamFailure::InvalidToken("no usable subject claim".into()))?;
    let email_verified = mapping
        .email_verified
        .as_deref()
        .and_then(|name| claims.get(name))
        .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
    Ok(UpstreamProfile {
        subject,
        name: text(&mapping.name, 100),
        email: text(&mapping.email, 254).map(|e| e.to_ascii_lowercase()),
        email_verified,
        picture: text(&mapping.picture, 2048).filter(|p| p.starts_with("https://")),
    })
}
