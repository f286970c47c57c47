//! The value an expression computes. Stored values are plain `serde_json::Value`s (what the
//! API returns); evaluation borrows from them so reading a variable or a literal copies nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

use flowlink_model::expr::Literal;
use serde_json::Value;

/// A value during evaluation: Architect's String, Integer, Decimal, Boolean and NOT_SET, plus
/// JSON arrays/objects that only pass through (stored literals may be any JSON).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V<'a> {
    NotSet,
    Bool(bool),
    Int(i64),
    Dec(f64),
    Str(Cow<'a, str>),
    Json(&'a Value),
}

impl<'a> V<'a> {
    /// Reads a stored value without copying; JSON `null` is NOT_SET.
    pub(crate) fn of(value: &'a Value) -> V<'a> {
        match value {
            Value::Null => V::NotSet,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => V::Int(i),
                None => V::Dec(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => V::Str(Cow::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => V::Json(value),
        }
    }

    /// Reads a stored value that may be absent (an unset variable is NOT_SET).
    pub(crate) fn of_opt(value: Option<&'a Value>) -> V<'a> {
        value.map_or(V::NotSet, V::of)
    }

    pub(crate) fn of_literal(lit: &'a Literal) -> V<'a> {
        match lit {
            Literal::String(s) => V::Str(Cow::Borrowed(s)),
            Literal::Integer(i) => V::Int(*i),
            Literal::Decimal(d) => V::Dec(*d),
            Literal::Boolean(b) => V::Bool(*b),
            Literal::NotSet => V::NotSet,
        }
    }

    /// Architect's type name, for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            V::NotSet => "NOT_SET",
            V::Bool(_) => "Boolean",
            V::Int(_) => "Integer",
            V::Dec(_) => "Decimal",
            V::Str(_) => "String",
            V::Json(Value::Array(_)) => "Collection",
            V::Json(_) => "JSON",
        }
    }

    /// The value to store; NOT_SET becomes JSON `null` and a non-finite decimal too (JSON
    /// cannot hold it).
    pub(crate) fn into_json(self) -> Value {
        match self {
            V::NotSet => Value::Null,
            V::Bool(b) => Value::Bool(b),
            V::Int(i) => Value::from(i),
            V::Dec(d) => serde_json::Number::from_f64(d).map_or(Value::Null, Value::Number),
            V::Str(s) => Value::String(s.into_owned()),
            V::Json(v) => v.clone(),
        }
    }

    /// Text form used by `ToString`, concatenation, tags, prompts and queue names. `None` for
    /// NOT_SET, which has no text.
    pub(crate) fn into_text(self) -> Option<Cow<'a, str>> {
        Some(match self {
            V::NotSet => return None,
            V::Str(s) => s,
            V::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
            V::Int(i) => Cow::Owned(i.to_string()),
            V::Dec(d) => Cow::Owned(d.to_string()),
            V::Json(v) => Cow::Owned(v.to_string()),
        })
    }

    /// Appends the text form to `out` (concatenation without an intermediate string).
    pub(crate) fn push_text(&self, out: &mut String) -> bool {
        match self {
            V::NotSet => return false,
            V::Str(s) => out.push_str(s),
            V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            V::Int(i) => {
                let _ = write!(out, "{i}");
            }
            V::Dec(d) => {
                let _ = write!(out, "{d}");
            }
            V::Json(v) => {
                let _ = write!(out, "{v}");
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_values_read_as_architect_types_and_round_trip() {
        for (stored, ty) in [
            (json!(null), "NOT_SET"),
            (json!(true), "Boolean"),
            (json!(7), "Integer"),
            (json!(2.5), "Decimal"),
            (json!("x"), "String"),
            (json!([1]), "Collection"),
            (json!({"a": 1}), "JSON"),
        ] {
            let v = V::of(&stored);
            assert_eq!(v.type_name(), ty);
            assert_eq!(v.into_json(), stored);
        }
    }

    #[test]
    fn text_forms() {
        assert_eq!(V::Dec(2.5).into_text().expect("has text"), "2.5");
        assert_eq!(V::Int(-3).into_text().expect("has text"), "-3");
        assert_eq!(V::Bool(false).into_text().expect("has text"), "false");
        assert!(V::NotSet.into_text().is_none());
        let mut s = String::from("a");
        assert!(V::Int(1).push_text(&mut s));
        assert!(!V::NotSet.push_text(&mut s));
        assert_eq!(s, "a1");
    }
}
