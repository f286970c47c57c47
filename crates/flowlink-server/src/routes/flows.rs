//! Flow CRUD on `/api/v2/flows` and the shared-module paths `/api/v2/flows/flowmodules`
//! (the same objects: `commonmodule` flows).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use flowlink_api::{EntityListing, Flow, FlowType, FlowWrite};
use flowlink_engine::ErrorHandling;
use flowlink_store::{FlowQuery, FlowUpdate, NewFlow};

use crate::access::{
    current_document, delete_scopes, load_flow, name_holder, read_scopes, with_document,
    with_logic, write_scopes, Family,
};
use crate::archy_flows::{check_archy_rename, plan_archy_create, plan_archy_update};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{JsonBody, Query};
use crate::logic::{plan_create, plan_update, CycleGuard};
use crate::render::render_flow;
use crate::rendered::JsonBytes;
use crate::state::AppState;
use crate::vocabulary::params::{
    FlowListParams, FlowPath, GetFlowParams, ModuleListParams, ModulePath,
};

/// Names may not hold control characters (no client can show or type them, and PostgreSQL
/// cannot store NUL); refused alike on every backend.
fn check_name(name: &str) -> Result<(), ApiError> {
    if name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "name must not contain control characters",
        ));
    }
    Ok(())
}

/// Descriptions may span lines, but NUL cannot be stored by PostgreSQL, so no backend takes it.
fn check_description(description: Option<&str>) -> Result<(), ApiError> {
    if description.is_some_and(|d| d.contains('\0')) {
        return Err(ApiError::bad_request(
            "description must not contain NUL characters",
        ));
    }
    Ok(())
}

/// `errorHandling` of a write body, parsed here, at the API edge, into the engine's enum; the
/// store keeps its spelling ([`ErrorHandling::as_str`]).
fn error_handling(v: Option<&str>) -> Result<Option<ErrorHandling>, ApiError> {
    v.map(|s| {
        ErrorHandling::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "errorHandling must be 'disconnect' or 'continue', not '{s}'"
            ))
        })
    })
    .transpose()
}

async fn list(
    state: AppState,
    who: Principal,
    query: FlowQuery,
    family: Family,
) -> Result<Json<EntityListing<Flow>>, ApiError> {
    let modules_only = !query.types.is_empty() && query.types.iter().all(|t| t.is_module());
    who.require_any(if modules_only {
        read_scopes(FlowType::CommonModule)
    } else {
        read_scopes(FlowType::InboundCall)
    })?;
    let page = query.page;
    let found = state.store.list_flows(who.org_id, &query).await?;
    let entities = found.items.iter().map(|r| render_flow(r, None)).collect();
    Ok(Json(EntityListing::new(
        entities,
        family.base(),
        i64::from(page.number),
        i64::from(page.size),
        found.total,
    )))
}

async fn create(
    state: AppState,
    who: Principal,
    mut body: FlowWrite,
    family: Family,
) -> Result<Json<Flow>, ApiError> {
    let archy = match body.archy.as_deref() {
        Some(text) => Some(plan_archy_create(&state, &who, &body, text, family).await?),
        None => None,
    };
    let flow_type = match (&archy, family) {
        (Some(a), _) => a.flow_type,
        (None, Family::Modules) => FlowType::CommonModule,
        (None, Family::Flows) => body
            .flow_type
            .ok_or_else(|| ApiError::bad_request("type is required to create a flow"))?,
    };
    who.require_any(write_scopes(flow_type))?;
    let name = archy
        .as_ref()
        .map(|a| a.name.as_str())
        .or(body.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("name is required and cannot be blank"))?
        .to_string();
    check_name(&name)?;
    check_description(body.description.as_deref())?;
    let error_handling = error_handling(body.error_handling.as_deref())?;
    let logic = match archy {
        Some(a) => a.write,
        None => plan_create(&mut body)?,
    };
    let guard = CycleGuard::for_write(&logic);
    // The answer carries the logic just written, as a PUT's does: no re-read of version 1.
    let written = logic.document.clone();
    let rec = state
        .store
        .create_flow(
            NewFlow {
                org_id: who.org_id,
                flow_type,
                name,
                description: body.description.clone(),
                error_handling: error_handling.map(|e| e.as_str().to_string()),
                logic,
                client_id: Some(who.client_id),
            },
            &guard,
        )
        .await?;
    state
        .documents
        .insert(rec.org_id, rec.id, rec.current_version(), written.clone());
    Ok(Json(with_document(&state, &rec, &written).await))
}

