//! Logic written in a JSON dialect → the body of an Archy document, so every flow can go to a
//! real Genesys org (SPEC §9). The graph becomes tasks: the entry and every node reached from
//! more than one place (or from a loop) starts a task (`refId: n<index>`); the nodes only one
//! edge reaches are written inline, each outcome's successors under its output; an edge into a
//! task is a `jumpToTask`; a branch that ends the flow ends with `endTask` (Archy would
//! otherwise fall through to the action after the branch). [`super::same_behavior`] checks that
//! the re-imported logic runs the same.
//!
//! Mapping: `setData` → `setParticipantData` (bare keys) / `updateData` (variables),
//! `tagInteraction` → `setExternalTag`, `playPrompt` → `playAudio`, module call →
//! `callCommonModule` (by the call's name, else its module id), data action → `callData`
//! (category `flowlink`), `decision`, `collectInput` (flowlink extension: outputs
//! `digit_N` / `noMatch` / `timeout`), `transferToAcd`, `disconnect`.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::ArchyError;
use crate::expr::VarRef;
use crate::graph::{
    DataTarget, FlowLogic, ModuleCall, Node, NodeKind, Outcome, Prompt, ValueSource,
};

/// The Archy document body (without `name`) for logic from the graph or action-list dialect.
pub(crate) fn json_dialect_document(
    logic: &FlowLogic,
    is_module: bool,
) -> Result<Map<String, Value>, ArchyError> {
    let nodes = &logic.graph.nodes;
    let mut body = Map::new();
    body.insert("defaultLanguage".into(), json!("en-us"));
    let mut vars = Vec::new();
    for v in &logic.variables {
        let name = if v.name.contains('.') {
            v.name.clone()
        } else if is_module {
            format!("Common.{}", v.name)
        } else {
            format!("Flow.{}", v.name)
        };
        let mut ty = v.type_name.clone();
        if let Some(first) = ty.get(..1) {
            ty = format!("{}{}", first.to_ascii_lowercase(), &ty[1..]);
        }
        let initial = match &v.default {
            Some(d) => json!({"lit": d}),
            None => json!({"noValue": true}),
        };
        vars.push(json!({format!("{ty}Variable"): {
            "name": name, "initialValue": initial, "isInput": v.input, "isOutput": v.output
        }}));
    }
    if !vars.is_empty() {
        body.insert("variables".into(), Value::Array(vars));
    }
    let Some(entry) = logic.graph.entry else {
        body.insert(
            "startUpTaskActions".into(),
            Value::Array(vec![json!({"endTask": {"name": "End"}})]),
        );
        return Ok(body);
    };
    // Nodes that start a task: the entry and those with more than one way in.
    let mut incoming = vec![0usize; nodes.len()];
    // Every edge counts (two outcomes of one node into the same node make it shared too).
    for node in nodes {
        for (_, t) in &node.next {
            if let Some(c) = incoming.get_mut(*t) {
                *c += 1;
            }
        }
    }
    let mut starts: Vec<usize> = vec![entry];
    for (i, c) in incoming.iter().enumerate() {
        if i != entry && *c > 1 {
            starts.push(i);
        }
    }
    let mut w = Writer {
        nodes,
        starts: starts.iter().copied().collect(),
        written: HashSet::new(),
        queue: starts.clone(),
    };
    let mut tasks = Vec::new();
    let mut done = HashSet::new();
    while let Some(start) = w.queue.first().copied() {
        w.queue.remove(0);
        if !done.insert(start) {
            continue;
        }
        let actions = w.chain(start, 0)?;
        let name = nodes.get(start).map(|n| n.name.clone()).unwrap_or_default();
        let name = if name.is_empty() {
            format!("Task {start}")
        } else {
            name
        };
        tasks.push(
            json!({"task": {"name": name, "refId": format!("n{start}"), "actions": actions}}),
        );
    }
    body.insert(
        "startUpRef".into(),
        json!(format!("./tasks/task[n{entry}]")),
    );
    body.insert("tasks".into(), Value::Array(tasks));
    Ok(body)
}

/// Branches nested deeper than this are written as tasks reached by `jumpToTask`.
const MAX_INLINE_DEPTH: usize = 12;

struct Writer<'a> {
    nodes: &'a [Node],
    starts: HashSet<usize>,
    written: HashSet<usize>,
    queue: Vec<usize>,
}

