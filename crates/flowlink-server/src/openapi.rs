//! The OpenAPI 3 document of every route the server serves, generated from the code so it
//! cannot drift: handlers carry `#[utoipa::path]` (method, path, parameters, bodies, responses,
//! scopes), the wire types of `flowlink-api` derive `ToSchema` under their Genesys names, and
//! the router and the document are built from the same `OpenApiRouter`s
//! ([`public_routes`] and [`crate::routes::api_routes`]): registering a route through them is
//! what documents it. [`document`] assembles it; [`openapi_json`] serves it (no auth) at
//! [`DOC_PATH`], serialized once per process.
//!
//! flowlink's additions to the Genesys API are marked: fields whose description starts with
//! "flowlink extension" and extension-only operations carry `x-flowlink-extension: true`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use flowlink_api::{ErrorBody, FlowType, FlowWrite};
use serde::Deserialize;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{IntoResponses, Modify, OpenApi, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::scopes;
use crate::error::ApiError;
use crate::state::AppState;

/// Where the document is served.
pub const DOC_PATH: &str = "/api/v2/docs/openapi.json";

/// Name of the OAuth 2 security scheme (the one the Genesys document uses).
pub const SECURITY_SCHEME: &str = "PureCloud OAuth";

/// The vendor extension that marks flowlink's additions to the Genesys API.
pub const EXTENSION: &str = "x-flowlink-extension";

/// Descriptions of flowlink's additions start with this (the marker [`document`] looks for).
const EXTENSION_PREFIX: &str = "flowlink extension";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "flowlink",
        description = "A local, wire-compatible emulator of the Genesys Cloud Platform API for \
                       Architect flows. Schemas carry the Genesys names; flowlink's additions \
                       are marked `x-flowlink-extension: true`. Every `/api/v2` operation needs \
                       a bearer token from `POST /oauth/token` (client credentials); errors are \
                       Genesys `ErrorBody`s whose `contextId` equals the `ININ-Correlation-Id` \
                       response header."
    ),
    components(schemas(ErrorBody, FlowType, SortBy, SortOrder, FlowFilter)),
    modifiers(&OAuthScheme),
    tags(
        (name = "Architect", description = "Flows, modules, versions, the publishing lifecycle \
                                            and simulated calls"),
        (name = "Dependency Tracking", description = "Who calls which module, from the index \
                                                      written with every flow version"),
        (name = "Organization", description = "The caller's organization"),
        (name = "OAuth", description = "Access tokens (client-credentials grant)"),
        (name = "Docs", description = "This document")
    )
)]
struct ApiDoc;

/// Adds the OAuth 2 client-credentials scheme with every scope flowlink knows.
struct OAuthScheme;

fn scope_description(scope: &str) -> &'static str {
    match scope {
        scopes::ADMIN => "everything, plus force-unlocking flows",
        scopes::ARCHITECT => "all flow work (implies every narrower scope)",
        scopes::ARCHITECT_READONLY => "all flow reads",
        scopes::FLOW_READ => "read flows, versions, executions, dependencies",
        scopes::FLOW_WRITE => "create and change flows",
        scopes::FLOW_DELETE => "delete flows",
        scopes::MODULE_READ => "read common modules",
        scopes::MODULE_WRITE => "create, change and delete common modules",
        scopes::ORG_READ => "read the organization",
        _ => "",
    }
}

impl Modify for OAuthScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scopes = Scopes::from_iter(
            scopes::ALL
                .iter()
                .map(|s| (s.to_string(), scope_description(s).to_string())),
        );
        let scheme = OAuth2::with_description(
            [Flow::ClientCredentials(ClientCredentials::new(
                "/oauth/token",
                scopes,
            ))],
            "Client credentials (HTTP Basic or form fields). An operation lists the narrowest \
             scopes that allow it, any one of them suffices; broader scopes imply narrower ones \
             (admin ⊃ architect ⊃ architect:readonly and the flow:* scopes).",
        );
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(SECURITY_SCHEME, SecurityScheme::OAuth2(scheme));
    }
}

// ---- responses shared by many operations ------------------------------------------------------

fn error_response(
    status: u16,
    description: &str,
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
        )
        .build();
    BTreeMap::from([(status.to_string(), RefOr::T(response))])
}

/// One error status answered with an `ErrorBody`, usable in `responses(...)`.
macro_rules! error_status {
    ($(#[$doc:meta])* $name:ident, $status:literal, $description:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                error_response($status, $description)
            }
        }
    };
}

