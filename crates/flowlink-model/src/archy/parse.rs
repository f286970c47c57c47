//! An Archy file (after substitution) → [`ArchyFlow`]: the root key and name, containers,
//! actions, variables and references, laid out as the module docs of [`super`] describe.

use serde_json::{Map, Value};

use super::node::{ArchyNode, ArchyOp};
use super::ops::{parse_op, scalar_text, Ctx, Needs};
use super::subst::placeholders;
use super::vocab::{flow_type_for_root, is_archy_action};
use super::yaml::{parse_yaml, Pos, YNode, YValue};
use super::ArchyError;
use crate::graph::{Dialect, FlowLogic, Graph, Node, NodeKind, Outcome, Variable};
use crate::MAX_NODES;

/// Largest Archy file accepted (bytes).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// Most variables one file may declare (flow, task and state variables together).
const MAX_ARCHY_VARIABLES: usize = 5000;

/// Top-level keys that hold containers (each becomes container nodes, not raw fields).
pub(crate) const CONTAINER_KEYS: &[(&str, &str)] = &[
    ("menus", "menu"),
    ("tasks", "task"),
    ("states", "state"),
    ("bots", "bot"),
    ("startUpTaskActions", ""),
];

/// One parsed Archy file.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchyFlow {
    /// The root key as written, e.g. `inboundCall`.
    pub root_key: String,
    /// The Genesys flow type, e.g. `INBOUNDCALL`, `COMMONMODULE`, `BOT`.
    pub flow_type: String,
    /// The flow's `name`.
    pub name: String,
    /// The canonical graph, dialect [`Dialect::Archy`].
    pub logic: FlowLogic,
}

/// Parses one Archy YAML file (after substitution) into the canonical model.
pub fn parse_archy(text: &str) -> Result<ArchyFlow, ArchyError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ArchyError::file(format!(
            "the file has {} bytes, at most {MAX_FILE_BYTES} are accepted",
            text.len()
        )));
    }
    let left = placeholders(text);
    if let Some((_, line)) = left.first() {
        let list = left
            .iter()
            .map(|(k, l)| format!("{{{{{k}}}}} (line {l})"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ArchyError {
            line: *line,
            column: 1,
            action: None,
            message: format!("placeholders left unreplaced: {list}; substitute them before import"),
        });
    }
    let doc = parse_yaml(text)?;
    let entries = match &doc.value {
        YValue::Map(entries) if entries.len() == 1 => entries,
        _ => {
            return Err(ArchyError::at(
                doc.start,
                None,
                "an Archy file is a map with one root key, the flow type (e.g. inboundCall:)",
            ))
        }
    };
    let (root_key, root_pos, body) = (&entries[0].0, entries[0].1, &entries[0].2);
    let Some(flow_type) = flow_type_for_root(root_key) else {
        return Err(ArchyError::at(
            root_pos,
            None,
            format!("unknown flow type '{root_key}' (root keys are inboundCall, inqueueCall, outboundCall, commonModule, workflow, botFlow, ...)"),
        ));
    };
    let name = body
        .get("name")
        .and_then(scalar_text)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ArchyError::at(body.start, None, format!("{root_key} needs a `name`")))?;
    let mut b = Builder {
        root_key: root_key.clone(),
        nodes: Vec::new(),
        variables: Vec::new(),
        containers: Vec::new(),
        pending: Vec::new(),
        loops: Vec::new(),
    };
    let logic = b.document(body)?;
    Ok(ArchyFlow {
        root_key: root_key.clone(),
        flow_type: flow_type.to_string(),
        name,
        logic,
    })
}

enum Pending {
    Jump(usize, String, Pos, String),
    CallTask(usize, String, Pos, String),
}

struct Builder {
    root_key: String,
    nodes: Vec<Node>,
    variables: Vec<Variable>,
    /// (container key, refId, node index).
    containers: Vec<(String, Option<String>, usize)>,
    pending: Vec<Pending>,
    /// Loop nodes enclosing the action being parsed.
    loops: Vec<usize>,
}

