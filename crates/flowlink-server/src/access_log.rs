//! One access-log line and one metrics record per request.
//!
//! Layered on the router after routing (so axum's `MatchedPath` is known) and inside the
//! request span (so the line carries the span's `context_id`, the correlation id). The line
//! is at `info` level under the target `flowlink::access`: method, route template, status and
//! latency. It names the template, never the raw path or query, and no header, so nothing a
//! client sends (a token, a secret, a signed URL's signature) reaches the log.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::metrics::{Metrics, UNMATCHED};

/// Middleware: times the request, records it in [`Metrics`] and logs the access line.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    // Clones of an `Arc<str>` and a small enum: no allocation on the request path.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let resp = next.run(req).await;
    let latency = start.elapsed();
    let status = resp.status().as_u16();
    let route = route.as_ref().map(MatchedPath::as_str);
    metrics.record(route, method.as_str(), status, latency);
    tracing::info!(
        target: "flowlink::access",
        method = %method,
        route = route.unwrap_or(UNMATCHED),
        status,
        latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    resp
}