impl Writer<'_> {
    fn jump(&mut self, target: usize) -> Value {
        if !self.queue.contains(&target) {
            self.queue.push(target);
        }
        json!({"jumpToTask": {"name": "Jump", "targetTaskRef": format!("./tasks/task[n{target}]")}})
    }

    /// The actions from `start` following `default` edges; `in_branch`: an end must be explicit.
    fn chain(&mut self, start: usize, depth: usize) -> Result<Vec<Value>, ArchyError> {
        let in_branch = depth > 0;
        let mut out = Vec::new();
        let mut cur = start;
        loop {
            if !self.written.insert(cur) {
                // Reached again (a cycle through single-entry nodes): make it a task.
                out.push(self.jump(cur));
                return Ok(out);
            }
            let node = self
                .nodes
                .get(cur)
                .ok_or_else(|| ArchyError::file(format!("internal: node {cur} out of range")))?;
            let default = node
                .next
                .iter()
                .find(|(o, _)| *o == Outcome::Default)
                .map(|(_, t)| *t)
                .or_else(|| match node.kind {
                    // A module call continues on `success` when it has no `default` edge.
                    NodeKind::CallModule(_) => node
                        .next
                        .iter()
                        .find(|(o, _)| *o == Outcome::Success)
                        .map(|(_, t)| *t),
                    _ => None,
                });
            let mut fields = self.action_fields(node)?;
            let (key, body) = fields;
            let mut body = body;
            let mut outputs = Map::new();
            for (outcome, target) in &node.next {
                let Some(out_name) = output_name(&node.kind, outcome) else {
                    continue;
                };
                // Deep nesting becomes a task of its own, so the YAML stays shallow (the reader
                // refuses files nested deeper than MAX_YAML_DEPTH) and nothing recurses deeply.
                let list = if self.starts.contains(target) || depth >= MAX_INLINE_DEPTH {
                    self.starts.insert(*target);
                    vec![self.jump(*target)]
                } else {
                    self.chain(*target, depth + 1)?
                };
                outputs.insert(out_name, json!({"actions": list}));
            }
            if !outputs.is_empty() {
                body.insert("outputs".into(), Value::Object(outputs));
            }
            fields = (key, body);
            let terminal = matches!(
                node.kind,
                NodeKind::Disconnect | NodeKind::TransferToAcd { .. }
            );
            out.push(json!({fields.0: Value::Object(fields.1)}));
            match default {
                Some(next) if self.starts.contains(&next) => {
                    out.push(self.jump(next));
                    return Ok(out);
                }
                Some(next) => cur = next,
                None => {
                    if in_branch && !terminal {
                        out.push(json!({"endTask": {"name": "End"}}));
                    }
                    return Ok(out);
                }
            }
        }
    }

    fn action_fields(&self, node: &Node) -> Result<(String, Map<String, Value>), ArchyError> {
        let mut f = Map::new();
        if !node.name.is_empty() {
            f.insert("name".into(), json!(node.name));
        }
        let key = match &node.kind {
            NodeKind::SetData { data } => {
                if !data.is_empty()
                    && data
                        .iter()
                        .all(|(t, _)| matches!(t, DataTarget::Participant(_)))
                {
                    let attrs: Vec<Value> = data
                        .iter()
                        .map(|(t, v)| {
                            let DataTarget::Participant(k) = t else {
                                return Value::Null;
                            };
                            json!({"attribute": {"name": {"lit": k}, "value": value(v)}})
                        })
                        .collect();
                    f.insert("attributes".into(), Value::Array(attrs));
                    "setParticipantData"
                } else {
                    let mut statements = Vec::new();
                    for (t, v) in data {
                        statements.push(
                            json!({"string": {"variable": target_name(t), "value": value(v)}}),
                        );
                    }
                    f.insert("statements".into(), Value::Array(statements));
                    "updateData"
                }
            }
            NodeKind::TagInteraction { tags } => {
                f.insert(
                    "externalTag".into(),
                    Value::Array(tags.iter().map(value).collect()),
                );
                "setExternalTag"
            }
            NodeKind::PlayPrompt { prompt } => {
                f.insert("audio".into(), audio(prompt));
                "playAudio"
            }
            NodeKind::CallModule(call) => {
                f.insert("commonModule".into(), module(call));
                "callCommonModule"
            }
            NodeKind::DataAction {
                name,
                inputs,
                outputs,
            } => {
                let ins: Map<String, Value> =
                    inputs.iter().map(|(k, v)| (k.clone(), value(v))).collect();
                let outs: Map<String, Value> = outputs
                    .iter()
                    .map(|(k, t)| (k.clone(), json!({"var": target_name(t)})))
                    .collect();
                f.insert(
                    "category".into(),
                    json!({"flowlink": {"dataAction": {name.clone(): {"inputs": ins, "successOutputs": outs}}}}),
                );
                "callData"
            }
            NodeKind::Decision { text, .. } => {
                f.insert("condition".into(), json!({"exp": text}));
                "decision"
            }
            NodeKind::CollectInput {
                prompt,
                digits,
                timeout_ms,
            } => {
                if let Some(p) = prompt {
                    f.insert("inputAudio".into(), audio(p));
                }
                f.insert("digits".into(), json!({"exact": digits}));
                f.insert("noEntryTimeout".into(), json!({"lit": {"ms": timeout_ms}}));
                "collectInput"
            }
            NodeKind::TransferToAcd { queue } => {
                let q = match queue {
                    ValueSource::Literal(Value::String(s)) => json!({"lit": {"name": s}}),
                    other => value(other),
                };
                f.insert("targetQueue".into(), q);
                "transferToAcd"
            }
            NodeKind::Disconnect => "disconnect",
            NodeKind::Archy(_) => {
                return Err(ArchyError::file(format!(
                    "node {} is an Archy node in JSON-dialect logic",
                    node.id
                )))
            }
        };
        Ok((key.to_string(), f))
    }
}

