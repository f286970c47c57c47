//! Data-driven execution tests: every `fixtures/*.json` case (flow logic in either dialect,
//! modules by id and version, simulated calls, hand-written expectations) is run by the one
//! helper below and its full results compared with `fixtures/<case>.expected.json`.
//!
//! Adding a case is adding a file and its name to `cases!` (one `#[test]` per file, so
//! `cargo test -p flowlink-engine --test fixtures NAME` runs one case). To (re)write the expected files after reviewing a change:
//! `FLOWLINK_BLESS=1 cargo test -p flowlink-engine --test fixtures`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flowlink_engine::{
    run, run_with, ErrorHandling, ExecutionResult, FlowToRun, InMemoryModules, Limits, Simulation,
    Trace, TraceLevel,
};
use flowlink_model::{parse_actions, parse_definition, FlowLogic};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    description: String,
    flow: FlowDoc,
    #[serde(default)]
    modules: BTreeMap<String, ModuleDoc>,
    #[serde(default)]
    limits: Option<Limits>,
    runs: Vec<Run>,
}

/// Flow logic as the API receives it: `definition` (graph) or `actions` (+ `variables`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Logic {
    #[serde(default)]
    definition: Option<Value>,
    #[serde(default)]
    actions: Option<Value>,
    #[serde(default)]
    variables: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FlowDoc {
    id: String,
    name: String,
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    error_handling: ErrorHandling,
    #[serde(flatten)]
    logic: Logic,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ModuleDoc {
    name: String,
    /// Published logic version; `None` leaves the module unpublished.
    #[serde(default)]
    published: Option<u32>,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    error_handling: ErrorHandling,
    versions: BTreeMap<u32, Logic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Run {
    name: String,
    #[serde(default)]
    simulation: Simulation,
    expect: Expect,
}

/// The facts a case pins by hand; the expected file pins everything else.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Expect {
    outcome: Value,
    #[serde(default)]
    action_count: Option<u32>,
    #[serde(default)]
    participant_data: Option<Value>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    output_data: Option<Value>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

fn parse_logic(logic: &Logic, what: &str) -> Result<Arc<FlowLogic>, String> {
    let parsed = match (&logic.definition, &logic.actions) {
        (Some(definition), None) => parse_definition(definition),
        (None, Some(actions)) => parse_actions(actions, logic.variables.as_ref()),
        _ => {
            return Err(format!(
                "{what}: give exactly one of `definition` or `actions`"
            ))
        }
    };
    parsed
        .map(Arc::new)
        .map_err(|e| format!("{what}: {e}: {:?}", e.details))
}

/// One run's result as written to the expected file (struct order, not sorted keys, so the
/// file reads like the API response).
#[derive(Serialize)]
struct RunResult {
    run: String,
    #[serde(flatten)]
    result: ExecutionResult,
}

fn run_case(path: &Path) -> Result<Vec<RunResult>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Case = serde_json::from_str(&text).map_err(|e| format!("bad case file: {e}"))?;
    let flow = FlowToRun {
        id: case.flow.id.clone(),
        name: case.flow.name.clone(),
        version: case.flow.version,
        logic: parse_logic(&case.flow.logic, "flow")?,
        error_handling: case.flow.error_handling,
    };
    let mut modules = InMemoryModules::new();
    for (id, module) in &case.modules {
        for (version, logic) in &module.versions {
            let logic = parse_logic(logic, &format!("module {id} v{version}"))?;
            modules.add_version(
                id,
                &module.name,
                *version,
                logic,
                module.published == Some(*version),
            );
        }
        modules.set_active(id, module.active);
        modules.set_error_handling(id, module.error_handling);
    }
    let limits = case.limits.unwrap_or_default();
    if case.runs.is_empty() {
        return Err("a case needs at least one run".into());
    }
    let mut results = Vec::new();
    let mut problems = Vec::new();
    for run_def in &case.runs {
        let result = run(&flow, &run_def.simulation, &modules, &limits);
        let fast = run_with(
            &flow,
            &run_def.simulation,
            &modules,
            &limits,
            TraceLevel::Off,
        );
        if fast
            != (ExecutionResult {
                trace: Trace::default(),
                ..result.clone()
            })
        {
            problems.push(format!(
                "run {}: untraced run differs from traced run",
                run_def.name
            ));
        }
        problems.extend(check_expect(&run_def.name, &run_def.expect, &result));
        results.push(RunResult {
            run: run_def.name.clone(),
            result,
        });
    }
    if problems.is_empty() {
        Ok(results)
    } else {
        Err(problems.join("\n"))
    }
}

fn check_expect(run: &str, expect: &Expect, result: &ExecutionResult) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |what: &str, want: Option<Value>, got: Value| {
        if let Some(want) = want {
            if want != got {
                problems.push(format!("run {run}: {what}: expected {want}, got {got}"));
            }
        }
    };
    let outcome = serde_json::to_value(&result.outcome).expect("outcome serializes");
    check("outcome", Some(expect.outcome.clone()), outcome);
    check(
        "actionCount",
        expect.action_count.map(Value::from),
        Value::from(result.action_count),
    );
    check(
        "participantData",
        expect.participant_data.clone(),
        Value::Object(result.participant_data.clone()),
    );
    check(
        "tags",
        expect.tags.clone().map(Value::from),
        Value::from(result.tags.clone()),
    );
    check(
        "outputData",
        expect.output_data.clone(),
        Value::Object(result.output_data.clone()),
    );
    problems
}

