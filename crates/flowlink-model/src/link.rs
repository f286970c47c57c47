//! Linking a shared module into a flow's wire logic (SPEC §8): the call goes at the flow's
//! entry, before the existing logic, exactly once. Works on the wire document so everything the
//! author wrote (names, extra fields, type names) survives; the result is valid by construction
//! (an inserted call) or re-validated (every other edit).

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::action_dialect::{branch_keys, parse_actions, MAX_ACTION_DEPTH};
use crate::error::ModelError;
use crate::fields::{doc_diag, Fields, Label};
use crate::graph::{FlowLogic, Outcome};
use crate::graph_dialect::{parse_definition, START};
use crate::node_kind::{family, module_ref, Family, ModuleRef};

/// A flow's logic as it travels on the wire (the type of `flowlink-api`).
pub use flowlink_api::WireLogic;

/// Parses and validates wire logic (action-list variables are not part of the wire logic, so
/// none are declared).
pub fn parse_wire(logic: &WireLogic) -> Result<FlowLogic, ModelError> {
    match logic {
        WireLogic::Graph(definition) => parse_definition(definition),
        WireLogic::Actions(actions) => parse_actions(&Value::Array(actions.clone()), None),
    }
}

/// Result of a link/unlink: the new logic, or `Unchanged` when nothing needed doing.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    Changed(WireLogic),
    Unchanged,
}

/// Puts a call to `module_id` at the flow's entry, before existing logic, exactly once.
///
/// If the flow already calls `module_id` anywhere with the same pin → `Unchanged`; with a
/// different pin, every such call gets the new pin → `Changed`. Otherwise the graph dialect
/// gains a `flowModule` node `call-<moduleId>` with settings `{flowModuleId, version}`, made
/// `entry.nodeId`, with a `default` edge to the old entry (and any `start` edge retargeted);
/// the action dialect gains a leading `{type: "callFlow", name, flow: {id, version}}`.
/// The input must be valid logic (errors as from parsing it).
pub fn link_module(
    logic: &WireLogic,
    module_id: &str,
    version: Option<u32>,
    call_name: &str,
) -> Result<LinkOutcome, ModelError> {
    link_module_parsed(logic.clone(), module_id, version, call_name).map(outcome)
}

/// A module call of changed logic: the calling node (or action) and the module it calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// The id of the node (or action) making the call.
    pub node_id: String,
    /// The module's flow id.
    pub module_id: String,
    /// `None` floats; `Some(n)` pins logic version n.
    pub version: Option<u32>,
}

/// The module calls `logic` makes, in node order.
pub fn call_sites(logic: &FlowLogic) -> Vec<CallSite> {
    logic
        .module_calls()
        .map(|(node, call)| CallSite {
            node_id: node.id.clone(),
            module_id: call.module_id.clone(),
            version: call.version,
        })
        .collect()
}

/// A changed logic with the module calls it makes, as [`link_module_parsed`] and
/// [`unlink_module_parsed`] answer it (the changed logic is valid).
pub type Parsed = (WireLogic, Vec<CallSite>);

