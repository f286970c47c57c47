//! The `/api/v2` route table. Every route here sits behind bearer authentication and the
//! per-token rate limit; handlers check scopes themselves (they depend on the flow's type).

pub mod dependencies;
pub mod dependency_types;
pub mod executions;
pub mod flow_query;
pub mod flows;
pub mod lifecycle;
pub mod logic;
pub mod orgs;
pub mod render;
pub mod versions;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;

use crate::auth::authenticate;
use crate::state::AppState;

/// All authenticated API routes.
pub fn api_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v2/organizations/me", get(orgs::me))
        .route(
            "/api/v2/flows",
            get(flows::list_flows).post(flows::create_flow),
        )
        .route(
            "/api/v2/flows/flowmodules",
            get(flows::list_modules).post(flows::create_module),
        )
        .route(
            "/api/v2/flows/flowmodules/{id}",
            get(flows::get_module)
                .put(flows::put_module)
                .delete(flows::delete_module),
        )
        .route(
            "/api/v2/flows/{id}",
            get(flows::get_flow)
                .put(flows::put_flow)
                .delete(flows::delete_flow),
        )
        .route("/api/v2/flows/{id}/versions", get(versions::list_versions))
        .route(
            "/api/v2/flows/{id}/versions/{v}",
            get(versions::get_version),
        )
        .route(
            "/api/v2/flows/{id}/versions/{v}/configuration",
            get(versions::get_configuration),
        )
        .route(
            "/api/v2/flows/{id}/latestconfiguration",
            get(versions::latest_configuration),
        )
        .merge(executions::routes())
        .merge(lifecycle::routes())
        .merge(dependencies::routes())
        .route_layer(from_fn_with_state(state, authenticate))
}
