//! Unit tests for the action-list dialect (seed 001 shapes, nested branches, refusals).

use serde_json::json;

use super::*;
use crate::graph::{ModuleCall, Prompt, ValueSource};
use crate::KNOWN_NODE_TYPES;

fn ok(actions: Value) -> FlowLogic {
    match parse_actions(&actions, None) {
        Ok(logic) => logic,
        Err(e) => panic!("actions should parse: {e:?}"),
    }
}

fn fails(actions: Value) -> ModelError {
    match parse_actions(&actions, None) {
        Ok(logic) => panic!("actions should be refused but parsed: {logic:?}"),
        Err(e) => e,
    }
}

fn detail<'a>(e: &'a ModelError, code: &str, node: &str) -> &'a Diagnostic {
    e.details
        .iter()
        .find(|d| d.code == code && d.node.as_deref() == Some(node))
        .unwrap_or_else(|| panic!("expected a {code} detail naming {node}, got {e:#?}"))
}

fn tag(name: &str) -> Value {
    json!({"type": "tagInteraction", "name": name, "tags": [name]})
}

/// `(id, [(outcome, target id)])` per node, for compact structural assertions.
fn shape_of(logic: &FlowLogic) -> Vec<(String, Vec<(String, String)>)> {
    let nodes = &logic.graph.nodes;
    nodes
        .iter()
        .map(|n| {
            (
                n.id.clone(),
                n.next
                    .iter()
                    .map(|(o, i)| (o.as_wire(), nodes[*i].id.clone()))
                    .collect(),
            )
        })
        .collect()
}

fn s(id: &str, next: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    (
        id.to_string(),
        next.iter()
            .map(|(o, t)| (o.to_string(), t.to_string()))
            .collect(),
    )
}

#[test]
fn seed_001_common_module_tags_and_plays() {
    let logic = ok(json!([
        {"type": "tagInteraction", "name": "TagInteraction", "tags": ["common-module-executed"]},
        {"type": "playPrompt", "name": "PlaySharedMessage", "prompt": {"text": "This is a message from the shared common module.", "locale": "en-US"}}
    ]));
    assert_eq!(logic.dialect, Dialect::Actions);
    assert_eq!(logic.graph.entry, Some(0));
    assert_eq!(
        shape_of(&logic),
        vec![s("a0", &[("default", "a1")]), s("a1", &[])]
    );
    assert_eq!(logic.graph.nodes[0].name, "TagInteraction");
    assert_eq!(
        logic.graph.nodes[0].kind,
        NodeKind::TagInteraction {
            tags: vec![ValueSource::Literal(json!("common-module-executed"))]
        }
    );
    assert_eq!(
        logic.graph.nodes[1].kind,
        NodeKind::PlayPrompt {
            prompt: Prompt::Tts {
                text: ValueSource::Literal(json!(
                    "This is a message from the shared common module."
                )),
                locale: Some("en-US".into())
            }
        }
    );
}

#[test]
fn seed_001_prepended_call_flow_floats() {
    let logic = ok(json!([
        {"type": "callFlow", "name": "CallSharedCommonModule", "flow": {"id": "shared-1", "version": null}},
        tag("existing")
    ]));
    let calls: Vec<(&str, &ModuleCall)> = logic
        .module_calls()
        .map(|(n, c)| (n.type_name.as_str(), c))
        .collect();
    assert_eq!(
        calls,
        vec![(
            "callFlow",
            &ModuleCall {
                module_name: None,
                module_id: "shared-1".into(),
                version: None,
                inputs: vec![],
                outputs: vec![]
            }
        )]
    );
    assert_eq!(shape_of(&logic)[0], s("a0", &[("default", "a1")]));
}

