//! `GET /healthz` and `GET /readyz`: the probes a supervisor or load balancer polls (no
//! authentication; they reveal nothing about tenants).
//!
//! - `/healthz` says the process serves HTTP: 200 whenever it can answer at all. A supervisor
//!   restarts the process when it fails.
//! - `/readyz` says this replica can do useful work: 200 when the database answers a trivial
//!   query within [`READY_TIMEOUT`], else 503 `service.unavailable` (a Genesys `ErrorBody`,
//!   with `Retry-After`). A load balancer takes the replica out of rotation while it fails;
//!   the process itself is fine and reconnects on its own.

use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// How long `/readyz` waits for the database: far above a healthy round trip, well below the
/// usual probe timeouts (a probe that times out is read as "not ready" anyway, but slower).
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is alive and serving (no authentication).
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "getHealthz",
    tag = "Health",
    summary = "Liveness: the process serves HTTP",
    responses(
        (status = 200, description = "`{\"status\": \"ok\"}` whenever the server answers",
         content_type = "application/json", body = Object),
    ),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /readyz`: the database answers (no authentication).
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "getReadyz",
    tag = "Health",
    summary = "Readiness: the database answers a trivial query within 2 seconds",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`: the database answered",
         content_type = "application/json", body = Object),
        (status = 503, description = "`service.unavailable`: the database did not answer in \
                                      time or failed; see `Retry-After`",
         body = flowlink_api::ErrorBody),
    ),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Json(json!({"status": "ready"})).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: the database failed");
            not_ready()
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = READY_TIMEOUT.as_millis(),
                "readiness check: the database did not answer in time"
            );
            not_ready()
        }
    }
}

fn not_ready() -> Response {
    ApiError::DatabaseUnavailable("the readiness check found the database unreachable".into())
        .into_response()
}
