//! Server settings the binary can change.

/// Tunables of one server instance. `Default` gives the production values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Requests per minute allowed per access token (Genesys' default is 300); 0 turns the
    /// limit off.
    pub rate_limit_per_minute: u32,
    /// When set, the lifetime (seconds) of every token issued, overriding each client's own
    /// lifetime (short-lived tokens for tests and demos). `None`: the client's lifetime.
    pub token_lifetime_secs: Option<i64>,
    /// Largest request body accepted; above it → 413.
    pub max_body_bytes: usize,
}

/// Token lifetime of clients created without an explicit one: one day, as Genesys clients
/// usually have.
pub const DEFAULT_TOKEN_LIFETIME_SECS: i64 = 86_400;

/// Default body limit: 1 MiB is far above any flow document the seeds write.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            rate_limit_per_minute: 300,
            token_lifetime_secs: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}
