//! The flowlink platform server as a library: an axum [`router`] that speaks the Genesys Cloud
//! Platform API subset for Architect flows, [`serve`] to run it, and the administrative
//! helpers ([`bootstrap()`], [`create_org`], [`create_client`]) the binary calls.
//!
//! # The path of one request
//!
//! 1. **Envelope** ([`envelope::envelope`], the outermost layer, one middleware): a fresh
//!    correlation id is generated, the rest of the request runs inside it (task-local), and it
//!    is sent back as the `ININ-Correlation-Id` header on every response, success or error.
//!    Every `ErrorBody` carries the same value in `contextId`. Inside it the request is timed,
//!    counted in [`metrics`] by route template and status, and one `info` access line logged
//!    ([`access_log`]).
//! 2. **Tracing**: one `request` span (method, path, context id), opened by the envelope;
//!    anything logged while answering lands inside it, including the cause of a 500, which
//!    [`observe::log_cause`] logs from the response's extension. Secrets and tokens
//!    are never logged: both are hashed on arrival ([`auth::secrets`]).
//! 3. **Panic guard**: a panicking handler becomes a 500 `ErrorBody`, not a dropped connection.
//! 4. **Routing**: `POST /oauth/token`, `GET /api/v2/docs/openapi.json` (no bearer; the
//!    OpenAPI document of every route, [`openapi`]), the probes `GET /healthz`, `GET /readyz`
//!    and `GET /metrics` (no bearer, [`routes::health`], [`routes::metrics`]) or an `/api/v2`
//!    route; anything else is a 404
//!    `ErrorBody`, a wrong method a 405 `ErrorBody`; a path whose percent-escapes are not UTF-8
//!    ([`extract::decodes_to_utf8`], checked by the envelope) is a 404 `ErrorBody` too.
//!    `POST /oauth/token` limits failed client-credential attempts per source address and per
//!    client id ([`auth::throttle`]: 429 `too.many.requests.retry.after` with `Retry-After`).
//! 5. **Authentication** ([`auth::authenticate`], on `/api/v2` only): `Authorization: Bearer`
//!    → SHA-256 → `Store::get_token` → organization, client and scopes ([`auth::Principal`]).
//!    Missing → 401 `authentication.required`, unknown → `bad.credentials`, expired →
//!    `credentials.expired`.
//! 6. **Rate limit** ([`ratelimit`]): the token's budget (default 300/minute, keyed by token
//!    hash) is spent; when empty → 429 `too.many.requests.retry.after` with `Retry-After`.
//! 7. **Body** ([`deadline`]): the body is read whole within the request-body timeout (408
//!    `client.timeout` past it, 413 over the size limit).
//!    **Handler** ([`routes`]): our extractors parse the body ([`extract::JsonBody`]: 413 over
//!    the limit, 415 not JSON, 400 malformed) and the query ([`extract::QueryParams`]: repeated
//!    keys and comma lists); the handler loads the flow scoped to the caller's organization
//!    (another organization's id is indistinguishable from a missing one: 404), checks the
//!    scopes that the flow's type needs (403 `missing.any.permissions` naming them), and for a
//!    logic write parses the dialect through `flowlink-model` (400 with per-node `details`).
//! 8. **Store** (`flowlink_store::Store`, SQLite by default): one transaction per write —
//!    optimistic lock as a conditional `UPDATE ... WHERE version = ?`, module references and
//!    the cycle guard checked against the committed state, the new immutable logic version and
//!    its dependency-index rows written together. A rejected write changes nothing; an
//!    acknowledged one is on disk (WAL, group commit: the store answers after a shared fsync).
//! 9. **Response**: wire types from `flowlink-api` (Genesys field names, UPPERCASE `type`,
//!    epoch-ms and ISO dates, relative listing URIs). Any failure on the way is an
//!    [`ApiError`], turned into status + `ErrorBody` by one exhaustive `match`; `StoreError`
//!    converts into it in one place.
//!
//! Before all this, [`connections`] accepts the connection (within the connection cap), gives
//! it the header-read timeout, and tags each request with its source address; on shutdown it
//! finishes requests in flight within a bound.
//!
//! Invariants: only this crate knows HTTP status codes; a new error variant does not compile
//! until its status is decided; handlers see `dyn Store`, never SQL.