/// [`link_module`] on logic the caller gives up (edited in place, not copied), answering the
/// new logic together with the module calls it makes (`None` when unchanged), so a caller that
/// needs them does not parse the document a second time.
pub fn link_module_parsed(
    logic: WireLogic,
    module_id: &str,
    version: Option<u32>,
    call_name: &str,
) -> Result<Option<Parsed>, ModelError> {
    let module_id = checked_module_id(module_id)?;
    let parsed = parse_wire(&logic)?;
    let existing: Vec<Option<u32>> = parsed
        .module_calls()
        .filter(|(_, c)| c.module_id == module_id)
        .map(|(_, c)| c.version)
        .collect();
    if !existing.is_empty() {
        if existing.iter().all(|v| *v == version) {
            return Ok(None);
        }
        let mut changed = logic;
        for_each_item(&mut changed, &mut |obj, settings_first| {
            if let Some(reference) = call_to(obj, settings_first, module_id) {
                if reference.version != version {
                    set_version(obj, &reference, version);
                }
            }
            true
        });
        return finish(changed);
    }
    let changed = match logic {
        WireLogic::Actions(mut actions) => {
            let call = json!({"type": "callFlow", "name": call_name, "flow": {"id": module_id, "version": version}});
            actions.insert(0, call);
            WireLogic::Actions(actions)
        }
        WireLogic::Graph(definition) => {
            let old_entry = parsed
                .graph
                .entry
                .and_then(|i| parsed.graph.nodes.get(i))
                .map(|n| n.id.clone());
            let (definition, node_id) = insert_graph_call(
                definition,
                module_id,
                version,
                call_name,
                old_entry.as_deref(),
            );
            // Valid input plus one well-formed call node before its entry is valid, and graph
            // node ids do not move: the calls are the old ones and the new one, not re-parsed
            // (a re-parse was a tenth of a bulk link's CPU). Debug builds check both claims.
            let mut calls = call_sites(&parsed);
            calls.push(CallSite {
                node_id,
                module_id: module_id.to_string(),
                version,
            });
            let changed = WireLogic::Graph(definition);
            #[cfg(debug_assertions)]
            {
                let reparsed = finish(changed.clone());
                debug_assert_eq!(
                    reparsed
                        .as_ref()
                        .ok()
                        .and_then(|p| p.as_ref())
                        .map(|p| &p.1),
                    Some(&calls),
                    "a linked graph parses to the calls derived for it: {reparsed:?}"
                );
            }
            return Ok(Some((changed, calls)));
        }
    };
    finish(changed)
}

/// Removes every call to `module_id`, reconnecting each predecessor to the removed node's
/// `success` successor (else its `default` successor). In the action dialect the call items are
/// dropped from their lists (with any branches they carried). `Unchanged` if there was no call.
pub fn unlink_module(logic: &WireLogic, module_id: &str) -> Result<LinkOutcome, ModelError> {
    unlink_module_parsed(logic.clone(), module_id).map(outcome)
}

/// [`unlink_module`] on logic the caller gives up, answering the new logic together with its
/// module calls (`None` when unchanged).
pub fn unlink_module_parsed(
    logic: WireLogic,
    module_id: &str,
) -> Result<Option<Parsed>, ModelError> {
    let module_id = checked_module_id(module_id)?;
    let parsed = parse_wire(&logic)?;
    if !parsed.module_calls().any(|(_, c)| c.module_id == module_id) {
        return Ok(None);
    }
    let changed = match logic {
        WireLogic::Actions(mut actions) => {
            remove_action_calls(&mut actions, module_id, 1);
            WireLogic::Actions(actions)
        }
        WireLogic::Graph(definition) => {
            WireLogic::Graph(remove_graph_calls(definition, &parsed, module_id))
        }
    };
    finish(changed)
}

fn checked_module_id(module_id: &str) -> Result<&str, ModelError> {
    let trimmed = module_id.trim();
    if trimmed.is_empty() {
        return Err(ModelError::single(doc_diag(
            "missing.module.id",
            None,
            "the module id to link is empty",
        )));
    }
    Ok(trimmed)
}

/// Re-validates the rewritten logic so a link can never produce a document the server refuses.
fn finish(changed: WireLogic) -> Result<Option<Parsed>, ModelError> {
    let calls = call_sites(&parse_wire(&changed)?);
    Ok(Some((changed, calls)))
}

fn outcome(linked: Option<Parsed>) -> LinkOutcome {
    match linked {
        Some((logic, _)) => LinkOutcome::Changed(logic),
        None => LinkOutcome::Unchanged,
    }
}

/// The module reference of `obj` if it is a call to `module_id`.
fn call_to(obj: &Map<String, Value>, settings_first: bool, module_id: &str) -> Option<ModuleRef> {
    let type_name = obj.get("type").and_then(Value::as_str)?;
    if family(type_name) != Some(Family::ModuleCall) {
        return None;
    }
    let label = Label {
        node: String::new(),
        text: String::new(),
    };
    module_ref(Fields::new(obj, settings_first), &label)
        .ok()
        .filter(|r| r.module_id == module_id)
}

