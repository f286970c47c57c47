//! What an execution produces: how the call ended, what it did, and what it left behind.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::trace::Trace;

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

/// The result of [`crate::run`]; always produced, whatever the flow does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionResult {
    pub outcome: FinalOutcome,
    /// Empty when run with [`crate::TraceLevel::Off`].
    pub trace: Trace,
    /// Nodes executed, module frames included.
    pub action_count: u32,
    /// Participant data of the interaction (bare `setData` keys, `Interaction.data.x`).
    pub participant_data: Map<String, Value>,
    /// Interaction tags in the order first added, without repeats.
    pub tags: Vec<String>,
    /// The top flow's declared output variables that are set, by declared name.
    pub output_data: Map<String, Value>,
}
