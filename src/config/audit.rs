//! `[audit]`: how long the audit trail keeps its events.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Events older than this many days are deleted by the purge task (0: kept forever).
    pub retention_days: u64,
}

impl AuditConfig {
    /// The oldest instant (Unix ms) an event may have and still be kept at `now_ms`, or
    /// `None` when events are kept forever.
    pub fn keep_from_ms(&self, now_ms: i64) -> Option<i64> {
        if self.retention_days == 0 {
            return None;
        }
        let days = i64::try_from(self.retention_days).unwrap_or(i64::MAX);
        Some(now_ms.saturating_sub(days.saturating_mul(86_400_000)))
    }
}
