//! The server's metrics, kept in atomics and rendered in the Prometheus text exposition format
//! (version 0.0.4) by `GET /metrics` ([`crate::routes::metrics`]).
//!
//! What is counted:
//! - `flowlink_http_requests_total{route,method,status}`: every answered request, labelled by
//!   its route *template* (axum's `MatchedPath`, e.g. `/api/v2/flows/{id}`), never the raw
//!   path, so the number of series is bounded by the route table; a request no route matched
//!   is `route="unmatched"`. Status codes outside a fixed list are `status="other"`.
//! - `flowlink_http_request_duration_seconds{route,method}`: a latency histogram.
//! - `flowlink_rate_limited_total{limit}`: 429 answers, `limit="token_budget"` (the per-token
//!   budget, `/api/v2`) or `limit="failed_logins"` (`POST /oauth/token`).
//! - `flowlink_store_errors_total{kind}`: store errors by kind, counted where a store error
//!   becomes an API error ([`count_store_error`]); process-wide, like the store itself.
//! - `flowlink_open_connections`: connections being served now ([`crate::connections`]).
//!
//! The request path is cheap on purpose: the table of counters is allocated once, when the
//! router is built ([`Metrics::set_routes`]); a request costs one hash lookup of its template
//! (no allocation) and a few relaxed atomic increments, and takes no lock.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use flowlink_store::StoreError;

/// Methods with their own series; anything else (HEAD, OPTIONS…) is `other`.
const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "PATCH", "other"];

/// Status codes flowlink answers, each its own series; anything else is `other`.
const STATUSES: [u16; 20] = [
    200, 201, 202, 204, 302, 400, 401, 403, 404, 405, 408, 409, 410, 413, 415, 429, 500, 503, 504,
    507,
];

/// Upper bounds of the latency buckets, in seconds (`+Inf` is implied).
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The same bounds in microseconds, compared against on the request path.
const BUCKETS_US: [u64; 14] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// Route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Store error kinds, in [`store_error_kind`]'s order.
const STORE_KINDS: [&str; 9] = [
    "not_found",
    "gone",
    "conflict",
    "in_use",
    "invalid",
    "backend",
    "unavailable",
    "storage_full",
    "other",
];

/// Store errors are counted process-wide: the conversion that sees them has no server state,
/// and one process is one scrape target.
static STORE_ERRORS: [AtomicU64; STORE_KINDS.len()] =
    [const { AtomicU64::new(0) }; STORE_KINDS.len()];

/// The index of a store error's kind in [`STORE_KINDS`].
fn store_error_kind(e: &StoreError) -> usize {
    #[allow(unreachable_patterns)] // kinds added to `StoreError` later count as `other`
    match e {
        StoreError::NotFound => 0,
        StoreError::Gone => 1,
        StoreError::Conflict(_) => 2,
        StoreError::InUse { .. } => 3,
        StoreError::Invalid { .. } => 4,
        StoreError::Backend(_) => 5,
        StoreError::Unavailable(_) => 6,
        StoreError::StorageFull(_) => 7,
        _ => 8,
    }
}

/// Counts one store error by kind (called where it becomes an `ApiError`).
pub fn count_store_error(e: &StoreError) {
    STORE_ERRORS[store_error_kind(e)].fetch_add(1, Ordering::Relaxed);
}

/// One route template's counters: per method × status, and a histogram per method.
struct RouteCounters {
    /// `[method][status]`, the last status slot being `other`.
    requests: [[AtomicU64; STATUSES.len() + 1]; METHODS.len()],
    /// `[method]`: cumulative counts are computed when rendering; each slot counts requests
    /// whose latency falls in that bucket only (the last one: above every bound).
    buckets: [[AtomicU64; BUCKETS.len() + 1]; METHODS.len()],
    /// `[method]`: total latency in microseconds.
    sum_us: [AtomicU64; METHODS.len()],
}