error_status!(
    /// 400 `bad.request`.
    BadRequest,
    400,
    "`bad.request`: a malformed or invalid body, query parameter or flow logic; `details` \
     name the fields or nodes"
);
error_status!(
    /// 403 `missing.any.permissions`.
    Forbidden,
    403,
    "`missing.any.permissions`: the token holds none of the scopes that would allow this"
);
error_status!(
    /// 404 `not.found`.
    NotFound,
    404,
    "`not.found`: no such object in the caller's organization"
);
error_status!(
    /// 409: stale `version`, duplicate name, lock held by another client, module in use.
    Conflict,
    409,
    "`general.conflict` (stale `version`), `general.resource.conflict` (duplicate name), \
     `architect.flow.locked` (checked out by another client) or `architect.flow.in.use` \
     (a module still called)"
);
error_status!(
    /// 410 `architect.flow.deleted`.
    Gone,
    410,
    "`architect.flow.deleted`: the flow was deleted"
);
error_status!(
    /// 413 `request.entity.too.large`.
    TooLarge,
    413,
    "`request.entity.too.large`: the body is over the server's limit"
);
error_status!(
    /// 415 `unsupported.media.type`.
    NotJson,
    415,
    "`unsupported.media.type`: a body that is not `application/json`"
);
error_status!(
    /// 500 `internal.server.error`.
    Internal,
    500,
    "`internal.server.error`: an unexpected failure (the cause is logged under the \
     `contextId`)"
);

/// The statuses every authenticated operation can answer: 401, 429, 500.
pub struct Authenticated;

impl IntoResponses for Authenticated {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let mut all = error_response(
            401,
            "`authentication.required` (no bearer token), `bad.credentials` (unknown token) \
             or `credentials.expired`",
        );
        all.extend(error_response(
            429,
            "`too.many.requests.retry.after`: the token's per-minute budget is spent; see \
             `Retry-After`",
        ));
        all.extend(Internal::responses());
        all
    }
}

// ---- query parameter vocabularies -------------------------------------------------------------

/// `sortBy` of flow listings.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    Id,
    Name,
    Type,
    Description,
}

/// `sortOrder` of flow listings (`ascending`/`descending` are accepted too).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// `flowFilter` of dependency queries: which consumer versions count (absent: every current
/// version: published, checked in or draft).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FlowFilter {
    Published,
    CheckedIn,
}

/// A dependency-tracking object type (a flow type's `<TYPE>FLOW`, or `WORKFLOW`). Any case
/// is accepted; the document lists the canonical names.
pub struct ObjectType;

impl PartialSchema for ObjectType {
    fn schema() -> RefOr<Schema> {
        let names: Vec<String> = crate::routes::dependency_types::all_types()
            .into_iter()
            .filter_map(|t| t.id)
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(names))
            .description(Some("A tracked object type (flows only)"))
            .into()
    }
}

impl ToSchema for ObjectType {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ObjectType")
    }
}

/// `grant_type` of the token request: the client-credentials grant only.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
}

/// The body of `POST /api/v2/flows`: a `FlowWrite` with `name` and `type` required.
pub struct NewFlow;

/// The body of `POST /api/v2/flows/flowmodules`: a `FlowWrite` with `name` required (the
/// type is COMMONMODULE whatever is sent).
pub struct NewFlowModule;

/// `FlowWrite`'s schema with `required` added.
fn flow_write_requiring(required: &[&str], description: &str) -> RefOr<Schema> {
    let mut schema = FlowWrite::schema();
    if let RefOr::T(Schema::Object(o)) = &mut schema {
        o.required.extend(required.iter().map(|r| r.to_string()));
        o.description = Some(description.to_string());
    }
    schema
}

impl PartialSchema for NewFlow {
    fn schema() -> RefOr<Schema> {
        flow_write_requiring(
            &["name", "type"],
            "A new flow: `FlowWrite` with `name` and `type` required. A whole `Flow` is \
             accepted too; its read-only fields are ignored.",
        )
    }
}

impl ToSchema for NewFlow {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NewFlow")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FlowWrite::name().into_owned(), FlowWrite::schema()));
        FlowWrite::schemas(schemas);
    }
}

impl PartialSchema for NewFlowModule {
    fn schema() -> RefOr<Schema> {
        flow_write_requiring(
            &["name"],
            "A new common module: `FlowWrite` with `name` required (`type` is COMMONMODULE \
             whatever is sent).",
        )
    }
}

impl ToSchema for NewFlowModule {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NewFlowModule")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        NewFlow::schemas(schemas);
    }
}

/// The form body of `POST /oauth/token`. Credentials go in HTTP Basic (what the SDKs send) or
/// in `client_id`/`client_secret`.
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub grant_type: GrantType,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space- or comma-separated subset of the client's scopes.
    pub scope: Option<String>,
}

// ---- the document ---------------------------------------------------------------------------

/// The routes outside `/api/v2` authentication: the token endpoint and this document.
pub fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(crate::auth::token::token))
        .routes(routes!(openapi_json))
        .merge(crate::routes::signed_routes())
}

/// The whole document, built from the same route tables as the router.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(public_routes())
        .merge(crate::routes::api_routes())
        .into_openapi();
    let genesys = schemas_of_genesys_operations(&doc);
    if let Some(components) = doc.components.as_mut() {
        for (name, schema) in components.schemas.iter_mut() {
            mark_extensions(schema);
            if !genesys.contains(name) {
                // Only extension operations use it: the whole schema is an addition.
                if let RefOr::T(schema) = schema {
                    flag(schema);
                }
            }
        }
    }
    doc
}

/// Schema names `value` refers to.
fn references(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/components/schemas/") {
                            out.push(name.to_string());
                        }
                    }
                    _ => references(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| references(i, out)),
        _ => {}
    }
}

