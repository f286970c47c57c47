//! Declared flow/module variables: `variables: [{name, type, input, output, defaultValue?}]`
//! (inside `definition` in the graph dialect, a top-level flow field in the action dialect).

use std::collections::HashSet;

use serde_json::Value;

use crate::error::Diagnostic;
use crate::fields::{doc_diag, shape, value_depth, MAX_VALUE_DEPTH};
use crate::graph::Variable;

/// Most variables one flow may declare.
pub(crate) const MAX_VARIABLES: usize = 1000;

/// Parses the variable list found at `path`; problems go to `diags`.
pub(crate) fn parse_variables(
    value: Option<&Value>,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Variable> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            diags.push(doc_diag(
                "invalid.variable",
                Some(path),
                format!(
                    "{path} must be a list of {{name, type, input, output}}, found {}",
                    shape(other)
                ),
            ));
            return Vec::new();
        }
    };
    if items.len() > MAX_VARIABLES {
        diags.push(doc_diag(
            "too.many.variables",
            Some(path),
            format!(
                "{path} has {} variables, at most {MAX_VARIABLES} are allowed",
                items.len()
            ),
        ));
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("{path}[{i}]");
        let Some(obj) = item.as_object() else {
            diags.push(doc_diag(
                "invalid.variable",
                Some(&field),
                format!(
                    "{field} must be an object {{name, type, input, output}}, found {}",
                    shape(item)
                ),
            ));
            continue;
        };
        let name = match obj.get("name").and_then(Value::as_str).map(str::trim) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => {
                diags.push(doc_diag(
                    "invalid.variable",
                    Some(&format!("{field}.name")),
                    format!("{field} needs a non-empty \"name\" string"),
                ));
                continue;
            }
        };
        // Architect treats variable names case-insensitively, so `Flow.X` and `Flow.x` clash.
        if !seen.insert(name.to_ascii_lowercase()) {
            diags.push(doc_diag(
                "duplicate.variable",
                Some(&format!("{field}.name")),
                format!("variable '{name}' is declared more than once"),
            ));
            continue;
        }
        let flag = |key: &str| obj.get(key).and_then(Value::as_bool).unwrap_or(false);
        let type_name = obj
            .get("type")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or("String")
            .to_string();
        let default = obj
            .get("defaultValue")
            .or_else(|| obj.get("default"))
            .filter(|v| !v.is_null());
        // Measured before cloning: cloning recurses once per level.
        if default.is_some_and(|d| value_depth(d, MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH) {
            diags.push(doc_diag(
                "value.too.deep",
                Some(&format!("{field}.defaultValue")),
                format!("{field}: defaultValue nests more than {MAX_VALUE_DEPTH} levels of lists/objects"),
            ));
            continue;
        }
        let default = default.cloned();
        out.push(Variable {
            name,
            type_name,
            input: flag("input"),
            output: flag("output"),
            default,
        });
    }
    out
}