/// Writes `version` where the reference keeps it and removes every other spelling, so the
/// parser cannot fall back to a stale sibling `version`.
fn set_version(obj: &mut Map<String, Value>, reference: &ModuleRef, version: Option<u32>) {
    let value = version.map_or(Value::Null, Value::from);
    obj.remove("version");
    if let Some(settings) = obj.get_mut("settings").and_then(Value::as_object_mut) {
        settings.remove("version");
    }
    let holder = if reference.in_settings {
        obj.get_mut("settings").and_then(Value::as_object_mut)
    } else {
        Some(obj)
    };
    let Some(holder) = holder else { return };
    match &reference.ref_object {
        Some(key) => match holder.get_mut(key.as_str()) {
            Some(Value::Object(target)) => {
                target.insert("version".into(), value);
            }
            // `flow: "id"` shorthand: the version lives beside it.
            _ => {
                holder.insert("version".into(), value);
            }
        },
        None => {
            holder.insert("version".into(), value);
        }
    }
}

/// Calls `f` on every node (graph) or action item at any depth (actions); `f` gets whether
/// fields are looked up under `settings` first.
fn for_each_item(logic: &mut WireLogic, f: &mut dyn FnMut(&mut Map<String, Value>, bool) -> bool) {
    match logic {
        WireLogic::Graph(definition) => {
            if let Some(nodes) = definition.get_mut("nodes").and_then(Value::as_array_mut) {
                for node in nodes.iter_mut().filter_map(Value::as_object_mut) {
                    f(node, true);
                }
            }
        }
        WireLogic::Actions(actions) => visit_actions(actions, f, 1),
    }
}

fn visit_actions(
    list: &mut [Value],
    f: &mut dyn FnMut(&mut Map<String, Value>, bool) -> bool,
    depth: usize,
) {
    for item in list.iter_mut().filter_map(Value::as_object_mut) {
        f(item, false);
        if depth >= MAX_ACTION_DEPTH {
            continue;
        }
        let keys = branch_keys(item.get("type").and_then(Value::as_str).and_then(family));
        for key in keys {
            if let Some(branches) = item.get_mut(*key).and_then(Value::as_object_mut) {
                for nested in branches.values_mut().filter_map(Value::as_array_mut) {
                    visit_actions(nested, f, depth + 1);
                }
            }
        }
    }
}

fn remove_action_calls(list: &mut Vec<Value>, module_id: &str, depth: usize) {
    let is_call = |item: &Value| {
        item.as_object()
            .and_then(|obj| call_to(obj, false, module_id))
            .is_some()
    };
    list.retain(|item| !is_call(item));
    if depth >= MAX_ACTION_DEPTH {
        return;
    }
    for item in list.iter_mut().filter_map(Value::as_object_mut) {
        let keys = branch_keys(item.get("type").and_then(Value::as_str).and_then(family));
        for key in keys {
            if let Some(branches) = item.get_mut(*key).and_then(Value::as_object_mut) {
                for nested in branches.values_mut().filter_map(Value::as_array_mut) {
                    remove_action_calls(nested, module_id, depth + 1);
                }
            }
        }
    }
}

/// An id not in `taken`: `base`, else `base-2`, `base-3`, ...
fn fresh_id(base: &str, taken: &HashSet<&str>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken.contains(id.as_str()))
        .unwrap_or_else(|| base.to_string())
}

