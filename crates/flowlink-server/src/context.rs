//! The correlation id of a request: generated once, sent back as the `ININ-Correlation-Id`
//! header on every response, and copied into `contextId` of every `ErrorBody`.
//!
//! It lives in a task-local for the duration of the request so that an error rendered deep
//! inside a handler (or a middleware) carries the same id as the header, without threading it
//! through every function.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

/// Response header carrying the correlation id.
pub const CORRELATION_HEADER: &str = "inin-correlation-id";

tokio::task_local! {
    static CONTEXT_ID: String;
}

/// The current request's correlation id (a fresh one outside a request).
pub fn context_id() -> String {
    CONTEXT_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| Uuid::new_v4().to_string())
}

/// Runs `fut` with `id` as the correlation id ([`context_id`] inside it answers `id`).
pub async fn scope<F: std::future::Future>(id: String, fut: F) -> F::Output {
    CONTEXT_ID.scope(id, fut).await
}

/// Middleware: assigns the correlation id, runs the request inside it, stamps the header (for
/// the not-yet-ready server's router; the real one does this in [`crate::envelope`]).
pub async fn correlation(req: Request, next: Next) -> Response {
    let id = Uuid::new_v4().to_string();
    let mut resp = CONTEXT_ID.scope(id.clone(), next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(CORRELATION_HEADER, v);
    }
    resp
}
