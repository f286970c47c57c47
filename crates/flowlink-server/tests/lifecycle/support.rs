//! Helpers for lifecycle tests: a server without rate limit, named OAuth clients, the action
//! POSTs with the SDKs' body quirks, and modules/flows whose logic calls a module floating or
//! pinned.

use flowlink_server::{create_client, ServerConfig};
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};

use crate::common::{reply, Reply, TestServer};

/// A server with the rate limit off (these tests make many calls with one token).
pub async fn server() -> TestServer {
    TestServer::start_with(
        ServerConfig {
            rate_limit_per_minute: 0,
            ..ServerConfig::default()
        },
        None,
    )
    .await
}

/// An OAuth client of the test organization and a token for it.
pub struct Client {
    pub id: String,
    pub name: String,
    pub token: String,
}

/// A new client named `name` with `scopes`, logged in.
pub async fn client(s: &TestServer, name: &str, scopes: &[&str]) -> Client {
    let scopes: Vec<String> = scopes.iter().map(|x| x.to_string()).collect();
    let c = create_client(s.store.as_ref(), s.org_id, name, &scopes, None)
        .await
        .unwrap();
    let id = c.client_id.to_string();
    let token = s.token_for(&id, &c.client_secret).await;
    Client {
        id,
        name: name.to_string(),
        token,
    }
}

/// How an action POST carries its (absent) body.
#[derive(Debug, Clone, Copy)]
pub enum Quirk {
    /// Python SDK: `Content-Type: application/json`, body `null`.
    NullBody,
    /// JS SDK: `Content-Type: application/json`, empty body.
    EmptyBody,
    /// No body and no content type.
    Bare,
}

/// `POST /api/v2/flows/actions/{action}?{query}` the way an SDK sends it.
pub async fn action_with(
    s: &TestServer,
    token: &str,
    action: &str,
    query: &str,
    quirk: Quirk,
) -> Reply {
    let mut req = s
        .http
        .post(format!("{}/api/v2/flows/actions/{action}?{query}", s.base))
        .bearer_auth(token);
    req = match quirk {
        Quirk::NullBody => req.header(CONTENT_TYPE, "application/json").body("null"),
        Quirk::EmptyBody => req.header(CONTENT_TYPE, "application/json"),
        Quirk::Bare => req,
    };
    reply(req.send().await.unwrap()).await
}

/// An action on `flow` with the Python SDK's `null` body.
pub async fn action(s: &TestServer, token: &str, action: &str, flow: &str) -> Reply {
    action_with(s, token, action, &format!("flow={flow}"), Quirk::NullBody).await
}

/// An action that must succeed; returns its body.
pub async fn ok(s: &TestServer, token: &str, name: &str, flow: &str) -> Value {
    let r = action(s, token, name, flow).await;
    assert_eq!(r.status, 200, "{name}: {}", r.body);
    r.body
}

/// Module logic that records which version ran in participant data.
pub fn marking(mark: &str) -> Value {
    json!([{"type": "setData", "name": "Mark", "data": [{"key": "ran", "value": mark}]}])
}

/// Logic that calls `module` (floating when `pin` is `None`) and transfers.
pub fn calling(module: &str, pin: Option<u32>) -> Value {
    json!([
        {"type": "callFlow", "name": "Shared", "flow": {"id": module, "version": pin}},
        {"type": "transferToAcd", "name": "To Main", "queue": "Main"}
    ])
}

/// Logic that calls nothing.
pub fn plain() -> Value {
    json!([{"type": "transferToAcd", "name": "To Main", "queue": "Main"}])
}

/// Creates a module whose logic marks `mark`; returns its id.
pub async fn module(s: &TestServer, token: &str, name: &str, mark: &str) -> String {
    let r = s
        .post(
            "/api/v2/flows/flowmodules",
            token,
            json!({"name": name, "actions": marking(mark)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// Creates a flow of `flow_type` with `actions`; returns its id.
pub async fn flow(
    s: &TestServer,
    token: &str,
    name: &str,
    flow_type: &str,
    actions: Value,
) -> String {
    let b = s
        .create(
            token,
            json!({"name": name, "type": flow_type, "actions": actions}),
        )
        .await;
    b["id"].as_str().unwrap().to_string()
}

/// `GET /api/v2/flows/{id}` (asserting 200).
pub async fn get(s: &TestServer, token: &str, id: &str) -> Value {
    let r = s.get(&format!("/api/v2/flows/{id}"), token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// PUTs new logic (with the flow's current `version`); returns the raw reply.
pub async fn put_logic(s: &TestServer, token: &str, id: &str, actions: Value) -> Reply {
    let current = s.get(&format!("/api/v2/flows/{id}"), token).await;
    let version = current.body["version"].clone();
    s.put(
        &format!("/api/v2/flows/{id}"),
        token,
        json!({"version": version, "actions": actions}),
    )
    .await
}

/// Runs a simulated call into `flow`; returns the execution.
pub async fn run(s: &TestServer, token: &str, flow: &str) -> Value {
    let r = s
        .post(
            "/api/v2/flows/executions",
            token,
            json!({"flowId": flow, "name": "lifecycle test"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    let e = s
        .get(&format!("/api/v2/flows/executions/{id}"), token)
        .await;
    assert_eq!(e.status, 200, "{}", e.body);
    e.body
}

/// What the module marked during a call (`None` if it did not run).
pub fn mark(exec: &Value) -> Option<String> {
    exec["trace"]["participantData"]["ran"]
        .as_str()
        .map(str::to_string)
}

/// `publishedVersion.id`, `savedVersion.id`, `checkedInVersion.id` of a flow body.
pub fn pointers(flow: &Value) -> (Value, Value, Value) {
    (
        flow["publishedVersion"]["id"].clone(),
        flow["savedVersion"]["id"].clone(),
        flow["checkedInVersion"]["id"].clone(),
    )
}
