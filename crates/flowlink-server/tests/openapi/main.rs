//! The OpenAPI document against the router it describes (issue 7, item 1).
//!
//! - The route list of the built router (read from the router itself, not from the route
//!   tables the document is made of) equals the document's paths and methods, so a route
//!   added without documentation (a bare `.route(...)`) or a documented one that is not
//!   served fails here.
//! - Every documented operation reaches its handler on a real server: unauthenticated calls
//!   are answered by the auth middleware (401), which runs only on matched routes; every
//!   other method on a documented path is a 405.
//! - The document is served without auth, equals the one the code builds, carries the
//!   Genesys schema names, marks flowlink's extensions and declares the OAuth scheme.
//! - Each operation's documented scopes are the scopes its handler checks (`scopes.rs`).

#[path = "../running/mod.rs"]
mod running;
mod scopes;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use flowlink_server::openapi::{document, DOC_PATH, EXTENSION, SECURITY_SCHEME};
use flowlink_server::{AppState, ServerConfig};
use reqwest::Method;
use serde_json::Value;

type RouteList = BTreeMap<String, BTreeSet<String>>;

/// The flow jobs' signed upload/download URLs: authorised by their signature, not a token.
/// The probes and the metrics: public, answering a plain GET with 200.
fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

fn is_signed(path: &str) -> bool {
    path.starts_with("/uploads/") || path.starts_with("/downloads/")
}

/// Methods a route can serve (HEAD is implied by GET in axum and not listed separately).
const METHODS: [&str; 8] = [
    "get", "post", "put", "delete", "patch", "options", "trace", "connect",
];

/// The path router's routes from the router's `Debug` output (axum 0.8 has no other way to
/// list them): `RouteId(n): MethodRouter(MethodRouter { get: Route, head: None, ... })` under
/// `routes`, `RouteId(n): "/path"` under `node`. The fallback router is left out.
fn served_routes(router: &axum::Router) -> RouteList {
    let debug = format!("{router:?}");
    let main = debug
        .split("fallback_router:")
        .next()
        .expect("a path router");
    let (routes, node) = main
        .split_once("node: Node")
        .expect("the path router's node (axum's Debug format changed?)");
    let mut methods_by_id = BTreeMap::new();
    for chunk in routes.split("RouteId(").skip(1) {
        let (id, rest) = chunk.split_once(')').expect("route id");
        let served: BTreeSet<String> = METHODS
            .iter()
            .filter(|m| {
                let key = format!(" {m}: ");
                rest.split_once(&key)
                    .is_some_and(|(_, after)| !after.starts_with("None"))
            })
            .map(|m| m.to_string())
            .collect();
        methods_by_id.insert(id.trim().to_string(), served);
    }
    let mut out = RouteList::new();
    for chunk in node.split("RouteId(").skip(1) {
        let (id, rest) = chunk.split_once(')').expect("route id");
        let path = rest
            .split('"')
            .nth(1)
            .expect("quoted path (axum's Debug format changed?)");
        let methods = methods_by_id
            .get(id.trim())
            .unwrap_or_else(|| panic!("no method router for {path}"));
        out.insert(path.to_string(), methods.clone());
    }
    out
}

fn documented_routes(doc: &Value) -> RouteList {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("path item")
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

fn doc() -> Value {
    serde_json::to_value(document()).expect("document serializes")
}

async fn state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = flowlink_store::SqliteStore::open_dir(dir.path())
        .await
        .expect("store");
    (AppState::new(Arc::new(store), ServerConfig::default()), dir)
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_routes() {
    let (state, _dir) = state().await;
    let mut served = served_routes(&flowlink_server::router(state));
    // The web console's HTML pages (`/` and `/console/...`) are for people, not part of the
    // API the document describes; every other route is.
    let console = |p: &str| p == "/" || p == "/console" || p.starts_with("/console/");
    let pages = served.keys().filter(|p| console(p)).count();
    assert!(pages >= 10, "the console's pages are mounted: {served:?}");
    served.retain(|p, _| !console(p));
    let documented = documented_routes(&doc());
    // The parse found real routes (a changed Debug format cannot make this pass vacuously).
    assert!(served.len() >= 29, "parsed only {served:?}");
    for (path, methods) in &served {
        assert!(!methods.is_empty(), "{path}: no methods parsed");
    }
    let undocumented: Vec<_> = served
        .iter()
        .filter(|(p, m)| documented.get(*p) != Some(m))
        .collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented (or with other methods): {undocumented:?}"
    );
    assert_eq!(served, documented);
}

