//! Simulated calls per second over HTTP: the engine benchmark's 20-node inbound flow calling a
//! 10-node module (`crates/flowlink-engine/benches/calls.rs`), created through the API and
//! launched with `POST /api/v2/flows/executions` against an in-process server (SQLite in a
//! temp dir, rate limit off) — one caller at a time, then 8 concurrent callers. Each call is
//! a full launch: load + prefetch, engine run with a full trace, execution row written
//! (durably: SQLite group commit, answered after the WAL fsync). Prints figures; asserts only
//! that calls succeed.
//! Run with `cargo bench -p flowlink-server --bench executions`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use flowlink_server::{bootstrap, AppState, ServerConfig};
use flowlink_store::SqliteStore;
use serde_json::{json, Value};

/// A graph-dialect definition from `(id, type, settings)` nodes and `(from, to, type)` edges;
/// the first node is the entry.
fn definition(
    nodes: &[(&str, &str, Value)],
    edges: &[(&str, &str, &str)],
    variables: Value,
) -> Value {
    let nodes: Vec<Value> = nodes
        .iter()
        .map(|(id, ty, settings)| json!({"id": id, "name": id, "type": ty, "settings": settings}))
        .collect();
    let mut all_edges = vec![
        json!({"id": "e-start", "source": "start", "target": nodes[0]["id"], "type": "default"}),
    ];
    all_edges.extend(edges.iter().enumerate().map(|(i, (from, to, ty))| {
        json!({"id": format!("e{i}"), "source": from, "target": to, "type": ty})
    }));
    json!({"nodes": nodes, "edges": all_edges, "entry": {"nodeId": nodes[0]["id"]}, "variables": variables})
}

fn set(key: &str, value: Value) -> Value {
    json!({"data": [{"key": key, "value": value}]})
}

fn module_definition() -> Value {
    definition(
        &[
            ("m1", "setData", set("auth_status", json!("pending"))),
            (
                "m2",
                "tagInteraction",
                json!({"tags": ["common-module-executed"]}),
            ),
            (
                "m3",
                "playPrompt",
                json!({"prompt": {"text": "This is a message from the shared common module.", "locale": "en-US"}}),
            ),
            (
                "m4",
                "setData",
                set(
                    "Common.isVip",
                    json!({"expression": "Contains(Common.customerId, \"+1555\")"}),
                ),
            ),
            ("m5", "decision", json!({"expression": "Common.isVip"})),
            ("m6", "setData", set("segment", json!("vip"))),
            ("m7", "setData", set("segment", json!("standard"))),
            ("m8", "tagInteraction", json!({"tags": ["auth-checked"]})),
            ("m9", "setData", set("auth_status", json!("verified"))),
            ("m10", "setData", set("Common.result", json!("ok"))),
        ],
        &[
            ("m1", "m2", "default"),
            ("m2", "m3", "default"),
            ("m3", "m4", "default"),
            ("m4", "m5", "default"),
            ("m5", "m6", "true"),
            ("m5", "m7", "false"),
            ("m6", "m8", "default"),
            ("m7", "m8", "default"),
            ("m8", "m9", "default"),
            ("m9", "m10", "default"),
        ],
        json!([
            {"name": "Common.customerId", "type": "string", "input": true},
            {"name": "Common.isVip", "type": "boolean", "output": true, "defaultValue": false},
            {"name": "Common.result", "type": "string", "output": true}
        ]),
    )
}