// Tests may unwrap: a panic there is a test failure with a message, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used))]

// Layers, top down: this file (the router) → `openapi` (the document, built from the route
// tables) → `routes` (handlers only) → `access`, `logic`, `render`, `query`,
// `dependency_types`, `vocabulary`, `simulate`, `jobs`, `archy_flows`, `archy_write`,
// `archy_names` (what handlers share) → `auth`, `extract`, `error`, `state`, `context`, ... .
// Imports point down only; the tidy test (`crates/xtask-tidy`) checks.
pub mod access;
pub mod access_log;
pub mod archy_flows;
pub mod archy_names;
pub mod archy_write;
pub mod auth;
pub mod bootstrap;
pub mod bounded;
pub mod config;
pub mod connections;
pub mod console;
pub mod context;
pub mod deadline;
pub mod dependency_types;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod launch;
pub mod logic;
pub mod metrics;
pub mod module_link;
pub mod observe;
pub mod openapi;
pub mod publishing;
pub mod query;
pub mod ratelimit;
pub mod render;
pub mod rendered;
pub mod routes;
pub mod simulate;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;
pub mod unready;
pub mod vocabulary;

use std::future::Future;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;

pub use bootstrap::{bootstrap, create_client, create_org, ClientCredentials, SetupError};
pub use config::ServerConfig;
pub use error::ApiError;
pub use state::AppState;

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("handler panicked".into()).into_response()
}

/// The whole HTTP application for `state`. Its routes come from the same tables as the OpenAPI
/// document ([`routes::public_routes`], [`routes::api_routes`]); only the `/api/v2` table
/// gets the bearer-auth middleware (the token endpoint and the document need none).
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let (public, public_doc) = routes::public_routes().split_for_parts();
    let (api, api_doc) = routes::api_routes().split_for_parts();
    // The metrics' counters are allocated once, one set per route template.
    state.metrics.set_routes(
        public_doc
            .paths
            .paths
            .keys()
            .chain(api_doc.paths.paths.keys())
            .map(String::as_str),
    );
    // Authentication, then the body read within its deadline, in one layer: a request
    // without a valid token is refused before its body is waited for.
    let api = api.route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::authenticate,
    ));
    // Only the document's route reads the served document; the extension rides on the few
    // public routes rather than on every request.
    let public = public
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            deadline::read_body_in_time,
        ))
        .route_layer(Extension(routes::docs::ServedDocument(
            openapi::document_json(),
        )));
    Router::new()
        .merge(public)
        .merge(api)
        // The web console (HTML for people) at `/` and `/console`; it has its own session.
        .merge(console::router(state.clone()))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(panic_response))
        // After routing (it reads `MatchedPath`), around everything that answers (its latency
        // is the whole request, the panic guard's 500 included): correlation id, span, path
        // check, cause logging, metrics and access line.
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            envelope::envelope,
        ))
        .with_state(state)
}

/// Periodic clean-up: expired tokens and day-old flow jobs out of the store, idle keys out of
/// the rate limiter and the failed-login limits.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Some(limiter) = &state.limiter {
            limiter.retain_recent();
        }
        state.logins.retain_recent();
        let now = chrono::Utc::now().timestamp_millis();
        if let Err(e) = state.store.purge_jobs(now - jobs::KEEP_JOBS_MS).await {
            tracing::warn!(error = %e, "could not purge old flow jobs");
        }
        if let Err(e) = state.store.purge_expired_tokens(now).await {
            tracing::warn!(error = %e, "could not purge expired tokens");
        }
    }
}

/// Serves [`router`] on `listener` until `shutdown` completes, with the connection limits
/// of the state's configuration ([`connections`]); then stops accepting, lets in-flight
/// requests finish within `shutdown_timeout`, and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let chores = tokio::spawn(housekeeping(state.clone()));
    let limits = connections::ConnectionLimits::from(state.config.as_ref());
    let metrics = state.metrics.clone();
    connections::run(listener, router(state), limits, metrics, shutdown).await;
    chores.abort();
    Ok(())
}
