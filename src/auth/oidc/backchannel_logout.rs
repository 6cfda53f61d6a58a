//! OpenID Connect Back-Channel Logout 1.0: when a browser session ends, every client that
//! took part in it (and registered a `backchannel_logout_uri`) gets a logout token POSTed
//! to it, server to server.
//!
//! ```text
//!  session ends ──► Backchannel::session_ended / user_sessions_ended   (never waits:
//!  (logout page,        │  try_send into a bounded queue; full → dropped, counted failed)
//!   password change,    ▼
//!   disable, another  worker task ──► take the session's clients from the durable store
//!   person signs in)    │              (one instance takes each row: no double sending)
//!                       ▼
//!                 per client, at most `max_concurrent_deliveries` at once:
//!                 sign a logout token ──► POST logout_token=… (timeout, no redirects)
//!                   2xx ─► delivered++        else retry with doubling back-off,
//!                                             after `max_attempts` ─► failed++ + log line
//! ```
//!
//! The logout token (§2.4): `typ: logout+jwt`, `iss`, `aud` = the client, `iat`, a short
//! `exp`, a fresh `jti`, `events` with the back-channel logout event, `sid`, `sub`, and
//! never a `nonce`. It is signed with the current ID-token key, so a relying party verifies
//! it with the JWKS it already uses for ID tokens.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::backchannel_queue::Job;
use crate::auth::clients::Client;
use crate::auth::context::AuthContext;
use crate::auth::store::SessionClient;
use crate::auth::tokens::{handles, keys};

pub const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
pub const LOGOUT_TOKEN_TYPE: &str = "logout+jwt";
/// Every line about a delivery goes here, so operators can follow one target.
const LOG_TARGET: &str = "belf::auth::backchannel_logout";

#[derive(Debug, Serialize)]
struct LogoutTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
    events: serde_json::Value,
    sid: &'a str,
}

/// A signed logout token telling `client` that session `sid` of `sub` ended, signed like
/// the client's ID tokens (OIDC Back-Channel Logout 1.0 §2.4).
pub fn logout_token(
    ctx: &AuthContext,
    client: &Client,
    sub: &str,
    sid: &str,
    now: i64,
) -> anyhow::Result<String> {
    let client_id = client.client_id.as_str();
    let key = ctx
        .keys
        .signing_key(ctx.id_tokens.alg_for(client.id_token_alg), now)?;
    let claims = LogoutTokenClaims {
        iss: &ctx.issuer,
        sub,
        aud: client_id,
        iat: now,
        exp: now + ctx.config.backchannel_logout.token_ttl_secs as i64,
        jti: handles::new_id(),
        events: serde_json::json!({ LOGOUT_EVENT: {} }),
        sid,
    };
    let mut header = jsonwebtoken::Header::new(key.algorithm());
    header.typ = Some(LOGOUT_TOKEN_TYPE.to_owned());
    header.kid = Some(key.kid.clone());
    keys::encode_jwt(&header, &claims, &key)
}

/// Starts the delivery worker of `ctx.backchannel` (once per context; later calls and a
/// disabled feature return `None`).
pub fn spawn_worker(ctx: AuthContext) -> Option<tokio::task::JoinHandle<()>> {
    let rx = ctx.backchannel.take_receiver()?;
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(
            ctx.config.backchannel_logout.timeout_secs,
        ))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(target: LOG_TARGET, error = %e,
                "back-channel logout disabled: no HTTP client");
            return None;
        }
    };
    Some(tokio::spawn(run_worker(ctx, rx, http)))
}

async fn run_worker(ctx: AuthContext, mut rx: mpsc::Receiver<Job>, http: reqwest::Client) {
    let slots = Arc::new(Semaphore::new(
        ctx.config.backchannel_logout.max_concurrent_deliveries,
    ));
    let mut in_flight = JoinSet::new();
    while let Some(job) = rx.recv().await {
        while in_flight.try_join_next().is_some() {}
        let taken = match job {
            Job::Flush(done) => {
                while in_flight.join_next().await.is_some() {}
                let _ = done.send(());
                continue;
            }
            Job::Session(sid) => ctx.stores.session_clients.take_session_clients(&sid).await,
            Job::UserSessions { user_id, before_ms } => {
                ctx.stores
                    .session_clients
                    .take_user_session_clients(&user_id, before_ms)
                    .await
            }
        };
        let participants = match taken {
            Ok(p) => p,
            Err(e) => {
                ctx.metrics.backchannel_logout_failed.inc();
                tracing::warn!(target: LOG_TARGET, error = %e,
                    "back-channel logout: cannot read the session's clients; they are not told");
                continue;
            }
        };
        for participant in participants {
            let (ctx, http, slots) = (ctx.clone(), http.clone(), slots.clone());
            in_flight.spawn(async move {
                let Ok(_slot) = slots.acquire_owned().await else {
                    return;
                };
                deliver(&ctx, &http, &participant).await;
            });
        }
    }
}

/// One client, one ended session: POST until it answers 2xx or the attempts run out.
async fn deliver(ctx: &AuthContext, http: &reqwest::Client, p: &SessionClient) {
    let client = match ctx.stores.clients.get_client(&p.client_id).await {
        Ok(Some(c)) => c,
        // Removed since: nobody to tell.
        Ok(None) => return,
        Err(e) => {
            ctx.metrics.backchannel_logout_failed.inc();
            tracing::warn!(target: LOG_TARGET, client_id = %p.client_id, error = %e,
                "back-channel logout: client lookup failed");
            return;
        }
    };
    let Some(uri) = client.backchannel_logout_uri.as_ref() else {
        return;
    };
    let config = &ctx.config.backchannel_logout;
    let mut backoff = Duration::from_millis(config.retry_backoff_ms);
    let mut reason = String::new();
    for attempt in 1..=config.max_attempts {
        // A fresh token per attempt (new jti, current iat): a receiver that processed a
        // token whose answer was lost does not see a replay.
        let token = match logout_token(ctx, &client, &p.user_id, &p.sid, ctx.clock.now()) {
            Ok(t) => t,
            Err(e) => {
                reason = format!("signing failed: {e}");
                break;
            }
        };
        let sent = http
            .post(uri.as_str())
            .form(&[("logout_token", token.as_str())])
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                ctx.metrics.backchannel_logout_delivered.inc();
                tracing::info!(target: LOG_TARGET, client_id = %p.client_id, sid = %p.sid,
                    attempt, "back-channel logout delivered");
                return;
            }
            Ok(response) => reason = format!("answered {}", response.status().as_u16()),
            Err(e) if e.is_timeout() => reason = "timed out".to_owned(),
            Err(e) if e.is_connect() => reason = "connection failed".to_owned(),
            Err(e) => reason = format!("request failed: {e}"),
        }
        if attempt < config.max_attempts {
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }
    ctx.metrics.backchannel_logout_failed.inc();
    tracing::warn!(target: LOG_TARGET, client_id = %p.client_id, sid = %p.sid,
        attempts = config.max_attempts, reason = %reason,
        "back-channel logout failed; the client was not told");
}
