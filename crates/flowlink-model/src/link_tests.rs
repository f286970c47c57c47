//! Unit tests for linking and unlinking in both dialects.

use serde_json::json;

use super::*;
use crate::graph::NodeKind;

fn changed(outcome: Result<LinkOutcome, ModelError>) -> WireLogic {
    match outcome {
        Ok(LinkOutcome::Changed(logic)) => logic,
        other => panic!("expected Changed, got {other:?}"),
    }
}

fn graph(logic: &WireLogic) -> &Value {
    match logic {
        WireLogic::Graph(definition) => definition,
        WireLogic::Actions(_) => panic!("expected graph logic"),
    }
}

fn actions(logic: &WireLogic) -> &Vec<Value> {
    match logic {
        WireLogic::Actions(actions) => actions,
        WireLogic::Graph(_) => panic!("expected action logic"),
    }
}

/// The entry node's id and module id if it is a module call.
fn entry_call(logic: &WireLogic) -> Option<(String, String, Option<u32>)> {
    let parsed = parse_wire(logic).expect("valid");
    let node = &parsed.graph.nodes[parsed.graph.entry?];
    match &node.kind {
        NodeKind::CallModule(call) => Some((node.id.clone(), call.module_id.clone(), call.version)),
        _ => None,
    }
}

fn calls(logic: &WireLogic) -> Vec<(String, Option<u32>)> {
    parse_wire(logic)
        .expect("valid")
        .module_calls()
        .map(|(_, c)| (c.module_id.clone(), c.version))
        .collect()
}

fn seed_flow() -> WireLogic {
    WireLogic::Graph(json!({
        "nodes": [
            {"id": "greet", "name": "Greet", "type": "playPrompt", "settings": {"prompt": {"text": "Hi"}}, "x-extra": 1},
            {"id": "bye", "name": "Bye", "type": "disconnect"}
        ],
        "edges": [
            {"id": "s", "source": "start", "target": "greet", "type": "default"},
            {"id": "e1", "source": "greet", "target": "bye", "type": "default"}
        ],
        "entry": {"nodeId": "greet"},
        "variables": []
    }))
}

#[test]
fn graph_link_puts_the_call_first_the_way_the_refusal_message_says() {
    let linked = changed(link_module(&seed_flow(), "m1", None, "Execute Shared Auth"));
    let def = graph(&linked);
    assert_eq!(def["entry"]["nodeId"], json!("call-m1"));
    let node = def["nodes"]
        .as_array()
        .and_then(|n| n.last())
        .expect("node");
    assert_eq!(
        *node,
        json!({"id": "call-m1", "name": "Execute Shared Auth", "type": "flowModule", "settings": {"flowModuleId": "m1", "version": null}})
    );
    let edges = def["edges"].as_array().expect("edges");
    assert!(edges
        .contains(&json!({"id": "s", "source": "start", "target": "call-m1", "type": "default"})));
    assert!(edges.contains(
        &json!({"id": "edge-call-m1", "source": "call-m1", "target": "greet", "type": "default"})
    ));
    assert_eq!(
        def["nodes"][0]["x-extra"],
        json!(1),
        "unknown fields survive"
    );
    assert_eq!(
        entry_call(&linked),
        Some(("call-m1".into(), "m1".into(), None))
    );
}

#[test]
fn graph_link_is_idempotent_and_updates_a_different_pin() {
    let linked = changed(link_module(&seed_flow(), "m1", Some(2), "Auth"));
    assert_eq!(
        link_module(&linked, "m1", Some(2), "Auth"),
        Ok(LinkOutcome::Unchanged)
    );
    let repinned = changed(link_module(&linked, "m1", Some(3), "Auth"));
    assert_eq!(calls(&repinned), vec![("m1".into(), Some(3))]);
    assert_eq!(
        graph(&repinned)["nodes"].as_array().map(Vec::len),
        Some(3),
        "no second call node"
    );
    let floated = changed(link_module(&repinned, "m1", None, "Auth"));
    assert_eq!(calls(&floated), vec![("m1".into(), None)]);
    assert_eq!(
        link_module(&floated, "m1", None, "Auth"),
        Ok(LinkOutcome::Unchanged)
    );
}

