//! Unit tests for the graph dialect (seed 000 shapes and every refusal rule).

use serde_json::json;

use super::*;
use crate::expr::{BinaryOp, Expr, Literal, VarRef};
use crate::graph::{DataTarget, ModuleCall, Prompt, ValueSource};
use crate::KNOWN_NODE_TYPES;

fn ok(definition: Value) -> FlowLogic {
    match parse_definition(&definition) {
        Ok(logic) => logic,
        Err(e) => panic!("definition should parse: {e:?}"),
    }
}

fn fails(definition: Value) -> ModelError {
    match parse_definition(&definition) {
        Ok(logic) => panic!("definition should be refused but parsed: {logic:?}"),
        Err(e) => e,
    }
}

/// Asserts some detail has `code` and names `node`; returns that detail.
fn detail<'a>(e: &'a ModelError, code: &str, node: &str) -> &'a Diagnostic {
    e.details
        .iter()
        .find(|d| d.code == code && d.node.as_deref() == Some(node))
        .unwrap_or_else(|| panic!("expected a {code} detail naming {node}, got {e:#?}"))
}

fn set_data(id: &str) -> Value {
    json!({"id": id, "name": id, "type": "setData", "settings": {"data": [{"key": "k", "value": "v"}]}})
}

fn chain(ids: &[&str]) -> Value {
    let nodes: Vec<Value> = ids.iter().map(|id| set_data(id)).collect();
    let edges: Vec<Value> = ids.windows(2).map(|w| json!({"id": format!("e-{}", w[0]), "source": w[0], "target": w[1], "type": "default"})).collect();
    json!({"nodes": nodes, "edges": edges, "entry": {"nodeId": ids[0]}})
}

#[test]
fn seed_000_empty_module_definition_is_empty_logic() {
    let logic = ok(json!({"nodes": [], "edges": []}));
    assert_eq!(logic, FlowLogic::empty(Dialect::Graph));
    assert_eq!(ok(Value::Null), FlowLogic::empty(Dialect::Graph));
    assert_eq!(ok(json!({})), FlowLogic::empty(Dialect::Graph));
}

#[test]
fn seed_000_module_logic_sets_auth_status_pending() {
    let node_id = "0b6b3a8e-7c1d-4d55-9a43-1f0f8a9e2c11";
    let logic = ok(json!({
        "nodes": [{
            "id": node_id,
            "name": "Init Auth Status",
            "type": "setData",
            "settings": {"data": [{"key": "auth_status", "value": "pending"}]}
        }],
        "edges": [{"id": "5f0c7a52-0000-4000-8000-000000000001", "source": "start", "target": node_id, "type": "default"}],
        "entry": {"nodeId": node_id}
    }));
    assert_eq!(logic.dialect, Dialect::Graph);
    assert_eq!(logic.graph.entry, Some(0));
    let node = &logic.graph.nodes[0];
    assert_eq!(
        (
            node.id.as_str(),
            node.name.as_str(),
            node.type_name.as_str()
        ),
        (node_id, "Init Auth Status", "setData")
    );
    assert_eq!(
        node.kind,
        NodeKind::SetData {
            data: vec![(
                DataTarget::Participant("auth_status".into()),
                ValueSource::Literal(json!("pending"))
            )]
        }
    );
    assert!(node.next.is_empty());
}

#[test]
fn start_edge_alone_names_the_entry() {
    let logic = ok(
        json!({"nodes": [set_data("a"), set_data("b")], "edges": [{"source": "start", "target": "b"}, {"source": "b", "target": "a"}]}),
    );
    assert_eq!(logic.graph.entry, Some(1));
    assert_eq!(logic.graph.nodes[1].next, vec![(Outcome::Default, 0)]);
}

