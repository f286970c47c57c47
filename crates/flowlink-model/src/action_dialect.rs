//! The action-list dialect (seed 001): `actions: [{type, name, ...fields}]`, run top to bottom.
//!
//! Item *i* continues to item *i+1* (outcome `default`); the last item ends the flow. Branching
//! items may carry nested lists per outcome — `outputs: {"true": [...], "dtmf:1": [...]}` on
//! `decision`/`collectInput`, or `branches: {...}` on any item (a data action's `outputs` is its
//! output mapping) — and a nested list that finishes without a terminating action falls through
//! to the item after its parent, as in Architect. `disconnect` and `transferToAcd` end the flow.
//!
//! Node ids are the item's `id` when given, else stable generated ids: `a0`, `a1`, and
//! `a1.true.0` for the first item of `a1`'s `true` branch. Nesting is capped at
//! [`MAX_ACTION_DEPTH`] so no input can recurse without bound.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::{Diagnostic, ModelError};
use crate::fields::{doc_diag, into_error, label_name, shape, Fields, Label, MAX_ID_LEN};
use crate::graph::{Dialect, FlowLogic, Graph, Node, NodeKind, Outcome};
use crate::node_kind::{family, parse_kind, Family};
use crate::outcome::outcome_from_wire;
use crate::variables::parse_variables;
use crate::MAX_NODES;

/// Deepest nesting of branch lists accepted.
pub const MAX_ACTION_DEPTH: usize = 32;

/// Parses and validates an action list; `variables` is the flow's top-level `variables` field.
pub fn parse_actions(actions: &Value, variables: Option<&Value>) -> Result<FlowLogic, ModelError> {
    let items = match actions {
        Value::Null => &[][..],
        Value::Array(items) => items.as_slice(),
        other => {
            return Err(ModelError::single(doc_diag(
                "invalid.actions",
                Some("actions"),
                format!(
                    "actions must be a list of {{type, name, ...}} items, found {}",
                    shape(other)
                ),
            )))
        }
    };
    let mut walker = Walker {
        slots: Vec::new(),
        diags: Vec::new(),
    };
    let variables = parse_variables(variables, "variables", &mut walker.diags);
    let entry = walker.walk(
        items,
        &ListPath {
            path: "actions".into(),
            id_prefix: "a".into(),
        },
        1,
        None,
    )?;
    let mut diags = walker.diags;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, slot) in walker.slots.iter().enumerate() {
        if let Some(first) = seen.insert(slot.id.as_str(), i) {
            let other = &walker.slots[first].label.node;
            diags.push(slot.label.diag(
                "duplicate.node.id",
                Some("id"),
                format!(
                    "id '{}' is also used by {other}; ids must be unique",
                    slot.id
                ),
            ));
        }
    }
    if !diags.is_empty() {
        return Err(into_error(diags));
    }
    let mut nodes = Vec::with_capacity(walker.slots.len());
    for slot in walker.slots {
        let Some(kind) = slot.kind else {
            return Err(into_error(vec![slot.label.diag(
                "invalid.node",
                None,
                "action could not be parsed",
            )]));
        };
        nodes.push(Node {
            id: slot.id,
            name: slot.name,
            type_name: slot.type_name,
            kind,
            next: slot.next,
        });
    }
    Ok(FlowLogic {
        dialect: Dialect::Actions,
        graph: Graph { entry, nodes },
        variables,
    })
}

/// The keys of an item that hold nested branch lists, by family.
pub(crate) fn branch_keys(family: Option<Family>) -> &'static [&'static str] {
    match family {
        Some(Family::Decision | Family::CollectInput) => &["outputs", "branches"],
        _ => &["branches"],
    }
}

/// Whether an item of this family ends the flow instead of continuing to the next item.
fn terminates(family: Option<Family>) -> bool {
    matches!(family, Some(Family::Disconnect | Family::TransferToAcd))
}

struct Slot {
    id: String,
    name: String,
    type_name: String,
    kind: Option<NodeKind>,
    label: Label,
    next: Vec<(Outcome, usize)>,
}

struct ListPath {
    /// For diagnostics: `actions` or `actions[1].outputs.true`.
    path: String,
    /// Generated ids are `{id_prefix}{index}`: `a` at top level, `a1.true.` when nested.
    id_prefix: String,
}

struct Walker {
    slots: Vec<Slot>,
    diags: Vec<Diagnostic>,
}

