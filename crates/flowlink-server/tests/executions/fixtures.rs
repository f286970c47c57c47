//! Data-driven simulated calls over HTTP: every `fixtures/*.json` case creates its modules and
//! flows through the API (in a fresh organization), launches its calls and checks each
//! execution against the case's expectations. Adding a case is adding a file and its name to
//! `cases!` (one named test per file).
//!
//! ```jsonc
//! {
//!   "description": "what the case shows",
//!   "modules": [{"alias": "auth", "body": {/* POST /api/v2/flows/flowmodules body */}}],
//!   "flows":   [{"alias": "main", "body": {/* POST /api/v2/flows body */}}],
//!   "calls": [{
//!     "name": "press 1", "flow": "main", "flowVersion": "1",          // flowVersion optional
//!     "simulation": {"ani": "", "digits": ["1"], "dataActions": {}},  "inputData": {},
//!     "expect": {"status": "COMPLETED", "outcome": {"type": "transferred", "queue": "Sales"},
//!                "actionCount": 6, "tags": [], "participantData": {}, "outputData": {},
//!                "reason": "substring of flowErrorInfo.message",
//!                "steps": [/* step patterns that must occur in this order */]}
//!   }]
//! }
//! ```
//! Modules and flows are created in the order listed; any JSON string `"$alias"` in a later
//! body or in an expectation becomes that module's or flow's id. Only `outcome` is required in
//! `expect`; object patterns match by subset.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::common::TestServer;
use crate::support::{self, in_order, matches};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    description: String,
    #[serde(default)]
    modules: Vec<Created>,
    flows: Vec<Created>,
    calls: Vec<Call>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Created {
    alias: String,
    body: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Call {
    name: String,
    flow: String,
    #[serde(default)]
    flow_version: Option<String>,
    #[serde(default)]
    simulation: Value,
    #[serde(default)]
    input_data: Option<Value>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    status: Option<String>,
    outcome: Value,
    #[serde(default)]
    action_count: Option<u64>,
    #[serde(default)]
    tags: Option<Value>,
    #[serde(default)]
    participant_data: Option<Value>,
    #[serde(default)]
    output_data: Option<Value>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    steps: Vec<Value>,
}

/// Replaces every string `"$alias"` by the alias's id.
fn substitute(v: &Value, ids: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => match s.strip_prefix('$').and_then(|a| ids.get(a)) {
            Some(id) => Value::String(id.clone()),
            None => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, ids)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, ids)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

fn check(exec: &Value, expect: &Expect, ids: &HashMap<String, String>) -> Vec<String> {
    let trace = &exec["trace"];
    let mut problems = Vec::new();
    let mut want = |what: &str, actual: &Value, expected: &Value| {
        let expected = substitute(expected, ids);
        if !matches(actual, &expected) {
            problems.push(format!("{what}: expected {expected}, got {actual}"));
        }
    };
    want("outcome", &trace["outcome"], &expect.outcome);
    let status = expect.status.clone().unwrap_or_else(|| {
        if expect.outcome["type"] == "failed" {
            "FAILED"
        } else {
            "COMPLETED"
        }
        .into()
    });
    want("status", &exec["status"], &json!(status));
    if let Some(n) = expect.action_count {
        want("actionCount", &trace["actionCount"], &json!(n));
    }
    if let Some(tags) = &expect.tags {
        want("tags", &trace["tags"], tags);
    }
    if let Some(data) = &expect.participant_data {
        want("participantData", &trace["participantData"], data);
    }
    if let Some(data) = &expect.output_data {
        want("outputData", &exec["outputData"], data);
    }
    if let Some(reason) = &expect.reason {
        let message = exec["flowErrorInfo"]["message"]
            .as_str()
            .unwrap_or_default();
        if !message.contains(reason.as_str()) {
            problems.push(format!(
                "flowErrorInfo.message {message:?} lacks {reason:?}"
            ));
        }
    }
    let patterns: Vec<Value> = expect.steps.iter().map(|p| substitute(p, ids)).collect();
    if let Err(e) = in_order(support::steps(exec), &patterns) {
        problems.push(e);
    }
    problems
}

async fn run_case(s: &TestServer, case: &Case) -> Vec<String> {
    // A fresh organization per case: names and ids never collide between cases.
    let token = s.other_org_token().await;
    let mut ids = HashMap::new();
    for m in &case.modules {
        let id = support::create_module(s, &token, substitute(&m.body, &ids)).await;
        ids.insert(m.alias.clone(), id);
    }
    for f in &case.flows {
        let id = support::create_flow(s, &token, substitute(&f.body, &ids)).await;
        ids.insert(f.alias.clone(), id);
    }
    let mut problems = Vec::new();
    for call in &case.calls {
        let Some(flow) = ids.get(&call.flow) else {
            problems.push(format!(
                "call '{}': unknown flow alias {}",
                call.name, call.flow
            ));
            continue;
        };
        let mut request = json!({"flowId": flow, "name": call.name, "simulation": call.simulation});
        if let Some(v) = &call.flow_version {
            request["flowVersion"] = json!(v);
        }
        if let Some(data) = &call.input_data {
            request["inputData"] = data.clone();
        }
        let launched = support::launch(s, &token, request).await;
        let exec = support::execution(s, &token, &support::id_of(&launched)).await;
        problems.extend(
            check(&exec, &call.expect, &ids)
                .into_iter()
                .map(|p| format!("call '{}': {p}", call.name)),
        );
    }
    problems
}

/// The case files' names (without `.json`), sorted.
fn fixture_names() -> Vec<String> {
    let dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/executions/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| Some(p.file_name()?.to_str()?.strip_suffix(".json")?.to_owned()))
        .collect();
    names.sort();
    names
}

/// Runs `fixtures/<name>.json` on a server of its own.
async fn run_fixture(name: &str) {
    let file = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/executions/fixtures")
    .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&file).expect("read fixture");
    let case: Case =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let s = support::server().await;
    let failures: Vec<String> = run_case(&s, &case)
        .await
        .into_iter()
        .map(|problem| format!("{}: {problem}", file.display()))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// One test per case file, named after it (`cargo test -p flowlink-server --test executions
/// fixtures::NAME`); `every_fixture_file_has_a_test` keeps the list and the directory equal.
macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[tokio::test]
            async fn $name() {
                run_fixture(stringify!($name)).await;
            }
        )*
    };
}

cases! {
    action_limit,
    branching,
    data_actions,
    nested_modules,
}

#[test]
fn every_fixture_file_has_a_test() {
    let mut listed: Vec<String> = CASES.iter().map(|c| c.to_string()).collect();
    listed.sort();
    assert_eq!(
        fixture_names(),
        listed,
        "add the new case file's name to `cases!` in tests/executions/fixtures.rs (or remove a stale one)"
    );
}
