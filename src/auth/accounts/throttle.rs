//! Back-off for failed credentials (login form, client authentication).
//!
//! Counters live in the ephemeral store, so with Redis they count across instances. Past
//! a free allowance, each further attempt doubles the wait (1 s, 2 s, 4 s … up to
//! `max_delay_secs`).
//!
//! **Logins: counted before the password is checked.** The (account, source IP) counter
//! takes each attempt *before* Argon2 runs, and the attempt learns from the counter its
//! place in line: an attempt past the allowance goes ahead only if the one before it in
//! line has left a wait that is already over (a "ticket", written before that attempt's
//! own hash). A burst of parallel attempts therefore gets the answers a sequence would:
//! checking the failure only after the hash let 300 parallel guesses through, because
//! none of them had failed yet when the others were admitted. A success starts a new
//! series for the pair (a new generation of the counter), so the owner who finally types
//! the right password starts afresh.
//!
//! Failures are also counted per source IP (one source trying many accounts) and per
//! account over all IPs (many sources against one account); the account-wide key starts
//! late and is capped at one minute, so a distributed attacker can slow the owner down but
//! never lock them out. Client authentication counts the same three keys, per client id.

use std::net::IpAddr;

use crate::auth::store::{EphemeralStore, Namespace, StoreResult};
use crate::clock::Clock;
use crate::config::ThrottleConfig;

/// Why an attempt must wait, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_secs: u64,
    /// Which counter refused, for logs.
    pub by: Limit,
}

/// The counters, by what they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Login attempts on one account from one source IP.
    AccountAndIp,
    /// Failures from one source IP, across accounts and clients.
    Ip,
    /// Failures on one account (or client), from any IP.
    Account,
    /// Client authentications of one client from one source IP.
    ClientAndIp,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::AccountAndIp => "account_and_ip",
            Limit::Ip => "ip",
            Limit::Account => "account",
            Limit::ClientAndIp => "client_and_ip",
        }
    }
}

#[derive(Clone)]
pub struct Throttle {
    config: ThrottleConfig,
    clock: Clock,
}

/// A login attempt the throttle let through. Report how it ended with
/// [`Throttle::login_failed`] or [`Throttle::login_succeeded`].
#[derive(Debug)]
pub struct LoginAttempt {
    /// `user:{account}|{ip}`
    pair: String,
    /// `user:{account}`
    account: String,
    ip: String,
}

/// How many characters of a typed account name become part of a key.
const MAX_KEY_NAME: usize = 256;

impl Throttle {
    pub fn new(config: ThrottleConfig, clock: Clock) -> Throttle {
        Throttle { config, clock }
    }

    pub fn trusted_proxies(&self) -> &[IpAddr] {
        &self.config.trusted_proxies
    }

    /// Admits a login attempt on `account` from `ip`, counting it now, before the password
    /// is checked. `account` must already be normalised the way the lookup normalises it
    /// (`users::normalise_login`): the counter is the account's, however its name was
    /// typed.
    pub async fn begin_login(
        &self,
        store: &dyn EphemeralStore,
        account: &str,
        ip: IpAddr,
    ) -> StoreResult<Result<LoginAttempt, Throttled>> {
        let ip = ip.to_string();
        let account: String = ["user:", &bounded(account)].concat();
        let attempt = LoginAttempt {
            pair: [account.as_str(), "|", &ip].concat(),
            account,
            ip: ["ip:", &ip].concat(),
        };
        if !self.config.enabled {
            return Ok(Ok(attempt));
        }
        // One round trip for what decides the fast answer: a waiting source is refused
        // without being counted again (as a sequence would be).
        let keys = [
            block_key(&attempt.pair),
            block_key(&attempt.ip),
            block_key(&attempt.account),
            generation_key(&attempt.pair),
        ];
        let [pair_block, ip_block, account_block, generation] =
            <[Option<String>; 4]>::try_from(store.get_many(Namespace::Throttle, &keys).await?)
                .unwrap_or_default();
        for (block, limit) in [
            (pair_block, Limit::AccountAndIp),
            (ip_block, Limit::Ip),
            (account_block, Limit::Account),
        ] {
            if let Some(t) = self.waiting(block.as_deref(), limit) {
                return Ok(Err(t));
            }
        }
        let allowance = self.config.free_failures;
        let generation = generation.unwrap_or_else(|| "0".to_owned());
        Ok(self
            .take_turn(
                store,
                &attempt.pair,
                &generation,
                allowance,
                Limit::AccountAndIp,
            )
            .await?
            .map(|()| attempt))
    }

