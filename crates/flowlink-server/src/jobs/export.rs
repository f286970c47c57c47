//! What an export job produces (SPEC §9): for each flow asked, the Archy YAML of the version
//! asked (default: the published one, else the current one). A version imported from Archy
//! exports its exact stored bytes; a version written in a JSON dialect exports generated YAML
//! (`export_archy`), with each by-id module call named by its module's current name (Archy
//! calls modules by name). One flow → the YAML file; several → a zip of
//! `<name>-<TYPE>-<id>.yaml` files.

use flowlink_api::{ArchitectFlowReference, ExportDetails, FlowType};
use flowlink_model::archy::export_archy;
use flowlink_model::{FlowLogic, NodeKind};
use flowlink_store::{Dialect, FlowRecord, Store, StoreError};
use serde_json::Value;
use uuid::Uuid;

use super::{find_by_name, JobError as ExportError};
use crate::archy_write::stored_text;
use crate::render::parse_version_id;
use crate::simulate::parse_document;

/// The download of a finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Media type of a download by its file name.
pub fn content_type(file_name: &str) -> &'static str {
    if file_name.ends_with(".zip") {
        "application/zip"
    } else {
        "application/x-yaml"
    }
}

/// Letters, digits, `-` and `_` of `s`; anything else becomes `_`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The file name of one exported flow: the job's `fileName` if given, else
/// `<name>-<TYPE>-<id>`, plus `.yaml`.
pub fn file_name(rec: &FlowRecord, asked: Option<&str>) -> String {
    match asked.map(sanitize).filter(|n| !n.is_empty()) {
        Some(n) => format!("{n}.yaml"),
        None => format!("{}-{}-{}.yaml", sanitize(&rec.name), rec.flow_type, rec.id),
    }
}

fn not_found(what: String) -> ExportError {
    ExportError::Failed(format!("could not find the flow with {what}"))
}

/// The flow a reference names, in `org`.
async fn resolve(
    store: &dyn Store,
    org: Uuid,
    r: &ArchitectFlowReference,
) -> Result<FlowRecord, ExportError> {
    if let Some(id) = r.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        let parsed = Uuid::parse_str(id).map_err(|_| not_found(format!("id {id}")))?;
        return match store.get_flow(org, parsed).await {
            Ok(rec) if !rec.deleted => Ok(rec),
            Ok(_) | Err(StoreError::NotFound) | Err(StoreError::Gone) => {
                Err(not_found(format!("id {id}")))
            }
            Err(e) => Err(e.into()),
        };
    }
    let (Some(name), Some(t)) = (r.name.as_deref(), r.flow_type.as_deref()) else {
        return Err(ExportError::Failed(
            "a flow to export needs its id, or both its name and type".into(),
        ));
    };
    let flow_type: FlowType = t
        .parse()
        .map_err(|e: flowlink_api::ParseFlowTypeError| ExportError::Failed(e.to_string()))?;
    find_by_name(store, org, flow_type, name)
        .await?
        .ok_or_else(|| not_found(format!("name '{name}' and type {flow_type}")))
}

fn version_number(rec: &FlowRecord, asked: Option<&Value>) -> Result<u32, ExportError> {
    let text = match asked {
        None | Some(Value::Null) => {
            return Ok(rec
                .published_version
                .unwrap_or_else(|| rec.current_version()))
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    };
    parse_version_id(&text).ok_or_else(|| {
        ExportError::Failed(format!(
            "version must be a version id like \"2.0\", not {text}"
        ))
    })
}

/// Names every by-id module call after its module (Archy calls modules by name).
async fn name_module_calls(
    store: &dyn Store,
    org: Uuid,
    logic: &mut FlowLogic,
) -> Result<(), ExportError> {
    for node in &mut logic.graph.nodes {
        if let NodeKind::CallModule(call) = &mut node.kind {
            if call.module_name.is_some() {
                continue;
            }
            let Ok(id) = Uuid::parse_str(call.module_id.trim()) else {
                continue;
            };
            match store.get_flow(org, id).await {
                Ok(m) => call.module_name = Some(m.name),
                Err(StoreError::NotFound) | Err(StoreError::Gone) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// The YAML of one flow reference.
async fn export_one(
    store: &dyn Store,
    org: Uuid,
    details: &ExportDetails,
) -> Result<(String, Vec<u8>), ExportError> {
    let rec = resolve(store, org, &details.flow).await?;
    let number = version_number(&rec, details.flow.version.as_ref())?;
    let version = match store.get_version(org, rec.id, number).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => {
            return Err(ExportError::Failed(format!(
                "flow '{}' ({}) has no version {number}.0",
                rec.name, rec.id
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let name = file_name(&rec, details.file_name.as_deref());
    if version.dialect == Some(Dialect::Archy) {
        if let Some(text) = stored_text(&version.document) {
            return Ok((name, text.as_bytes().to_vec()));
        }
    }
    let mut logic = parse_document(&version.document).map_err(|e| {
        ExportError::Internal(crate::error::ApiError::Internal(format!(
            "stored logic of flow {} version {number} does not parse: {}",
            rec.id, e.message
        )))
    })?;
    name_module_calls(store, org, &mut logic).await?;
    let yaml = export_archy(&logic, rec.flow_type.as_str(), &rec.name).map_err(|e| {
        ExportError::Failed(format!(
            "flow '{}' ({}) version {number}.0 cannot be written as Archy: {e}",
            rec.name, rec.id
        ))
    })?;
    Ok((name, yaml.into_bytes()))
}

/// Exports `flows` of `org`: one YAML file, or a zip for several.
pub async fn export(
    store: &dyn Store,
    org: Uuid,
    job: Uuid,
    flows: &[ExportDetails],
) -> Result<Download, ExportError> {
    let mut files = Vec::with_capacity(flows.len());
    for details in flows {
        files.push(export_one(store, org, details).await?);
    }
    match files.len() {
        1 => {
            let (file_name, bytes) = files.remove(0);
            Ok(Download { file_name, bytes })
        }
        _ => {
            // Two references to one flow would make two entries of one name.
            let mut seen = std::collections::HashSet::new();
            files.retain(|(name, _)| seen.insert(name.clone()));
            let bytes = super::zip::zip(&files).map_err(|e| ExportError::Failed(e.to_string()))?;
            Ok(Download {
                file_name: format!("flows-export-{job}.zip"),
                bytes,
            })
        }
    }
}
