//! The OpenAPI 3 document of every route the server serves, assembled from the same route
//! tables as the router ([`crate::routes::public_routes`] and [`crate::routes::api_routes`]), so
//! registering a route is what documents it and the two cannot drift: handlers carry
//! `#[utoipa::path]` (method, path, parameters, bodies, responses, scopes), the wire types of
//! `flowlink-api` derive `ToSchema` under their Genesys names. [`document`] assembles it;
//! [`document_json`] serializes it once per process for the `GET` handler
//! ([`crate::routes::docs`], which gets the bytes from the router, not from here).
//!
//! This module sits above the routes: it imports their tables; no handler imports it.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::body::Bytes;
use flowlink_api::{ErrorBody, FlowType};
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::auth::scopes;
use crate::vocabulary::{FlowFilter, SortBy, SortOrder, EXTENSION_PREFIX};
pub use crate::vocabulary::{DOC_PATH, EXTENSION, SECURITY_SCHEME};

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

// ---- the document ---------------------------------------------------------------------------

/// The whole document, built from the same route tables as the router.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::routes::public_routes())
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

/// The document as served, serialized on first use (an error names why it does not serialize).
pub fn document_json() -> Result<Bytes, String> {
    static JSON: OnceLock<Result<Bytes, String>> = OnceLock::new();
    JSON.get_or_init(|| {
        serde_json::to_vec(&document())
            .map(Bytes::from)
            .map_err(|e| e.to_string())
    })
    .clone()
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