#[test]
fn edges_carry_their_outcomes_and_missing_type_is_default() {
    let logic = ok(json!({
        "nodes": [
            {"id": "d", "type": "decision", "settings": {"expression": "Call.Ani == \"+1555\""}},
            set_data("yes"), set_data("no"), set_data("after")
        ],
        "edges": [
            {"id": "1", "source": "d", "target": "yes", "type": "true"},
            {"id": "2", "source": "d", "target": "no", "type": "false"},
            {"id": "3", "source": "yes", "target": "after"},
            {"id": "4", "source": "no", "target": "after", "type": "default"}
        ],
        "entry": {"nodeId": "d"}
    }));
    assert_eq!(
        logic.graph.nodes[0].next,
        vec![(Outcome::True, 1), (Outcome::False, 2)]
    );
    assert_eq!(logic.graph.nodes[1].next, vec![(Outcome::Default, 3)]);
    assert_eq!(logic.graph.nodes[2].next, vec![(Outcome::Default, 3)]);
    let NodeKind::Decision { expression, text } = &logic.graph.nodes[0].kind else {
        panic!("decision")
    };
    assert_eq!(text, "Call.Ani == \"+1555\"");
    assert_eq!(
        *expression,
        Expr::Binary(
            BinaryOp::Eq,
            Box::new(Expr::Var(VarRef::CallAni)),
            Box::new(Expr::Literal(Literal::String("+1555".into())))
        )
    );
}

#[test]
fn seed_000_literal_link_is_refused_with_the_fix() {
    // The seed's link_module(): existing flow (start -> first), module node appended with a
    // second edge from start, entry.nodeId left at the old first node.
    let definition = json!({
        "nodes": [set_data("first"), {"id": "mod-node", "name": "Execute Shared Auth", "type": "flowModule", "settings": {"flowModuleId": "m1"}}],
        "edges": [
            {"id": "e1", "source": "start", "target": "first", "type": "default"},
            {"id": "e2", "source": "start", "target": "mod-node", "type": "default"}
        ],
        "entry": {"nodeId": "first"}
    });
    let e = fails(definition);
    assert!(
        e.message.contains(
            "make the new node the entry and give it a `default` edge to the old entry node"
        ),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("'mod-node'") && e.message.contains("'first'"),
        "{}",
        e.message
    );
    detail(&e, "entry.conflict", "mod-node");
    detail(&e, "entry.conflict", "first");
}

#[test]
fn literal_link_without_original_start_edge_is_refused_the_same_way() {
    let mut definition = chain(&["first", "second"]);
    definition["nodes"]
        .as_array_mut()
        .expect("array")
        .push(json!({"id": "m", "type": "flowModule", "settings": {"flowModuleId": "m1"}}));
    definition["edges"]
        .as_array_mut()
        .expect("array")
        .push(json!({"id": "s", "source": "start", "target": "m", "type": "default"}));
    let e = fails(definition);
    assert!(
        e.message.contains("make the new node the entry"),
        "{}",
        e.message
    );
    detail(&e, "entry.conflict", "m");
    detail(&e, "entry.conflict", "first");
}

#[test]
fn entry_and_start_edge_disagreeing_is_refused_naming_both() {
    let mut definition = chain(&["a", "b"]);
    definition["edges"]
        .as_array_mut()
        .expect("array")
        .push(json!({"source": "start", "target": "b"}));
    let e = fails(definition);
    assert!(e.message.contains("ambiguous"), "{}", e.message);
    detail(&e, "entry.conflict", "a");
    detail(&e, "entry.conflict", "b");
}

#[test]
fn two_start_edges_to_different_nodes_are_refused() {
    let e = fails(
        json!({"nodes": [set_data("a"), set_data("b")], "edges": [{"source": "start", "target": "a"}, {"source": "start", "target": "b"}]}),
    );
    detail(&e, "entry.conflict", "a");
    detail(&e, "entry.conflict", "b");
}

#[test]
fn two_edges_of_the_same_type_from_one_node_are_refused() {
    let mut definition = chain(&["a", "b", "c"]);
    definition["edges"]
        .as_array_mut()
        .expect("array")
        .push(json!({"id": "dup", "source": "a", "target": "c", "type": "default"}));
    let e = fails(definition);
    let d = detail(&e, "duplicate.edge.type", "a");
    assert!(d.message.contains("two 'default' edges"), "{}", d.message);
}

