//! Evaluating one expression on its own, outside a call: for expression tests and tools.
//! The context holds what a running call would give (variables, participant data, the
//! simulated call's numbers, clock, language and other built-ins).

use flowlink_model::Expr;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::eval::{eval, Env};
use crate::value::V;
use crate::vars::{split_name, Scope, Vars};

/// What an expression can read. Wire form (fixtures): `{variables: {"Flow.x": 1, "Task.y":
/// "a"}, participantData, ani, dnis, now, language, builtins: {"Call.ConversationId": ..}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ExprContext {
    /// Variables by scoped name (`Flow.x`, `Common.x`, `Task.x`, `State.x`); a bare name is a
    /// flow variable.
    pub variables: Map<String, Value>,
    pub participant_data: Map<String, Value>,
    pub ani: String,
    pub dnis: String,
    /// The simulation clock, ISO-8601 UTC.
    pub now: Option<String>,
    pub language: Option<String>,
    /// Other built-ins by dotted name.
    pub builtins: Map<String, Value>,
}

/// A runtime error of an expression, as the call's failure reason would give it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct EvaluationError {
    pub message: String,
}

/// Evaluates `expr` in `ctx`; the result in its stored JSON form (NOT_SET is `null`).
pub fn evaluate(expr: &Expr, ctx: &ExprContext) -> Result<Value, EvaluationError> {
    let mut vars = Vars::with_capacity(ctx.variables.len());
    for (name, value) in &ctx.variables {
        let (scope, bare) = split_name(name).unwrap_or((Scope::Flow, name));
        vars.set(scope, bare, value.clone());
    }
    let mut env = Env::new(&vars, &ctx.participant_data, &ctx.ani, &ctx.dnis);
    env.now = ctx.now.as_deref();
    env.language = ctx.language.as_deref();
    env.builtins = Some(&ctx.builtins);
    eval(expr, &env)
        .map(V::into_json)
        .map_err(|e| EvaluationError {
            message: e.to_string(),
        })
}

/// The words of a stored audio value (`ToAudioTTS` & co.), or the text of a String; `None`
/// for NOT_SET and values that are not spoken. For traces of prompts.
pub fn audio_text(value: &Value) -> Option<String> {
    match V::of(value) {
        V::Audio(audio) => Some(audio.text()),
        V::Str(s) => Some(s.into_owned()),
        _ => None,
    }
}