/// The Archy output an edge of a JSON node goes under (`None`: the `default` edge).
fn output_name(kind: &NodeKind, outcome: &Outcome) -> Option<String> {
    Some(match (kind, outcome) {
        (_, Outcome::Default) => return None,
        (NodeKind::CallModule(_), Outcome::Success) => return None,
        (_, Outcome::True) => "yes".into(),
        (_, Outcome::False) => "no".into(),
        (_, Outcome::Success) => "success".into(),
        (_, Outcome::Failure) => "failure".into(),
        (_, Outcome::Timeout) => "timeout".into(),
        (_, Outcome::NoMatch) => "noMatch".into(),
        (_, Outcome::Dtmf(d)) => format!("digit_{d}"),
        (_, Outcome::Named(n)) => n.clone(),
    })
}

fn value(v: &ValueSource) -> Value {
    match v {
        ValueSource::Literal(Value::Null) => json!({"noValue": true}),
        ValueSource::Literal(l) => json!({"lit": l}),
        ValueSource::Expression { text, .. } => json!({"exp": text}),
    }
}

fn audio(p: &Prompt) -> Value {
    match p {
        Prompt::Tts {
            text: ValueSource::Literal(Value::String(s)),
            ..
        } => json!({"tts": s}),
        Prompt::Tts { text, .. } => value(text),
        Prompt::Stored { id } => json!({"prompt": id}),
    }
}

fn target_name(t: &DataTarget) -> String {
    match t {
        DataTarget::Participant(k) => format!("Interaction.data.{k}"),
        DataTarget::Variable(var) => var_name(var),
    }
}

fn var_name(var: &VarRef) -> String {
    let strip = |n: &str, p: &str| n.strip_prefix(p).unwrap_or(n).to_string();
    match var {
        VarRef::Flow(n) => format!("Flow.{}", strip(n, "Flow.")),
        VarRef::Common(n) => format!("Common.{}", strip(n, "Common.")),
        VarRef::InteractionData(n) => format!("Interaction.data.{}", strip(n, "Interaction.data.")),
        VarRef::CallAni => "Call.Ani".into(),
        VarRef::CallDnis => "Call.Dnis".into(),
        VarRef::Task(n) => format!("Task.{n}"),
        VarRef::State(n) => format!("State.{n}"),
        VarRef::Builtin(n) => n.clone(),
    }
}

fn module(call: &ModuleCall) -> Value {
    let name = call
        .module_name
        .clone()
        .unwrap_or_else(|| call.module_id.clone());
    let selector = match call.version {
        Some(v) => format!("ver_{v}.0"),
        None => "ver_latestPublished".into(),
    };
    let inputs: Map<String, Value> = call
        .inputs
        .iter()
        .map(|(k, v)| (k.clone(), value(v)))
        .collect();
    let outputs: Map<String, Value> = call
        .outputs
        .iter()
        .map(|(k, t)| (k.clone(), json!({"var": target_name(t)})))
        .collect();
    let mut spec = Map::new();
    if !inputs.is_empty() {
        spec.insert("inputs".into(), Value::Object(inputs));
    }
    if !outputs.is_empty() {
        spec.insert("outputs".into(), Value::Object(outputs));
    }
    json!({name: {selector: Value::Object(spec)}})
}