#[test]
fn dangling_edges_are_refused() {
    let mut definition = chain(&["a"]);
    definition["edges"] = json!([{"id": "e9", "source": "a", "target": "ghost"}, {"id": "e8", "source": "phantom", "target": "a"}]);
    let e = fails(definition);
    assert!(detail(&e, "dangling.edge", "e9")
        .message
        .contains("'ghost'"));
    assert!(detail(&e, "dangling.edge", "e8")
        .message
        .contains("'phantom'"));
}

#[test]
fn duplicate_node_ids_are_refused() {
    let e = fails(json!({"nodes": [set_data("a"), set_data("a")], "entry": {"nodeId": "a"}}));
    detail(&e, "duplicate.node.id", "a");
}

#[test]
fn node_named_start_is_refused() {
    let e = fails(json!({"nodes": [set_data("start")], "entry": {"nodeId": "start"}}));
    detail(&e, "reserved.node.id", "start");
}

#[test]
fn unknown_type_names_node_type_and_known_types() {
    let e = fails(
        json!({"nodes": [{"id": "n1", "name": "Menu", "type": "playAudio", "settings": {}}], "entry": {"nodeId": "n1"}}),
    );
    let d = detail(&e, "unknown.node.type", "n1");
    assert!(
        d.message.contains("'n1'") && d.message.contains("'playAudio'"),
        "{}",
        d.message
    );
    for known in KNOWN_NODE_TYPES {
        assert!(
            d.message.contains(known),
            "{known} missing from {}",
            d.message
        );
        assert!(e.message.contains(known));
    }
}

#[test]
fn unknown_edge_type_is_refused() {
    let mut definition = chain(&["a", "b"]);
    definition["edges"][0]["type"] = json!("sideways");
    let e = fails(definition);
    assert!(detail(&e, "unknown.outcome", "e-a")
        .message
        .contains("'sideways'"));
}

#[test]
fn entry_problems() {
    let e = fails(json!({"nodes": [set_data("a")]}));
    assert_eq!(e.details[0].code, "missing.entry");
    let e = fails(json!({"nodes": [set_data("a")], "entry": {"nodeId": "zzz"}}));
    assert_eq!(e.details[0].code, "dangling.entry");
    assert!(e.message.contains("'zzz'"));
}

#[test]
fn expression_syntax_error_names_node_field_and_column() {
    let e = fails(
        json!({"nodes": [{"id": "d1", "type": "decision", "settings": {"expression": "Flow.x == "}}], "entry": {"nodeId": "d1"}}),
    );
    let d = detail(&e, "expression.syntax", "d1");
    assert_eq!(d.field.as_deref(), Some("settings.expression"));
    assert!(d.message.contains("column 11"), "{}", d.message);
    let e = fails(
        json!({"nodes": [{"id": "s", "type": "setData", "settings": {"data": [{"key": "k", "value": {"expression": "1 +"}}]}}], "entry": {"nodeId": "s"}}),
    );
    let d = detail(&e, "expression.syntax", "s");
    assert_eq!(
        d.field.as_deref(),
        Some("settings.data[0].value.expression")
    );
    assert!(d.message.contains("column 4"), "{}", d.message);
}

