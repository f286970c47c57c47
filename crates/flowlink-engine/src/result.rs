//! What an execution produces: how the call ended, what it did, and what it left behind.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use flowlink_api::trace::FinalOutcome;

use crate::trace::Trace;

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
