//! Linking a module into 1,000 flows, model side only: Archy text edits (`link_archy`) against
//! the graph-dialect transform (`link_module`) on flows of the same number of actions. Prints
//! figures; asserts nothing about speed (the target: Archy within 2x of graph). Run with
//! `cargo bench -p flowlink-model --bench link`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use flowlink_model::archy::{link_archy, parse_archy};
use flowlink_model::link::{link_module, WireLogic};
use serde_json::{json, Value};

const FLOWS: usize = 1000;

fn corpus_file(name: &str) -> String {
    let dir = match std::env::var_os("FLOWLINK_ARCHY_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("../../../shared/archy-corpus"),
    };
    std::fs::read_to_string(dir.join(name)).expect("corpus file")
}

/// A graph-dialect flow of `n` setData nodes in a chain.
fn graph_flow(n: usize) -> Value {
    let nodes: Vec<Value> = (0..n)
        .map(|i| json!({"id": format!("n{i}"), "name": format!("Step {i}"), "type": "setData",
                         "settings": {"data": [{"key": format!("k{i}"), "value": {"expression": "Call.Ani"}}]}}))
        .collect();
    let edges: Vec<Value> = (1..n)
        .map(|i| json!({"id": format!("e{i}"), "source": format!("n{}", i - 1), "target": format!("n{i}")}))
        .collect();
    json!({"nodes": nodes, "edges": edges, "entry": {"nodeId": "n0"}})
}

fn main() {
    let archy = corpus_file(
        "GenesysCloudBlueprints__design-architect-flow-data-actions-for-resiliency__blueprint__src__CacheExampleFlow.yaml",
    );
    let actions = parse_archy(&archy).expect("parses").logic.graph.nodes.len();
    let graph = WireLogic::Graph(graph_flow(actions));

    let start = Instant::now();
    for _ in 0..FLOWS {
        black_box(link_module(black_box(&graph), "module-1", None, "Shared").expect("links"));
    }
    let graph_time = start.elapsed();

    let start = Instant::now();
    for _ in 0..FLOWS {
        black_box(link_archy(black_box(&archy), "Shared Module").expect("links"));
    }
    let archy_time = start.elapsed();

    let start = Instant::now();
    for _ in 0..FLOWS {
        black_box(flowlink_model::archy::yaml::parse_yaml(black_box(&archy)).expect("yaml"));
    }
    let yaml_time = start.elapsed();
    let start = Instant::now();
    for _ in 0..FLOWS {
        black_box(parse_archy(black_box(&archy)).expect("parses"));
    }
    let parse_time = start.elapsed();
    println!("  (reading alone: YAML tree {yaml_time:?}, whole flow {parse_time:?})");
    println!("link into {FLOWS} flows of {actions} nodes (model only):");
    println!("  graph dialect: {graph_time:?}");
    println!(
        "  archy text:    {archy_time:?} ({:.2}x graph)",
        archy_time.as_secs_f64() / graph_time.as_secs_f64()
    );
}
