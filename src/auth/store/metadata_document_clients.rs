//! Clients named by a metadata document URL (`auth::clients::metadata_document`), in front
//! of the client store: an id that is a URL is answered from the fetched document —
//! reused for its cache lifetime, then fetched again — and the client is written to the
//! store (provenance `metadata_document`) so refresh tokens, consents and `belf client
//! list` see it like any other. Every other id goes to the store behind.
//!
//! A refused document is remembered for the floor lifetime too, so naming a bad URL over
//! and over does not make the server fetch it over and over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{ClientStore, StoreError, StoreResult};
use crate::auth::clients::Client;
use crate::auth::clients::metadata_document::{self, is_document_url};
use crate::clock::Clock;
use crate::config::ClientMetadataDocumentConfig;

/// Bound on remembered documents; past it the memory starts over.
const MAX_ENTRIES: usize = 10_000;

pub struct MetadataDocumentClients {
    inner: Arc<dyn ClientStore>,
    config: ClientMetadataDocumentConfig,
    known_scopes: Vec<String>,
    clock: Clock,
    /// By URL: the client (`None`: the document was refused) and until when it holds.
    fetched: Mutex<HashMap<String, (Option<Client>, Instant)>>,
}

impl MetadataDocumentClients {
    pub fn new(
        inner: Arc<dyn ClientStore>,
        config: &ClientMetadataDocumentConfig,
        known_scopes: Vec<String>,
        clock: Clock,
    ) -> Self {
        MetadataDocumentClients {
            inner,
            config: config.clone(),
            known_scopes,
            clock,
            fetched: Mutex::new(HashMap::new()),
        }
    }

    fn remembered(&self, url: &str) -> Option<Option<Client>> {
        let map = self.fetched.lock().ok()?;
        let (client, until) = map.get(url)?;
        (Instant::now() < *until).then(|| client.clone())
    }

    fn remember(&self, url: &str, client: Option<Client>, secs: u64) {
        if let Ok(mut map) = self.fetched.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            let until = Instant::now() + Duration::from_secs(secs);
            map.insert(url.to_owned(), (client, until));
        }
    }

    fn forget(&self, url: &str) {
        if let Ok(mut map) = self.fetched.lock() {
            map.remove(url);
        }
    }

    /// The client of the document at `url`, fetched unless remembered.
    async fn document_client(&self, url: &str) -> StoreResult<Option<Client>> {
        if let Some(known) = self.remembered(url) {
            return Ok(known);
        }
        let now = self.clock.now();
        match metadata_document::fetch(url, &self.config, &self.known_scopes, now).await {
            Ok(doc) => {
                let client = self.store(doc.client).await?;
                tracing::info!(
                    client_id = %url,
                    cache_secs = doc.cache_secs,
                    "client metadata document accepted"
                );
                self.remember(url, Some(client.clone()), doc.cache_secs);
                Ok(Some(client))
            }
            Err(reason) => {
                tracing::warn!(client_id = %url, %reason, "client metadata document refused");
                self.remember(url, None, self.config.min_cache_secs);
                Ok(None)
            }
        }
    }

    /// Writes the document's client: new, or replacing the stored one (keeping its
    /// creation time). An id taken by a client of another kind is not touched.
    async fn store(&self, mut client: Client) -> StoreResult<Client> {
        match self.inner.get_client_fresh(&client.client_id).await? {
            Some(stored) if stored.provenance != client.provenance => Err(StoreError::Conflict(
                "a client not made from a metadata document has this id".into(),
            )),
            Some(stored) => {
                client.created_at = stored.created_at;
                self.inner.replace_client(&client).await?;
                Ok(client)
            }
            None => match self.inner.insert_client(&client).await {
                // Another request stored it first: the same document, keep theirs.
                Err(StoreError::Conflict(_)) => {
                    self.inner.replace_client(&client).await?;
                    Ok(client)
                }
                other => other.map(|()| client),
            },
        }
    }
}

#[async_trait]
impl ClientStore for MetadataDocumentClients {
    async fn insert_client(&self, client: &Client) -> StoreResult<()> {
        self.inner.insert_client(client).await
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        if is_document_url(client_id) {
            return self.document_client(client_id).await;
        }
        self.inner.get_client(client_id).await
    }

    async fn get_client_fresh(&self, client_id: &str) -> StoreResult<Option<Client>> {
        if is_document_url(client_id) {
            return self.document_client(client_id).await;
        }
        self.inner.get_client_fresh(client_id).await
    }

    async fn list_clients(&self) -> StoreResult<Vec<Client>> {
        self.inner.list_clients().await
    }

    async fn delete_client(&self, client_id: &str) -> StoreResult<bool> {
        self.forget(client_id);
        self.inner.delete_client(client_id).await
    }

    async fn set_client_secret_hash(&self, client_id: &str, hash_hex: &str) -> StoreResult<bool> {
        self.inner.set_client_secret_hash(client_id, hash_hex).await
    }

    async fn set_client_settings(&self, client: &Client) -> StoreResult<bool> {
        self.forget(&client.client_id);
        self.inner.set_client_settings(client).await
    }

    async fn replace_client(&self, client: &Client) -> StoreResult<bool> {
        self.forget(&client.client_id);
        self.inner.replace_client(client).await
    }
}
