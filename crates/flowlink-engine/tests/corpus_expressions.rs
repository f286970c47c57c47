//! Every `exp:` value of the Archy corpus parses and evaluates: run against a context that
//! gives every variable it reads a plausible value (chosen by the name's use in the
//! expression), each expression must give a value, never an error. With nothing set, each
//! must end in a value or a NOT_SET error, never anything else (no function left
//! unimplemented, no type confusion in the library).

#[path = "../../flowlink-model/tests/corpus_support/mod.rs"]
mod corpus_support;

use corpus_support::{assert_no_expression_failed, corpus_expressions};
use flowlink_engine::{evaluate, ExprContext};
use flowlink_model::archy::expr::parse_archy_expression;
use serde_json::{json, Map, Value};

/// A plausible value for a variable, by what its name says it holds and how `text` uses it.
fn plausible(name: &str, text: &str) -> Value {
    let n = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    let indexed = text.to_ascii_lowercase().contains(&format!("{n}["));
    if indexed
        || has(&[
            "list",
            "array",
            "messages",
            "purposes",
            "statuslist",
            "counts",
            "time_complete",
            "start_time",
            "end_time",
            "participantid",
            "flow.time",
        ])
    {
        if has(&["counts"]) {
            return json!([1, 2]);
        }
        return json!(["IDLE", "x"]);
    }
    if has(&["index"]) {
        return json!(0);
    }
    if has(&[
        "intent",
        "interactionstate",
        "eventtype",
        "contactid",
        "externalid",
        "customerid",
        "receivedmessage",
    ]) {
        return json!("1");
    }
    if has(&[
        "score",
        "priority",
        "count",
        "int",
        "seconds",
        "minutes",
        "hours",
        "num",
        "total",
        "position",
        "waiting",
        "callbacks",
        "increment",
    ]) {
        return json!(2);
    }
    if has(&["idle", "success", "requested", "isnew", "optout"]) {
        return json!(true);
    }
    if has(&["duration"]) {
        return json!({"minutes": 5});
    }
    if has(&["updated", "datetime", "date"]) {
        return json!("2026-11-30T08:00:00.000Z");
    }
    if has(&[
        "json",
        "attributes",
        "contact",
        "queue",
        "guest",
        "message",
        "workitem",
        "survey",
        "session",
    ]) {
        return json!({"id": "q-1", "name": "Support", "firstName": "Ann", "body": "hi", "e164": "+13175550100",
            "customFields": [{"key": "k", "value": "v"}], "cellPhone": {"e164": "+13175550100"},
            "conversationId": "c-1", "status": {"name": "Open"}, "personalEmail": "a@b.test", "delay": "5"});
    }
    if has(&["ani", "phone"]) {
        return json!("tel:+13175550100");
    }
    if has(&["ewt"]) {
        return json!("P0DT0H1M30S");
    }
    if has(&["og_attributes"]) {
        return json!("{\"phoneNumber\": \"+13175550100\"}");
    }
    json!("1")
}

/// Every scoped name the expression text mentions (`Flow.x`, `Task.y[0]` → `Task.y`).
fn names_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphabetic()
            && (i == 0
                || !(chars[i - 1].is_ascii_alphanumeric()
                    || chars[i - 1] == '.'
                    || chars[i - 1] == '"'))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let parts: Vec<&str> = word.split('.').collect();
            if parts.len() >= 2 && !parts[1].is_empty() {
                names.push(format!("{}.{}", parts[0], parts[1]));
            }
        } else {
            i += 1;
        }
    }
    names
}

fn context_for(text: &str) -> ExprContext {
    let mut variables = Map::new();
    let mut builtins = Map::new();
    for name in names_in(text) {
        let scope = name
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let value = plausible(&name, text);
        if matches!(scope.as_str(), "flow" | "task" | "state" | "common") {
            variables.insert(name, value);
        } else {
            builtins.insert(name, value);
        }
    }
    ExprContext {
        variables,
        builtins,
        ani: "tel:+13175550100".into(),
        dnis: "tel:+18005550199".into(),
        now: Some("2026-11-30T09:15:30Z".into()),
        language: Some("en-us".into()),
        ..ExprContext::default()
    }
}

#[test]
fn every_corpus_expression_evaluates() {
    let found = corpus_expressions();
    let mut failures = Vec::new();
    let mut unset_errors = 0;
    for (file, line, text) in &found {
        let expr = match parse_archy_expression(text) {
            Ok(expr) => expr,
            Err(e) => {
                failures.push(format!("{file}:{line}: {text:?} does not parse: {e}"));
                continue;
            }
        };
        if let Err(e) = evaluate(&expr, &context_for(text)) {
            failures.push(format!("{file}:{line}: {text:?}: {}", e.message));
        }
        // With nothing set, only NOT_SET may go wrong.
        let bare = ExprContext {
            now: Some("2026-11-30T09:15:30Z".into()),
            ..ExprContext::default()
        };
        if let Err(e) = evaluate(&expr, &bare) {
            unset_errors += 1;
            if !e.message.contains("NOT_SET")
                && !e
                    .message
                    .contains("out of range (the collection has 0 items)")
            {
                failures.push(format!(
                    "{file}:{line}: {text:?} with nothing set: {}",
                    e.message
                ));
            }
        }
    }
    println!(
        "{} corpus expressions evaluated ({} of them stop on NOT_SET when nothing is set)",
        found.len(),
        unset_errors
    );
    assert_no_expression_failed(found.len(), &failures);
}