#[test]
fn call_flow_pins_and_mappings_beside_the_reference() {
    let logic = ok(json!([{
        "type": "callCommonModule", "name": "Auth", "flow": {"id": "m", "version": "2.0"},
        "inputMappings": [{"name": "Common.customerId", "value": "42"}],
        "outputMappings": [{"name": "Common.ok", "variable": "Flow.ok"}]
    }]));
    let (_, call) = logic.module_calls().next().expect("one call");
    assert_eq!(
        (call.version, call.inputs.len(), call.outputs.len()),
        (Some(2), 1, 1)
    );
    let logic = ok(json!([{"type": "callFlow", "settings": {"flowModuleId": "m", "version": 3}}]));
    assert_eq!(
        logic.module_calls().next().map(|(_, c)| c.version),
        Some(Some(3))
    );
}

#[test]
fn empty_and_null_actions_are_empty_logic() {
    assert_eq!(ok(json!([])), FlowLogic::empty(Dialect::Actions));
    assert_eq!(ok(Value::Null), FlowLogic::empty(Dialect::Actions));
}

#[test]
fn variables_come_from_the_top_level_field() {
    let vars =
        json!([{"name": "Common.customerId", "type": "String", "input": true, "output": false}]);
    let logic = parse_actions(&json!([]), Some(&vars)).expect("parses");
    assert_eq!(logic.variables.len(), 1);
    assert!(logic.variables[0].input);
}

#[test]
fn nested_branches_fall_through_to_the_next_sibling() {
    let logic = ok(json!([
        {"type": "decision", "name": "Vip?", "expression": "Contains(Call.Ani, \"555\")", "outputs": {
            "true": [tag("vip"), tag("vip2")],
            "false": []
        }},
        tag("after"),
    ]));
    assert_eq!(
        shape_of(&logic),
        vec![
            // An empty branch falls through explicitly.
            s(
                "a0",
                &[("default", "a1"), ("false", "a1"), ("true", "a0.true.0")]
            ),
            s("a1", &[]),
            s("a0.true.0", &[("default", "a0.true.1")]),
            s("a0.true.1", &[("default", "a1")]),
        ]
    );
}

#[test]
fn false_branch_with_items_and_terminating_actions() {
    let logic = ok(json!([
        {"type": "decision", "id": "check", "expression": "true", "outputs": {
            "false": [{"type": "disconnect", "name": "Bye"}]
        }},
        {"type": "transferToAcd", "name": "Queue", "queue": "Support"},
        tag("never reached")
    ]));
    assert_eq!(
        shape_of(&logic),
        vec![
            s("check", &[("default", "a1"), ("false", "check.false.0")]),
            s("a1", &[]),
            s("a2", &[]),
            s("check.false.0", &[])
        ]
    );
}

#[test]
fn collect_input_menu_branches_and_nested_depth() {
    let logic = ok(json!([
        {"type": "collectInput", "name": "Menu", "prompt": {"text": "Press 1 or 2"}, "digits": 1, "timeout": 4000, "outputs": {
            "dtmf:1": [{"type": "decision", "expression": "true", "outputs": {"true": [tag("deep")]}}],
            "timeout": [{"type": "disconnect"}],
            "noMatch": [tag("again")]
        }}
    ]));
    assert!(matches!(
        logic.graph.nodes[0].kind,
        NodeKind::CollectInput {
            digits: 1,
            timeout_ms: 4000,
            ..
        }
    ));
    assert_eq!(
        shape_of(&logic),
        vec![
            // Branches are laid out in key order (JSON objects are sorted maps here).
            s(
                "a0",
                &[
                    ("dtmf:1", "a0.dtmf:1.0"),
                    ("noMatch", "a0.noMatch.0"),
                    ("timeout", "a0.timeout.0")
                ]
            ),
            s("a0.dtmf:1.0", &[("true", "a0.dtmf:1.0.true.0")]),
            s("a0.dtmf:1.0.true.0", &[]),
            s("a0.noMatch.0", &[]),
            s("a0.timeout.0", &[]),
        ]
    );
}

