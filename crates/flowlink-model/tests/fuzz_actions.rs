//! Adversarial runs of `parse_actions` (action-list dialect): branches nested up to 1,000
//! levels (built programmatically: far deeper than serde_json would parse), 100k actions,
//! tags and variables, 1 MB strings and serde-limit JSON in every slot. Each input is accepted
//! or refused with a bounded `ModelError`; nothing panics or recurses without bound. Long run:
//! see `fuzz_support` (`PROPTEST_CASES`).

mod fuzz_support;

use flowlink_model::{parse_actions, MAX_ACTION_DEPTH, MAX_ID_LEN, MAX_NODES};
use fuzz_support::{
    arb_deep_json, arb_long_string, check_refusal, codes, config, dismantle, json_len, obj1,
};
use proptest::prelude::*;
use serde_json::{json, Value};

/// How a nesting level holds its children.
#[derive(Debug, Clone, Copy)]
enum Branch {
    DecisionOutputs,
    CollectInputDtmf,
    AnyItemBranches,
}

/// `depth` levels of branching items, innermost first, built without recursion.
fn nested_actions(shape: Branch, depth: usize) -> Value {
    let mut list = json!([{"type": "disconnect"}]);
    for _ in 0..depth {
        let item = match shape {
            Branch::DecisionOutputs => {
                let mut item = json!({"type": "decision", "expression": "Call.Ani != \"\""});
                item["outputs"] = obj1("true", list);
                item
            }
            Branch::CollectInputDtmf => {
                let mut item = json!({"type": "collectInput", "prompt": {"text": "Press 1"}});
                item["outputs"] = obj1("dtmf:1", list);
                item
            }
            Branch::AnyItemBranches => {
                let mut item = json!({"type": "tagInteraction", "tags": ["t"]});
                item["branches"] = obj1("failure", list);
                item
            }
        };
        list = Value::Array(vec![item]);
    }
    list
}

/// A valid list whose every slot the generators below overwrite.
fn base() -> Value {
    json!([
        {"id": "a", "type": "setData", "name": "Set",
         "data": [{"key": "Flow.x", "value": {"expression": "1"}}]},
        {"type": "decision", "name": "Check", "expression": "Flow.x == 1",
         "outputs": {"true": [{"type": "tagInteraction", "tags": ["yes"]}]}},
        {"type": "disconnect"}
    ])
}

const SLOTS: &[&str] = &[
    "",
    "/0",
    "/0/id",
    "/0/name",
    "/0/type",
    "/0/data",
    "/0/data/0/key",
    "/0/data/0/value",
    "/0/data/0/value/expression",
    "/1/expression",
    "/1/outputs",
    "/1/outputs/true",
    "/1/outputs/true/0",
    "/1/outputs/true/0/tags",
    "/1/outputs/true/0/tags/0",
    "/2",
];

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

fn parse_and_check(actions: &Value, variables: Option<&Value>) -> Result<(), TestCaseError> {
    if let Err(e) = parse_actions(actions, variables) {
        let len = json_len(actions) + variables.map_or(0, json_len);
        check_refusal(&e, len)?;
    }
    Ok(())
}

#[test]
fn huge_arrays_are_refused_with_their_code() {
    let e = parse_actions(
        &Value::Array(vec![json!({"type": "disconnect"}); 100_000]),
        None,
    )
    .expect_err("100k actions");
    assert_eq!(codes(&e), ["too.many.nodes"]);
    let tags = json!([{"type": "tagInteraction", "tags": vec!["t"; 100_000]}]);
    let e = parse_actions(&tags, None).expect_err("100k tags");
    assert!(codes(&e).contains(&"invalid.setting"), "{e:?}");
    let variables = Value::Array(vec![json!({"name": "v"}); 100_000]);
    let e = parse_actions(&base(), Some(&variables)).expect_err("100k variables");
    assert!(codes(&e).contains(&"too.many.variables"), "{e:?}");
    // 100k outcome keys on one item: one diagnostic each, truncated to 100.
    let outputs: serde_json::Map<String, Value> =
        (0..100_000).map(|i| (format!("o{i}"), json!([]))).collect();
    let doc = json!([{"type": "decision", "expression": "true", "outputs": outputs}]);
    let e = parse_actions(&doc, None).expect_err("unknown outcomes");
    assert_eq!(e.details.len(), 100);
    // Exactly MAX_NODES across nested lists is accepted.
    let inner = vec![json!({"type": "tagInteraction", "tags": ["t"]}); MAX_NODES - 1];
    let doc = json!([{"type": "decision", "expression": "true", "outputs": {"true": inner}}]);
    assert!(parse_actions(&doc, None).is_ok());
}

