//! In-process [`EphemeralStore`] for the embedded default (one instance).
//!
//! A mutex-guarded map per namespace is enough: every operation is a few map steps, and
//! the lock is never held across an `.await`.
//!
//! Memory is bounded twice. Every entry has an expiry, kept in an index ordered by expiry,
//! so each write first drops a few expired entries from the front of that index: cleanup
//! costs O(log n) per write, instead of a sweep of the whole map (which, every 1,024
//! inserts, slowed the server down as the map grew). And each namespace has a cap
//! ([`MemoryStoreConfig`]): past it, pending interactions and sessions push out the entry
//! closest to expiry (the oldest, as all of them live equally long), while every other
//! namespace refuses the new entry — dropping a revocation or a throttle counter to make
//! room would weaken the server, so a full one answers "unavailable" instead.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{EphemeralStore, Namespace, StoreError, StoreResult};
use crate::config::MemoryStoreConfig;

/// Expired entries dropped per write, at most: enough to keep up with any steady state
/// (one write adds at most one entry), small enough that no write stalls.
const EXPIRED_PER_WRITE: usize = 8;

/// What a namespace does when it is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WhenFull {
    /// Push out the entry closest to expiry.
    EvictOldest,
    /// Refuse the new entry.
    Refuse,
}

pub struct MemoryStore {
    spaces: [Mutex<Space>; NAMESPACES],
}

const NAMESPACES: usize = 20;

/// Each namespace in its own slot (and under its own lock). A new namespace fails to
/// compile here until it is given a slot, a cap and a policy.
fn slot(ns: Namespace) -> usize {
    match ns {
        Namespace::Session => 0,
        Namespace::Interaction => 1,
        Namespace::AuthorizationCode => 2,
        Namespace::SpentCode => 3,
        Namespace::RevokedJti => 4,
        Namespace::RevokedGrant => 5,
        Namespace::GrantClaims => 6,
        Namespace::RefreshSuccessor => 7,
        Namespace::Throttle => 8,
        Namespace::DeviceCode => 9,
        Namespace::DevicePoll => 10,
        Namespace::DeviceDecision => 11,
        Namespace::PushedRequest => 12,
        Namespace::DpopJti => 13,
        Namespace::DpopNonce => 14,
        Namespace::AssertionJti => 15,
        Namespace::UpstreamLogin => 16,
        Namespace::SecondStep => 17,
        Namespace::TotpEnrolment => 18,
        Namespace::PasskeyCeremony => 19,
    }
}

struct Space {
    entries: HashMap<String, Entry>,
    /// (expiry, insertion number) → key: the front is what expires (or is evicted) first.
    by_expiry: BTreeMap<(Instant, u64), String>,
    next_seq: u64,
    cap: usize,
    when_full: WhenFull,
    name: &'static str,
    /// Whether reaching the cap has been logged since the space last had room: once per
    /// episode, not once per request of a flood.
    full_logged: bool,
}

struct Entry {
    value: String,
    expires: Instant,
    seq: u64,
}

impl Space {
    fn new(name: &'static str, cap: usize, when_full: WhenFull) -> Space {
        Space {
            entries: HashMap::new(),
            by_expiry: BTreeMap::new(),
            next_seq: 0,
            cap: cap.max(1),
            when_full,
            name,
            full_logged: false,
        }
    }

    fn live(&self, key: &str, now: Instant) -> Option<&Entry> {
        self.entries.get(key).filter(|e| e.expires > now)
    }

    fn remove(&mut self, key: &str) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.by_expiry.remove(&(entry.expires, entry.seq));
        Some(entry)
    }

    /// Drops up to `limit` expired entries, soonest first.
    fn drop_expired(&mut self, now: Instant, limit: usize) {
        for _ in 0..limit {
            let Some((&(expires, _), _)) = self.by_expiry.first_key_value() else {
                return;
            };
            if expires > now {
                return;
            }
            if let Some((_, key)) = self.by_expiry.pop_first() {
                self.entries.remove(&key);
            }
        }
    }

    /// Makes room for one more entry (not `key`, which is being replaced if present).
    fn make_room(&mut self, key: &str, now: Instant) -> StoreResult<()> {
        self.drop_expired(now, EXPIRED_PER_WRITE);
        if self.entries.contains_key(key) || self.entries.len() < self.cap {
            self.full_logged = false;
            return Ok(());
        }
        // Full of live entries at the front; more expired ones may follow them (the index
        // is ordered by expiry, so this stops at the first live one).
        self.drop_expired(now, usize::MAX);
        if self.entries.len() < self.cap {
            return Ok(());
        }
        if !self.full_logged {
            self.full_logged = true;
            tracing::warn!(
                namespace = self.name,
                cap = self.cap,
                evicting = self.when_full == WhenFull::EvictOldest,
                "in-process store full (memory_store caps)"
            );
        }
        match self.when_full {
            WhenFull::EvictOldest => {
                if let Some((_, oldest)) = self.by_expiry.pop_first() {
                    self.entries.remove(&oldest);
                }
                Ok(())
            }
            WhenFull::Refuse => Err(StoreError::Unavailable(anyhow::anyhow!(
                "in-process store full ({} entries of `{}`)",
                self.cap,
                self.name
            ))),
        }
    }

    fn insert(&mut self, key: &str, value: String, expires: Instant) {
        self.remove(key);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_expiry.insert((expires, seq), key.to_owned());
        self.entries.insert(
            key.to_owned(),
            Entry {
                value,
                expires,
                seq,
            },
        );
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_limits(&crate::config::MemoryStoreConfig::default())
    }
}