#[test]
fn branches_key_works_on_any_action() {
    let logic = ok(json!([
        {"type": "httpRequest", "name": "Lookup", "outputs": {"tier": "Flow.tier"}, "branches": {"failure": [tag("lookup failed")]}},
        tag("next")
    ]));
    assert_eq!(
        shape_of(&logic)[0],
        s("a0", &[("default", "a1"), ("failure", "a0.failure.0")])
    );
    let NodeKind::DataAction { name, outputs, .. } = &logic.graph.nodes[0].kind else {
        panic!("data action")
    };
    assert_eq!((name.as_str(), outputs.len()), ("Lookup", 1));
}

#[test]
fn unknown_type_names_action_index_name_and_known_types() {
    let e = fails(json!([tag("ok"), {"type": "sendEmail", "name": "Notify"}]));
    let d = detail(&e, "unknown.node.type", "actions[1] (Notify)");
    assert!(
        d.message.contains("'sendEmail'") && d.message.contains("actions[1] (Notify)"),
        "{}",
        d.message
    );
    for known in KNOWN_NODE_TYPES {
        assert!(d.message.contains(known), "{known}");
    }
}

#[test]
fn nested_errors_name_the_nested_path() {
    let e = fails(
        json!([{"type": "decision", "name": "D", "expression": "true", "outputs": {"true": [{"type": "decision", "name": "Inner", "expression": "Flow.x >"}]}}]),
    );
    let d = detail(
        &e,
        "expression.syntax",
        "actions[0].outputs.true[0] (Inner)",
    );
    assert_eq!(d.field.as_deref(), Some("expression"));
    assert!(d.message.contains("column 9"), "{}", d.message);
}

#[test]
fn structural_errors() {
    let e = fails(json!([{"name": "no type"}]));
    detail(&e, "invalid.node", "actions[0] (no type)");
    let e = fails(json!([5]));
    detail(&e, "invalid.node", "actions[0]");
    let e = fails(json!([{"type": "disconnect", "id": "x"}, {"type": "disconnect", "id": "x"}]));
    detail(&e, "duplicate.node.id", "actions[1]");
    // An explicit id that collides with a generated one is caught too.
    let e = fails(json!([{"type": "disconnect", "id": "a1"}, {"type": "disconnect"}]));
    detail(&e, "duplicate.node.id", "actions[1]");
    let e = fails(
        json!([{"type": "decision", "name": "D", "expression": "true", "outputs": {"maybe": []}}]),
    );
    detail(&e, "invalid.outcome", "actions[0] (D)");
    let e = fails(
        json!([{"type": "decision", "name": "D", "expression": "true", "outputs": {"default": []}}]),
    );
    detail(&e, "invalid.outcome", "actions[0] (D)");
    let e = fails(
        json!([{"type": "decision", "name": "D", "expression": "true", "outputs": {"true": {}}}]),
    );
    detail(&e, "invalid.setting", "actions[0] (D)");
    let e = fails(json!([{"type": "callFlow", "name": "C", "flow": {"version": 1}}]));
    let d = detail(&e, "missing.setting", "actions[0] (C)");
    assert_eq!(d.field.as_deref(), Some("flow.id"));
    let e = fails(json!({"not": "a list"}));
    assert_eq!(e.details[0].code, "invalid.actions");
}

#[test]
fn deep_nesting_is_capped() {
    let mut actions = json!([tag("leaf")]);
    for _ in 0..100 {
        actions = json!([{"type": "decision", "expression": "true", "outputs": {"true": actions}}]);
    }
    let e = fails(actions);
    assert!(
        e.details.iter().any(|d| d.code == "nesting.too.deep"),
        "{e:#?}"
    );
}

#[test]
fn too_many_actions_counting_nested_is_refused() {
    let branch: Vec<Value> = (0..MAX_NODES).map(|i| tag(&format!("t{i}"))).collect();
    let e = fails(json!([{"type": "decision", "expression": "true", "outputs": {"true": branch}}]));
    assert_eq!(e.details[0].code, "too.many.nodes");
    let flat: Vec<Value> = (0..MAX_NODES).map(|i| tag(&format!("t{i}"))).collect();
    assert_eq!(ok(Value::Array(flat)).graph.nodes.len(), MAX_NODES);
}
