//! Back-off for failed credentials (login form, client authentication).
//!
//! Counters live in the ephemeral store, so with Redis they count across instances. Three
//! keys per attempt: (subject, IP) — the normal brute-force case; IP — one source trying
//! many accounts; subject — many sources against one account. Each key allows some free
//! failures, then demands an exponentially growing wait since the last failure. The
//! subject-only key starts late and is capped at one minute, so a distributed attacker can
//! slow the owner down but never lock them out.

use std::net::IpAddr;

use crate::auth::store::{EphemeralStore, Namespace, StoreResult};
use crate::clock::Clock;
use crate::config::ThrottleConfig;

/// Why an attempt must wait, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_secs: u64,
}

#[derive(Clone)]
pub struct Throttle {
    config: ThrottleConfig,
    clock: Clock,
}

struct Key {
    name: String,
    free: u64,
    max_delay: u64,
}

impl Throttle {
    pub fn new(config: ThrottleConfig, clock: Clock) -> Throttle {
        Throttle { config, clock }
    }

    fn keys(&self, kind: &str, subject: &str, ip: IpAddr) -> [Key; 3] {
        // Whatever a client typed becomes part of a key: bound its length. Built with
        // `push_str`, not `format!`: this runs before every client authentication.
        let ip = ip.to_string();
        let mut account = String::with_capacity(kind.len() + 1 + subject.len().min(256));
        account.push_str(kind);
        account.push(':');
        account.extend(subject.chars().take(256).flat_map(char::to_lowercase));
        let mut pair = String::with_capacity(account.len() + 1 + ip.len());
        pair.push_str(&account);
        pair.push('|');
        pair.push_str(&ip);
        let c = &self.config;
        [
            Key {
                name: pair,
                free: c.free_failures,
                max_delay: c.max_delay_secs,
            },
            Key {
                name: ["ip:", &ip].concat(),
                free: c.free_failures_per_ip,
                max_delay: c.max_delay_secs,
            },
            Key {
                name: account,
                free: c.free_failures_per_account,
                max_delay: c.max_delay_secs.min(60),
            },
        ]
    }

    /// Whether an attempt for `subject` from `ip` may proceed now.
    pub async fn check(
        &self,
        store: &dyn EphemeralStore,
        kind: &str,
        subject: &str,
        ip: IpAddr,
    ) -> StoreResult<Result<(), Throttled>> {
        if !self.config.enabled {
            return Ok(Ok(()));
        }
        // One round trip for the three keys: this runs before every client authentication.
        let blocks: Vec<String> = self
            .keys(kind, subject, ip)
            .iter()
            .map(|k| ["block:", &k.name].concat())
            .collect();
        let now = self.clock.now();
        for until in store
            .get_many(Namespace::Throttle, &blocks)
            .await?
            .into_iter()
            .flatten()
        {
            let wait = until.parse::<i64>().unwrap_or(0) - now;
            if wait > 0 {
                return Ok(Err(Throttled {
                    retry_after_secs: wait as u64,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Records a failure; returns the wait now imposed, if any.
    pub async fn failed(
        &self,
        store: &dyn EphemeralStore,
        kind: &str,
        subject: &str,
        ip: IpAddr,
    ) -> StoreResult<Option<Throttled>> {
        if !self.config.enabled {
            return Ok(None);
        }
        let mut longest = None;
        for key in self.keys(kind, subject, ip) {
            let n = store
                .incr(
                    Namespace::Throttle,
                    &format!("fail:{}", key.name),
                    self.config.window_secs,
                )
                .await?;
            if n > key.free {
                let exp = (n - key.free - 1).min(30) as u32;
                let delay = 2u64.saturating_pow(exp).min(key.max_delay).max(1);
                let until = self.clock.now() + delay as i64;
                store
                    .put(
                        Namespace::Throttle,
                        &format!("block:{}", key.name),
                        &until.to_string(),
                        delay,
                    )
                    .await?;
                if longest.is_none_or(|t: Throttled| t.retry_after_secs < delay) {
                    longest = Some(Throttled {
                        retry_after_secs: delay,
                    });
                }
            }
        }
        Ok(longest)
    }

    /// A success clears the (subject, IP) counter; the IP and subject-wide ones keep counting.
    pub async fn succeeded(
        &self,
        store: &dyn EphemeralStore,
        kind: &str,
        subject: &str,
        ip: IpAddr,
    ) -> StoreResult<()> {
        if !self.config.enabled {
            return Ok(());
        }
        let [pair, _, _] = self.keys(kind, subject, ip);
        store
            .delete(Namespace::Throttle, &format!("fail:{}", pair.name))
            .await
    }

    pub fn trusted_proxies(&self) -> &[IpAddr] {
        &self.config.trusted_proxies
    }
}

/// The client's IP: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(xff) = forwarded_for else {
        return peer;
    };
    for hop in xff.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::memory::MemoryStore;

    fn config() -> ThrottleConfig {
        ThrottleConfig {
            enabled: true,
            window_secs: 900,
            free_failures: 2,
            free_failures_per_ip: 100,
            free_failures_per_account: 100,
            max_delay_secs: 300,
            trusted_proxies: vec![],
        }
    }

    #[tokio::test]
    async fn backs_off_per_account_and_ip_but_not_for_other_ips() {
        let store = MemoryStore::new();
        let t = Throttle::new(config(), Clock::system());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(
            t.failed(&store, "user", "alice", a)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            t.failed(&store, "user", "alice", a)
                .await
                .unwrap()
                .is_none()
        );
        let third = t.failed(&store, "user", "alice", a).await.unwrap();
        assert_eq!(
            third,
            Some(Throttled {
                retry_after_secs: 1
            })
        );
        assert!(t.check(&store, "user", "ALICE", a).await.unwrap().is_err());
        // The owner, elsewhere, is not locked out.
        assert!(t.check(&store, "user", "alice", b).await.unwrap().is_ok());
        let fourth = t.failed(&store, "user", "alice", a).await.unwrap();
        assert_eq!(
            fourth,
            Some(Throttled {
                retry_after_secs: 2
            })
        );
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let peer: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_ip(peer, Some("1.2.3.4"), &[proxy]), peer);
        assert_eq!(
            client_ip(proxy, Some("1.2.3.4, 10.0.0.9"), &[proxy]),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(proxy, Some("garbage"), &[proxy]), proxy);
    }
}
