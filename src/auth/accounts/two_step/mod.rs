//! Two-step login: after the password, a code from an authenticator app (TOTP) or a
//! one-time recovery code. What a login must do after the password, how a typed code is
//! checked (throttled like passwords), enrolment of a new app, and the `amr` values
//! (RFC 8176) a login ends with. Pages in `auth/http/pages/second_step.rs` and
//! `pages/account/two_step.rs`; storage behind `store::two_step::TwoStepStore`.

pub mod recovery;
pub mod totp;

use crate::auth::audit::{AuditEvent, AuditKind};
use std::net::IpAddr;

use crate::auth::accounts::throttle::Throttled;
use crate::auth::context::AuthContext;
use crate::auth::store::two_step::{MethodKind, TwoStepMethod};
use crate::auth::store::{Namespace, StoreResult};
use crate::auth::tokens::handles;

pub use crate::auth::oidc::amr::{
    AMR_FEDERATED, AMR_MFA, AMR_OTP, AMR_PASSWORD, FirstFactor, has_second_step, password_and_code,
    password_only,
};

/// What a correct password leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterPassword {
    /// Signed in.
    Done,
    /// The person has methods: ask for a code.
    Verify,
    /// A second step is required (of everyone, of this person, or by the client's
    /// request) and the person has none yet: set one up first.
    Enrol,
}

/// Whether an administrator requires a second step of this person (or of everyone).
pub async fn is_required(ctx: &AuthContext, user_id: &str) -> StoreResult<bool> {
    Ok(ctx.config.two_step.required || ctx.stores.two_step.is_required(user_id).await?)
}

/// After a correct password: `demanded` when the client asked for a second step
/// (`acr_values`, an essential `acr` claim).
pub async fn after_password(
    ctx: &AuthContext,
    user_id: &str,
    demanded: bool,
) -> StoreResult<AfterPassword> {
    if method_count(ctx, user_id).await? > 0 {
        return Ok(AfterPassword::Verify);
    }
    if demanded || is_required(ctx, user_id).await? {
        return Ok(AfterPassword::Enrol);
    }
    Ok(AfterPassword::Done)
}

/// How many second-step methods the person has: apps and passkeys.
pub async fn method_count(ctx: &AuthContext, user_id: &str) -> StoreResult<usize> {
    let apps = ctx.stores.two_step.list_methods(user_id).await?.len();
    let passkeys = ctx.stores.passkeys.list_passkeys(user_id).await?.len();
    Ok(apps + passkeys)
}

/// How a typed code was judged.
#[derive(Debug)]
pub enum CodeCheck {
    /// Right; `kind` says which ("totp" or "recovery_code"), for the log.
    Accepted { kind: &'static str },
    /// Wrong (or neither a 6-digit code nor a recovery code).
    Refused,
    /// A right app code that was already used (RFC 6238 §5.2): refused.
    Reused,
    /// Too many wrong codes lately: not even checked.
    Throttled(Throttled),
}

/// Checks a code typed at the second step, behind the same throttle as passwords (its own
/// counter per person and source, and the source's counter across accounts): counted
/// before it is checked, so parallel guesses get what a sequence would.
pub async fn check_code(
    ctx: &AuthContext,
    user_id: &str,
    ip: IpAddr,
    typed: &str,
) -> anyhow::Result<CodeCheck> {
    let store = &*ctx.stores.ephemeral;
    let account = ["two-step:", user_id].concat();
    let attempt = match ctx.throttle.begin_login(store, &account, ip).await? {
        Ok(attempt) => attempt,
        Err(t) => {
            tracing::warn!(target: "belf::audit", event = "two_step_throttled", user = %user_id,
                %ip, retry_after_secs = t.retry_after_secs, limit = t.by.as_str(),
                "second step throttled");
            return Ok(CodeCheck::Throttled(t));
        }
    };
    let outcome = judge(ctx, user_id, typed).await?;
    match &outcome {
        CodeCheck::Accepted { kind } => {
            ctx.throttle.login_succeeded(store, &attempt).await?;
            tracing::info!(target: "belf::audit", event = "two_step_succeeded", user = %user_id,
                %ip, method = *kind, "second step accepted");
        }
        CodeCheck::Refused | CodeCheck::Reused => {
            let reason = if matches!(outcome, CodeCheck::Reused) {
                "reused_code"
            } else {
                "wrong_code"
            };
            tracing::info!(target: "belf::audit", event = "two_step_failed", user = %user_id,
                %ip, reason, "second step refused");
            ctx.metrics.login_failures.inc();
            ctx.throttle.login_failed(store, &attempt).await?;
        }
        CodeCheck::Throttled(_) => {}
    }
    Ok(outcome)
}

async fn judge(ctx: &AuthContext, user_id: &str, typed: &str) -> anyhow::Result<CodeCheck> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let now = ctx.clock.now();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let skew = ctx.config.two_step.totp_skew_steps;
        for method in ctx.stores.two_step.list_methods(user_id).await? {
            if method.kind != MethodKind::Totp {
                continue;
            }
            let Some(step) = totp::matching_step(&method.secret, &code, now, skew) else {
                continue;
            };
            let fresh = ctx
                .stores
                .two_step
                .accept_totp_step(user_id, &method.method_id, step, now)
                .await?;
            return Ok(if fresh {
                CodeCheck::Accepted { kind: "totp" }
            } else {
                CodeCheck::Reused
            });
        }
        return Ok(CodeCheck::Refused);
    }
    let Some(digest) = recovery::digest(&code) else {
        return Ok(CodeCheck::Refused);
    };
    if ctx
        .stores
        .two_step
        .use_recovery_code(user_id, &digest)
        .await?
    {
        Ok(CodeCheck::Accepted {
            kind: "recovery_code",
        })
    } else {
        Ok(CodeCheck::Refused)
    }
}

