//! Sessions in Redis, shared by every web instance: `{prefix}:web:s:{key}` holds the
//! session (with its TTL); `{prefix}:web:sub:{sub}` is the set of a person's session keys,
//! so back-channel logout finds them all. Short timeouts make a dead Redis an outage page,
//! not a hung request.

use std::time::Duration;

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Result, SessionData, SessionId, SessionStore, SessionStoreError};

#[derive(Clone)]
pub struct RedisSessions {
    conn: ConnectionManager,
    prefix: String,
}

fn unavailable(e: impl std::fmt::Display) -> SessionStoreError {
    SessionStoreError::Unavailable(format!("redis: {e}"))
}

impl RedisSessions {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<RedisSessions> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(1000)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = tokio::time::timeout(
            Duration::from_secs(5),
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| anyhow::anyhow!("redis: connection timed out"))??;
        Ok(RedisSessions {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    fn session_key(&self, key: &str) -> String {
        format!("{}:web:s:{key}", self.prefix)
    }

    fn subject_key(&self, sub: &str) -> String {
        format!("{}:web:sub:{sub}", self.prefix)
    }
}

#[async_trait]
impl SessionStore for RedisSessions {
    async fn load(&self, id: &SessionId, now: i64) -> Result<Option<SessionData>> {
        let mut c = self.conn.clone();
        let raw: Option<String> = c
            .get(self.session_key(&id.store_key()))
            .await
            .map_err(unavailable)?;
        // Redis expires the key on its own clock; the session's own expiry is checked on
        // the injected one too, so both stores end a session at the same moment.
        Ok(raw
            .and_then(|r| serde_json::from_str::<SessionData>(&r).ok())
            .filter(|d| d.expires_at > now))
    }

    async fn save(
        &self,
        id: &SessionId,
        data: &SessionData,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let ttl = u64::try_from(expires_at - now).unwrap_or(0).max(1);
        let json = serde_json::to_string(data).map_err(unavailable)?;
        let key = id.store_key();
        let mut pipe = redis::pipe();
        pipe.set_ex(self.session_key(&key), json, ttl).ignore();
        if let Some(user) = &data.user {
            // The index lives as long as the longest session in it.
            let index = self.subject_key(&user.sub);
            pipe.sadd(&index, &key).ignore();
            pipe.cmd("EXPIRE").arg(&index).arg(ttl).arg("GT").ignore();
            pipe.cmd("EXPIRE").arg(&index).arg(ttl).arg("NX").ignore();
        }
        let mut c = self.conn.clone();
        pipe.query_async::<()>(&mut c).await.map_err(unavailable)
    }

    async fn delete(&self, id: &SessionId) -> Result<()> {
        let mut c = self.conn.clone();
        c.del::<_, ()>(self.session_key(&id.store_key()))
            .await
            .map_err(unavailable)
    }

    async fn end_for_subject(&self, sub: Option<&str>, sid: Option<&str>) -> Result<u64> {
        // Redis keeps no index by `sid` alone: a logout token naming only `sid` finds
        // nothing here (the identity server sends `sub` with it).
        let Some(sub) = sub else { return Ok(0) };
        let mut c = self.conn.clone();
        let index = self.subject_key(sub);
        let keys: Vec<String> = c.smembers(&index).await.map_err(unavailable)?;
        let mut ended = 0;
        for key in keys {
            let full = self.session_key(&key);
            let raw: Option<String> = c.get(&full).await.map_err(unavailable)?;
            let Some(data) = raw.and_then(|r| serde_json::from_str::<SessionData>(&r).ok()) else {
                let _: () = c.srem(&index, &key).await.map_err(unavailable)?;
                continue;
            };
            let matches = data.user.as_ref().is_some_and(|u| {
                u.sub == sub && sid.is_none_or(|sid| u.sid.as_deref() == Some(sid))
            });
            if matches {
                let removed: u64 = c.del(&full).await.map_err(unavailable)?;
                let _: () = c.srem(&index, &key).await.map_err(unavailable)?;
                ended += removed;
            }
        }
        Ok(ended)
    }

    async fn ping(&self) -> Result<()> {
        let mut c = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}
