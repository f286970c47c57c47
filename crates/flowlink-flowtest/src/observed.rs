//! What a case's call did, in one shape whether it ran in process (an engine
//! [`ExecutionResult`]) or on a server (an [`ExecutionTrace`]): so both modes are checked,
//! reported and covered by the same code.

use flowlink_api::trace::{Event, ExecutionTrace, FinalOutcome, TraceStep};
use flowlink_engine::ExecutionResult;
use serde_json::{Map, Value};

/// A module entered during the call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnteredModule {
    pub id: String,
    pub name: String,
    pub version: u32,
}

/// The observable end state and history of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub outcome: FinalOutcome,
    pub action_count: u32,
    pub tags: Vec<String>,
    pub participant_data: Map<String, Value>,
    /// Prompts heard, in order, with the index of their trace step.
    pub prompts: Vec<(usize, String)>,
    /// Modules entered, in order.
    pub modules: Vec<EnteredModule>,
    /// Empty when the call ran without a trace (nothing asked for one).
    pub steps: Vec<TraceStep>,
}

impl Observed {
    fn new(
        outcome: FinalOutcome,
        action_count: u32,
        tags: Vec<String>,
        participant_data: Map<String, Value>,
        steps: Vec<TraceStep>,
    ) -> Observed {
        let mut prompts = Vec::new();
        let mut modules = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            match &step.event {
                Event::PromptPlayed { prompt }
                | Event::InputCollected {
                    prompt: Some(prompt),
                    ..
                } => {
                    if let Some(text) = &prompt.text {
                        prompts.push((i, text.clone()));
                    }
                }
                Event::ModuleEnter {
                    module_id,
                    module_name,
                    version,
                    ..
                } => modules.push(EnteredModule {
                    id: module_id.clone(),
                    name: module_name.clone(),
                    version: *version,
                }),
                _ => {}
            }
        }
        Observed {
            outcome,
            action_count,
            tags,
            participant_data,
            prompts,
            modules,
            steps,
        }
    }

    /// From an in-process run.
    pub fn from_result(result: ExecutionResult) -> Observed {
        Observed::new(
            result.outcome,
            result.action_count,
            result.tags,
            result.participant_data,
            result.trace.steps,
        )
    }

    /// From a server execution's trace.
    pub fn from_trace(trace: ExecutionTrace) -> Observed {
        Observed::new(
            trace.outcome,
            trace.action_count,
            trace.tags,
            trace.participant_data,
            trace.steps,
        )
    }
}
