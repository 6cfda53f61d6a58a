//! SQL for [`SessionClientStore`]: one text for SQLite and PostgreSQL (both have
//! `ON CONFLICT` and `DELETE … RETURNING`).

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::sql::{SqlStore, unavailable};
use super::{SessionClient, SessionClientStore, StoreResult};

fn participant(row: &AnyRow) -> StoreResult<SessionClient> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    Ok(SessionClient {
        sid: s("sid")?,
        client_id: s("client_id")?,
        user_id: s("user_id")?,
    })
}

/// At every logout: the clients a session used, taken in one statement.
pub(super) const TAKE_SESSION_CLIENTS: &str =
    "DELETE FROM session_clients WHERE sid = $1 RETURNING sid, client_id, user_id";

#[async_trait]
impl SessionClientStore for SqlStore {
    async fn remember_session_client(
        &self,
        p: &SessionClient,
        started_at_ms: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query(
            "INSERT INTO session_clients (sid, client_id, user_id, started_at_ms, expires_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sid, client_id) DO UPDATE SET expires_at = excluded.expires_at",
        )
        .bind(p.sid.clone())
        .bind(p.client_id.clone())
        .bind(p.user_id.clone())
        .bind(started_at_ms)
        .bind(expires_at)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn take_session_clients(&self, sid: &str) -> StoreResult<Vec<SessionClient>> {
        let _write = self.writing().await;
        sqlx::query(TAKE_SESSION_CLIENTS)
            .bind(sid)
            .fetch_all(self.pool())
            .await
            .map_err(unavailable)?
            .iter()
            .map(participant)
            .collect()
    }

    async fn take_user_session_clients(
        &self,
        user_id: &str,
        before_ms: i64,
    ) -> StoreResult<Vec<SessionClient>> {
        let _write = self.writing().await;
        sqlx::query(
            "DELETE FROM session_clients WHERE user_id = $1 AND started_at_ms < $2 \
             RETURNING sid, client_id, user_id",
        )
        .bind(user_id)
        .bind(before_ms)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?
        .iter()
        .map(participant)
        .collect()
    }

    async fn purge_session_clients(&self, now: i64, limit: u32) -> StoreResult<u64> {
        self.purge_batch(
            "DELETE FROM session_clients WHERE (sid, client_id) IN \
             (SELECT sid, client_id FROM session_clients WHERE expires_at < $1 LIMIT $2)",
            now,
            limit,
        )
        .await
    }
}
