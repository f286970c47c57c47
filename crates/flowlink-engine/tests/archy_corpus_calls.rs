//! Every voice flow of the real Archy corpus (`../shared/archy-corpus`: inboundCall,
//! inqueueCall, outboundCall, secureCall, commonModule) runs a simulated call to an outcome,
//! with data-action answers from the simulation input, and no action is "not simulated".

use std::sync::Arc;

#[path = "../../flowlink-model/tests/corpus_support/mod.rs"]
mod corpus_support;

use corpus_support::corpus;
use flowlink_engine::{
    run, DataActionMock, ErrorHandling, FinalOutcome, FlowToRun, InMemoryModules, Limits,
    Simulation,
};
use flowlink_model::archy::{parse_archy, ArchyOp};
use flowlink_model::{FlowLogic, NodeKind};
use serde_json::Map;

const VOICE: &[&str] = &[
    "inboundCall",
    "inqueueCall",
    "outboundCall",
    "secureCall",
    "commonModule",
];

/// Every data action the flow calls, answered with success and no outputs.
fn data_action_answers(logic: &FlowLogic) -> Vec<String> {
    logic
        .graph
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Archy(a) => match &a.op {
                ArchyOp::Core(NodeKind::DataAction { name, .. }) => Some(name.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn every_voice_flow_of_the_corpus_runs_a_call_to_an_outcome() {
    let mut ran = 0;
    let mut problems = Vec::new();
    for (file, text) in corpus() {
        let flow = parse_archy(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        if !VOICE.contains(&flow.root_key.as_str()) {
            continue;
        }
        let mut logic = flow.logic.clone();
        // Modules by name: every called module exists (as an empty module) in the simulation.
        let mut modules = InMemoryModules::new();
        for name in logic.unbound_module_names() {
            let id = format!("module:{name}");
            modules.add_version(
                &id,
                &name,
                1,
                Arc::new(FlowLogic::empty(flowlink_model::Dialect::Archy)),
                true,
            );
        }
        logic
            .bind_module_names(|name| Some(format!("module:{name}")))
            .expect("every name binds");
        let mut sim = Simulation {
            ani: "tel:+13175550100".into(),
            dnis: "tel:+18005550199".into(),
            digits: vec!["1".into(); 4],
            now: Some("2026-11-30T15:00:00Z".into()),
            participant_data: Map::new(),
            ..Default::default()
        };
        for name in data_action_answers(&logic) {
            sim.data_actions
                .insert(name, DataActionMock::Outputs(Map::new()));
        }
        let to_run = FlowToRun {
            id: file.clone(),
            name: flow.name.clone(),
            version: 1,
            logic: Arc::new(logic),
            error_handling: ErrorHandling::Disconnect,
        };
        let result = run(&to_run, &sim, &modules, &Limits::default());
        ran += 1;
        println!(
            "{file}: {:?} after {} actions",
            result.outcome, result.action_count
        );
        if let FinalOutcome::Failed { reason } = &result.outcome {
            if reason.contains("not simulated") {
                problems.push(format!("{file}: {reason}"));
            }
        }
    }
    println!("archy corpus: {ran} voice flows simulated");
    assert!(ran >= 20, "expected the corpus's voice flows, ran {ran}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
