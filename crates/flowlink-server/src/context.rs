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

/// Answers with the future `answer` makes from a fresh correlation id, run inside that id
/// ([`context_id`] answers it there), and stamps the id on the response as the header.
pub async fn correlated<F>(answer: impl FnOnce(&str) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let id = Uuid::new_v4().to_string();
    let fut = answer(&id);
    let mut resp = CONTEXT_ID.scope(id.clone(), fut).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(CORRELATION_HEADER, v);
    }
    resp
}

/// Middleware: the request answered under a fresh correlation id ([`correlated`]), for the
/// not-yet-ready server's router; the real one does this in [`crate::envelope`].
pub async fn correlation(req: Request, next: Next) -> Response {
    correlated(|_| next.run(req)).await
}
