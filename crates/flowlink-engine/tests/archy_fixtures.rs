//! Archy simulation fixtures: one YAML file a case in `archy_fixtures/`, one named test per
//! file (`cargo test -p flowlink-engine --test archy_fixtures menu_reached_twice`). A case holds
//! the flow as Archy text, the modules it calls by name, and runs: a simulation input and the
//! facts expected (outcome, prompts played in order, participant data, output data, tags);
//! with `link: <module name>`, the flow runs as `link_archy` leaves it with that module linked.
//! `every_fixture_file_has_a_test` keeps the list below and the folder in step.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use flowlink_engine::{
    run, ErrorHandling, Event, ExecutionResult, FlowToRun, InMemoryModules, Limits, Simulation,
};
use flowlink_model::archy::{link_archy, parse_archy, yaml::yaml_to_json};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[allow(dead_code)]
    description: String,
    /// The flow, as an Archy file.
    flow: String,
    /// Modules by name, as Archy files (`commonModule:`).
    #[serde(default)]
    modules: Vec<String>,
    /// A module linked into the flow (`flowlink link`'s text edit) before it runs.
    #[serde(default)]
    link: Option<String>,
    runs: Vec<Run>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Run {
    name: String,
    #[serde(default)]
    simulation: Simulation,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Expect {
    /// `{type: disconnected}`, `{type: transferred, queue}`, `{type: failed, reason}`; a
    /// `reasonContains` instead of `reason` matches part of it.
    outcome: Value,
    /// Prompts played in order: TTS text, or `prompt:<name>` for a named prompt.
    #[serde(default)]
    prompts: Option<Vec<String>>,
    /// These keys of participant data, with these values.
    #[serde(default)]
    participant_data: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    output_data: Option<Value>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

fn dir() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("tests/archy_fixtures")
}

fn prompts(result: &ExecutionResult) -> Vec<String> {
    let text = |p: &flowlink_engine::PromptPlayed| match (&p.text, &p.prompt_id) {
        (Some(t), _) => t.clone(),
        (None, Some(id)) => format!("prompt:{id}"),
        (None, None) => String::new(),
    };
    result
        .trace
        .steps
        .iter()
        .filter_map(|s| match &s.event {
            Event::PromptPlayed { prompt } => Some(text(prompt)),
            Event::InputCollected {
                prompt: Some(prompt),
                ..
            } => Some(text(prompt)),
            _ => None,
        })
        .collect()
}

fn check_outcome(expected: &Value, result: &ExecutionResult) -> Result<(), String> {
    let actual = serde_json::to_value(&result.outcome).map_err(|e| e.to_string())?;
    if let Some(part) = expected.get("reasonContains").and_then(Value::as_str) {
        let reason = actual
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if actual.get("type") == expected.get("type") && reason.contains(part) {
            return Ok(());
        }
    } else if actual == *expected {
        return Ok(());
    }
    Err(format!("outcome: expected {expected}, got {actual}"))
}

fn run_fixture(name: &str) {
    let path = dir().join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = yaml_to_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let case: Case =
        serde_json::from_value(doc).unwrap_or_else(|e| panic!("{name}: bad case: {e}"));
    let flow_text = match &case.link {
        Some(module) => link_archy(&case.flow, module)
            .unwrap_or_else(|e| panic!("{name}: link: {e}"))
            .unwrap_or_else(|| panic!("{name}: link changed nothing")),
        None => case.flow.clone(),
    };
    let flow = parse_archy(&flow_text).unwrap_or_else(|e| panic!("{name}: flow: {e}"));
    let mut modules = InMemoryModules::new();
    let mut ids = BTreeMap::new();
    for text in &case.modules {
        let module = parse_archy(text).unwrap_or_else(|e| panic!("{name}: module: {e}"));
        let id = format!("module-{}", ids.len() + 1);
        modules.add_version(&id, &module.name, 1, Arc::new(module.logic), true);
        ids.insert(module.name.clone(), id);
    }
    let mut logic = flow.logic.clone();
    logic
        .bind_module_names(|n| ids.get(n).cloned())
        .unwrap_or_else(|missing| panic!("{name}: no module named {missing:?}"));
    let to_run = FlowToRun {
        id: "flow-1".into(),
        name: flow.name.clone(),
        version: 1,
        logic: Arc::new(logic),
        error_handling: ErrorHandling::Disconnect,
    };
    let mut failures = Vec::new();
    for r in &case.runs {
        let result = run(&to_run, &r.simulation, &modules, &Limits::default());
        let mut problems = Vec::new();
        if let Err(e) = check_outcome(&r.expect.outcome, &result) {
            problems.push(e);
        }
        if let Some(expected) = &r.expect.prompts {
            let actual = prompts(&result);
            if *expected != actual {
                problems.push(format!("prompts: expected {expected:?}, got {actual:?}"));
            }
        }
        for (k, v) in r.expect.participant_data.iter().flatten() {
            if result.participant_data.get(k) != Some(v) {
                problems.push(format!(
                    "participant data {k}: expected {v}, got {:?}",
                    result.participant_data.get(k)
                ));
            }
        }
        if let Some(expected) = &r.expect.output_data {
            let actual = Value::Object(result.output_data.clone());
            if *expected != actual {
                problems.push(format!("output data: expected {expected}, got {actual}"));
            }
        }
        if let Some(expected) = &r.expect.tags {
            if *expected != result.tags {
                problems.push(format!(
                    "tags: expected {expected:?}, got {:?}",
                    result.tags
                ));
            }
        }
        if !problems.is_empty() {
            let trace = serde_json::to_string_pretty(&result.trace).unwrap_or_default();
            failures.push(format!(
                "run '{}':\n  {}\ntrace: {trace}",
                r.name,
                problems.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { run_fixture(stringify!($name)); })*
        const FIXTURES: &[&str] = &[$(stringify!($name)),*];
    };
}

fixtures!(
    play_audio_and_initial_greeting,
    menu_reached_twice_by_jump_to_menu,
    decision_yes_and_no,
    switch_first_true_and_first_match,
    loop_with_loop_next_and_loop_exit,
    call_task_returns_and_jump_to_task_does_not,
    update_data_and_participant_data,
    call_data_success_outputs,
    call_data_failure_path,
    call_data_answers_in_order_with_timeout,
    data_table_lookup_found_and_not_found,
    collect_input_success_and_failure,
    find_queue_and_transfer_to_acd,
    transfer_to_voicemail_and_flow,
    hold_music_in_queue,
    schedule_closed_at_the_simulated_time,
    common_module_by_name_with_inputs_and_outputs,
    unsimulated_action_fails_naming_it,
    output_without_actions_falls_through,
    linked_menu_start_enters_the_module_then_the_menu,
);

#[test]
fn every_fixture_file_has_a_test() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture folder")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".yaml"))
                .map(str::to_string)
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|s| (*s).to_string()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "add each fixture file to the fixtures! list (and only those)"
    );
}
