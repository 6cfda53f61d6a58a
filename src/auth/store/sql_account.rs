//! SQL for [`AccountStore`]: one text for SQLite and PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::account::{AccountStore, ConnectedApp, SessionEntry, StoredPicture};
use super::sql::{SqlStore, unavailable};
use super::{StoreError, StoreResult};

fn session_entry(row: &AnyRow) -> StoreResult<SessionEntry> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
    let i = |c: &str| row.try_get::<i64, _>(c).map_err(unavailable);
    Ok(SessionEntry {
        sid: s("sid")?,
        user_id: s("user_id")?,
        session_key: s("session_key")?,
        device: s("device")?,
        ip: s("ip")?,
        started_at: i("started_at")?,
        last_seen_at: i("last_seen_at")?,
        expires_at: i("expires_at")?,
    })
}

fn picture(row: &AnyRow) -> StoreResult<StoredPicture> {
    Ok(StoredPicture {
        user_id: row.try_get("user_id").map_err(unavailable)?,
        picture_id: row.try_get("picture_id").map_err(unavailable)?,
        content_type: row.try_get("content_type").map_err(unavailable)?,
        bytes: row.try_get("bytes").map_err(unavailable)?,
        updated_at: row.try_get("updated_at").map_err(unavailable)?,
    })
}

/// Revokes the active refresh tokens the query's `WHERE` picks and returns their grant
/// (family) ids. `filter` binds the user as `$2` and optionally the client as `$3`.
async fn revoke_refresh_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    client_id: Option<&str>,
    now: i64,
) -> StoreResult<Vec<String>> {
    let (select, update) = match client_id {
        Some(_) => (
            "SELECT DISTINCT family_id FROM refresh_tokens \
             WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL",
            "UPDATE refresh_tokens SET revoked_at = $1 \
             WHERE user_id = $2 AND client_id = $3 AND revoked_at IS NULL",
        ),
        None => (
            "SELECT DISTINCT family_id FROM refresh_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL",
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        ),
    };
    let mut query = sqlx::query(select).bind(user_id);
    if let Some(c) = client_id {
        query = query.bind(c);
    }
    let families = query
        .fetch_all(&mut **tx)
        .await
        .map_err(unavailable)?
        .iter()
        .map(|r| r.try_get::<String, _>("family_id").map_err(unavailable))
        .collect::<StoreResult<Vec<String>>>()?;
    let mut query = sqlx::query(update).bind(now).bind(user_id);
    if let Some(c) = client_id {
        query = query.bind(c);
    }
    query.execute(&mut **tx).await.map_err(unavailable)?;
    Ok(families)
}

/// A session's last sighting (read on every signed-in request), and its refresh when stale.
pub(super) const SESSION_LAST_SEEN: &str =
    "SELECT last_seen_at FROM user_sessions WHERE session_key = $1";
pub(super) const SESSION_TOUCH: &str = "UPDATE user_sessions SET last_seen_at = $1, ip = $2 \
     WHERE session_key = $3 AND last_seen_at <= $4";

