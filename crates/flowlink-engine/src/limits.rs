//! The knobs of one execution: action budget, module nesting cap, how much trace to keep, and
//! what a flow does when a node fails.

use serde::{Deserialize, Serialize};

/// Budgets that guarantee an execution ends (SPEC §6: Genesys allows 10,000 actions, then
/// error handling, then 1,000 more before it disconnects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Limits {
    /// Node executions allowed (module frames included). When they are spent the top flow's
    /// error handling runs once: `disconnect` ends the call `failed`, `continue` goes on.
    pub max_actions: u32,
    /// Further node executions allowed after the error handling ran (only `continue` uses them).
    pub error_handling_extra: u32,
    /// Deepest module frame allowed; the top flow is depth 0, its modules 1, theirs 2, ...
    pub max_module_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_actions: 10_000,
            error_handling_extra: 1_000,
            max_module_depth: 8,
        }
    }
}

/// A flow's (or module's) reaction to a runtime error on a node without a `failure` edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorHandling {
    /// End the call (`failed {reason}`); inside a module the error goes back to the caller.
    #[default]
    Disconnect,
    /// Skip the failed node: continue along its `success` edge, else its `default` edge.
    Continue,
}

impl ErrorHandling {
    /// Every choice, for parsing and messages.
    pub const ALL: [ErrorHandling; 2] = [ErrorHandling::Disconnect, ErrorHandling::Continue];

    /// The spelling on the wire (`errorHandling`) and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorHandling::Disconnect => "disconnect",
            ErrorHandling::Continue => "continue",
        }
    }

    /// Parses [`ErrorHandling::as_str`]'s spelling (exactly; no other case is accepted).
    pub fn parse(s: &str) -> Option<Self> {
        ErrorHandling::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// How much of the run to record. `Off` is the fast path for bulk runs and benchmarks: the
/// outcome, data, tags and action count are the same, the trace is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TraceLevel {
    #[default]
    Full,
    Off,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_handling_spells_as_it_serializes_and_parses_back() {
        for e in ErrorHandling::ALL {
            assert_eq!(
                serde_json::to_value(e).ok(),
                Some(serde_json::Value::String(e.as_str().into()))
            );
            assert_eq!(ErrorHandling::parse(e.as_str()), Some(e));
        }
        assert_eq!(ErrorHandling::parse("Continue"), None);
    }
}
