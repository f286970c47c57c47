//! Every flow and module of the engine's JSON fixtures (both JSON dialects) exports to Archy
//! YAML that re-imports to logic that behaves the same (`same_behavior`): the bridge from
//! flowlink to a real Genesys org.

use std::path::PathBuf;

use flowlink_model::archy::{export_archy, parse_archy, same_behavior};
use flowlink_model::{parse_actions, parse_definition, FlowLogic};
use serde_json::Value;

fn logic_of(doc: &Value) -> Option<FlowLogic> {
    if let Some(def) = doc.get("definition") {
        return parse_definition(def).ok();
    }
    let actions = doc.get("actions")?;
    parse_actions(actions, doc.get("variables")).ok()
}

/// Every logic document (flows and module versions) in the engine fixtures.
fn fixture_logic() -> Vec<(String, FlowLogic, &'static str)> {
    let dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../flowlink-engine/tests/fixtures");
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("engine fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".expected.json")
        })
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
            .expect("fixture JSON");
        if let Some(logic) = doc.get("flow").and_then(logic_of) {
            out.push((format!("{name} flow"), logic, "INBOUNDCALL"));
        }
        for (id, module) in doc
            .get("modules")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (v, version) in module
                .get("versions")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(logic) = logic_of(version) {
                    out.push((format!("{name} module {id} v{v}"), logic, "COMMONMODULE"));
                }
            }
        }
    }
    out
}

#[test]
fn json_dialect_flows_export_to_archy_that_behaves_the_same() {
    let all = fixture_logic();
    assert!(
        all.len() >= 20,
        "expected the engine fixtures' flows, found {}",
        all.len()
    );
    let mut failures = Vec::new();
    for (name, logic, flow_type) in &all {
        let result = export_archy(logic, flow_type, "Exported")
            .map_err(|e| format!("export: {e}"))
            .and_then(|yaml| {
                let flow = parse_archy(&yaml).map_err(|e| format!("re-import: {e}\n{yaml}"))?;
                same_behavior(logic, &flow.logic).map_err(|e| format!("{e}\n{yaml}"))
            });
        if let Err(e) = result {
            failures.push(format!("{name}: {e}"));
        }
    }
    // The comparison is not vacuous: a flow differs from another.
    let differing = all
        .windows(2)
        .filter(|w| same_behavior(&w[0].1, &w[1].1).is_err())
        .count();
    assert!(
        differing > 0,
        "same_behavior finds no difference between any two fixture flows"
    );
    println!(
        "archy export of JSON-dialect logic: {}/{} behave the same",
        all.len() - failures.len(),
        all.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn deeply_nested_branches_export_as_tasks_and_behave_the_same() {
    // 300 decisions, each one's `true` edge the only way into the next: naive inlining would
    // nest 300 levels deep.
    let n = 300;
    let mut nodes: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"id": format!("d{i}"), "type": "decision", "settings": {"expression": "Call.Ani == \"1\""}}))
        .collect();
    nodes.push(serde_json::json!({"id": "end", "type": "disconnect"}));
    let mut edges: Vec<Value> = (0..n - 1)
        .map(|i| serde_json::json!({"source": format!("d{i}"), "target": format!("d{}", i + 1), "type": "true"}))
        .collect();
    edges.push(
        serde_json::json!({"source": format!("d{}", n - 1), "target": "end", "type": "true"}),
    );
    let logic = parse_definition(&serde_json::json!({
        "nodes": nodes, "edges": edges, "entry": {"nodeId": "d0"}
    }))
    .expect("valid graph");
    let yaml = export_archy(&logic, "INBOUNDCALL", "Deep").expect("exports");
    let flow = parse_archy(&yaml).expect("re-imports within the YAML depth limit");
    same_behavior(&logic, &flow.logic).expect("behaves the same");
}
