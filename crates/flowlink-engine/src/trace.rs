//! The execution trace: one step per node run (plus module exits and limit events), shaped to
//! read well as JSON because `GET /api/v2/flows/executions/{id}` returns it verbatim.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Everything that happened in an execution, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    pub steps: Vec<TraceStep>,
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
