//! "The same canonical logic" across dialects: two flows behave the same when, walking from
//! their entries, they meet the same actions (same kind, values and targets) and each outcome
//! leads to the same next action. Containers, jumps and `endTask` are only structure and are
//! walked through; node ids, type names, names and Archy's stored fields do not count.

use std::collections::HashMap;

use serde_json::Value;

use super::node::ArchyOp;
use crate::expr::VarRef;
use crate::graph::{
    DataTarget, FlowLogic, ModuleCall, Node, NodeKind, Outcome, Prompt, ValueSource,
};

/// `Ok` when `a` and `b` behave the same; `Err` describes the first difference.
pub fn same_behavior(a: &FlowLogic, b: &FlowLogic) -> Result<(), String> {
    let mut map_a: HashMap<usize, usize> = HashMap::new();
    let mut map_b: HashMap<usize, usize> = HashMap::new();
    let mut queue: Vec<(Option<usize>, Option<usize>)> =
        vec![(resolve(a, a.graph.entry), resolve(b, b.graph.entry))];
    let mut steps = 0;
    while let Some((x, y)) = queue.pop() {
        steps += 1;
        if steps > 4 * (a.graph.nodes.len() + b.graph.nodes.len()) + 8 {
            return Err("internal: comparison did not converge".into());
        }
        let (x, y) = match (x, y) {
            (None, None) => continue,
            (Some(x), Some(y)) => (x, y),
            (x, y) => {
                return Err(format!(
                    "one flow ends where the other continues ({} vs {})",
                    label(a, x),
                    label(b, y)
                ))
            }
        };
        match (map_a.get(&x), map_b.get(&y)) {
            (Some(px), Some(py)) if *px == y && *py == x => continue,
            (None, None) => {
                map_a.insert(x, y);
                map_b.insert(y, x);
            }
            _ => {
                return Err(format!(
                    "the flows join differently at {} / {}",
                    label(a, Some(x)),
                    label(b, Some(y))
                ))
            }
        }
        let (na, nb) = (&a.graph.nodes[x], &b.graph.nodes[y]);
        let (ka, kb) = (semantic(&na.kind), semantic(&nb.kind));
        if ka != kb {
            return Err(format!(
                "{} differs from {}:\n  {ka}\n  {kb}",
                label(a, Some(x)),
                label(b, Some(y))
            ));
        }
        let (ea, eb) = (edges(a, na), edges(b, nb));
        let keys: Vec<&String> = ea.keys().chain(eb.keys()).collect();
        for key in keys {
            let ta = ea
                .get(key)
                .copied()
                .or_else(|| ea.get("default").copied())
                .flatten();
            let tb = eb
                .get(key)
                .copied()
                .or_else(|| eb.get("default").copied())
                .flatten();
            queue.push((ta, tb));
        }
    }
    Ok(())
}

fn label(logic: &FlowLogic, idx: Option<usize>) -> String {
    match idx.and_then(|i| logic.graph.nodes.get(i)) {
        Some(n) => format!("{} '{}' ({})", n.type_name, n.name, n.id),
        None => "the end".into(),
    }
}

fn default_of(node: &Node) -> Option<usize> {
    node.next
        .iter()
        .find(|(o, _)| *o == Outcome::Default)
        .map(|(_, t)| *t)
}

/// Walks through structure-only nodes to the action that runs.
fn resolve(logic: &FlowLogic, mut idx: Option<usize>) -> Option<usize> {
    for _ in 0..=logic.graph.nodes.len() {
        let node = logic.graph.nodes.get(idx?)?;
        let NodeKind::Archy(a) = &node.kind else {
            return idx;
        };
        idx = match &a.op {
            ArchyOp::Container | ArchyOp::Flow => node
                .next
                .iter()
                .find(|(o, _)| matches!(o, Outcome::Named(n) if n == "@task"))
                .map(|(_, t)| *t)
                .or_else(|| default_of(node)),
            ArchyOp::Jump { target } => Some(*target),
            ArchyOp::EndTask => None,
            _ => return idx,
        };
    }
    None
}

