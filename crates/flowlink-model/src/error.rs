//! Validation errors with per-node diagnostics, shaped so the server can turn them into a
//! Genesys `ErrorBody` (`message` + `details[]`) without knowing the model's internals.

/// One problem found in a flow document, tied to the node or action that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable machine code, e.g. `unknown.node.type`, `dangling.edge`, `expression.syntax`.
    pub code: String,
    /// The node id (graph dialect) or action name/index (action dialect) concerned, if any.
    pub node: Option<String>,
    /// The field concerned, e.g. `settings.expression`.
    pub field: Option<String>,
    /// Human-readable, specific message naming the input and the fix.
    pub message: String,
}

/// Why a flow document was refused. `message` is a one-line summary, `details` every problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ModelError {
    pub message: String,
    pub details: Vec<Diagnostic>,
}

impl ModelError {
    /// An error with a single diagnostic whose message is also the summary.
    pub fn single(diag: Diagnostic) -> Self {
        Self {
            message: diag.message.clone(),
            details: vec![diag],
        }
    }
}