#[test]
fn module_call_forms_and_versions() {
    let node = |settings: Value| json!({"nodes": [{"id": "c", "type": "flowModule", "settings": settings}], "entry": {"nodeId": "c"}});
    let call = |logic: FlowLogic| match logic.graph.nodes.into_iter().next().map(|n| n.kind) {
        Some(NodeKind::CallModule(call)) => call,
        other => panic!("expected a module call, got {other:?}"),
    };
    assert_eq!(call(ok(node(json!({"flowModuleId": "m1"})))).version, None);
    assert_eq!(
        call(ok(node(json!({"flowModuleId": "m1", "version": null})))).version,
        None
    );
    assert_eq!(
        call(ok(node(json!({"flowModuleId": "m1", "version": 2})))).version,
        Some(2)
    );
    assert_eq!(
        call(ok(node(json!({"flowModuleId": "m1", "version": "2.0"})))).version,
        Some(2)
    );
    assert_eq!(
        call(ok(node(json!({"flowModuleId": "m1", "version": "3"})))).version,
        Some(3)
    );
    assert_eq!(
        call(ok(node(json!({"flowModuleId": "m1", "version": 4.0})))).version,
        Some(4)
    );
    let full = call(ok(node(json!({
        "flowModuleId": "m1",
        "inputMappings": [{"name": "Common.customerId", "value": {"expression": "Call.Ani"}}],
        "outputMappings": [{"name": "Common.result", "variable": "Flow.authResult"}, {"name": "Common.x", "variable": "shared_key"}]
    }))));
    assert_eq!(
        full,
        ModuleCall {
            module_name: None,
            module_id: "m1".into(),
            version: None,
            inputs: vec![(
                "Common.customerId".into(),
                ValueSource::Expression {
                    text: "Call.Ani".into(),
                    expr: Expr::Var(VarRef::CallAni)
                }
            )],
            outputs: vec![
                (
                    "Common.result".into(),
                    DataTarget::Variable(VarRef::Flow("authResult".into()))
                ),
                (
                    "Common.x".into(),
                    DataTarget::Participant("shared_key".into())
                ),
            ],
        }
    );
    for bad in [
        json!(0),
        json!(-1),
        json!(2.5),
        json!("v2"),
        json!(""),
        json!(true),
        json!(5_000_000_000u64),
    ] {
        let e = fails(node(json!({"flowModuleId": "m1", "version": bad})));
        detail(&e, "invalid.module.version", "c");
    }
    let e = fails(node(json!({})));
    let d = detail(&e, "missing.setting", "c");
    assert_eq!(d.field.as_deref(), Some("settings.flowModuleId"));
}

#[test]
fn call_flow_and_alias_types_are_accepted_in_the_graph_dialect() {
    for type_name in ["callFlow", "callCommonModule", "FLOWMODULE"] {
        let logic = ok(
            json!({"nodes": [{"id": "c", "type": type_name, "flow": {"id": "m9", "version": "2.0"}}], "entry": {"nodeId": "c"}}),
        );
        let calls: Vec<_> = logic
            .module_calls()
            .map(|(n, c)| (n.type_name.clone(), c.module_id.clone(), c.version))
            .collect();
        assert_eq!(
            calls,
            vec![(type_name.to_string(), "m9".to_string(), Some(2))]
        );
    }
}

