//! In-process [`EphemeralStore`] for the embedded default (one instance).
//!
//! A mutex-guarded map is enough: every operation is a few hash-map steps, and the lock is
//! never held across an `.await`. Expired entries are dropped when touched and swept
//! whenever the map has grown by a batch since the last sweep, so memory stays bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{EphemeralStore, Namespace, StoreError, StoreResult};

const SWEEP_EVERY: usize = 1024;

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<(Namespace, String), (String, Instant)>,
    inserts_since_sweep: usize,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> StoreResult<std::sync::MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Unavailable(anyhow::anyhow!("memory store lock poisoned")))
    }
}

#[async_trait]
impl EphemeralStore for MemoryStore {
    async fn put(&self, ns: Namespace, key: &str, value: &str, ttl_secs: u64) -> StoreResult<()> {
        let now = Instant::now();
        let mut inner = self.lock()?;
        inner.inserts_since_sweep += 1;
        if inner.inserts_since_sweep >= SWEEP_EVERY {
            inner.map.retain(|_, (_, exp)| *exp > now);
            inner.inserts_since_sweep = 0;
        }
        inner.map.insert(
            (ns, key.to_owned()),
            (value.to_owned(), now + Duration::from_secs(ttl_secs)),
        );
        Ok(())
    }

    async fn get(&self, ns: Namespace, key: &str) -> StoreResult<Option<String>> {
        let now = Instant::now();
        let mut inner = self.lock()?;
        let k = (ns, key.to_owned());
        match inner.map.get(&k) {
            Some((v, exp)) if *exp > now => Ok(Some(v.clone())),
            Some(_) => {
                inner.map.remove(&k);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// One lock for all keys (the throttle asks for three before every client
    /// authentication); expired entries read as absent and are left to the sweeper.
    async fn get_many(&self, ns: Namespace, keys: &[String]) -> StoreResult<Vec<Option<String>>> {
        let now = Instant::now();
        let inner = self.lock()?;
        Ok(keys
            .iter()
            .map(|key| match inner.map.get(&(ns, key.clone())) {
                Some((v, exp)) if *exp > now => Some(v.clone()),
                _ => None,
            })
            .collect())
    }

    async fn take(&self, ns: Namespace, key: &str) -> StoreResult<Option<String>> {
        let now = Instant::now();
        let mut inner = self.lock()?;
        Ok(inner
            .map
            .remove(&(ns, key.to_owned()))
            .filter(|(_, exp)| *exp > now)
            .map(|(v, _)| v))
    }

    async fn delete(&self, ns: Namespace, key: &str) -> StoreResult<()> {
        self.lock()?.map.remove(&(ns, key.to_owned()));
        Ok(())
    }

    async fn incr(&self, ns: Namespace, key: &str, ttl_secs: u64) -> StoreResult<u64> {
        let now = Instant::now();
        let mut inner = self.lock()?;
        let entry = inner
            .map
            .entry((ns, key.to_owned()))
            .or_insert_with(|| ("0".to_owned(), now + Duration::from_secs(ttl_secs)));
        if entry.1 <= now {
            *entry = ("0".to_owned(), now + Duration::from_secs(ttl_secs));
        }
        let n = entry.0.parse::<u64>().unwrap_or(0) + 1;
        entry.0 = n.to_string();
        Ok(n)
    }

    async fn ping(&self) -> StoreResult<()> {
        self.lock().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn take_is_single_use_and_ttl_expires() {
        let store = MemoryStore::new();
        store
            .put(Namespace::AuthorizationCode, "k", "v", 60)
            .await
            .unwrap();
        assert_eq!(
            store
                .get(Namespace::AuthorizationCode, "k")
                .await
                .unwrap()
                .as_deref(),
            Some("v")
        );
        // Namespaces do not collide.
        assert_eq!(store.get(Namespace::Session, "k").await.unwrap(), None);
        assert_eq!(
            store
                .take(Namespace::AuthorizationCode, "k")
                .await
                .unwrap()
                .as_deref(),
            Some("v")
        );
        assert_eq!(
            store.take(Namespace::AuthorizationCode, "k").await.unwrap(),
            None
        );
        store.put(Namespace::Session, "e", "v", 0).await.unwrap();
        assert_eq!(store.get(Namespace::Session, "e").await.unwrap(), None);
    }
}
