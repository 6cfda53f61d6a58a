//! Discovery in the background, for a service that must start (and answer its health
//! checks) before its issuer does: in a deployment both start at once, and an issuer that
//! is down for a while should make the service say "not yet", not exit.
//!
//! ```no_run
//! # async fn demo() {
//! use belf::validator::{Backoff, ValidatorOptions, ValidatorSlot};
//! let slot = ValidatorSlot::discover_in_background(
//!     "https://id.example", "belf-todo", ValidatorOptions::default(), Backoff::default());
//! match slot.get() {
//!     Some(validator) => { /* validate tokens */ }
//!     None => { /* answer 503: no keys yet */ }
//! }
//! # }
//! ```

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

use super::{Validator, ValidatorOptions};

/// Capped exponential back-off: `first`, twice that, four times… never more than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// 250 ms, doubling up to 30 s: quick while the issuer is starting beside us, and at
    /// most two requests a minute while it is down for longer.
    fn default() -> Self {
        Self {
            first: Duration::from_millis(250),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The pause after the `failures`-th failure in a row (1 for the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first
            .checked_mul(1 << doublings)
            .map_or(self.max, |d| d.min(self.max))
    }

    /// [`Backoff::delay`] less a random part of up to a quarter, so that many services
    /// restarted together do not knock on the issuer in step.
    fn jittered(&self, failures: u32) -> Duration {
        let delay = self.delay(failures);
        delay.mul_f64(rand::rng().random_range(0.75..=1.0))
    }
}

/// A validator that discovery fills in once the issuer answers. Cheap to clone; every
/// clone sees the same validator.
#[derive(Clone)]
pub struct ValidatorSlot {
    inner: Arc<Slot>,
}

struct Slot {
    validator: OnceLock<Validator>,
    /// Attempts made so far, to wait for the first one.
    attempts: watch::Sender<u32>,
}

impl ValidatorSlot {
    /// A slot holding `validator` already.
    pub fn ready(validator: Validator) -> Self {
        let slot = Self::empty();
        let _ = slot.inner.validator.set(validator);
        slot
    }

    fn empty() -> Self {
        Self {
            inner: Arc::new(Slot {
                validator: OnceLock::new(),
                attempts: watch::Sender::new(0),
            }),
        }
    }

    /// Starts discovering `issuer` now (on the current Tokio runtime) and keeps trying,
    /// pausing per `backoff` after each failure, until it succeeds. The task also ends
    /// once every clone of the slot is dropped.
    pub fn discover_in_background(
        issuer: &str,
        audience: &str,
        options: ValidatorOptions,
        backoff: Backoff,
    ) -> Self {
        let slot = Self::empty();
        let weak = Arc::downgrade(&slot.inner);
        let (issuer, audience) = (issuer.to_owned(), audience.to_owned());
        tokio::spawn(async move { discover(weak, issuer, audience, options, backoff).await });
        slot
    }

    /// The validator, once discovery has succeeded.
    pub fn get(&self) -> Option<&Validator> {
        self.inner.validator.get()
    }

    pub fn is_ready(&self) -> bool {
        self.get().is_some()
    }

    /// Completes once the first discovery attempt is over, whatever its outcome.
    pub async fn first_attempt(&self) {
        let mut attempts = self.inner.attempts.subscribe();
        let _ = attempts.wait_for(|n| *n >= 1).await;
    }
}

async fn discover(
    slot: Weak<Slot>,
    issuer: String,
    audience: String,
    options: ValidatorOptions,
    backoff: Backoff,
) {
    let mut failures = 0;
    loop {
        let pause;
        let outcome = Validator::discover_with(&issuer, &audience, options.clone()).await;
        let Some(slot) = slot.upgrade() else {
            return; // Nobody is listening any more.
        };
        slot.attempts.send_modify(|n| *n = n.saturating_add(1));
        match outcome {
            Ok(validator) => {
                if failures > 0 {
                    tracing::info!(%issuer, attempts = failures + 1, "issuer discovered; validating tokens");
                }
                let _ = slot.validator.set(validator);
                return;
            }
            Err(e) => {
                failures += 1;
                pause = backoff.jittered(failures);
                // Every failure is worth a line: until it ends, no request is served.
                tracing::warn!(
                    %issuer,
                    error = %e,
                    failures,
                    retry_in_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                    "issuer discovery failed; answering 503 until it succeeds"
                );
            }
        }
        drop(slot);
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_never_overflows() {
        let b = Backoff::default();
        let ms = |n| b.delay(n).as_millis();
        assert_eq!(
            [ms(1), ms(2), ms(3), ms(4), ms(5)],
            [250, 500, 1000, 2000, 4000]
        );
        assert_eq!(ms(8), 30_000, "capped");
        assert_eq!(ms(40), 30_000);
        assert_eq!(ms(u32::MAX), 30_000);
        assert_eq!(ms(0), 250);
        for n in [1, 3, 9, 100] {
            let j = b.jittered(n);
            assert!(
                j <= b.delay(n) && j >= b.delay(n).mul_f64(0.75),
                "{n}: {j:?}"
            );
        }
        let huge = Backoff {
            first: Duration::from_secs(u64::MAX / 2),
            max: Duration::MAX,
        };
        assert_eq!(huge.delay(3), Duration::MAX);
    }

    #[tokio::test]
    async fn an_unreachable_issuer_leaves_the_slot_empty_and_counts_attempts() {
        // A port nothing listens on: bind, learn it, let it go.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(9);
        let slot = ValidatorSlot::discover_in_background(
            &format!("http://127.0.0.1:{port}"),
            "aud",
            ValidatorOptions::default(),
            Backoff {
                first: Duration::from_millis(1),
                max: Duration::from_millis(5),
            },
        );
        slot.first_attempt().await;
        assert!(!slot.is_ready());
        let mut attempts = slot.inner.attempts.subscribe();
        let _ = attempts.wait_for(|n| *n >= 3).await;
        assert!(!slot.is_ready());
    }
}
