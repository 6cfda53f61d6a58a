//! Adding a passkey to a signed-in person: the options for `navigator.credentials.create`
//! (the person's own passkeys excluded, a discoverable credential preferred), then the
//! browser's answer checked and the credential stored. The first second-step method a
//! person adds comes with recovery codes, as an app does.

use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};

use super::ceremony::{self, Purpose};
use super::{CeremonyOptions, credential_id_text, credential_of, user_handle};
use crate::auth::accounts::User;
use crate::auth::accounts::two_step;
use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::context::AuthContext;
use crate::auth::store::StoreError;
use crate::auth::store::passkeys::StoredPasskey;
use crate::auth::tokens::handles;

/// Starts adding a passkey; `None` when passkeys are off.
pub async fn start(
    ctx: &AuthContext,
    user: &User,
    browser: &str,
) -> anyhow::Result<Option<CeremonyOptions>> {
    let (Some(webauthn), Some(handle)) = (ctx.passkeys.webauthn(), user_handle(&user.user_id))
    else {
        return Ok(None);
    };
    let existing = ctx.stores.passkeys.list_passkeys(&user.user_id).await?;
    let exclude: Vec<_> = existing
        .iter()
        .filter_map(credential_of)
        .map(|p| p.cred_id().clone())
        .collect();
    let display = user.name.as_deref().unwrap_or(&user.username);
    let (challenge, state) =
        webauthn.start_passkey_registration(handle, &user.username, display, Some(exclude))?;
    let mut options = serde_json::to_value(&challenge)?;
    // webauthn-rs asks for a non-discoverable credential ("residentKey": "discouraged")
    // and does not check that choice when the answer comes. "preferred" lets an
    // authenticator that can keep the credential do so, so the same passkey also signs in
    // without a username; the answer's credProps says whether it did.
    if let Some(selection) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(|v| v.as_object_mut())
    {
        selection.insert("residentKey".into(), "preferred".into());
        selection.insert("requireResidentKey".into(), false.into());
    }
    let purpose = Purpose::Register {
        user_id: user.user_id.clone(),
    };
    let id = ceremony::save(ctx, browser, purpose, &state).await?;
    Ok(Some(CeremonyOptions {
        ceremony: id,
        options_json: options.to_string(),
    }))
}

/// How adding a passkey went.
#[derive(Debug)]
pub enum Enrolled {
    /// Stored; `recovery_codes` are new codes to show once (with a first method).
    Added { recovery_codes: Option<Vec<String>> },
    /// The answer does not fit the challenge (malformed, wrong origin, no user
    /// verification, a signature that does not check); `reason` for the log.
    Refused { reason: String },
    /// The credential is registered already (to this person or another).
    Duplicate,
    /// No ceremony is waiting (expired, answered already, another browser).
    NothingPending,
}

pub async fn finish(
    ctx: &AuthContext,
    user_id: &str,
    browser: &str,
    (ceremony_id, answer): (&str, &str),
    name: &str,
) -> anyhow::Result<Enrolled> {
    let Some(webauthn) = ctx.passkeys.webauthn() else {
        return Ok(Enrolled::NothingPending);
    };
    let purpose = Purpose::Register {
        user_id: user_id.to_owned(),
    };
    let Some(state) =
        ceremony::take::<PasskeyRegistration>(ctx, ceremony_id, browser, &purpose).await?
    else {
        tracing::info!(target: "belf::audit", event = "passkey_add_refused", user = %user_id,
            reason = "no ceremony", "passkey not added: expired, answered already or another browser");
        return Ok(Enrolled::NothingPending);
    };
    let refused = |reason: String| {
        tracing::info!(target: "belf::audit", event = "passkey_add_refused", user = %user_id,
            %reason, "passkey not added");
        Ok(Enrolled::Refused { reason })
    };
    let reg: RegisterPublicKeyCredential = match serde_json::from_str(answer) {
        Ok(reg) => reg,
        Err(e) => return refused(format!("malformed answer: {e}")),
    };
    let passkey = match webauthn.finish_passkey_registration(&reg, &state) {
        Ok(passkey) => passkey,
        Err(e) => return refused(e.to_string()),
    };
    let discoverable = reg
        .extensions
        .cred_props
        .as_ref()
        .and_then(|c| c.rk)
        .unwrap_or(false);
    let had_methods = two_step::method_count(ctx, user_id).await? > 0;
    let now = ctx.clock.now();
    let stored = StoredPasskey {
        passkey_id: handles::new_id(),
        user_id: user_id.to_owned(),
        credential_id: credential_id_text(passkey.cred_id()),
        name: two_step::clean_name(name).unwrap_or_else(|| "Passkey".to_owned()),
        credential: serde_json::to_string(&passkey)?,
        discoverable,
        created_at: now,
        last_used_at: None,
    };
    match ctx.stores.passkeys.add_passkey(&stored).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            tracing::info!(target: "belf::audit", event = "passkey_add_refused", user = %user_id,
                reason = "credential registered already", "passkey not added");
            return Ok(Enrolled::Duplicate);
        }
        Err(e) => return Err(e.into()),
    }
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::TwoStepAdded)
                .user(user_id)
                .detail(serde_json::json!({
                    "method": "passkey", "method_id": stored.passkey_id,
                    "discoverable": discoverable,
                })),
        )
        .await;
    let store = &ctx.stores.two_step;
    let recovery_codes = if had_methods && store.count_recovery_codes(user_id).await? > 0 {
        None
    } else {
        Some(two_step::new_recovery_codes(ctx, user_id).await?)
    };
    Ok(Enrolled::Added { recovery_codes })
}