async fn get_one(
    state: AppState,
    who: Principal,
    id: String,
    q: GetFlowParams,
    family: Family,
) -> Result<JsonBytes, ApiError> {
    let allow_deleted = q.deleted.unwrap_or(false);
    let rec = load_flow(&state, &who, &id, family, allow_deleted).await?;
    who.require_any(read_scopes(rec.flow_type))?;
    if let Some(body) = state.rendered.get(&rec) {
        return Ok(JsonBytes(body));
    }
    let flow = with_logic(&state, &rec).await?;
    let body = Bytes::from(
        serde_json::to_vec(&flow)
            .map_err(|e| ApiError::Internal(format!("a flow does not serialize: {e}")))?,
    );
    state.rendered.insert(&rec, body.clone());
    Ok(JsonBytes(body))
}

async fn update(
    state: AppState,
    who: Principal,
    id: String,
    mut body: FlowWrite,
    family: Family,
) -> Result<JsonBytes, ApiError> {
    let rec = load_flow(&state, &who, &id, family, false).await?;
    who.require_any(write_scopes(rec.flow_type))?;
    if body.flow_type.is_some_and(|t| t != rec.flow_type) {
        return Err(ApiError::bad_request(format!(
            "the type of a flow cannot be changed (this flow is {})",
            rec.flow_type
        )));
    }
    let name = match body.name.as_deref().map(str::trim) {
        Some("") => return Err(ApiError::bad_request("name cannot be blank")),
        other => other.map(str::to_string),
    };
    if let Some(name) = &name {
        check_name(name)?;
    }
    check_description(body.description.as_deref())?;
    let error_handling = error_handling(body.error_handling.as_deref())?;
    let current_number = rec.current_version();
    let current = current_document(&state, &rec).await?;
    let (name, logic) = match body.archy.as_deref() {
        Some(text) => {
            let (file_name, logic) =
                plan_archy_update(&state, &who, &body, &rec, &current, text).await?;
            (Some(file_name), logic)
        }
        None => {
            check_archy_rename(&rec, name.as_deref())?;
            (name, plan_update(&mut body, rec.dialect, &current)?)
        }
    };
    // Without new logic there are no new calls, and the guard has nothing to refuse.
    let guard = logic
        .as_ref()
        .map(CycleGuard::for_write)
        .unwrap_or(CycleGuard { callees: vec![] });
    // The answer carries the logic just written (or the unchanged one just read): no re-read.
    let written = logic.as_ref().map(|l| std::sync::Arc::clone(&l.document));
    let update = FlowUpdate {
        expected_version: body.version,
        name,
        description: body.description.clone(),
        error_handling: error_handling.map(|e| e.as_str().to_string()),
        logic,
        client_id: Some(who.client_id),
    };
    let updated = match state
        .store
        .update_flow(who.org_id, rec.id, update, &guard)
        .await
    {
        Ok(r) => r,
        Err(e) => return Err(name_holder(&state, e.into()).await),
    };
    let document = match written {
        // A logic write is the flow's newest version, and its current one (published, or the
        // holder's draft). Versions never change: the next read of it needs no store read.
        Some(doc) => {
            let number = updated.latest_version;
            state
                .documents
                .insert(updated.org_id, updated.id, number, doc.clone());
            Some(doc)
        }
        // An unconditional metadata-only PUT may have crossed another client's logic write.
        None => (updated.current_version() == current_number).then_some(current),
    };
    let flow = match document {
        Some(doc) => with_document(&state, &updated, &doc).await,
        None => with_logic(&state, &updated).await?,
    };
    // The answer is what `GET` answers for this row: kept, a read after the write is a copy.
    let body = Bytes::from(
        serde_json::to_vec(&flow)
            .map_err(|e| ApiError::Internal(format!("a flow does not serialize: {e}")))?,
    );
    state.rendered.insert(&updated, body.clone());
    Ok(JsonBytes(body))
}

