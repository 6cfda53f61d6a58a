use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::*;
use crate::auth::store::StoreError;
use crate::auth::testing::Fixture;

fn query() -> AuditQuery {
    AuditQuery {
        limit: 100,
        ..Default::default()
    }
}

#[tokio::test]
async fn events_are_stored_and_listed_newest_first_with_filters() {
    let fx = Fixture::new().await;
    let audit = &fx.ctx.audit;
    let ip: std::net::IpAddr = "192.0.2.7".parse().expect("ip");
    audit
        .record(
            AuditEvent::new(AuditKind::SignInFailed)
                .user("u1")
                .origin(&RequestOrigin {
                    ip,
                    user_agent: Some("Tester/1".into()),
                })
                .detail(json!({ "method": "password", "reason": "wrong_password" })),
        )
        .await;
    fx.advance(60);
    audit
        .record(AuditEvent::new(AuditKind::SignInSucceeded).user("u1"))
        .await;
    audit
        .record(AuditEvent::new(AuditKind::ClientCreated).client("c1"))
        .await;

    let all = audit.store().list(&query()).await.expect("list");
    let kinds: Vec<&str> = all.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["client_created", "sign_in_succeeded", "sign_in_failed"]
    );
    let failed = &all[2];
    assert_eq!(failed.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(failed.user_agent.as_deref(), Some("Tester/1"));
    assert_eq!(failed.detail["reason"], "wrong_password");
    assert_eq!(failed.at_ms, crate::auth::testing::START * 1000);

    let by_user = AuditQuery {
        user: Some("u1".into()),
        ..query()
    };
    assert_eq!(audit.store().list(&by_user).await.expect("list").len(), 2);
    let by_kind = AuditQuery {
        kind: Some(AuditKind::SignInFailed),
        ..query()
    };
    assert_eq!(audit.store().list(&by_kind).await.expect("list").len(), 1);
    let since = AuditQuery {
        since_ms: Some((crate::auth::testing::START + 30) * 1000),
        ..query()
    };
    assert_eq!(audit.store().list(&since).await.expect("list").len(), 2);
    let limited = AuditQuery {
        limit: 1,
        ..query()
    };
    assert_eq!(audit.store().list(&limited).await.expect("list").len(), 1);
}

#[tokio::test]
async fn events_older_than_the_retention_are_purged_in_batches() {
    let fx = Fixture::with(&[("BELF_AUDIT__RETENTION_DAYS", "1")]).await;
    for _ in 0..25 {
        fx.ctx
            .audit
            .record(AuditEvent::new(AuditKind::SignInSucceeded))
            .await;
    }
    fx.advance(86_400 - 10);
    fx.ctx
        .audit
        .record(AuditEvent::new(AuditKind::KeysRotated))
        .await;
    fx.advance(20);
    assert_eq!(
        crate::auth::maintenance::purge_expired(&fx.ctx, 10)
            .await
            .expect("purge"),
        25
    );
    let left = fx.ctx.audit.store().list(&query()).await.expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].kind, "keys_rotated");
}

#[tokio::test]
async fn zero_retention_keeps_everything() {
    let fx = Fixture::with(&[("BELF_AUDIT__RETENTION_DAYS", "0")]).await;
    fx.ctx
        .audit
        .record(AuditEvent::new(AuditKind::SignInSucceeded))
        .await;
    fx.advance(10 * 365 * 86_400);
    crate::auth::maintenance::purge_expired(&fx.ctx, 10)
        .await
        .expect("purge");
    assert_eq!(
        fx.ctx
            .audit
            .store()
            .list(&query())
            .await
            .expect("list")
            .len(),
        1
    );
}

struct DownStore;

#[async_trait]
impl AuditStore for DownStore {
    async fn append(&self, _: i64, _: &AuditEvent) -> StoreResult<()> {
        Err(StoreError::Unavailable(anyhow::anyhow!("database down")))
    }
    async fn list(&self, _: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        Ok(Vec::new())
    }
    async fn purge_before(&self, _: i64, _: u32) -> StoreResult<u64> {
        Ok(0)
    }
}

#[tokio::test]
async fn a_failed_write_is_counted_not_raised() {
    let audit = Audit::new(Arc::new(DownStore), Clock::manual(0));
    audit.record(AuditEvent::new(AuditKind::SignInFailed)).await;
    audit.record(AuditEvent::new(AuditKind::SignInFailed)).await;
    assert_eq!(audit.failures(), 2);
}

#[test]
fn kinds_round_trip_and_user_agents_are_cleaned() {
    for k in AuditKind::ALL {
        assert_eq!(AuditKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(AuditKind::parse("nope"), None);
    assert_eq!(
        clean_user_agent("Mozilla\r\nX-Evil: 1").as_deref(),
        Some("MozillaX-Evil: 1")
    );
    assert_eq!(clean_user_agent(" \t "), None);
    assert_eq!(
        clean_user_agent(&"a".repeat(5000)).map(|s| s.len()),
        Some(MAX_USER_AGENT_CHARS)
    );
}