impl Walker {
    /// Lays out one list: reserves a slot per item, then parses each item and its branches.
    /// `after` is where the list continues when it runs off its end. Returns the list's head.
    fn walk(
        &mut self,
        items: &[Value],
        at: &ListPath,
        depth: usize,
        after: Option<usize>,
    ) -> Result<Option<usize>, ModelError> {
        if self.slots.len() + items.len() > MAX_NODES {
            return Err(ModelError::single(doc_diag(
                "too.many.nodes",
                Some(&at.path),
                format!("the flow has more than {MAX_NODES} actions (counting nested branches); at most {MAX_NODES} are allowed"),
            )));
        }
        let first = self.slots.len();
        for (i, item) in items.iter().enumerate() {
            let obj = item.as_object();
            let name = obj
                .and_then(|o| o.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let position = format!("{}[{i}]", at.path);
            let label_node = if name.is_empty() {
                position.clone()
            } else {
                format!("{position} ({})", label_name(&name))
            };
            let label = Label {
                text: format!("action {label_node}"),
                node: label_node,
            };
            let id = match obj.and_then(|o| o.get("id")).and_then(Value::as_str) {
                Some(id) if id.chars().count() > MAX_ID_LEN => {
                    // Refused, and not used: nested generated ids would repeat it.
                    self.diags.push(label.diag(
                        "invalid.node",
                        Some("id"),
                        format!(
                            "id is {} characters long, at most {MAX_ID_LEN} are allowed",
                            id.chars().count()
                        ),
                    ));
                    format!("{}{i}", at.id_prefix)
                }
                Some(id) if !id.trim().is_empty() => id.to_string(),
                _ => format!("{}{i}", at.id_prefix),
            };
            let type_name = obj
                .and_then(|o| o.get("type"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            self.slots.push(Slot {
                id,
                name,
                type_name,
                kind: None,
                label,
                next: Vec::new(),
            });
        }
        for (i, item) in items.iter().enumerate() {
            let index = first + i;
            let continue_to = if i + 1 < items.len() {
                Some(index + 1)
            } else {
                after
            };
            let Some(obj) = item.as_object() else {
                let label = &self.slots[index].label;
                self.diags.push(label.diag(
                    "invalid.node",
                    None,
                    format!(
                        "each action must be an object {{type, name, ...}}, found {}",
                        shape(item)
                    ),
                ));
                continue;
            };
            self.item(index, obj, &format!("{}[{i}]", at.path), depth, continue_to)?;
        }
        Ok(if items.is_empty() { after } else { Some(first) })
    }

    fn item(
        &mut self,
        index: usize,
        obj: &Map<String, Value>,
        path: &str,
        depth: usize,
        continue_to: Option<usize>,
    ) -> Result<(), ModelError> {
        let label = self.slots[index].label.clone();
        let Some(type_name) = obj.get("type").and_then(Value::as_str) else {
            self.diags.push(label.diag(
                "invalid.node",
                Some("type"),
                "every action needs a string \"type\"",
            ));
            return Ok(());
        };
        let fam = family(type_name);
        match parse_kind(type_name, Fields::new(obj, false), &label) {
            Ok(kind) => self.slots[index].kind = Some(kind),
            Err(mut found) => self.diags.append(&mut found),
        }
        let mut next = Vec::new();
        if !terminates(fam) {
            if let Some(to) = continue_to {
                next.push((Outcome::Default, to));
            }
        }
        for key in branch_keys(fam) {
            let Some(value) = obj.get(*key).filter(|v| !v.is_null()) else {
                continue;
            };
            let Some(branches) = value.as_object() else {
                self.diags.push(label.diag(
                    "invalid.setting",
                    Some(key),
                    format!(
                        "must map outcomes to lists of actions, e.g. {{\"true\": [...]}}, found {}",
                        shape(value)
                    ),
                ));
                continue;
            };
            if depth >= MAX_ACTION_DEPTH {
                self.diags.push(label.diag(
                    "nesting.too.deep",
                    Some(key),
                    format!("branches are nested more than {MAX_ACTION_DEPTH} levels deep"),
                ));
                continue;
            }
            for (wire, list) in branches {
                let field = format!("{key}.{wire}");
                let outcome = match outcome_from_wire(wire) {
                    Some(Outcome::Default) => {
                        self.diags.push(label.diag("invalid.outcome", Some(&field), "the default outcome continues with the next action; put these actions after this one"));
                        continue;
                    }
                    Some(outcome) => outcome,
                    None => {
                        self.diags.push(label.diag("invalid.outcome", Some(&field), format!("unknown outcome '{wire}'; outcomes are success, failure, true, false, timeout, noMatch and dtmf:N")));
                        continue;
                    }
                };
                if next.iter().any(|(o, _)| *o == outcome) {
                    self.diags.push(label.diag(
                        "duplicate.edge.type",
                        Some(&field),
                        format!("outcome '{}' has more than one branch", outcome.as_wire()),
                    ));
                    continue;
                }
                let Some(list) = list.as_array() else {
                    self.diags.push(label.diag(
                        "invalid.setting",
                        Some(&field),
                        format!("must be a list of actions, found {}", shape(list)),
                    ));
                    continue;
                };
                let at = ListPath {
                    path: format!("{path}.{key}.{wire}"),
                    id_prefix: format!("{}.{}.", self.slots[index].id, outcome.as_wire()),
                };
                // A branch continues, once done, where this item would have continued.
                if let Some(head) = self.walk(list, &at, depth + 1, continue_to)? {
                    next.push((outcome, head));
                }
            }
        }
        self.slots[index].next = next;
        Ok(())
    }
}

#[cfg(test)]
#[path = "action_dialect_tests.rs"]
mod tests;