async fn delete(
    state: AppState,
    who: Principal,
    id: String,
    family: Family,
) -> Result<StatusCode, ApiError> {
    let rec = load_flow(&state, &who, &id, family, false).await?;
    who.require_any(delete_scopes(rec.flow_type))?;
    if let Err(e) = state
        .store
        .delete_flow_as(who.org_id, rec.id, who.client_id)
        .await
    {
        return Err(name_holder(&state, e.into()).await);
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---- thin per-path handlers ------------------------------------------------------------

/// `GET /api/v2/flows`.
#[utoipa::path(
    get,
    path = "/api/v2/flows",
    operation_id = "getFlows",
    tag = "Architect",
    summary = "Page through flows",
    params(FlowListParams),
    responses(
        (status = 200, description = "A page of flows (without their logic)", body = flowlink_api::FlowEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn list_flows(
    State(s): State<AppState>,
    who: Principal,
    Query(q): Query<FlowListParams>,
) -> Result<Json<EntityListing<Flow>>, ApiError> {
    list(s, who, q.store_query(), Family::Flows).await
}

/// `GET /api/v2/flows/flowmodules`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/flowmodules",
    operation_id = "getFlowsFlowmodules",
    tag = "Architect",
    summary = "Page through common modules",
    params(ModuleListParams),
    responses(
        (status = 200, description = "A page of modules", body = flowlink_api::FlowEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:read"]), ("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn list_modules(
    State(s): State<AppState>,
    who: Principal,
    Query(q): Query<ModuleListParams>,
) -> Result<Json<EntityListing<Flow>>, ApiError> {
    list(
        s,
        who,
        q.store_query(vec![FlowType::CommonModule]),
        Family::Modules,
    )
    .await
}

/// `POST /api/v2/flows` (200, not 201, like Genesys).
#[utoipa::path(
    post,
    path = "/api/v2/flows",
    operation_id = "postFlows",
    tag = "Architect",
    summary = "Create a flow (200, like Genesys)",
    request_body(content = crate::vocabulary::NewFlow, description = "The flow: `name` and `type` (the module path forces COMMONMODULE), optionally `description`, `errorHandling` and logic (`definition`, or `actions` + `variables`). Read-only fields are ignored.", content_type = "application/json"),
    responses(
        (status = 200, description = "The created flow with its logic", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn create_flow(
    State(s): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody<FlowWrite>,
) -> Result<Json<Flow>, ApiError> {
    create(s, who, body, Family::Flows).await
}

/// `POST /api/v2/flows/flowmodules` (type forced to COMMONMODULE).
#[utoipa::path(
    post,
    path = "/api/v2/flows/flowmodules",
    operation_id = "postFlowsFlowmodules",
    tag = "Architect",
    summary = "Create a common module",
    request_body(content = crate::vocabulary::NewFlowModule, description = "The flow: `name` and `type` (the module path forces COMMONMODULE), optionally `description`, `errorHandling` and logic (`definition`, or `actions` + `variables`). Read-only fields are ignored.", content_type = "application/json"),
    responses(
        (status = 200, description = "The created module", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:write"]), ("PureCloud OAuth" = ["flow:flow:write"]))
)]
pub async fn create_module(
    State(s): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody<FlowWrite>,
) -> Result<Json<Flow>, ApiError> {
    create(s, who, body, Family::Modules).await
}

/// `GET /api/v2/flows/{id}`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/{id}",
    operation_id = "getFlow",
    tag = "Architect",
    summary = "Get a flow with its current logic",
    params(FlowPath, GetFlowParams),
    responses(
        (status = 200, description = "The flow", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn get_flow(
    State(s): State<AppState>,
    who: Principal,
    Path(FlowPath { id }): Path<FlowPath>,
    Query(q): Query<GetFlowParams>,
) -> Result<JsonBytes, ApiError> {
    get_one(s, who, id, q, Family::Flows).await
}

/// `GET /api/v2/flows/flowmodules/{id}`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/flowmodules/{id}",
    operation_id = "getFlowsFlowmodule",
    tag = "Architect",
    summary = "Get a common module",
    params(ModulePath, GetFlowParams),
    responses(
        (status = 200, description = "The module", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:read"]), ("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn get_module(
    State(s): State<AppState>,
    who: Principal,
    Path(ModulePath { id }): Path<ModulePath>,
    Query(q): Query<GetFlowParams>,
) -> Result<JsonBytes, ApiError> {
    get_one(s, who, id, q, Family::Modules).await
}

/// `PUT /api/v2/flows/{id}`.
#[utoipa::path(
    put,
    path = "/api/v2/flows/{id}",
    operation_id = "putFlow",
    tag = "Architect",
    summary = "Update a flow (a logic change is a new version)",
    params(FlowPath),
    request_body(content = flowlink_api::FlowWrite, description = "The changes: `name`, `description`, `errorHandling`, new logic; `version` (optional) must be the current one. Absent or null fields are kept.", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated flow", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn put_flow(
    State(s): State<AppState>,
    who: Principal,
    Path(FlowPath { id }): Path<FlowPath>,
    JsonBody(body): JsonBody<FlowWrite>,
) -> Result<JsonBytes, ApiError> {
    update(s, who, id, body, Family::Flows).await
}

/// `PUT /api/v2/flows/flowmodules/{id}`.
#[utoipa::path(
    put,
    path = "/api/v2/flows/flowmodules/{id}",
    operation_id = "putFlowsFlowmodule",
    tag = "Architect",
    summary = "Update a common module",
    params(ModulePath),
    request_body(content = flowlink_api::FlowWrite, description = "The changes: `name`, `description`, `errorHandling`, new logic; `version` (optional) must be the current one. Absent or null fields are kept.", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated module", body = flowlink_api::Flow),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:write"]), ("PureCloud OAuth" = ["flow:flow:write"]))
)]
pub async fn put_module(
    State(s): State<AppState>,
    who: Principal,
    Path(ModulePath { id }): Path<ModulePath>,
    JsonBody(body): JsonBody<FlowWrite>,
) -> Result<JsonBytes, ApiError> {
    update(s, who, id, body, Family::Modules).await
}

/// `DELETE /api/v2/flows/{id}` (204).
#[utoipa::path(
    delete,
    path = "/api/v2/flows/{id}",
    operation_id = "deleteFlow",
    tag = "Architect",
    summary = "Delete a flow",
    params(FlowPath),
    responses(
        (status = 204, description = "Deleted"),
        crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:delete"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn delete_flow(
    State(s): State<AppState>,
    who: Principal,
    Path(FlowPath { id }): Path<FlowPath>,
) -> Result<StatusCode, ApiError> {
    delete(s, who, id, Family::Flows).await
}

/// `DELETE /api/v2/flows/flowmodules/{id}` (204).
#[utoipa::path(
    delete,
    path = "/api/v2/flows/flowmodules/{id}",
    operation_id = "deleteFlowsFlowmodule",
    tag = "Architect",
    summary = "Delete a common module (409 while called)",
    params(ModulePath),
    responses(
        (status = 204, description = "Deleted"),
        crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Conflict, crate::vocabulary::Gone, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:write"]), ("PureCloud OAuth" = ["flow:flow:delete"]))
)]
pub async fn delete_module(
    State(s): State<AppState>,
    who: Principal,
    Path(ModulePath { id }): Path<ModulePath>,
) -> Result<StatusCode, ApiError> {
    delete(s, who, id, Family::Modules).await
}
