//! The one place protocol time comes from.
//!
//! Every expiry decision (codes, tokens, sessions, throttle blocks, JWKS age) takes its
//! "now" from a [`Clock`] handed in at construction, never from the wall clock directly,
//! so tests move time forward instead of sleeping (Kanidm passes the current time into
//! every check for the same reason). Production uses [`Clock::system`].
//!
//! Neutral ground: the identity server, the validator and the todo service all use it,
//! and it names none of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix time, either the system's or a hand-moved one shared by its clones.
#[derive(Clone, Default)]
pub struct Clock(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    System,
    /// Milliseconds since the epoch; every clone sees every `advance`.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock that stands still at `unix_secs` until [`Clock::advance`] moves it.
    pub fn manual(unix_secs: i64) -> Clock {
        Clock(Source::Manual(Arc::new(AtomicI64::new(
            unix_secs.saturating_mul(1000),
        ))))
    }

    /// A manual clock starting at the current wall-clock time (so tokens it stamps are
    /// also accepted by code that still reads the system time, such as HTTP caches).
    pub fn manual_at_system_time() -> Clock {
        Clock(Source::Manual(Arc::new(AtomicI64::new(system_millis()))))
    }

    /// Seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        match &self.0 {
            Source::System => system_millis(),
            Source::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward (every clone sees it). The system clock cannot be
    /// moved: this is a no-op there, logged so a misuse is visible.
    pub fn advance(&self, by: std::time::Duration) {
        match &self.0 {
            Source::Manual(ms) => {
                let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
                ms.fetch_add(by, Ordering::SeqCst);
            }
            Source::System => tracing::warn!("advance() called on the system clock; ignored"),
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(self.0, Source::Manual(_))
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::System"),
            Source::Manual(ms) => write!(f, "Clock::Manual({} ms)", ms.load(Ordering::SeqCst)),
        }
    }
}

fn system_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_manual_clock_stands_still_until_advanced_and_clones_share_it() {
        let clock = Clock::manual(1_000);
        let clone = clock.clone();
        assert_eq!(clock.now(), 1_000);
        clone.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now(), 1_001);
        assert_eq!(clock.now_millis(), 1_001_500);
    }

    #[test]
    fn the_system_clock_is_near_the_wall_clock() {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        assert!((Clock::system().now() - wall).abs() <= 1);
        assert!(!Clock::system().is_manual());
    }
}