impl RouteCounters {
    fn new() -> Self {
        RouteCounters {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            buckets: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            sum_us: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// The counters of every route, built once from the route table.
struct Table {
    /// Template → index into `routes`.
    index: HashMap<String, usize>,
    /// Templates in index order (the last one is [`UNMATCHED`]).
    names: Vec<String>,
    routes: Vec<RouteCounters>,
}

/// Which 429 a request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    /// The per-token request budget (`/api/v2`).
    TokenBudget,
    /// The failed client-credential limits (`POST /oauth/token`).
    FailedLogins,
}

/// All the server's metrics. Shared through [`crate::AppState`].
#[derive(Default)]
pub struct Metrics {
    table: OnceLock<Table>,
    rate_limited: [AtomicU64; 2],
    open_connections: AtomicI64,
}

impl Metrics {
    /// Allocates the counters for `templates` (the router's route paths). Called once when
    /// the router is built; later calls keep the first table (the routes are the same).
    pub fn set_routes<'a>(&self, templates: impl IntoIterator<Item = &'a str>) {
        self.table.get_or_init(|| {
            let mut names: Vec<String> = templates.into_iter().map(str::to_owned).collect();
            names.sort();
            names.dedup();
            names.push(UNMATCHED.to_owned());
            let index = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i))
                .collect();
            let routes = names.iter().map(|_| RouteCounters::new()).collect();
            Table {
                index,
                names,
                routes,
            }
        });
    }

    /// Records one answered request: its route template (`None`: no route matched), method,
    /// status and latency.
    pub fn record(&self, route: Option<&str>, method: &str, status: u16, latency: Duration) {
        let Some(table) = self.table.get() else {
            return;
        };
        let r = route
            .and_then(|t| table.index.get(t).copied())
            .unwrap_or(table.routes.len() - 1);
        let counters = &table.routes[r];
        let m = METHODS
            .iter()
            .position(|x| *x == method)
            .unwrap_or(METHODS.len() - 1);
        let s = STATUSES
            .iter()
            .position(|x| *x == status)
            .unwrap_or(STATUSES.len());
        counters.requests[m][s].fetch_add(1, Ordering::Relaxed);
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let b = BUCKETS_US
            .iter()
            .position(|bound| us <= *bound)
            .unwrap_or(BUCKETS_US.len());
        counters.buckets[m][b].fetch_add(1, Ordering::Relaxed);
        counters.sum_us[m].fetch_add(us, Ordering::Relaxed);
        if status == 429 {
            let limit = if route == Some("/oauth/token") {
                RateLimit::FailedLogins
            } else {
                RateLimit::TokenBudget
            };
            self.rate_limited[limit as usize].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A connection opened; the guard counts it closed when dropped.
    pub fn connection_opened(&self) -> OpenConnection<'_> {
        self.open_connections.fetch_add(1, Ordering::Relaxed);
        OpenConnection(self)
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // `write!` into a String cannot fail.
        let _ = self.render_into(&mut out);
        out
    }

    fn render_into(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP flowlink_http_requests_total HTTP requests answered, by route template, method and status."
        )?;
        writeln!(out, "# TYPE flowlink_http_requests_total counter")?;
        if let Some(table) = self.table.get() {
            for (name, counters) in table.names.iter().zip(&table.routes) {
                for (m, method) in METHODS.iter().enumerate() {
                    for (s, n) in counters.requests[m].iter().enumerate() {
                        let n = n.load(Ordering::Relaxed);
                        if n == 0 {
                            continue;
                        }
                        let status = STATUSES
                            .get(s)
                            .map_or_else(|| "other".to_owned(), u16::to_string);
                        writeln!(
                            out,
                            "flowlink_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                            escape(name)
                        )?;
                    }
                }
            }
        }
        writeln!(
            out,
            "# HELP flowlink_http_request_duration_seconds Time from request to response, by route template and method."
        )?;
        writeln!(
            out,
            "# TYPE flowlink_http_request_duration_seconds histogram"
        )?;
        if let Some(table) = self.table.get() {
            for (name, counters) in table.names.iter().zip(&table.routes) {
                for (m, method) in METHODS.iter().enumerate() {
                    let counts: Vec<u64> = counters.buckets[m]
                        .iter()
                        .map(|b| b.load(Ordering::Relaxed))
                        .collect();
                    let total: u64 = counts.iter().sum();
                    if total == 0 {
                        continue;
                    }
                    let labels = format!("route=\"{}\",method=\"{method}\"", escape(name));
                    let mut cumulative = 0;
                    for (bound, n) in BUCKETS.iter().zip(&counts) {
                        cumulative += n;
                        writeln!(
                            out,
                            "flowlink_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                        )?;
                    }
                    writeln!(
                        out,
                        "flowlink_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {total}"
                    )?;
                    let sum = counters.sum_us[m].load(Ordering::Relaxed) as f64 / 1e6;
                    writeln!(
                        out,
                        "flowlink_http_request_duration_seconds_sum{{{labels}}} {sum}"
                    )?;
                    writeln!(
                        out,
                        "flowlink_http_request_duration_seconds_count{{{labels}}} {total}"
                    )?;
                }
            }
        }
        writeln!(
            out,
            "# HELP flowlink_rate_limited_total Requests answered 429, by the limit that refused them."
        )?;
        writeln!(out, "# TYPE flowlink_rate_limited_total counter")?;
        for (limit, name) in [
            (RateLimit::TokenBudget, "token_budget"),
            (RateLimit::FailedLogins, "failed_logins"),
        ] {
            let n = self.rate_limited[limit as usize].load(Ordering::Relaxed);
            writeln!(out, "flowlink_rate_limited_total{{limit=\"{name}\"}} {n}")?;
        }
        writeln!(
            out,
            "# HELP flowlink_store_errors_total Store errors turned into API errors, by kind (process-wide)."
        )?;
        writeln!(out, "# TYPE flowlink_store_errors_total counter")?;
        for (kind, n) in STORE_KINDS.iter().zip(&STORE_ERRORS) {
            let n = n.load(Ordering::Relaxed);
            writeln!(out, "flowlink_store_errors_total{{kind=\"{kind}\"}} {n}")?;
        }
        writeln!(
            out,
            "# HELP flowlink_open_connections Client connections being served now."
        )?;
        writeln!(out, "# TYPE flowlink_open_connections gauge")?;
        writeln!(
            out,
            "flowlink_open_connections {}",
            self.open_connections.load(Ordering::Relaxed)
        )
    }
}

