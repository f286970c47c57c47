//! What every handler shares: the store, the configuration and the rate limiter.

use std::sync::Arc;

use flowlink_store::Store;

use crate::auth::cache::TokenCache;
use crate::config::ServerConfig;
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
}

impl AppState {
    /// Builds the state for a store and a configuration.
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        let limiter = RateLimiter::new(config.rate_limit_per_minute).map(Arc::new);
        AppState {
            store,
            config: Arc::new(config),
            limiter,
            simulator: Arc::new(Simulator::default()),
            tokens: Arc::new(TokenCache::default()),
        }
    }
}
