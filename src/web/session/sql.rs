//! Sessions in SQL (`migrations/web/{sqlite,postgres}`), over an `AnyPool` so SQLite and
//! PostgreSQL share one implementation. Expired rows are never returned and are purged
//! whenever a new session is saved past the purge interval.

use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use sqlx::{AnyPool, Row};

use super::{Result, SessionData, SessionId, SessionStore, SessionStoreError};
use crate::db::{Dialect, connect_pool};

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/web/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/web/postgres");

/// Seconds between two purges of expired rows.
const PURGE_EVERY: i64 = 300;

pub struct SqlSessions {
    pool: AnyPool,
    last_purge: AtomicI64,
}

fn unavailable(e: impl std::fmt::Display) -> SessionStoreError {
    SessionStoreError::Unavailable(format!("database: {e}"))
}

impl SqlSessions {
    /// Opens (creating the SQLite file's folder when missing) and migrates.
    pub async fn connect(url: &str) -> anyhow::Result<SqlSessions> {
        let Some(dialect) = Dialect::parse(url) else {
            anyhow::bail!("web.database_url must start with sqlite: or postgres:");
        };
        if dialect == Dialect::Sqlite {
            create_parent_folder(url)?;
        }
        let (migrator, size) = match dialect {
            Dialect::Sqlite => (&SQLITE, 1),
            Dialect::Postgres => (&POSTGRES, 8),
        };
        let pool = connect_pool(url, size).await?;
        migrator.run(&pool).await?;
        Ok(SqlSessions {
            pool,
            last_purge: AtomicI64::new(0),
        })
    }

    async fn purge_expired(&self, now: i64) {
        let last = self.last_purge.load(Ordering::Relaxed);
        if now - last < PURGE_EVERY
            || self
                .last_purge
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "purging expired web sessions failed");
        }
    }
}

/// `sqlite://data/web.sqlite?mode=rwc` → creates `data/`.
fn create_parent_folder(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

#[async_trait]
impl SessionStore for SqlSessions {
    async fn load(&self, id: &SessionId, now: i64) -> Result<Option<SessionData>> {
        let row = sqlx::query("SELECT data FROM web_sessions WHERE id = $1 AND expires_at > $2")
            .bind(id.store_key())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(unavailable)?;
        // A row this version cannot read is a session that has ended.
        Ok(serde_json::from_str(&data).ok())
    }

    async fn save(
        &self,
        id: &SessionId,
        data: &SessionData,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let json = serde_json::to_string(data).map_err(unavailable)?;
        let user = data.user.as_ref();
        sqlx::query(
            "INSERT INTO web_sessions (id, subject, sid, data, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET subject = $2, sid = $3, data = $4, expires_at = $5",
        )
        .bind(id.store_key())
        .bind(user.map(|u| u.sub.clone()))
        .bind(user.and_then(|u| u.sid.clone()))
        .bind(json)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        self.purge_expired(now).await;
        Ok(())
    }

    async fn delete(&self, id: &SessionId) -> Result<()> {
        sqlx::query("DELETE FROM web_sessions WHERE id = $1")
            .bind(id.store_key())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn end_for_subject(&self, sub: Option<&str>, sid: Option<&str>) -> Result<u64> {
        let done = match (sub, sid) {
            (Some(sub), Some(sid)) => {
                sqlx::query("DELETE FROM web_sessions WHERE subject = $1 AND sid = $2")
                    .bind(sub.to_owned())
                    .bind(sid.to_owned())
                    .execute(&self.pool)
                    .await
            }
            (Some(sub), None) => {
                sqlx::query("DELETE FROM web_sessions WHERE subject = $1")
                    .bind(sub.to_owned())
                    .execute(&self.pool)
                    .await
            }
            (None, Some(sid)) => {
                sqlx::query("DELETE FROM web_sessions WHERE sid = $1")
                    .bind(sid.to_owned())
                    .execute(&self.pool)
                    .await
            }
            (None, None) => return Ok(0),
        }
        .map_err(unavailable)?;
        Ok(done.rows_affected())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
