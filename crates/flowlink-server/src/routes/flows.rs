//! Flow CRUD on `/api/v2/flows` and the shared-module paths `/api/v2/flows/flowmodules`
//! (the same objects: `commonmodule` flows).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use flowlink_api::{EntityListing, Flow, FlowType, FlowWrite};
use flowlink_store::{FlowRecord, FlowUpdate, NewFlow};
use uuid::Uuid;

use super::flow_query::flow_query;
use super::flows_archy::{check_archy_rename, plan_archy_create, plan_archy_update};
use super::lifecycle::{fill_locked_client, name_holder};
use super::logic::{plan_create, plan_update, CycleGuard};
use super::render::render_flow;
use crate::auth::scopes::{FLOW_DELETE, FLOW_READ, FLOW_WRITE, MODULE_READ, MODULE_WRITE};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams};
use crate::state::AppState;

/// Which path family a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/api/v2/flows`: any flow type.
    Flows,
    /// `/api/v2/flows/flowmodules`: only `commonmodule` flows; others are 404 there.
    Modules,
}

impl Family {
    fn base(self) -> &'static str {
        match self {
            Family::Flows => "/api/v2/flows",
            Family::Modules => "/api/v2/flows/flowmodules",
        }
    }
}

/// Scopes that allow reading flows of type `t` (modules also accept the module family).
pub fn read_scopes(t: FlowType) -> &'static [&'static str] {
    if t.is_module() {
        &[MODULE_READ, FLOW_READ]
    } else {
        &[FLOW_READ]
    }
}

/// Scopes that allow writing flows of type `t`.
pub fn write_scopes(t: FlowType) -> &'static [&'static str] {
    if t.is_module() {
        &[MODULE_WRITE, FLOW_WRITE]
    } else {
        &[FLOW_WRITE]
    }
}

/// Scopes that allow deleting flows of type `t`.
pub fn delete_scopes(t: FlowType) -> &'static [&'static str] {
    if t.is_module() {
        &[MODULE_WRITE, FLOW_DELETE]
    } else {
        &[FLOW_DELETE]
    }
}

/// Loads a flow of the caller's organization by path id. Ids of other organizations, ids that
/// are not UUIDs and non-modules on the module paths are all 404; deleted flows are 410
/// unless `allow_deleted`.
pub async fn load_flow(
    state: &AppState,
    who: &Principal,
    id: &str,
    family: Family,
    allow_deleted: bool,
) -> Result<FlowRecord, ApiError> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    let rec = state.store.get_flow(who.org_id, id).await?;
    if family == Family::Modules && !rec.flow_type.is_module() {
        return Err(ApiError::NotFound);
    }
    if rec.deleted && !allow_deleted {
        return Err(ApiError::FlowDeleted);
    }
    Ok(rec)
}

/// The flow with its current logic document (the draft while checked out) and the name of
/// the client holding its lock.
pub async fn with_logic(state: &AppState, rec: &FlowRecord) -> Result<Flow, ApiError> {
    let v = state
        .store
        .get_version(rec.org_id, rec.id, rec.current_version())
        .await?;
    let mut flow = render_flow(rec, Some(&v.document));
    fill_locked_client(state, &mut flow).await;
    Ok(flow)
}

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

fn check_error_handling(v: Option<&str>) -> Result<(), ApiError> {
    match v {
        None | Some("disconnect") | Some("continue") => Ok(()),
        Some(other) => Err(ApiError::bad_request(format!(
            "errorHandling must be 'disconnect' or 'continue', not '{other}'"
        ))),
    }
}

async fn list(
    state: AppState,
    who: Principal,
    q: QueryParams,
    family: Family,
) -> Result<Json<EntityListing<Flow>>, ApiError> {
    let mut query = flow_query(&q)?;
    if family == Family::Modules {
        query.types = vec![FlowType::CommonModule];
    }
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
    body: FlowWrite,
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
    check_error_handling(body.error_handling.as_deref())?;
    let logic = match archy {
        Some(a) => a.write,
        None => plan_create(&body)?,
    };
    let guard = CycleGuard::for_write(&logic);
    let rec = state
        .store
        .create_flow(
            NewFlow {
                org_id: who.org_id,
                flow_type,
                name,
                description: body.description.clone(),
                error_handling: body.error_handling.clone(),
                logic,
                client_id: Some(who.client_id),
            },
            &guard,
        )
        .await?;
    Ok(Json(with_logic(&state, &rec).await?))
}

async fn get_one(
    state: AppState,
    who: Principal,
    id: String,
    q: QueryParams,
    family: Family,
) -> Result<Json<Flow>, ApiError> {
    let allow_deleted = q.bool("deleted")?.unwrap_or(false);
    let rec = load_flow(&state, &who, &id, family, allow_deleted).await?;
    who.require_any(read_scopes(rec.flow_type))?;
    Ok(Json(with_logic(&state, &rec).await?))
}

