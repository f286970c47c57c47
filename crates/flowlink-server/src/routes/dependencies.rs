//! Architect dependency tracking on the real Genesys paths (SPEC §5, reference §5), answered
//! from the dependency index the store writes in the same transaction as every flow version —
//! exact at every moment, so `build` is always `OPERATIONAL` and a rebuild has nothing to do.
//!
//! - `consumingresources`: who calls a module (a page straight from the index);
//! - `consumedresources`: which modules one version of a flow calls;
//! - `object`, and the base path (`?name=`): flows as `DependencyObject`s;
//! - `updatedresourceconsumers`: consumers pinned to an older version than the module's
//!   published one; `deletedresourceconsumers`: consumers calling a deleted module;
//! - `types`, `types/{typeId}`, `build`.
//!
//! Module calls carry two extension fields on `Dependency`: `floating` and `pinnedVersion`.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use flowlink_api::{
    Dependency, DependencyObject, DependencyStatus, DependencyType, EntityListing, FlowType,
};
use flowlink_store::{
    Consumer, ConsumerFilter, ConsumerQuery, FlowQuery, FlowRecord, PageRequest, StaleDependency,
    StaleKind, StoreError,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::scopes::{FLOW_READ, FLOW_WRITE};
use crate::auth::Principal;
use crate::dependency_types::{
    all_types, object_type, optional_type, parse_object_type, required_type, type_list, BASE,
};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::query::page;
use crate::render::{flow_uri, parse_version_id, version_id};
use crate::state::AppState;

/// Consumers fetched per store call when a whole list is wanted (`object`, the base path).
const BATCH: u32 = 1_000;

/// The dependency-tracking routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(consuming))
        .routes(routes!(consumed))
        .routes(routes!(object))
        .routes(routes!(types))
        .routes(routes!(one_type))
        .routes(routes!(updated))
        .routes(routes!(deleted))
        .routes(routes!(build_status, rebuild))
}

// ---- parameters ----------------------------------------------------------------------------

fn required<'q>(q: &'q QueryParams, key: &str) -> Result<&'q str, ApiError> {
    q.get(key)
        .ok_or_else(|| ApiError::bad_request(format!("query parameter {key} is required")))
}

fn version_param(q: &QueryParams, key: &str) -> Result<Option<u32>, ApiError> {
    q.get(key)
        .map(|v| {
            parse_version_id(v).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "query parameter {key} must be a version like \"2.0\" or \"2\", not \"{v}\""
                ))
            })
        })
        .transpose()
}

/// `flowFilter`: `published`, `checkedIn` (any case); absent = every current version
/// (published, checked in or draft).
fn flow_filter(q: &QueryParams) -> Result<ConsumerFilter, ApiError> {
    match q.get("flowFilter").map(str::to_ascii_lowercase).as_deref() {
        None => Ok(ConsumerFilter::Current),
        Some("published") => Ok(ConsumerFilter::Published),
        Some("checkedin") => Ok(ConsumerFilter::CheckedIn),
        Some(other) => Err(ApiError::bad_request(format!(
            "query parameter flowFilter must be published or checkedIn, not '{other}'"
        ))),
    }
}

/// Case-insensitive match of a Genesys name filter: a substring, `*` matching anything.
fn name_matches(pattern: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    let mut rest = name.as_str();
    for part in pattern.to_lowercase().split('*').filter(|p| !p.is_empty()) {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

fn read(who: &Principal) -> Result<(), ApiError> {
    who.require_any(&[FLOW_READ])
}

/// A flow of the caller's organization named by an id parameter, deleted or not; 404 if it
/// does not exist or is not of `expected` type.
async fn load_object(
    state: &AppState,
    who: &Principal,
    id: &str,
    expected: Option<FlowType>,
) -> Result<FlowRecord, ApiError> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| ApiError::NotFound)?;
    let rec = state.store.get_flow(who.org_id, id).await?;
    if expected.is_some_and(|t| t != rec.flow_type) {
        return Err(ApiError::NotFound);
    }
    Ok(rec)
}

/// The version an object is described at: the one asked for (404 if it does not exist), else
/// the published one, else the current one.
fn object_version(rec: &FlowRecord, asked: Option<u32>) -> Result<u32, ApiError> {
    match asked {
        Some(v) if v <= rec.latest_version => Ok(v),
        Some(_) => Err(ApiError::NotFound),
        None => Ok(rec
            .published_version
            .unwrap_or_else(|| rec.current_version())),
    }
}

