//! When and how long to retry: the bounded policy for 409 conflicts, 429 rate limits and 5xx
//! answers, jittered backoff, `Retry-After` parsing, and the shared gate that pauses every
//! request of a client while the server has asked it to wait.

use std::time::Duration;

use rand::Rng;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Retry bounds of a [`crate::Client`]. The defaults suit both a local flowlink server and
/// Genesys Cloud's 300 requests/minute per token.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// How many times an optimistic-concurrency update re-reads and re-applies after a 409.
    pub max_conflict_retries: u32,
    /// How many times an idempotent request is repeated after a 5xx or a transport error.
    pub max_server_retries: u32,
    /// How many 429 answers one request tolerates (each waits `Retry-After`).
    pub max_rate_limit_waits: u32,
    /// First backoff step; doubles per attempt up to `max_backoff`, with full jitter.
    pub base_backoff: Duration,
    /// Upper bound of one backoff sleep.
    pub max_backoff: Duration,
    /// Wait used when a 429 carries no usable `Retry-After`.
    pub default_retry_after: Duration,
    /// A `Retry-After` larger than this is clamped, so a bad header cannot park a job for hours.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_conflict_retries: 20,
            max_server_retries: 3,
            max_rate_limit_waits: 100,
            base_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(2),
            default_retry_after: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The jittered sleep before retry number `attempt` (0-based): uniform in
    /// `[step/2, step]` where `step = min(max_backoff, base_backoff * 2^attempt)`. The lower
    /// half-step keeps competing writers apart; the jitter keeps them from colliding again.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX);
        let step = self
            .base_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let nanos = u64::try_from(step.as_nanos()).unwrap_or(u64::MAX);
        if nanos < 2 {
            return step;
        }
        Duration::from_nanos(rand::thread_rng().gen_range(nanos / 2..=nanos))
    }

    /// How long to wait for a 429 whose `Retry-After` header value is `header`.
    pub fn retry_after(&self, header: Option<&str>) -> Duration {
        parse_retry_after(header)
            .unwrap_or(self.default_retry_after)
            .min(self.max_retry_after)
    }
}

/// Reads a `Retry-After` value in (possibly fractional) seconds. HTTP dates are not used by
/// Genesys and are treated as absent.
pub fn parse_retry_after(header: Option<&str>) -> Option<Duration> {
    let secs: f64 = header?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// A client-wide pause: after a 429 every request (not only the one that got it) waits until
/// the server's `Retry-After` has passed, so a bulk job does not keep spending the budget on
/// requests that would be refused anyway.
#[derive(Debug, Default)]
pub struct RateGate {
    until: Mutex<Option<Instant>>,
}

impl RateGate {
    /// Sleeps until the gate is open.
    pub async fn wait(&self) {
        let until = *self.until.lock().await;
        if let Some(t) = until {
            tokio::time::sleep_until(t).await;
        }
    }

    /// Closes the gate for `d` from now (never shortens a longer pause already in force).
    pub async fn close_for(&self, d: Duration) {
        let t = Instant::now() + d;
        let mut until = self.until.lock().await;
        match *until {
            Some(u) if u >= t => {}
            _ => *until = Some(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_bounded() {
        let p = RetryPolicy::default();
        for attempt in 0..40 {
            let step = p
                .base_backoff
                .saturating_mul(1 << attempt.min(20))
                .min(p.max_backoff);
            let d = p.backoff(attempt);
            assert!(
                d >= step / 2 && d <= step,
                "attempt {attempt}: {d:?} vs {step:?}"
            );
        }
        assert!(p.backoff(30) <= p.max_backoff);
        let spread: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(5)).collect();
        assert!(spread.len() > 1, "no jitter");
    }

    #[test]
    fn retry_after_parses_seconds_and_falls_back() {
        let p = RetryPolicy::default();
        assert_eq!(p.retry_after(Some("3")), Duration::from_secs(3));
        assert_eq!(p.retry_after(Some(" 0.5 ")), Duration::from_millis(500));
        assert_eq!(p.retry_after(None), p.default_retry_after);
        assert_eq!(p.retry_after(Some("soon")), p.default_retry_after);
        assert_eq!(p.retry_after(Some("-1")), p.default_retry_after);
        assert_eq!(p.retry_after(Some("999999")), p.max_retry_after);
    }

    #[tokio::test(start_paused = true)]
    async fn gate_holds_requests_until_the_pause_ends() {
        let gate = RateGate::default();
        let start = Instant::now();
        gate.wait().await;
        assert_eq!(Instant::now(), start);
        gate.close_for(Duration::from_secs(2)).await;
        gate.close_for(Duration::from_secs(1)).await;
        gate.wait().await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }
}
