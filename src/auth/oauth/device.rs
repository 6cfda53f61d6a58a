//! The device authorization grant (RFC 8628): codes handed to a device, and the person's
//! answer given on another screen.
//!
//! ```text
//!  device ── POST /device_authorization ──► start(): device_code + user_code (XXXX-XXXX)
//!     │                                        record under digest(device_code),
//!     │                                        index "uc:<user code>" → digest(device_code)
//!     │
//!     │   person ── /device: types the user code ──► find() (throttled per IP)
//!     │             ── signs in (the login page) ──► /device/confirm: client, scopes
//!     │             ── confirm or deny ──► answer(): takes the index (each code is
//!     │                                    answered once), stores the decision
//!     │
//!     └─ POST /token (device_code grant, every `interval` s) ─► grants::device_code::poll
//!            no decision yet → authorization_pending   too fast → slow_down (+5 s)
//!            denied → access_denied                   approved → tokens
//!            past expires_at → expired_token          spent → invalid_grant
//! ```
//!
//! Everything lives in the ephemeral store (Redis in production): only digests of device
//! codes are keys, and a record outlives its `expires_at` by one more lifetime so a late
//! poll is told `expired_token` rather than "unknown".

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::{ErrorCode, OAuthError, OAuthResult};
use super::params::Params;
use super::resource;
use super::scope::Scopes;
use crate::auth::clients::{Client, ClientId, GrantType};
use crate::auth::context::AuthContext;
use crate::auth::store::Namespace;
use crate::auth::tokens::handles;

/// RFC 8628 §6.1: consonants only (no vowels, so no words; no look-alikes such as 0/O,
/// 1/I), upper case, case-insensitive when typed.
pub const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
/// 8 characters of 20: about 34.5 bits, against guessing that is throttled per IP.
const USER_CODE_LEN: usize = 8;
/// The verification page people open (RFC 8628 §3.2 `verification_uri`).
pub const VERIFICATION_PATH: &str = crate::auth::oidc::metadata::paths::DEVICE_VERIFICATION;

/// A pending device authorization, stored under the digest of its device code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub client_id: ClientId,
    pub scopes: Scopes,
    #[serde(default)]
    pub resources: Vec<String>,
    /// Normalised (8 letters, no dash), to show on the confirmation page.
    pub user_code: String,
    pub expires_at: i64,
}

/// The person's answer, taken (once) by the device's next poll.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approved {
        user_id: String,
        auth_time: i64,
        /// How the approving person signed in (RFC 8176), for the device's ID token.
        /// Absent in decisions stored before it was recorded.
        #[serde(default)]
        amr: Vec<String>,
    },
    Denied,
}

/// The device authorization response (RFC 8628 §3.2).
#[derive(Debug, Serialize)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: u64,
    pub interval: u64,
}

/// `POST /device_authorization` for an authenticated client.
pub async fn start(
    ctx: &AuthContext,
    client: &Client,
    p: &Params,
    now: i64,
) -> OAuthResult<DeviceAuthorization> {
    if let Some(dup) = p.first_duplicate() {
        return Err(OAuthError::invalid_request(format!(
            "parameter `{dup}` was sent more than once"
        )));
    }
    if !client.allows_grant(GrantType::DeviceCode) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the device authorization grant",
        ));
    }
    let scopes = Scopes::parse(p.get("scope"))?;
    scopes.check_allowed(&client.scopes)?;
    let resources = resource::parse(&ctx.config, p.get_all("resource"))?;
    let ttl = ctx.config.device.code_ttl_secs;
    let device_code = handles::new_handle();
    let user_code = new_user_code();
    let record = DeviceRecord {
        client_id: client.client_id.clone(),
        scopes,
        resources,
        user_code: user_code.clone(),
        expires_at: now + ttl as i64,
    };
    let key = handles::digest(&device_code);
    let json = serde_json::to_string(&record).map_err(|e| OAuthError::unavailable(&e))?;
    let store = &ctx.stores.ephemeral;
    store
        .put(Namespace::DeviceCode, &key, &json, ttl * 2)
        .await?;
    store
        .put(Namespace::DeviceCode, &user_code_key(&user_code), &key, ttl)
        .await?;
    let shown = display_user_code(&user_code);
    let verification_uri = format!("{}{VERIFICATION_PATH}", ctx.issuer);
    Ok(DeviceAuthorization {
        verification_uri_complete: format!("{verification_uri}?user_code={shown}"),
        verification_uri,
        device_code,
        user_code: shown,
        expires_in: ttl,
        interval: ctx.config.device.interval_secs,
    })
}

fn new_user_code() -> String {
    let mut rng = rand::rng();
    (0..USER_CODE_LEN)
        .map(|_| USER_CODE_ALPHABET[rng.random_range(0..USER_CODE_ALPHABET.len())] as char)
        .collect()
}

fn user_code_key(normalised: &str) -> String {
    ["uc:", normalised].concat()
}

/// `BCDFGHJK` → `BCDF-GHJK`.
pub fn display_user_code(normalised: &str) -> String {
    let (a, b) = normalised.split_at(normalised.len().min(USER_CODE_LEN / 2));
    format!("{a}-{b}")
}

