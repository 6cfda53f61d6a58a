//! Checking a passkey: as the second step of a login (the person's own passkeys offered),
//! and as a password-less sign-in (a discoverable passkey names its owner through its user
//! handle, which must agree with the stored credential). Both behind the login throttle,
//! both update the credential's signature counter after a use.

use std::net::IpAddr;

use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PublicKeyCredential,
};

use super::ceremony::{self, Purpose};
use super::{CeremonyOptions, credential_id_text, credential_of};
use crate::auth::accounts::throttle::Throttled;
use crate::auth::context::AuthContext;

/// Options for the second step of the waiting login `step`; `None` when passkeys are off
/// or the person has none.
pub async fn start_second_step(
    ctx: &AuthContext,
    user_id: &str,
    step: &str,
    browser: &str,
) -> anyhow::Result<Option<CeremonyOptions>> {
    let Some(webauthn) = ctx.passkeys.webauthn() else {
        return Ok(None);
    };
    let stored = ctx.stores.passkeys.list_passkeys(user_id).await?;
    let creds: Vec<Passkey> = stored.iter().filter_map(credential_of).collect();
    if creds.is_empty() {
        return Ok(None);
    }
    let (challenge, state) = webauthn.start_passkey_authentication(&creds)?;
    let purpose = Purpose::SecondStep {
        user_id: user_id.to_owned(),
        step: step.to_owned(),
    };
    let id = ceremony::save(ctx, browser, purpose, &state).await?;
    Ok(Some(CeremonyOptions {
        ceremony: id,
        options_json: serde_json::to_string(&challenge)?,
    }))
}

/// Options for a password-less sign-in; `None` when passkeys are off.
pub async fn start_sign_in(
    ctx: &AuthContext,
    browser: &str,
) -> anyhow::Result<Option<CeremonyOptions>> {
    let Some(webauthn) = ctx.passkeys.webauthn() else {
        return Ok(None);
    };
    let (mut challenge, state) = webauthn.start_discoverable_authentication()?;
    // webauthn-rs marks these options for conditional mediation (autofill); here a button
    // starts the ceremony, so the browser's ordinary passkey dialog is wanted.
    challenge.mediation = None;
    let id = ceremony::save(ctx, browser, Purpose::SignIn, &state).await?;
    Ok(Some(CeremonyOptions {
        ceremony: id,
        options_json: serde_json::to_string(&challenge)?,
    }))
}

/// How a passkey answer was judged.
#[derive(Debug)]
pub enum Verified {
    /// Right: the person it signs in.
    Accepted { user_id: String },
    /// Wrong: malformed, a credential not offered or not this person's, a signature that
    /// does not check, no user verification; `reason` for the log and the audit trail.
    Refused { reason: String },
    /// No ceremony is waiting (expired, answered already — a replay —, another browser).
    NothingPending,
    /// Too many failures lately: not even checked.
    Throttled(Throttled),
}

/// Checks a passkey given as the second step of `user_id`'s waiting login `step`.
pub async fn finish_second_step(
    ctx: &AuthContext,
    (user_id, step): (&str, &str),
    browser: &str,
    (ceremony_id, answer): (&str, &str),
    ip: IpAddr,
) -> anyhow::Result<Verified> {
    let Some(webauthn) = ctx.passkeys.webauthn() else {
        return Ok(Verified::NothingPending);
    };
    let store = &*ctx.stores.ephemeral;
    // The same counter as typed codes: a second step is guessed at one rate, whichever way.
    let account = ["two-step:", user_id].concat();
    let attempt = match ctx.throttle.begin_login(store, &account, ip).await? {
        Ok(attempt) => attempt,
        Err(t) => return Ok(Verified::Throttled(t)),
    };
    let purpose = Purpose::SecondStep {
        user_id: user_id.to_owned(),
        step: step.to_owned(),
    };
    let state =
        ceremony::take::<PasskeyAuthentication>(ctx, ceremony_id, browser, &purpose).await?;
    let outcome = match state {
        None => Verified::NothingPending,
        Some(state) => match serde_json::from_str::<PublicKeyCredential>(answer) {
            Err(e) => refused(format!("malformed answer: {e}")),
            Ok(cred) => match webauthn.finish_passkey_authentication(&cred, &state) {
                Err(e) => refused(e.to_string()),
                Ok(result) => record_use(ctx, user_id, &result).await?,
            },
        },
    };
    match &outcome {
        Verified::Accepted { .. } => {
            ctx.throttle.login_succeeded(store, &attempt).await?;
            tracing::info!(target: "belf::audit", event = "two_step_succeeded", user = %user_id,
                %ip, method = "passkey", "second step accepted");
        }
        Verified::Refused { reason } => {
            tracing::info!(target: "belf::audit", event = "two_step_failed", user = %user_id,
                %ip, method = "passkey", %reason, "second step refused");
            ctx.metrics.login_failures.inc();
            ctx.throttle.login_failed(store, &attempt).await?;
        }
        Verified::NothingPending => {
            tracing::info!(target: "belf::audit", event = "two_step_failed", user = %user_id,
                %ip, method = "passkey", reason = "no ceremony", "second step refused");
            ctx.throttle.login_failed(store, &attempt).await?;
        }
        Verified::Throttled(_) => {}
    }
    Ok(outcome)
}