#[test]
fn a_long_parent_id_is_not_copied_into_every_generated_child_id() {
    // Children without ids get `{parent id}.{outcome}.{i}`: a 1 MB parent id over 1,999
    // children would be 2 GB of ids. Ids over MAX_ID_LEN are refused instead.
    let children = vec![json!({"type": "disconnect"}); MAX_NODES - 1];
    let long_id = "x".repeat(1_000_000);
    let doc = json!([{"id": long_id, "type": "decision", "expression": "true",
                      "outputs": {"true": children}}]);
    let e = parse_actions(&doc, None).expect_err("id too long");
    assert!(codes(&e).contains(&"invalid.node"), "{e:?}");
    assert!(fuzz_support::error_len(&e) < 10_000, "{}", e.message.len());
    // The longest accepted id still works.
    let doc = json!([{"id": "y".repeat(MAX_ID_LEN), "type": "disconnect"}]);
    assert!(parse_actions(&doc, None).is_ok());
}

proptest! {
    #![proptest_config(config(24))]

    /// Up to 1,000 levels of branches: the cap refuses them, nothing recurses past it.
    #[test]
    fn deep_branches_are_refused_not_recursed(
        shape in prop::sample::select(vec![Branch::DecisionOutputs, Branch::CollectInputDtmf, Branch::AnyItemBranches]),
        depth in 1usize..=1_000,
    ) {
        let doc = nested_actions(shape, depth);
        let result = parse_actions(&doc, None);
        // The top-level list is level 1, each branching item adds one.
        if depth < MAX_ACTION_DEPTH {
            prop_assert!(result.is_ok(), "{shape:?} x{depth}: {:?}", result.err());
        } else {
            let e = result.as_ref().expect_err("too deep");
            prop_assert!(codes(e).contains(&"nesting.too.deep"), "{:?}", e.message);
            prop_assert!(e.details.len() <= 100);
        }
        drop(result);
        dismantle(doc);
    }

    /// A string up to 1 MB in any slot.
    #[test]
    fn long_strings_anywhere(slot in prop::sample::select(SLOTS), long in arb_long_string()) {
        parse_and_check(&with_slot(slot, Value::String(long)), None)?;
    }

    /// JSON nested to serde's limit in any slot, or as the variables.
    #[test]
    fn deep_json_anywhere(slot in prop::sample::select(SLOTS), deep in arb_deep_json(), as_variables in any::<bool>()) {
        if as_variables {
            parse_and_check(&base(), Some(&deep))?;
        } else {
            parse_and_check(&with_slot(slot, deep), None)?;
        }
    }

    /// Many faulty actions under one long name: the error is proportional to the input.
    #[test]
    fn many_faults_with_long_strings(long in arb_long_string(), bad in 1usize..1_000, count in 1usize..MAX_NODES) {
        let mut doc = vec![json!({"name": long, "type": "setData",
            "data": vec![json!({"key": "Flow.", "value": {"expression": "1 +"}}); bad]})];
        doc.extend((1..count).map(|_| json!({"name": "n", "type": "nope"})));
        let doc = Value::Array(doc);
        let e = parse_actions(&doc, None).expect_err("every action is faulty");
        check_refusal(&e, json_len(&doc))?;
    }
}
