//! One access-log line and one metrics record per request.
//!
//! Called by [`crate::envelope`] after routing (so axum's `MatchedPath` is known) and inside
//! the request span (so the line carries the span's `context_id`, the correlation id). The line
//! is at `info` level under the target `flowlink::access`: method, route template, status and
//! latency. It names the template, never the raw path or query, and no header, so nothing a
//! client sends (a token, a secret, a signed URL's signature) reaches the log.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::Method;

use crate::metrics::{Metrics, UNMATCHED};

/// Records one answered request in [`Metrics`] and logs its access line: `route` is the
/// matched template (none: unmatched), `latency` the whole request's.
pub fn record(
    metrics: &Metrics,
    route: Option<&MatchedPath>,
    method: &Method,
    status: u16,
    latency: Duration,
) {
    let route = route.map(MatchedPath::as_str);
    metrics.record(route, method.as_str(), status, latency);
    tracing::info!(
        target: "flowlink::access",
        method = %method,
        route = route.unwrap_or(UNMATCHED),
        status,
        latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
        "request"
    );
}
