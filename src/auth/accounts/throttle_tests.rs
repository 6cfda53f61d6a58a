use std::time::Duration;

use super::*;
use crate::auth::store::memory::MemoryStore;

/// The start of a throttle window (a multiple of `window_secs`), so no test crosses one.
const START: i64 = 1_699_999_200;

fn config() -> ThrottleConfig {
    ThrottleConfig {
        enabled: true,
        window_secs: 900,
        free_failures: 2,
        free_failures_per_ip: 100,
        free_failures_per_account: 100,
        max_delay_secs: 300,
        free_registrations_per_ip: 2,
        trusted_proxies: vec![],
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

struct Fixture {
    store: MemoryStore,
    throttle: Throttle,
    clock: Clock,
}

impl Fixture {
    fn new(config: ThrottleConfig) -> Fixture {
        let clock = Clock::manual(START);
        Fixture {
            store: MemoryStore::new(),
            throttle: Throttle::new(config, clock.clone()),
            clock,
        }
    }

    async fn begin(&self, account: &str, from: &str) -> Result<LoginAttempt, Throttled> {
        self.throttle
            .begin_login(&self.store, account, ip(from))
            .await
            .unwrap()
    }

    /// One whole failed attempt: `None` when it was checked (and failed), the wait when
    /// it was refused.
    async fn fail(&self, account: &str, from: &str) -> Option<Throttled> {
        match self.begin(account, from).await {
            Ok(attempt) => {
                self.throttle
                    .login_failed(&self.store, &attempt)
                    .await
                    .unwrap();
                None
            }
            Err(t) => Some(t),
        }
    }

    fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }
}

#[tokio::test]
async fn attempts_in_flight_count_before_their_outcome_is_known() {
    let fx = Fixture::new(config());
    // 300 attempts admitted before any of them has been checked (as in a burst, where the
    // hashes have not finished): only the free ones and the one that starts the wait.
    let mut admitted = Vec::new();
    for _ in 0..300 {
        if let Ok(a) = fx.begin("alice", "10.0.0.1").await {
            admitted.push(a);
        }
    }
    assert_eq!(admitted.len(), 3);
    // As in a sequence: after the wait, one more goes through, then a longer wait.
    fx.advance(4);
    assert!(fx.begin("alice", "10.0.0.1").await.is_ok());
    assert!(fx.begin("alice", "10.0.0.1").await.is_err());
}

#[tokio::test]
async fn a_sequence_backs_off_per_account_and_ip_but_not_for_other_ips() {
    let fx = Fixture::new(config());
    assert_eq!(fx.fail("alice", "10.0.0.1").await, None);
    assert_eq!(fx.fail("alice", "10.0.0.1").await, None);
    // The third is checked, and starts a one-second wait.
    assert_eq!(fx.fail("alice", "10.0.0.1").await, None);
    let refused = fx.fail("alice", "10.0.0.1").await.expect("waiting");
    assert_eq!(refused.retry_after_secs, 1);
    assert_eq!(refused.by, Limit::AccountAndIp);
    // The owner, elsewhere, is not refused.
    assert!(fx.begin("alice", "10.0.0.2").await.is_ok());
    // After the wait, one more check, then twice as long.
    fx.advance(1);
    assert_eq!(fx.fail("alice", "10.0.0.1").await, None);
    assert_eq!(
        fx.fail("alice", "10.0.0.1").await.unwrap().retry_after_secs,
        2
    );
}

#[tokio::test]
async fn a_success_starts_the_pair_afresh() {
    let fx = Fixture::new(config());
    for _ in 0..3 {
        fx.fail("alice", "10.0.0.1").await;
    }
    assert!(fx.begin("alice", "10.0.0.1").await.is_err());
    fx.advance(1);
    let attempt = fx.begin("alice", "10.0.0.1").await.unwrap();
    fx.throttle
        .login_succeeded(&fx.store, &attempt)
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(fx.fail("alice", "10.0.0.1").await, None);
    }
    assert!(fx.begin("alice", "10.0.0.1").await.is_err());
}

#[tokio::test]
async fn an_account_under_attack_slows_failing_sources_but_never_a_fresh_one() {
    let fx = Fixture::new(ThrottleConfig {
        free_failures_per_account: 5,
        ..config()
    });
    for n in 0..40 {
        assert_eq!(fx.fail("alice", &format!("10.0.1.{n}")).await, None);
    }
    // Every source that failed gets no free failure any more...
    assert!(fx.begin("alice", "10.0.1.7").await.is_err());
    // ...while a source that has not failed still gets its password checked, each time
    // it comes back.
    for _ in 0..3 {
        let attempt = fx.begin("alice", "192.0.2.1").await.expect("not refused");
        fx.throttle
            .login_succeeded(&fx.store, &attempt)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn failures_from_one_ip_across_accounts_make_that_ip_wait() {
    let fx = Fixture::new(ThrottleConfig {
        free_failures_per_ip: 3,
        ..config()
    });
    for n in 0..4 {
        assert_eq!(fx.fail(&format!("user{n}"), "10.0.0.1").await, None);
    }
    let refused = fx.fail("user9", "10.0.0.1").await.expect("the IP waits");
    assert_eq!(refused.by, Limit::Ip);
    // Clients from that IP wait too; another IP does not.
    assert!(
        fx.throttle
            .check_client(&fx.store, ip("10.0.0.1"))
            .await
            .unwrap()
            .is_err()
    );
    assert!(
        fx.throttle
            .check_client(&fx.store, ip("10.0.0.2"))
            .await
            .unwrap()
            .is_ok()
    );
}

#[tokio::test]
async fn client_failures_count_per_source_ip_only() {
    let fx = Fixture::new(ThrottleConfig {
        free_failures_per_ip: 2,
        ..config()
    });
    let store = &fx.store;
    for n in 0..50 {
        let from = ip(&format!("10.0.2.{n}"));
        assert!(fx.throttle.check_client(store, from).await.unwrap().is_ok());
        assert_eq!(fx.throttle.client_failed(store, from).await.unwrap(), None);
    }
    let from = ip("10.0.2.0");
    assert_eq!(fx.throttle.client_failed(store, from).await.unwrap(), None);
    assert!(
        fx.throttle
            .client_failed(store, from)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        fx.throttle
            .check_client(store, from)
            .await
            .unwrap()
            .is_err()
    );
}

#[tokio::test]
async fn registrations_wait_past_the_allowance() {
    let fx = Fixture::new(config());
    let register = || fx.throttle.begin_registration(&fx.store, ip("10.0.0.1"));
    for _ in 0..3 {
        assert!(register().await.unwrap().is_ok());
    }
    let refused = register().await.unwrap().expect_err("waits");
    assert_eq!(refused.by, Limit::Registrations);
    fx.advance(1);
    assert!(register().await.unwrap().is_ok());
    assert!(
        fx.throttle
            .begin_registration(&fx.store, ip("10.0.0.2"))
            .await
            .unwrap()
            .is_ok()
    );
}

#[tokio::test]
async fn disabled_throttle_admits_everything() {
    let fx = Fixture::new(ThrottleConfig {
        enabled: false,
        ..config()
    });
    for _ in 0..20 {
        assert_eq!(fx.fail("alice", "10.0.0.1").await, None);
        assert!(
            fx.throttle
                .begin_registration(&fx.store, ip("10.0.0.1"))
                .await
                .unwrap()
                .is_ok()
        );
    }
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
