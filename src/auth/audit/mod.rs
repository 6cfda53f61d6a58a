//! The audit trail: security events with time, person, client, IP and user agent, kept in
//! the database (`audit_events`) and written as one JSON log line each (target
//! `belf::audit`), so a log collector and `belf audit list` see the same events.
//!
//! Recording never fails the request that caused the event: a store error is logged and
//! counted (`belf_auth_audit_write_failures_total`), and the request goes on.

mod kind;
pub mod sql;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use serde::Serialize;

pub use kind::AuditKind;

use crate::auth::store::StoreResult;
use crate::clock::Clock;

/// Where the JSON log lines of audit events go; filter on it to collect them.
pub const LOG_TARGET: &str = "belf::audit";

/// What happened, as the call site knows it. `detail` is a JSON object of anything else
/// worth keeping (the sign-in method, a refusal reason, scopes, a key id) and never holds
/// a secret.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent {
    pub kind: AuditKind,
    /// The person's `sub` (user id), when one is known.
    pub user: Option<String>,
    pub client: Option<String>,
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(kind: AuditKind) -> AuditEvent {
        AuditEvent {
            kind,
            ..Default::default()
        }
    }

    pub fn user(mut self, user_id: &str) -> Self {
        self.user = Some(user_id.to_owned());
        self
    }

    pub fn client(mut self, client_id: &str) -> Self {
        self.client = Some(client_id.to_owned());
        self
    }

    /// Only the IP, where the user agent is not at hand.
    pub fn ip(mut self, ip: std::net::IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// The request's origin (IP and user agent), from [`RequestOrigin`].
    pub fn origin(mut self, origin: &RequestOrigin) -> Self {
        self.ip = Some(origin.ip);
        self.user_agent = origin.user_agent.clone();
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Where a request came from, as far as the audit trail cares.
#[derive(Debug, Clone)]
pub struct RequestOrigin {
    pub ip: std::net::IpAddr,
    pub user_agent: Option<String>,
}

/// Longest user agent kept: the header is the client's to choose, the table is ours.
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// A user agent as stored: control characters dropped, at most
/// [`MAX_USER_AGENT_CHARS`] characters, `None` when nothing is left.
pub fn clean_user_agent(raw: &str) -> Option<String> {
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT_CHARS)
        .collect();
    let clean = clean.trim().to_owned();
    (!clean.is_empty()).then_some(clean)
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub kind: String,
    pub user: Option<String>,
    pub client: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

/// Which events `list` returns: every given filter must match; newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub kind: Option<AuditKind>,
    /// Only events at or after this instant (Unix ms).
    pub since_ms: Option<i64>,
    pub limit: u32,
}

/// The audit table, behind a small trait like every durable record (`sql.rs` serves
/// SQLite and PostgreSQL).
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append(&self, at_ms: i64, event: &AuditEvent) -> StoreResult<()>;
    async fn list(&self, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>>;
    /// Removes at most `limit` events older than `before_ms`; returns how many. Callers
    /// repeat until fewer than `limit` come back, so each statement stays short.
    async fn purge_before(&self, before_ms: i64, limit: u32) -> StoreResult<u64>;
}

/// The service every call site records through (`ctx.audit.record(..)`).
#[derive(Clone)]
pub struct Audit {
    store: Arc<dyn AuditStore>,
    clock: Clock,
    failures: Arc<AtomicU64>,
    on_failure: Option<prometheus_client::metrics::counter::Counter>,
}

impl Audit {
    pub fn new(store: Arc<dyn AuditStore>, clock: Clock) -> Audit {
        Audit {
            store,
            clock,
            failures: Arc::new(AtomicU64::new(0)),
            on_failure: None,
        }
    }

    /// Also counts failed writes in this metric (the server's; the CLI has none).
    pub fn counting_failures_in(
        mut self,
        counter: prometheus_client::metrics::counter::Counter,
    ) -> Audit {
        self.on_failure = Some(counter);
        self
    }

    /// Logs the event as one JSON line and stores it. Never fails: a store error is
    /// logged and counted, and the caller's request goes on.
    pub async fn record(&self, event: AuditEvent) {
        let at_ms = self.clock.now_millis();
        log_line(at_ms, &event);
        if let Err(e) = self.store.append(at_ms, &event).await {
            self.failures.fetch_add(1, Ordering::Relaxed);
            if let Some(c) = &self.on_failure {
                c.inc();
            }
            tracing::error!(target: LOG_TARGET, event = event.kind.as_str(), error = %e,
                "audit event not stored");
        }
    }

    /// Writes that failed since start (also a metric on the server).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    pub fn store(&self) -> &Arc<dyn AuditStore> {
        &self.store
    }
}

/// The event as one log line: its fields as structured fields and the whole event as
/// JSON (`audit`), so a JSON log collector gets one object per event.
fn log_line(at_ms: i64, event: &AuditEvent) {
    let ip = event.ip.map(|ip| ip.to_string());
    let json = serde_json::json!({
        "at_ms": at_ms,
        "event": event.kind.as_str(),
        "user": event.user,
        "client": event.client,
        "ip": ip,
        "user_agent": event.user_agent,
        "detail": event.detail,
    });
    tracing::info!(
        target: LOG_TARGET,
        event = event.kind.as_str(),
        user = event.user.as_deref().unwrap_or(""),
        client = event.client.as_deref().unwrap_or(""),
        ip = ip.as_deref().unwrap_or(""),
        audit = %json,
        "audit event"
    );
}

#[cfg(test)]
mod tests;
