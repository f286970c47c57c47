//! Shared setup: the worked example's flows (`examples/flows`) plus a few small JSON flows for
//! outcomes the example does not reach, and a one-call way to run a test file's text.

use std::path::PathBuf;

use flowlink_flowtest::{parse_test_file, run_offline, CaseResult, FlowSet, Options, Status};

/// `examples/flows` of the repository.
pub fn examples() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../examples/flows")
}

/// A flow whose data action has no failure path: without an answer the call fails.
const FAILING: &str = r#"{"name": "Failing Line", "type": "inboundcall",
  "actions": [{"type": "httpRequest", "name": "GetBalance"},
              {"type": "transferToAcd", "name": "To Billing", "queue": "Billing"}]}"#;

/// A flow calling one data action twice: the second answer decides the queue.
const TWICE: &str = r#"{"name": "Twice", "type": "inboundcall", "definition": {
  "nodes": [
    {"id": "first", "name": "First check", "type": "callData", "settings": {"dataActionName": "Check"}},
    {"id": "second", "name": "Second check", "type": "callData", "settings": {"dataActionName": "Check"}},
    {"id": "ok", "name": "OK", "type": "transferToAcd", "settings": {"queue": "Second ok"}},
    {"id": "bad", "name": "Bad", "type": "transferToAcd", "settings": {"queue": "Second failed"}},
    {"id": "early", "name": "Early", "type": "transferToAcd", "settings": {"queue": "First failed"}}
  ],
  "edges": [
    {"id": "e0", "source": "start", "target": "first"},
    {"id": "e1", "source": "first", "target": "second", "type": "success"},
    {"id": "e2", "source": "first", "target": "early", "type": "failure"},
    {"id": "e3", "source": "second", "target": "ok", "type": "success"},
    {"id": "e4", "source": "second", "target": "bad", "type": "failure"}
  ],
  "entry": {"nodeId": "first"}}}"#;

/// The example's flows plus [`FAILING`] and [`TWICE`].
pub fn flow_set() -> FlowSet {
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(examples()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".test.yaml") {
            continue;
        }
        sources.push((name, std::fs::read_to_string(&path).unwrap()));
    }
    sources.sort();
    sources.push(("failing.json".into(), FAILING.into()));
    sources.push(("twice.json".into(), TWICE.into()));
    FlowSet::from_sources(&sources).unwrap()
}

/// Runs the test file `text` (named `cases.test.yaml`) offline against [`flow_set`].
pub fn run_with(text: &str, opts: &Options) -> Vec<CaseResult> {
    let file = parse_test_file("cases.test.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    let (results, _) = run_offline(&flow_set(), &[file], "examples", opts).unwrap();
    results.into_iter().next().unwrap().cases
}

/// [`run_with`] default options.
pub fn run(text: &str) -> Vec<CaseResult> {
    run_with(text, &Options::default())
}

/// The mismatch of a case that must have failed: (key, expected, actual).
pub fn failure(case: &CaseResult) -> (&'static str, String, String) {
    match &case.status {
        Status::Failed { mismatch } => (
            mismatch.key,
            mismatch.expected.clone(),
            mismatch.actual.clone(),
        ),
        other => panic!("case '{}' should have failed: {other:?}", case.name),
    }
}

/// Asserts a case passed, showing its mismatch otherwise.
pub fn assert_passed(case: &CaseResult) {
    assert!(case.passed(), "case '{}': {:?}", case.name, case.status);
}