fn flow_definition(module_id: &str) -> Value {
    let tag = |t: &str| json!({"tags": [t]});
    let say = |t: &str| json!({"prompt": {"text": t, "locale": "en-US"}});
    let queue = |q: &str| json!({"queue": q});
    definition(
        &[
            (
                "f1",
                "flowModule",
                json!({
                    "flowModuleId": module_id,
                    "inputMappings": [{"name": "customerId", "value": {"expression": "Call.Ani"}}],
                    "outputMappings": [{"name": "Common.isVip", "variable": "Flow.isVip"}]
                }),
            ),
            ("f2", "setData", set("call_reason", json!("billing"))),
            ("f3", "tagInteraction", tag("inbound")),
            ("f4", "playPrompt", say("Welcome to Acme.")),
            ("f5", "setData", set("Flow.attempts", json!(0))),
            (
                "f6",
                "decision",
                json!({"expression": "Flow.isVip == true"}),
            ),
            ("f7", "transferToAcd", queue("VIP")),
            ("f8", "setData", set("language", json!("en-US"))),
            ("f9", "playPrompt", say("Press 1 for sales, 2 for support.")),
            ("f10", "collectInput", json!({"digits": 1})),
            ("f11", "setData", set("dept", json!("sales"))),
            ("f12", "tagInteraction", tag("sales")),
            ("f13", "transferToAcd", queue("Sales")),
            ("f14", "setData", set("dept", json!("support"))),
            ("f15", "tagInteraction", tag("support")),
            ("f16", "transferToAcd", queue("Support")),
            ("f17", "playPrompt", say("Sorry.")),
            ("f18", "setData", set("dept", json!("general"))),
            ("f19", "tagInteraction", tag("general")),
            ("f20", "transferToAcd", queue("General")),
        ],
        &[
            ("f1", "f2", "success"),
            ("f2", "f3", "default"),
            ("f3", "f4", "default"),
            ("f4", "f5", "default"),
            ("f5", "f6", "default"),
            ("f6", "f7", "true"),
            ("f6", "f8", "false"),
            ("f8", "f9", "default"),
            ("f9", "f10", "default"),
            ("f10", "f11", "dtmf:1"),
            ("f10", "f14", "dtmf:2"),
            ("f10", "f17", "default"),
            ("f11", "f12", "default"),
            ("f12", "f13", "default"),
            ("f14", "f15", "default"),
            ("f15", "f16", "default"),
            ("f17", "f18", "default"),
            ("f18", "f19", "default"),
            ("f19", "f20", "default"),
        ],
        json!([
            {"name": "Flow.isVip", "type": "boolean", "output": true},
            {"name": "Flow.attempts", "type": "integer"}
        ]),
    )
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn post(&self, path: &str, body: &Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request sent");
        let status = r.status();
        let body: Value = r.json().await.expect("JSON answer");
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

/// Launches calls from `callers` concurrent loops for about `budget`; returns calls/second.
async fn rate(api: &Arc<Api>, launch: &Arc<Value>, callers: usize, budget: Duration) -> f64 {
    let start = Instant::now();
    let loops: Vec<_> = (0..callers)
        .map(|_| {
            let (api, launch) = (Arc::clone(api), Arc::clone(launch));
            tokio::spawn(async move {
                let mut calls = 0u64;
                while start.elapsed() < budget {
                    api.post("/api/v2/flows/executions", &launch).await;
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let mut calls = 0;
    for l in loops {
        calls += l.await.expect("caller loop");
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

async fn bench() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.expect("store"));
    let creds = bootstrap(store.as_ref())
        .await
        .expect("bootstrap")
        .expect("fresh store has no client yet");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(flowlink_server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(creds.client_id.to_string(), Some(&creds.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    let api = Arc::new(Api {
        http,
        base,
        token: token["access_token"].as_str().expect("token").to_string(),
    });
    let module = api
        .post(
            "/api/v2/flows/flowmodules",
            &json!({"name": "Shared Auth", "definition": module_definition()}),
        )
        .await;
    let module_id = module["id"].as_str().expect("module id");
    let flow = api
        .post(
            "/api/v2/flows",
            &json!({"name": "Bench Inbound", "type": "inboundcall", "definition": flow_definition(module_id)}),
        )
        .await;
    let launch = Arc::new(json!({
        "flowId": flow["id"],
        "name": "bench",
        "simulation": {"ani": "+14440000", "dnis": "+18005550199", "digits": ["2"]}
    }));

    // One checked call: the flow runs where the engine benchmark says it does.
    let launched = api.post("/api/v2/flows/executions", &launch).await;
    let exec: Value = api
        .http
        .get(format!(
            "{}/api/v2/flows/executions/{}",
            api.base,
            launched["id"].as_str().expect("execution id")
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("get execution")
        .json()
        .await
        .expect("execution JSON");
    assert_eq!(
        exec["trace"]["outcome"],
        json!({"type": "transferred", "queue": "Support"})
    );
    println!(
        "flow: 20 nodes + 10-node module over HTTP; this call runs {} actions, {} trace steps",
        exec["trace"]["actionCount"],
        exec["trace"]["steps"].as_array().map_or(0, Vec::len)
    );

    let budget = Duration::from_secs(3);
    rate(&api, &launch, 2, Duration::from_millis(500)).await; // warm-up
    let sequential = rate(&api, &launch, 1, budget).await;
    let concurrent = rate(&api, &launch, 8, budget).await;
    println!(
        "HTTP, 1 caller    : {sequential:>9.0} calls/s  ({:.2} ms/call)",
        1e3 / sequential
    );
    println!(
        "HTTP, 8 callers   : {concurrent:>9.0} calls/s  ({:.2} ms/call each)",
        8e3 / concurrent
    );
    println!("(each call: launch, engine run with full trace, durable SQLite insert)");

    let _ = stop.send(());
    let _ = server.await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}
