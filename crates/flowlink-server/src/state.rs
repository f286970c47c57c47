//! What every handler shares: the store, the configuration, the rate limiter, the
//! failed-login limits and the metrics.

use std::sync::Arc;

use flowlink_store::Store;

use crate::auth::cache::TokenCache;
use crate::auth::throttle::LoginThrottle;
use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::simulate::Simulator;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    /// The storage backend; handlers never know which one.
    pub store: Arc<dyn Store>,
    /// The configuration the server was started with.
    pub config: Arc<ServerConfig>,
    /// Per-token limiter; `None` when the limit is off.
    pub limiter: Option<Arc<RateLimiter>>,
    /// Simulated calls: parsed-logic cache and the bounded execution pool.
    pub simulator: Arc<Simulator>,
    /// Bearer-token lookups already made (tokens never change; see the cache's docs).
    pub tokens: Arc<TokenCache>,
    /// Failed client-credential attempts per address and client, and the legacy-check slots.
    pub logins: Arc<LoginThrottle>,
    /// Request counts, latencies, rejections and open connections (`GET /metrics`).
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Builds the state for a store and a configuration.
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        let limiter = RateLimiter::new(config.rate_limit_per_minute).map(Arc::new);
        // Slow legacy (argon2) checks get at most half the cores.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let logins = Arc::new(LoginThrottle::new(
            config.auth_failures_per_minute,
            cores / 2,
        ));
        AppState {
            store,
            config: Arc::new(config),
            limiter,
            simulator: Arc::new(Simulator::default()),
            tokens: Arc::new(TokenCache::default()),
            logins,
            metrics: Arc::new(Metrics::default()),
        }
    }
}
