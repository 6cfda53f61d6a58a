//! Back-off for failed credentials (login form, client authentication) and for
//! registrations.
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
//! **No lockout an attacker can drive.** Kanidm's soft-lock and Keycloak's brute-force
//! detector put the wait on the *account*: whoever fails, the owner waits, and each
//! failure re-arms it — exactly the lever a distributed attacker wants. Here waits only
//! ever land on a *source* that has failed: the (account, IP) pair, and the IP across
//! accounts. The account-wide failure count (many IPs, one account) never refuses anyone
//! by itself; past its allowance it takes every source's free failures away, so each
//! attacking IP gets one guess and then the doubling wait, while a source that has not
//! failed — the owner on their own connection — still has its password checked.
//!
//! **Clients are throttled per source IP only.** Client secrets are 256-bit random values
//! that no one guesses, so the throttle is there against hammering, not guessing: a wrong
//! secret sent with a client's id from elsewhere must not slow the real client down.

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
    /// Registrations from one source IP.
    Registrations,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::AccountAndIp => "account_and_ip",
            Limit::Ip => "ip",
            Limit::Registrations => "registrations",
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
    /// The source's attempt series of this window (`ip:{ip}#{window}`), set once the
    /// attempt was admitted on it: a success settles one attempt of that series.
    ip_series: Option<String>,
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
            ip_series: None,
        };
        if !self.config.enabled {
            return Ok(Ok(attempt));
        }
        // One round trip for what decides the fast answer: a waiting source is refused
        // without being counted again (as a sequence would be).
        let keys = [
            block_key(&attempt.pair),
            block_key(&attempt.ip),
            failures_key(&attempt.account),
            generation_key(&attempt.pair),
        ];
        let [pair_block, ip_block, account_failures, generation] =
            <[Option<String>; 4]>::try_from(store.get_many(Namespace::Throttle, &keys).await?)
                .unwrap_or_default();
        if let Some(t) = self.waiting(pair_block.as_deref(), Limit::AccountAndIp) {
            return Ok(Err(t));
        }
        if let Some(t) = self.waiting(ip_block.as_deref(), Limit::Ip) {
            return Ok(Err(t));
        }
        let account_under_attack = account_failures
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|n| n > self.config.free_failures_per_account);
        let allowance = if account_under_attack {
            0
        } else {
            self.config.free_failures
        };
        let generation = generation.unwrap_or_else(|| "0".to_owned());
        if let Err(t) = self
            .take_turn(
                store,
                &attempt.pair,
                &generation,
                allowance,
                Limit::AccountAndIp,
            )
            .await?
        {
            return Ok(Err(t));
        }
        self.admit_on_ip(store, attempt).await
    }

    /// The source's share of a burst across many accounts: every admitted attempt counts
    /// as a failure of the IP until it is settled as a success, so attempts in flight
    /// (still hashing) count as a sequence's finished failures would. Past
    /// `free_failures_per_ip` + 1 unsettled attempts in this window, the attempt is refused
    /// before its password is hashed, and refunded (a refused attempt is not a failure).
    /// Two increment-only counters per fixed window — admitted and settled — so this works
    /// on Redis as on the in-process store, without a decrement.
    async fn admit_on_ip(
        &self,
        store: &dyn EphemeralStore,
        mut attempt: LoginAttempt,
    ) -> StoreResult<Result<LoginAttempt, Throttled>> {
        let window = self.config.window_secs.max(1);
        let series = format!(
            "{}#{}",
            attempt.ip,
            self.clock.now().div_euclid(window as i64)
        );
        let admitted = store
            .incr(Namespace::Throttle, &admitted_key(&series), window)
            .await?;
        let settled = store
            .get(Namespace::Throttle, &settled_key(&series))
            .await?
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        // A sequence checks the free failures and one more (the failure that starts the
        // wait); so does a burst.
        if admitted.saturating_sub(settled) > self.config.free_failures_per_ip + 1 {
            store
                .incr(Namespace::Throttle, &settled_key(&series), window)
                .await?;
            return Ok(Err(Throttled {
                retry_after_secs: 1,
                by: Limit::Ip,
            }));
        }
        attempt.ip_series = Some(series);
        Ok(Ok(attempt))
    }

    /// The password was wrong (or the account unknown or disabled). The pair counter took
    /// the attempt already; the source IP and the account count the failure now. Returns
    /// the wait now imposed on the IP, if any.
    pub async fn login_failed(
        &self,
        store: &dyn EphemeralStore,
        attempt: &LoginAttempt,
    ) -> StoreResult<Option<Throttled>> {
        if !self.config.enabled {
            return Ok(None);
        }
        // The account's count is only read (by `begin_login`), never waited on.
        store
            .incr(
                Namespace::Throttle,
                &failures_key(&attempt.account),
                self.config.window_secs,
            )
            .await?;
        self.count_failure(
            store,
            &attempt.ip,
            self.config.free_failures_per_ip,
            Limit::Ip,
        )
        .await
    }

    /// The password was right: the pair starts a new series, and its wait is lifted; the
    /// attempt is settled on the IP (it was no failure). The IP and account counts keep
    /// their failures.
    pub async fn login_succeeded(
        &self,
        store: &dyn EphemeralStore,
        attempt: &LoginAttempt,
    ) -> StoreResult<()> {
        if !self.config.enabled {
            return Ok(());
        }
        if let Some(series) = &attempt.ip_series {
            let window = self.config.window_secs.max(1);
            store
                .incr(Namespace::Throttle, &settled_key(series), window)
                .await?;
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

    /// Admits a registration from `ip`, counting it now (before the new password is
    /// hashed), whether it will succeed or not.
    pub async fn begin_registration(
        &self,
        store: &dyn EphemeralStore,
        ip: IpAddr,
    ) -> StoreResult<Result<(), Throttled>> {
        let allowance = self.config.free_registrations_per_ip;
        self.begin_creation(store, "register:", ip, allowance).await
    }

    /// Admits a dynamic client registration (RFC 7591) from `ip`, counted on a counter of
    /// its own with its own allowance (`client_registration.free_registrations_per_ip`).
    pub async fn begin_client_registration(
        &self,
        store: &dyn EphemeralStore,
        ip: IpAddr,
        allowance: u64,
    ) -> StoreResult<Result<(), Throttled>> {
        self.begin_creation(store, "dcr:", ip, allowance).await
    }

    async fn begin_creation(
        &self,
        store: &dyn EphemeralStore,
        prefix: &str,
        ip: IpAddr,
        allowance: u64,
    ) -> StoreResult<Result<(), Throttled>> {
        if !self.config.enabled {
            return Ok(Ok(()));
        }
        let name = [prefix, &ip.to_string()].concat();
        if let Some(t) = self.waiting(
            store
                .get(Namespace::Throttle, &block_key(&name))
                .await?
                .as_deref(),
            Limit::Registrations,
        ) {
            return Ok(Err(t));
        }
        self.take_turn(store, &name, "0", allowance, Limit::Registrations)
            .await
    }

    /// Whether client authentication from `ip` may proceed now. One key, one read: this
    /// runs before every client authentication.
    pub async fn check_client(
        &self,
        store: &dyn EphemeralStore,
        ip: IpAddr,
    ) -> StoreResult<Result<(), Throttled>> {
        if !self.config.enabled {
            return Ok(Ok(()));
        }
        let key = block_key(&["ip:", &ip.to_string()].concat());
        let until = store.get(Namespace::Throttle, &key).await?;
        Ok(match self.waiting(until.as_deref(), Limit::Ip) {
            Some(t) => Err(t),
            None => Ok(()),
        })
    }

    /// A client failed to authenticate from `ip`. Returns the wait now imposed, if any.
    pub async fn client_failed(
        &self,
        store: &dyn EphemeralStore,
        ip: IpAddr,
    ) -> StoreResult<Option<Throttled>> {
        if !self.config.enabled {
            return Ok(None);
        }
        let name = ["ip:", &ip.to_string()].concat();
        self.count_failure(store, &name, self.config.free_failures_per_ip, Limit::Ip)
            .await
    }

    /// The attempt counter `name` (in series `generation`) takes one attempt and says
    /// whether it may go ahead now. Past `allowance`, each attempt leaves a ticket: the
    /// moment the attempt after it may go ahead. The ticket is written before the caller
    /// does its expensive work, and the next attempt in line reads it, so however many
    /// attempts run in parallel, they pass one by one, as in a sequence. A missing ticket
    /// means the attempt ahead is still on its way, which in a sequence would make this
    /// one wait too. (Or that it was a free attempt when the allowance was larger: an
    /// account that has just come under attack. Then this source, having failed before,
    /// waits one second as a source without free failures would.)
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
        let wait = self.delay(n - free);
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

/// Whatever a client typed becomes part of a key: bound its length.
fn bounded(name: &str) -> String {
    name.chars().take(MAX_KEY_NAME).collect()
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

fn admitted_key(series: &str) -> String {
    ["adm:", series].concat()
}

fn settled_key(series: &str) -> String {
    ["ok:", series].concat()
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
