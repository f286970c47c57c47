//! Evaluates Architect expressions (SPEC §3 subset and the Archy language, SPEC §9) against
//! one frame. Recursion follows the AST, whose depth the parsers cap; module calls never
//! recurse here. Functions live in [`crate::functions`], one file per family.
//!
//! NOT_SET (reference §3.6), as Architect treats it:
//! - `==`/`!=` compare it as a value (`Flow.x == NOT_SET` is a test); arithmetic, `<`-style
//!   comparisons, `and`/`or`/`not`, conditions and concatenation with it are runtime errors
//!   (Architect's guard idiom is `If(IsSet(x), x, 0)`);
//! - `x.name` on NOT_SET gives NOT_SET; a missing property is NOT_SET;
//! - conversion functions (`ToString`, `ToInt`, `ToDateTime`, `ToPhoneNumber`, …) give NOT_SET
//!   for NOT_SET; the NOT_SET-aware ones (`IsSet`, `IsNotSetOrEmpty`, `If`'s branches, `Append`,
//!   `ToDisplayString`, `Count`, …) handle it; every other function refuses it with an error
//!   naming the argument (Architect's "NOT_SET not allowed" parameters).
//!
//! `and`/`or` short-circuit: the right side is not evaluated when the left decides.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use flowlink_model::expr::{BinaryOp, UnaryOp, VarRef};
use flowlink_model::Expr;
use serde_json::{Map, Value};

use crate::functions;
use crate::value::{parse_datetime, Audio, AudioPart, V};
use crate::vars::{frame_slot, participant_key, Vars};

/// What an expression can see: the running frame's variables, the interaction's participant
/// data and the simulated call (its numbers, clock, language and other built-ins).
pub(crate) struct Env<'a> {
    pub(crate) vars: &'a Vars,
    pub(crate) participant: &'a Map<String, Value>,
    pub(crate) ani: &'a str,
    pub(crate) dnis: &'a str,
    /// The simulation clock as written in the input (ISO-8601); `None`: no clock, so
    /// `GetCurrentDateTimeUtc()` is an error.
    pub(crate) now: Option<&'a str>,
    /// `Call.Language`.
    pub(crate) language: Option<&'a str>,
    /// Other built-ins by dotted name (`Call.ConversationId`, `Message.Message`, …), looked
    /// up ASCII-case-insensitively; absent ones are NOT_SET.
    pub(crate) builtins: Option<&'a Map<String, Value>>,
}

