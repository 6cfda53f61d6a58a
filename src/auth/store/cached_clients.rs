//! A short-lived in-process cache in front of the client store.
//!
//! Every token, introspection and revocation request authenticates a client; reading it
//! from SQLite each time (a hop to sqlx's SQLite worker thread and back) was a quarter of a
//! client-credentials grant's cost. Entries live `clients.cache_ttl_secs` (default 1 s; 0
//! turns the cache off). Writes through this store invalidate at once; changes made by
//! another process (the CLI, another instance) are seen within the TTL. A presented secret
//! that does not match a cached entry is re-checked against the database (through
//! `ClientStore::get_client_fresh`), so a freshly rotated secret works immediately; the old one stops working
//! within the TTL.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{ClientStore, StoreResult};
use crate::auth::clients::Client;

/// Bound on entries: unknown ids are never cached, so only registered clients fill it.
const MAX_ENTRIES: usize = 10_000;

pub struct CachedClientStore {
    inner: Arc<dyn ClientStore>,
    ttl: Duration,
    map: RwLock<HashMap<String, (Arc<Client>, Instant)>>,
}

impl CachedClientStore {
    pub fn new(inner: Arc<dyn ClientStore>, ttl_secs: u64) -> Self {
        CachedClientStore {
            inner,
            ttl: Duration::from_secs(ttl_secs),
            map: RwLock::new(HashMap::new()),
        }
    }

    pub fn invalidate(&self, client_id: &str) {
        if let Ok(mut m) = self.map.write() {
            m.remove(client_id);
        }
    }

    fn cached(&self, client_id: &str) -> Option<Client> {
        let m = self.map.read().ok()?;
        let (client, at) = m.get(client_id)?;
        (at.elapsed() < self.ttl).then(|| Client::clone(client))
    }

    fn remember(&self, client: &Client) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut m) = self.map.write() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(
                client.client_id.as_str().to_owned(),
                (Arc::new(client.clone()), Instant::now()),
            );
        }
    }
}

#[async_trait]
impl ClientStore for CachedClientStore {
    async fn insert_client(&self, client: &Client) -> StoreResult<()> {
        self.invalidate(&client.client_id);
        self.inner.insert_client(client).await
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        if let Some(c) = self.cached(client_id) {
            return Ok(Some(c));
        }
        let found = self.inner.get_client(client_id).await?;
        if let Some(c) = &found {
            self.remember(c);
        }
        Ok(found)
    }

    async fn get_client_fresh(&self, client_id: &str) -> StoreResult<Option<Client>> {
        self.invalidate(client_id);
        self.get_client(client_id).await
    }

    async fn list_clients(&self) -> StoreResult<Vec<Client>> {
        self.inner.list_clients().await
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        self.invalidate(client_id);
        self.inner.delete_client(client_id).await
    }

    async fn set_client_secret_hash(&self, client_id: &str, hash_hex: &str) -> StoreResult<bool> {
        self.invalidate(client_id);
        self.inner.set_client_secret_hash(client_id, hash_hex).await
    }

    async fn set_client_settings(&self, client: &Client) -> StoreResult<bool> {
        self.invalidate(&client.client_id);
        self.inner.set_client_settings(client).await
    }

    async fn replace_client(&self, client: &Client) -> StoreResult<bool> {
        self.invalidate(&client.client_id);
        self.inner.replace_client(client).await
    }
}
