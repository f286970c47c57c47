//! Limits on failed client-credential attempts (`POST /oauth/token`), so that logging in
//! cannot be used to exhaust the server:
//!
//! - failures are counted per source address (IPv6 by /64, since one host holds a whole
//!   prefix) and per client id, with one `governor` keyed GCRA limiter (a burst of
//!   `auth_failures_per_minute`, then one every `60 / n` seconds);
//! - a key whose failure went over the limit is *blocked* until that limiter would admit it
//!   again: [`LoginThrottle::admit`] answers 429 `too.many.requests.retry.after` with
//!   `Retry-After` for it before any work (no store read, no hash), after a short pause, so a
//!   flood costs about what a 404 costs and a client looping regardless of `Retry-After`
//!   gets about one answer a second per connection;
//! - only failures count, so a client with the right secret is never slowed down by its own
//!   logins; already issued tokens are not affected at all (bearer checks are elsewhere);
//! - the slow argon2 check of hashes written by earlier releases runs in a bounded number of
//!   slots ([`LoginThrottle::legacy_slot`]), so even unthrottled legacy checks use at most
//!   half the cores.
//!
//! Memory is bounded: only client ids that exist are counted (unknown ones count against the
//! address only), idle keys are dropped by [`LoginThrottle::retain_recent`] (housekeeping, and
//! at once when a map reaches [`MAX_KEYS`]), and past `MAX_KEYS` new addresses are not tracked
//! until room frees up (the legacy slots still bound the cost of their attempts).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use tokio::sync::{Semaphore, SemaphorePermit};
use uuid::Uuid;

use crate::error::ApiError;

/// Most keys (addresses and client ids) tracked at once in each map.
pub const MAX_KEYS: usize = 100_000;

/// Longest pause before a blocked login's 429 (see [`LoginThrottle::admit`]).
pub const TARPIT: Duration = Duration::from_secs(1);

/// How long a login waits for a legacy (argon2) check slot before a 503 with `Retry-After`.
const LEGACY_WAIT: Duration = Duration::from_secs(5);

/// What a failure is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Addr(IpAddr),
    Client(Uuid),
}

/// The address a limit is kept for: IPv4 as is, IPv6 by its /64 prefix.
fn addr_key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

struct Limits {
    per_minute: u32,
    failures: DefaultKeyedRateLimiter<Key>,
    /// Keys over their limit, until when (checked before any work).
    blocked: Mutex<HashMap<Key, Instant>>,
    /// Milliseconds since `started` of the last out-of-turn clean-up (at most one a second).
    last_cleanup_ms: AtomicU64,
    started: Instant,
}

/// Failed-login limits and the legacy-check slots, shared by every request.
pub struct LoginThrottle {
    /// `None` when `auth_failures_per_minute` is 0 (limits off; the slots still apply).
    limits: Option<Limits>,
    legacy: Semaphore,
}

impl LoginThrottle {
    /// Limits of `per_minute` failures per address and per client (0: off), and `legacy_slots`
    /// concurrent argon2 checks (at least one).
    pub fn new(per_minute: u32, legacy_slots: usize) -> Self {
        let limits = NonZeroU32::new(per_minute).map(|n| Limits {
            per_minute,
            failures: DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)),
            blocked: Mutex::new(HashMap::new()),
            last_cleanup_ms: AtomicU64::new(0),
            started: Instant::now(),
        });
        LoginThrottle {
            limits,
            legacy: Semaphore::new(legacy_slots.max(1)),
        }
    }

    /// Before any work on a login from `addr` for `client` (if its id parsed): a 429 if either
    /// is blocked, answered after a pause of at most [`TARPIT`] (never more than the
    /// `Retry-After` it carries). The pause costs the server a timer; it caps a client that
    /// ignores `Retry-After` at about one request a second per connection, so a flood on a few
    /// connections cannot crowd out authenticated traffic however fast it loops.
    pub async fn admit(&self, addr: IpAddr, client: Option<Uuid>) -> Result<(), ApiError> {
        let refused = self.check(addr, client);
        if let Err(ApiError::LoginThrottled {
            retry_after_secs, ..
        }) = &refused
        {
            tokio::time::sleep(TARPIT.min(Duration::from_secs(*retry_after_secs))).await;
        }
        refused
    }

    /// [`Self::admit`] without the pause.
    pub fn check(&self, addr: IpAddr, client: Option<Uuid>) -> Result<(), ApiError> {
        let Some(l) = &self.limits else {
            return Ok(());
        };
        let now = Instant::now();
        let blocked = l.blocked.lock().unwrap_or_else(|p| p.into_inner());
        let keys = [Some(Key::Addr(addr_key(addr))), client.map(Key::Client)];
        let wait = keys
            .into_iter()
            .flatten()
            .filter_map(|k| blocked.get(&k))
            .filter_map(|until| until.checked_duration_since(now))
            .max();
        match wait {
            Some(wait) => Err(l.limited(wait)),
            None => Ok(()),
        }
    }

    /// After a failed login from `addr` for `client` (`Some` only for a client that exists):
    /// counts it and returns the answer — 401 `invalid_client`, or 429 when this failure went
    /// over a limit (the key is then blocked until the limiter admits it again).
    pub fn failed(&self, addr: IpAddr, client: Option<Uuid>) -> ApiError {
        let Some(l) = &self.limits else {
            return ApiError::invalid_client();
        };
        if l.failures.len() >= MAX_KEYS {
            l.cleanup_now();
        }
        let keys = [Some(Key::Addr(addr_key(addr))), client.map(Key::Client)];
        let mut longest: Option<Duration> = None;
        for key in keys.into_iter().flatten() {
            // Past the cap, untracked addresses stay untracked (bounded memory); clients are
            // few (only existing ones are counted) and always are.
            if matches!(key, Key::Addr(_)) && l.failures.len() >= MAX_KEYS {
                continue;
            }
            if let Err(not_until) = l.failures.check_key(&key) {
                let wait = not_until.wait_time_from(l.failures.clock().now());
                l.block(key, wait);
                longest = Some(longest.map_or(wait, |w| w.max(wait)));
            }
        }
        match longest {
            Some(wait) => l.limited(wait),
            None => ApiError::invalid_client(),
        }
    }

    /// Waits (bounded) for a slot to run one slow legacy check in; a 503 with `Retry-After`
    /// when none frees up in time.
    pub async fn legacy_slot(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(LEGACY_WAIT, self.legacy.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            // Timed out, or (never: nothing closes it) the semaphore was closed.
            _ => Err(ApiError::Overloaded {
                retry_after_secs: 1,
            }),
        }
    }

    /// Forgets keys whose budget is full again and blocks that have run out (bounded memory).
    pub fn retain_recent(&self) {
        if let Some(l) = &self.limits {
            l.retain_recent();
        }
    }

    /// Keys currently tracked (limiter and blocks), for tests of the memory bound.
    pub fn tracked_keys(&self) -> usize {
        self.limits.as_ref().map_or(0, |l| {
            l.failures.len() + l.blocked.lock().map(|b| b.len()).unwrap_or(0)
        })
    }
}

