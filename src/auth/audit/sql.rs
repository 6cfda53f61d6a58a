//! The audit table in SQL: one query text for SQLite and PostgreSQL (sqlx `Any`).

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{AuditEvent, AuditQuery, AuditRecord, AuditStore};
use crate::auth::store::StoreResult;
use crate::auth::store::sql::{SqlStore, unavailable};

/// The most rows one `list` returns, whatever was asked.
pub const MAX_LIST: u32 = 10_000;

fn record_from_row(row: &AnyRow) -> StoreResult<AuditRecord> {
    let detail: String = row.try_get("detail").map_err(unavailable)?;
    Ok(AuditRecord {
        id: row.try_get("id").map_err(unavailable)?,
        at_ms: row.try_get("at_ms").map_err(unavailable)?,
        kind: row.try_get("kind").map_err(unavailable)?,
        user: row.try_get("user_id").map_err(unavailable)?,
        client: row.try_get("client_id").map_err(unavailable)?,
        ip: row.try_get("ip").map_err(unavailable)?,
        user_agent: row.try_get("user_agent").map_err(unavailable)?,
        // A row written by hand that is not JSON is shown as its text, not lost.
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
    })
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append(&self, at_ms: i64, e: &AuditEvent) -> StoreResult<()> {
        let _write = self.writing().await;
        let detail = if e.detail.is_null() {
            "{}".to_owned()
        } else {
            e.detail.to_string()
        };
        sqlx::query(
            "INSERT INTO audit_events (at_ms, kind, user_id, client_id, ip, user_agent, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(at_ms)
        .bind(e.kind.as_str())
        .bind(e.user.clone())
        .bind(e.client.clone())
        .bind(e.ip.map(|ip| ip.to_string()))
        .bind(e.user_agent.clone())
        .bind(detail)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn list(&self, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        // Absent filters bind NULL and match everything: one text for every combination.
        sqlx::query(
            "SELECT * FROM audit_events \
             WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR kind = $2) \
             AND at_ms >= $3 \
             ORDER BY at_ms DESC, id DESC LIMIT $4",
        )
        .bind(q.user.clone())
        .bind(q.kind.map(|k| k.as_str()))
        .bind(q.since_ms.unwrap_or(i64::MIN))
        .bind(i64::from(q.limit.clamp(1, MAX_LIST)))
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?
        .iter()
        .map(record_from_row)
        .collect()
    }

    async fn purge_before(&self, before_ms: i64, limit: u32) -> StoreResult<u64> {
        let _write = self.writing().await;
        let n = sqlx::query(
            "DELETE FROM audit_events WHERE id IN \
             (SELECT id FROM audit_events WHERE at_ms < $1 LIMIT $2)",
        )
        .bind(before_ms)
        .bind(i64::from(limit.max(1)))
        .execute(self.pool())
        .await
        .map_err(unavailable)?
        .rows_affected();
        Ok(n)
    }
}
