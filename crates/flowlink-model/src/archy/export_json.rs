//! Logic written in a JSON dialect → the body of an Archy document (filled in below).

use serde_json::{Map, Value};

use super::ArchyError;
use crate::graph::FlowLogic;

/// The Archy document body (without `name`) for logic from the graph or action-list dialect.
pub(crate) fn json_dialect_document(_logic: &FlowLogic) -> Result<Map<String, Value>, ArchyError> {
    Err(ArchyError::file(
        "export of JSON-dialect logic is not implemented yet",
    ))
}
