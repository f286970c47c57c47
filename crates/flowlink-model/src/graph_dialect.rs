//! The graph dialect (seed 000): `definition: {nodes, edges, entry: {nodeId}, variables}`.
//!
//! Edges carry the outcome that takes them; the pseudo-node `start` names the entry as well as
//! `entry.nodeId`, and the two must agree. Seed 000's literal link (a module node appended with
//! a second `start` edge while `entry.nodeId` still names the old first node) is refused with a
//! message saying how to put the call first.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::{Diagnostic, ModelError};
use crate::fields::{doc_diag, into_error, label_name, shape, Fields, Label, MAX_ID_LEN};
use crate::graph::{Dialect, FlowLogic, Graph, Node, NodeKind, Outcome};
use crate::node_kind::{family, parse_kind, Family};
use crate::outcome::outcome_from_wire;
use crate::variables::parse_variables;
use crate::MAX_NODES;

/// The pseudo-node whose edges name the entry.
pub(crate) const START: &str = "start";
/// Upper bound on edges per flow; more -> `too.many.edges`.
pub const MAX_EDGES: usize = 8 * MAX_NODES;

/// Parses and validates a graph-dialect `definition` (`null` or `{}` is empty logic).
pub fn parse_definition(definition: &Value) -> Result<FlowLogic, ModelError> {
    let obj = match definition {
        Value::Null => return Ok(FlowLogic::empty(Dialect::Graph)),
        Value::Object(obj) => obj,
        other => {
            return Err(ModelError::single(doc_diag(
                "invalid.definition",
                Some("definition"),
                format!(
                    "definition must be an object {{nodes, edges, entry, variables}}, found {}",
                    shape(other)
                ),
            )))
        }
    };
    let nodes = list(obj, "nodes")?;
    let edges = list(obj, "edges")?;
    if nodes.len() > MAX_NODES {
        return Err(ModelError::single(doc_diag(
            "too.many.nodes",
            Some("definition.nodes"),
            format!(
                "definition has {} nodes, at most {MAX_NODES} are allowed",
                nodes.len()
            ),
        )));
    }
    if edges.len() > MAX_EDGES {
        return Err(ModelError::single(doc_diag(
            "too.many.edges",
            Some("definition.edges"),
            format!(
                "definition has {} edges, at most {MAX_EDGES} are allowed",
                edges.len()
            ),
        )));
    }
    let mut diags = Vec::new();
    let variables = parse_variables(obj.get("variables"), "definition.variables", &mut diags);
    let parsed = parse_nodes(nodes, &mut diags);
    let index: HashMap<&str, usize> = parsed
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut next: Vec<Vec<(Outcome, usize)>> = vec![Vec::new(); parsed.len()];
    let start_targets = parse_edges(edges, &index, &parsed, &mut next, &mut diags);
    let entry = resolve_entry(
        obj.get("entry"),
        &start_targets,
        &index,
        &parsed,
        &mut diags,
    )?;
    if !diags.is_empty() {
        return Err(into_error(diags));
    }
    let mut out = Vec::with_capacity(parsed.len());
    for (node, next) in parsed.into_iter().zip(next) {
        let Some(kind) = node.kind else {
            // A node without a kind always left a diagnostic, so this is unreachable; refuse
            // rather than panic if that ever changes.
            return Err(into_error(vec![node.label.diag(
                "invalid.node",
                None,
                "node could not be parsed",
            )]));
        };
        out.push(Node {
            id: node.id,
            name: node.name,
            type_name: node.type_name,
            kind,
            next,
        });
    }
    Ok(FlowLogic {
        dialect: Dialect::Graph,
        graph: Graph { entry, nodes: out },
        variables,
    })
}

fn list<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], ModelError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(ModelError::single(doc_diag(
            "invalid.definition",
            Some(&format!("definition.{key}")),
            format!("definition.{key} must be a list, found {}", shape(other)),
        ))),
    }
}

/// A node as read, before edges are attached; `kind` is `None` when it had errors.
struct ParsedNode {
    id: String,
    name: String,
    type_name: String,
    kind: Option<NodeKind>,
    label: Label,
}

fn node_label(id: &str, name: &str) -> Label {
    let text = if name.is_empty() {
        format!("node '{id}'")
    } else {
        format!("node '{id}' ({})", label_name(name))
    };
    Label {
        node: id.to_string(),
        text,
    }
}

