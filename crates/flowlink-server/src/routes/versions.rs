//! Logic versions of a flow: `/api/v2/flows/{id}/versions[/{v}[/configuration]]` and
//! `/latestconfiguration`. The configuration is the logic document exactly as written.

use axum::extract::{Path, State};
use axum::Json;
use flowlink_api::{EntityListing, FlowVersion};
use flowlink_store::FlowRecord;
use serde_json::Value;

use crate::access::{load_flow, read_scopes, Family};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{Query, QueryParams};
use crate::query::page;
use crate::render::{parse_version_id, render_version};
use crate::state::AppState;
use crate::vocabulary::params::{FlowPath, FlowVersionPath, GetFlowParams};

async fn readable(
    state: &AppState,
    who: &Principal,
    id: &str,
    deleted: Option<bool>,
) -> Result<FlowRecord, ApiError> {
    let allow_deleted = deleted.unwrap_or(false);
    let rec = load_flow(state, who, id, Family::Flows, allow_deleted).await?;
    who.require_any(read_scopes(rec.flow_type))?;
    Ok(rec)
}

/// `GET /api/v2/flows/{id}/versions`: newest first.
#[utoipa::path(
    get,
    path = "/api/v2/flows/{id}/versions",
    operation_id = "getFlowVersions",
    tag = "Architect",
    summary = "Page through the versions of a flow, newest first",
    params(
        ("id" = String, Path, description = "Flow ID"),
        ("deleted" = Option<bool>, Query, description = "Also find a deleted flow (default false)"),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of versions", body = flowlink_api::FlowVersionEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn list_versions(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    q: QueryParams,
) -> Result<Json<EntityListing<FlowVersion>>, ApiError> {
    // `deleted` before the flow, the page after it (a bad page of a missing flow is a 404).
    let rec = readable(&state, &who, &id, q.bool("deleted")?).await?;
    let page = page(&q)?;
    let found = state.store.list_versions(who.org_id, rec.id, page).await?;
    Ok(Json(EntityListing::new(
        found.items.iter().map(render_version).collect(),
        &format!("/api/v2/flows/{}/versions", rec.id),
        i64::from(page.number),
        i64::from(page.size),
        found.total,
    )))
}

async fn version_record(
    state: &AppState,
    who: &Principal,
    id: &str,
    v: &str,
    q: &GetFlowParams,
) -> Result<flowlink_store::FlowVersionRecord, ApiError> {
    let rec = readable(state, who, id, q.deleted).await?;
    let n = parse_version_id(v).ok_or(ApiError::NotFound)?;
    Ok(state.store.get_version(who.org_id, rec.id, n).await?)
}

/// `GET /api/v2/flows/{id}/versions/{v}` (`v` = `2.0` or `2`).
#[utoipa::path(
    get,
    path = "/api/v2/flows/{id}/versions/{v}",
    operation_id = "getFlowVersion",
    tag = "Architect",
    summary = "Get one version of a flow",
    params(FlowVersionPath, GetFlowParams),
    responses(
        (status = 200, description = "The version", body = flowlink_api::FlowVersion),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn get_version(
    State(state): State<AppState>,
    who: Principal,
    Path(FlowVersionPath { id, v }): Path<FlowVersionPath>,
    Query(q): Query<GetFlowParams>,
) -> Result<Json<FlowVersion>, ApiError> {
    let rec = version_record(&state, &who, &id, &v, &q).await?;
    Ok(Json(render_version(&rec)))
}

/// `GET /api/v2/flows/{id}/versions/{v}/configuration`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/{id}/versions/{v}/configuration",
    operation_id = "getFlowVersionConfiguration",
    tag = "Architect",
    summary = "The logic document of one version, as written",
    params(FlowVersionPath, GetFlowParams),
    responses(
        (status = 200, description = "The logic document (graph or action-list dialect)", body = Object),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn get_configuration(
    State(state): State<AppState>,
    who: Principal,
    Path(FlowVersionPath { id, v }): Path<FlowVersionPath>,
    Query(q): Query<GetFlowParams>,
) -> Result<Json<Value>, ApiError> {
    let rec = version_record(&state, &who, &id, &v, &q).await?;
    Ok(Json(rec.document))
}

/// `GET /api/v2/flows/{id}/latestconfiguration`: the current logic version's document (the
/// draft while checked out; a reverted draft is no longer current).
#[utoipa::path(
    get,
    path = "/api/v2/flows/{id}/latestconfiguration",
    operation_id = "getFlowLatestconfiguration",
    tag = "Architect",
    summary = "The logic document of the current version (the draft while checked out)",
    params(FlowPath, GetFlowParams),
    responses(
        (status = 200, description = "The logic document", body = Object),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn latest_configuration(
    State(state): State<AppState>,
    who: Principal,
    Path(FlowPath { id }): Path<FlowPath>,
    Query(q): Query<GetFlowParams>,
) -> Result<Json<Value>, ApiError> {
    let rec = readable(&state, &who, &id, q.deleted).await?;
    let v = state
        .store
        .get_version(who.org_id, rec.id, rec.current_version())
        .await?;
    Ok(Json(v.document))
}