/// An authenticator-app key shown to a person, waiting for a first code to prove the app
/// has it. Kept in the ephemeral store per person and browser, never in the database
/// until confirmed.
pub struct Enrolment {
    pub secret: String,
    pub url: String,
    pub qr_svg: String,
}

fn enrolment_key(user_id: &str, browser: &str) -> String {
    handles::digest(&[user_id, "|", browser].concat())
}

/// Starts (or shows again) the enrolment of an app for this person on this browser.
pub async fn start_enrolment(
    ctx: &AuthContext,
    user_id: &str,
    account_name: &str,
    browser: &str,
) -> anyhow::Result<Enrolment> {
    let key = enrolment_key(user_id, browser);
    let ttl = ctx.config.two_step.pending_ttl_secs;
    let eph = &ctx.stores.ephemeral;
    let secret = match eph.get(Namespace::TotpEnrolment, &key).await? {
        Some(secret) => secret,
        None => {
            let secret = totp::new_secret();
            eph.put(Namespace::TotpEnrolment, &key, &secret, ttl)
                .await?;
            secret
        }
    };
    let url = totp::enrolment_url(&secret, &ctx.config.two_step.totp_issuer, account_name)
        .ok_or_else(|| anyhow::anyhow!("otpauth URL could not be built"))?;
    let qr_svg = totp::qr_svg(&url).ok_or_else(|| anyhow::anyhow!("QR code not drawn"))?;
    Ok(Enrolment {
        secret,
        url,
        qr_svg,
    })
}

/// How confirming an enrolment went.
pub enum Enrolled {
    /// The app is a method now; `recovery_codes` are new codes to show once (issued with
    /// the first method, when the person had none).
    Added { recovery_codes: Option<Vec<String>> },
    /// The code does not match the key shown.
    WrongCode,
    /// No key is waiting (expired, or another browser).
    NothingPending,
}

