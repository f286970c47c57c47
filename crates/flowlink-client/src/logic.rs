//! Flow logic documents in either seed dialect: reading them from JSON or YAML text, writing
//! them into a PUT/POST body, and taking a flow's current logic apart for the link transforms
//! (whose result becomes a body through `WireLogic::into_write`, the one such function).

use serde_json::Value;

use flowlink_api::{Dialect, Flow, FlowWrite};
use flowlink_model::link::WireLogic;

use crate::error::ClientError;

/// Logic for a flow or module, in the dialect it was written in.
#[derive(Debug, Clone, PartialEq)]
pub enum LogicDoc {
    /// Graph dialect (seed 000): the `definition` object.
    Graph(Value),
    /// Action-list dialect (seed 001): the `actions` list and the declared `variables`, if any.
    Actions {
        /// The ordered actions.
        actions: Vec<Value>,
        /// `variables` declared beside them.
        variables: Option<Value>,
    },
}

impl LogicDoc {
    /// Reads a logic document from JSON or YAML text. Accepted shapes: `{definition: {...}}`,
    /// `{actions: [...], variables?: [...]}`, a bare definition (`{nodes, edges, entry}`) or a
    /// bare action list.
    pub fn parse(text: &str) -> Result<LogicDoc, ClientError> {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(json_err) => {
                flowlink_model::archy::yaml::yaml_to_json(text).map_err(|yaml_err| {
                    ClientError::Logic(format!(
                        "logic is neither JSON ({json_err}) nor YAML ({yaml_err})"
                    ))
                })?
            }
        };
        LogicDoc::from_value(value)
    }

    /// Classifies an already-parsed document (see [`LogicDoc::parse`]).
    pub fn from_value(value: Value) -> Result<LogicDoc, ClientError> {
        const SHAPES: &str = "expected {definition: {...}}, {actions: [...]}, a bare definition \
                              with nodes/edges/entry, or a bare list of actions";
        match value {
            Value::Array(actions) => Ok(LogicDoc::Actions {
                actions,
                variables: None,
            }),
            Value::Object(mut map) => {
                let definition = map.remove("definition");
                let actions = map.remove("actions");
                match (definition, actions) {
                    (Some(_), Some(_)) => Err(ClientError::Logic(
                        "the logic has both `definition` and `actions`; give one dialect".into(),
                    )),
                    (Some(def @ Value::Object(_)), None) => Ok(LogicDoc::Graph(def)),
                    (Some(_), None) => {
                        Err(ClientError::Logic("`definition` must be an object".into()))
                    }
                    (None, Some(Value::Array(actions))) => Ok(LogicDoc::Actions {
                        actions,
                        variables: map.remove("variables"),
                    }),
                    (None, Some(_)) => Err(ClientError::Logic("`actions` must be a list".into())),
                    (None, None)
                        if ["nodes", "edges", "entry"]
                            .iter()
                            .any(|k| map.contains_key(*k)) =>
                    {
                        Ok(LogicDoc::Graph(Value::Object(map)))
                    }
                    (None, None) => {
                        Err(ClientError::Logic(format!("unrecognised logic: {SHAPES}")))
                    }
                }
            }
            _ => Err(ClientError::Logic(format!("unrecognised logic: {SHAPES}"))),
        }
    }

    /// Which dialect (its `Display` is the word for messages: `graph` / `actions`).
    pub fn dialect(&self) -> Dialect {
        match self {
            LogicDoc::Graph(_) => Dialect::Graph,
            LogicDoc::Actions { .. } => Dialect::Actions,
        }
    }

    /// Puts this logic into a write body (only its own dialect's side, so the server switches
    /// dialects cleanly).
    pub fn apply_to(&self, w: &mut FlowWrite) {
        match self {
            LogicDoc::Graph(def) => {
                w.definition = Some(def.clone());
                w.actions = None;
            }
            LogicDoc::Actions { actions, variables } => {
                w.actions = Some(Value::Array(actions.clone()));
                w.definition = None;
                if variables.is_some() {
                    w.variables = variables.clone();
                }
            }
        }
    }

    /// Whether `flow` already holds exactly this logic.
    pub fn is_current(&self, flow: &Flow) -> bool {
        match self {
            LogicDoc::Graph(def) => flow.definition.as_ref() == Some(def),
            LogicDoc::Actions { actions, variables } => {
                flow.actions.as_ref().and_then(Value::as_array) == Some(actions)
                    && (variables.is_none() || flow.variables == *variables)
            }
        }
    }
}