/// Checks a password-less sign-in. The throttle counts against the person the passkey
/// names (and the source), before the signature is checked.
pub async fn finish_sign_in(
    ctx: &AuthContext,
    browser: &str,
    (ceremony_id, answer): (&str, &str),
    ip: IpAddr,
) -> anyhow::Result<Verified> {
    let Some(webauthn) = ctx.passkeys.webauthn() else {
        return Ok(Verified::NothingPending);
    };
    let Some(state) =
        ceremony::take::<DiscoverableAuthentication>(ctx, ceremony_id, browser, &Purpose::SignIn)
            .await?
    else {
        return Ok(Verified::NothingPending);
    };
    let cred = match serde_json::from_str::<PublicKeyCredential>(answer) {
        Ok(cred) => cred,
        Err(e) => return Ok(refused(format!("malformed answer: {e}"))),
    };
    let (handle, cred_id) = match webauthn.identify_discoverable_authentication(&cred) {
        Ok(found) => found,
        Err(e) => return Ok(refused(e.to_string())),
    };
    let stored = ctx
        .stores
        .passkeys
        .find_passkey(&credential_id_text(cred_id))
        .await?;
    let store = &*ctx.stores.ephemeral;
    let account = match &stored {
        Some(s) => ["passkey:", &s.user_id].concat(),
        None => "passkey:unknown".to_owned(),
    };
    let attempt = match ctx.throttle.begin_login(store, &account, ip).await? {
        Ok(attempt) => attempt,
        Err(t) => return Ok(Verified::Throttled(t)),
    };
    let outcome = match stored.as_ref().map(|s| (s, credential_of(s))) {
        None => refused("unknown credential".to_owned()),
        Some((_, None)) => refused("stored credential unreadable".to_owned()),
        // The user handle is the authenticator's word for whose key it is; it must be the
        // account the credential was registered to.
        Some((s, Some(_))) if handle.to_string() != s.user_id => {
            refused("user handle does not match the credential's account".to_owned())
        }
        Some((s, Some(passkey))) => {
            match webauthn.finish_discoverable_authentication_v2(&cred, state, &passkey) {
                Err(e) => refused(e.to_string()),
                Ok(result) => record_use(ctx, &s.user_id, &result).await?,
            }
        }
    };
    match &outcome {
        Verified::Accepted { .. } => ctx.throttle.login_succeeded(store, &attempt).await?,
        _ => {
            ctx.metrics.login_failures.inc();
            if let Some(t) = ctx.throttle.login_failed(store, &attempt).await? {
                tracing::warn!(%ip, limit = t.by.as_str(), retry_after_secs = t.retry_after_secs,
                    "source throttled after failed passkey sign-ins");
            }
        }
    }
    Ok(outcome)
}

fn refused(reason: String) -> Verified {
    Verified::Refused { reason }
}

/// After a signature that checks: the credential must be `owner`'s; its new counter (and
/// backup state) is stored.
async fn record_use(
    ctx: &AuthContext,
    owner: &str,
    result: &AuthenticationResult,
) -> anyhow::Result<Verified> {
    let id = credential_id_text(result.cred_id());
    let Some(stored) = ctx.stores.passkeys.find_passkey(&id).await? else {
        return Ok(refused("credential removed meanwhile".to_owned()));
    };
    if owner != stored.user_id {
        return Ok(refused("credential of another account".to_owned()));
    }
    let Some(mut passkey) = credential_of(&stored) else {
        return Ok(refused("stored credential unreadable".to_owned()));
    };
    passkey.update_credential(result);
    let now = ctx.clock.now();
    let json = serde_json::to_string(&passkey)?;
    ctx.stores
        .passkeys
        .passkey_used(&stored.user_id, &stored.passkey_id, &json, now)
        .await?;
    Ok(Verified::Accepted {
        user_id: stored.user_id,
    })
}