#[test]
fn every_node_type_parses_with_settings() {
    let logic = ok(json!({
        "nodes": [
            {"id": "tag", "type": "tagInteraction", "settings": {"tags": ["vip", {"expression": "Call.Dnis"}]}},
            {"id": "tts", "type": "playPrompt", "settings": {"prompt": {"text": "Hello", "locale": "en-US"}}},
            {"id": "stored", "type": "playPrompt", "settings": {"prompt": {"id": "prompt-1"}}},
            {"id": "http", "type": "httpRequest", "settings": {"dataActionName": "Lookup", "inputs": [{"name": "ani", "value": {"expression": "Call.Ani"}}], "outputs": [{"name": "tier", "variable": "Flow.tier"}]}},
            {"id": "data", "name": "Named Action", "type": "callData", "settings": {}},
            {"id": "menu", "type": "collectInput", "settings": {"prompt": {"text": "Press 1"}, "digits": 2, "timeoutMs": 3000}},
            {"id": "menu2", "type": "collectInput", "settings": {}},
            {"id": "xfer", "type": "transferToAcd", "settings": {"queue": {"name": "Support"}}},
            {"id": "xfer2", "type": "transferToAcd", "settings": {"queue": "Billing"}},
            {"id": "bye", "type": "disconnect"}
        ],
        "entry": {"nodeId": "tag"}
    }));
    let kinds: Vec<&NodeKind> = logic.graph.nodes.iter().map(|n| &n.kind).collect();
    assert_eq!(
        *kinds[0],
        NodeKind::TagInteraction {
            tags: vec![
                ValueSource::Literal(json!("vip")),
                ValueSource::Expression {
                    text: "Call.Dnis".into(),
                    expr: Expr::Var(VarRef::CallDnis)
                }
            ]
        }
    );
    assert_eq!(
        *kinds[1],
        NodeKind::PlayPrompt {
            prompt: Prompt::Tts {
                text: ValueSource::Literal(json!("Hello")),
                locale: Some("en-US".into())
            }
        }
    );
    assert_eq!(
        *kinds[2],
        NodeKind::PlayPrompt {
            prompt: Prompt::Stored {
                id: "prompt-1".into()
            }
        }
    );
    let NodeKind::DataAction {
        name,
        inputs,
        outputs,
    } = kinds[3]
    else {
        panic!("data action")
    };
    assert_eq!(
        (name.as_str(), inputs.len(), outputs[0].1.clone()),
        (
            "Lookup",
            1,
            DataTarget::Variable(VarRef::Flow("tier".into()))
        )
    );
    assert!(matches!(kinds[4], NodeKind::DataAction { name, .. } if name == "Named Action"));
    assert!(matches!(
        kinds[5],
        NodeKind::CollectInput {
            prompt: Some(_),
            digits: 2,
            timeout_ms: 3000
        }
    ));
    assert!(matches!(
        kinds[6],
        NodeKind::CollectInput {
            prompt: None,
            digits: 1,
            ..
        }
    ));
    assert_eq!(
        *kinds[7],
        NodeKind::TransferToAcd {
            queue: ValueSource::Literal(json!("Support"))
        }
    );
    assert_eq!(
        *kinds[8],
        NodeKind::TransferToAcd {
            queue: ValueSource::Literal(json!("Billing"))
        }
    );
    assert_eq!(*kinds[9], NodeKind::Disconnect);
}

#[test]
fn settings_may_also_be_written_at_top_level() {
    let logic = ok(
        json!({"nodes": [{"id": "s", "type": "setData", "data": [{"key": "Flow.x", "value": 1}]}], "entry": {"nodeId": "s"}}),
    );
    assert_eq!(
        logic.graph.nodes[0].kind,
        NodeKind::SetData {
            data: vec![(
                DataTarget::Variable(VarRef::Flow("x".into())),
                ValueSource::Literal(json!(1))
            )]
        }
    );
}

#[test]
fn missing_required_settings_name_the_node() {
    let cases = [
        ("setData", "settings.data"),
        ("tagInteraction", "settings.tags"),
        ("playPrompt", "settings.prompt"),
        ("decision", "settings.expression"),
        ("transferToAcd", "settings.queue"),
        ("httpRequest", "settings.dataActionName"),
    ];
    for (type_name, field) in cases {
        let e = fails(
            json!({"nodes": [{"id": "n", "type": type_name, "settings": {}}], "entry": {"nodeId": "n"}}),
        );
        let d = detail(&e, "missing.setting", "n");
        assert_eq!(d.field.as_deref(), Some(field), "{type_name}");
    }
}

#[test]
fn invalid_settings_are_refused() {
    let bad = [
        json!({"id": "n", "type": "collectInput", "settings": {"digits": 0}}),
        json!({"id": "n", "type": "collectInput", "settings": {"timeoutMs": -5}}),
        json!({"id": "n", "type": "setData", "settings": {"data": "x"}}),
        json!({"id": "n", "type": "setData", "settings": {"data": [{"key": "Call.Ani", "value": 1}]}}),
        json!({"id": "n", "type": "tagInteraction", "settings": {"tags": [1]}}),
        json!({"id": "n", "type": "playPrompt", "settings": {"prompt": 7}}),
        json!({"id": "n", "type": "flowModule", "settings": {"flowModuleId": "m", "outputMappings": [{"name": "x", "variable": 5}]}}),
    ];
    for node in bad {
        let e = fails(json!({"nodes": [node.clone()], "entry": {"nodeId": "n"}}));
        detail(&e, "invalid.setting", "n");
    }
}

