//! Simulated calls (SPEC §6): `POST /api/v2/flows/executions` runs a call through a flow's
//! published (or requested) version to completion and stores it; `GET
//! /api/v2/flows/executions/{id}` answers the Genesys `FlowRuntimeExecution` plus the `trace`
//! extension; `GET /api/v2/flows/{id}/executions` pages a flow's past calls, newest first,
//! with their outcome and tags (the trace summary, without the steps).
//!
//! Executions belong to the caller's organization: another organization's execution or flow
//! is 404. All three need `flow:flow:read` (SPEC §7). Short runs run inline, long ones on the
//! blocking pool ([`crate::simulate::Simulator::run`]); modules are resolved once, at launch.

use axum::extract::{Path, State};
use axum::Json;
use flowlink_api::{
    DomainEntityRef, EntityListing, ErrorBody, FlowExecutionLaunchRequest,
    FlowExecutionLaunchResponse, FlowRuntimeExecution, FlowVersion,
};
use flowlink_engine::FinalOutcome;
use flowlink_store::{ExecutionRecord, StoreError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access::{load_flow, Family};
use crate::auth::Principal;
use crate::context::context_id;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams};
use crate::launch::{launch_call, EXECUTION_SCOPES};
use crate::query::page;
use crate::render::{iso, render_version, version_id};
use crate::simulate::completion_reason;
use crate::state::AppState;

/// Execution routes (merged under the bearer-auth middleware by [`super::api_routes`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(launch))
        .routes(routes!(get_execution))
        .routes(routes!(list_executions))
}

fn execution_uri(id: Uuid) -> String {
    format!("/api/v2/flows/executions/{id}")
}

fn version_uri(flow: Uuid, n: u32) -> String {
    format!("/api/v2/flows/{flow}/versions/{}", version_id(n))
}

