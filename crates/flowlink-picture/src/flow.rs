//! A flow's canonical graph as a picture: one box per node (name, and what it does: the
//! module it calls with its pin, the decision's expression, the prompt's text), one arrow per
//! edge labelled with its outcome. The same code draws every dialect, because every dialect
//! parses into the one graph: an Archy file's document, tasks, menus and actions are its
//! nodes, and nested action lists its edges.

use std::collections::HashMap;

use flowlink_model::{FlowLogic, NodeKind, Outcome, Prompt, ValueSource};

use crate::layout::layout;
use crate::svg::{draw, BoxSpec, EdgeSpec};

/// The SVG picture of `logic`. `module_names` maps module ids to names for the call boxes
/// (an unknown id shows as the id). Node boxes carry `data-node="<node id>"`.
pub fn flow_picture(logic: &FlowLogic, module_names: &HashMap<String, String>) -> String {
    let g = &logic.graph;
    let mut edges = Vec::new();
    let mut specs = Vec::new();
    for (i, node) in g.nodes.iter().enumerate() {
        for (outcome, to) in &node.next {
            edges.push((i, *to));
            specs.push(EdgeSpec {
                label: edge_label(outcome),
                class: edge_class(outcome).into(),
            });
        }
    }
    let roots: Vec<usize> = g.entry.into_iter().collect();
    let laid = layout(g.nodes.len(), &edges, &roots);
    let boxes: Vec<BoxSpec> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let (class, detail) = describe(&node.kind, &node.type_name, module_names);
            let title = if node.name.trim().is_empty() {
                node.id.clone()
            } else {
                node.name.clone()
            };
            let subtitle = match detail {
                Some(d) => format!("{}: {d}", node.type_name),
                None => node.type_name.clone(),
            };
            let entry = if g.entry == Some(i) { " entry" } else { "" };
            BoxSpec {
                key: node.id.clone(),
                title,
                subtitle,
                class: format!("{class}{entry}"),
                href: None,
            }
        })
        .collect();
    draw(&laid, &boxes, &specs, "flow")
}

/// An outcome as people read it on an arrow: `default` says nothing.
fn edge_label(o: &Outcome) -> String {
    match o {
        Outcome::Default => String::new(),
        Outcome::Dtmf(d) => format!("press {d}"),
        Outcome::Named(n) => {
            // Archy edge names are paths (`tasks.0`, `evaluate.firstTrue.cases.1.case`):
            // the last meaningful segment says enough.
            let parts: Vec<&str> = n.split('.').collect();
            match parts.as_slice() {
                [.., "cases", k, "case"] => format!("case {k}"),
                [.., last] if last.parse::<usize>().is_ok() && parts.len() >= 2 => {
                    parts[parts.len() - 2].to_string()
                }
                _ => n.clone(),
            }
        }
        other => other.as_wire(),
    }
}

fn edge_class(o: &Outcome) -> &'static str {
    match o {
        Outcome::Failure | Outcome::Timeout | Outcome::NoMatch | Outcome::False => "bad",
        Outcome::Success | Outcome::True => "good",
        _ => "plain",
    }
}

fn value_text(v: &ValueSource) -> String {
    match v {
        ValueSource::Literal(serde_json::Value::String(s)) => s.clone(),
        ValueSource::Literal(other) => other.to_string(),
        ValueSource::Expression { text, .. } => text.clone(),
    }
}

fn prompt_text(p: &Prompt) -> String {
    match p {
        Prompt::Tts { text, .. } => format!("\u{201c}{}\u{201d}", value_text(text)),
        Prompt::Stored { id } => id.clone(),
    }
}

/// The node's CSS class and a short description of what it does.
fn describe(
    kind: &NodeKind,
    type_name: &str,
    names: &HashMap<String, String>,
) -> (&'static str, Option<String>) {
    match kind {
        NodeKind::CallModule(call) => {
            let who = call
                .module_name
                .clone()
                .or_else(|| names.get(&call.module_id.to_ascii_lowercase()).cloned())
                .unwrap_or_else(|| call.module_id.clone());
            let pin = match call.version {
                Some(v) => format!("v{v}"),
                None => "floating".into(),
            };
            ("k-call", Some(format!("{who} ({pin})")))
        }
        NodeKind::Decision { text, .. } => ("k-decision", Some(text.clone())),
        NodeKind::PlayPrompt { prompt } => ("k-prompt", Some(prompt_text(prompt))),
        NodeKind::CollectInput { digits, .. } => ("k-input", Some(format!("{digits} digit(s)"))),
        NodeKind::DataAction { name, .. } => ("k-data", Some(name.clone())),
        NodeKind::TransferToAcd { queue } => ("k-transfer", Some(value_text(queue))),
        NodeKind::Disconnect => ("k-end", None),
        NodeKind::SetData { data } => ("k-set", Some(format!("{} value(s)", data.len()))),
        NodeKind::TagInteraction { tags } => (
            "k-set",
            Some(tags.iter().map(value_text).collect::<Vec<_>>().join(", ")),
        ),
        // Archy actions keep Architect's names: the same colours by what the name says.
        NodeKind::Archy(_) => (archy_class(type_name), None),
    }
}

/// The class of an Archy action or container by its Architect name.
fn archy_class(type_name: &str) -> &'static str {
    let t = type_name.to_ascii_lowercase();
    let has = |w: &str| t.contains(w);
    if has("commonmodule") || has("calltask") || has("jumptotask") {
        "k-call"
    } else if has("decision") || has("switch") || has("evaluate") {
        "k-decision"
    } else if has("audio") || has("greeting") || has("prompt") || has("collectinput") {
        "k-prompt"
    } else if has("menu") || t == "task" || has("state") || has("startup") {
        "k-container"
    } else if has("calldata") || has("dataaction") || has("find") || has("lookup") {
        "k-data"
    } else if has("transfer") || has("disconnect") || has("endflow") {
        "k-transfer"
    } else {
        "k-archy"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn logic(doc: serde_json::Value) -> FlowLogic {
        flowlink_model::parse_definition(&doc).unwrap()
    }

    #[test]
    fn every_node_is_drawn_with_its_id_and_escaped_name() {
        let l = logic(json!({
            "nodes": [
                {"id": "a", "name": "<img src=x onerror=alert(1)>", "type": "setData",
                 "settings": {"data": [{"key": "x", "value": "1"}]}},
                {"id": "b", "name": "Bye", "type": "disconnect", "settings": {}}
            ],
            "edges": [
                {"id": "e0", "source": "start", "target": "a", "type": "default"},
                {"id": "e1", "source": "a", "target": "b", "type": "default"}
            ],
            "entry": {"nodeId": "a"}
        }));
        let svg = flow_picture(&l, &HashMap::new());
        assert!(svg.contains(r#"data-node="a""#) && svg.contains(r#"data-node="b""#));
        assert!(!svg.contains("<img"));
        assert!(svg.contains("&lt;img src=x"));
    }
}
