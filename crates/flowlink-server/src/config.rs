//! Server settings the binary can change.

use std::time::Duration;

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
    /// Failed client-credential attempts allowed per minute, per source address and per
    /// client id (a burst of this many, then one every `60 / n` seconds); past it
    /// `POST /oauth/token` answers 429 before checking anything. Independent of
    /// `rate_limit_per_minute`; 0 turns it off.
    pub auth_failures_per_minute: u32,
    /// Time a connection gets to send a request's headers, counted from when the server starts
    /// waiting for them: a stalled (slowloris) connection, or an idle keep-alive one, is closed
    /// after it.
    pub header_read_timeout: Duration,
    /// Time a request gets to send its whole body once its headers are in; past it → 408
    /// `client.timeout`.
    pub request_body_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// On shutdown, how long in-flight requests get to finish before their connections are
    /// dropped.
    pub shutdown_timeout: Duration,
}

/// Token lifetime of clients created without an explicit one: one day, as Genesys clients
/// usually have.
pub const DEFAULT_TOKEN_LIFETIME_SECS: i64 = 86_400;

/// Default body limit: 1 MiB is far above any flow document the seeds write.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Default failed-login budget: a person or script retrying a wrong secret sees a 429 after a
/// minute's worth of attempts; a well-configured client never fails at all.
pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 60;

/// Default header-read (and keep-alive idle) timeout: scripts send their headers at once.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default body timeout: 1 MiB in 30 s is ~35 KB/s, far below any link to a local server.
pub const DEFAULT_REQUEST_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Default connection cap: room for thousands of stalled connections (each costs a task and
/// a small buffer) under the usual 20,000 open-file limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8192;

/// Default drain time on SIGTERM: inside the 30 s most supervisors wait before SIGKILL.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            rate_limit_per_minute: 300,
            token_lifetime_secs: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            auth_failures_per_minute: DEFAULT_AUTH_FAILURES_PER_MINUTE,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            request_body_timeout: DEFAULT_REQUEST_BODY_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}