impl MemoryStore {
    /// With the shipped default caps.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_limits(caps: &MemoryStoreConfig) -> Self {
        use WhenFull::{EvictOldest, Refuse};
        let spaces = [
            (Namespace::Session, caps.sessions, EvictOldest),
            (Namespace::Interaction, caps.interactions, EvictOldest),
            (
                Namespace::AuthorizationCode,
                caps.authorization_codes,
                Refuse,
            ),
            (Namespace::SpentCode, caps.spent_codes, Refuse),
            (Namespace::RevokedJti, caps.revoked_access_tokens, Refuse),
            (Namespace::RevokedGrant, caps.revoked_grants, Refuse),
            (Namespace::GrantClaims, caps.grant_claims, Refuse),
            (Namespace::RefreshSuccessor, caps.refresh_successors, Refuse),
            (Namespace::Throttle, caps.throttle, Refuse),
            (Namespace::DeviceCode, caps.device_codes, Refuse),
            (Namespace::DevicePoll, caps.device_codes, Refuse),
            (Namespace::DeviceDecision, caps.device_codes, Refuse),
            (Namespace::PushedRequest, caps.pushed_requests, Refuse),
            // Replay caches: dropping an entry would let a proof or assertion be replayed.
            (Namespace::DpopJti, caps.dpop_proofs, Refuse),
            (Namespace::DpopNonce, caps.dpop_proofs, Refuse),
            (Namespace::AssertionJti, caps.client_assertions, Refuse),
            // Sign-ins waiting at another provider are interactions too: the oldest go first.
            (Namespace::UpstreamLogin, caps.interactions, EvictOldest),
            // Two-step login: as short-lived and as per-browser as pending interactions,
            // and capped with them (a dropped one means signing in again).
            (Namespace::SecondStep, caps.interactions, EvictOldest),
            (Namespace::TotpEnrolment, caps.interactions, EvictOldest),
            // A passkey ceremony dropped means pressing the button again.
            (Namespace::PasskeyCeremony, caps.interactions, EvictOldest),
        ];
        debug_assert!(
            spaces
                .iter()
                .enumerate()
                .all(|(i, (ns, _, _))| slot(*ns) == i)
        );
        MemoryStore {
            spaces: spaces
                .map(|(ns, cap, when_full)| Mutex::new(Space::new(ns.prefix(), cap, when_full))),
        }
    }

    fn lock(&self, ns: Namespace) -> StoreResult<std::sync::MutexGuard<'_, Space>> {
        self.spaces[slot(ns)]
            .lock()
            .map_err(|_| StoreError::Unavailable(anyhow::anyhow!("memory store lock poisoned")))
    }

    /// Entries held in `ns`, expired ones not yet dropped included (for tests and metrics).
    pub fn len(&self, ns: Namespace) -> usize {
        self.lock(ns).map(|s| s.entries.len()).unwrap_or(0)
    }
}

#[async_trait]
impl EphemeralStore for MemoryStore {
    async fn put(&self, ns: Namespace, key: &str, value: &str, ttl_secs: u64) -> StoreResult<()> {
        let now = Instant::now();
        let mut space = self.lock(ns)?;
        space.make_room(key, now)?;
        space.insert(key, value.to_owned(), now + Duration::from_secs(ttl_secs));
        Ok(())
    }

    async fn get(&self, ns: Namespace, key: &str) -> StoreResult<Option<String>> {
        let now = Instant::now();
        let space = self.lock(ns)?;
        Ok(space.live(key, now).map(|e| e.value.clone()))
    }

    /// One lock for all keys (the throttle asks for several before every login).
    async fn get_many(&self, ns: Namespace, keys: &[String]) -> StoreResult<Vec<Option<String>>> {
        let now = Instant::now();
        let space = self.lock(ns)?;
        Ok(keys
            .iter()
            .map(|key| space.live(key, now).map(|e| e.value.clone()))
            .collect())
    }

    async fn take(&self, ns: Namespace, key: &str) -> StoreResult<Option<String>> {
        let now = Instant::now();
        let mut space = self.lock(ns)?;
        Ok(space
            .remove(key)
            .filter(|e| e.expires > now)
            .map(|e| e.value))
    }

    async fn delete(&self, ns: Namespace, key: &str) -> StoreResult<()> {
        self.lock(ns)?.remove(key);
        Ok(())
    }

    async fn incr(&self, ns: Namespace, key: &str, ttl_secs: u64) -> StoreResult<u64> {
        let now = Instant::now();
        let mut space = self.lock(ns)?;
        // A live counter keeps its expiry (the window starts at the first hit).
        if let Some(entry) = space.entries.get_mut(key).filter(|e| e.expires > now) {
            let n = entry.value.parse::<u64>().unwrap_or(0) + 1;
            entry.value = n.to_string();
            return Ok(n);
        }
        space.make_room(key, now)?;
        space.insert(key, "1".to_owned(), now + Duration::from_secs(ttl_secs));
        Ok(1)
    }

    async fn ping(&self) -> StoreResult<()> {
        self.lock(Namespace::Session).map(|_| ())
    }
}

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
