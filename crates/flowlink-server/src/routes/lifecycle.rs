//! The publishing lifecycle on `POST /api/v2/flows/actions/{checkout,checkin,publish,revert,
//! unlock,deactivate}?flow=ID` (SPEC §4, reference §4.7).
//!
//! The lock belongs to the calling OAuth client and lives in the store (conditional updates on
//! the lock column), so it holds across replicas. The bodies the SDKs send on these bodiless
//! POSTs (`null` from Python, nothing from JS, both with `Content-Type: application/json`)
//! are accepted and ignored. checkout, revert, unlock and deactivate answer the `Flow`;
//! checkin and publish answer a completed Genesys `Operation` (they finish synchronously here).
//! Writes refused because another client holds the lock are 409s that name the holder.

use axum::extract::State;
use axum::Json;
use flowlink_api::{DomainEntityRef, Flow, Operation};
use flowlink_store::FlowRecord;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{load_flow, name_holder, with_logic, write_scopes, Family};
use crate::auth::scopes::ADMIN;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{OptionalJsonBody, Query};
use crate::publishing::publish_version;
use crate::render::parse_version_id;
use crate::state::AppState;
use crate::vocabulary::params::{FlowActionParams, PublishParams};

/// The six action routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkout))
        .routes(routes!(checkin))
        .routes(routes!(publish))
        .routes(routes!(revert))
        .routes(routes!(unlock))
        .routes(routes!(deactivate))
}

/// The flow named by the required `flow` query parameter, with the write scope its type needs.
async fn target(
    state: &AppState,
    who: &Principal,
    flow: &str,
    scopes: &[&str],
) -> Result<FlowRecord, ApiError> {
    let rec = load_flow(state, who, flow, Family::Flows, false).await?;
    if scopes.is_empty() {
        who.require_any(write_scopes(rec.flow_type))?;
    } else {
        who.require_any(scopes)?;
    }
    Ok(rec)
}

/// The answer of checkin and publish: a completed, successful `Operation`.
fn operation(who: &Principal, action: &str) -> Operation {
    Operation {
        id: Some(Uuid::new_v4().to_string()),
        complete: Some(true),
        client: Some(DomainEntityRef {
            id: Some(who.client_id.to_string()),
            name: None,
            self_uri: Some(format!("/api/v2/oauth/clients/{}", who.client_id)),
        }),
        error_details: Some(Vec::new()),
        action_name: Some(action.into()),
        action_status: Some("SUCCESS".into()),
        ..Default::default()
    }
}

async fn answer_flow(
    state: &AppState,
    done: Result<FlowRecord, flowlink_store::StoreError>,
) -> Result<Json<Flow>, ApiError> {
    match done {
        // with_logic names the lock holder: one read of it, not two.
        Ok(rec) => Ok(Json(with_logic(state, &rec).await?)),
        Err(e) => Err(name_holder(state, e.into()).await),
    }
}

async fn answer_operation(
    state: &AppState,
    who: &Principal,
    action: &str,
    done: Result<FlowRecord, flowlink_store::StoreError>,
) -> Result<Json<Operation>, ApiError> {
    match done {
        Ok(_) => Ok(Json(operation(who, action))),
        Err(e) => Err(name_holder(state, e.into()).await),
    }
}

