//! Turning the logic carried by a POST/PUT body into a new logic version (SPEC §3):
//! which dialect side is new, parsing and validating it through `flowlink-model`, extracting
//! its module calls for the dependency index, and the cycle guard run inside the store's
//! write transaction.

use std::collections::HashMap;

use flowlink_api::{FlowWrite, WireLogic};
use flowlink_engine::ErrorHandling;
use flowlink_model::link::{call_sites, CallSite};
use flowlink_model::{find_module_cycle, parse_actions, parse_definition, FlowLogic};
use flowlink_store::{
    Dialect, FlowRecord, InvalidDetail, LinkGuard, LogicWrite, ModuleEdge, ModuleRef, StoreError,
    VersionKind,
};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::ApiError;

/// A flow's error handling as stored: the spelling the API edge wrote
/// ([`ErrorHandling::as_str`]); none → the default, `disconnect`.
pub fn stored_error_handling(rec: &FlowRecord) -> ErrorHandling {
    rec.error_handling
        .as_deref()
        .and_then(ErrorHandling::parse)
        .unwrap_or_default()
}

fn is_empty_definition(v: &Value) -> bool {
    let empty = |k: &str| match v.get(k) {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    };
    v.is_null() || (v.is_object() && empty("nodes") && empty("edges"))
}