/// Why an expression could not be evaluated (a runtime error of the node that holds it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum EvalError {
    #[error("cannot apply `{op}` to {left} and {right}")]
    TypeMismatch {
        op: &'static str,
        left: &'static str,
        right: &'static str,
    },
    #[error("cannot apply `{op}` to {operand}")]
    BadOperand {
        op: &'static str,
        operand: &'static str,
    },
    #[error("integer overflow in `{op}`")]
    Overflow { op: &'static str },
    #[error("{function}: {message}")]
    BadArgument {
        function: &'static str,
        message: String,
    },
    #[error("expected a Boolean, found {found}")]
    NotBoolean { found: &'static str },
    #[error("division by zero in `{op}`")]
    DivisionByZero { op: &'static str },
    #[error("{0}")]
    Other(String),
}

impl<'a> Env<'a> {
    /// An environment with no clock, language or other built-ins; set those fields as the
    /// simulation gives them.
    pub(crate) fn new(
        vars: &'a Vars,
        participant: &'a Map<String, Value>,
        ani: &'a str,
        dnis: &'a str,
    ) -> Self {
        Env {
            vars,
            participant,
            ani,
            dnis,
            now: None,
            language: None,
            builtins: None,
        }
    }

    pub(crate) fn var(&self, var: &'a VarRef) -> V<'a> {
        match var {
            VarRef::CallAni => V::Str(Cow::Borrowed(self.ani)),
            VarRef::CallDnis => V::Str(Cow::Borrowed(self.dnis)),
            VarRef::InteractionData(key) => V::of_opt(self.participant.get(participant_key(key))),
            VarRef::Flow(_) | VarRef::Common(_) | VarRef::Task(_) | VarRef::State(_) => {
                match frame_slot(var) {
                    Some((scope, name)) => V::of_opt(self.vars.get(scope, name)),
                    None => V::NotSet,
                }
            }
            VarRef::Builtin(name) => self.builtin(name),
        }
    }

    fn builtin(&self, name: &str) -> V<'a> {
        if let Some(found) = self.builtins.and_then(|map| {
            map.get(name).or_else(|| {
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
        }) {
            return V::of(found);
        }
        match name {
            "Call.CalledAddress" | "Call.CalledAddressOriginal" => V::Str(Cow::Borrowed(self.dnis)),
            "Call.Language" => self
                .language
                .map_or(V::NotSet, |l| V::Str(Cow::Borrowed(l))),
            // A prompt named in an expression is that prompt's audio.
            _ if name.starts_with("Prompt.") || name.starts_with("PromptSystem.") => {
                V::Audio(Audio {
                    parts: vec![AudioPart::Prompt(name.to_owned())],
                    barge_in: None,
                })
            }
            // A simulated call starts and runs at one instant.
            "Flow.StartDateTimeUtc" => self.now().map_or(V::NotSet, V::DateTime),
            _ => V::NotSet,
        }
    }

    /// The simulation clock, if it has one.
    pub(crate) fn now(&self) -> Option<DateTime<Utc>> {
        self.now.and_then(parse_datetime)
    }
}

/// Evaluates `expr`; values borrow from `expr` and `env`, nothing is copied unless computed.
pub(crate) fn eval<'a>(expr: &'a Expr, env: &Env<'a>) -> Result<V<'a>, EvalError> {
    match expr {
        Expr::Literal(lit) => Ok(V::of_literal(lit)),
        Expr::Var(var) => Ok(env.var(var)),
        Expr::Unary(op, inner) => unary(*op, eval(inner, env)?),
        Expr::Binary(BinaryOp::And, l, r) => logic(env, l, r, false, "and"),
        Expr::Binary(BinaryOp::Or, l, r) => logic(env, l, r, true, "or"),
        Expr::Binary(op, l, r) => binary(*op, eval(l, env)?, eval(r, env)?),
        Expr::Call(function, args) => functions::call(*function, args, env),
        Expr::List(items) => items
            .iter()
            .map(|item| eval(item, env))
            .collect::<Result<Vec<_>, _>>()
            .map(V::List),
        Expr::Index(collection, index) => at(eval(collection, env)?, eval(index, env)?),
        Expr::Member(object, name) => Ok(member(eval(object, env)?, name)),
    }
}

/// Evaluates a condition: must be a Boolean (NOT_SET included is an error).
pub(crate) fn eval_bool<'a>(expr: &'a Expr, env: &Env<'a>) -> Result<bool, EvalError> {
    match eval(expr, env)? {
        V::Bool(b) => Ok(b),
        other => Err(EvalError::NotBoolean {
            found: other.type_name(),
        }),
    }
}

/// `collection[index]`, 0-based.
pub(crate) fn at<'a>(collection: V<'a>, index: V<'a>) -> Result<V<'a>, EvalError> {
    let i = match index {
        V::Int(i) => i,
        V::Dec(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => d as i64,
        other => {
            return Err(EvalError::Other(format!(
                "a collection index must be an Integer, found {}",
                other.type_name()
            )))
        }
    };
    let out_of_range = |len: usize| {
        EvalError::Other(format!(
            "index {i} is out of range (the collection has {len} item{})",
            if len == 1 { "" } else { "s" }
        ))
    };
    let slot = usize::try_from(i).ok();
    match collection {
        V::Json(Value::Array(items)) => slot
            .and_then(|i| items.get(i))
            .map(V::of)
            .ok_or_else(|| out_of_range(items.len())),
        V::Owned(Value::Array(items)) => {
            let len = items.len();
            slot.and_then(|i| items.into_iter().nth(i))
                .map(|v| V::of(&v).into_owned())
                .ok_or_else(|| out_of_range(len))
        }
        V::List(items) => {
            let len = items.len();
            slot.and_then(|i| items.into_iter().nth(i))
                .ok_or_else(|| out_of_range(len))
        }
        // An unset collection is an empty one, as in Architect.
        V::NotSet => Err(out_of_range(0)),
        other => Err(EvalError::BadOperand {
            op: "[]",
            operand: other.type_name(),
        }),
    }
}

/// `object.name`: a property of JSON (exact key, else ASCII-case-insensitive). NOT_SET and a
/// missing property give NOT_SET; a named object held as text answers its `name`.
pub(crate) fn member<'a>(object: V<'a>, name: &str) -> V<'a> {
    fn find<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
        obj.get(name).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    }
    match object {
        V::Json(Value::Object(obj)) => V::of_opt(find(obj, name)),
        V::Owned(Value::Object(obj)) => {
            find(&obj, name).map_or(V::NotSet, |v| V::of(v).into_owned())
        }
        V::Str(s) if name.eq_ignore_ascii_case("name") => V::Str(s),
        _ => V::NotSet,
    }
}

fn unary(op: UnaryOp, v: V<'_>) -> Result<V<'_>, EvalError> {
    match (op, v) {
        (UnaryOp::Not, V::Bool(b)) => Ok(V::Bool(!b)),
        (UnaryOp::Neg, V::Int(i)) => i
            .checked_neg()
            .map(V::Int)
            .ok_or(EvalError::Overflow { op: "-" }),
        (UnaryOp::Neg, V::Dec(d)) => Ok(V::Dec(-d)),
        (UnaryOp::Neg, V::Duration(ms)) => ms
            .checked_neg()
            .map(V::Duration)
            .ok_or(EvalError::Overflow { op: "-" }),
        (UnaryOp::Not, v) => Err(EvalError::BadOperand {
            op: "not",
            operand: v.type_name(),
        }),
        (UnaryOp::Neg, v) => Err(EvalError::BadOperand {
            op: "-",
            operand: v.type_name(),
        }),
    }
}

/// `and` / `or` with short-circuit: `short_on` is the left value that decides alone.
fn logic<'a>(
    env: &Env<'a>,
    l: &'a Expr,
    r: &'a Expr,
    short_on: bool,
    op: &'static str,
) -> Result<V<'a>, EvalError> {
    let left = match eval(l, env)? {
        V::Bool(b) => b,
        v => {
            return Err(EvalError::BadOperand {
                op,
                operand: v.type_name(),
            })
        }
    };
    if left == short_on {
        return Ok(V::Bool(left));
    }
    match eval(r, env)? {
        V::Bool(b) => Ok(V::Bool(b)),
        v => Err(EvalError::BadOperand {
            op,
            operand: v.type_name(),
        }),
    }
}

