//! The handlers and their route tables: [`public_routes`] (no bearer) and [`api_routes`]
//! (`/api/v2`, behind bearer authentication and the per-token rate limit; handlers check
//! scopes themselves, as they depend on the flow's type). Each handler's `#[utoipa::path]`
//! annotation is its entry in the OpenAPI document.
//!
//! Only handlers live here, and no handler file imports another: what several share sits
//! below them ([`crate::access`], [`crate::logic`], [`crate::render`], [`crate::query`],
//! [`crate::vocabulary`]); the document built from these tables sits above
//! ([`crate::openapi`]).

pub mod bulk_link;
pub mod dependencies;
pub mod docs;
pub mod executions;
pub mod export_jobs;
pub mod flow_jobs;
pub mod flows;
pub mod health;
pub mod lifecycle;
pub mod metrics;
pub mod oauth;
pub mod orgs;
pub mod versions;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The routes outside `/api/v2` authentication: the token endpoint, the OpenAPI document, the
/// probes (`/healthz`, `/readyz`), the metrics and the signed job URLs (upload of an import, download of an export), which are authorised by
/// their own signature.
pub fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(oauth::token))
        .routes(routes!(docs::openapi_json))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::metrics))
        .routes(routes!(flow_jobs::upload))
        .routes(routes!(export_jobs::download))
}

/// All authenticated API routes, each registered with its `#[utoipa::path]` documentation
/// (the path comes from the annotation, so serving and documenting are one step). The router
/// puts the bearer-auth middleware on them ([`crate::router`]); the OpenAPI document is
/// assembled from the same table ([`crate::vocabulary::document`]).
///
/// A route added with a bare `.route(...)` would be served but not documented; the `openapi`
/// test compares the built router's route list with the document and fails on it.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(orgs::me))
        .routes(routes!(flows::list_flows, flows::create_flow))
        .routes(routes!(flows::list_modules, flows::create_module))
        .routes(routes!(
            flows::get_module,
            flows::put_module,
            flows::delete_module
        ))
        .routes(routes!(
            flows::get_flow,
            flows::put_flow,
            flows::delete_flow
        ))
        .routes(routes!(bulk_link::link_flows))
        .routes(routes!(versions::list_versions))
        .routes(routes!(versions::get_version))
        .routes(routes!(versions::get_configuration))
        .routes(routes!(versions::latest_configuration))
        .routes(routes!(flow_jobs::register))
        .routes(routes!(flow_jobs::get_job))
        .routes(routes!(export_jobs::register))
        .routes(routes!(export_jobs::get_job))
        .merge(executions::routes())
        .merge(lifecycle::routes())
        .merge(dependencies::routes())
}