#[test]
fn graph_link_into_empty_and_entry_only_definitions() {
    let linked = changed(link_module(
        &WireLogic::Graph(json!({"nodes": [], "edges": []})),
        "m1",
        None,
        "Call",
    ));
    assert_eq!(
        entry_call(&linked),
        Some(("call-m1".into(), "m1".into(), None))
    );
    assert_eq!(graph(&linked)["edges"], json!([]));
    let linked = changed(link_module(
        &WireLogic::Graph(Value::Null),
        "m1",
        Some(1),
        "Call",
    ));
    assert_eq!(
        entry_call(&linked),
        Some(("call-m1".into(), "m1".into(), Some(1)))
    );
    let entry_only = WireLogic::Graph(
        json!({"nodes": [{"id": "bye", "type": "disconnect"}], "entry": {"nodeId": "bye"}}),
    );
    let linked = changed(link_module(&entry_only, "m1", None, "Call"));
    let parsed = parse_wire(&linked).expect("valid");
    let entry = parsed.graph.entry.expect("entry");
    assert_eq!(parsed.graph.nodes[entry].next, vec![(Outcome::Default, 0)]);
}

#[test]
fn graph_link_avoids_taken_ids() {
    let logic = WireLogic::Graph(
        json!({"nodes": [{"id": "call-m1", "type": "disconnect"}], "edges": [], "entry": {"nodeId": "call-m1"}}),
    );
    let linked = changed(link_module(&logic, "m1", None, "Call"));
    assert_eq!(entry_call(&linked).map(|c| c.0), Some("call-m1-2".into()));
}

#[test]
fn existing_seed_style_call_anywhere_counts_as_linked() {
    let logic = WireLogic::Graph(json!({
        "nodes": [{"id": "g", "type": "disconnect"}, {"id": "x", "type": "flowModule", "settings": {"flowModuleId": "m1"}}],
        "edges": [{"source": "x", "target": "g"}],
        "entry": {"nodeId": "x"}
    }));
    assert_eq!(
        link_module(&logic, "m1", None, "Call"),
        Ok(LinkOutcome::Unchanged)
    );
    let pinned = changed(link_module(&logic, "m1", Some(5), "Call"));
    assert_eq!(
        graph(&pinned)["nodes"][1]["settings"],
        json!({"flowModuleId": "m1", "version": 5})
    );
}

#[test]
fn graph_unlink_restores_the_original_logic() {
    let original = seed_flow();
    let linked = changed(link_module(&original, "m1", None, "Auth"));
    let unlinked = changed(unlink_module(&linked, "m1"));
    assert_eq!(parse_wire(&unlinked), parse_wire(&original));
    assert_eq!(unlink_module(&unlinked, "m1"), Ok(LinkOutcome::Unchanged));
}