fn slice<T: Clone>(all: &[T], p: PageRequest) -> Vec<T> {
    let start = usize::try_from(p.offset()).unwrap_or(usize::MAX);
    all.iter()
        .skip(start)
        .take(p.size as usize)
        .cloned()
        .collect()
}

fn listing<T>(entities: Vec<T>, path: &str, p: PageRequest, total: usize) -> EntityListing<T> {
    EntityListing::new(
        entities,
        &format!("{BASE}{path}"),
        i64::from(p.number),
        i64::from(p.size),
        i64::try_from(total).unwrap_or(i64::MAX),
    )
}

// ---- rendering -----------------------------------------------------------------------------

fn stale_pin(pin: Option<u32>, published: Option<u32>) -> bool {
    matches!((pin, published), (Some(p), Some(v)) if p < v)
}

/// A consumer (one version of a flow calling a module) as a `Dependency`.
fn consumer_dependency(c: &Consumer, module_published: Option<u32>) -> Dependency {
    Dependency {
        id: Some(c.flow_id.to_string()),
        name: Some(c.name.clone()),
        version: Some(version_id(c.version)),
        object_type: Some(object_type(c.flow_type)),
        deleted: Some(false),
        updated: Some(stale_pin(c.pinned_version, module_published)),
        state_unknown: Some(false),
        floating: Some(c.pinned_version.is_none()),
        pinned_version: c.pinned_version.map(version_id),
        self_uri: Some(flow_uri(c.flow_id)),
    }
}

/// A module as consumed by one call: at its pinned version, or (floating) its published one.
fn module_dependency(module: &FlowRecord, pin: Option<u32>) -> Dependency {
    Dependency {
        id: Some(module.id.to_string()),
        name: Some(module.name.clone()),
        version: pin.or(module.published_version).map(version_id),
        object_type: Some(object_type(module.flow_type)),
        deleted: Some(module.deleted),
        updated: Some(stale_pin(pin, module.published_version)),
        state_unknown: Some(false),
        floating: Some(pin.is_none()),
        pinned_version: pin.map(version_id),
        self_uri: Some(flow_uri(module.id)),
    }
}

/// A call whose module cannot be read (it should not happen: calls are checked on write).
fn unknown_module(id: &str, pin: Option<u32>) -> Dependency {
    Dependency {
        id: Some(id.to_string()),
        version: pin.map(version_id),
        object_type: Some(object_type(FlowType::CommonModule)),
        state_unknown: Some(true),
        floating: Some(pin.is_none()),
        pinned_version: pin.map(version_id),
        ..Default::default()
    }
}

fn dependency_object(rec: &FlowRecord, version: u32) -> DependencyObject {
    DependencyObject {
        id: Some(rec.id.to_string()),
        name: Some(rec.name.clone()),
        version: Some(version_id(version)),
        object_type: Some(object_type(rec.flow_type)),
        deleted: Some(rec.deleted),
        updated: Some(false),
        state_unknown: Some(false),
        self_uri: Some(flow_uri(rec.id)),
        ..Default::default()
    }
}

// ---- index reads ---------------------------------------------------------------------------