fn archy_kind(op: ArchyOp, raw: Value) -> NodeKind {
    NodeKind::Archy(Box::new(ArchyNode { op, raw }))
}

/// The outcome an extracted action list's path takes.
pub(crate) fn outcome_for_path(path: &str) -> Outcome {
    match path {
        "" => Outcome::Default,
        "outputs.yes" => Outcome::True,
        "outputs.no" => Outcome::False,
        "outputs.success" => Outcome::Success,
        "outputs.failure" => Outcome::Failure,
        "outputs.timeout" => Outcome::Timeout,
        "outputs.noMatch" => Outcome::NoMatch,
        other => match other.strip_prefix("outputs.") {
            Some(name) if name.starts_with("digit_") && name.len() > 6 => {
                Outcome::Dtmf(name[6..].to_string())
            }
            Some(name) if !name.contains('.') => Outcome::Named(name.to_string()),
            _ => Outcome::Named(format!("@{other}")),
        },
    }
}

/// The path an outcome's action list lives at (inverse of [`outcome_for_path`]).
pub(crate) fn path_for_outcome(outcome: &Outcome) -> Option<String> {
    Some(match outcome {
        Outcome::Default => String::new(),
        Outcome::True => "outputs.yes".into(),
        Outcome::False => "outputs.no".into(),
        Outcome::Success => "outputs.success".into(),
        Outcome::Failure => "outputs.failure".into(),
        Outcome::Timeout => "outputs.timeout".into(),
        Outcome::Named(name) => match name.strip_prefix('@') {
            Some(path) => path.to_string(),
            None => format!("outputs.{name}"),
        },
        Outcome::NoMatch => "outputs.noMatch".into(),
        Outcome::Dtmf(d) => format!("outputs.digit_{d}"),
    })
}