    /// The password was wrong (or the account unknown or disabled). The pair counter took
    /// the attempt already; the source IP and the account count the failure now. Returns
    /// the longest wait now imposed, if any.
    pub async fn login_failed(
        &self,
        store: &dyn EphemeralStore,
        attempt: &LoginAttempt,
    ) -> StoreResult<Option<Throttled>> {
        if !self.config.enabled {
            return Ok(None);
        }
        let c = &self.config;
        let ip = self
            .count_failure(
                store,
                &attempt.ip,
                c.free_failures_per_ip,
                c.max_delay_secs,
                Limit::Ip,
            )
            .await?;
        let account = self
            .count_failure(
                store,
                &attempt.account,
                c.free_failures_per_account,
                c.max_delay_secs.min(60),
                Limit::Account,
            )
            .await?;
        Ok(longest([ip, account]))
    }

    /// The password was right: the pair starts a new series, and its wait is lifted. The
    /// IP and account counts keep their failures.
    pub async fn login_succeeded(
        &self,
        store: &dyn EphemeralStore,
        attempt: &LoginAttempt,
    ) -> StoreResult<()> {
        if !self.config.enabled {
            return Ok(());
        }
        let generation = crate::auth::tokens::handles::new_id();
        store
            .put(
                Namespace::Throttle,
                &generation_key(&attempt.pair),
                &generation,
                self.config.window_secs,
            )
            .await?;
        store
            .delete(Namespace::Throttle, &block_key(&attempt.pair))
            .await
    }

    fn client_keys(&self, client_id: &str, ip: IpAddr) -> [(String, u64, u64, Limit); 3] {
        let ip = ip.to_string();
        let client = ["client:", &bounded(client_id)].concat();
        let c = &self.config;
        [
            (
                [client.as_str(), "|", &ip].concat(),
                c.free_failures,
                c.max_delay_secs,
                Limit::ClientAndIp,
            ),
            (
                ["ip:", &ip].concat(),
                c.free_failures_per_ip,
                c.max_delay_secs,
                Limit::Ip,
            ),
            (
                client,
                c.free_failures_per_account,
                c.max_delay_secs.min(60),
                Limit::Account,
            ),
        ]
    }

    /// Whether client authentication for `client_id` from `ip` may proceed now. One round
    /// trip for the three keys: this runs before every client authentication.
    pub async fn check_client(
        &self,
        store: &dyn EphemeralStore,
        client_id: &str,
        ip: IpAddr,
    ) -> StoreResult<Result<(), Throttled>> {
        if !self.config.enabled {
            return Ok(Ok(()));
        }
        let keys = self.client_keys(client_id, ip);
        let blocks: Vec<String> = keys.iter().map(|(name, ..)| block_key(name)).collect();
        let found = store.get_many(Namespace::Throttle, &blocks).await?;
        for (until, (_, _, _, limit)) in found.iter().zip(&keys) {
            if let Some(t) = self.waiting(until.as_deref(), *limit) {
                return Ok(Err(t));
            }
        }
        Ok(Ok(()))
    }

    /// A client failed to authenticate. Returns the longest wait now imposed, if any.
    pub async fn client_failed(
        &self,
        store: &dyn EphemeralStore,
        client_id: &str,
        ip: IpAddr,
    ) -> StoreResult<Option<Throttled>> {
        if !self.config.enabled {
            return Ok(None);
        }
        let mut waits = [None; 3];
        for (wait, (name, free, max_delay, limit)) in
            waits.iter_mut().zip(self.client_keys(client_id, ip))
        {
            *wait = self
                .count_failure(store, &name, free, max_delay, limit)
                .await?;
        }
        Ok(longest(waits))
    }

