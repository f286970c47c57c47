//! The access-token cache: one client-credentials login shared by every request of a client,
//! renewed shortly before it expires, with at most one renewal in flight however many requests
//! find the token stale at once.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{Mutex, RwLock};
use tokio::time::Instant;

use crate::error::ClientError;

/// How long before expiry a token is renewed (SPEC §8, like the seeds' helpers).
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct Cached {
    token: String,
    renew_at: Instant,
}

/// A cached bearer token plus the single-flight lock that guards renewing it.
#[derive(Debug, Default)]
pub struct TokenCache {
    current: RwLock<Option<Cached>>,
    renewing: Mutex<()>,
}

/// When a token that lives `expires_in` seconds from `now` should be renewed: 60 s early, or
/// half-way for tokens shorter than two minutes (so a short-lived token is still reused).
fn renew_at(now: Instant, expires_in: i64) -> Instant {
    let life = Duration::from_secs(u64::try_from(expires_in).unwrap_or(0));
    let margin = RENEW_BEFORE_EXPIRY.min(life / 2);
    now + life.saturating_sub(margin)
}

impl TokenCache {
    /// The current token, logging in with `login` first if there is none or it is due for
    /// renewal. Concurrent callers that find it due wait for one `login` and share its result.
    pub async fn get<F, Fut>(&self, login: F) -> Result<String, ClientError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, i64), ClientError>>,
    {
        if let Some(t) = self.fresh().await {
            return Ok(t);
        }
        let _one_at_a_time = self.renewing.lock().await;
        // Whoever held the lock before us may have renewed it already.
        if let Some(t) = self.fresh().await {
            return Ok(t);
        }
        let (token, expires_in) = login().await?;
        *self.current.write().await = Some(Cached {
            token: token.clone(),
            renew_at: renew_at(Instant::now(), expires_in),
        });
        Ok(token)
    }

    /// Drops `token` if it is still the cached one (the server refused it), so the next
    /// [`TokenCache::get`] logs in again.
    pub async fn invalidate(&self, token: &str) {
        let mut cur = self.current.write().await;
        if cur.as_ref().is_some_and(|c| c.token == token) {
            *cur = None;
        }
    }

    async fn fresh(&self) -> Option<String> {
        let cur = self.current.read().await;
        cur.as_ref()
            .filter(|c| Instant::now() < c.renew_at)
            .map(|c| c.token.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    async fn login(count: &AtomicU32, expires_in: i64) -> Result<(String, i64), ClientError> {
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        // Yield so concurrent callers really overlap with the login in flight.
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok((format!("t{n}"), expires_in))
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_login() {
        let cache = Arc::new(TokenCache::default());
        let count = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (cache, count) = (cache.clone(), count.clone());
                tokio::spawn(async move { cache.get(|| login(&count, 3600)).await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), "t1");
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn renews_sixty_seconds_before_expiry() {
        let cache = TokenCache::default();
        let count = AtomicU32::new(0);
        assert_eq!(cache.get(|| login(&count, 3600)).await.unwrap(), "t1");
        tokio::time::advance(Duration::from_secs(3600 - 61)).await;
        assert_eq!(cache.get(|| login(&count, 3600)).await.unwrap(), "t1");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(cache.get(|| login(&count, 3600)).await.unwrap(), "t2");
    }

    #[tokio::test(start_paused = true)]
    async fn short_tokens_are_reused_until_half_life_and_invalidate_forces_a_login() {
        let cache = TokenCache::default();
        let count = AtomicU32::new(0);
        assert_eq!(cache.get(|| login(&count, 30)).await.unwrap(), "t1");
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(cache.get(|| login(&count, 30)).await.unwrap(), "t1");
        cache.invalidate("other").await;
        assert_eq!(cache.get(|| login(&count, 30)).await.unwrap(), "t1");
        cache.invalidate("t1").await;
        assert_eq!(cache.get(|| login(&count, 30)).await.unwrap(), "t2");
    }
}
