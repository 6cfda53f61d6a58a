//! [`EphemeralStore`] on Redis, shared by every instance (production mode).
//!
//! Keys are `<redis.key_prefix>:<namespace>:<key>`; every write carries its TTL so Redis expires what the
//! protocol forgets. `take` is `GETDEL`: atomic single use across instances. Timeouts are
//! short, so a dead Redis makes requests fail fast with 503 instead of hanging, and the
//! connection manager reconnects by itself when Redis is back.

use std::time::Duration;

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{EphemeralStore, Namespace, StoreError, StoreResult};

#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: std::sync::Arc<str>,
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(anyhow::anyhow!("redis: {e}"))
}

impl RedisStore {
    fn key(&self, ns: Namespace, key: &str) -> String {
        format!("{}:{}:{key}", self.prefix, ns.prefix())
    }

    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<RedisStore> {
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
        Ok(RedisStore {
            conn,
            prefix: prefix.into(),
        })
    }
}

#[async_trait]
impl EphemeralStore for RedisStore {
    async fn put(&self, ns: Namespace, k: &str, value: &str, ttl_secs: u64) -> StoreResult<()> {
        let mut c = self.conn.clone();
        if ttl_secs == 0 {
            return c.del::<_, ()>(self.key(ns, k)).await.map_err(unavailable);
        }
        c.set_ex::<_, _, ()>(self.key(ns, k), value, ttl_secs)
            .await
            .map_err(unavailable)
    }

    async fn get(&self, ns: Namespace, k: &str) -> StoreResult<Option<String>> {
        let mut c = self.conn.clone();
        c.get(self.key(ns, k)).await.map_err(unavailable)
    }

    async fn get_many(&self, ns: Namespace, keys: &[String]) -> StoreResult<Vec<Option<String>>> {
        let mut c = self.conn.clone();
        let full: Vec<String> = keys.iter().map(|k| self.key(ns, k)).collect();
        redis::cmd("MGET")
            .arg(&full)
            .query_async(&mut c)
            .await
            .map_err(unavailable)
    }

    async fn take(&self, ns: Namespace, k: &str) -> StoreResult<Option<String>> {
        let mut c = self.conn.clone();
        c.get_del(self.key(ns, k)).await.map_err(unavailable)
    }

    async fn delete(&self, ns: Namespace, k: &str) -> StoreResult<()> {
        let mut c = self.conn.clone();
        c.del::<_, ()>(self.key(ns, k)).await.map_err(unavailable)
    }

    async fn incr(&self, ns: Namespace, k: &str, ttl_secs: u64) -> StoreResult<u64> {
        let mut c = self.conn.clone();
        let full = self.key(ns, k);
        // INCR then EXPIRE NX in one round trip: the window starts at the first hit.
        let (n, _): (u64, i64) = redis::pipe()
            .atomic()
            .incr(&full, 1u64)
            .cmd("EXPIRE")
            .arg(&full)
            .arg(ttl_secs.max(1))
            .arg("NX")
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        Ok(n)
    }

    async fn ping(&self) -> StoreResult<()> {
        let mut c = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}
