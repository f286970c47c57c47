//! `GET /metrics`: the server's metrics ([`crate::metrics`]) in the Prometheus text exposition
//! format (version 0.0.4).
//!
//! Served without authentication on the API port, as Prometheus scrapes: a scraper holds no
//! OAuth client, and the page names no tenant, flow, client or token — only route templates,
//! status codes, counts and timings, with a number of series bounded by the route table.
//! flowlink listens on loopback only; an operator who puts a load balancer in front of it
//! forwards `/api/v2`, `/oauth` (and the probes) and not `/metrics` (README, "Metrics").

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`: Prometheus text format (no authentication).
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "getMetrics",
    tag = "Health",
    summary = "Metrics in the Prometheus text format",
    responses(
        (status = 200, description = "Requests by route template, method and status; a latency \
                                      histogram; rate-limit rejections; store errors by kind; \
                                      open connections",
         content_type = "text/plain", body = String),
    ),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        state.metrics.render(),
    )
        .into_response()
}