impl Limits {
    fn limited(&self, wait: Duration) -> ApiError {
        // Whole seconds, rounded up, at least 1: `Retry-After: 0` would invite a hot loop.
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::LoginThrottled {
            retry_after_secs: secs.max(1),
            per_minute: self.per_minute,
        }
    }

    fn block(&self, key: Key, wait: Duration) {
        let until = Instant::now() + wait;
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        if blocked.len() >= MAX_KEYS && !blocked.contains_key(&key) {
            let now = Instant::now();
            blocked.retain(|_, t| *t > now);
            if blocked.len() >= MAX_KEYS {
                // The limiter still refuses this key's next failure; only the early answer
                // is missing, and memory stays bounded.
                return;
            }
        }
        blocked.insert(key, until);
    }

    fn retain_recent(&self) {
        self.failures.retain_recent();
        self.failures.shrink_to_fit();
        let now = Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        blocked.retain(|_, until| *until > now);
        blocked.shrink_to_fit();
    }

    /// A clean-up out of turn (the map is full), at most once a second: a scan per failure
    /// would make a flood cost more, not less.
    fn cleanup_now(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_cleanup_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 1000
            && self
                .last_cleanup_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn failures_over_the_limit_block_the_address_and_the_client() {
        let t = LoginThrottle::new(3, 1);
        let (a, b, c) = (ip("10.0.0.1"), ip("10.0.0.2"), Uuid::new_v4());
        for _ in 0..3 {
            assert_eq!(t.failed(a, None), ApiError::invalid_client());
            t.check(a, None).unwrap();
        }
        assert!(matches!(
            t.failed(a, None),
            ApiError::LoginThrottled { per_minute: 3, .. }
        ));
        match t.check(a, Some(c)) {
            Err(ApiError::LoginThrottled {
                retry_after_secs, ..
            }) => assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}"),
            other => panic!("{other:?}"),
        }
        // Another address is not blocked; the client id alone was not over its limit.
        t.check(b, Some(c)).unwrap();
        // A client's failures count from every address.
        for i in 0..3 {
            let from = IpAddr::from([10, 1, 0, i]);
            assert_eq!(t.failed(from, Some(c)), ApiError::invalid_client());
        }
        assert!(matches!(
            t.failed(ip("10.1.0.9"), Some(c)),
            ApiError::LoginThrottled { .. }
        ));
        assert!(t.check(ip("10.2.0.1"), Some(c)).is_err());
        assert!(t.check(ip("10.2.0.1"), None).is_ok());
    }

    #[test]
    fn ipv6_addresses_share_their_slash_64() {
        assert_eq!(
            addr_key(ip("2001:db8:1:2:aaaa::1")),
            addr_key(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            addr_key(ip("2001:db8:1:2::1")),
            addr_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(addr_key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn zero_turns_the_limits_off() {
        let t = LoginThrottle::new(0, 1);
        for _ in 0..100 {
            assert_eq!(t.failed(ip("10.0.0.1"), None), ApiError::invalid_client());
        }
        assert!(t.check(ip("10.0.0.1"), None).is_ok());
        assert_eq!(t.tracked_keys(), 0);
    }

    #[test]
    fn a_flood_of_addresses_keeps_memory_bounded() {
        let t = LoginThrottle::new(1, 1);
        for i in 0..(MAX_KEYS as u32 + 5_000) {
            let _ = t.failed(IpAddr::from(i.to_be_bytes()), None);
        }
        // Limiter keys stop at the cap (one failure each: none is blocked).
        assert!(t.tracked_keys() <= MAX_KEYS, "{}", t.tracked_keys());
        assert!(t.tracked_keys() >= MAX_KEYS / 2, "{}", t.tracked_keys());
    }

    #[tokio::test]
    async fn legacy_checks_run_in_bounded_slots() {
        let t = LoginThrottle::new(0, 2);
        let a = t.legacy_slot().await.unwrap();
        let b = t.legacy_slot().await.unwrap();
        assert_eq!(t.legacy.available_permits(), 0);
        drop(a);
        let _c = t.legacy_slot().await.unwrap();
        drop(b);
    }
}