#[async_trait]
impl AccountStore for SqlStore {
    async fn set_display_name(
        &self,
        user_id: &str,
        name: Option<&str>,
        now: i64,
    ) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query("UPDATE users SET name = $1, updated_at = $2 WHERE user_id = $3")
            .bind(name.map(str::to_owned))
            .bind(now)
            .bind(user_id)
            .execute(self.pool())
            .await
            .map_err(unavailable)?
            .rows_affected();
        Ok(n > 0)
    }

    async fn put_picture(&self, p: &StoredPicture) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query(
            "INSERT INTO user_pictures (user_id, picture_id, content_type, bytes, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id) DO UPDATE SET picture_id = excluded.picture_id, \
             content_type = excluded.content_type, bytes = excluded.bytes, \
             updated_at = excluded.updated_at",
        )
        .bind(p.user_id.clone())
        .bind(p.picture_id.clone())
        .bind(p.content_type.clone())
        .bind(p.bytes.clone())
        .bind(p.updated_at)
        .execute(self.pool())
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn picture_id(&self, user_id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT picture_id FROM user_pictures WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        row.map(|r| r.try_get::<String, _>("picture_id").map_err(unavailable))
            .transpose()
    }

    async fn get_picture(&self, picture_id: &str) -> StoreResult<Option<StoredPicture>> {
        let row = sqlx::query(
            "SELECT user_id, picture_id, content_type, bytes, updated_at FROM user_pictures \
             WHERE picture_id = $1",
        )
        .bind(picture_id)
        .fetch_optional(self.pool())
        .await
        .map_err(unavailable)?;
        row.as_ref().map(picture).transpose()
    }

    async fn delete_picture(&self, user_id: &str) -> StoreResult<bool> {
        let _write = self.writing().await;
        let n = sqlx::query("DELETE FROM user_pictures WHERE user_id = $1")
            .bind(user_id)
            .execute(self.pool())
            .await
            .map_err(unavailable)?
            .rows_affected();
        Ok(n > 0)
    }

    async fn record_session(&self, e: &SessionEntry) -> StoreResult<()> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        // A cookie names one session: an older row under the same key is stale.
        sqlx::query("DELETE FROM user_sessions WHERE session_key = $1 AND sid <> $2")
            .bind(e.session_key.clone())
            .bind(e.sid.clone())
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO user_sessions (sid, user_id, session_key, device, ip, started_at, \
             last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (sid) DO UPDATE SET session_key = excluded.session_key, \
             device = excluded.device, ip = excluded.ip, last_seen_at = excluded.last_seen_at, \
             expires_at = excluded.expires_at",
        )
        .bind(e.sid.clone())
        .bind(e.user_id.clone())
        .bind(e.session_key.clone())
        .bind(e.device.clone())
        .bind(e.ip.clone())
        .bind(e.started_at)
        .bind(e.last_seen_at)
        .bind(e.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)
    }

    async fn touch_session(
        &self,
        session_key: &str,
        ip: &str,
        now: i64,
        interval_secs: u64,
    ) -> StoreResult<Option<i64>> {
        let stale_before = now.saturating_sub(i64::try_from(interval_secs).unwrap_or(i64::MAX));
        // Read first: most requests find the row fresh and write nothing (no write lock).
        let row = sqlx::query(SESSION_LAST_SEEN)
            .bind(session_key)
            .fetch_optional(self.pool())
            .await
            .map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let last_seen: i64 = row.try_get("last_seen_at").map_err(unavailable)?;
        if last_seen > stale_before {
            return Ok(Some(last_seen));
        }
        let _write = self.writing().await;
        sqlx::query(SESSION_TOUCH)
            .bind(now)
            .bind(ip)
            .bind(session_key)
            .bind(stale_before)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(Some(now))
    }

    async fn list_sessions(&self, user_id: &str, now: i64) -> StoreResult<Vec<SessionEntry>> {
        sqlx::query(
            "SELECT sid, user_id, session_key, device, ip, started_at, last_seen_at, expires_at \
             FROM user_sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY last_seen_at DESC, sid LIMIT 200",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?
        .iter()
        .map(session_entry)
        .collect()
    }

    async fn forget_sessions(&self, sids: &[String]) -> StoreResult<()> {
        if sids.is_empty() {
            return Ok(());
        }
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        for sid in sids {
            sqlx::query("DELETE FROM user_sessions WHERE sid = $1")
                .bind(sid.clone())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn forget_session_key(&self, session_key: &str) -> StoreResult<()> {
        let _write = self.writing().await;
        sqlx::query("DELETE FROM user_sessions WHERE session_key = $1")
            .bind(session_key)
            .execute(self.pool())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn purge_sessions(&self, now: i64, limit: u32) -> StoreResult<u64> {
        self.purge_batch(
            "DELETE FROM user_sessions WHERE sid IN \
             (SELECT sid FROM user_sessions WHERE expires_at < $1 LIMIT $2)",
            now,
            limit,
        )
        .await
    }

    async fn connected_apps(&self, user_id: &str) -> StoreResult<Vec<ConnectedApp>> {
        let rows = sqlx::query(
            "SELECT consents.client_id AS client_id, clients.name AS client_name, \
             consents.scopes AS scopes, consents.updated_at AS updated_at \
             FROM consents LEFT JOIN clients ON clients.client_id = consents.client_id \
             WHERE consents.user_id = $1 ORDER BY consents.updated_at DESC LIMIT 500",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await
        .map_err(unavailable)?;
        rows.iter()
            .map(|r| {
                let scopes: String = r.try_get("scopes").map_err(unavailable)?;
                Ok(ConnectedApp {
                    client_id: r.try_get("client_id").map_err(unavailable)?,
                    client_name: r.try_get("client_name").map_err(unavailable)?,
                    scopes: serde_json::from_str(&scopes).map_err(|e| {
                        StoreError::Unavailable(anyhow::anyhow!("corrupt consent scopes: {e}"))
                    })?,
                    updated_at: r.try_get("updated_at").map_err(unavailable)?,
                })
            })
            .collect()
    }

    async fn revoke_app(
        &self,
        user_id: &str,
        client_id: &str,
        now: i64,
    ) -> StoreResult<Option<Vec<String>>> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let n = sqlx::query("DELETE FROM consents WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        let families = revoke_refresh_tokens(&mut tx, user_id, Some(client_id), now).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(Some(families))
    }

    async fn delete_account(&self, user_id: &str, now: i64) -> StoreResult<Option<Vec<String>>> {
        let _write = self.writing().await;
        let mut tx = self.pool().begin().await.map_err(unavailable)?;
        let families = revoke_refresh_tokens(&mut tx, user_id, None, now).await?;
        for delete in [
            "DELETE FROM refresh_tokens WHERE user_id = $1",
            "DELETE FROM consents WHERE user_id = $1",
        ] {
            sqlx::query(delete)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        // user_pictures, user_sessions and every later table keyed by user id follow by
        // ON DELETE CASCADE.
        let n = sqlx::query("DELETE FROM users WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?
            .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(Some(families))
    }
}
