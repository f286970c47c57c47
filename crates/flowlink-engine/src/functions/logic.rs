//! Logic functions: `If` (lazy: only the chosen branch is evaluated), `IsSet`, `IsNotSet`,
//! `IsNotSetOrEmpty`, `AreEqual`.

use flowlink_model::expr::Function;
use flowlink_model::Expr;
use serde_json::Value;

use super::Args;
use crate::eval::{equals, eval, eval_bool, Env, EvalError};
use crate::value::V;

/// `If(condition, then, else)`: the condition must be a Boolean (NOT_SET is an error).
pub(super) fn if_<'a>(args: &'a [Expr], env: &Env<'a>) -> Result<V<'a>, EvalError> {
    let chosen = if eval_bool(&args[0], env).map_err(|e| EvalError::BadArgument {
        function: "If",
        message: format!("condition: {e}"),
    })? {
        &args[1]
    } else {
        &args[2]
    };
    eval(chosen, env)
}

/// NOT_SET, an empty String or an empty collection.
pub(super) fn is_not_set_or_empty(v: &V<'_>) -> bool {
    match v {
        V::NotSet => true,
        V::Str(s) => s.is_empty(),
        V::Json(Value::Array(a)) | V::Owned(Value::Array(a)) => a.is_empty(),
        V::List(items) => items.is_empty(),
        _ => false,
    }
}

pub(super) fn call(args: Args<'_>) -> Result<V<'_>, EvalError> {
    let v = args.get(0);
    Ok(V::Bool(match args.f {
        Function::IsSet => !matches!(v, V::NotSet),
        Function::IsNotSet => matches!(v, V::NotSet),
        Function::IsNotSetOrEmpty => is_not_set_or_empty(v),
        // Values of types that cannot be compared are simply not equal.
        Function::AreEqual => equals(v, args.get(1)) == Some(true),
        other => return Err(args.bad(format!("{} is not a logic function", other.name()))),
    }))
}
