//! Logging the cause of every 500 inside the request's span (and of a 503 or 507 for a database
//! fault, which carry their cause the same way).
//!
//! [`ApiError::Internal`](crate::error::ApiError::Internal) answers the client with a generic
//! message and attaches its cause to the response as an [`InternalCause`] extension;
//! [`crate::envelope`] calls [`log_cause`] inside the request's span on every answer. Errors
//! from any handler, extractor, middleware below it or the panic guard are all seen there, once.

use axum::response::Response;

use crate::error::InternalCause;

/// Logs the [`InternalCause`] `resp` carries, if any, at `error` level.
pub fn log_cause(resp: &Response) {
    if let Some(InternalCause(cause)) = resp.extensions().get::<InternalCause>() {
        let status = resp.status().as_u16();
        tracing::error!(%cause, status, "internal server error");
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::extract::Request;
    use axum::middleware;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use crate::error::ApiError;

    /// A log sink the test can read back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_cause_is_logged_inside_the_request_span_and_not_sent() {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let app = Router::new()
            .route(
                "/boom",
                get(|| async { ApiError::Internal("disk /secret/path exploded".into()) }),
            )
            .route("/fine", get(|| async { "ok" }))
            .layer(middleware::from_fn_with_state(
                Arc::new(crate::metrics::Metrics::default()),
                crate::envelope::envelope,
            ));

        let resp = app
            .clone()
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 500);
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("secret"));
        let resp = app
            .oneshot(Request::get("/fine").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);

        let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("internal server error"))
            .collect();
        assert_eq!(lines.len(), 1, "{log}");
        // Inside the request's span, which names the method, path and correlation id.
        assert!(
            lines[0].contains("request{method=GET path=/boom context_id="),
            "{log}"
        );
        assert!(lines[0].contains("disk /secret/path exploded"), "{log}");
    }
}
