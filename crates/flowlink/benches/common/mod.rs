//! What the loopback benches (`compare`, `link`) share: the binary's allocator, a server on a
//! chosen store with the rate limit off, and the graph-dialect flows they create.

use std::sync::Arc;

use flowlink_server::ServerConfig;
use flowlink_store::Store;
use serde_json::{json, Value};

/// The allocator of the `flowlink` binary, so the server measured here allocates as it does there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A server on `store` (rate limit off) on a free loopback port: `(url, client id, secret)`.
pub async fn start_server(store: Arc<dyn Store>) -> (String, String, String) {
    let config = ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    };
    flowlink_server::testing::serve_fresh_store(store, config).await
}

/// A graph-dialect definition: `n - 1` setData nodes in a chain, then a transfer.
pub fn graph_definition(n: usize) -> Value {
    let mut nodes: Vec<Value> = (0..n.saturating_sub(1))
        .map(|i| json!({"id": format!("n{i}"), "name": format!("Step {i}"), "type": "setData",
                         "settings": {"data": [{"key": format!("k{i}"), "value": {"expression": "Call.Ani"}}]}}))
        .collect();
    nodes.push(
        json!({"id": format!("n{}", nodes.len()), "name": "Queue", "type": "transferToAcd",
                      "settings": {"queue": "Support"}}),
    );
    let mut edges = vec![json!({"id": "e0", "source": "start", "target": "n0", "type": "default"})];
    edges.extend((1..nodes.len()).map(|i| {
        json!({"id": format!("e{i}"), "source": format!("n{}", i - 1), "target": format!("n{i}"), "type": "default"})
    }));
    json!({"nodes": nodes, "edges": edges, "entry": {"nodeId": "n0"}})
}