    /// The attempt counter `name` (in series `generation`) takes one attempt and says
    /// whether it may go ahead now. Past `allowance`, each attempt leaves a ticket: the
    /// moment the attempt after it may go ahead. The ticket is written before the caller
    /// does its expensive work, and the next attempt in line reads it, so however many
    /// attempts run in parallel, they pass one by one, as in a sequence. A missing ticket
    /// means the attempt ahead is still on its way, which in a sequence would make this
    /// one wait too.
    ///
    /// The series also names the current window (fixed windows of `window_secs`): a
    /// counter that expired and started again from 1 must not meet the tickets of its
    /// previous life.
    async fn take_turn(
        &self,
        store: &dyn EphemeralStore,
        name: &str,
        generation: &str,
        allowance: u64,
        limit: Limit,
    ) -> StoreResult<Result<(), Throttled>> {
        let window = self.config.window_secs.max(1);
        let now = self.clock.now();
        let series = format!("{name}#{generation}#{}", now.div_euclid(window as i64));
        let n = store
            .incr(Namespace::Throttle, &["n:", &series].concat(), window)
            .await?;
        let mut own_wait = 0;
        if n > allowance {
            own_wait = self.delay(n - allowance);
            let until = (now + own_wait as i64).to_string();
            store
                .put(Namespace::Throttle, &ticket_key(&series, n), &until, window)
                .await?;
            store
                .put(Namespace::Throttle, &block_key(name), &until, own_wait)
                .await?;
        }
        if n <= allowance + 1 {
            return Ok(Ok(()));
        }
        let ahead = store
            .get(Namespace::Throttle, &ticket_key(&series, n - 1))
            .await?
            .and_then(|until| until.parse::<i64>().ok());
        match ahead {
            Some(until) if until <= now => Ok(Ok(())),
            _ => Ok(Err(Throttled {
                retry_after_secs: own_wait.max(1),
                by: limit,
            })),
        }
    }

    /// Counts a failure on `name` after the fact; past `free`, the source waits.
    async fn count_failure(
        &self,
        store: &dyn EphemeralStore,
        name: &str,
        free: u64,
        max_delay: u64,
        limit: Limit,
    ) -> StoreResult<Option<Throttled>> {
        let n = store
            .incr(
                Namespace::Throttle,
                &failures_key(name),
                self.config.window_secs,
            )
            .await?;
        if n <= free {
            return Ok(None);
        }
        let wait = self.delay(n - free).min(max_delay).max(1);
        let until = self.clock.now() + wait as i64;
        store
            .put(
                Namespace::Throttle,
                &block_key(name),
                &until.to_string(),
                wait,
            )
            .await?;
        Ok(Some(Throttled {
            retry_after_secs: wait,
            by: limit,
        }))
    }

    /// The wait after the `excess`-th attempt past the allowance: 1 s, 2 s, 4 s … capped.
    fn delay(&self, excess: u64) -> u64 {
        let exp = excess.saturating_sub(1).min(30) as u32;
        2u64.saturating_pow(exp)
            .min(self.config.max_delay_secs)
            .max(1)
    }

    /// The wait a stored block still imposes, if it has not passed.
    fn waiting(&self, until: Option<&str>, by: Limit) -> Option<Throttled> {
        let wait = until?.parse::<i64>().ok()? - self.clock.now();
        (wait > 0).then_some(Throttled {
            retry_after_secs: wait as u64,
            by,
        })
    }
}

/// Whatever a client typed becomes part of a key: bound its length. Lower case, as the
/// lookups are case-insensitive.
fn bounded(name: &str) -> String {
    name.chars()
        .take(MAX_KEY_NAME)
        .flat_map(char::to_lowercase)
        .collect()
}

fn longest<const N: usize>(waits: [Option<Throttled>; N]) -> Option<Throttled> {
    waits
        .into_iter()
        .flatten()
        .max_by_key(|t| t.retry_after_secs)
}

fn block_key(name: &str) -> String {
    ["block:", name].concat()
}

fn failures_key(name: &str) -> String {
    ["fail:", name].concat()
}

fn generation_key(name: &str) -> String {
    ["gen:", name].concat()
}

fn ticket_key(series: &str, n: u64) -> String {
    format!("t:{series}#{n}")
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
#[path = "throttle_tests.rs"]
mod tests;