fn has_items(v: Option<&Value>, key: Option<&str>) -> bool {
    let v = match (v, key) {
        (Some(v), Some(k)) => v.get(k),
        (v, None) => v,
        (None, _) => None,
    };
    v.and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

/// A flow's current logic as the link transforms take it: the dialect the flow was last
/// written in. A flow without logic (both sides empty) counts as an action list when it
/// carries `actions` and as a graph otherwise. A flow that carries neither side (a listing
/// entity, or a server that does not return logic) is refused: treating it as empty would
/// overwrite the real logic.
pub fn wire_logic(flow: &Flow) -> Result<WireLogic, ClientError> {
    let graph = has_items(flow.definition.as_ref(), Some("nodes"));
    let actions = has_items(flow.actions.as_ref(), None);
    match (&flow.definition, &flow.actions) {
        (Some(def), _) if graph && !actions => Ok(WireLogic::Graph(def.clone())),
        (_, Some(Value::Array(a))) => Ok(WireLogic::Actions(a.clone())),
        (Some(def @ Value::Object(_)), _) => Ok(WireLogic::Graph(def.clone())),
        _ => Err(ClientError::Logic(format!(
            "flow {} came back without its logic (no `definition` or `actions`); not changing it",
            flow.id.as_deref().unwrap_or("?")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_accepted_shape_in_json_and_yaml() {
        let g = LogicDoc::parse(r#"{"definition":{"nodes":[],"edges":[]}}"#).unwrap();
        assert_eq!(g, LogicDoc::Graph(json!({"nodes":[],"edges":[]})));
        let bare = LogicDoc::parse("nodes: []\nedges: []\nentry: {nodeId: a}\n").unwrap();
        assert_eq!(bare.dialect(), Dialect::Graph);
        let a = LogicDoc::parse(
            "actions:\n  - type: tagInteraction\n    name: Tag\n    tags: [x]\nvariables: []\n",
        )
        .unwrap();
        assert_eq!(
            a,
            LogicDoc::Actions {
                actions: vec![json!({"type":"tagInteraction","name":"Tag","tags":["x"]})],
                variables: Some(json!([]))
            }
        );
        let list = LogicDoc::parse(r#"[{"type":"disconnect","name":"Bye"}]"#).unwrap();
        assert_eq!(list.dialect(), Dialect::Actions);
    }

    #[test]
    fn refuses_ambiguous_or_unknown_documents() {
        for bad in [
            r#"{"definition":{},"actions":[]}"#,
            r#"{"definition":[]}"#,
            r#"{"actions":{}}"#,
            r#"{"name":"x"}"#,
            "42",
            "{unclosed",
        ] {
            let e = LogicDoc::parse(bad).unwrap_err();
            assert!(matches!(e, ClientError::Logic(_)), "{bad}: {e}");
        }
    }

    #[test]
    fn apply_writes_only_its_own_dialect() {
        let mut w = FlowWrite {
            definition: Some(json!({"nodes":[]})),
            ..Default::default()
        };
        LogicDoc::Actions {
            actions: vec![],
            variables: None,
        }
        .apply_to(&mut w);
        assert_eq!(w.definition, None);
        assert_eq!(w.actions, Some(json!([])));
    }

    #[test]
    fn wire_logic_follows_the_flow_dialect() {
        let graph = Flow {
            definition: Some(json!({"nodes":[{"id":"a"}],"edges":[]})),
            actions: Some(json!([])),
            ..Default::default()
        };
        assert!(matches!(wire_logic(&graph).unwrap(), WireLogic::Graph(_)));
        let acts = Flow {
            definition: Some(json!({"nodes":[],"edges":[]})),
            actions: Some(json!([{"type":"disconnect"}])),
            ..Default::default()
        };
        assert!(matches!(wire_logic(&acts).unwrap(), WireLogic::Actions(a) if a.len() == 1));
        let empty = Flow {
            definition: Some(json!({"nodes":[]})),
            ..Default::default()
        };
        assert!(matches!(wire_logic(&empty).unwrap(), WireLogic::Graph(_)));
        let bare = Flow {
            actions: Some(json!([])),
            ..Default::default()
        };
        assert_eq!(wire_logic(&bare).unwrap(), WireLogic::Actions(vec![]));
        assert!(matches!(
            wire_logic(&Flow::default()),
            Err(ClientError::Logic(_))
        ));
    }
}