fn op_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::And => "and",
        BinaryOp::Or => "or",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
    }
}

fn binary<'a>(op: BinaryOp, l: V<'a>, r: V<'a>) -> Result<V<'a>, EvalError> {
    let mismatch = |l: &V<'_>, r: &V<'_>| EvalError::TypeMismatch {
        op: op_name(op),
        left: l.type_name(),
        right: r.type_name(),
    };
    match op {
        BinaryOp::Eq | BinaryOp::Ne => {
            let eq = equals(&l, &r).ok_or_else(|| mismatch(&l, &r))?;
            Ok(V::Bool(eq == (op == BinaryOp::Eq)))
        }
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let ord = order(&l, &r).ok_or_else(|| mismatch(&l, &r))?;
            Ok(V::Bool(match op {
                BinaryOp::Lt => ord.is_lt(),
                BinaryOp::Le => ord.is_le(),
                BinaryOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
        BinaryOp::Add => add(l, r),
        BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
            crate::functions::number::arithmetic(op, op_name(op), l, r)
        }
        // `eval` short-circuits these; kept total so no operator can panic.
        BinaryOp::And | BinaryOp::Or => match (&l, &r) {
            (V::Bool(a), V::Bool(b)) => Ok(V::Bool(if op == BinaryOp::And {
                *a && *b
            } else {
                *a || *b
            })),
            _ => Err(mismatch(&l, &r)),
        },
    }
}

/// Equality; `None` when the types cannot be compared. NOT_SET equals only NOT_SET, so
/// `Flow.x == NOT_SET` works as a test. Dates, times and durations held as text compare with
/// typed ones by reading the text.
pub(crate) fn equals(l: &V<'_>, r: &V<'_>) -> Option<bool> {
    Some(match (l, r) {
        (V::NotSet, V::NotSet) => true,
        (V::NotSet, _) | (_, V::NotSet) => false,
        (V::Int(a), V::Int(b)) => a == b,
        (V::Int(a), V::Dec(b)) => (*a as f64) == *b,
        (V::Dec(a), V::Int(b)) => *a == (*b as f64),
        (V::Dec(a), V::Dec(b)) => a == b,
        (V::Str(a), V::Str(b)) => a == b,
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Audio(a), V::Audio(b)) => a == b,
        (V::DateTime(_), _) | (_, V::DateTime(_)) => l.as_datetime()? == r.as_datetime()?,
        (V::Date(_), _) | (_, V::Date(_)) => l.as_date()? == r.as_date()?,
        (V::Time(_), _) | (_, V::Time(_)) => l.as_time()? == r.as_time()?,
        (V::Duration(_), _) | (_, V::Duration(_)) => l.as_duration()? == r.as_duration()?,
        (V::Json(_) | V::Owned(_) | V::List(_), V::Json(_) | V::Owned(_) | V::List(_)) => {
            match (l.items(), r.items()) {
                (Some(a), Some(b)) => {
                    a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| equals(x, y) == Some(true))
                }
                (None, None) => l.clone().into_json() == r.clone().into_json(),
                _ => false,
            }
        }
        _ => return None,
    })
}