fn is_empty_actions(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn actions_document(actions: &Value, variables: Option<&Value>) -> Value {
    let mut doc = Map::new();
    doc.insert("actions".into(), actions.clone());
    if let Some(v) = variables.filter(|v| !v.is_null()) {
        doc.insert("variables".into(), v.clone());
    }
    Value::Object(doc)
}

fn calls(logic: &FlowLogic) -> Vec<ModuleRef> {
    module_refs(&call_sites(logic))
}

/// The store's form of module calls.
fn module_refs(calls: &[CallSite]) -> Vec<ModuleRef> {
    calls
        .iter()
        .map(|c| ModuleRef {
            node_id: c.node_id.clone(),
            module_id: c.module_id.clone(),
            version: c.version,
        })
        .collect()
}

/// `{"definition": definition}`, built directly: `json!` would copy the definition through
/// the serializer.
fn graph_document(definition: Value) -> Value {
    let mut doc = Map::new();
    doc.insert("definition".into(), definition);
    Value::Object(doc)
}

/// The logic write of `definition`, taken by value: it moves into the document.
fn graph_write(definition: Value) -> Result<LogicWrite, ApiError> {
    let logic = parse_definition(&definition)?;
    Ok(LogicWrite {
        document: graph_document(definition).into(),
        dialect: Some(Dialect::Graph),
        calls: calls(&logic),
        kind: VersionKind::Publish,
    })
}

fn actions_write(actions: &Value, variables: Option<&Value>) -> Result<LogicWrite, ApiError> {
    let logic = parse_actions(actions, variables)?;
    Ok(LogicWrite {
        document: actions_document(actions, variables).into(),
        dialect: Some(Dialect::Actions),
        calls: calls(&logic),
        kind: VersionKind::Publish,
    })
}

fn both_dialects() -> ApiError {
    ApiError::bad_request(
        "The body carries new logic in both dialects (definition and actions); a flow has one \
         logic: send either definition or actions.",
    )
}

/// Logic version 1 of a new flow (empty if the body carries none). A graph definition is
/// taken out of `body` (moved into the write, not copied).
pub fn plan_create(body: &mut FlowWrite) -> Result<LogicWrite, ApiError> {
    let def = body
        .definition
        .as_ref()
        .is_some_and(|d| !is_empty_definition(d));
    let acts = body.actions.as_ref().filter(|a| !is_empty_actions(a));
    match (def, acts) {
        (true, Some(_)) => Err(both_dialects()),
        (true, None) => graph_write(body.definition.take().unwrap_or_default()),
        (false, Some(a)) => actions_write(a, body.variables.as_ref()),
        (false, None) => Ok(LogicWrite {
            document: json!({}).into(),
            dialect: None,
            calls: Vec::new(),
            kind: VersionKind::Publish,
        }),
    }
}

/// The new logic version a PUT asks for, if any. A side that is empty or equal to the
/// current logic is ignored; both sides new → 400. A new graph definition is taken out of
/// `body` (moved into the write, not copied).
pub fn plan_update(
    body: &mut FlowWrite,
    current_dialect: Option<Dialect>,
    current_doc: &Value,
) -> Result<Option<LogicWrite>, ApiError> {
    let new_def = body
        .definition
        .as_ref()
        .filter(|d| !is_empty_definition(d))
        .is_some_and(|d| {
            !(current_dialect == Some(Dialect::Graph) && current_doc.get("definition") == Some(d))
        });

    let was_actions = current_dialect == Some(Dialect::Actions);
    // `variables` alone re-declares the variables of the current action list.
    let actions = body
        .actions
        .as_ref()
        .filter(|a| !is_empty_actions(a))
        .or_else(|| {
            (was_actions && body.variables.is_some())
                .then(|| current_doc.get("actions"))
                .flatten()
        });
    let variables = body
        .variables
        .as_ref()
        .or_else(|| was_actions.then(|| current_doc.get("variables")).flatten());
    let new_actions =
        actions.filter(|a| !(was_actions && &actions_document(a, variables) == current_doc));

    match (new_def, new_actions) {
        (true, Some(_)) => Err(both_dialects()),
        (false, Some(a)) => actions_write(a, variables).map(Some),
        (false, None) => Ok(None),
        (true, None) => graph_write(body.definition.take().unwrap_or_default()).map(Some),
    }
}

/// [`plan_update`] for logic the server itself rewrote (a module link) and already
/// validated: `calls` are the module calls of `new`. A graph definition is not parsed again;
/// action lists still go through [`plan_update`] (their validation takes the flow's current
/// variables).
pub fn plan_rewrite(
    new: WireLogic,
    calls: &[CallSite],
    current_dialect: Option<Dialect>,
    current_doc: &Value,
) -> Result<Option<LogicWrite>, ApiError> {
    let definition = match new {
        WireLogic::Graph(definition) => definition,
        actions @ WireLogic::Actions(_) => {
            return plan_update(&mut actions.into_write(), current_dialect, current_doc)
        }
    };
    // The same "nothing new" cases as a PUT carrying this definition.
    if is_empty_definition(&definition)
        || (current_dialect == Some(Dialect::Graph)
            && current_doc.get("definition") == Some(&definition))
    {
        return Ok(None);
    }
    Ok(Some(LogicWrite {
        calls: module_refs(calls),
        document: graph_document(definition).into(),
        dialect: Some(Dialect::Graph),
        kind: VersionKind::Publish,
    }))
}

/// Refuses a write that would close a cycle of module calls (SPEC §4), naming it
/// `A → B → A`. Runs inside the store's write transaction with the organization's current
/// module→module edges, so concurrent writes cannot build a cycle together.
pub struct CycleGuard {
    /// Module ids the written flow's new logic calls.
    pub callees: Vec<String>,
}

impl CycleGuard {
    /// A guard for the module calls of `write`.
    pub fn for_write(write: &LogicWrite) -> Self {
        CycleGuard {
            callees: write
                .calls
                .iter()
                .map(|c| c.module_id.to_ascii_lowercase())
                .collect(),
        }
    }
}

impl LinkGuard for CycleGuard {
    fn check(
        &self,
        flow_id: Uuid,
        flow_name: &str,
        edges: &[ModuleEdge],
    ) -> Result<(), StoreError> {
        let me = flow_id.to_string();
        let mut graph: HashMap<String, Vec<String>> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        for e in edges {
            graph
                .entry(e.caller.to_string())
                .or_default()
                .push(e.callee.to_string());
            names.insert(e.caller.to_string(), e.caller_name.clone());
            names.insert(e.callee.to_string(), e.callee_name.clone());
        }
        graph.insert(me.clone(), self.callees.clone());
        names.insert(me.clone(), flow_name.to_string());
        let callees = |id: &str| graph.get(id).cloned().unwrap_or_default();
        let Some(cycle) = find_module_cycle(&me, &callees) else {
            return Ok(());
        };
        let name = |id: &String| names.get(id).cloned().unwrap_or_else(|| id.clone());
        let path = cycle.iter().map(name).collect::<Vec<_>>().join(" → ");
        let details = cycle
            .iter()
            .take(cycle.len().saturating_sub(1))
            .map(|id| InvalidDetail {
                code: "module.call.cycle".into(),
                entity_id: Some(id.clone()),
                entity_name: Some(name(id)),
                field: None,
                message: format!("module '{}' ({id}) is part of the cycle {path}", name(id)),
            })
            .collect();
        Err(StoreError::Invalid {
            message: format!(
                "This write would create a cycle of module calls: {path}. Modules may call \
                 modules, but never (indirectly) themselves."
            ),
            details,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_sides_are_recognised() {
        assert!(is_empty_definition(&json!({"nodes": [], "edges": []})));
        assert!(is_empty_definition(&Value::Null));
        assert!(!is_empty_definition(&json!({"nodes": [{"id": "a"}]})));
        assert!(is_empty_actions(&json!([])));
        assert!(!is_empty_actions(&json!([{"type": "disconnect"}])));
    }

    #[test]
    fn a_rewrite_writes_what_a_put_of_it_would() {
        let module = Uuid::new_v4().to_string();
        let current = json!({"definition": {"entry": {"nodeId": "bye"}, "nodes": [
            {"id": "bye", "type": "disconnect"}], "edges": []}});
        let logic = WireLogic::Graph(current["definition"].clone());
        let (new, parsed) =
            flowlink_model::link::link_module_parsed(logic, &module, Some(1), "Call M")
                .unwrap()
                .unwrap();
        let put = plan_update(
            &mut new.clone().into_write(),
            Some(Dialect::Graph),
            &current,
        )
        .unwrap();
        let rewrite = plan_rewrite(new, &parsed, Some(Dialect::Graph), &current).unwrap();
        assert!(rewrite.is_some());
        assert_eq!(rewrite, put);
        assert_eq!(rewrite.unwrap().calls.len(), 1);
        // The current definition again: nothing new, like a PUT of it.
        let same = WireLogic::Graph(current["definition"].clone());
        let calls =
            flowlink_model::link::call_sites(&flowlink_model::link::parse_wire(&same).unwrap());
        assert_eq!(
            plan_rewrite(same, &calls, Some(Dialect::Graph), &current).unwrap(),
            None
        );
    }

    #[test]
    fn cycle_guard_names_the_cycle() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let edges = vec![ModuleEdge {
            caller: b,
            caller_name: "B".into(),
            callee: a,
            callee_name: "A".into(),
        }];
        let guard = CycleGuard {
            callees: vec![b.to_string()],
        };
        match guard.check(a, "A", &edges) {
            Err(StoreError::Invalid { message, details }) => {
                assert!(message.contains("A → B → A"), "{message}");
                assert_eq!(details.len(), 2);
            }
            other => panic!("expected a cycle, got {other:?}"),
        }
        let no_cycle = CycleGuard { callees: vec![] };
        assert_eq!(no_cycle.check(a, "A", &edges), Ok(()));
    }
}