async fn update(
    state: AppState,
    who: Principal,
    id: String,
    body: FlowWrite,
    family: Family,
) -> Result<Json<Flow>, ApiError> {
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
    check_error_handling(body.error_handling.as_deref())?;
    let current = state
        .store
        .get_version(who.org_id, rec.id, rec.current_version())
        .await?;
    let (name, logic) = match body.archy.as_deref() {
        Some(text) => {
            let (file_name, logic) =
                plan_archy_update(&state, &who, &body, &rec, &current.document, text).await?;
            (Some(file_name), logic)
        }
        None => {
            check_archy_rename(&rec, name.as_deref())?;
            (name, plan_update(&body, rec.dialect, &current.document)?)
        }
    };
    // Without new logic there are no new calls, and the guard has nothing to refuse.
    let guard = logic
        .as_ref()
        .map(CycleGuard::for_write)
        .unwrap_or(CycleGuard { callees: vec![] });
    // The answer carries the logic just written (or the unchanged one just read): no re-read.
    let written = logic.as_ref().map(|l| l.document.clone());
    let update = FlowUpdate {
        expected_version: body.version,
        name,
        description: body.description.clone(),
        error_handling: body.error_handling.clone(),
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
        // holder's draft).
        Some(doc) => Some(doc),
        // An unconditional metadata-only PUT may have crossed another client's logic write.
        None => (updated.current_version() == current.number).then_some(current.document),
    };
    match document {
        Some(doc) => {
            let mut flow = render_flow(&updated, Some(&doc));
            fill_locked_client(&state, &mut flow).await;
            Ok(Json(flow))
        }
        None => Ok(Json(with_logic(&state, &updated).await?)),
    }
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
    params(
        ("type" = Option<Vec<flowlink_api::FlowType>>, Query, style = Form, explode, description = "Only these flow types (any case, repeated or comma-separated)"),
        ("id" = Option<Vec<String>>, Query, style = Form, explode, description = "Only these flow IDs (repeated or comma-separated)"),
        ("name" = Option<String>, Query, max_length = 1000, description = "Name contains (case-insensitive; `*` matches anything)"),
        ("description" = Option<String>, Query, max_length = 1000, description = "Description contains"),
        ("nameOrDescription" = Option<String>, Query, max_length = 1000, description = "Name or description contains"),
        ("deleted" = Option<bool>, Query, description = "Include deleted flows (default false)"),
        ("active" = Option<bool>, Query, description = "Only active (published, not deactivated) or only inactive flows"),
        ("sortBy" = Option<crate::openapi::SortBy>, Query, description = "Sort key (default id)"),
        ("sortOrder" = Option<crate::openapi::SortOrder>, Query, description = "Sort order (default asc)"),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of flows (without their logic)", body = flowlink_api::FlowEntityListing),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn list_flows(
    State(s): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<Flow>>, ApiError> {
    list(s, who, q, Family::Flows).await
}

/// `GET /api/v2/flows/flowmodules`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/flowmodules",
    operation_id = "getFlowsFlowmodules",
    tag = "Architect",
    summary = "Page through common modules",
    params(
        ("id" = Option<Vec<String>>, Query, style = Form, explode, description = "Only these flow IDs (repeated or comma-separated)"),
        ("name" = Option<String>, Query, max_length = 1000, description = "Name contains (case-insensitive; `*` matches anything)"),
        ("description" = Option<String>, Query, max_length = 1000, description = "Description contains"),
        ("nameOrDescription" = Option<String>, Query, max_length = 1000, description = "Name or description contains"),
        ("deleted" = Option<bool>, Query, description = "Include deleted flows (default false)"),
        ("active" = Option<bool>, Query, description = "Only active (published, not deactivated) or only inactive flows"),
        ("sortBy" = Option<crate::openapi::SortBy>, Query, description = "Sort key (default id)"),
        ("sortOrder" = Option<crate::openapi::SortOrder>, Query, description = "Sort order (default asc)"),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of modules", body = flowlink_api::FlowEntityListing),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:read"]), ("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn list_modules(
    State(s): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<Flow>>, ApiError> {
    list(s, who, q, Family::Modules).await
}

/// `POST /api/v2/flows` (200, not 201, like Genesys).
#[utoipa::path(
    post,
    path = "/api/v2/flows",
    operation_id = "postFlows",
    tag = "Architect",
    summary = "Create a flow (200, like Genesys)",
    request_body(content = crate::openapi::NewFlow, description = "The flow: `name` and `type` (the module path forces COMMONMODULE), optionally `description`, `errorHandling` and logic (`definition`, or `actions` + `variables`). Read-only fields are ignored.", content_type = "application/json"),
    responses(
        (status = 200, description = "The created flow with its logic", body = flowlink_api::Flow),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Conflict, crate::openapi::TooLarge, crate::openapi::NotJson, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]))
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
    request_body(content = crate::openapi::NewFlowModule, description = "The flow: `name` and `type` (the module path forces COMMONMODULE), optionally `description`, `errorHandling` and logic (`definition`, or `actions` + `variables`). Read-only fields are ignored.", content_type = "application/json"),
    responses(
        (status = 200, description = "The created module", body = flowlink_api::Flow),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Conflict, crate::openapi::TooLarge, crate::openapi::NotJson, crate::openapi::Authenticated
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
    params(
        ("id" = String, Path, description = "Flow ID"),
        ("deleted" = Option<bool>, Query, description = "Also find a deleted flow (default false)")
    ),
    responses(
        (status = 200, description = "The flow", body = flowlink_api::Flow),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Gone, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]), ("PureCloud OAuth" = ["flow:flowmodule:read"]))
)]
pub async fn get_flow(
    State(s): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    q: QueryParams,
) -> Result<Json<Flow>, ApiError> {
    get_one(s, who, id, q, Family::Flows).await
}

