//! Test harness: the shared real server (`flowlink_server::testing`: in-process on
//! 127.0.0.1:0 with a throw-away store, SQLite or a fresh PostgreSQL schema with
//! `FLOWLINK_TEST_BACKEND=postgres`), a typed client for setting up fixtures, and a runner for
//! the built `flowlink` binary pointed at that server.

#![allow(dead_code, clippy::unwrap_used)]

pub mod link_race;

use std::process::Output;

use serde_json::{json, Value};

use flowlink_client::api::{Flow, FlowType, FlowWrite};
use flowlink_client::{Client, LogicDoc};
use flowlink_server::{testing, ServerConfig};

/// The shared real server (`flowlink_server::testing`), with a typed client and a runner for
/// the built binary; `url` and the bootstrap credentials come from the server.
pub struct TestServer(testing::TestServer);

impl std::ops::Deref for TestServer {
    type Target = testing::TestServer;

    fn deref(&self) -> &testing::TestServer {
        &self.0
    }
}

impl TestServer {
    /// Starts a server; `rate_limit_per_minute` 0 turns the limit off.
    pub async fn start(rate_limit_per_minute: u32) -> TestServer {
        let config = ServerConfig {
            rate_limit_per_minute,
            ..ServerConfig::default()
        };
        TestServer(testing::TestServer::start_with(config, None).await)
    }

    /// A new client (its own token, so its own rate budget).
    pub fn client(&self) -> Client {
        Client::new(&self.url, &self.client_id, &self.client_secret).unwrap()
    }

    /// Runs the `flowlink` binary with `args` against this server.
    pub async fn cli(&self, args: &[&str]) -> Run {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_flowlink"))
            .args(args)
            .env("GENESYS_ENV_URL", &self.url)
            .env("GENESYS_CLIENT_ID", &self.client_id)
            .env("GENESYS_CLIENT_SECRET", &self.client_secret)
            .env_remove("FLOWLINK_DATA_DIR")
            .output()
            .await
            .unwrap();
        Run::from(out)
    }
}

/// What a binary run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// The stdout as JSON (panics with the whole run when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

/// An inbound flow in the graph dialect: a prompt, then a transfer.
pub fn graph_flow(name: &str) -> LogicDoc {
    LogicDoc::Graph(json!({
        "nodes": [
            {"id": "welcome", "name": "Welcome", "type": "playPrompt",
             "settings": {"prompt": {"text": format!("Welcome to {name}"), "locale": "en-US"}}},
            {"id": "queue", "name": "Queue", "type": "transferToAcd", "settings": {"queue": "Support"}}
        ],
        "edges": [{"id": "e1", "source": "welcome", "target": "queue", "type": "default"}],
        "entry": {"nodeId": "welcome"}
    }))
}

/// An inbound flow in the action-list dialect.
pub fn action_flow(name: &str) -> LogicDoc {
    LogicDoc::Actions {
        actions: vec![
            json!({"type": "playPrompt", "name": "Greeting", "prompt": {"text": format!("Hi, {name}")}}),
            json!({"type": "transferToAcd", "name": "Queue", "queue": "Sales"}),
        ],
        variables: None,
    }
}

/// A module's logic: tag the interaction with `tag`.
pub fn tag_module(tag: &str) -> LogicDoc {
    LogicDoc::Actions {
        actions: vec![json!({"type": "tagInteraction", "name": "Tag", "tags": [tag]})],
        variables: None,
    }
}

/// Creates a flow of `flow_type` with `logic`.
pub async fn create_flow(c: &Client, name: &str, flow_type: FlowType, logic: &LogicDoc) -> Flow {
    let mut body = FlowWrite {
        name: Some(name.into()),
        flow_type: Some(flow_type),
        ..Default::default()
    };
    logic.apply_to(&mut body);
    c.create_flow(&body).await.unwrap()
}

/// The module calls in a flow's logic: `(module id, pinned version)` in document order.
pub fn calls(f: &Flow) -> Vec<(String, Option<u64>)> {
    fn version(v: Option<&Value>) -> Option<u64> {
        match v {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim_end_matches(".0").parse().ok(),
            _ => None,
        }
    }
    let mut out = Vec::new();
    if let Some(nodes) = f
        .definition
        .as_ref()
        .and_then(|d| d.get("nodes"))
        .and_then(Value::as_array)
    {
        for n in nodes {
            let t = n.get("type").and_then(Value::as_str).unwrap_or("");
            if t == "flowModule" || t == "callCommonModule" {
                let s = &n["settings"];
                out.push((
                    s["flowModuleId"].as_str().unwrap_or("").to_string(),
                    version(s.get("version")),
                ));
            }
        }
    }
    if let Some(actions) = f.actions.as_ref().and_then(Value::as_array) {
        for a in actions {
            let t = a.get("type").and_then(Value::as_str).unwrap_or("");
            if t == "callFlow" || t == "callCommonModule" {
                let r = &a["flow"];
                out.push((
                    r["id"].as_str().unwrap_or("").to_string(),
                    version(r.get("version")),
                ));
            }
        }
    }
    out
}

/// Whether the flow's entry (graph) or first action (list) calls `module_id`.
pub fn entry_calls(f: &Flow, module_id: &str) -> bool {
    if let Some(entry) = f
        .definition
        .as_ref()
        .and_then(|d| d["entry"]["nodeId"].as_str())
    {
        let nodes = f
            .definition
            .as_ref()
            .and_then(|d| d["nodes"].as_array())
            .cloned()
            .unwrap_or_default();
        if let Some(n) = nodes.iter().find(|n| n["id"].as_str() == Some(entry)) {
            return n["settings"]["flowModuleId"].as_str() == Some(module_id);
        }
    }
    f.actions
        .as_ref()
        .and_then(|a| a.get(0))
        .is_some_and(|a| a["flow"]["id"].as_str() == Some(module_id))
}