fn expected_path(case: &Path) -> PathBuf {
    case.with_extension("expected.json")
}

/// The case files in `tests/fixtures`, by stem, sorted.
fn case_files() -> Vec<String> {
    let dir = Path::new(
        &std::env::var_os("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/fixtures");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/fixtures exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let stem = name.strip_suffix(".json")?;
            (!stem.ends_with(".expected")).then(|| stem.to_owned())
        })
        .collect();
    cases.sort();
    cases
}

/// Runs `tests/fixtures/<name>.json` and compares (or with `FLOWLINK_BLESS`, writes) its
/// expected file.
fn check_case(name: &str) {
    let case = Path::new(
        &std::env::var_os("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/fixtures")
    .join(format!("{name}.json"));
    let actual = run_case(&case).unwrap_or_else(|problem| panic!("{name}:\n{problem}"));
    let expected_file = expected_path(&case);
    let rendered = serde_json::to_string_pretty(&actual).expect("serializes") + "\n";
    if std::env::var_os("FLOWLINK_BLESS").is_some() {
        std::fs::write(&expected_file, &rendered).expect("writes expected file");
        return;
    }
    match std::fs::read_to_string(&expected_file) {
        Ok(expected) => assert!(
            expected == rendered,
            "{name}: result differs from {}\n{}",
            expected_file.display(),
            first_difference(&expected, &rendered)
        ),
        Err(_) => panic!(
            "{name}: no {} yet; review this result and bless it with FLOWLINK_BLESS=1:\n{rendered}",
            expected_file.display()
        ),
    }
}

/// One `#[test]` per case file, named after it, so `cargo test -p flowlink-engine --test
/// fixtures NAME` runs one case; `every_case_file_has_a_test` keeps the list and the directory
/// equal.
macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                check_case(stringify!($name));
            }
        )*
    };
}

cases! {
    action_limit_continue,
    action_limit_disconnect,
    data_action_failure_without_branch,
    data_action_outputs_and_failure,
    deactivated_module_continue,
    deactivated_module_with_failure_edge,
    deactivated_module_without_failure_edge,
    error_handling_continue,
    floating_and_pinned_versions,
    menu_routing_on_module_output,
    module_error_returns_to_caller,
    nested_modules_depth_8_runs,
    nested_modules_depth_9_fails,
    pinned_version_missing,
    seed000_module_called_from_flow,
    seed001_common_module_tags_and_greets,
}

#[test]
fn every_case_file_has_a_test() {
    let mut listed: Vec<String> = CASES.iter().map(|c| c.to_string()).collect();
    listed.sort();
    assert_eq!(
        case_files(),
        listed,
        "add the new case file's name to `cases!` in tests/fixtures.rs (or remove a stale one)"
    );
}

/// The first differing line, with its neighbours, so a failure is readable without a diff tool.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    let at = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = at.saturating_sub(3);
    let show = |lines: &[&str]| {
        lines
            .iter()
            .skip(from)
            .take(7)
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "at line {}:\n--- expected\n{}\n+++ actual\n{}",
        at + 1,
        show(&e),
        show(&a)
    )
}