#[test]
fn the_route_list_parser_sees_an_undocumented_route() {
    // The check above can fail: a bare axum route shows up in the parsed list.
    let router: axum::Router = axum::Router::new()
        .route(
            "/x/{id}",
            axum::routing::get(|| async {}).delete(|| async {}),
        )
        .route("/y", axum::routing::post(|| async {}));
    let served = served_routes(&router);
    let expected: RouteList = [
        (
            "/x/{id}".to_string(),
            ["get", "delete"].map(String::from).into(),
        ),
        ("/y".to_string(), ["post"].map(String::from).into()),
    ]
    .into();
    assert_eq!(served, expected);
}

/// A concrete URL for a documented path: every `{param}` becomes a well-formed but unknown
/// UUID.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let (_, tail) = after.split_once('}').expect("closing brace");
        out.push_str("0b2f4ad5-55a9-4b40-9d4e-2a4c4b4f0c01");
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_reaches_its_handler() {
    let server = running::start_server().await;
    let http = reqwest::Client::new();
    let documented = documented_routes(&doc());
    for (path, methods) in &documented {
        let url = format!("{}{}", server.url, concrete(path));
        for m in ["get", "post", "put", "delete", "patch"] {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
            let resp = http.request(method, &url).send().await.expect("request");
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            if !methods.contains(m) {
                assert_eq!(status, 405, "{m} {path}: {body}");
                continue;
            }
            match path.as_str() {
                DOC_PATH => assert_eq!(status, 200, "{m} {path}"),
                p if is_probe(p) => assert_eq!(status, 200, "{m} {path}"),
                // No grant_type: the token handler itself answers.
                "/oauth/token" => {
                    assert_eq!(status, 400, "{m} {path}: {body}");
                    assert_eq!(body["error"], "invalid_request", "{body}");
                }
                // The flow jobs' signed URLs: no signature, refused by the handler itself.
                p if is_signed(p) => {
                    assert_eq!(status, 403, "{m} {path}: {body}");
                    assert_eq!(body["code"], "signature.invalid", "{body}");
                }
                _ => {
                    assert_eq!(status, 401, "{m} {path}: {body}");
                    assert_eq!(body["code"], "authentication.required", "{body}");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_served_without_auth() {
    let server = running::start_server().await;
    let resp = reqwest::get(format!("{}{DOC_PATH}", server.url))
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{ct}");
    let served: Value = resp.json().await.expect("JSON");
    assert_eq!(served, doc());
    assert!(
        served["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        served["openapi"]
    );
}

#[test]
fn schemas_carry_the_genesys_names() {
    let doc = doc();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for name in [
        "Flow",
        "FlowEntityListing",
        "FlowVersion",
        "FlowVersionEntityListing",
        "ErrorBody",
        "Detail",
        "Operation",
        "DependencyObject",
        "DependencyObjectEntityListing",
        "Dependency",
        "DependencyType",
        "DependencyTypeEntityListing",
        "DependencyStatus",
        "ConsumingResourcesEntityListing",
        "ConsumedResourcesEntityListing",
        "FlowExecutionLaunchRequest",
        "FlowExecutionLaunchResponse",
        "FlowRuntimeExecution",
        "Organization",
        "TokenResponse",
        "FlowType",
        "RegisterArchitectJobResponse",
        "ArchitectJobStateResponse",
        "ArchitectJobMessage",
        "RegisterArchitectExportJob",
        "RegisterArchitectExportJobResponse",
        "ArchitectExportJobStateResponse",
    ] {
        assert!(schemas.contains_key(name), "no schema {name}");
    }
    let body_ref = |path: &str, method: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} {status} has no schema reference"))
            .trim_start_matches("#/components/schemas/")
            .to_string()
    };
    assert_eq!(body_ref("/api/v2/flows", "get", "200"), "FlowEntityListing");
    assert_eq!(body_ref("/api/v2/flows/{id}", "put", "200"), "Flow");
    assert_eq!(body_ref("/api/v2/flows/{id}", "get", "410"), "ErrorBody");
    assert_eq!(
        body_ref("/api/v2/flows/{id}/versions", "get", "200"),
        "FlowVersionEntityListing"
    );
    assert_eq!(
        body_ref("/api/v2/flows/actions/publish", "post", "200"),
        "Operation"
    );
    assert_eq!(
        body_ref(
            "/api/v2/architect/dependencytracking/consumingresources",
            "get",
            "200"
        ),
        "ConsumingResourcesEntityListing"
    );
    assert_eq!(
        body_ref("/api/v2/architect/dependencytracking/object", "get", "200"),
        "DependencyObject"
    );
    assert_eq!(body_ref("/oauth/token", "post", "200"), "TokenResponse");
    let request = doc["paths"]["/api/v2/flows"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]["$ref"]
        .as_str()
        .expect("POST /api/v2/flows body");
    assert_eq!(request, "#/components/schemas/NewFlow");
    let required = &doc["components"]["schemas"]["NewFlow"]["required"];
    assert_eq!(required, &serde_json::json!(["name", "type"]));
    let put = doc["paths"]["/api/v2/flows/{id}"]["put"]["requestBody"]["content"]
        ["application/json"]["schema"]["$ref"]
        .as_str()
        .expect("PUT /api/v2/flows/{id} body");
    assert_eq!(put, "#/components/schemas/FlowWrite");
    // Every error status of every operation is an ErrorBody (the token endpoint's OAuth
    // errors aside).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                let code: u16 = status.parse().expect("numeric status");
                if code < 400 || (path == "/oauth/token" && (code == 400 || code == 401)) {
                    continue;
                }
                let r = &resp["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(
                    r, "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[test]
fn extensions_are_marked() {
    let doc = doc();
    let schemas = &doc["components"]["schemas"];
    let flag = |schema: &str, field: &str| schemas[schema]["properties"][field][EXTENSION].clone();
    for (schema, field) in [
        ("Flow", "version"),
        ("Flow", "definition"),
        ("Flow", "actions"),
        ("Flow", "variables"),
        ("Flow", "errorHandling"),
        ("FlowExecutionLaunchRequest", "simulation"),
        ("FlowRuntimeExecution", "trace"),
        ("Dependency", "floating"),
        ("Dependency", "pinnedVersion"),
        ("Detail", "message"),
    ] {
        assert_eq!(flag(schema, field), Value::Bool(true), "{schema}.{field}");
    }
    for (schema, field) in [
        ("Flow", "name"),
        ("Flow", "publishedVersion"),
        ("Dependency", "id"),
    ] {
        assert_eq!(
            flag(schema, field),
            Value::Null,
            "{schema}.{field} is Genesys"
        );
    }
    assert_eq!(schemas["Simulation"][EXTENSION], Value::Bool(true));
    // Schemas only extension operations use are additions as a whole.
    assert_eq!(
        schemas["FlowRuntimeExecutionEntityListing"][EXTENSION],
        Value::Bool(true)
    );
    for genesys in [
        "Flow",
        "FlowRuntimeExecution",
        "ErrorBody",
        "FlowEntityListing",
    ] {
        assert_eq!(schemas[genesys][EXTENSION], Value::Null, "{genesys}");
    }
    assert_eq!(
        doc["paths"]["/api/v2/flows/{id}/executions"]["get"][EXTENSION],
        Value::Bool(true)
    );
    assert_eq!(doc["paths"]["/api/v2/flows"]["get"][EXTENSION], Value::Null);
}

#[test]
fn operations_declare_the_oauth_scheme_and_their_scopes() {
    let doc = doc();
    let scheme = &doc["components"]["securitySchemes"][SECURITY_SCHEME];
    assert_eq!(scheme["type"], "oauth2");
    let cc = &scheme["flows"]["clientCredentials"];
    assert_eq!(cc["tokenUrl"], "/oauth/token");
    for scope in [
        "admin",
        "architect",
        "flow:flow:read",
        "flow:flowmodule:write",
    ] {
        assert!(cc["scopes"].get(scope).is_some(), "scope {scope}");
    }
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            let public =
                path == "/oauth/token" || path == DOC_PATH || is_signed(path) || is_probe(path);
            let security = op["security"].as_array().cloned().unwrap_or_default();
            let scopes: Vec<&Value> = security
                .iter()
                .filter_map(|s| s.get(SECURITY_SCHEME))
                .collect();
            if public {
                assert!(scopes.is_empty(), "{method} {path} needs no token");
            } else {
                assert!(
                    scopes.iter().any(|s| !s.as_array().unwrap().is_empty()),
                    "{method} {path} names no scope"
                );
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path} documents no 401"
                );
            }
        }
    }
    let unlock = &doc["paths"]["/api/v2/flows/actions/unlock"]["post"]["security"];
    assert_eq!(unlock[0][SECURITY_SCHEME][0], "admin");
}
