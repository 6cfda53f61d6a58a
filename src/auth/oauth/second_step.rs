//! A login between its password and its second step (two-step login).
//!
//! The password was right, but no session exists yet: a session is only started once the
//! second step is done, so a stolen password alone never opens one. What the login goes on
//! to (the pending authorization, a device confirmation, an account page) waits here, in
//! the ephemeral store under a random id, bound to the browser like a pending interaction.

use crate::auth::accounts::two_step::FirstFactor;
use serde::{Deserialize, Serialize};

use super::error::{OAuthError, OAuthResult};
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSecondStep {
    pub user_id: String,
    /// Digest of the browser id that typed the password.
    pub browser: String,
    /// The pending authorization the login belongs to, if any.
    pub interaction: Option<String>,
    /// A local path to go to afterwards (device confirmation, account page).
    pub continue_to: Option<String>,
    /// The person has no method yet and must set one up (required, or demanded).
    pub enrol: bool,
    /// The second step is done (an enrolment whose recovery codes are on screen): the
    /// next "continue" finishes the login.
    #[serde(default)]
    pub done: bool,
    /// How the first step was made (`amr`: `pwd` or `fed`).
    #[serde(default)]
    pub first: FirstFactor,
}

/// Saves the login under a new id; returns the id.
pub async fn save_new(ctx: &AuthContext, pending: &PendingSecondStep) -> OAuthResult<String> {
    let id = handles::new_id();
    save(ctx, &id, pending).await?;
    Ok(id)
}

pub async fn save(ctx: &AuthContext, id: &str, pending: &PendingSecondStep) -> OAuthResult<()> {
    let json = serde_json::to_string(pending).map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::SecondStep,
            id,
            &json,
            ctx.config.two_step.pending_ttl_secs,
        )
        .await?;
    Ok(())
}

/// The waiting login `id`, if it exists and belongs to this browser.
pub async fn load(
    ctx: &AuthContext,
    id: &str,
    browser: &str,
) -> OAuthResult<Option<PendingSecondStep>> {
    if id.len() > 64 {
        return Ok(None);
    }
    let Some(raw) = ctx.stores.ephemeral.get(Namespace::SecondStep, id).await? else {
        return Ok(None);
    };
    let pending: Option<PendingSecondStep> = serde_json::from_str(&raw).ok();
    Ok(pending.filter(|p| p.browser == handles::digest(browser)))
}

/// Takes the waiting login (single use: of two submissions, one finishes the login).
pub async fn take(
    ctx: &AuthContext,
    id: &str,
    browser: &str,
) -> OAuthResult<Option<PendingSecondStep>> {
    if id.len() > 64 {
        return Ok(None);
    }
    let Some(raw) = ctx.stores.ephemeral.take(Namespace::SecondStep, id).await? else {
        return Ok(None);
    };
    let pending: Option<PendingSecondStep> = serde_json::from_str(&raw).ok();
    Ok(pending.filter(|p| p.browser == handles::digest(browser)))
}
