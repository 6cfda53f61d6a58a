//! The device code grant (RFC 8628 §3.4, §3.5): the device polls until the person has
//! answered on `/device` (see `oauth::device` for the whole flow).
//!
//! A poll sooner than the device's interval after its previous one is `slow_down`, and
//! adds 5 seconds to that device's interval from then on (enforced, not only advised).
//! The decision is *taken* from the store, so of two racing polls exactly one gets the
//! tokens; after that (or a denial) the device code is spent: `invalid_grant`.

use serde::{Deserialize, Serialize};

use super::TokenResponse;
use crate::auth::clients::{Client, GrantType};
use crate::auth::context::AuthContext;
use crate::auth::oauth::device::{Decision, DeviceRecord};
use crate::auth::oauth::error::{ErrorCode, OAuthError, OAuthResult};
use crate::auth::oauth::issue::{UserGrant, user_tokens};
use crate::auth::oauth::resource;
use crate::auth::oidc::claims::ClaimsRequest;
use crate::auth::store::{Namespace, RefreshTokenRecord};
use crate::auth::tokens::handles;

/// RFC 8628 §3.5: what `slow_down` adds to the interval.
const SLOW_DOWN_STEP_SECS: u64 = 5;

/// When a device code was last polled, and the interval it must keep.
#[derive(Debug, Serialize, Deserialize)]
struct PollState {
    last: i64,
    interval: u64,
}

fn spent_key(device_key: &str) -> String {
    ["device:", device_key].concat()
}

pub async fn poll(
    ctx: &AuthContext,
    client: &Client,
    device_code: &str,
    resources: Vec<String>,
    jkt: Option<&str>,
    now: i64,
) -> OAuthResult<TokenResponse> {
    if !client.allows_grant(GrantType::DeviceCode) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the device code grant",
        ));
    }
    if device_code.len() > 256 {
        return Err(OAuthError::invalid_grant("invalid device code"));
    }
    let key = handles::digest(device_code);
    let store = &ctx.stores.ephemeral;
    let Some(raw) = store.get(Namespace::DeviceCode, &key).await? else {
        return Err(
            match store.get(Namespace::SpentCode, &spent_key(&key)).await? {
                Some(_) => OAuthError::invalid_grant("device code was already used"),
                None => OAuthError::invalid_grant("invalid or expired device code"),
            },
        );
    };
    let record: DeviceRecord =
        serde_json::from_str(&raw).map_err(|e| OAuthError::unavailable(&e))?;
    if record.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "device code was issued to another client",
        ));
    }
    if record.expires_at <= now {
        return Err(OAuthError::new(
            ErrorCode::ExpiredToken,
            "the device code has expired; start again",
        ));
    }
    let resources = resource::narrow(resources, &record.resources)?;
    keep_interval(ctx, &key, &record, now).await?;

    let decision = match store.take(Namespace::DeviceDecision, &key).await? {
        None => {
            return Err(OAuthError::new(
                ErrorCode::AuthorizationPending,
                "the person has not answered yet",
            ));
        }
        Some(raw) => {
            serde_json::from_str::<Decision>(&raw).map_err(|e| OAuthError::unavailable(&e))?
        }
    };
    // Spent from here on, whatever the answer was.
    let spent_ttl = ctx.config.device.code_ttl_secs;
    store.delete(Namespace::DeviceCode, &key).await?;
    let (user_id, auth_time, amr) = match decision {
        Decision::Denied => {
            store
                .put(Namespace::SpentCode, &spent_key(&key), "denied", spent_ttl)
                .await?;
            return Err(OAuthError::new(
                ErrorCode::AccessDenied,
                "the person denied the request",
            ));
        }
        Decision::Approved {
            user_id,
            auth_time,
            amr,
        } => (user_id, auth_time, amr),
    };
    let grant_id = handles::new_id();
    store
        .put(Namespace::SpentCode, &spent_key(&key), &grant_id, spent_ttl)
        .await?;
    let user = match ctx.stores.users.get_user(&user_id).await? {
        Some(u) if !u.disabled => u,
        _ => {
            return Err(OAuthError::invalid_grant(
                "the person who approved is no longer active",
            ));
        }
    };
    let claims = ClaimsRequest::default();
    let mut response = user_tokens(
        ctx,
        UserGrant {
            client,
            user: &user,
            scopes: &record.scopes,
            auth_time,
            grant_id: &grant_id,
            nonce: None,
            code: None,
            claims: &claims,
            // The device took part in no browser session: no `sid`, and no back-channel
            // logout when the approving browser's session ends (the grant outlives it).
            sid: None,
            resources: &resources,
            jkt,
            // How the person who approved on the device page signed in.
            amr: &amr,
        },
        now,
    )
    .await?;
    // A device has no browser to come back through: a refresh token whenever the client
    // may use one.
    if client.allows_grant(GrantType::RefreshToken) {
        let refresh_token = handles::new_handle();
        ctx.stores
            .refresh_tokens
            .insert_refresh_token(&RefreshTokenRecord {
                token_hash: handles::digest(&refresh_token),
                family_id: grant_id.clone(),
                client_id: client.client_id.to_string(),
                user_id: user.user_id.clone(),
                scopes: record.scopes.to_vec(),
                auth_time,
                claims_json: None,
                issued_at: now,
                expires_at: now + ctx.config.tokens.refresh_token_ttl_secs as i64,
                rotated_at: None,
                revoked_at: None,
                sid: None,
                resources: record.resources.clone(),
                dpop_jkt: super::refresh_binding(client, jkt),
                amr: amr.clone(),
            })
            .await?;
        response.refresh_token = Some(refresh_token);
    }
    tracing::info!(client_id = %client.client_id, sub = %user.user_id, "device code redeemed");
    Ok(response)
}

/// Enforces the polling interval: a poll sooner than `interval` after the previous one is
/// `slow_down`, and the interval grows by 5 s for good.
async fn keep_interval(
    ctx: &AuthContext,
    key: &str,
    record: &DeviceRecord,
    now: i64,
) -> OAuthResult<()> {
    let store = &ctx.stores.ephemeral;
    let previous: Option<PollState> = store
        .get(Namespace::DevicePoll, key)
        .await?
        .and_then(|raw| serde_json::from_str(&raw).ok());
    let (interval, too_fast) = match previous {
        Some(p) if now < p.last + p.interval as i64 => (p.interval + SLOW_DOWN_STEP_SECS, true),
        Some(p) => (p.interval, false),
        None => (ctx.config.device.interval_secs, false),
    };
    let state = PollState {
        last: now,
        interval,
    };
    let json = serde_json::to_string(&state).map_err(|e| OAuthError::unavailable(&e))?;
    let ttl = (record.expires_at - now).max(1) as u64;
    store.put(Namespace::DevicePoll, key, &json, ttl).await?;
    if too_fast {
        tracing::info!(client_id = %record.client_id, interval, "device polling too fast");
        return Err(OAuthError::new(
            ErrorCode::PollSlowDown,
            format!("polling too fast; wait {interval} s between polls"),
        ));
    }
    Ok(())
}