/// Confirms the app enrolment with a first code; the code's step counts as used.
pub async fn finish_enrolment(
    ctx: &AuthContext,
    user_id: &str,
    browser: &str,
    name: &str,
    typed: &str,
) -> anyhow::Result<Enrolled> {
    let key = enrolment_key(user_id, browser);
    let eph = &ctx.stores.ephemeral;
    let Some(secret) = eph.get(Namespace::TotpEnrolment, &key).await? else {
        return Ok(Enrolled::NothingPending);
    };
    let now = ctx.clock.now();
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let skew = ctx.config.two_step.totp_skew_steps;
    let Some(step) = totp::matching_step(&secret, &code, now, skew) else {
        return Ok(Enrolled::WrongCode);
    };
    // Taken, not read: of two confirmations of the same key, one adds a method.
    if eph.take(Namespace::TotpEnrolment, &key).await?.is_none() {
        return Ok(Enrolled::NothingPending);
    }
    let store = &ctx.stores.two_step;
    let had_methods = method_count(ctx, user_id).await? > 0;
    let method = TwoStepMethod {
        method_id: handles::new_id(),
        user_id: user_id.to_owned(),
        kind: MethodKind::Totp,
        name: clean_name(name).unwrap_or_else(|| "Authenticator app".to_owned()),
        secret,
        last_used_step: step,
        created_at: now,
        last_used_at: Some(now),
    };
    store.add_method(&method).await?;
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::TwoStepAdded)
                .user(user_id)
                .detail(serde_json::json!({ "method": "totp", "method_id": method.method_id })),
        )
        .await;
    let recovery_codes = if had_methods && store.count_recovery_codes(user_id).await? > 0 {
        None
    } else {
        Some(new_recovery_codes(ctx, user_id).await?)
    };
    Ok(Enrolled::Added { recovery_codes })
}

/// Replaces the person's recovery codes with new ones; returns them (shown once).
pub async fn new_recovery_codes(ctx: &AuthContext, user_id: &str) -> StoreResult<Vec<String>> {
    let codes = recovery::new_codes(ctx.config.two_step.recovery_codes);
    let digests: Vec<String> = codes.iter().filter_map(|c| recovery::digest(c)).collect();
    ctx.stores
        .two_step
        .replace_recovery_codes(user_id, &digests, ctx.clock.now())
        .await?;
    tracing::info!(target: "belf::audit", event = "two_step_recovery_codes_issued",
        user = %user_id, count = codes.len(), "recovery codes issued");
    Ok(codes)
}

/// A method name as typed: trimmed, without control characters, 1 to 64 characters.
pub fn clean_name(typed: &str) -> Option<String> {
    let name: String = typed.trim().chars().filter(|c| !c.is_control()).collect();
    (!name.is_empty() && name.chars().count() <= 64).then_some(name)
}

/// Why a method may not be removed.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveOutcome {
    Removed,
    NotFound,
    /// The last method of a person who must use a second step.
    LastRequired,
}

/// Renames an app or a passkey of the person; whether there was one.
pub async fn rename_method(
    ctx: &AuthContext,
    user_id: &str,
    method_id: &str,
    name: &str,
) -> StoreResult<bool> {
    Ok(ctx
        .stores
        .two_step
        .rename_method(user_id, method_id, name)
        .await?
        || ctx
            .stores
            .passkeys
            .rename_passkey(user_id, method_id, name)
            .await?)
}

/// Removes an app or a passkey, never the last method of a person who must use a second
/// step.
pub async fn remove_method(
    ctx: &AuthContext,
    user_id: &str,
    method_id: &str,
) -> StoreResult<RemoveOutcome> {
    let apps = ctx.stores.two_step.list_methods(user_id).await?;
    let passkeys = ctx.stores.passkeys.list_passkeys(user_id).await?;
    let is_app = apps.iter().any(|m| m.method_id == method_id);
    let kind = if is_app { "totp" } else { "passkey" };
    if !is_app && !passkeys.iter().any(|p| p.passkey_id == method_id) {
        return Ok(RemoveOutcome::NotFound);
    }
    if apps.len() + passkeys.len() == 1 && is_required(ctx, user_id).await? {
        tracing::info!(target: "belf::audit", event = "two_step_remove_refused", user = %user_id,
            method_id, method = kind, reason = "last_required", "last required two-step method kept");
        return Ok(RemoveOutcome::LastRequired);
    }
    let removed = if is_app {
        ctx.stores
            .two_step
            .remove_method(user_id, method_id)
            .await?
    } else {
        ctx.stores
            .passkeys
            .remove_passkey(user_id, method_id)
            .await?
    };
    if !removed {
        return Ok(RemoveOutcome::NotFound);
    }
    ctx.audit
        .record(
            AuditEvent::new(AuditKind::TwoStepRemoved)
                .user(user_id)
                .detail(serde_json::json!({ "method": kind, "method_id": method_id })),
        )
        .await;
    Ok(RemoveOutcome::Removed)
}