/// `GET /api/v2/flows/flowmodules/{id}`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/flowmodules/{id}",
    operation_id = "getFlowsFlowmodule",
    tag = "Architect",
    summary = "Get a common module",
    params(
        ("id" = String, Path, description = "Module (COMMONMODULE flow) ID"),
        ("deleted" = Option<bool>, Query, description = "Also find a deleted flow (default false)")
    ),
    responses(
        (status = 200, description = "The module", body = flowlink_api::Flow),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Gone, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:read"]), ("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn get_module(
    State(s): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    q: QueryParams,
) -> Result<Json<Flow>, ApiError> {
    get_one(s, who, id, q, Family::Modules).await
}

/// `PUT /api/v2/flows/{id}`.
#[utoipa::path(
    put,
    path = "/api/v2/flows/{id}",
    operation_id = "putFlow",
    tag = "Architect",
    summary = "Update a flow (a logic change is a new version)",
    params(
        ("id" = String, Path, description = "Flow ID")
    ),
    request_body(content = flowlink_api::FlowWrite, description = "The changes: `name`, `description`, `errorHandling`, new logic; `version` (optional) must be the current one. Absent or null fields are kept.", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated flow", body = flowlink_api::Flow),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Conflict, crate::openapi::Gone, crate::openapi::TooLarge, crate::openapi::NotJson, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn put_flow(
    State(s): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FlowWrite>,
) -> Result<Json<Flow>, ApiError> {
    update(s, who, id, body, Family::Flows).await
}

/// `PUT /api/v2/flows/flowmodules/{id}`.
#[utoipa::path(
    put,
    path = "/api/v2/flows/flowmodules/{id}",
    operation_id = "putFlowsFlowmodule",
    tag = "Architect",
    summary = "Update a common module",
    params(
        ("id" = String, Path, description = "Module (COMMONMODULE flow) ID")
    ),
    request_body(content = flowlink_api::FlowWrite, description = "The changes: `name`, `description`, `errorHandling`, new logic; `version` (optional) must be the current one. Absent or null fields are kept.", content_type = "application/json"),
    responses(
        (status = 200, description = "The updated module", body = flowlink_api::Flow),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Conflict, crate::openapi::Gone, crate::openapi::TooLarge, crate::openapi::NotJson, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:write"]), ("PureCloud OAuth" = ["flow:flow:write"]))
)]
pub async fn put_module(
    State(s): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FlowWrite>,
) -> Result<Json<Flow>, ApiError> {
    update(s, who, id, body, Family::Modules).await
}

/// `DELETE /api/v2/flows/{id}` (204).
#[utoipa::path(
    delete,
    path = "/api/v2/flows/{id}",
    operation_id = "deleteFlow",
    tag = "Architect",
    summary = "Delete a flow",
    params(
        ("id" = String, Path, description = "Flow ID")
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Conflict, crate::openapi::Gone, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:delete"]), ("PureCloud OAuth" = ["flow:flowmodule:write"]))
)]
pub async fn delete_flow(
    State(s): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
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
    params(
        ("id" = String, Path, description = "Module (COMMONMODULE flow) ID")
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Conflict, crate::openapi::Gone, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flowmodule:write"]), ("PureCloud OAuth" = ["flow:flow:delete"]))
)]
pub async fn delete_module(
    State(s): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete(s, who, id, Family::Modules).await
}
