//! The one error of the Archy dialect: a message tied to a line:column and, where it applies,
//! the action concerned.

use super::yaml::Pos;
use crate::error::{Diagnostic, ModelError};

/// Error with position. Display: `line L, column C: <action>: <message>` (the action part only
/// when known).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ArchyError {
    /// 1-based line (0 when the error concerns the whole file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The action concerned, e.g. `callData 'Get balance'`.
    pub action: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ArchyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if let Some(action) = &self.action {
            write!(f, "{action}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl ArchyError {
    pub(crate) fn at(pos: Pos, action: Option<String>, message: impl Into<String>) -> Self {
        Self {
            line: pos.line,
            column: pos.column,
            action,
            message: message.into(),
        }
    }

    /// An error about the whole file (no position).
    pub(crate) fn file(message: impl Into<String>) -> Self {
        Self {
            line: 0,
            column: 0,
            action: None,
            message: message.into(),
        }
    }
}

impl From<ArchyError> for ModelError {
    fn from(e: ArchyError) -> Self {
        let message = e.to_string();
        ModelError::single(Diagnostic {
            code: "archy.invalid".into(),
            node: e.action.clone(),
            field: Some(format!("line {}, column {}", e.line, e.column)),
            message,
        })
    }
}