fn parse_nodes(nodes: &[Value], diags: &mut Vec<Diagnostic>) -> Vec<ParsedNode> {
    let mut out: Vec<ParsedNode> = Vec::with_capacity(nodes.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let position = format!("nodes[{i}]");
        let Some(obj) = node.as_object() else {
            diags.push(doc_diag(
                "invalid.node",
                Some(&position),
                format!(
                    "{position} must be an object {{id, name, type, settings}}, found {}",
                    shape(node)
                ),
            ));
            continue;
        };
        let name = obj
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // Ids are kept exactly as written: edges refer to them byte for byte.
        let id = match obj.get("id").and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() => id.to_string(),
            _ => {
                let label = Label {
                    node: position.clone(),
                    text: format!("{position} ({})", label_name(&name)),
                };
                diags.push(label.diag(
                    "invalid.node",
                    Some("id"),
                    "every node needs a non-empty string \"id\"",
                ));
                continue;
            }
        };
        if id.chars().count() > MAX_ID_LEN {
            let label = node_label(&position, &name);
            diags.push(label.diag(
                "invalid.node",
                Some("id"),
                format!(
                    "id is {} characters long, at most {MAX_ID_LEN} are allowed",
                    id.chars().count()
                ),
            ));
            continue;
        }
        let label = node_label(&id, &name);
        if id == START {
            diags.push(label.diag(
                "reserved.node.id",
                Some("id"),
                "\"start\" is the pseudo-node that names the entry; give this node another id",
            ));
            continue;
        }
        if let Some(first) = seen.get(&id) {
            diags.push(label.diag("duplicate.node.id", Some("id"), format!("node id '{id}' is used by nodes[{first}] and {position}; node ids must be unique")));
            continue;
        }
        seen.insert(id.clone(), i);
        let Some(type_name) = obj.get("type").and_then(Value::as_str).map(str::to_string) else {
            diags.push(label.diag(
                "invalid.node",
                Some("type"),
                "every node needs a string \"type\"",
            ));
            out.push(ParsedNode {
                id,
                name,
                type_name: String::new(),
                kind: None,
                label,
            });
            continue;
        };
        let kind = match parse_kind(&type_name, Fields::new(obj, true), &label) {
            Ok(kind) => Some(kind),
            Err(mut found) => {
                diags.append(&mut found);
                None
            }
        };
        out.push(ParsedNode {
            id,
            name,
            type_name,
            kind,
            label,
        });
    }
    out
}

/// Attaches edges to `next`; returns the targets of `start` edges (with their edge labels).
fn parse_edges(
    edges: &[Value],
    index: &HashMap<&str, usize>,
    nodes: &[ParsedNode],
    next: &mut [Vec<(Outcome, usize)>],
    diags: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let mut start_targets = Vec::new();
    for (i, edge) in edges.iter().enumerate() {
        let position = format!("edges[{i}]");
        let Some(obj) = edge.as_object() else {
            diags.push(doc_diag(
                "invalid.edge",
                Some(&position),
                format!(
                    "{position} must be an object {{id, source, target, type}}, found {}",
                    shape(edge)
                ),
            ));
            continue;
        };
        let edge_name = match obj.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => format!("edge '{id}'"),
            _ => position.clone(),
        };
        let edge_label = Label {
            node: obj
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| position.clone(), str::to_string),
            text: edge_name.clone(),
        };
        let (Some(source), Some(target)) = (
            obj.get("source").and_then(Value::as_str),
            obj.get("target").and_then(Value::as_str),
        ) else {
            diags.push(edge_label.diag(
                "invalid.edge",
                None,
                "every edge needs string \"source\" and \"target\" node ids",
            ));
            continue;
        };
        let outcome = match obj.get("type") {
            None | Some(Value::Null) => Outcome::Default,
            Some(Value::String(text)) => match outcome_from_wire(text) {
                Some(outcome) => outcome,
                None => {
                    diags.push(edge_label.diag(
                        "unknown.outcome",
                        Some("type"),
                        format!("unknown edge type '{text}'; edge types are default, success, failure, true, false, timeout, noMatch and dtmf:N"),
                    ));
                    continue;
                }
            },
            Some(other) => {
                diags.push(edge_label.diag(
                    "unknown.outcome",
                    Some("type"),
                    format!("edge type must be a string, found {}", shape(other)),
                ));
                continue;
            }
        };
        let Some(&to) = index.get(target) else {
            diags.push(edge_label.diag(
                "dangling.edge",
                Some("target"),
                format!("target '{target}' is not a node of this definition"),
            ));
            continue;
        };
        if source == START {
            start_targets.push(to);
            continue;
        }
        let Some(&from) = index.get(source) else {
            diags.push(edge_label.diag(
                "dangling.edge",
                Some("source"),
                format!("source '{source}' is not a node of this definition"),
            ));
            continue;
        };
        if let Some((_, existing)) = next[from].iter().find(|(o, _)| *o == outcome) {
            let wire = outcome.as_wire();
            let message = format!(
                "has two '{wire}' edges (to '{}' and to '{}'); a node may have at most one edge of each type",
                nodes[*existing].id, target
            );
            diags.push(
                nodes[from]
                    .label
                    .diag("duplicate.edge.type", Some("edges"), message),
            );
            continue;
        }
        next[from].push((outcome, to));
    }
    start_targets
}