/// `POST /api/v2/flows/executions`: runs the simulated call and answers the launch response.
#[utoipa::path(
    post,
    path = "/api/v2/flows/executions",
    operation_id = "postFlowsExecutions",
    tag = "Architect",
    summary = "Run a simulated call through a flow to completion",
    request_body(content = flowlink_api::FlowExecutionLaunchRequest, description = "The flow (and version; default: published), inputs and the flowlink `simulation` extension", content_type = "application/json"),
    responses(
        (status = 200, description = "The stored execution", body = flowlink_api::FlowExecutionLaunchResponse),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn launch(
    State(state): State<AppState>,
    who: Principal,
    JsonBody(req): JsonBody<FlowExecutionLaunchRequest>,
) -> Result<Json<FlowExecutionLaunchResponse>, ApiError> {
    let record = launch_call(&state, &who, &req).await?;
    let (id, number, rec_id) = (record.id, record.flow_version, record.flow_id);
    Ok(Json(FlowExecutionLaunchResponse {
        id: Some(id.to_string()),
        name: record.name.clone(),
        flow_version: Some(DomainEntityRef {
            id: Some(version_id(number)),
            name: Some(version_id(number)),
            self_uri: Some(version_uri(rec_id, number)),
        }),
        self_uri: Some(execution_uri(id)),
    }))
}

/// The failure as a Genesys `ErrorBody` (`flowErrorInfo`), absent for completed calls.
fn error_info(rec: &ExecutionRecord, outcome: Option<&FinalOutcome>) -> Option<ErrorBody> {
    let Some(FinalOutcome::Failed { reason }) = outcome else {
        return None;
    };
    Some(ErrorBody {
        message: reason.clone(),
        code: "flow.execution.failed".into(),
        status: 400,
        entity_id: Some(rec.flow_id.to_string()),
        context_id: context_id(),
        ..Default::default()
    })
}

/// A short `FlowVersion` reference when the full version record is not at hand.
fn version_stub(flow: Uuid, n: u32) -> FlowVersion {
    FlowVersion {
        id: Some(version_id(n)),
        name: Some(version_id(n)),
        configuration_uri: Some(format!("{}/configuration", version_uri(flow, n))),
        self_uri: Some(version_uri(flow, n)),
        ..Default::default()
    }
}

/// A stored execution on the wire. `with_steps: false` leaves the steps out of the trace
/// (listings: the outcome, tags and data are what people page through).
fn render_execution(
    rec: ExecutionRecord,
    flow_version: FlowVersion,
    with_steps: bool,
) -> Result<FlowRuntimeExecution, ApiError> {
    let outcome: Option<FinalOutcome> = rec
        .outcome
        .as_deref()
        .and_then(|o| serde_json::from_str(o).ok());
    let mut trace = rec
        .trace
        .parse()
        .map_err(|e| ApiError::Internal(format!("stored trace of execution {}: {e}", rec.id)))?;
    if !with_steps {
        if let Some(doc) = trace.as_object_mut() {
            doc.remove("steps");
            doc.remove("stepsOmitted");
        }
    }
    Ok(FlowRuntimeExecution {
        id: Some(rec.id.to_string()),
        name: rec.name.clone(),
        flow_version: Some(flow_version),
        date_launched: Some(iso(rec.launched_ms)),
        status: Some(rec.status.clone()),
        date_completed: rec.completed_ms.map(iso),
        completion_reason: outcome.as_ref().map(completion_reason),
        flow_error_info: error_info(&rec, outcome.as_ref()),
        output_data: Some(rec.output.clone()),
        conversation: None,
        self_uri: Some(execution_uri(rec.id)),
        trace: Some(trace),
    })
}

/// `GET /api/v2/flows/executions/{id}`: the execution with its full trace.
#[utoipa::path(
    get,
    path = "/api/v2/flows/executions/{id}",
    operation_id = "getFlowsExecution",
    tag = "Architect",
    summary = "Get an execution with its trace",
    params(
        ("id" = String, Path, description = "Execution ID")
    ),
    responses(
        (status = 200, description = "The execution", body = flowlink_api::FlowRuntimeExecution),
        crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn get_execution(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<FlowRuntimeExecution>, ApiError> {
    who.require_any(EXECUTION_SCOPES)?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let rec = state.store.get_execution(who.org_id, id).await?;
    let version = match state
        .store
        .get_version(who.org_id, rec.flow_id, rec.flow_version)
        .await
    {
        Ok(v) => render_version(&v),
        Err(StoreError::NotFound | StoreError::Gone) => version_stub(rec.flow_id, rec.flow_version),
        Err(e) => return Err(e.into()),
    };
    Ok(Json(render_execution(rec, version, true)?))
}

/// `GET /api/v2/flows/{id}/executions`: the flow's executions, newest first, paged; each with
/// its outcome, tags and participant data but not its steps.
#[utoipa::path(
    get,
    path = "/api/v2/flows/{id}/executions",
    operation_id = "getFlowExecutions",
    tag = "Architect",
    summary = "Page through the executions of a flow, newest first (without steps)",
    params(
        ("id" = String, Path, description = "Flow ID"),
        ("deleted" = Option<bool>, Query, description = "Also find a deleted flow (default false)"),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of executions", body = flowlink_api::listing::FlowRuntimeExecutionEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"])),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn list_executions(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    q: QueryParams,
) -> Result<Json<EntityListing<FlowRuntimeExecution>>, ApiError> {
    who.require_any(EXECUTION_SCOPES)?;
    let allow_deleted = q.bool("deleted")?.unwrap_or(false);
    let rec = load_flow(&state, &who, &id, Family::Flows, allow_deleted).await?;
    let page = page(&q)?;
    let found = state
        .store
        .list_executions(who.org_id, rec.id, page)
        .await?;
    let entities = found
        .items
        .into_iter()
        .map(|e| {
            let v = version_stub(e.flow_id, e.flow_version);
            render_execution(e, v, false)
        })
        .collect::<Result<_, _>>()?;
    Ok(Json(EntityListing::new(
        entities,
        &format!("/api/v2/flows/{}/executions", rec.id),
        i64::from(page.number),
        i64::from(page.size),
        found.total,
    )))
}
