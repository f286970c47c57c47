//! Property tests: the parsers never panic on any input, and linking is idempotent and undone
//! by unlinking.

use flowlink_model::link::{link_module, parse_wire, unlink_module, LinkOutcome, WireLogic};
use flowlink_model::{parse_actions, parse_definition, parse_expression, KNOWN_NODE_TYPES};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z:.]{0,8}".prop_map(Value::String),
        prop::sample::select(vec![
            "start",
            "default",
            "true",
            "dtmf:1",
            "Flow.x",
            "2.0",
            "n0",
            "n1",
            "m1",
            "expression"
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Keys the parsers look at, so random documents reach deep into the code.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "name",
            "type",
            "settings",
            "nodes",
            "edges",
            "entry",
            "nodeId",
            "source",
            "target",
            "variables",
            "data",
            "key",
            "value",
            "expression",
            "tags",
            "prompt",
            "text",
            "locale",
            "flowModuleId",
            "version",
            "flow",
            "inputMappings",
            "outputMappings",
            "variable",
            "outputs",
            "branches",
            "true",
            "false",
            "dtmf:1",
            "digits",
            "timeout",
            "queue",
            "inputs",
            "input",
            "output",
            "default",
            "failure",
        ])
        .prop_map(String::from),
        prop::sample::select(KNOWN_NODE_TYPES.to_vec()).prop_map(String::from),
        "[a-z]{1,5}",
    ]
}

/// Text built from expression tokens, more likely than random text to get deep into the parser.
fn expression_text() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "(",
        ")",
        ",",
        "+",
        "-",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "=",
        "!",
        "and",
        "or",
        "not",
        "true",
        "NOT_SET",
        "1",
        "2.5",
        "\"s\"",
        "\"",
        "\\",
        "Flow.x",
        "Common.y",
        "Interaction.data.z",
        "Call.Ani",
        "Call.Dnis",
        "If",
        "ToString",
        "ToInt",
        "IsSet",
        "IsNotSetOrEmpty",
        "Contains",
        "Length",
        "Foo",
        ".",
        " ",
        "é",
    ]);
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

const MODULES: &[&str] = &["m0", "m1", "m2"];

fn arb_version() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(None), (1u32..4).prop_map(Some)]
}

/// One valid action; module calls use a few ids so links collide with existing calls.
fn arb_action() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!({"type": "tagInteraction", "name": "Tag", "tags": ["t"]})),
        Just(
            json!({"type": "setData", "data": [{"key": "Flow.x", "value": {"expression": "Flow.x + 1"}}]})
        ),
        Just(json!({"type": "disconnect"})),
        (prop::sample::select(MODULES), arb_version(), any::<bool>()).prop_map(|(m, v, alias)| {
            let type_name = if alias {
                "callCommonModule"
            } else {
                "callFlow"
            };
            json!({"type": type_name, "name": "Call", "flow": {"id": m, "version": v}})
        }),
    ];
    leaf.prop_recursive(3, 24, 3, |inner| {
        (prop::collection::vec(inner.clone(), 0..3), prop::collection::vec(inner, 0..3)).prop_map(|(yes, no)| {
            json!({"type": "decision", "expression": "Call.Ani != \"\"", "outputs": {"true": yes, "false": no}})
        })
    })
}

fn arb_actions() -> impl Strategy<Value = WireLogic> {
    prop::collection::vec(arb_action(), 0..6).prop_map(WireLogic::Actions)
}

