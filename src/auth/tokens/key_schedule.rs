//! The life of a signing key, derived from dates alone (never from a stored "active" flag),
//! so every instance reading the same key folder agrees on it at the same moment.
//!
//! ```text
//!  created ──(pre_publication_secs)──► activates_at ──(successor activates)──► superseded_at
//!   │ next: in the JWKS,               │ active: signs new tokens            │ retiring: in the JWKS,
//!   │ signs nothing                    │                                     │ signs nothing
//!   └──────────────────────────────────┴─────────────────────────────────────┴──(retire_after_secs)──►
//!                                                                              retired_at: leaves the JWKS
//! ```
//!
//! The first key of an algorithm signs from the start: nothing else could. Every later key
//! is published `pre_publication_secs` before any instance signs with it, so relying
//! parties and validators that cache the JWKS have seen it first; a superseded key stays
//! published until every token it signed (access or ID token, whichever lives longer) has
//! expired.

use serde::Serialize;

use crate::config::Config;

/// Where a key is in its life at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Published, not yet signing (its pre-publication delay is running).
    Next,
    /// Signs new tokens of its algorithm.
    Active,
    /// Superseded; published until the tokens it signed have expired.
    Retiring,
    /// Superseded long enough ago that no token it signed is still valid: unpublished.
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Next => "next",
            KeyState::Active => "active",
            KeyState::Retiring => "retiring",
            KeyState::Retired => "retired",
        }
    }

    /// In the JWKS (and accepted when verifying our own tokens).
    pub fn published(self) -> bool {
        self != KeyState::Retired
    }
}

/// The two durations that drive the schedule, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPolicy {
    pub pre_publication_secs: i64,
    /// The longest lifetime of a token a key signs: how long it stays published after it
    /// stops signing.
    pub retire_after_secs: i64,
}

impl KeyPolicy {
    pub fn from_config(config: &Config) -> Self {
        KeyPolicy {
            pre_publication_secs: config.keys.pre_publication_secs as i64,
            retire_after_secs: config
                .tokens
                .access_token_ttl_secs
                .max(config.tokens.id_token_ttl_secs) as i64,
        }
    }
}

/// A key's dates, Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyDates {
    pub created_at: i64,
    /// `None` for the first key of its algorithm: it signs from the start.
    pub activates_at: Option<i64>,
    /// When its successor starts signing; `None` while it has none.
    pub superseded_at: Option<i64>,
    /// When it leaves the JWKS; `None` while it has no successor.
    pub retired_at: Option<i64>,
}

impl KeyDates {
    pub fn state(&self, now: i64) -> KeyState {
        if self.activates_at.is_some_and(|a| now < a) {
            KeyState::Next
        } else if self.superseded_at.is_none_or(|s| now < s) {
            KeyState::Active
        } else if self.retired_at.is_some_and(|r| now < r) {
            KeyState::Retiring
        } else {
            KeyState::Retired
        }
    }

    /// The first of this key's dates after `now`, if any: when its state next changes.
    pub fn next_change(&self, now: i64) -> Option<i64> {
        [self.activates_at, self.superseded_at, self.retired_at]
            .into_iter()
            .flatten()
            .filter(|t| *t > now)
            .min()
    }
}

/// The dates of one algorithm's keys, given their creation times oldest first.
pub fn schedule(created: &[i64], policy: KeyPolicy) -> Vec<KeyDates> {
    let activates: Vec<Option<i64>> = created
        .iter()
        .enumerate()
        .map(|(i, c)| (i > 0).then(|| c.saturating_add(policy.pre_publication_secs)))
        .collect();
    created
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let superseded_at = activates.get(i + 1).copied().flatten();
            KeyDates {
                created_at: *c,
                activates_at: activates[i],
                superseded_at,
                retired_at: superseded_at.map(|s| s.saturating_add(policy.retire_after_secs)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: KeyPolicy = KeyPolicy {
        pre_publication_secs: 300,
        retire_after_secs: 3600,
    };

    #[test]
    fn the_first_key_signs_at_once_and_a_successor_only_after_pre_publication() {
        let dates = schedule(&[1000, 5000], POLICY);
        // Before its creation too: a fixture clock may stand before the file's date.
        assert_eq!(dates[0].state(0), KeyState::Active);
        assert_eq!(dates[1].state(5000), KeyState::Next);
        assert_eq!(dates[0].state(5299), KeyState::Active);
        assert_eq!(dates[1].state(5300), KeyState::Active);
        assert_eq!(dates[0].state(5300), KeyState::Retiring);
        assert_eq!(dates[0].state(5300 + 3599), KeyState::Retiring);
        assert_eq!(dates[0].state(5300 + 3600), KeyState::Retired);
        assert_eq!(dates[0].next_change(5000), Some(5300));
        assert_eq!(dates[0].next_change(5300), Some(8900));
        assert_eq!(dates[1].next_change(9000), None);
    }

    #[test]
    fn exactly_one_key_is_active_at_every_moment() {
        let dates = schedule(&[0, 100, 150, 10_000], POLICY);
        for now in (-10..20_000).step_by(7) {
            let active = dates
                .iter()
                .filter(|d| d.state(now) == KeyState::Active)
                .count();
            assert_eq!(active, 1, "at {now}");
        }
    }
}
