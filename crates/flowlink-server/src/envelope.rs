//! What every request passes through once, as one middleware: the correlation id, the
//! `request` span, the 404 for paths that cannot decode, the logged cause of a 500, and the
//! metrics record with the access line.
//!
//! One layer rather than one per concern: each axum layer on the router clones the boxed
//! service below it and boxes a future on every request, and the six layers this replaced
//! (correlation, trace span, access log, cause logging, path check, document extension) were
//! about a tenth of a cached `GET`'s server CPU. The order inside is the order they had as
//! layers, outermost first.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::context;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::{access_log, extract, observe};

/// Middleware, layered on the router (so it runs after routing and sees `MatchedPath`):
///
/// 1. a fresh correlation id: the rest of the request runs inside it ([`context::context_id`]),
///    and it is sent back as the `ININ-Correlation-Id` header on every answer;
/// 2. the `request` span (method, path, context id): anything logged while answering lands in it;
/// 3. a path whose percent-escapes are not UTF-8 is a 404 `ErrorBody`
///    ([`extract::decodes_to_utf8`]);
/// 4. the cause an internal error attached to its answer is logged ([`observe::log_cause`]);
/// 5. the request is counted in [`Metrics`] and its access line logged ([`access_log::record`]),
///    with the latency of everything inside.
pub async fn envelope(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    // Clones of an `Arc<str>` and a small enum: no allocation on the request path.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let start = Instant::now();
    context::correlated(|id| {
        let span = tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            context_id = %id,
        );
        async move {
            let resp = if extract::decodes_to_utf8(req.uri().path()) {
                next.run(req).await
            } else {
                ApiError::NotFound.into_response()
            };
            observe::log_cause(&resp);
            access_log::record(
                &metrics,
                route.as_ref(),
                &method,
                resp.status().as_u16(),
                start.elapsed(),
            );
            resp
        }
        .instrument(span)
    })
    .await
}
