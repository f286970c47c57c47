//! Per-token request budget (Genesys: 300 requests per minute per client-credentials token),
//! enforced with `governor`'s keyed GCRA limiter. Keys are token hashes, never tokens.

use std::num::NonZeroU32;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::ApiError;

/// A keyed limiter with its configured budget.
pub struct RateLimiter {
    per_minute: u32,
    inner: DefaultKeyedRateLimiter<[u8; 32]>,
}

impl RateLimiter {
    /// `None` when `per_minute` is 0 (limit off).
    pub fn new(per_minute: u32) -> Option<Self> {
        let n = NonZeroU32::new(per_minute)?;
        Some(RateLimiter {
            per_minute,
            inner: DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)),
        })
    }

    /// Spends one request of `key`'s budget, or says how long to wait (429).
    pub fn check(&self, key: &[u8; 32]) -> Result<(), ApiError> {
        self.inner.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.inner.clock().now());
            // Whole seconds, rounded up, at least 1: `Retry-After: 0` would invite a hot loop.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited {
                retry_after_secs: secs.max(1),
                per_minute: self.per_minute,
            }
        })
    }

    /// Forgets keys whose budget is full again (bounded memory).
    pub fn retain_recent(&self) {
        self.inner.retain_recent();
    }
}