/// Ordering; `None` when the types have no order between them.
pub(crate) fn order(l: &V<'_>, r: &V<'_>) -> Option<std::cmp::Ordering> {
    match (l, r) {
        (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
        (V::Int(a), V::Dec(b)) => (*a as f64).partial_cmp(b),
        (V::Dec(a), V::Int(b)) => a.partial_cmp(&(*b as f64)),
        (V::Dec(a), V::Dec(b)) => a.partial_cmp(b),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        (V::NotSet, _) | (_, V::NotSet) => None,
        (V::DateTime(_), _) | (_, V::DateTime(_)) => Some(l.as_datetime()?.cmp(&r.as_datetime()?)),
        (V::Date(_), _) | (_, V::Date(_)) => Some(l.as_date()?.cmp(&r.as_date()?)),
        (V::Time(_), _) | (_, V::Time(_)) => Some(l.as_time()?.cmp(&r.as_time()?)),
        (V::Duration(_), _) | (_, V::Duration(_)) => Some(l.as_duration()?.cmp(&r.as_duration()?)),
        _ => None,
    }
}

/// `+`: concatenation when either side is a String, else addition of numbers, of a Duration
/// to a DateTime/Date/Duration.
fn add<'a>(l: V<'a>, r: V<'a>) -> Result<V<'a>, EvalError> {
    let temporal =
        |v: &V<'_>| matches!(v, V::DateTime(_) | V::Date(_) | V::Time(_) | V::Duration(_));
    match (&l, &r) {
        // A duration stored as text adds to a date or duration, as its declared type would.
        (V::Str(s), other) | (other, V::Str(s))
            if temporal(other) && crate::value::parse_duration(s).is_some() =>
        {
            crate::functions::number::arithmetic(BinaryOp::Add, "+", l, r)
        }
        (V::Str(_), _) | (_, V::Str(_)) => {
            let mut out = String::new();
            if l.push_text(&mut out) && r.push_text(&mut out) {
                Ok(V::Str(Cow::Owned(out)))
            } else {
                Err(EvalError::BadOperand {
                    op: "+",
                    operand: "NOT_SET",
                })
            }
        }
        _ => crate::functions::number::arithmetic(BinaryOp::Add, "+", l, r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowlink_model::expr::{Function, Literal};
    use serde_json::json;

    use crate::vars::Scope;

    fn lit(l: Literal) -> Expr {
        Expr::Literal(l)
    }
    fn s(text: &str) -> Expr {
        lit(Literal::String(text.into()))
    }
    fn i(n: i64) -> Expr {
        lit(Literal::Integer(n))
    }
    fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        Expr::Binary(op, Box::new(l), Box::new(r))
    }
    fn f(function: Function, args: Vec<Expr>) -> Expr {
        Expr::Call(function, args)
    }

    fn with_env<T>(check: impl FnOnce(&Env<'_>) -> T) -> T {
        let mut vars = Vars::default();
        vars.set(Scope::Flow, "n", json!(5));
        vars.set(Scope::Flow, "name", json!("Ann"));
        vars.set(Scope::Common, "d", json!(1.5));
        let participant = json!({"tier": "gold"})
            .as_object()
            .cloned()
            .expect("object");
        let env = Env::new(&vars, &participant, "+1555", "+1800");
        check(&env)
    }

    fn ok(e: &Expr) -> Value {
        with_env(|env| eval(e, env).expect("evaluates").into_json())
    }

    fn err(e: &Expr) -> String {
        with_env(|env| eval(e, env).expect_err("fails").to_string())
    }

    #[test]
    fn variables_come_from_frame_participant_data_and_call() {
        assert_eq!(ok(&Expr::Var(VarRef::Flow("n".into()))), json!(5));
        assert_eq!(
            ok(&Expr::Var(VarRef::Flow("Flow.name".into()))),
            json!("Ann")
        );
        assert_eq!(ok(&Expr::Var(VarRef::Common("d".into()))), json!(1.5));
        assert_eq!(
            ok(&Expr::Var(VarRef::InteractionData("tier".into()))),
            json!("gold")
        );
        assert_eq!(ok(&Expr::Var(VarRef::CallDnis)), json!("+1800"));
        assert_eq!(ok(&Expr::Var(VarRef::Flow("unset".into()))), Value::Null);
    }

    #[test]
    fn plus_adds_numbers_and_concatenates_strings() {
        let n = Expr::Var(VarRef::Flow("n".into()));
        let d = Expr::Var(VarRef::Common("d".into()));
        assert_eq!(ok(&bin(BinaryOp::Add, n.clone(), i(2))), json!(7));
        assert_eq!(ok(&bin(BinaryOp::Add, n.clone(), d)), json!(6.5));
        assert_eq!(ok(&bin(BinaryOp::Add, s("n="), n)), json!("n=5"));
        assert_eq!(
            ok(&bin(BinaryOp::Add, s("a"), lit(Literal::Boolean(true)))),
            json!("atrue")
        );
        assert_eq!(
            err(&bin(BinaryOp::Add, s("a"), lit(Literal::NotSet))),
            "cannot apply `+` to NOT_SET"
        );
        assert_eq!(
            err(&bin(BinaryOp::Add, i(1), lit(Literal::Boolean(true)))),
            "cannot apply `+` to Integer and Boolean"
        );
        assert_eq!(
            err(&bin(BinaryOp::Add, i(i64::MAX), i(1))),
            "integer overflow in `+`"
        );
    }

    #[test]
    fn comparisons_need_compatible_types() {
        assert_eq!(
            ok(&bin(BinaryOp::Lt, i(1), lit(Literal::Decimal(1.5)))),
            json!(true)
        );
        assert_eq!(ok(&bin(BinaryOp::Ge, s("b"), s("a"))), json!(true));
        assert_eq!(ok(&bin(BinaryOp::Ne, i(1), i(1))), json!(false));
        assert_eq!(
            ok(&bin(BinaryOp::Eq, lit(Literal::NotSet), i(1))),
            json!(false)
        );
        assert_eq!(
            ok(&bin(
                BinaryOp::Eq,
                lit(Literal::NotSet),
                lit(Literal::NotSet)
            )),
            json!(true)
        );
        assert_eq!(
            err(&bin(BinaryOp::Eq, s("1"), i(1))),
            "cannot apply `==` to String and Integer"
        );
        assert_eq!(
            err(&bin(BinaryOp::Lt, lit(Literal::NotSet), i(1))),
            "cannot apply `<` to NOT_SET and Integer"
        );
    }

    #[test]
    fn boolean_operators_short_circuit_and_reject_non_booleans() {
        let t = lit(Literal::Boolean(true));
        let fl = lit(Literal::Boolean(false));
        // The right side would fail, so short-circuiting is observable.
        assert_eq!(ok(&bin(BinaryOp::Or, t.clone(), i(1))), json!(true));
        assert_eq!(ok(&bin(BinaryOp::And, fl.clone(), i(1))), json!(false));
        assert_eq!(
            err(&bin(BinaryOp::And, t.clone(), i(1))),
            "cannot apply `and` to Integer"
        );
        assert_eq!(ok(&Expr::Unary(UnaryOp::Not, Box::new(fl))), json!(true));
        assert_eq!(
            err(&Expr::Unary(UnaryOp::Not, Box::new(s("x")))),
            "cannot apply `not` to String"
        );
        assert_eq!(ok(&Expr::Unary(UnaryOp::Neg, Box::new(i(3)))), json!(-3));
    }

    #[test]
    fn functions() {
        let unset = || Expr::Var(VarRef::Flow("unset".into()));
        assert_eq!(
            ok(&f(
                Function::If,
                vec![lit(Literal::Boolean(false)), i(1), s("b")]
            )),
            json!("b")
        );
        assert_eq!(ok(&f(Function::ToString, vec![i(42)])), json!("42"));
        assert_eq!(ok(&f(Function::ToString, vec![unset()])), Value::Null);
        assert_eq!(ok(&f(Function::ToInt, vec![s(" 12 ")])), json!(12));
        assert_eq!(
            ok(&f(Function::ToInt, vec![lit(Literal::Decimal(-2.7))])),
            json!(-2)
        );
        assert_eq!(
            err(&f(Function::ToInt, vec![s("abc")])),
            "ToInt: \"abc\" is not a number"
        );
        assert_eq!(ok(&f(Function::IsSet, vec![unset()])), json!(false));
        assert_eq!(ok(&f(Function::IsSet, vec![s("")])), json!(true));
        assert_eq!(ok(&f(Function::IsNotSetOrEmpty, vec![s("")])), json!(true));
        assert_eq!(
            ok(&f(Function::IsNotSetOrEmpty, vec![s("x")])),
            json!(false)
        );
        assert_eq!(
            ok(&f(Function::Contains, vec![s("Hello"), s("ell")])),
            json!(true)
        );
        assert_eq!(
            ok(&f(Function::Contains, vec![s("Hello"), s("ELL")])),
            json!(false)
        );
        assert_eq!(
            ok(&f(
                Function::Contains,
                vec![s("Hello"), s("ELL"), lit(Literal::Boolean(true))]
            )),
            json!(true)
        );
        assert_eq!(ok(&f(Function::Length, vec![s("héllo")])), json!(5));
        assert_eq!(
            err(&f(Function::Length, vec![unset()])),
            "Length: cannot measure NOT_SET"
        );
        assert_eq!(
            err(&f(Function::If, vec![i(1)])),
            "If: takes 3 argument(s), got 1"
        );
    }
}
