//! Evaluates the expression subset of SPEC §3 against one frame. Recursion follows the AST,
//! whose depth the parser caps; module calls never recurse here.

use std::borrow::Cow;

use flowlink_model::expr::{BinaryOp, Function, UnaryOp, VarRef};
use flowlink_model::Expr;
use serde_json::{Map, Value};

use crate::value::V;
use crate::vars::{frame_slot, participant_key, Vars};

/// What an expression can see: the running frame's variables, the interaction's participant
/// data and the simulated call.
pub(crate) struct Env<'a> {
    pub(crate) vars: &'a Vars,
    pub(crate) participant: &'a Map<String, Value>,
    pub(crate) ani: &'a str,
    pub(crate) dnis: &'a str,
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
}

impl<'a> Env<'a> {
    pub(crate) fn var(&self, var: &'a VarRef) -> V<'a> {
        match var {
            VarRef::CallAni => V::Str(Cow::Borrowed(self.ani)),
            VarRef::CallDnis => V::Str(Cow::Borrowed(self.dnis)),
            VarRef::InteractionData(key) => V::of_opt(self.participant.get(participant_key(key))),
            VarRef::Flow(_) | VarRef::Common(_) => match frame_slot(var) {
                Some((scope, name)) => V::of_opt(self.vars.get(scope, name)),
                None => V::NotSet,
            },
        }
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
        Expr::Call(function, args) => call(*function, args, env),
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

fn unary(op: UnaryOp, v: V<'_>) -> Result<V<'_>, EvalError> {
    match (op, v) {
        (UnaryOp::Not, V::Bool(b)) => Ok(V::Bool(!b)),
        (UnaryOp::Neg, V::Int(i)) => i
            .checked_neg()
            .map(V::Int)
            .ok_or(EvalError::Overflow { op: "-" }),
        (UnaryOp::Neg, V::Dec(d)) => Ok(V::Dec(-d)),
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
/// `Flow.x == NOT_SET` works as a test.
fn equals(l: &V<'_>, r: &V<'_>) -> Option<bool> {
    Some(match (l, r) {
        (V::NotSet, V::NotSet) => true,
        (V::NotSet, _) | (_, V::NotSet) => false,
        (V::Int(a), V::Int(b)) => a == b,
        (V::Int(a), V::Dec(b)) => (*a as f64) == *b,
        (V::Dec(a), V::Int(b)) => *a == (*b as f64),
        (V::Dec(a), V::Dec(b)) => a == b,
        (V::Str(a), V::Str(b)) => a == b,
        (V::Bool(a), V::Bool(b)) => a == b,
        (V::Json(a), V::Json(b)) => a == b,
        _ => return None,
    })
}

fn order(l: &V<'_>, r: &V<'_>) -> Option<std::cmp::Ordering> {
    match (l, r) {
        (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
        (V::Int(a), V::Dec(b)) => (*a as f64).partial_cmp(b),
        (V::Dec(a), V::Int(b)) => a.partial_cmp(&(*b as f64)),
        (V::Dec(a), V::Dec(b)) => a.partial_cmp(b),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// `+`: concatenation when either side is a String, else numeric addition.
fn add<'a>(l: V<'a>, r: V<'a>) -> Result<V<'a>, EvalError> {
    match (&l, &r) {
        (V::Int(a), V::Int(b)) => a
            .checked_add(*b)
            .map(V::Int)
            .ok_or(EvalError::Overflow { op: "+" }),
        (V::Int(a), V::Dec(b)) => Ok(V::Dec(*a as f64 + b)),
        (V::Dec(a), V::Int(b)) => Ok(V::Dec(a + *b as f64)),
        (V::Dec(a), V::Dec(b)) => Ok(V::Dec(a + b)),
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
        _ => Err(EvalError::TypeMismatch {
            op: "+",
            left: l.type_name(),
            right: r.type_name(),
        }),
    }
}

fn function_name(f: Function) -> &'static str {
    match f {
        Function::If => "If",
        Function::ToString => "ToString",
        Function::ToInt => "ToInt",
        Function::IsSet => "IsSet",
        Function::IsNotSetOrEmpty => "IsNotSetOrEmpty",
        Function::Contains => "Contains",
        Function::Length => "Length",
    }
}

fn call<'a>(f: Function, args: &'a [Expr], env: &Env<'a>) -> Result<V<'a>, EvalError> {
    let function = function_name(f);
    let bad = |message: String| EvalError::BadArgument { function, message };
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(bad(format!("takes {n} argument(s), got {}", args.len())))
        }
    };
    match f {
        Function::If => {
            arity(3)?;
            let chosen = if eval_bool(&args[0], env)? {
                &args[1]
            } else {
                &args[2]
            };
            eval(chosen, env)
        }
        Function::ToString => {
            arity(1)?;
            // NOT_SET has no text; it stays NOT_SET as in Architect.
            Ok(eval(&args[0], env)?.into_text().map_or(V::NotSet, V::Str))
        }
        Function::ToInt => {
            arity(1)?;
            match eval(&args[0], env)? {
                V::Int(i) => Ok(V::Int(i)),
                V::Dec(d) => dec_to_int(d).ok_or_else(|| bad(format!("{d} is out of range"))),
                V::Str(s) => parse_int(&s).ok_or_else(|| bad(format!("\"{s}\" is not a number"))),
                v => Err(bad(format!("cannot convert {} to Integer", v.type_name()))),
            }
        }
        Function::IsSet => {
            arity(1)?;
            Ok(V::Bool(!matches!(eval(&args[0], env)?, V::NotSet)))
        }
        Function::IsNotSetOrEmpty => {
            arity(1)?;
            Ok(V::Bool(match eval(&args[0], env)? {
                V::NotSet => true,
                V::Str(s) => s.is_empty(),
                V::Json(Value::Array(a)) => a.is_empty(),
                _ => false,
            }))
        }
        Function::Contains => {
            if !(2..=3).contains(&args.len()) {
                return Err(bad(format!("takes 2 or 3 arguments, got {}", args.len())));
            }
            let haystack = eval(&args[0], env)?;
            let needle = eval(&args[1], env)?;
            let ignore_case = match args.get(2) {
                Some(e) => eval_bool(e, env)?,
                None => false,
            };
            match (&haystack, &needle) {
                (V::Str(h), V::Str(n)) if ignore_case => {
                    Ok(V::Bool(h.to_lowercase().contains(&n.to_lowercase())))
                }
                (V::Str(h), V::Str(n)) => Ok(V::Bool(h.contains(n.as_ref()))),
                (V::Json(Value::Array(items)), n) => Ok(V::Bool(
                    items.iter().any(|i| equals(&V::of(i), n) == Some(true)),
                )),
                (h, n) => Err(bad(format!(
                    "cannot search {} in {}",
                    n.type_name(),
                    h.type_name()
                ))),
            }
        }
        Function::Length => {
            arity(1)?;
            match eval(&args[0], env)? {
                V::Str(s) => Ok(V::Int(s.chars().count() as i64)),
                V::Json(Value::Array(a)) => Ok(V::Int(a.len() as i64)),
                v => Err(bad(format!("cannot measure {}", v.type_name()))),
            }
        }
    }
}

fn dec_to_int(d: f64) -> Option<V<'static>> {
    let t = d.trunc();
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    (t.is_finite() && t >= i64::MIN as f64 && t < i64::MAX as f64).then_some(V::Int(t as i64))
}

fn parse_int(s: &str) -> Option<V<'static>> {
    let s = s.trim();
    match s.parse::<i64>() {
        Ok(i) => Some(V::Int(i)),
        Err(_) => s.parse::<f64>().ok().and_then(dec_to_int),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowlink_model::expr::Literal;
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
        let env = Env {
            vars: &vars,
            participant: &participant,
            ani: "+1555",
            dnis: "+1800",
        };
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