/// The definition's object, taken (a definition that is not one has no nodes or edges).
fn into_object(definition: Value) -> Map<String, Value> {
    match definition {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn insert_graph_call(
    definition: Value,
    module_id: &str,
    version: Option<u32>,
    call_name: &str,
    old_entry: Option<&str>,
) -> (Value, String) {
    let mut def = into_object(definition);
    // The ids in use are borrowed to pick fresh ones, not copied.
    let (node_id, edge_id) = {
        let ids = |key: &str| -> HashSet<&str> {
            def.get(key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|n| n.get("id").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut node_ids = ids("nodes");
        node_ids.insert(START);
        (
            fresh_id(&format!("call-{module_id}"), &node_ids),
            fresh_id(&format!("edge-call-{module_id}"), &ids("edges")),
        )
    };
    let node = json!({
        "id": node_id,
        "name": call_name,
        "type": "flowModule",
        "settings": {"flowModuleId": module_id, "version": version},
    });
    push(&mut def, "nodes", node);
    // Taken out and put back, not copied (edges that are not a list become an empty one).
    let mut edges: Vec<Value> = match def.remove("edges") {
        Some(Value::Array(edges)) => edges,
        _ => Vec::new(),
    };
    for edge in edges.iter_mut().filter_map(Value::as_object_mut) {
        if edge.get("source").and_then(Value::as_str) == Some(START) {
            edge.insert("target".into(), Value::String(node_id.clone()));
        }
    }
    if let Some(old) = old_entry {
        edges.push(json!({"id": edge_id, "source": node_id, "target": old, "type": "default"}));
    }
    def.insert("edges".into(), Value::Array(edges));
    match def.get_mut("entry").and_then(Value::as_object_mut) {
        Some(entry) => {
            entry.insert("nodeId".into(), Value::String(node_id.clone()));
        }
        None => {
            def.insert("entry".into(), json!({"nodeId": node_id}));
        }
    }
    (Value::Object(def), node_id)
}

fn push(def: &mut Map<String, Value>, key: &str, value: Value) {
    match def.get_mut(key).and_then(Value::as_array_mut) {
        Some(items) => items.push(value),
        None => {
            def.insert(key.into(), Value::Array(vec![value]));
        }
    }
}

fn remove_graph_calls(definition: Value, parsed: &FlowLogic, module_id: &str) -> Value {
    let nodes = &parsed.graph.nodes;
    let removed: HashSet<&str> = parsed
        .module_calls()
        .filter(|(_, c)| c.module_id == module_id)
        .map(|(n, _)| n.id.as_str())
        .collect();
    // Where control goes instead of a removed node: its success (else default) successor,
    // skipping chains of removed nodes; bounded so a loop of removed nodes ends.
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let successor = |id: &str| -> Option<String> {
        let mut current = *index.get(id)?;
        for _ in 0..=removed.len() {
            let node = nodes.get(current)?;
            let (_, next) = node
                .next
                .iter()
                .find(|(o, _)| *o == Outcome::Success)
                .or_else(|| node.next.iter().find(|(o, _)| *o == Outcome::Default))?;
            let next_id = nodes.get(*next)?.id.as_str();
            if !removed.contains(next_id) {
                return Some(next_id.to_string());
            }
            current = *next;
        }
        None
    };
    let mut def = into_object(definition);
    if let Some(items) = def.get_mut("nodes").and_then(Value::as_array_mut) {
        items.retain(|n| {
            !n.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| removed.contains(id))
        });
    }
    if let Some(edges) = def.get_mut("edges").and_then(Value::as_array_mut) {
        let mut kept = Vec::with_capacity(edges.len());
        for mut edge in edges.drain(..) {
            let source = edge
                .get("source")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if removed.contains(source) {
                continue;
            }
            let target = edge
                .get("target")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if removed.contains(target.as_str()) {
                match (successor(&target), edge.as_object_mut()) {
                    (Some(next), Some(obj)) => {
                        obj.insert("target".into(), Value::String(next));
                    }
                    _ => continue,
                }
            }
            kept.push(edge);
        }
        *edges = kept;
    }
    let entry_id = parsed
        .graph
        .entry
        .and_then(|i| nodes.get(i))
        .map(|n| n.id.clone());
    if let Some(entry_id) = entry_id.filter(|id| removed.contains(id.as_str())) {
        let next = successor(&entry_id).map_or(Value::Null, Value::String);
        match def.get_mut("entry").and_then(Value::as_object_mut) {
            Some(entry) => {
                entry.insert("nodeId".into(), next);
            }
            None => {
                def.insert("entry".into(), json!({"nodeId": next}));
            }
        }
    }
    Value::Object(def)
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
