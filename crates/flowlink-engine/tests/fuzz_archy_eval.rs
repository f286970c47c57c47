//! Adversarial runs of the evaluator: random Archy expressions built from the language's
//! tokens, every function with random arguments, extreme numbers, dates and durations. Every
//! expression parses and evaluates to a value or an `EvaluationError`; nothing panics (no
//! overflow, no out-of-range index, no date arithmetic past chrono's range).
//! More cases: `PROPTEST_CASES=5000 cargo test -p flowlink-engine --test fuzz_archy_eval`.

use flowlink_engine::{evaluate, ExprContext};
use flowlink_model::archy::expr::parse_archy_expression;
use flowlink_model::expr::Function;
use proptest::prelude::*;
use serde_json::{json, Map};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn context() -> ExprContext {
    let mut variables = Map::new();
    for (name, value) in [
        ("Flow.s", json!("tel:+13175550100")),
        ("Flow.n", json!(9_223_372_036_854_775_807_i64)),
        ("Flow.m", json!(-9_223_372_036_854_775_807_i64 - 1)),
        ("Flow.d", json!(1.5e308)),
        ("Flow.t", json!("2026-11-30T09:15:30Z")),
        ("Flow.p", json!("P106751991167DT7H12M55.807S")),
        ("Flow.l", json!([1, "a", null, [2], {"k": "v"}])),
        ("Flow.j", json!({"a": {"b": [1, 2]}, "type": "x"})),
        ("Task.e", json!("")),
        ("State.b", json!(true)),
    ] {
        variables.insert(name.into(), value);
    }
    ExprContext {
        variables,
        ani: "tel:+13175550100".into(),
        dnis: "+18005550199".into(),
        now: Some("2026-11-30T09:15:30Z".into()),
        ..ExprContext::default()
    }
}

fn arb_atom() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Flow.s",
        "Flow.n",
        "Flow.m",
        "Flow.d",
        "Flow.t",
        "Flow.p",
        "Flow.l",
        "Flow.j",
        "Flow.j.a.b",
        "Flow.l[3]",
        "Task.e",
        "State.b",
        "Flow.unset",
        "Call.Ani",
        "Flow.StartDateTimeUtc",
        "PromptSystem.x",
        "NOT_SET",
        "true",
        "false",
        "0",
        "-1",
        "1",
        "2.5",
        "-0.0",
        "9223372036854775807",
        "\"\"",
        "\"a,b\"",
        "\"2026-02-29\"",
        "\"PT1S\"",
        "[]",
        "[1, 2]",
        "GetCurrentDateTimeUtc()",
        "MakeDuration(0, 0, 0, 1)",
    ])
    .prop_map(str::to_owned)
}

/// An expression tree of bounded depth: atoms, operators and any library function.
fn arb_expr() -> impl Strategy<Value = String> {
    arb_atom().prop_recursive(4, 48, 4, |inner| {
        let ops = prop::sample::select(vec![
            "+", "-", "*", "/", "%", "==", "!=", "<", ">=", "and", "or",
        ]);
        prop_oneof![
            (inner.clone(), ops, inner.clone()).prop_map(|(l, op, r)| format!("({l} {op} {r})")),
            inner.clone().prop_map(|e| format!("-({e})")),
            inner.clone().prop_map(|e| format!("!({e})")),
            (inner.clone(), inner.clone()).prop_map(|(c, i)| format!("({c})[{i}]")),
            inner.clone().prop_map(|e| format!("({e}).e164")),
            (
                prop::sample::select(Function::ALL.to_vec()),
                prop::collection::vec(inner, 0..5)
            )
                .prop_map(|(f, args)| {
                    let (min, max) = f.arity();
                    let mut args = args;
                    while args.len() < min {
                        args.push("1".into());
                    }
                    args.truncate(max);
                    format!("{}({})", f.name(), args.join(", "))
                }),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn evaluating_never_panics(text in arb_expr()) {
        let ctx = context();
        // Every generated expression is well-formed, so the evaluator sees all of them.
        let expr = parse_archy_expression(&text);
        prop_assert!(expr.is_ok(), "{text}: {expr:?}");
        if let Ok(expr) = expr {
            let _ = evaluate(&expr, &ctx);
        }
    }
}
