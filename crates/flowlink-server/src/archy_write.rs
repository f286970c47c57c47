//! An Archy YAML file as a new logic version (SPEC §9), shared by the flow routes (`archy` in a
//! POST/PUT body), the import job and the bulk link: parse the text, map its root key to the
//! flow type, bind its by-name module calls to the organization's modules, and store the exact
//! text as the version's document `{"archy": "<text>"}`.

use flowlink_api::FlowType;
use std::collections::BTreeMap;

use flowlink_model::archy::{parse_archy, substitute, ArchyError, ArchyFlow};
use flowlink_model::{FlowLogic, ModelError};
use flowlink_store::{Dialect, LogicWrite, ModuleRef, VersionKind};
use serde_json::json;

use crate::archy_names::ModuleNames;
use crate::error::ApiError;

/// An Archy file ready to be written.
#[derive(Debug, Clone)]
pub struct ArchyWrite {
    /// The flow type its root key names.
    pub flow_type: FlowType,
    /// The flow's `name` in the file.
    pub name: String,
    /// The logic version to write (module calls bound).
    pub write: LogicWrite,
}

/// Why an Archy file cannot be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArchyWriteError {
    /// The text does not parse (the error names line:column and the action).
    #[error("{0}")]
    Parse(ArchyError),
    /// The root key names a flow type flowlink does not have.
    #[error("the root key names flow type {0}, which flowlink does not know")]
    UnknownType(String),
    /// Calls by name to modules the organization does not have.
    #[error("{}", unknown_modules(.0))]
    UnknownModules(Vec<String>),
}

fn unknown_modules(names: &[String]) -> String {
    let list = names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "callCommonModule calls {list}, but the organization has no common module of that \
         name; create it first (or import with createStubs: true)"
    )
}

impl From<ArchyWriteError> for ApiError {
    fn from(e: ArchyWriteError) -> Self {
        match e {
            ArchyWriteError::Parse(e) => ModelError::from(e).into(),
            other => ApiError::bad_request(other.to_string()),
        }
    }
}

/// The module calls of bound logic, as the dependency index records them.
fn calls(logic: &FlowLogic) -> Vec<ModuleRef> {
    logic
        .module_calls()
        .map(|(node, call)| ModuleRef {
            node_id: node.id.clone(),
            module_id: call.module_id.clone(),
            version: call.version,
        })
        .collect()
}

/// Parses `text`, which must be final text: the server never substitutes, and a placeholder
/// that reaches it is an error listing every one left, with its line (SPEC §9).
pub fn parse_final(text: &str) -> Result<ArchyFlow, ArchyWriteError> {
    check_final(text)?;
    parse_archy(text).map_err(ArchyWriteError::Parse)
}

/// Refuses text with a placeholder left (see [`parse_final`]).
fn check_final(text: &str) -> Result<(), ArchyWriteError> {
    substitute(text, &BTreeMap::new())
        .map(drop)
        .map_err(ArchyWriteError::Parse)
}

/// The logic version of `parsed` (the parse of `text`), its module calls bound from `names`.
pub fn write_parsed(
    text: &str,
    parsed: ArchyFlow,
    names: &ModuleNames,
) -> Result<ArchyWrite, ArchyWriteError> {
    let flow_type: FlowType = parsed
        .flow_type
        .parse()
        .map_err(|_| ArchyWriteError::UnknownType(parsed.flow_type.clone()))?;
    let mut logic = parsed.logic;
    names
        .bind(&mut logic)
        .map_err(ArchyWriteError::UnknownModules)?;
    Ok(ArchyWrite {
        flow_type,
        name: parsed.name,
        write: LogicWrite {
            document: json!({ "archy": text }).into(),
            dialect: Some(Dialect::Archy),
            calls: calls(&logic),
            kind: VersionKind::Publish,
        },
    })
}

/// The Archy text of a stored version's document, if it was written in Archy.
pub fn stored_text(document: &serde_json::Value) -> Option<&str> {
    document.get("archy").and_then(serde_json::Value::as_str)
}

/// The bulk link's edit of an Archy flow: `link_archy` / `unlink_archy` on the stored text
/// (every other byte kept), checked and re-bound like an upload — the edit's own parse of the
/// new text is the one parse it takes. `Ok(None)`: nothing to
/// change. Archy links float (the text edit writes `ver_latestPublished`), so a pinned link is
/// refused.
pub fn relink(
    document: &serde_json::Value,
    module_name: &str,
    version: Option<u32>,
    unlink: bool,
    names: &ModuleNames,
) -> Result<Option<LogicWrite>, flowlink_store::StoreError> {
    use flowlink_model::archy::{link_archy_parsed, unlink_archy_parsed};
    use flowlink_store::{InvalidDetail, StoreError};
    let invalid = |code: &str, message: String| {
        StoreError::invalid(InvalidDetail {
            code: code.into(),
            message,
            ..Default::default()
        })
    };
    let Some(text) = stored_text(document) else {
        return Err(StoreError::Backend(
            "an Archy version without its text".into(),
        ));
    };
    if version.is_some() && !unlink {
        return Err(invalid(
            "archy.link.pinned",
            "an Archy flow links a module floating (ver_latestPublished); link it without a \
             version"
                .into(),
        ));
    }
    let edited = if unlink {
        unlink_archy_parsed(text, module_name)
    } else {
        link_archy_parsed(text, module_name)
    }
    .map_err(|e| invalid("archy.invalid", e.to_string()))?;
    let Some((new_text, parsed)) = edited else {
        return Ok(None);
    };
    check_final(&new_text)
        .and_then(|()| write_parsed(&new_text, parsed, names))
        .map(|w| Some(w.write))
        .map_err(|e| invalid("archy.invalid", e.to_string()))
}