#[test]
fn graph_unlink_reconnects_predecessors_to_success_then_default() {
    let logic = WireLogic::Graph(json!({
        "nodes": [
            {"id": "a", "type": "disconnect"},
            {"id": "c1", "type": "flowModule", "settings": {"flowModuleId": "m1"}},
            {"id": "c2", "type": "callFlow", "flow": {"id": "m1", "version": 2}},
            {"id": "ok", "type": "disconnect"},
            {"id": "fail", "type": "disconnect"},
            {"id": "d", "type": "decision", "settings": {"expression": "true"}}
        ],
        "edges": [
            {"source": "start", "target": "d"},
            {"source": "d", "target": "c1", "type": "true"},
            {"source": "d", "target": "a", "type": "false"},
            {"source": "c1", "target": "c2", "type": "success"},
            {"source": "c1", "target": "fail", "type": "default"},
            {"source": "c2", "target": "ok", "type": "default"},
            {"source": "c2", "target": "fail", "type": "failure"}
        ],
        "entry": {"nodeId": "d"}
    }));
    let unlinked = changed(unlink_module(&logic, "m1"));
    let def = graph(&unlinked);
    let ids: Vec<&str> = def["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["a", "ok", "fail", "d"]);
    // d --true--> c1 --success--> c2 --default--> ok, so d's true edge now goes to ok.
    assert!(def["edges"]
        .as_array()
        .expect("edges")
        .contains(&json!({"source": "d", "target": "ok", "type": "true"})));
    assert_eq!(calls(&unlinked), vec![]);
}

#[test]
fn graph_unlink_of_the_only_node_leaves_empty_logic() {
    let logic = WireLogic::Graph(json!({
        "nodes": [{"id": "c", "type": "flowModule", "settings": {"flowModuleId": "m1"}}],
        "edges": [{"source": "start", "target": "c"}],
        "entry": {"nodeId": "c"}
    }));
    let unlinked = changed(unlink_module(&logic, "m1"));
    assert_eq!(
        graph(&unlinked),
        &json!({"nodes": [], "edges": [], "entry": {"nodeId": null}})
    );
    assert_eq!(parse_wire(&unlinked).map(|l| l.graph.entry), Ok(None));
}

#[test]
fn actions_link_prepends_the_seed_001_call_flow() {
    let original = WireLogic::Actions(vec![
        json!({"type": "tagInteraction", "name": "Tag", "tags": ["x"]}),
    ]);
    let linked = changed(link_module(
        &original,
        "shared-1",
        None,
        "CallSharedCommonModule",
    ));
    assert_eq!(
        actions(&linked)[0],
        json!({"type": "callFlow", "name": "CallSharedCommonModule", "flow": {"id": "shared-1", "version": null}})
    );
    assert_eq!(actions(&linked).len(), 2);
    assert_eq!(
        entry_call(&linked),
        Some(("a0".into(), "shared-1".into(), None))
    );
    assert_eq!(
        link_module(&linked, "shared-1", None, "CallSharedCommonModule"),
        Ok(LinkOutcome::Unchanged)
    );
    let pinned = changed(link_module(
        &linked,
        "shared-1",
        Some(4),
        "CallSharedCommonModule",
    ));
    assert_eq!(
        actions(&pinned)[0]["flow"],
        json!({"id": "shared-1", "version": 4})
    );
    let unlinked = changed(unlink_module(&pinned, "shared-1"));
    assert_eq!(unlinked, original);
}

#[test]
fn actions_pin_update_and_unlink_reach_nested_branches() {
    let logic = WireLogic::Actions(vec![
        json!({"type": "decision", "expression": "true", "outputs": {
            "true": [{"type": "callFlow", "name": "Nested", "flow": {"id": "m1"}, "version": 7}, {"type": "disconnect"}]
        }}),
    ]);
    let pinned = changed(link_module(&logic, "m1", Some(2), "Call"));
    let nested = &actions(&pinned)[0]["outputs"]["true"][0];
    assert_eq!(nested["flow"], json!({"id": "m1", "version": 2}));
    assert!(
        nested.get("version").is_none(),
        "stale sibling version removed: {nested}"
    );
    let unlinked = changed(unlink_module(&pinned, "m1"));
    assert_eq!(
        actions(&unlinked)[0]["outputs"]["true"],
        json!([{"type": "disconnect"}])
    );
}

#[test]
fn linking_invalid_logic_or_an_empty_id_is_an_error() {
    let bad = WireLogic::Actions(vec![json!({"type": "nope"})]);
    assert_eq!(
        link_module(&bad, "m1", None, "C").map_err(|e| e.details[0].code.clone()),
        Err("unknown.node.type".into())
    );
    assert_eq!(
        unlink_module(&bad, "m1").map_err(|e| e.details[0].code.clone()),
        Err("unknown.node.type".into())
    );
    let e = link_module(&seed_flow(), "  ", None, "C").expect_err("empty id");
    assert_eq!(e.details[0].code, "missing.module.id");
}

#[test]
fn other_modules_are_left_alone() {
    let linked = changed(link_module(&seed_flow(), "m1", None, "A"));
    let both = changed(link_module(&linked, "m2", Some(1), "B"));
    assert_eq!(entry_call(&both).map(|c| c.1), Some("m2".into()));
    let only_m2 = changed(unlink_module(&both, "m1"));
    assert_eq!(calls(&only_m2), vec![("m2".into(), Some(1))]);
    let parsed = parse_wire(&only_m2).expect("valid");
    let entry = parsed.graph.entry.expect("entry");
    assert_eq!(
        parsed.graph.nodes[parsed.graph.nodes[entry].next[0].1].id,
        "greet"
    );
}
