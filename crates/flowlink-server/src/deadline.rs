//! The request-body timeout: a middleware that reads the whole body (every flowlink route
//! reads its body whole anyway) within `request_body_timeout`, counted from the end of the
//! headers, and hands the handler the buffered body. A body that stalls or trickles past the
//! deadline is answered 408 `client.timeout`; one over `max_body_bytes` 413, as the
//! extractors would, without waiting for the rest of it.
//!
//! A total deadline rather than a per-chunk one: a client sending a byte just before each
//! chunk timeout would otherwise hold its connection for days.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::error::ApiError;
use crate::state::AppState;

/// Reads the body within the deadline (see the module docs), then runs the rest.
pub async fn read_body_in_time(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    read_body_then(&state, req, next).await
}

/// What [`read_body_in_time`] does, for a middleware that has other work before it (the bearer
/// check: one layer instead of two on every `/api/v2` request).
pub async fn read_body_then(state: &AppState, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    // Nothing to wait for (GET, DELETE...): the common case costs nothing.
    if body.size_hint().exact() == Some(0) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let limit = state.config.max_body_bytes;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return ApiError::PayloadTooLarge { limit }.into_response();
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request(format!("could not read the request body: {e}"))
            })?;
            if buf.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    };
    match tokio::time::timeout(state.config.request_body_timeout, read).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError::ClientTimeout.into_response(),
    }
}