/// Counts a connection as open until dropped ([`Metrics::connection_opened`]).
pub struct OpenConnection<'a>(&'a Metrics);

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A label value escaped as the text format requires (`\`, `"` and newlines).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_template_method_and_status() {
        let m = Metrics::default();
        m.set_routes(["/api/v2/flows/{id}", "/oauth/token"]);
        m.record(
            Some("/api/v2/flows/{id}"),
            "GET",
            200,
            Duration::from_micros(700),
        );
        m.record(
            Some("/api/v2/flows/{id}"),
            "GET",
            200,
            Duration::from_millis(30),
        );
        m.record(Some("/oauth/token"), "POST", 429, Duration::from_micros(1));
        m.record(None, "GET", 404, Duration::from_micros(1));
        m.record(Some("/api/v2/flows"), "GET", 429, Duration::from_micros(1));
        let text = m.render();
        for line in [
            r#"flowlink_http_requests_total{route="/api/v2/flows/{id}",method="GET",status="200"} 2"#,
            r#"flowlink_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
            r#"flowlink_http_requests_total{route="unmatched",method="GET",status="429"} 1"#,
            r#"flowlink_http_request_duration_seconds_bucket{route="/api/v2/flows/{id}",method="GET",le="0.0005"} 0"#,
            r#"flowlink_http_request_duration_seconds_bucket{route="/api/v2/flows/{id}",method="GET",le="0.001"} 1"#,
            r#"flowlink_http_request_duration_seconds_bucket{route="/api/v2/flows/{id}",method="GET",le="0.025"} 1"#,
            r#"flowlink_http_request_duration_seconds_bucket{route="/api/v2/flows/{id}",method="GET",le="0.05"} 2"#,
            r#"flowlink_http_request_duration_seconds_bucket{route="/api/v2/flows/{id}",method="GET",le="+Inf"} 2"#,
            r#"flowlink_http_request_duration_seconds_count{route="/api/v2/flows/{id}",method="GET"} 2"#,
            r#"flowlink_rate_limited_total{limit="failed_logins"} 1"#,
            r#"flowlink_rate_limited_total{limit="token_budget"} 1"#,
            "flowlink_open_connections 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn connections_are_counted_while_open() {
        let m = Metrics::default();
        let a = m.connection_opened();
        let b = m.connection_opened();
        assert!(m.render().contains("flowlink_open_connections 2\n"));
        drop(a);
        drop(b);
        assert!(m.render().contains("flowlink_open_connections 0\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
