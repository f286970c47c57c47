//! What every handler shares: the store, the configuration, the rate limiter, the
//! failed-login limits, the metrics and the cache of immutable versions' logic documents.

use std::sync::Arc;

use flowlink_store::Store;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::cache::TokenCache;
use crate::auth::throttle::LoginThrottle;
use crate::bounded::TwoGenerations;
use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::rendered::RenderedFlows;
use crate::simulate::Simulator;

/// Shared application state: one pointer, so the clones axum makes for every middleware and
/// extractor of every request are one reference count each, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] points to.
pub struct Shared {
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
    /// Logic documents of flow versions already read (a version's document never changes).
    pub documents: Arc<DocumentCache>,
    /// Single-flow answers already serialized, reused while the flow's row is unchanged.
    pub rendered: Arc<RenderedFlows>,
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
        AppState(Arc::new(Shared {
            store,
            config: Arc::new(config),
            limiter,
            simulator: Arc::new(Simulator::default()),
            tokens: Arc::new(TokenCache::default()),
            logins,
            metrics: Arc::new(Metrics::default()),
            documents: Arc::new(DocumentCache::default()),
            rendered: Arc::new(RenderedFlows::default()),
        }))
    }
}

/// Logic documents of flow versions, so a read of a flow costs one store read (its row, which
/// changes) instead of two. One entry per flow, by (organization, flow): the version last read
/// or written, which is the one the next read asks for. A version's document is immutable once
/// written, so an entry is never stale and needs no invalidation across replicas. Bounded (see
/// [`TwoGenerations`]).
pub struct DocumentCache {
    entries: TwoGenerations<(Uuid, Uuid), (u32, Arc<Value>)>,
}

impl Default for DocumentCache {
    fn default() -> Self {
        DocumentCache {
            entries: TwoGenerations::new(Self::CAPACITY),
        }
    }
}

impl DocumentCache {
    /// Flows whose document is kept at most.
    pub const CAPACITY: usize = 4096;

    /// The document of version `number` of `flow` in `org`, if cached.
    pub fn get(&self, org: Uuid, flow: Uuid, number: u32) -> Option<Arc<Value>> {
        self.entries
            .get_if(&(org, flow), |(n, _)| *n == number)
            .map(|(_, doc)| doc)
    }

    /// Remembers the document of version `number` of `flow` in `org`.
    pub fn insert(&self, org: Uuid, flow: Uuid, number: u32, document: Arc<Value>) {
        self.entries.insert((org, flow), (number, document));
    }
}
