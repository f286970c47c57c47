//! The variables of one frame (`Flow.x`, `Common.x`) and how written names map onto them.
//!
//! A frame holds few variables, so a vector searched linearly beats hashing: a lookup is a
//! length check and a short byte compare, and no key is allocated after the first write.
//! Names compare ASCII-case-insensitively, as Architect (and the model's validation) does.

use flowlink_model::expr::VarRef;
use flowlink_model::FlowLogic;
use serde_json::Value;

/// Which namespace of a frame a variable lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Flow,
    Common,
    /// `Task.x` (Archy): lives in the frame like a flow variable.
    Task,
    /// `State.x` (Archy).
    State,
}

impl Scope {
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Scope::Flow => "Flow.",
            Scope::Common => "Common.",
            Scope::Task => "Task.",
            Scope::State => "State.",
        }
    }
}

/// `name` without `prefix`, compared ASCII-case-insensitively.
fn strip_prefix_ci<'n>(name: &'n str, prefix: &str) -> Option<&'n str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &name[prefix.len()..])
}

/// Splits `Flow.x` / `Common.x` / `Task.x` / `State.x` (any case); `None` for a bare name.
pub(crate) fn split_name(name: &str) -> Option<(Scope, &str)> {
    [Scope::Flow, Scope::Common, Scope::Task, Scope::State]
        .into_iter()
        .find_map(|scope| strip_prefix_ci(name, scope.prefix()).map(|rest| (scope, rest)))
}

/// Where a name given in a mapping or input data lives in a frame running `logic`: a prefixed
/// name as written; a bare name as the declared variable of that name, else in `fallback`.
pub(crate) fn resolve_name<'n>(
    logic: &FlowLogic,
    name: &'n str,
    fallback: Scope,
) -> (Scope, &'n str) {
    if let Some(split) = split_name(name) {
        return split;
    }
    let declared = logic.variables.iter().find_map(|v| {
        split_name(&v.name)
            .filter(|(_, bare)| bare.eq_ignore_ascii_case(name))
            .map(|(s, _)| s)
    });
    (declared.unwrap_or(fallback), name)
}

/// The frame slot a variable reference names, or `None` for interaction/call references.
/// Tolerates the parser keeping the prefix in the name.
pub(crate) fn frame_slot(var: &VarRef) -> Option<(Scope, &str)> {
    match var {
        VarRef::Flow(n) => Some((Scope::Flow, strip_prefix_ci(n, "Flow.").unwrap_or(n))),
        VarRef::Common(n) => Some((Scope::Common, strip_prefix_ci(n, "Common.").unwrap_or(n))),
        VarRef::Task(n) => Some((Scope::Task, strip_prefix_ci(n, "Task.").unwrap_or(n))),
        VarRef::State(n) => Some((Scope::State, strip_prefix_ci(n, "State.").unwrap_or(n))),
        VarRef::InteractionData(_) | VarRef::CallAni | VarRef::CallDnis | VarRef::Builtin(_) => {
            None
        }
    }
}

/// The key participant data is stored under for `Interaction.data.x`.
pub(crate) fn participant_key(name: &str) -> &str {
    strip_prefix_ci(name, "Interaction.data.").unwrap_or(name)
}

/// One frame's variables. An unset variable is absent or holds JSON `null`.
#[derive(Debug, Default)]
pub(crate) struct Vars {
    entries: Vec<(Scope, String, Value)>,
}

impl Vars {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    pub(crate) fn get(&self, scope: Scope, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(s, n, _)| *s == scope && n.eq_ignore_ascii_case(name))
            .map(|(_, _, v)| v)
    }

    pub(crate) fn set(&mut self, scope: Scope, name: &str, value: Value) {
        match self
            .entries
            .iter_mut()
            .find(|(s, n, _)| *s == scope && n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.2 = value,
            None => self.entries.push((scope, name.to_owned(), value)),
        }
    }

    /// Moves a value out (the frame is about to be dropped).
    pub(crate) fn take(&mut self, scope: Scope, name: &str) -> Option<Value> {
        self.entries
            .iter_mut()
            .find(|(s, n, _)| *s == scope && n.eq_ignore_ascii_case(name))
            .map(|(_, _, v)| std::mem::take(v))
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// Sets every declared variable that has a default.
    pub(crate) fn apply_defaults(&mut self, logic: &FlowLogic, fallback: Scope) {
        for var in &logic.variables {
            if let Some(default) = &var.default {
                let (scope, name) = resolve_name(logic, &var.name, fallback);
                self.set(scope, name, default.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowlink_model::{Dialect, Graph, Variable};
    use serde_json::json;

    fn logic_with(vars: &[&str]) -> FlowLogic {
        FlowLogic {
            dialect: Dialect::Graph,
            graph: Graph::default(),
            variables: vars
                .iter()
                .map(|n| Variable {
                    name: (*n).into(),
                    type_name: "string".into(),
                    input: true,
                    output: false,
                    default: None,
                })
                .collect(),
        }
    }

    #[test]
    fn bare_names_follow_the_declaration_else_the_fallback() {
        let logic = logic_with(&["Flow.customerId"]);
        assert_eq!(
            resolve_name(&logic, "customerId", Scope::Common),
            (Scope::Flow, "customerId")
        );
        assert_eq!(
            resolve_name(&logic, "other", Scope::Common),
            (Scope::Common, "other")
        );
        assert_eq!(
            resolve_name(&logic, "Common.x", Scope::Flow),
            (Scope::Common, "x")
        );
        assert_eq!(
            resolve_name(&logic, "flow.y", Scope::Common),
            (Scope::Flow, "y")
        );
        assert_eq!(
            resolve_name(&logic, "CUSTOMERID", Scope::Common),
            (Scope::Flow, "CUSTOMERID")
        );
    }

    #[test]
    fn scopes_are_separate_and_set_overwrites() {
        let mut vars = Vars::default();
        vars.set(Scope::Flow, "x", json!(1));
        vars.set(Scope::Common, "x", json!(2));
        vars.set(Scope::Flow, "x", json!(3));
        assert_eq!(vars.get(Scope::Flow, "X"), Some(&json!(3)));
        assert_eq!(vars.take(Scope::Common, "x"), Some(json!(2)));
        assert_eq!(vars.get(Scope::Common, "x"), Some(&Value::Null));
        assert_eq!(vars.get(Scope::Flow, "y"), None);
    }
}