/// Every schema reachable from an operation that is not a flowlink extension.
fn schemas_of_genesys_operations(doc: &utoipa::openapi::OpenApi) -> BTreeSet<String> {
    let paths = serde_json::to_value(&doc.paths).unwrap_or_default();
    let schemas = doc
        .components
        .as_ref()
        .map(|c| serde_json::to_value(&c.schemas).unwrap_or_default())
        .unwrap_or_default();
    let mut todo = Vec::new();
    for item in paths.as_object().into_iter().flat_map(|p| p.values()) {
        for op in item.as_object().into_iter().flat_map(|i| i.values()) {
            if op.get(EXTENSION) != Some(&serde_json::Value::Bool(true)) {
                references(op, &mut todo);
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            references(&schemas[&name], &mut todo);
        }
    }
    seen
}

/// Marks one schema as a flowlink extension.
fn flag(schema: &mut Schema) {
    match schema {
        Schema::Object(o) => merge_flag(&mut o.extensions),
        Schema::OneOf(o) => merge_flag(&mut o.extensions),
        Schema::AllOf(o) => merge_flag(&mut o.extensions),
        Schema::AnyOf(o) => merge_flag(&mut o.extensions),
        Schema::Array(a) => merge_flag(&mut a.extensions),
        _ => {}
    }
}

fn is_extension(description: Option<&String>) -> bool {
    description.is_some_and(|d| d.starts_with(EXTENSION_PREFIX))
}

fn extension_flag() -> Option<utoipa::openapi::extensions::Extensions> {
    Some(
        ExtensionsBuilder::new()
            .add(EXTENSION, serde_json::Value::Bool(true))
            .build(),
    )
}

/// Adds [`EXTENSION`] to every schema (and property) described as a flowlink extension.
fn mark_extensions(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else { return };
    // An optional reference (`oneOf: [null, $ref]`) carries its description on the reference.
    let described_on_ref = matches!(schema, Schema::OneOf(o) if o.items.iter().any(|item| {
        matches!(item, RefOr::Ref(r) if r.description.starts_with(EXTENSION_PREFIX))
    }));
    if described_on_ref || is_extension(description(schema)) {
        flag(schema);
    }
    if let Schema::Object(o) = schema {
        for property in o.properties.values_mut() {
            mark_extensions(property);
        }
    }
}

fn description(schema: &Schema) -> Option<&String> {
    match schema {
        Schema::Object(o) => o.description.as_ref(),
        Schema::OneOf(o) => o.description.as_ref(),
        Schema::AllOf(o) => o.description.as_ref(),
        Schema::AnyOf(o) => o.description.as_ref(),
        Schema::Array(a) => a.description.as_ref(),
        _ => None,
    }
}

fn merge_flag(extensions: &mut Option<utoipa::openapi::extensions::Extensions>) {
    match (extensions.as_mut(), extension_flag()) {
        (Some(existing), Some(flag)) => existing.merge(flag),
        (None, flag) => *extensions = flag,
        (Some(_), None) => {}
    }
}

/// The document as served, serialized on first use.
fn document_json() -> Result<Bytes, String> {
    static JSON: OnceLock<Result<Bytes, String>> = OnceLock::new();
    JSON.get_or_init(|| {
        serde_json::to_vec(&document())
            .map(Bytes::from)
            .map_err(|e| e.to_string())
    })
    .clone()
}

/// `GET /api/v2/docs/openapi.json`: this document (no authentication).
#[utoipa::path(
    get,
    path = "/api/v2/docs/openapi.json",
    operation_id = "getDocsOpenapi",
    tag = "Docs",
    responses(
        (status = 200, description = "The OpenAPI document of every route flowlink serves",
         content_type = "application/json", body = Object),
        Internal
    ),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn openapi_json() -> Response {
    match document_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => ApiError::Internal(format!("the OpenAPI document does not serialize: {e}"))
            .into_response(),
    }
}

/// `ConsumedResourcesEntityListing`: the same page of `Dependency`s as
/// `ConsumingResourcesEntityListing` (`EntityListing<Dependency>`), under the name Genesys
/// gives the answer of `consumedresources`.
pub struct ConsumedResourcesEntityListing;

impl PartialSchema for ConsumedResourcesEntityListing {
    fn schema() -> RefOr<Schema> {
        flowlink_api::listing::listing_schema::<flowlink_api::Dependency>()
    }
}

impl ToSchema for ConsumedResourcesEntityListing {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ConsumedResourcesEntityListing")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <flowlink_api::listing::EntityListing<flowlink_api::Dependency>>::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let doc = serde_json::to_value(document()).unwrap();
        let mut all = Vec::new();
        references(&doc, &mut all);
        assert!(all.len() > 20, "{}", all.len());
        for name in all {
            assert!(
                doc["components"]["schemas"].get(&name).is_some(),
                "dangling reference {name}"
            );
        }
    }

    #[test]
    fn the_served_bytes_are_the_document() {
        let served: serde_json::Value = serde_json::from_slice(&document_json().unwrap()).unwrap();
        assert_eq!(served, serde_json::to_value(document()).unwrap());
    }
}
