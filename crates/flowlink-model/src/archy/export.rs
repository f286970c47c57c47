//! Canonical logic → Archy YAML. Logic read from Archy is written back from its stored fields
//! and the graph's structure (containers, branches, fall-through); logic from the JSON dialects
//! goes through [`super::export_json`]. Either way the text re-imports to the same logic.

use serde_json::{json, Map, Value};

use super::export_json::json_dialect_document;
use super::node::{ArchyNode, ArchyOp};
use super::parse::path_for_outcome;
use super::vocab::root_for_flow_type;
use super::yaml::to_yaml;
use super::ArchyError;
use crate::graph::{Dialect, FlowLogic, Node, NodeKind, Outcome};

/// Generated Archy YAML for `logic` as a flow of `flow_type` (`INBOUNDCALL`, `COMMONMODULE`,
/// ...) named `name`. Re-importing the text gives the same canonical logic.
pub fn export_archy(logic: &FlowLogic, flow_type: &str, name: &str) -> Result<String, ArchyError> {
    let archy_doc = match logic.graph.nodes.first().map(|n| &n.kind) {
        Some(NodeKind::Archy(a)) if logic.dialect == Dialect::Archy && a.op == ArchyOp::Flow => {
            Some(
                Doc {
                    nodes: &logic.graph.nodes,
                }
                .document()?,
            )
        }
        _ => None,
    };
    let (root_from_logic, mut body) = match archy_doc {
        Some((root, body)) => (Some(root), body),
        None => (
            None,
            json_dialect_document(logic, root_for_flow_type(flow_type) == Some("commonModule"))?,
        ),
    };
    let root = root_for_flow_type(flow_type)
        .map(str::to_string)
        .or(root_from_logic)
        .ok_or_else(|| {
            ArchyError::file(format!("flow type '{flow_type}' has no Archy root key"))
        })?;
    body.insert("name".into(), Value::String(name.to_string()));
    let mut doc = Map::new();
    doc.insert(root, Value::Object(body));
    Ok(to_yaml(&Value::Object(doc)))
}

fn archy(node: &Node) -> Option<&ArchyNode> {
    match &node.kind {
        NodeKind::Archy(a) => Some(a),
        _ => None,
    }
}

fn default_target(node: &Node) -> Option<usize> {
    node.next
        .iter()
        .find(|(o, _)| *o == Outcome::Default)
        .map(|(_, t)| *t)
}

struct Doc<'a> {
    nodes: &'a [Node],
}

impl Doc<'_> {
    fn node(&self, idx: usize) -> Result<&Node, ArchyError> {
        self.nodes
            .get(idx)
            .ok_or_else(|| ArchyError::file(format!("internal: node {idx} out of range")))
    }

    /// The root key and body of the document node.
    fn document(&self) -> Result<(String, Map<String, Value>), ArchyError> {
        let flow = self.node(0)?;
        let mut body = match archy(flow).map(|a| &a.raw) {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        for (outcome, idx) in &flow.next {
            let Outcome::Named(key) = outcome else {
                continue;
            };
            let container = self.node(*idx)?;
            if key == "startUpTaskActions" {
                let actions = self.list(default_target(container), None)?;
                body.insert(key.clone(), Value::Array(actions));
                continue;
            }
            let mut fields = match archy(container).map(|a| &a.raw) {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            if container.type_name == "menu" {
                let mut choices = Vec::new();
                for (o, choice) in &container.next {
                    if *o != Outcome::Default {
                        choices.push(self.action(*choice)?);
                    }
                }
                fields.insert("choices".into(), Value::Array(choices));
            } else {
                let actions = self.list(default_target(container), None)?;
                fields.insert("actions".into(), Value::Array(actions));
            }
            let entry = json!({ container.type_name.clone(): Value::Object(fields) });
            match body
                .entry(key.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(entry),
                other => *other = Value::Array(vec![entry]),
            }
        }
        Ok((flow.type_name.clone(), body))
    }

    /// The actions from `start` along `default` edges up to (not including) `stop`.
    fn list(&self, start: Option<usize>, stop: Option<usize>) -> Result<Vec<Value>, ArchyError> {
        let mut out = Vec::new();
        let mut cur = start;
        while let Some(idx) = cur {
            if Some(idx) == stop || out.len() > self.nodes.len() {
                break;
            }
            out.push(self.action(idx)?);
            cur = default_target(self.node(idx)?);
        }
        Ok(out)
    }

    /// One action (or choice) with its branches put back where they were.
    fn action(&self, idx: usize) -> Result<Value, ArchyError> {
        let node = self.node(idx)?;
        let Some(a) = archy(node) else {
            return Err(ArchyError::file(format!(
                "internal: node {} is not an Archy node",
                node.id
            )));
        };
        let mut fields = a.raw.clone();
        let after = default_target(node);
        for (outcome, target) in &node.next {
            if *outcome == Outcome::Default {
                continue;
            }
            let Some(path) = path_for_outcome(outcome) else {
                continue;
            };
            let stop = if matches!(a.op, ArchyOp::Loop { .. }) && path == "outputs.loop" {
                Some(idx)
            } else {
                after
            };
            let actions = if Some(*target) == stop {
                Vec::new()
            } else {
                self.list(Some(*target), stop)?
            };
            put(&mut fields, &path, Value::Array(actions));
        }
        Ok(json!({ node.type_name.clone(): fields }))
    }
}

/// Sets `actions` inside the map at `path` (dot-separated keys and list indexes), creating
/// maps on the way.
pub(crate) fn put(fields: &mut Value, path: &str, actions: Value) {
    let mut cur = fields;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        if !cur.is_object() && !cur.is_array() {
            *cur = Value::Object(Map::new());
        }
        cur = match cur {
            Value::Array(items) => match seg.parse::<usize>().ok().filter(|i| *i < items.len()) {
                Some(i) => &mut items[i],
                None => return,
            },
            Value::Object(map) => map
                .entry(seg.to_string())
                .or_insert_with(|| Value::Object(Map::new())),
            _ => return,
        };
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    if let Value::Object(map) = cur {
        map.insert("actions".into(), actions);
    }
}