/// A typed user code as stored: upper case, dashes and spaces dropped. `None` when it
/// cannot be one (wrong length or letters), so no lookup is spent on it.
pub fn normalise_user_code(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == USER_CODE_LEN && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

/// A device authorization waiting for the person's answer, found by its user code.
#[derive(Debug, Clone)]
pub struct Found {
    /// Digest of the device code: the key of the record, the poll state and the decision.
    pub device_key: String,
    pub record: DeviceRecord,
}

/// The pending authorization a typed user code names: `None` when the code is malformed,
/// unknown, answered already or expired (all the same to the person typing it).
pub async fn find(ctx: &AuthContext, typed: &str, now: i64) -> OAuthResult<Option<Found>> {
    let Some(code) = normalise_user_code(typed) else {
        return Ok(None);
    };
    let store = &ctx.stores.ephemeral;
    let Some(device_key) = store
        .get(Namespace::DeviceCode, &user_code_key(&code))
        .await?
    else {
        return Ok(None);
    };
    load(ctx, &device_key, now).await
}

/// The pending authorization stored under `device_key`, while it can still be answered.
pub async fn load(ctx: &AuthContext, device_key: &str, now: i64) -> OAuthResult<Option<Found>> {
    let store = &ctx.stores.ephemeral;
    let Some(raw) = store.get(Namespace::DeviceCode, device_key).await? else {
        return Ok(None);
    };
    let record: DeviceRecord =
        serde_json::from_str(&raw).map_err(|e| OAuthError::unavailable(&e))?;
    let answerable = record.expires_at > now
        && store
            .get(Namespace::DeviceCode, &user_code_key(&record.user_code))
            .await?
            .is_some_and(|k| k == device_key);
    Ok(answerable.then(|| Found {
        device_key: device_key.to_owned(),
        record,
    }))
}

/// Records the person's answer. The user-code index is *taken*, so of two answers (two
/// tabs, or a replayed form) exactly one counts; `false` when the code was answered
/// already or has expired.
pub async fn answer(
    ctx: &AuthContext,
    found: &Found,
    decision: &Decision,
    now: i64,
) -> OAuthResult<bool> {
    let store = &ctx.stores.ephemeral;
    let index = store
        .take(
            Namespace::DeviceCode,
            &user_code_key(&found.record.user_code),
        )
        .await?;
    if index.as_deref() != Some(found.device_key.as_str()) || found.record.expires_at <= now {
        return Ok(false);
    }
    let json = serde_json::to_string(decision).map_err(|e| OAuthError::unavailable(&e))?;
    // Lives as long as the record, so the device's next poll finds it.
    let ttl = ctx.config.device.code_ttl_secs * 2;
    store
        .put(Namespace::DeviceDecision, &found.device_key, &json, ttl)
        .await?;
    Ok(true)
}

/// A person on the way from "code typed" to "answered", bound to their browser (like an
/// authorization's pending interaction): the confirmation page, reached again after the
/// login page, opens only in the browser that typed the code.
#[derive(Debug, Serialize, Deserialize)]
struct Confirmation {
    device_key: String,
    browser: String,
}

fn confirmation_key(id: &str) -> String {
    ["device:", id].concat()
}

/// Starts the confirmation of `found` in the browser `browser_id`; returns its id.
pub async fn begin_confirmation(
    ctx: &AuthContext,
    found: &Found,
    browser_id: &str,
) -> OAuthResult<String> {
    let id = handles::new_id();
    let json = serde_json::to_string(&Confirmation {
        device_key: found.device_key.clone(),
        browser: handles::digest(browser_id),
    })
    .map_err(|e| OAuthError::unavailable(&e))?;
    ctx.stores
        .ephemeral
        .put(
            Namespace::Interaction,
            &confirmation_key(&id),
            &json,
            ctx.config.session.interaction_ttl_secs,
        )
        .await?;
    Ok(id)
}

/// The pending authorization a confirmation id names, if it is this browser's and can
/// still be answered.
pub async fn load_confirmation(
    ctx: &AuthContext,
    id: &str,
    browser_id: &str,
    now: i64,
) -> OAuthResult<Option<Found>> {
    if !is_confirmation_id(id) {
        return Ok(None);
    }
    let Some(raw) = ctx
        .stores
        .ephemeral
        .get(Namespace::Interaction, &confirmation_key(id))
        .await?
    else {
        return Ok(None);
    };
    let Ok(c) = serde_json::from_str::<Confirmation>(&raw) else {
        return Ok(None);
    };
    if c.browser != handles::digest(browser_id) {
        return Ok(None);
    }
    load(ctx, &c.device_key, now).await
}

/// Ends a confirmation (answered).
pub async fn end_confirmation(ctx: &AuthContext, id: &str) -> OAuthResult<()> {
    if is_confirmation_id(id) {
        ctx.stores
            .ephemeral
            .delete(Namespace::Interaction, &confirmation_key(id))
            .await?;
    }
    Ok(())
}

/// Ids are `handles::new_id()`: base64url, 22 characters. Anything else is refused
/// before a lookup (and may safely be echoed into a URL or a form).
pub fn is_confirmation_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
#[path = "device_tests.rs"]
mod tests;
