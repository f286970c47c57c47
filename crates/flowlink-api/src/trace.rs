//! The execution trace on the wire (the `trace` extension of `FlowRuntimeExecution`): the
//! engine emits these types, the server wraps them in an [`ExecutionTrace`], the client and
//! CLI read them back typed. One definition end to end.
//!
//! `FlowRuntimeExecution::trace` stays a JSON value on the wire (its document schema is an
//! object, and its keys come out sorted as they always have); [`ExecutionTrace`] is what that
//! value holds: `serde_json::to_value(&trace)` writes it, [`ExecutionTrace::from_value`] reads it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The whole `trace` document of one execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionTrace {
    /// Which flow ran, at which logic version.
    pub flow: TraceFlow,
    /// The simulated caller.
    pub simulation: TraceSimulation,
    /// How the call ended.
    pub outcome: FinalOutcome,
    /// Nodes executed, module frames included.
    pub action_count: u32,
    /// Interaction tags in the order first added.
    pub tags: Vec<String>,
    /// Participant data left on the interaction.
    pub participant_data: Map<String, Value>,
    /// The top flow's declared outputs that are set.
    pub output_data: Map<String, Value>,
    /// The steps, in order (the middle of a very long run left out, see `steps_omitted`).
    pub steps: Vec<TraceStep>,
    /// How many middle steps were left out; absent when none were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps_omitted: Option<usize>,
}

impl ExecutionTrace {
    /// Reads the `trace` value of an execution.
    pub fn from_value(value: &Value) -> Result<ExecutionTrace, serde_json::Error> {
        ExecutionTrace::deserialize(value)
    }
}

/// The flow an execution ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceFlow {
    pub id: String,
    pub name: String,
    pub version: u32,
}

/// The simulated caller of an execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSimulation {
    pub ani: String,
    pub dnis: String,
    pub digits: Vec<String>,
}

/// How the simulated call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FinalOutcome {
    /// A `disconnect` node ran or the flow ran out of nodes.
    Disconnected,
    /// A `transferToAcd` node ran (in the flow or any module).
    Transferred { queue: String },
    /// Error handling ended the call; `reason` says which node failed and why.
    Failed { reason: String },
}

/// One thing that happened at one node of one frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceStep {
    /// The flow or module the node belongs to.
    pub flow_id: String,
    /// The logic version of that flow or module that ran.
    pub flow_version: u32,
    /// Frame depth: 0 for the flow, 1 for a module it calls, and so on.
    pub depth: u32,
    pub node_id: String,
    pub node_name: String,
    /// The node type as written (`setData`, `flowModule`, `callFlow`, ...).
    pub node_type: String,
    /// What the node did.
    pub event: Event,
    /// The outcome the node produced (`default`, `success`, `dtmf:1`, ...); absent while a
    /// module call is still running (`moduleEnter`) and when the execution ends at this node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The edge taken, by its type; differs from `outcome` when a fallback applies (e.g.
    /// `noMatch` without a `noMatch` edge takes `default`). Absent: the frame ends here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge: Option<String>,
    /// The node the edge leads to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What a node did. JSON: `{"type": "setData", "data": [...]}` and so on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// Values written, in order: a bare key is participant data, `Flow.x`/`Common.x` a variable.
    SetData {
        data: Vec<DataWrite>,
    },
    /// Tags added to the interaction (already present ones are not repeated in the result).
    TagsAdded {
        tags: Vec<String>,
    },
    PromptPlayed {
        prompt: PromptPlayed,
    },
    /// `digits` is absent when the caller pressed nothing (timeout).
    InputCollected {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt: Option<PromptPlayed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digits: Option<String>,
    },
    /// A data action answered by its mock; `outputs` are the mapped values written.
    DataAction {
        name: String,
        inputs: Map<String, Value>,
        outputs: Map<String, Value>,
    },
    Decision {
        expression: String,
        value: bool,
    },
    /// A module call starts; the module's own steps follow at `depth + 1`.
    ModuleEnter {
        module_id: String,
        module_name: String,
        version: u32,
        inputs: Map<String, Value>,
    },
    /// The module ended normally; `outputs` were copied to the caller.
    ModuleExit {
        module_id: String,
        version: u32,
        outputs: Map<String, Value>,
    },
    /// The call could not run or the module failed; `version` is absent if none was resolved.
    ModuleCallFailed {
        module_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<u32>,
        reason: String,
        handling: Handling,
    },
    Transfer {
        queue: String,
    },
    Disconnect,
    /// A runtime error at this node and what was done about it.
    Error {
        reason: String,
        handling: Handling,
    },
    /// An Archy action with no event of its own above (menus, jumps, loops, lookups, schedule
    /// evaluation): what it did, e.g. `{"result": "closed", "scheduleGroup": "Main"}`.
    Archy {
        action: String,
        detail: Map<String, Value>,
    },
    /// The action budget ran out before this node ran.
    ActionLimit {
        limit: u32,
        actions: u32,
        handling: Handling,
    },
}

/// One value written by `setData` (or a mapping).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataWrite {
    pub key: String,
    pub value: Value,
}

/// A prompt as played: TTS `text` + `locale`, or a stored prompt's `promptId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptPlayed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_id: Option<String>,
}

/// How a failure was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Handling {
    /// The node's `failure` edge was taken.
    FailureEdge,
    /// Error handling `continue`: the failed node was skipped.
    Continue,
    /// Error handling `disconnect` in the top flow: the call ended `failed`.
    Disconnect,
    /// Error handling `disconnect` in a module: the module ended and its call failed.
    ReturnToCaller,
}

impl Handling {
    /// The wire spelling (`failureEdge`, `continue`, `disconnect`, `returnToCaller`).
    pub fn as_str(self) -> &'static str {
        match self {
            Handling::FailureEdge => "failureEdge",
            Handling::Continue => "continue",
            Handling::Disconnect => "disconnect",
            Handling::ReturnToCaller => "returnToCaller",
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn handling_spells_as_it_serializes() {
        for h in [
            Handling::FailureEdge,
            Handling::Continue,
            Handling::Disconnect,
            Handling::ReturnToCaller,
        ] {
            assert_eq!(serde_json::to_value(h).unwrap(), json!(h.as_str()));
        }
    }

    #[test]
    fn a_trace_reads_back_what_it_wrote() {
        let trace = ExecutionTrace {
            flow: TraceFlow {
                id: "f".into(),
                name: "Main".into(),
                version: 2,
            },
            simulation: TraceSimulation {
                ani: "tel:+1".into(),
                dnis: "tel:+2".into(),
                digits: vec!["1".into()],
            },
            outcome: FinalOutcome::Transferred {
                queue: "Sales".into(),
            },
            action_count: 1,
            tags: vec![],
            participant_data: Map::new(),
            output_data: Map::new(),
            steps: vec![TraceStep {
                flow_id: "f".into(),
                flow_version: 2,
                depth: 0,
                node_id: "t".into(),
                node_name: "To sales".into(),
                node_type: "transferToAcd".into(),
                event: Event::Transfer {
                    queue: "Sales".into(),
                },
                outcome: None,
                edge: None,
                next: None,
            }],
            steps_omitted: None,
        };
        let value = serde_json::to_value(&trace).unwrap();
        assert_eq!(
            value["outcome"],
            json!({"type": "transferred", "queue": "Sales"})
        );
        assert!(value.get("stepsOmitted").is_none());
        assert_eq!(ExecutionTrace::from_value(&value).unwrap(), trace);
    }
}
