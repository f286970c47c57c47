//! Liberal field lookup and diagnostics shared by both dialects: a node's fields may be written
//! at the item's top level or under `settings`, whichever dialect it is.

use serde_json::{Map, Value};

use crate::error::{Diagnostic, ModelError};

/// Longest list accepted inside one node (setData entries, tags, mappings).
pub(crate) const MAX_LIST: usize = 1000;
/// Most diagnostics reported for one document; more would only bloat the error body.
pub(crate) const MAX_DIAGNOSTICS: usize = 100;
/// Longest node/action id accepted, in characters. Ids are copied into every diagnostic about
/// the node and into the generated ids of nested actions, so an unbounded id would let a small
/// document allocate without bound.
pub const MAX_ID_LEN: usize = 128;
/// Deepest nesting (arrays/objects inside each other) of a literal value or variable default.
/// Values flow into variables, participant data and execution traces, where they sit a few
/// levels deeper still; capping them well below serde_json's 128-level parse limit keeps every
/// document derived from a flow readable back.
pub const MAX_VALUE_DEPTH: usize = 32;
/// How much of a node's name a diagnostic quotes: names are copied into every diagnostic about
/// the node, so a long one is shortened rather than repeated in full.
const LABEL_NAME_LIMIT: usize = 60;

/// How a node is named in diagnostics.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    /// Goes into [`Diagnostic::node`]: the node id, or `actions[1] (Name)` in the action dialect.
    pub node: String,
    /// Used at the start of messages, e.g. `node 'n1'` or `action actions[1] (Name)`.
    pub text: String,
}

impl Label {
    pub(crate) fn diag(
        &self,
        code: &str,
        field: Option<&str>,
        message: impl AsRef<str>,
    ) -> Diagnostic {
        let message = match field {
            Some(field) => format!("{}: {field}: {}", self.text, message.as_ref()),
            None => format!("{}: {}", self.text, message.as_ref()),
        };
        Diagnostic {
            code: code.into(),
            node: Some(self.node.clone()),
            field: field.map(Into::into),
            message,
        }
    }
}

/// A node name as quoted in labels: shortened past [`LABEL_NAME_LIMIT`] characters.
pub(crate) fn label_name(name: &str) -> String {
    if name.chars().count() <= LABEL_NAME_LIMIT {
        name.to_string()
    } else {
        format!(
            "{}…",
            name.chars().take(LABEL_NAME_LIMIT).collect::<String>()
        )
    }
}

/// How many containers are nested in `value` (a scalar is 0, `[1]` is 1), counted without
/// recursion and only up to `limit + 1`, so any depth is measured cheaply.
pub fn value_depth(value: &Value, limit: usize) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        let depth = depth + 1;
        deepest = deepest.max(depth);
        if depth > limit {
            return depth;
        }
        stack.extend(children.map(|c| (c, depth)));
    }
    deepest
}

/// A document-level diagnostic (not tied to one node).
pub(crate) fn doc_diag(code: &str, field: Option<&str>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        code: code.into(),
        node: None,
        field: field.map(Into::into),
        message: message.into(),
    }
}

/// Turns collected diagnostics into one error: the first problem is the summary.
pub(crate) fn into_error(mut diags: Vec<Diagnostic>) -> ModelError {
    diags.truncate(MAX_DIAGNOSTICS);
    match diags.len() {
        0 => ModelError {
            message: "invalid flow logic".into(),
            details: diags,
        },
        1 => ModelError::single(diags.remove(0)),
        n => ModelError {
            message: format!(
                "{} (and {} more problem{} in details)",
                diags[0].message,
                n - 1,
                if n == 2 { "" } else { "s" }
            ),
            details: diags,
        },
    }
}

/// A node's fields: the item itself and its `settings` object, searched in dialect order.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    pub top: &'a Map<String, Value>,
    pub settings: Option<&'a Map<String, Value>>,
    pub settings_first: bool,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(top: &'a Map<String, Value>, settings_first: bool) -> Self {
        let settings = top.get("settings").and_then(Value::as_object);
        Self {
            top,
            settings,
            settings_first,
        }
    }

    /// The first non-null value of `key`, with the path it was found at (`settings.key` or `key`).
    pub(crate) fn get(&self, key: &str) -> Option<(&'a Value, String)> {
        let in_settings = || {
            self.settings
                .and_then(|s| s.get(key))
                .filter(|v| !v.is_null())
                .map(|v| (v, format!("settings.{key}")))
        };
        let in_top = || {
            // `name`, `type` and `id` at top level describe the node itself, never a setting.
            if matches!(key, "type" | "id" | "settings") {
                return None;
            }
            self.top
                .get(key)
                .filter(|v| !v.is_null())
                .map(|v| (v, key.to_string()))
        };
        if self.settings_first {
            in_settings().or_else(in_top)
        } else {
            in_top().or_else(in_settings)
        }
    }

    /// The first of `keys` that is present.
    pub(crate) fn get_any(&self, keys: &[&str]) -> Option<(&'a Value, String)> {
        keys.iter().find_map(|k| self.get(k))
    }
}

/// Short description of a JSON value's shape for messages.
pub(crate) fn shape(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value quoted in a message: scalars as written (shortened), containers by their shape, so
/// a huge input cannot make a huge error body.
pub(crate) fn brief(value: &Value) -> String {
    const LIMIT: usize = 40;
    match value {
        Value::Array(_) | Value::Object(_) => shape(value).to_string(),
        scalar => {
            let text = scalar.to_string();
            if text.chars().count() <= LIMIT {
                text
            } else {
                format!("{}…", text.chars().take(LIMIT).collect::<String>())
            }
        }
    }
}