/// `POST /api/v2/flows/actions/checkout?flow=ID` → the `Flow`, locked to the caller (409
/// naming the holder if another client has it).
#[utoipa::path(
    post,
    path = "/api/v2/flows/actions/checkout",
    operation_id = "postFlowsActionsCheckout",
    tag = "Architect",
    summary = "Check a flow out (lock it to the calling client)",
    params(FlowActionParams),
    request_body(content = Option<serde_json::Value>, description = "Ignored; the SDKs send `null` or nothing", content_type = "application/json"),
    responses(
        (status = 200, description = "The flow", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn checkout(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FlowActionParams>,
    OptionalJsonBody(_): OptionalJsonBody<Value>,
) -> Result<Json<Flow>, ApiError> {
    let rec = target(&state, &who, &q.flow, &[]).await?;
    let done = state
        .store
        .checkout_flow(who.org_id, rec.id, who.client_id)
        .await;
    answer_flow(&state, done).await
}

/// `POST /api/v2/flows/actions/checkin?flow=ID` → `Operation`: the draft becomes
/// `checkedInVersion` (still unpublished) and the lock is released.
#[utoipa::path(
    post,
    path = "/api/v2/flows/actions/checkin",
    operation_id = "postFlowsActionsCheckin",
    tag = "Architect",
    summary = "Check the draft in and release the lock",
    params(FlowActionParams),
    request_body(content = Option<serde_json::Value>, description = "Ignored; the SDKs send `null` or nothing", content_type = "application/json"),
    responses(
        (status = 200, description = "The completed operation", body = flowlink_api::Operation),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn checkin(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FlowActionParams>,
    OptionalJsonBody(_): OptionalJsonBody<Value>,
) -> Result<Json<Operation>, ApiError> {
    let rec = target(&state, &who, &q.flow, &[]).await?;
    let done = state
        .store
        .checkin_flow(who.org_id, rec.id, who.client_id)
        .await;
    answer_operation(&state, &who, "CHECKIN", done).await
}

/// `POST /api/v2/flows/actions/publish?flow=ID[&version=N]` → `Operation`: the draft (or the
/// version named) becomes `publishedVersion`, the flow is active and unlocked.
#[utoipa::path(
    post,
    path = "/api/v2/flows/actions/publish",
    operation_id = "postFlowsActionsPublish",
    tag = "Architect",
    summary = "Publish the draft (or the version named)",
    params(PublishParams),
    request_body(content = Option<serde_json::Value>, description = "Ignored; the SDKs send `null` or nothing", content_type = "application/json"),
    responses(
        (status = 200, description = "The completed operation", body = flowlink_api::Operation),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn publish(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PublishParams>,
    OptionalJsonBody(_): OptionalJsonBody<Value>,
) -> Result<Json<Operation>, ApiError> {
    let rec = target(&state, &who, &q.flow, &[]).await?;
    let version = match q.version.as_deref() {
        Some(v) => parse_version_id(v).ok_or_else(|| {
            ApiError::bad_request(format!(
                "query parameter version must be a version id like \"2.0\" or \"2\", not \"{v}\""
            ))
        })?,
        None => rec.current_version(),
    };
    let done = publish_version(&state, &who, &rec, version).await;
    answer_operation(&state, &who, "PUBLISH", done).await
}

/// `POST /api/v2/flows/actions/revert?flow=ID` → the `Flow` without its draft, unlocked.
#[utoipa::path(
    post,
    path = "/api/v2/flows/actions/revert",
    operation_id = "postFlowsActionsRevert",
    tag = "Architect",
    summary = "Discard the draft and release the lock",
    params(FlowActionParams),
    request_body(content = Option<serde_json::Value>, description = "Ignored; the SDKs send `null` or nothing", content_type = "application/json"),
    responses(
        (status = 200, description = "The flow", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn revert(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FlowActionParams>,
    OptionalJsonBody(_): OptionalJsonBody<Value>,
) -> Result<Json<Flow>, ApiError> {
    let rec = target(&state, &who, &q.flow, &[]).await?;
    let done = state
        .store
        .revert_flow(who.org_id, rec.id, who.client_id)
        .await;
    answer_flow(&state, done).await
}

/// `POST /api/v2/flows/actions/unlock?flow=ID` (admin scope) → the `Flow`, unlocked whoever
/// held it.
#[utoipa::path(
    post,
    path = "/api/v2/flows/actions/unlock",
    operation_id = "postFlowsActionsUnlock",
    tag = "Architect",
    summary = "Force-release a lock (admin)",
    params(FlowActionParams),
    request_body(content = Option<serde_json::Value>, description = "Ignored; the SDKs send `null` or nothing", content_type = "application/json"),
    responses(
        (status = 200, description = "The flow", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["admin"]))
)]
pub async fn unlock(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FlowActionParams>,
    OptionalJsonBody(_): OptionalJsonBody<Value>,
) -> Result<Json<Flow>, ApiError> {
    let rec = target(&state, &who, &q.flow, &[ADMIN]).await?;
    let done = state.store.unlock_flow(who.org_id, rec.id).await;
    answer_flow(&state, done).await
}

/// `POST /api/v2/flows/actions/deactivate?flow=ID` → the `Flow` with `active: false`;
/// executions of it and module calls into it fail from now on.
#[utoipa::path(
    post,
    path = "/api/v2/flows/actions/deactivate",
    operation_id = "postFlowsActionsDeactivate",
    tag = "Architect",
    summary = "Deactivate a flow",
    params(FlowActionParams),
    request_body(content = Option<serde_json::Value>, description = "Ignored; the SDKs send `null` or nothing", content_type = "application/json"),
    responses(
        (status = 200, description = "The flow", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn deactivate(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FlowActionParams>,
    OptionalJsonBody(_): OptionalJsonBody<Value>,
) -> Result<Json<Flow>, ApiError> {
    let rec = target(&state, &who, &q.flow, &[]).await?;
    let done = state
        .store
        .deactivate_flow(who.org_id, rec.id, who.client_id)
        .await;
    answer_flow(&state, done).await
}
