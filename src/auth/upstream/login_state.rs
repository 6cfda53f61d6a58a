//! A sign-in at a provider on its way: kept server-side in the ephemeral store under the
//! digest of its `state` (so the store holds nothing a callback could be forged from),
//! bound to the browser that started it, taken once, gone after
//! `upstream_login.state_ttl_secs`.

use serde::{Deserialize, Serialize};

use super::{AuthorizationStart, UpstreamFailure};
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// Why the person went to the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Purpose {
    /// To sign in, continuing the pending `/authorize` interaction if one is named.
    SignIn { interaction: Option<String> },
    /// To link the provider to the signed-in person (`/account/providers`).
    Link { user_id: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginState {
    pub provider: String,
    /// Digest of the browser id cookie: a callback in another browser is refused.
    pub browser: String,
    pub purpose: Purpose,
    pub nonce: Option<String>,
    pub pkce_verifier: String,
}

impl LoginState {
    pub fn new(
        provider: &str,
        browser_id: &str,
        purpose: Purpose,
        start: &AuthorizationStart,
    ) -> Self {
        LoginState {
            provider: provider.to_owned(),
            browser: handles::digest(browser_id),
            purpose,
            nonce: start.nonce.clone(),
            pkce_verifier: start.pkce_verifier.clone(),
        }
    }

    /// The pending `/authorize` interaction this sign-in continues, if any.
    pub fn interaction(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::SignIn { interaction } => interaction.as_deref(),
            Purpose::Link { .. } => None,
        }
    }
}

pub async fn save(
    ctx: &AuthContext,
    state: &str,
    record: &LoginState,
) -> Result<(), UpstreamFailure> {
    let json =
        serde_json::to_string(record).map_err(|e| UpstreamFailure::Storage(e.to_string()))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::UpstreamLogin,
            &handles::digest(state),
            &json,
            ctx.config.upstream_login.state_ttl_secs,
        )
        .await?;
    Ok(())
}

/// The sign-in `state` names, removed whatever the outcome (single use): `None` when it is
/// unknown, used, expired, for another provider or from another browser.
pub async fn take(
    ctx: &AuthContext,
    state: &str,
    provider: &str,
    browser_id: &str,
) -> Result<Option<LoginState>, UpstreamFailure> {
    if state.is_empty() || state.len() > 256 {
        return Ok(None);
    }
    let raw = ctx
        .stores
        .ephemeral
        .take(Namespace::UpstreamLogin, &handles::digest(state))
        .await?;
    let record = raw.and_then(|r| serde_json::from_str::<LoginState>(&r).ok());
    Ok(record.filter(|r| r.provider == provider && r.browser == handles::digest(browser_id)))
}