/// The modules version `version` of `flow` calls, as `Dependency`s (types filter: empty = any).
async fn consumed_list(
    state: &AppState,
    org: Uuid,
    flow: Uuid,
    version: u32,
    types: &[FlowType],
) -> Result<Vec<Dependency>, ApiError> {
    if !types.is_empty() && !types.contains(&FlowType::CommonModule) {
        return Ok(Vec::new());
    }
    let calls = state.store.consumed_modules(org, flow, version).await?;
    let mut modules: HashMap<String, Option<FlowRecord>> = HashMap::new();
    let mut out = Vec::with_capacity(calls.len());
    for call in calls {
        if !modules.contains_key(&call.module_id) {
            let rec = match Uuid::parse_str(&call.module_id) {
                Ok(id) => match state.store.get_flow(org, id).await {
                    Ok(rec) => Some(rec),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
                Err(_) => None,
            };
            modules.insert(call.module_id.clone(), rec);
        }
        out.push(
            match modules.get(&call.module_id).and_then(Option::as_ref) {
                Some(m) => module_dependency(m, call.version),
                None => unknown_module(&call.module_id, call.version),
            },
        );
    }
    Ok(out)
}

/// Every consumer of `module` selected by `query` (all pages).
async fn all_consumers(
    state: &AppState,
    org: Uuid,
    module: &FlowRecord,
    mut query: ConsumerQuery,
) -> Result<Vec<Dependency>, ApiError> {
    let mut out = Vec::new();
    if !module.flow_type.is_module() {
        return Ok(out);
    }
    query.page = PageRequest {
        number: 1,
        size: BATCH,
    };
    loop {
        let found = state.store.consumers_page(org, module.id, &query).await?;
        let n = found.items.len();
        out.extend(
            found
                .items
                .iter()
                .map(|c| consumer_dependency(c, module.published_version)),
        );
        if n < BATCH as usize || i64::try_from(out.len()).unwrap_or(i64::MAX) >= found.total {
            return Ok(out);
        }
        query.page.number += 1;
    }
}

/// The consumer query for "who calls `module` (at `version`, if given)".
fn consumers_of(
    module: &FlowRecord,
    version: Option<u32>,
    filter: ConsumerFilter,
    types: Vec<FlowType>,
    page: PageRequest,
) -> ConsumerQuery {
    ConsumerQuery {
        filter,
        module_version: version,
        // A floating call runs the published version, so it consumes that one.
        include_floating: version.is_none() || version == module.published_version,
        types,
        page,
    }
}

/// Fills the requested lists of a `DependencyObject`.
async fn with_lists(
    state: &AppState,
    org: Uuid,
    rec: &FlowRecord,
    version: u32,
    version_asked: Option<u32>,
    q: &QueryParams,
) -> Result<DependencyObject, ApiError> {
    let mut obj = dependency_object(rec, version);
    if q.bool("consumedResources")?.unwrap_or(false) {
        let types = type_list(q, "consumedResourceType")?;
        obj.consumed_resources = Some(consumed_list(state, org, rec.id, version, &types).await?);
    }
    if q.bool("consumingResources")?.unwrap_or(false) {
        let types = type_list(q, "consumingResourceType")?;
        let query = consumers_of(
            rec,
            version_asked,
            ConsumerFilter::Current,
            types,
            PageRequest::default(),
        );
        obj.consuming_resources = Some(all_consumers(state, org, rec, query).await?);
    }
    Ok(obj)
}

// ---- handlers ------------------------------------------------------------------------------

/// `GET /api/v2/architect/dependencytracking?name=` (required): flows whose name matches, as
/// `DependencyObject`s at their published (else current) version, with `objectType[]`,
/// `consumedResources`, `consumingResources` and the matching type filters.
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking",
    operation_id = "getArchitectDependencytracking",
    tag = "Dependency Tracking",
    summary = "Flows whose name matches, as dependency objects",
    params(
        ("name" = String, Query, description = "Name contains (`*` matches anything)"),
        ("objectType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode, description = "Only these object types (e.g. INBOUNDCALLFLOW)"),
        ("consumedResources" = Option<bool>, Query, description = "Include what each consumes"),
        ("consumingResources" = Option<bool>, Query, description = "Include who consumes each"),
        ("consumedResourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode),
        ("consumingResourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of dependency objects", body = flowlink_api::listing::DependencyObjectEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn search(
    State(state): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<DependencyObject>>, ApiError> {
    read(&who)?;
    let name = required(&q, "name")?;
    let p = page(&q)?;
    let query = FlowQuery {
        types: type_list(&q, "objectType")?,
        name: Some(name.to_string()),
        page: p,
        ..FlowQuery::default()
    };
    let found = state.store.list_flows(who.org_id, &query).await?;
    let mut entities = Vec::with_capacity(found.items.len());
    for rec in &found.items {
        let v = object_version(rec, None)?;
        entities.push(with_lists(&state, who.org_id, rec, v, None, &q).await?);
    }
    let total = usize::try_from(found.total).unwrap_or(0);
    Ok(Json(listing(entities, "", p, total)))
}

/// `GET .../consumingresources?id=&objectType=` (both required): a page of the flows whose
/// versions call this module, with `resourceType[]`, `version`, `flowFilter`.
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/consumingresources",
    operation_id = "getArchitectDependencytrackingConsumingresources",
    tag = "Dependency Tracking",
    summary = "Who calls a module",
    params(
        ("id" = String, Query, description = "Object (module) ID"),
        ("objectType" = inline(crate::vocabulary::ObjectType), Query, description = "Its object type, e.g. COMMONMODULEFLOW"),
        ("resourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode, description = "Only consumers of these object types"),
        ("version" = Option<String>, Query, description = "Only calls to this module version"),
        ("flowFilter" = Option<crate::vocabulary::FlowFilter>, Query, description = "Which consumer versions count"),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of consuming resources", body = flowlink_api::listing::ConsumingResourcesEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn consuming(
    State(state): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<Dependency>>, ApiError> {
    read(&who)?;
    let id = required(&q, "id")?;
    let t = required_type(&q, "objectType")?;
    let types = type_list(&q, "resourceType")?;
    let version = version_param(&q, "version")?;
    let filter = flow_filter(&q)?;
    let p = page(&q)?;
    let module = load_object(&state, &who, id, Some(t)).await?;
    let path = "/consumingresources";
    if !module.flow_type.is_module() {
        return Ok(Json(listing(Vec::new(), path, p, 0)));
    }
    let query = consumers_of(&module, version, filter, types, p);
    let found = state
        .store
        .consumers_page(who.org_id, module.id, &query)
        .await?;
    let entities = found
        .items
        .iter()
        .map(|c| consumer_dependency(c, module.published_version))
        .collect();
    let total = usize::try_from(found.total).unwrap_or(0);
    Ok(Json(listing(entities, path, p, total)))
}

/// `GET .../consumedresources?id=&version=&objectType=` (all required): the modules that
/// version calls, with `resourceType[]` and paging.
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/consumedresources",
    operation_id = "getArchitectDependencytrackingConsumedresources",
    tag = "Dependency Tracking",
    summary = "Which modules one version of a flow calls",
    params(
        ("id" = String, Query, description = "Flow ID"),
        ("version" = String, Query, description = "Version (`2.0` or `2`)"),
        ("objectType" = inline(crate::vocabulary::ObjectType), Query, description = "The flow's object type, e.g. INBOUNDCALLFLOW"),
        ("resourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode, description = "Only resources of these object types"),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of consumed resources", body = crate::vocabulary::ConsumedResourcesEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn consumed(
    State(state): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<Dependency>>, ApiError> {
    read(&who)?;
    let id = required(&q, "id")?;
    required(&q, "version")?;
    let version = version_param(&q, "version")?;
    let t = required_type(&q, "objectType")?;
    let types = type_list(&q, "resourceType")?;
    let p = page(&q)?;
    let rec = load_object(&state, &who, id, Some(t)).await?;
    let v = object_version(&rec, version)?;
    let all = consumed_list(&state, who.org_id, rec.id, v, &types).await?;
    Ok(Json(listing(
        slice(&all, p),
        "/consumedresources",
        p,
        all.len(),
    )))
}

/// `GET .../object?id=` (required): one flow as a `DependencyObject` at `version` (default:
/// published, else current), with its consumed and consuming resources when asked.
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/object",
    operation_id = "getArchitectDependencytrackingObject",
    tag = "Dependency Tracking",
    summary = "One flow as a dependency object",
    params(
        ("id" = String, Query, description = "Flow ID"),
        ("objectType" = inline(Option<crate::vocabulary::ObjectType>), Query, description = "Its object type"),
        ("version" = Option<String>, Query, description = "Version (default: published, else current)"),
        ("consumedResources" = Option<bool>, Query),
        ("consumingResources" = Option<bool>, Query),
        ("consumedResourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode),
        ("consumingResourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode)
    ),
    responses(
        (status = 200, description = "The dependency object", body = flowlink_api::DependencyObject),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn object(
    State(state): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<DependencyObject>, ApiError> {
    read(&who)?;
    let id = required(&q, "id")?;
    let t = optional_type(&q, "objectType")?;
    let version = version_param(&q, "version")?;
    let rec = load_object(&state, &who, id, t).await?;
    let v = object_version(&rec, version)?;
    with_lists(&state, who.org_id, &rec, v, version, &q)
        .await
        .map(Json)
}

/// `GET .../types`: the tracked object types (the flow types), paged.
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/types",
    operation_id = "getArchitectDependencytrackingTypes",
    tag = "Dependency Tracking",
    summary = "The tracked object types",
    params(
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of types", body = flowlink_api::listing::DependencyTypeEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn types(
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<DependencyType>>, ApiError> {
    read(&who)?;
    let p = page(&q)?;
    let all = all_types();
    Ok(Json(listing(slice(&all, p), "/types", p, all.len())))
}

/// `GET .../types/{typeId}`: one type (any case), 404 if flowlink does not track it.
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/types/{type_id}",
    operation_id = "getArchitectDependencytrackingType",
    tag = "Dependency Tracking",
    summary = "One tracked object type",
    params(
        ("type_id" = String, Path, description = "Object type, e.g. COMMONMODULEFLOW (any case)")
    ),
    responses(
        (status = 200, description = "The type", body = flowlink_api::DependencyType),
        crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn one_type(
    who: Principal,
    Path(type_id): Path<String>,
) -> Result<Json<DependencyType>, ApiError> {
    read(&who)?;
    let t = parse_object_type(&type_id).ok_or(ApiError::NotFound)?;
    Ok(Json(crate::dependency_types::dependency_type(t)))
}

/// Groups stale calls by consumer version, in index order.
fn by_consumer(rows: Vec<StaleDependency>) -> Vec<(Consumer, Vec<StaleDependency>)> {
    let mut out: Vec<(Consumer, Vec<StaleDependency>)> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((c, calls))
                if c.flow_id == row.consumer.flow_id && c.version == row.consumer.version =>
            {
                calls.push(row)
            }
            _ => out.push((row.consumer.clone(), vec![row])),
        }
    }
    out
}

async fn stale_listing(
    state: &AppState,
    who: &Principal,
    q: &QueryParams,
    kind: StaleKind,
    filter: ConsumerFilter,
    path: &str,
) -> Result<EntityListing<DependencyObject>, ApiError> {
    read(who)?;
    let types = type_list(q, "objectType")?;
    let with_consumed = q.bool("consumedResources")?.unwrap_or(false);
    let consumed_types = type_list(q, "consumedResourceType")?;
    let p = page(q)?;
    let rows = state
        .store
        .stale_dependencies(who.org_id, kind, filter)
        .await?;
    let groups: Vec<_> = by_consumer(rows)
        .into_iter()
        .filter(|(c, _)| types.is_empty() || types.contains(&c.flow_type))
        .filter(|(c, _)| q.get("name").is_none_or(|n| name_matches(n, &c.name)))
        .collect();
    let entities = slice(&groups, p)
        .into_iter()
        .map(|(c, calls)| {
            let consumed = with_consumed.then(|| {
                calls
                    .iter()
                    .filter(|s| {
                        consumed_types.is_empty() || consumed_types.contains(&s.module_type)
                    })
                    .map(|s| Dependency {
                        id: Some(s.module_id.to_string()),
                        name: Some(s.module_name.clone()),
                        version: s
                            .consumer
                            .pinned_version
                            .or(s.module_published)
                            .map(version_id),
                        object_type: Some(object_type(s.module_type)),
                        deleted: Some(kind == StaleKind::Deleted),
                        updated: Some(kind == StaleKind::Updated),
                        state_unknown: Some(false),
                        floating: Some(s.consumer.pinned_version.is_none()),
                        pinned_version: s.consumer.pinned_version.map(version_id),
                        self_uri: Some(flow_uri(s.module_id)),
                    })
                    .collect()
            });
            DependencyObject {
                id: Some(c.flow_id.to_string()),
                name: Some(c.name.clone()),
                version: Some(version_id(c.version)),
                object_type: Some(object_type(c.flow_type)),
                deleted: Some(false),
                updated: Some(kind == StaleKind::Updated),
                state_unknown: Some(false),
                consumed_resources: consumed,
                consuming_resources: None,
                self_uri: Some(flow_uri(c.flow_id)),
            }
        })
        .collect();
    Ok(listing(entities, path, p, groups.len()))
}

/// `GET .../updatedresourceconsumers`: flow versions with a call pinned to an older version
/// than the module's published one (`name`, `objectType[]`, `consumedResources`,
/// `consumedResourceType[]`, paging).
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/updatedresourceconsumers",
    operation_id = "getArchitectDependencytrackingUpdatedresourceconsumers",
    tag = "Dependency Tracking",
    summary = "Flow versions pinned to an older module version than the published one",
    params(
        ("name" = Option<String>, Query, description = "Consumer name contains (`*` matches anything)"),
        ("objectType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode, description = "Only these object types (e.g. INBOUNDCALLFLOW)"),
        ("consumedResources" = Option<bool>, Query, description = "Include the stale calls"),
        ("consumedResourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of dependency objects", body = flowlink_api::listing::DependencyObjectEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn updated(
    State(state): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<DependencyObject>>, ApiError> {
    let path = "/updatedresourceconsumers";
    let filter = ConsumerFilter::Current;
    stale_listing(&state, &who, &q, StaleKind::Updated, filter, path)
        .await
        .map(Json)
}

/// `GET .../deletedresourceconsumers`: flow versions calling a deleted module (also
/// `flowFilter`). Delete protection keeps current versions out of it; it lists what a
/// `flowFilter` still selects if that ever changes.
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/deletedresourceconsumers",
    operation_id = "getArchitectDependencytrackingDeletedresourceconsumers",
    tag = "Dependency Tracking",
    summary = "Flow versions calling a deleted module",
    params(
        ("name" = Option<String>, Query, description = "Consumer name contains (`*` matches anything)"),
        ("objectType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode, description = "Only these object types (e.g. INBOUNDCALLFLOW)"),
        ("consumedResources" = Option<bool>, Query, description = "Include the stale calls"),
        ("consumedResourceType" = inline(Option<Vec<crate::vocabulary::ObjectType>>), Query, style = Form, explode),
        ("flowFilter" = Option<crate::vocabulary::FlowFilter>, Query),
        ("pageSize" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Page size, 1 to 500 (default 25)"),
        ("pageNumber" = Option<u32>, Query, minimum = 1, maximum = 8589934, description = "Page number, from 1 (default 1)")
    ),
    responses(
        (status = 200, description = "A page of dependency objects", body = flowlink_api::listing::DependencyObjectEntityListing),
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn deleted(
    State(state): State<AppState>,
    who: Principal,
    q: QueryParams,
) -> Result<Json<EntityListing<DependencyObject>>, ApiError> {
    let path = "/deletedresourceconsumers";
    let filter = flow_filter(&q)?;
    stale_listing(&state, &who, &q, StaleKind::Deleted, filter, path)
        .await
        .map(Json)
}

/// `GET .../build`: always `OPERATIONAL` (the index is written with every flow version).
#[utoipa::path(
    get,
    path = "/api/v2/architect/dependencytracking/build",
    operation_id = "getArchitectDependencytrackingBuild",
    tag = "Dependency Tracking",
    summary = "State of the dependency index (always OPERATIONAL)",
    responses(
        (status = 200, description = "The index state", body = flowlink_api::DependencyStatus),
        crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn build_status(who: Principal) -> Result<Json<DependencyStatus>, ApiError> {
    read(&who)?;
    Ok(Json(DependencyStatus {
        id: Some("flowlink".into()),
        name: Some("flowlink dependency index (kept exact on every write)".into()),
        status: Some("OPERATIONAL".into()),
        self_uri: Some(format!("{BASE}/build")),
        ..Default::default()
    }))
}

/// `POST .../build`: 202, no body. There is nothing to rebuild; accepted for compatibility.
#[utoipa::path(
    post,
    path = "/api/v2/architect/dependencytracking/build",
    operation_id = "postArchitectDependencytrackingBuild",
    tag = "Dependency Tracking",
    summary = "Rebuild the index (nothing to do; accepted)",
    responses(
        (status = 202, description = "Accepted"),
        crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]))
)]
pub async fn rebuild(who: Principal) -> Result<StatusCode, ApiError> {
    who.require_any(&[FLOW_WRITE])?;
    Ok(StatusCode::ACCEPTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_filters_are_substrings_with_wildcards() {
        assert!(name_matches("main", "Main IVR"));
        assert!(name_matches("m*ivr", "Main IVR"));
        assert!(name_matches("*", "anything"));
        assert!(!name_matches("ivr*main", "Main IVR"));
        assert!(!name_matches("sales", "Main IVR"));
    }

    #[test]
    fn only_pins_behind_the_published_version_are_stale() {
        assert!(stale_pin(Some(1), Some(2)));
        assert!(!stale_pin(Some(2), Some(2)));
        assert!(!stale_pin(None, Some(2)));
        assert!(!stale_pin(Some(1), None));
    }
}
