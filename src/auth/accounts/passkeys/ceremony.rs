//! A WebAuthn ceremony between its two requests: the webauthn-rs state (challenge, allowed
//! credentials, policy) kept in the ephemeral store under a random id — in this process on
//! the embedded default, in Redis in production — bound to the browser that asked, with
//! what it is for. Taken once: of two answers to one challenge, at most one is checked,
//! so an assertion cannot be replayed. Its own expiry (`passkeys.ceremony_ttl_secs`) is
//! checked against the injected clock as well as the store's TTL.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// What a ceremony was started for; its answer is refused anywhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Purpose {
    /// Adding a passkey to this person (`/account/two-step`).
    Register { user_id: String },
    /// The second step of this waiting login (`/login/second-step?step=…`).
    SecondStep { user_id: String, step: String },
    /// A password-less sign-in (the login page): whose passkey it is comes with the answer.
    SignIn,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    /// Digest of the browser id.
    browser: String,
    purpose: Purpose,
    expires_at: i64,
    /// webauthn-rs's ceremony state, serialised.
    state: serde_json::Value,
}

/// Keeps `state` for `purpose`; returns the ceremony's id.
pub async fn save(
    ctx: &AuthContext,
    browser: &str,
    purpose: Purpose,
    state: &impl Serialize,
) -> anyhow::Result<String> {
    let ttl = ctx.config.passkeys.ceremony_ttl_secs;
    let stored = Stored {
        browser: handles::digest(browser),
        purpose,
        expires_at: ctx.clock.now().saturating_add(i64::try_from(ttl)?),
        state: serde_json::to_value(state)?,
    };
    let id = handles::new_id();
    ctx.stores
        .ephemeral
        .put(
            Namespace::PasskeyCeremony,
            &id,
            &serde_json::to_string(&stored)?,
            ttl,
        )
        .await?;
    Ok(id)
}

/// The state of ceremony `id`, removed whatever the outcome: `None` when it is unknown,
/// answered already, expired, from another browser or for another purpose.
pub async fn take<S: DeserializeOwned>(
    ctx: &AuthContext,
    id: &str,
    browser: &str,
    purpose: &Purpose,
) -> anyhow::Result<Option<S>> {
    if id.is_empty() || id.len() > 64 {
        return Ok(None);
    }
    let Some(raw) = ctx
        .stores
        .ephemeral
        .take(Namespace::PasskeyCeremony, id)
        .await?
    else {
        return Ok(None);
    };
    let Ok(stored) = serde_json::from_str::<Stored>(&raw) else {
        return Ok(None);
    };
    if stored.browser != handles::digest(browser)
        || &stored.purpose != purpose
        || stored.expires_at < ctx.clock.now()
    {
        return Ok(None);
    }
    Ok(serde_json::from_value(stored.state).ok())
}