/// The JSON of `node` with every nested `actions` list removed; the lists are returned with
/// their paths (dot-joined keys and indexes of the map that held them).
fn strip<'n>(node: &'n YNode, path: &str, found: &mut Vec<(String, &'n YNode)>) -> Value {
    match &node.value {
        YValue::Map(entries) => {
            let mut map = Map::new();
            // Sorted, so the node order does not depend on the order keys were written in
            // (export writes them sorted).
            let mut sorted: Vec<&(String, Pos, YNode)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, _, v) in sorted {
                if k == "actions" && (matches!(v.value, YValue::Seq(_)) || v.is_null()) {
                    found.push((path.to_string(), v));
                    continue;
                }
                let sub = join(path, k);
                map.insert(k.clone(), strip(v, &sub, found));
            }
            Value::Object(map)
        }
        YValue::Seq(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| strip(v, &join(path, &i.to_string()), found))
                .collect(),
        ),
        YValue::Scalar { .. } => node.to_json(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Builder {
    fn push(
        &mut self,
        id: String,
        name: String,
        type_name: &str,
        kind: NodeKind,
    ) -> Result<usize, ArchyError> {
        if self.nodes.len() >= MAX_NODES {
            return Err(ArchyError::file(format!(
                "the flow has more than {MAX_NODES} actions, menus and tasks"
            )));
        }
        self.nodes.push(Node {
            id,
            name,
            type_name: type_name.to_string(),
            kind,
            next: Vec::new(),
        });
        Ok(self.nodes.len() - 1)
    }

    fn document(&mut self, body: &YNode) -> Result<FlowLogic, ArchyError> {
        let mut raw = Map::new();
        for (k, _, v) in body.entries() {
            if !CONTAINER_KEYS.iter().any(|(c, _)| c == k) {
                raw.insert(k.clone(), v.to_json());
            }
        }
        let root_key = self.root_key.clone();
        self.push(
            root_key.clone(),
            String::new(),
            &root_key,
            archy_kind(ArchyOp::Flow, Value::Object(raw)),
        )?;
        self.variables(body.get("variables"))?;
        // Containers first (so references resolve), then their contents.
        let mut bodies: Vec<(usize, &YNode, &str)> = Vec::new();
        for (key, item) in CONTAINER_KEYS {
            let Some(list) = body.get(key) else { continue };
            if item.is_empty() {
                let idx = self.push(
                    (*key).to_string(),
                    String::new(),
                    key,
                    archy_kind(ArchyOp::Container, Value::Null),
                )?;
                self.nodes[0]
                    .next
                    .push((Outcome::Named((*key).to_string()), idx));
                self.containers.push(((*key).to_string(), None, idx));
                bodies.push((idx, list, key));
                continue;
            }
            for (i, entry) in list.items().iter().enumerate() {
                let Some((k, kpos, fields)) = entry.entries().first() else {
                    return Err(ArchyError::at(
                        entry.start,
                        None,
                        format!("each entry of {key} is `- {item}: {{...}}`"),
                    ));
                };
                if k != item {
                    return Err(ArchyError::at(
                        *kpos,
                        None,
                        format!("{key} holds `{item}` entries, found `{k}`"),
                    ));
                }
                let name = fields.get("name").and_then(scalar_text).unwrap_or_default();
                let ref_id = fields.get("refId").and_then(scalar_text);
                let op = if *item == "menu" {
                    let ctx = Ctx {
                        action: &format!("menu '{name}'"),
                    };
                    ArchyOp::Menu {
                        audio: ctx.audio(fields.get("audio"))?,
                    }
                } else {
                    ArchyOp::Container
                };
                let mut raw = Map::new();
                for (fk, _, fv) in fields.entries() {
                    if fk != "actions" && !(fk == "choices" && *item == "menu") {
                        raw.insert(fk.clone(), fv.to_json());
                    }
                }
                let idx = self.push(
                    format!("{key}[{i}]"),
                    name,
                    item,
                    archy_kind(op, Value::Object(raw)),
                )?;
                self.nodes[0]
                    .next
                    .push((Outcome::Named((*key).to_string()), idx));
                self.containers.push(((*key).to_string(), ref_id, idx));
                bodies.push((idx, fields, item));
            }
        }
        for (idx, node, item) in bodies {
            let id = self.nodes[idx].id.clone();
            match item {
                "startUpTaskActions" => {
                    if let Some(first) = self.list(node.items(), &id, None)? {
                        self.nodes[idx].next.push((Outcome::Default, first));
                    }
                }
                "menu" => self.choices(idx, node, &id)?,
                _ => {
                    self.variables(node.get("variables"))?;
                    let actions = node.get("actions").map(YNode::items).unwrap_or_default();
                    if let Some(first) = self.list(actions, &id, None)? {
                        self.nodes[idx].next.push((Outcome::Default, first));
                    }
                }
            }
        }
        self.resolve()?;
        let start = self.start_container(body)?;
        let entry = match body.get("initialGreeting") {
            Some(greeting) if !greeting.is_null() => {
                let ctx = Ctx {
                    action: "initialGreeting",
                };
                match ctx.audio(Some(greeting))? {
                    Some(prompt) => {
                        let idx = self.push(
                            "initialGreeting".into(),
                            "Initial greeting".into(),
                            "initialGreeting",
                            archy_kind(ArchyOp::Core(NodeKind::PlayPrompt { prompt }), Value::Null),
                        )?;
                        if let Some(start) = start {
                            self.nodes[idx].next.push((Outcome::Default, start));
                        }
                        Some(idx)
                    }
                    None => start,
                }
            }
            _ => start,
        };
        Ok(FlowLogic {
            dialect: Dialect::Archy,
            graph: Graph {
                entry,
                nodes: std::mem::take(&mut self.nodes),
            },
            variables: std::mem::take(&mut self.variables),
        })
    }

    fn start_container(&self, body: &YNode) -> Result<Option<usize>, ArchyError> {
        if let Some(r) = body.get("startUpRef") {
            let text = scalar_text(r).unwrap_or_default();
            return self.resolve_ref(&text).map(Some).ok_or_else(|| {
                ArchyError::at(
                    r.start,
                    None,
                    format!("startUpRef '{text}' names no task, menu or state of this file"),
                )
            });
        }
        let startup = self
            .containers
            .iter()
            .find(|(k, _, _)| k == "startUpTaskActions");
        Ok(startup.or(self.containers.first()).map(|(_, _, i)| *i))
    }

    /// `/root/tasks/task[ref]`, `./menus/menu[ref]` → the container's node index.
    fn resolve_ref(&self, text: &str) -> Option<usize> {
        let rest = text
            .strip_prefix(&format!("/{}/", self.root_key))
            .or_else(|| text.strip_prefix("./"))?;
        let (key, item) = rest.split_once('/')?;
        let ref_id = item.split_once('[')?.1.strip_suffix(']')?;
        self.containers
            .iter()
            .find(|(k, r, _)| k == key && r.as_deref() == Some(ref_id))
            .map(|(_, _, i)| *i)
    }

    fn resolve(&mut self) -> Result<(), ArchyError> {
        for p in std::mem::take(&mut self.pending) {
            let (idx, text, pos, action, call) = match p {
                Pending::Jump(i, t, p, a) => (i, t, p, a, false),
                Pending::CallTask(i, t, p, a) => (i, t, p, a, true),
            };
            let Some(target) = self.resolve_ref(&text) else {
                return Err(ArchyError::at(
                    pos,
                    Some(action),
                    format!("reference '{text}' names no task, menu or state of this file"),
                ));
            };
            if let NodeKind::Archy(a) = &mut self.nodes[idx].kind {
                a.op = if call {
                    ArchyOp::CallTask { target }
                } else {
                    ArchyOp::Jump { target }
                };
            }
        }
        Ok(())
    }

    fn variables(&mut self, list: Option<&YNode>) -> Result<(), ArchyError> {
        for item in list.map(YNode::items).unwrap_or_default() {
            let Some((key, kpos, fields)) = item.entries().first() else {
                continue;
            };
            let Some(type_name) = key.strip_suffix("Variable") else {
                return Err(ArchyError::at(
                    *kpos,
                    None,
                    format!("`{key}` is not a variable declaration (e.g. stringVariable)"),
                ));
            };
            let Some(name) = fields.get("name").and_then(scalar_text) else {
                return Err(ArchyError::at(
                    fields.start,
                    None,
                    format!("{key} needs a `name`"),
                ));
            };
            if self.variables.len() >= MAX_ARCHY_VARIABLES {
                return Err(ArchyError::at(
                    *kpos,
                    None,
                    format!("more than {MAX_ARCHY_VARIABLES} variables"),
                ));
            }
            let flag = |k: &str| {
                fields
                    .get(k)
                    .map(|v| v.to_json() == Value::Bool(true))
                    .unwrap_or(false)
            };
            let default = fields
                .get("initialValue")
                .and_then(|v| v.get("lit"))
                // As written: a named object (`{name: Services}`) stays an object.
                .map(YNode::to_json)
                .filter(|v| !v.is_null());
            self.variables.push(Variable {
                name,
                type_name: type_name.to_string(),
                input: flag("isInput"),
                output: flag("isOutput"),
                default,
            });
        }
        Ok(())
    }

    /// A menu's choices: one node each, edges `dtmf:N` (or `Named(choices.i)`) from the menu.
    fn choices(&mut self, menu: usize, fields: &YNode, id: &str) -> Result<(), ArchyError> {
        let items = fields.get("choices").map(YNode::items).unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            let idx = self.action(item, &format!("{id}/choices.{i}"), None, true)?;
            let digit = item
                .entries()
                .first()
                .and_then(|(_, _, f)| f.get("dtmf"))
                .and_then(scalar_text)
                .and_then(|d| d.strip_prefix("digit_").map(str::to_string));
            let outcome = match digit {
                Some(d)
                    if !self.nodes[menu]
                        .next
                        .iter()
                        .any(|(o, _)| *o == Outcome::Dtmf(d.clone())) =>
                {
                    Outcome::Dtmf(d)
                }
                _ => Outcome::Named(format!("choices.{i}")),
            };
            self.nodes[menu].next.push((outcome, idx));
        }
        Ok(())
    }

    /// An action list; returns its first node (or `cont` when empty).
    fn list(
        &mut self,
        items: &[YNode],
        prefix: &str,
        cont: Option<usize>,
    ) -> Result<Option<usize>, ArchyError> {
        if items.is_empty() {
            return Ok(cont);
        }
        // Reserve the siblings first so each knows the index of the next.
        let base = self.nodes.len();
        for i in 0..items.len() {
            self.push(
                format!("{prefix}/{i}"),
                String::new(),
                "",
                NodeKind::Disconnect,
            )?;
        }
        for (i, item) in items.iter().enumerate() {
            let after = if i + 1 < items.len() {
                Some(base + i + 1)
            } else {
                cont
            };
            self.fill(base + i, item, after, false)?;
        }
        Ok(Some(base))
    }

    /// A menu choice (or standalone action) as a new node.
    fn action(
        &mut self,
        item: &YNode,
        id: &str,
        after: Option<usize>,
        choice: bool,
    ) -> Result<usize, ArchyError> {
        let idx = self.push(id.to_string(), String::new(), "", NodeKind::Disconnect)?;
        self.fill(idx, item, after, choice)?;
        Ok(idx)
    }

    fn fill(
        &mut self,
        idx: usize,
        item: &YNode,
        after: Option<usize>,
        choice: bool,
    ) -> Result<(), ArchyError> {
        let (key, kpos, fields) = match &item.value {
            YValue::Map(entries) if entries.len() == 1 => {
                (&entries[0].0, entries[0].1, &entries[0].2)
            }
            _ => {
                return Err(ArchyError::at(
                    item.start,
                    None,
                    "an action is `- <actionType>: {...}` with exactly one key",
                ))
            }
        };
        let name = fields.get("name").and_then(scalar_text).unwrap_or_default();
        let label = if name.is_empty() {
            key.clone()
        } else {
            format!("{key} '{name}'")
        };
        let is_choice_key = key.starts_with("menu");
        if !is_archy_action(key) || (choice != is_choice_key) {
            let what = if choice { "menu choice" } else { "action" };
            return Err(ArchyError::at(
                kpos,
                Some(key.clone()),
                format!(
                    "unknown {what} '{key}' at line {}: not in Architect's action vocabulary",
                    kpos.line
                ),
            ));
        }
        let ctx = Ctx { action: &label };
        let (mut op, needs) = parse_op(&ctx, key, fields)?;
        match needs {
            Needs::Nothing => {}
            Needs::Jump(text, pos) => {
                self.pending
                    .push(Pending::Jump(idx, text, pos, label.clone()))
            }
            Needs::CallTask(text, pos) => {
                self.pending
                    .push(Pending::CallTask(idx, text, pos, label.clone()))
            }
            Needs::EnclosingLoop(make) => {
                if let Some(l) = self.loops.last() {
                    op = make(*l);
                }
            }
        }
        let mut lists = Vec::new();
        let raw = strip(fields, "", &mut lists);
        let is_loop = matches!(op, ArchyOp::Loop { .. });
        {
            let node = &mut self.nodes[idx];
            node.name = name;
            node.type_name = key.clone();
            node.kind = archy_kind(op, raw);
        }
        if is_loop {
            self.loops.push(idx);
        }
        let id = self.nodes[idx].id.clone();
        let mut edges = Vec::new();
        for (path, list) in lists {
            let cont = if is_loop && path == "outputs.loop" {
                Some(idx)
            } else {
                after
            };
            let first = self.list(list.items(), &format!("{id}/{path}"), cont)?;
            if let Some(first) = first {
                edges.push((outcome_for_path(&path), first));
            }
        }
        if is_loop {
            self.loops.pop();
        }
        if let Some(after) = after {
            edges.push((Outcome::Default, after));
        }
        self.nodes[idx].next = edges;
        Ok(())
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
