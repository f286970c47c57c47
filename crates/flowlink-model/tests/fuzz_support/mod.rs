//! Shared pieces of the adversarial parser runs (`tests/fuzz_*.rs`): the case count, hostile
//! building blocks (JSON nested to serde's limit, long strings), the bounds every refusal must
//! respect, and an iterative teardown for values deeper than the default stack could drop.
//!
//! Case counts: each property runs a small default so `cargo test` stays fast; set
//! `PROPTEST_CASES` for a long run, e.g.
//! `PROPTEST_CASES=5000 cargo test --release -p flowlink-model --test fuzz_expression --test fuzz_definition --test fuzz_actions`.

#![allow(dead_code)]

use flowlink_model::{ExprError, ModelError, MAX_EXPR_LEN};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};

/// The proptest configuration: `PROPTEST_CASES` when set, else `default_cases`.
pub fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        // Shrinking a 100k-element document would take longer than the run itself.
        max_shrink_iters: 64,
        ..Config::default()
    }
}

/// serde_json's recursion limit: text nested deeper is refused before any parser sees it,
/// so this is the deepest document the server can hand the model.
pub const SERDE_DEPTH_LIMIT: usize = 128;

/// JSON text of `depth` nested containers (arrays or single-key objects), parsed by serde_json
/// exactly as the server would parse a request body.
pub fn nested_json(depth: usize, objects: bool) -> Result<Value, serde_json::Error> {
    let (open, close) = if objects {
        ("{\"a\":", "}")
    } else {
        ("[", "]")
    };
    let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
    serde_json::from_str(&text)
}

/// A value nested as deep as serde_json accepts from text (or shallower).
pub fn arb_deep_json() -> impl Strategy<Value = Value> {
    (1usize..SERDE_DEPTH_LIMIT, any::<bool>()).prop_map(|(depth, objects)| {
        // Depths below the limit always parse (a test below checks); Null is unreachable.
        nested_json(depth, objects).unwrap_or(Value::Null)
    })
}

/// A long string: up to 1 MB of one repeated character, or a repeated multi-byte sequence.
pub fn arb_long_string() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![1_000usize, 10_001, 100_000, 1_000_000]),
        prop::sample::select(vec!["x", "é", "(", "\"", "\\", "Flow.", "\u{0}", "🦀"]),
    )
        .prop_map(|(len, unit)| unit.repeat(len / unit.len().max(1)))
}

/// The closing half of a nesting shape: `close` once per level when `closed`, else nothing
/// (an unclosed text must be refused as well).
pub fn closers(close: &str, depth: usize, closed: bool) -> String {
    if closed {
        close.repeat(depth)
    } else {
        String::new()
    }
}

/// A long string placed as a whole expression (0), a string literal (1), a name (2) or a
/// number (3, digits as many as the string's bytes).
pub fn long_expression(long: &str, wrap: usize) -> String {
    match wrap {
        0 => long.to_owned(),
        1 => format!("\"{long}\""),
        2 => format!(
            "Flow.{}",
            long.replace(|c: char| !c.is_ascii_alphanumeric(), "a")
        ),
        _ => "9".repeat(long.len()),
    }
}

/// An expression refusal is positioned and small: its column points into the text or just
/// past it, and its message is not empty and at most `max_message_bytes` long.
pub fn check_expr_error(
    e: &ExprError,
    text: &str,
    max_message_bytes: usize,
) -> Result<(), TestCaseError> {
    let chars = text.chars().count();
    prop_assert!(e.column >= 1, "{e:?}");
    prop_assert!(
        e.column <= chars.min(MAX_EXPR_LEN) + 1,
        "column {} past the end ({chars} chars)",
        e.column
    );
    prop_assert!(!e.message.is_empty());
    prop_assert!(
        e.message.len() <= max_message_bytes,
        "{} bytes: {}",
        e.message.len(),
        e.message
    );
    Ok(())
}

/// Bytes a value takes as compact JSON, the size of the request that would carry it.
pub fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// Bytes of an error's text: its message and every diagnostic's strings.
pub fn error_len(e: &ModelError) -> usize {
    e.message.len()
        + e.details
            .iter()
            .map(|d| {
                d.code.len()
                    + d.message.len()
                    + d.node.as_ref().map_or(0, String::len)
                    + d.field.as_ref().map_or(0, String::len)
            })
            .sum::<usize>()
}

/// A refusal is a proper [`ModelError`]: a summary, at most 100 diagnostics each with a code,
/// and text proportional to the input (never repetitions × a long string).
pub fn check_refusal(e: &ModelError, input_len: usize) -> Result<(), TestCaseError> {
    prop_assert!(!e.message.is_empty(), "empty message: {e:?}");
    prop_assert!(e.details.len() <= 100, "{} diagnostics", e.details.len());
    prop_assert!(e.details.iter().all(|d| !d.code.is_empty()));
    let bound = 3 * input_len + 200_000;
    prop_assert!(
        error_len(e) <= bound,
        "error text is {} bytes for a {input_len}-byte input",
        error_len(e)
    );
    Ok(())
}

/// The refusal's diagnostic codes.
pub fn codes(e: &ModelError) -> Vec<&str> {
    e.details.iter().map(|d| d.code.as_str()).collect()
}

/// Drops `value` without recursion: serde_json's own drop recurses once per level, and the
/// programmatic documents here are far deeper than anything serde_json would parse.
pub fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// A single-key object.
pub fn obj1(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_string(), value);
    Value::Object(map)
}
