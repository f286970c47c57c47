//! Answering before the database is reachable: a replica started before its PostgreSQL
//! listens at once and answers every request 503 `service.unavailable` with `Retry-After`
//! (never a hang, never a refused connection that looks like a dead replica) until the binary
//! has connected and run the migrations; then it stops this and hands the listener to
//! [`crate::serve`]. Nothing here touches the store.

use std::future::Future;

use axum::{middleware, Router};

use crate::config::ServerConfig;
use crate::connections::{self, ConnectionLimits};
use crate::context;
use crate::error::ApiError;

/// `/healthz` 200 (the process is alive: a supervisor must not restart a replica that is
/// only waiting for its database); every other path and method 503 `service.unavailable`
/// (with the correlation id) — `/readyz` included, which is what a load balancer polls.
pub fn router() -> Router {
    Router::new()
        // The same answer as `routes::health::healthz`; the foundations do not name handlers.
        .route(
            "/healthz",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .fallback(|| async {
            ApiError::DatabaseUnavailable("the database has not been reachable yet".into())
        })
        .layer(middleware::from_fn(context::correlation))
}

/// Serves [`router`] on `listener`, with `config`'s connection limits, until `ready`
/// completes; then stops accepting and finishes the answers in flight.
pub fn serve_unavailable(
    listener: tokio::net::TcpListener,
    config: &ServerConfig,
    ready: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    connections::run(
        listener,
        router(),
        ConnectionLimits::from(config),
        std::sync::Arc::new(crate::metrics::Metrics::default()),
        ready,
    )
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn every_request_is_a_genesys_503_with_retry_after() {
        for (method, path) in [
            ("GET", "/api/v2/flows"),
            ("POST", "/oauth/token"),
            ("GET", "/readyz"),
        ] {
            let req = Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap();
            let resp = super::router().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert!(resp.headers().contains_key(header::RETRY_AFTER));
            assert!(resp.headers().contains_key("inin-correlation-id"));
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(body["code"], "service.unavailable");
            assert_eq!(body["status"], 503);
        }
    }

    #[tokio::test]
    async fn the_process_is_alive_while_it_waits() {
        let req = Request::builder()
            .uri("/healthz")
            .body(Body::empty())
            .unwrap();
        let resp = super::router().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
}
