//! Background housekeeping: expired rows are deleted in bounded batches.
//!
//! Short-lived artifacts (sessions, pending requests, codes, deny-lists) expire by
//! themselves in the ephemeral store (Redis TTLs, the in-process store's sweep); the durable
//! artifacts with an end are refresh tokens and the record of which clients took part in a
//! browser session. Without a purge their tables only grow. Signing keys are re-read here
//! too (`spawn_key_refresher`).

use std::time::Duration;

use crate::auth::audit::{AuditEvent, AuditKind};
use crate::auth::context::AuthContext;
use crate::auth::store::StoreResult;

/// Deletes every expired refresh token, every participation record of a session that
/// expired by itself (`session_clients`) and every expired entry of the account pages'
/// session list (`user_sessions`), `batch` rows per statement; returns how many.
/// expired by itself (`session_clients`) and every audit event older than
/// `audit.retention_days`, `batch` rows per statement; returns how many.
pub async fn purge_expired(ctx: &AuthContext, batch: u32) -> StoreResult<u64> {
    let batch = batch.max(1);
    let mut total = 0;
    for table in [
        Table::RefreshTokens,
        Table::SessionClients,
        Table::UserSessions,
        Table::AuditEvents,
        Table::EmailLinks,
    ] {
        loop {
            let now = ctx.clock.now();
            let n = match table {
                Table::RefreshTokens => {
                    ctx.stores
                        .refresh_tokens
                        .purge_refresh_tokens(now, batch)
                        .await?
                }
                Table::SessionClients => {
                    ctx.stores
                        .session_clients
                        .purge_session_clients(now, batch)
                        .await?
                }
                Table::UserSessions => ctx.stores.accounts.purge_sessions(now, batch).await?,
                Table::AuditEvents => match ctx.config.audit.keep_from_ms(ctx.clock.now_millis()) {
                    Some(cutoff) => ctx.audit.store().purge_before(cutoff, batch).await?,
                    None => 0,
                },
                Table::EmailLinks => ctx.stores.email_links.purge_links(now, batch).await?,
            };
            total += n;
            if n < u64::from(batch) {
                break;
            }
            // Let requests waiting for the (SQLite) writer in between batches.
            tokio::task::yield_now().await;
        }
    }
    Ok(total)
}

#[derive(Clone, Copy)]
enum Table {
    RefreshTokens,
    SessionClients,
    UserSessions,
    AuditEvents,
    EmailLinks,
}

/// Runs [`purge_expired`] every `tokens.purge_interval_secs` until the returned handle is
/// aborted. A failed purge (database down) is logged and retried at the next tick.
pub fn spawn_purger(ctx: AuthContext) -> Option<tokio::task::JoinHandle<()>> {
    let every = ctx.config.tokens.purge_interval_secs;
    if every == 0 {
        return None;
    }
    let batch = ctx.config.tokens.purge_batch_size;
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is immediate: skip it, start is busy enough
        loop {
            tick.tick().await;
            match purge_expired(&ctx, batch).await {
                Ok(0) => tracing::debug!("purge: nothing expired"),
                Ok(n) => tracing::info!(
                    rows = n,
                    "purge: expired refresh tokens, session records and audit events deleted"
                ),
                Err(e) => tracing::warn!(error = %e, "purge failed; retrying at the next tick"),
            }
        }
    }))
}

/// Every `keys.reload_interval_secs`: reads the key folder again (keys written by
/// `belf keys rotate` or another instance join without a restart) and, with
/// `keys.rotate_every_days`, rotates keys that are due. Failures (a read-only or missing
/// folder) are logged and retried at the next tick; the keys already loaded keep working.
pub fn spawn_key_refresher(ctx: AuthContext) -> tokio::task::JoinHandle<()> {
    let every = ctx.config.keys.reload_interval_secs.max(1);
    let rotate_every = (ctx.config.keys.rotate_every_days as i64).saturating_mul(86_400);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let ctx = ctx.clone();
            // File reads and key generation (RSA: tens of ms) stay off the async workers.
            let audit = ctx.audit.clone();
            let outcome = tokio::task::spawn_blocking(move || refresh_keys(&ctx, rotate_every))
                .await
                .map_err(anyhow::Error::from)
                .and_then(|r| r);
            if let Ok(kids) = &outcome
                && !kids.is_empty()
            {
                audit
                    .record(
                        AuditEvent::new(AuditKind::KeysRotated)
                            .detail(serde_json::json!({ "via": "schedule", "kids": kids })),
                    )
                    .await;
            }
            if let Err(e) = outcome {
                tracing::warn!(target: "belf::auth::security", error = %e,
                    "key refresh failed; keeping the keys loaded, retrying at the next tick");
            }
        }
    })
}

/// Returns the ids of the keys a scheduled rotation created.
fn refresh_keys(ctx: &AuthContext, rotate_every_secs: i64) -> anyhow::Result<Vec<String>> {
    let now = ctx.clock.now();
    let mut rotated = Vec::new();
    if rotate_every_secs > 0 {
        for kid in ctx.keys.rotate_if_due(rotate_every_secs, now)? {
            tracing::info!(target: "belf::auth::security", kid,
                "scheduled key rotation: new key published, signing after the pre-publication delay");
            rotated.push(kid);
        }
    }
    if ctx.keys.reload(now)? {
        let states: Vec<String> = ctx
            .keys
            .scheduled()
            .iter()
            .map(|s| format!("{}={}", s.key.kid, s.dates.state(now).as_str()))
            .collect();
        tracing::info!(target: "belf::auth::security", keys = %states.join(","),
            "key folder changed; key ring reloaded");
    }
    Ok(rotated)
}

#[cfg(test)]
mod tests {
    use crate::auth::store::RefreshTokenRecord;
    use crate::auth::testing::Fixture;

    fn record(hash: &str, expires_at: i64) -> RefreshTokenRecord {
        RefreshTokenRecord {
            token_hash: hash.to_owned(),
            family_id: format!("f-{hash}"),
            client_id: "c".into(),
            user_id: "u".into(),
            scopes: vec!["openid".into()],
            auth_time: 0,
            claims_json: None,
            issued_at: 0,
            expires_at,
            rotated_at: None,
            revoked_at: None,
            sid: None,
            resources: vec![],
            dpop_jkt: None,
            amr: vec![],
        }
    }

    #[tokio::test]
    async fn expired_refresh_tokens_are_purged_in_batches_and_live_ones_kept() {
        let fx = Fixture::new().await;
        let store = &fx.ctx.stores.refresh_tokens;
        let now = fx.now();
        for i in 0..25 {
            store
                .insert_refresh_token(&record(&format!("old{i}"), now - 1))
                .await
                .expect("insert");
        }
        store
            .insert_refresh_token(&record("live", now + 60))
            .await
            .expect("insert");
        // Batches of 10: three statements, 25 rows.
        assert_eq!(super::purge_expired(&fx.ctx, 10).await.expect("purge"), 25);
        assert!(
            store
                .find_refresh_token("old3")
                .await
                .expect("find")
                .is_none()
        );
        assert!(
            store
                .find_refresh_token("live")
                .await
                .expect("find")
                .is_some()
        );
        fx.advance(61);
        assert_eq!(super::purge_expired(&fx.ctx, 10).await.expect("purge"), 1);
    }
}