/// Outgoing edges by outcome (a module call's `success` counts as `default`), resolved.
fn edges(logic: &FlowLogic, node: &Node) -> HashMap<String, Option<usize>> {
    let is_call = matches!(core(&node.kind), NodeKind::CallModule(_));
    let terminal = matches!(
        core(&node.kind),
        NodeKind::Disconnect | NodeKind::TransferToAcd { .. }
    );
    let mut out = HashMap::new();
    if terminal {
        return out;
    }
    for (o, t) in &node.next {
        let key = match o {
            Outcome::Success if is_call => "default".to_string(),
            other => other.as_wire(),
        };
        out.entry(key).or_insert(resolve(logic, Some(*t)));
    }
    out
}

fn core(kind: &NodeKind) -> &NodeKind {
    match kind {
        NodeKind::Archy(a) => match &a.op {
            ArchyOp::Core(k) => k,
            _ => kind,
        },
        _ => kind,
    }
}

/// A dialect-free description of what a node does.
fn semantic(kind: &NodeKind) -> String {
    match core(kind) {
        NodeKind::SetData { data } => {
            let items: Vec<String> = data
                .iter()
                .map(|(t, v)| format!("{}={}", target(t), value(v)))
                .collect();
            format!("setData[{}]", items.join(", "))
        }
        NodeKind::TagInteraction { tags } => {
            let items: Vec<String> = tags.iter().map(value).collect();
            format!("tags[{}]", items.join(", "))
        }
        NodeKind::PlayPrompt { prompt } => format!("play({})", prompt_text(prompt)),
        NodeKind::CallModule(call) => module(call),
        NodeKind::DataAction {
            name,
            inputs,
            outputs,
        } => {
            let mut ins: Vec<String> = inputs
                .iter()
                .map(|(k, v)| format!("{k}={}", value(v)))
                .collect();
            ins.sort();
            let mut outs: Vec<String> = outputs
                .iter()
                .map(|(k, t)| format!("{k}->{}", target(t)))
                .collect();
            outs.sort();
            format!("data({name}; {}; {})", ins.join(", "), outs.join(", "))
        }
        NodeKind::Decision { text, .. } => format!("decision({})", text.trim()),
        NodeKind::CollectInput {
            prompt,
            digits,
            timeout_ms,
        } => format!(
            "collect({}, {digits}, {timeout_ms})",
            prompt.as_ref().map(prompt_text).unwrap_or_default()
        ),
        NodeKind::TransferToAcd { queue } => format!("transfer({})", value(queue)),
        NodeKind::Disconnect => "disconnect".into(),
        NodeKind::Archy(a) => format!("archy({:?})", a.op),
    }
}

fn module(call: &ModuleCall) -> String {
    let mut ins: Vec<String> = call
        .inputs
        .iter()
        .map(|(k, v)| format!("{k}={}", value(v)))
        .collect();
    ins.sort();
    let mut outs: Vec<String> = call
        .outputs
        .iter()
        .map(|(k, t)| format!("{k}->{}", target(t)))
        .collect();
    outs.sort();
    // A call by name exports the id as the name when it has none.
    let who = call
        .module_name
        .clone()
        .unwrap_or_else(|| call.module_id.clone());
    format!(
        "module({who} v{:?}; {}; {})",
        call.version,
        ins.join(", "),
        outs.join(", ")
    )
}

fn prompt_text(p: &Prompt) -> String {
    match p {
        Prompt::Tts { text, .. } => value(text),
        Prompt::Stored { id } => format!("prompt:{id}"),
    }
}

fn value(v: &ValueSource) -> String {
    match v {
        ValueSource::Literal(Value::String(s)) => format!("{s:?}"),
        ValueSource::Literal(other) => other.to_string(),
        ValueSource::Expression { text, .. } => format!("exp({})", text.trim()),
    }
}

fn target(t: &DataTarget) -> String {
    let strip = |n: &str, p: &str| {
        n.get(..p.len())
            .filter(|h| h.eq_ignore_ascii_case(p))
            .map_or(n, |_| &n[p.len()..])
            .to_ascii_lowercase()
    };
    match t {
        DataTarget::Participant(k) => format!("participant.{}", k.to_ascii_lowercase()),
        DataTarget::Variable(VarRef::InteractionData(k)) => {
            format!("participant.{}", strip(k, "Interaction.data."))
        }
        DataTarget::Variable(VarRef::Flow(n)) => format!("flow.{}", strip(n, "Flow.")),
        DataTarget::Variable(VarRef::Common(n)) => format!("common.{}", strip(n, "Common.")),
        DataTarget::Variable(other) => format!("{other:?}").to_ascii_lowercase(),
    }
}