#[test]
fn variables_are_parsed() {
    let logic = ok(json!({
        "nodes": [],
        "variables": [
            {"name": "Common.customerId", "type": "String", "input": true, "output": false},
            {"name": "Common.result", "type": "Boolean", "output": true, "defaultValue": false}
        ]
    }));
    assert_eq!(logic.variables.len(), 2);
    assert!(logic.variables[0].input && !logic.variables[0].output);
    assert_eq!(logic.variables[1].default, Some(json!(false)));
    let e = fails(json!({"variables": [{"name": "Flow.x"}, {"name": "flow.X"}]}));
    assert_eq!(e.details[0].code, "duplicate.variable");
    let e = fails(json!({"variables": [{"type": "String"}]}));
    assert_eq!(e.details[0].code, "invalid.variable");
}

#[test]
fn shape_errors_never_panic() {
    for bad in [
        json!(1),
        json!("x"),
        json!([]),
        json!({"nodes": 5}),
        json!({"edges": {}}),
        json!({"nodes": [1, null, []]}),
        json!({"entry": 5}),
    ] {
        assert!(parse_definition(&bad).is_err(), "{bad}");
    }
}

#[test]
fn too_many_nodes_is_refused() {
    let nodes: Vec<Value> = (0..=MAX_NODES)
        .map(|i| set_data(&format!("n{i}")))
        .collect();
    let e = fails(json!({"nodes": nodes, "entry": {"nodeId": "n0"}}));
    assert_eq!(e.details[0].code, "too.many.nodes");
}

#[test]
fn many_problems_are_all_reported_with_a_summary() {
    let e = fails(
        json!({"nodes": [{"id": "a", "type": "nope"}, {"id": "b", "type": "nada"}], "entry": {"nodeId": "a"}}),
    );
    assert_eq!(e.details.len(), 2);
    assert!(e.message.contains("1 more problem"), "{}", e.message);
}

#[test]
fn literal_link_onto_a_flow_named_only_by_its_start_edge_is_refused_with_the_fix() {
    let e = fails(json!({
        "nodes": [set_data("first"), {"id": "m", "type": "flowModule", "settings": {"flowModuleId": "m1"}}],
        "edges": [{"source": "start", "target": "first"}, {"source": "start", "target": "m"}]
    }));
    assert!(
        e.message.contains("make the new node the entry"),
        "{}",
        e.message
    );
    detail(&e, "entry.conflict", "m");
    detail(&e, "entry.conflict", "first");
}

#[test]
fn node_ids_are_kept_exactly() {
    let logic =
        ok(json!({"nodes": [set_data(" a ")], "edges": [{"source": "start", "target": " a "}]}));
    assert_eq!(logic.graph.nodes[0].id, " a ");
    let e = fails(json!({"nodes": [set_data("  ")], "entry": {"nodeId": "  "}}));
    detail(&e, "invalid.node", "nodes[0]");
}

#[test]
fn outcomes_round_trip_through_their_wire_spelling() {
    let all = [
        Outcome::Default,
        Outcome::Success,
        Outcome::Failure,
        Outcome::True,
        Outcome::False,
        Outcome::Timeout,
        Outcome::NoMatch,
        Outcome::Dtmf("1".into()),
        Outcome::Dtmf("*9#".into()),
    ];
    for outcome in all {
        assert_eq!(outcome_from_wire(&outcome.as_wire()), Some(outcome));
    }
    assert_eq!(outcome_from_wire("NOMATCH"), Some(Outcome::NoMatch));
    for bad in [
        "",
        "dtmf:",
        "dtmf:a",
        "maybe",
        "dtmf:123456789012345678901234567890123",
    ] {
        assert_eq!(outcome_from_wire(bad), None, "{bad}");
    }
}
