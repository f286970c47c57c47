//! Adversarial runs of `parse_definition` (graph dialect): huge arrays (100k nodes, edges,
//! variables, tags, data entries), 1 MB strings in every string slot, and JSON nested to
//! serde_json's limit in every slot. Each input is accepted or refused with a bounded
//! `ModelError`; nothing panics and no small input makes a large error. Long run: see
//! `fuzz_support` (`PROPTEST_CASES`).

mod fuzz_support;

use flowlink_model::{parse_definition, MAX_EDGES, MAX_NODES, MAX_VALUE_DEPTH};
use fuzz_support::{
    arb_deep_json, arb_long_string, check_refusal, codes, config, dismantle, json_len, nested_json,
    obj1, SERDE_DEPTH_LIMIT,
};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A valid two-node definition whose every slot the generators below overwrite.
fn base() -> Value {
    json!({
        "nodes": [
            {"id": "n0", "name": "Set", "type": "setData",
             "settings": {"data": [{"key": "Flow.x", "value": {"expression": "Flow.x + 1"}}]}},
            {"id": "n1", "name": "Tag", "type": "tagInteraction", "settings": {"tags": ["t"]}}
        ],
        "edges": [{"id": "e0", "source": "n0", "target": "n1", "type": "default"}],
        "entry": {"nodeId": "n0"},
        "variables": [{"name": "x", "type": "Integer", "defaultValue": 0}]
    })
}

/// JSON pointers of every slot of [`base`].
const SLOTS: &[&str] = &[
    "",
    "/nodes",
    "/nodes/0",
    "/nodes/0/id",
    "/nodes/0/name",
    "/nodes/0/type",
    "/nodes/0/settings",
    "/nodes/0/settings/data",
    "/nodes/0/settings/data/0",
    "/nodes/0/settings/data/0/key",
    "/nodes/0/settings/data/0/value",
    "/nodes/0/settings/data/0/value/expression",
    "/nodes/1/settings/tags",
    "/nodes/1/settings/tags/0",
    "/edges",
    "/edges/0",
    "/edges/0/id",
    "/edges/0/source",
    "/edges/0/target",
    "/edges/0/type",
    "/entry",
    "/entry/nodeId",
    "/variables",
    "/variables/0",
    "/variables/0/name",
];

/// `base()` with the value at `slot` replaced.
fn with_slot(slot: &str, value: Value) -> Value {
    let mut doc = base();
    if slot.is_empty() {
        return value;
    }
    if let Some(target) = doc.pointer_mut(slot) {
        *target = value;
    }
    doc
}

fn parse_and_check(doc: &Value) -> Result<(), TestCaseError> {
    if let Err(e) = parse_definition(doc) {
        check_refusal(&e, json_len(doc))?;
    }
    Ok(())
}

/// One array of `n` copies of `item` placed at a list slot.
fn huge(slot: &'static str, item: Value, n: usize) -> Value {
    with_slot(slot, Value::Array(vec![item; n]))
}

#[test]
fn serde_refuses_text_nested_past_its_limit() {
    // The depth the other properties stop at is exactly where the wire parser stops.
    assert!(nested_json(SERDE_DEPTH_LIMIT - 1, false).is_ok());
    assert!(nested_json(SERDE_DEPTH_LIMIT + 1, false).is_err());
    assert!(nested_json(SERDE_DEPTH_LIMIT + 1, true).is_err());
}

#[test]
fn huge_arrays_are_refused_with_their_code() {
    let node = json!({"id": "n", "type": "disconnect"});
    let edge = json!({"source": "n0", "target": "n1"});
    let cases = [
        (huge("/nodes", node, 100_000), "too.many.nodes"),
        (huge("/edges", edge, 100_000), "too.many.edges"),
        (
            huge("/variables", json!({"name": "v"}), 100_000),
            "too.many.variables",
        ),
        (
            huge("/nodes/1/settings/tags", json!("t"), 100_000),
            "invalid.setting",
        ),
        (
            huge(
                "/nodes/0/settings/data",
                json!({"key": "k", "value": 1}),
                100_000,
            ),
            "invalid.setting",
        ),
    ];
    for (doc, code) in cases {
        let e = parse_definition(&doc).expect_err(code);
        assert!(codes(&e).contains(&code), "{code}: {:?}", e.message);
        assert!(e.details.len() <= 100);
    }
    // Just inside the limits is accepted: the caps are not off by one.
    let nodes: Vec<Value> = (0..MAX_NODES)
        .map(|i| json!({"id": format!("n{i}"), "type": "disconnect"}))
        .collect();
    let doc = json!({"nodes": nodes, "entry": {"nodeId": "n0"}});
    assert!(parse_definition(&doc).is_ok());
    const { assert!(100_000 > MAX_EDGES && 100_000 > MAX_NODES) };
}

#[test]
fn literal_values_and_defaults_nest_at_most_max_value_depth() {
    let nest = |depth: usize| {
        let mut v = json!("leaf");
        for i in 0..depth {
            // Not `json!`: it re-serializes its operand, recursively.
            v = if i % 2 == 0 {
                Value::Array(vec![v])
            } else {
                obj1("k", v)
            };
        }
        v
    };
    // Depths up to 10,000 (far past serde's parse limit) are measured without recursion.
    for depth in [MAX_VALUE_DEPTH, MAX_VALUE_DEPTH + 1, 10_000] {
        for slot in [
            "/nodes/0/settings/data/0/value",
            "/variables/0/defaultValue",
        ] {
            let doc = with_slot(slot, nest(depth));
            let result = parse_definition(&doc);
            if depth <= MAX_VALUE_DEPTH {
                assert!(result.is_ok(), "{slot} at {depth}: {result:?}");
            } else {
                let e = result.expect_err("too deep");
                assert_eq!(codes(&e), ["value.too.deep"], "{slot} at {depth}");
            }
            dismantle(doc);
        }
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// A string up to 1 MB in any slot.
    #[test]
    fn long_strings_anywhere(slot in prop::sample::select(SLOTS), long in arb_long_string()) {
        parse_and_check(&with_slot(slot, Value::String(long)))?;
    }

    /// JSON nested to serde's limit in any slot.
    #[test]
    fn deep_json_anywhere(slot in prop::sample::select(SLOTS), deep in arb_deep_json()) {
        parse_and_check(&with_slot(slot, deep))?;
    }

    /// Many nodes that each quote a long name or id: the error stays proportional to the
    /// input instead of repeating the long string per diagnostic.
    #[test]
    fn many_faults_with_long_strings(
        count in 1usize..=MAX_NODES,
        long in arb_long_string(),
        in_id in any::<bool>(),
        bad_tags in 0usize..1_000,
    ) {
        let tags = vec![json!(5); bad_tags.max(1)];
        let mut nodes = vec![json!({
            "id": if in_id { long.clone() } else { "n0".to_string() },
            "name": long,
            "type": "tagInteraction",
            "settings": {"tags": tags}
        })];
        nodes.extend((1..count).map(|i| json!({"id": format!("n{i}"), "type": "nope"})));
        let doc = json!({"nodes": nodes, "entry": {"nodeId": "n0"}});
        let e = parse_definition(&doc).expect_err("every node is faulty");
        check_refusal(&e, json_len(&doc))?;
    }
}
