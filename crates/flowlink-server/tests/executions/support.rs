//! Helpers for execution tests: a server without rate limit, creating modules and flows,
//! launching a simulated call and reading it back, and looking things up in a trace.

use flowlink_server::ServerConfig;
use serde_json::{json, Value};

use crate::common::TestServer;

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

/// The id of a 200 answer's body.
pub fn id_of(body: &Value) -> String {
    body["id"].as_str().expect("body has an id").to_string()
}

/// Creates a shared module on `/api/v2/flows/flowmodules`; returns its id.
pub async fn create_module(s: &TestServer, token: &str, body: Value) -> String {
    let r = s.post("/api/v2/flows/flowmodules", token, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    id_of(&r.body)
}

/// Creates a flow on `/api/v2/flows`; returns its id.
pub async fn create_flow(s: &TestServer, token: &str, body: Value) -> String {
    id_of(&s.create(token, body).await)
}

/// PUTs `body` (with the flow's current `version` added) to `/api/v2/flows/{id}`.
pub async fn put_flow(s: &TestServer, token: &str, id: &str, mut body: Value) -> Value {
    let current = s.get(&format!("/api/v2/flows/{id}"), token).await;
    assert_eq!(current.status, 200, "{}", current.body);
    body["version"] = current.body["version"].clone();
    let r = s.put(&format!("/api/v2/flows/{id}"), token, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// Launches a simulated call (asserting 200) and returns the launch response.
pub async fn launch(s: &TestServer, token: &str, request: Value) -> Value {
    let r = s.post("/api/v2/flows/executions", token, request).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// Reads an execution (asserting 200).
pub async fn execution(s: &TestServer, token: &str, id: &str) -> Value {
    let r = s
        .get(&format!("/api/v2/flows/executions/{id}"), token)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// Launches a call into `flow` with `simulation` and returns the full execution.
pub async fn call(s: &TestServer, token: &str, flow: &str, simulation: Value) -> Value {
    let launched = launch(
        s,
        token,
        json!({"flowId": flow, "name": "test call", "simulation": simulation}),
    )
    .await;
    execution(s, token, &id_of(&launched)).await
}

/// The trace steps of an execution.
pub fn steps(exec: &Value) -> &Vec<Value> {
    exec["trace"]["steps"].as_array().expect("trace has steps")
}

/// The events of one type, in order.
pub fn events<'a>(exec: &'a Value, event_type: &str) -> Vec<&'a Value> {
    steps(exec)
        .iter()
        .map(|s| &s["event"])
        .filter(|e| e["type"] == event_type)
        .collect()
}

/// Texts of the TTS prompts played, in order.
pub fn prompts(exec: &Value) -> Vec<String> {
    events(exec, "promptPlayed")
        .iter()
        .filter_map(|e| e["prompt"]["text"].as_str().map(str::to_string))
        .collect()
}

/// `(moduleId, version)` of every module frame entered, in order.
pub fn modules_entered(exec: &Value) -> Vec<(String, u64)> {
    events(exec, "moduleEnter")
        .iter()
        .map(|e| {
            (
                e["moduleId"].as_str().unwrap_or_default().to_string(),
                e["version"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Whether `actual` has every field `expected` has, recursively (arrays element-wise, same
/// length).
pub fn matches(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| matches(av, ev))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| matches(av, ev))
        }
        _ => actual == expected,
    }
}

/// Whether the `expected` step patterns occur in `steps` in this order (others may sit between).
pub fn in_order(steps: &[Value], expected: &[Value]) -> Result<(), String> {
    let mut rest = steps.iter();
    for pattern in expected {
        if !rest.any(|s| matches(s, pattern)) {
            return Err(format!("no step matching {pattern} (in order)"));
        }
    }
    Ok(())
}
