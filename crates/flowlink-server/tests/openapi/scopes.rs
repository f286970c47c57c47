//! Each operation's documented scopes are the scopes its handler checks, observed on a real
//! server rather than read from the source (the checks go through helpers whose scopes depend
//! on the flow's type, so only running them says what they accept).
//!
//! For every documented operation and every scope flowlink knows, a token holding only that
//! scope sends a well-formed request (one per kind of target the path accepts: an inbound
//! flow and a common module). The scope passes the handler's check unless the answer is 403
//! `missing.any.permissions`. The handler must accept exactly the scopes that imply one of
//! the operation's documented scopes (the document says broader scopes imply narrower ones).
//! Requests that change data run on fresh flows, so one scope's success (a delete) cannot
//! change what the next scope sees. A target the path does not serve (an inbound flow on the
//! `flowmodules` paths, 404 to the admin) is left out. The flow jobs' signed upload and
//! download URLs, the probes and the metrics take no token and are left out too (their signature is checked in
//! `tests/openapi/main.rs` and `tests/flow_jobs/`).

use std::collections::{BTreeMap, BTreeSet};

use flowlink_server::auth::scopes::ScopeSet;
use flowlink_server::openapi::{DOC_PATH, SECURITY_SCHEME};
use flowlink_server::testing::TestServer;
use flowlink_server::{create_client, ServerConfig};
use reqwest::Method;
use serde_json::{json, Value};

use crate::doc;

/// The flows one request works on.
struct World {
    flow: String,
    module: String,
}

/// One request: method, path and query, JSON body.
struct Request {
    method: Method,
    path: String,
    body: Option<Value>,
}

/// Which target a request template names.
#[derive(Clone, Copy, Debug)]
enum Target {
    Flow,
    Module,
    /// The path names no flow.
    None,
}

struct Harness {
    server: TestServer,
    http: reqwest::Client,
    admin: String,
    tokens: BTreeMap<String, String>,
    execution: String,
    /// An import and an export job the admin registered.
    import_job: String,
    export_job: String,
    names: std::sync::atomic::AtomicU32,
}

