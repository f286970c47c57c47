//! The execution trace: one step per node run (plus module exits and limit events). The step
//! and event types are the wire types of `flowlink_api::trace` (the execution API returns
//! them verbatim, the CLI reads them back typed); the engine only collects them.

use serde::{Deserialize, Serialize};

pub use flowlink_api::trace::{DataWrite, Event, Handling, PromptPlayed, TraceStep};

/// Everything that happened in an execution, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    pub steps: Vec<TraceStep>,
}