/// A valid graph definition: a chain of nodes, optionally named by a `start` edge too.
fn arb_graph() -> impl Strategy<Value = WireLogic> {
    let node = prop_oneof![
        Just(("setData", json!({"data": [{"key": "k", "value": 1}]}))),
        Just(("disconnect", json!({}))),
        (prop::sample::select(MODULES), arb_version())
            .prop_map(|(m, v)| ("flowModule", json!({"flowModuleId": m, "version": v}))),
    ];
    (prop::collection::vec(node, 0..6), any::<bool>()).prop_map(|(nodes, start_edge)| {
        let ids: Vec<String> = (0..nodes.len()).map(|i| format!("n{i}")).collect();
        let nodes: Vec<Value> =
            nodes.iter().zip(&ids).map(|((t, settings), id)| json!({"id": id, "name": id, "type": t, "settings": settings})).collect();
        let mut edges: Vec<Value> = ids.windows(2).map(|w| json!({"id": format!("e-{}", w[0]), "source": w[0], "target": w[1]})).collect();
        let mut definition = json!({"nodes": nodes, "variables": []});
        if let Some(first) = ids.first() {
            definition["entry"] = json!({"nodeId": first});
            if start_edge {
                edges.push(json!({"id": "s", "source": "start", "target": first, "type": "default"}));
            }
        }
        definition["edges"] = Value::Array(edges);
        WireLogic::Graph(definition)
    })
}

fn arb_logic() -> impl Strategy<Value = WireLogic> {
    prop_oneof![arb_actions(), arb_graph()]
}

fn calls(logic: &WireLogic) -> Vec<(String, Option<u32>)> {
    let parsed =
        parse_wire(logic).unwrap_or_else(|e| panic!("generated logic must be valid: {e:?}"));
    let mut calls: Vec<_> = parsed
        .module_calls()
        .map(|(_, c)| (c.module_id.clone(), c.version))
        .collect();
    calls.sort();
    calls
}

fn apply(logic: &WireLogic, outcome: LinkOutcome) -> WireLogic {
    match outcome {
        LinkOutcome::Changed(changed) => changed,
        LinkOutcome::Unchanged => logic.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_definition_never_panics(value in arb_json()) {
        let _ = parse_definition(&value);
        let _ = parse_definition(&json!({"nodes": [value.clone()], "edges": [value.clone()], "entry": value}));
    }

    #[test]
    fn parse_actions_never_panics(value in arb_json(), variables in arb_json()) {
        let _ = parse_actions(&value, Some(&variables));
        let _ = parse_actions(&json!([value]), None);
    }

    #[test]
    fn parse_expression_never_panics(text in any::<String>(), tokens in expression_text()) {
        let _ = parse_expression(&text);
        if let Err(e) = parse_expression(&tokens) {
            // Columns point into the text (or just past its end).
            prop_assert!(e.column >= 1 && e.column <= tokens.chars().count() + 1, "{e:?} for {tokens:?}");
        }
    }

    #[test]
    fn generated_logic_is_valid(logic in arb_logic()) {
        prop_assert!(parse_wire(&logic).is_ok(), "{:?}", parse_wire(&logic));
    }

    #[test]
    fn link_twice_is_unchanged(logic in arb_logic(), module in prop::sample::select(MODULES), version in arb_version()) {
        let first = link_module(&logic, module, version, "Call").expect("valid logic links");
        let linked = apply(&logic, first);
        prop_assert_eq!(link_module(&linked, module, version, "Call").expect("links"), LinkOutcome::Unchanged);
        let linked_calls = calls(&linked);
        prop_assert!(linked_calls.iter().any(|(m, _)| m == module));
        prop_assert!(linked_calls.iter().filter(|(m, _)| m == module).all(|(_, v)| *v == version));
    }

    #[test]
    fn link_then_unlink_restores_the_module_call_set(logic in arb_logic(), module in prop::sample::select(MODULES), version in arb_version()) {
        let before = calls(&logic);
        let already = before.iter().any(|(m, _)| m == module);
        let linked = apply(&logic, link_module(&logic, module, version, "Call").expect("links"));
        let unlinked = apply(&linked, unlink_module(&linked, module).expect("unlinks"));
        let expected: Vec<_> = before.iter().filter(|(m, _)| m != module).cloned().collect();
        prop_assert_eq!(calls(&unlinked), expected);
        if !already {
            // A fresh link is fully undone: the same canonical graph as before.
            prop_assert_eq!(parse_wire(&unlinked), parse_wire(&logic));
            let parsed = parse_wire(&linked).expect("valid");
            let entry = parsed.graph.entry.map(|i| &parsed.graph.nodes[i].kind);
            prop_assert!(matches!(entry, Some(flowlink_model::NodeKind::CallModule(c)) if c.module_id == module));
        }
    }
}