impl Harness {
    async fn send(&self, token: &str, r: &Request) -> (u16, Value) {
        let mut req = self
            .http
            .request(r.method.clone(), format!("{}{}", self.server.url, r.path))
            .bearer_auth(token);
        if let Some(body) = &r.body {
            req = req.json(body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    fn name(&self, what: &str) -> String {
        let n = self
            .names
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{what} {n}")
    }

    /// A published inbound flow calling a published module, both fresh.
    async fn world(&self) -> World {
        let module = self
            .create(json!({"name": self.name("Module"), "type": "commonmodule",
                "actions": [{"type": "tagInteraction", "name": "Tag", "tags": ["t"]}]}))
            .await;
        let flow = self
            .create(json!({"name": self.name("Flow"), "type": "inboundcall",
                "actions": [{"type": "callFlow", "name": "Call", "flow": {"id": module}},
                            {"type": "disconnect", "name": "Bye"}]}))
            .await;
        World { flow, module }
    }

    async fn create(&self, body: Value) -> String {
        let r = Request {
            method: Method::POST,
            path: "/api/v2/flows".into(),
            body: Some(body),
        };
        let (status, body) = self.send(&self.admin, &r).await;
        assert_eq!(status, 200, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }
}

/// The request templates of an operation: for each target, the request on `w`. Every
/// documented operation needs one (a new operation fails here until it has its template).
fn templates(h: &Harness, method: &str, path: &str, w: &World) -> Vec<(Target, Request)> {
    let (f, m) = (w.flow.as_str(), w.module.as_str());
    let req = |method: Method, path: String, body: Option<Value>| Request { method, path, body };
    let on_both = |method: Method, template: &str, body: Option<Value>| {
        vec![
            (
                Target::Flow,
                req(method.clone(), template.replace("{id}", f), body.clone()),
            ),
            (
                Target::Module,
                req(method, template.replace("{id}", m), body),
            ),
        ]
    };
    let none = |method: Method, path: &str, body: Option<Value>| {
        vec![(Target::None, req(method, path.to_owned(), body))]
    };
    let action = |name: &str| {
        vec![
            (
                Target::Flow,
                req(
                    Method::POST,
                    format!("/api/v2/flows/actions/{name}?flow={f}"),
                    None,
                ),
            ),
            (
                Target::Module,
                req(
                    Method::POST,
                    format!("/api/v2/flows/actions/{name}?flow={m}"),
                    None,
                ),
            ),
        ]
    };
    let deps = "/api/v2/architect/dependencytracking";
    match (method, path) {
        ("get", "/api/v2/flows") => vec![
            (
                Target::Flow,
                req(Method::GET, "/api/v2/flows?type=inboundcall".into(), None),
            ),
            (
                Target::Module,
                req(Method::GET, "/api/v2/flows?type=commonmodule".into(), None),
            ),
        ],
        ("post", "/api/v2/flows") => vec![
            (
                Target::Flow,
                req(
                    Method::POST,
                    path.into(),
                    Some(json!({"name": h.name("New flow"), "type": "inboundcall"})),
                ),
            ),
            (
                Target::Module,
                req(
                    Method::POST,
                    path.into(),
                    Some(json!({"name": h.name("New module"), "type": "commonmodule"})),
                ),
            ),
        ],
        ("get", "/api/v2/flows/flowmodules") => none(Method::GET, path, None),
        ("post", "/api/v2/flows/flowmodules") => none(
            Method::POST,
            path,
            Some(json!({"name": h.name("New module")})),
        ),
        (
            "get",
            "/api/v2/flows/{id}"
            | "/api/v2/flows/flowmodules/{id}"
            | "/api/v2/flows/{id}/versions"
            | "/api/v2/flows/{id}/latestconfiguration"
            | "/api/v2/flows/{id}/executions",
        ) => on_both(Method::GET, path, None),
        (
            "get",
            "/api/v2/flows/{id}/versions/{v}" | "/api/v2/flows/{id}/versions/{v}/configuration",
        ) => on_both(Method::GET, &path.replace("{v}", "1.0"), None),
        ("put", "/api/v2/flows/{id}" | "/api/v2/flows/flowmodules/{id}") => {
            on_both(Method::PUT, path, Some(json!({"name": h.name("Renamed")})))
        }
        ("delete", "/api/v2/flows/{id}" | "/api/v2/flows/flowmodules/{id}") => {
            on_both(Method::DELETE, path, None)
        }
        ("post", "/api/v2/flows/flowmodules/{id}/actions/link") => vec![(
            Target::Module,
            req(
                Method::POST,
                path.replace("{id}", m),
                Some(json!({"flowIds": [f]})),
            ),
        )],
        ("post", "/api/v2/flows/executions") => vec![(
            Target::Flow,
            req(
                Method::POST,
                path.into(),
                Some(json!({"flowId": f, "name": "scope check"})),
            ),
        )],
        ("get", "/api/v2/flows/executions") => none(Method::GET, path, None),
        ("get", "/api/v2/flows/executions/{id}") => {
            none(Method::GET, &path.replace("{id}", &h.execution), None)
        }
        ("post", "/api/v2/flows/actions/checkout") => action("checkout"),
        ("post", "/api/v2/flows/actions/checkin") => action("checkin"),
        ("post", "/api/v2/flows/actions/publish") => action("publish"),
        ("post", "/api/v2/flows/actions/revert") => action("revert"),
        ("post", "/api/v2/flows/actions/unlock") => action("unlock"),
        ("post", "/api/v2/flows/actions/deactivate") => action("deactivate"),
        ("get", p) if p == deps => none(Method::GET, &format!("{deps}?name=Module*"), None),
        ("get", p) if p == format!("{deps}/consumingresources") => none(
            Method::GET,
            &format!("{p}?id={m}&objectType=COMMONMODULEFLOW"),
            None,
        ),
        ("get", p) if p == format!("{deps}/consumedresources") => none(
            Method::GET,
            &format!("{p}?id={f}&version=1&objectType=INBOUNDCALLFLOW"),
            None,
        ),
        ("get", p) if p == format!("{deps}/object") => none(
            Method::GET,
            &format!("{p}?id={m}&objectType=COMMONMODULEFLOW"),
            None,
        ),
        ("get", p) if p == format!("{deps}/types/{{type_id}}") => none(
            Method::GET,
            &p.replace("{type_id}", "COMMONMODULEFLOW"),
            None,
        ),
        ("get" | "post", p) if p.starts_with(deps) => none(
            Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
            p,
            None,
        ),
        ("get", "/api/v2/organizations/me") => none(Method::GET, path, None),
        ("post", "/api/v2/flows/jobs") => none(Method::POST, path, Some(json!({}))),
        ("get", "/api/v2/flows/jobs/{jobId}") => none(
            Method::GET,
            &format!("{}?expand=messages", path.replace("{jobId}", &h.import_job)),
            None,
        ),
        ("post", "/api/v2/flows/export/jobs") => vec![(
            Target::Flow,
            req(
                Method::POST,
                path.into(),
                Some(json!({"flows": [{"flow": {"id": f}}]})),
            ),
        )],
        ("get", "/api/v2/flows/export/jobs/{jobId}") => {
            none(Method::GET, &path.replace("{jobId}", &h.export_job), None)
        }
        _ => panic!("{method} {path}: no request template in tests/openapi/scopes.rs; add one"),
    }
}

/// Whether the reply is the scope check's refusal.
fn refused(status: u16, body: &Value) -> bool {
    status == 403 && body["code"] == "missing.any.permissions"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_scopes_are_the_scopes_each_handler_checks() {
    let doc = doc();
    let known: Vec<String> = doc["components"]["securitySchemes"][SECURITY_SCHEME]["flows"]
        ["clientCredentials"]["scopes"]
        .as_object()
        .expect("the scheme's scopes")
        .keys()
        .cloned()
        .collect();
    assert!(known.len() >= 9, "{known:?}");
    let server = TestServer::start_with(
        ServerConfig {
            rate_limit_per_minute: 0,
            ..ServerConfig::default()
        },
        None,
    )
    .await;
    let http = reqwest::Client::new();
    let token_of = |id: String, secret: String| {
        let (http, url) = (http.clone(), server.url.clone());
        async move {
            let resp = http
                .post(format!("{url}/oauth/token"))
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .expect("token request");
            let body: Value = resp.json().await.expect("token body");
            body["access_token"].as_str().expect("a token").to_owned()
        }
    };
    let admin = token_of(server.client_id.clone(), server.client_secret.clone()).await;
    let mut tokens = BTreeMap::new();
    for scope in &known {
        let c = create_client(
            server.store.as_ref(),
            server.org_id,
            scope,
            std::slice::from_ref(scope),
            None,
        )
        .await
        .expect("a client");
        tokens.insert(
            scope.clone(),
            token_of(c.client_id.to_string(), c.client_secret).await,
        );
    }
    let mut h = Harness {
        server,
        http,
        admin,
        tokens,
        execution: String::new(),
        import_job: String::new(),
        export_job: String::new(),
        names: Default::default(),
    };
    let shared = h.world().await;
    let launch = Request {
        method: Method::POST,
        path: "/api/v2/flows/executions".into(),
        body: Some(json!({"flowId": shared.flow})),
    };
    let (status, body) = h.send(&h.admin, &launch).await;
    assert_eq!(status, 200, "{body}");
    h.execution = body["id"].as_str().expect("execution id").to_owned();
    let register = |path: &str, body: Value| Request {
        method: Method::POST,
        path: path.into(),
        body: Some(body),
    };
    let (status, body) = h
        .send(&h.admin, &register("/api/v2/flows/jobs", json!({})))
        .await;
    assert_eq!(status, 200, "{body}");
    h.import_job = body["id"].as_str().expect("import job id").to_owned();
    let (status, body) = h
        .send(
            &h.admin,
            &register(
                "/api/v2/flows/export/jobs",
                json!({"flows": [{"flow": {"id": shared.flow}}]}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    h.export_job = body["id"].as_str().expect("export job id").to_owned();

    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            // Public operations (the token endpoint, the document, the probes and metrics),
            // and the signed job URLs (authorised by their signature).
            if path == "/oauth/token"
                || path == DOC_PATH
                || crate::is_signed(path)
                || crate::is_probe(path)
            {
                continue;
            }
            let documented: BTreeSet<String> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s[SECURITY_SCHEME].as_array())
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect();
            let needed: Vec<&str> = documented.iter().map(String::as_str).collect();
            let changes = method != "get";
            let mut accepted = BTreeSet::new();
            let mut reached = false;
            let count = templates(&h, method, path, &shared).len();
            for i in 0..count {
                // Only targets the path serves: the admin gets no 404 there.
                let probe_world = if changes { Some(h.world().await) } else { None };
                let (target, probe) =
                    templates(&h, method, path, probe_world.as_ref().unwrap_or(&shared))
                        .swap_remove(i);
                if h.send(&h.admin, &probe).await.0 == 404 {
                    continue;
                }
                reached = true;
                for scope in &known {
                    // A request that changes data gets flows of its own.
                    let fresh = if changes { Some(h.world().await) } else { None };
                    let (_, request) =
                        templates(&h, method, path, fresh.as_ref().unwrap_or(&shared))
                            .swap_remove(i);
                    let (status, body) = h.send(&h.tokens[scope], &request).await;
                    if !refused(status, &body) {
                        accepted.insert(scope.clone());
                    }
                    if status == 500 {
                        problems.push(format!(
                            "{method} {path} ({target:?}) with {scope}: 500 {body}"
                        ));
                    }
                }
            }
            assert!(
                reached,
                "{method} {path}: no request template reached the handler"
            );
            let expected: BTreeSet<String> = known
                .iter()
                .filter(|s| ScopeSet::from_granted(&[s.as_str()]).any(&needed))
                .cloned()
                .collect();
            if accepted != expected {
                problems.push(format!(
                    "{method} {path}: documented {documented:?}, so a token with only one of \
                     {expected:?} should pass, but the handler lets through {accepted:?}"
                ));
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} operations checked");
    assert!(
        problems.is_empty(),
        "documented scopes differ from the scopes the handlers check:\n{}",
        problems.join("\n")
    );
}