fn resolve_entry(
    entry: Option<&Value>,
    start_targets: &[usize],
    index: &HashMap<&str, usize>,
    nodes: &[ParsedNode],
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<usize>, ModelError> {
    let declared_id = match entry {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.as_str()),
        Some(Value::Object(obj)) => match obj.get("nodeId") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id.as_str()),
            Some(other) => {
                diags.push(doc_diag(
                    "invalid.entry",
                    Some("entry.nodeId"),
                    format!(
                        "entry.nodeId must be a node id string, found {}",
                        shape(other)
                    ),
                ));
                return Ok(None);
            }
        },
        Some(other) => {
            diags.push(doc_diag(
                "invalid.entry",
                Some("entry"),
                format!("entry must be {{\"nodeId\": ...}}, found {}", shape(other)),
            ));
            return Ok(None);
        }
    };
    let declared = match declared_id {
        Some(id) => match index.get(id) {
            Some(&i) => Some(i),
            None => {
                diags.push(doc_diag(
                    "dangling.entry",
                    Some("entry.nodeId"),
                    format!("entry.nodeId '{id}' is not a node of this definition"),
                ));
                return Ok(None);
            }
        },
        None => None,
    };
    let mut targets: Vec<usize> = Vec::new();
    for &t in start_targets {
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    let is_call = |i: usize| family(&nodes[i].type_name) == Some(Family::ModuleCall);
    // Seed 000's literal link: the old first node is still the entry (declared, or named by the
    // original `start` edge) and another `start` edge leads to an appended module call. Which
    // runs first is ambiguous, so say how to fix it.
    let old_entry = declared.or_else(|| targets.iter().copied().find(|&t| !is_call(t)));
    if let Some(entry) = old_entry {
        if let Some(&call) = targets.iter().find(|&&t| t != entry && is_call(t)) {
            return Err(literal_link_error(&nodes[entry], &nodes[call], diags));
        }
    }
    let chosen = match (declared, targets.as_slice()) {
        (Some(entry), []) => Some(entry),
        (Some(entry), [only]) if *only == entry => Some(entry),
        (None, [only]) => Some(*only),
        (None, []) => None,
        (declared, many) => {
            let mut named: Vec<usize> = declared.into_iter().collect();
            named.extend(many.iter().copied().filter(|t| Some(*t) != declared));
            let ids: Vec<String> = named
                .iter()
                .map(|&i| format!("'{}'", nodes[i].id))
                .collect();
            let message = format!(
                "the entry is ambiguous: entry.nodeId and the edges from \"start\" name different nodes ({}); give exactly one entry node",
                ids.join(", ")
            );
            for &i in &named {
                diags.push(
                    nodes[i]
                        .label
                        .diag("entry.conflict", Some("entry.nodeId"), &message),
                );
            }
            return Ok(None);
        }
    };
    if chosen.is_none() && !nodes.is_empty() {
        diags.push(doc_diag(
            "missing.entry",
            Some("entry.nodeId"),
            "the definition has nodes but no entry: set entry.nodeId (or add an edge from \"start\") to the first node",
        ));
    }
    Ok(chosen)
}

fn literal_link_error(
    entry: &ParsedNode,
    call: &ParsedNode,
    diags: &mut Vec<Diagnostic>,
) -> ModelError {
    let message = format!(
        "ambiguous entry: an edge from \"start\" leads to module call node '{}' but entry.nodeId still names '{}'. \
         To put the call first, make the new node the entry and give it a `default` edge to the old entry node: \
         set entry.nodeId to '{}', add an edge {{\"source\": \"{}\", \"target\": \"{}\", \"type\": \"default\"}} \
         and point the \"start\" edge at '{}'",
        call.id, entry.id, call.id, call.id, entry.id, call.id
    );
    let mut details = vec![
        call.label.diag("entry.conflict", Some("edges"), format!("module call node reached from \"start\" while entry.nodeId names '{}'; make it the entry and give it a `default` edge to '{}'", entry.id, entry.id)),
        entry.label.diag("entry.conflict", Some("entry.nodeId"), format!("old entry node; it should follow the module call node '{}' through a `default` edge", call.id)),
    ];
    details.append(diags);
    details.truncate(crate::fields::MAX_DIAGNOSTICS);
    ModelError { message, details }
}

#[cfg(test)]
#[path = "graph_dialect_tests.rs"]
mod tests;
