//! Numbers: the arithmetic operators (`+ - * / %` on Integers, Decimals, DateTimes, Dates and
//! Durations) and the math functions `Abs`, `Round`, `Floor`, `Ceiling`, `Truncate`, `Min`,
//! `Max`, `Sum`, `Average`. Integer arithmetic is checked (overflow is an error); `/` always
//! gives a Decimal, as in Architect; a NOT_SET operand is an error, as in Architect.

use chrono::Duration as ChronoDuration;
use flowlink_model::expr::{BinaryOp, Function};

use super::Args;
use crate::eval::{order, EvalError};
use crate::value::V;

fn mismatch(op: &'static str, l: &V<'_>, r: &V<'_>) -> EvalError {
    EvalError::TypeMismatch {
        op,
        left: l.type_name(),
        right: r.type_name(),
    }
}

fn int_op(op: BinaryOp, a: i64, b: i64, name: &'static str) -> Result<V<'static>, EvalError> {
    let result = match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        BinaryOp::Div => {
            if b == 0 {
                return Err(EvalError::DivisionByZero { op: name });
            }
            return Ok(V::Dec(a as f64 / b as f64));
        }
        BinaryOp::Mod => {
            if b == 0 {
                return Err(EvalError::DivisionByZero { op: name });
            }
            a.checked_rem(b)
        }
        _ => None,
    };
    result.map(V::Int).ok_or(EvalError::Overflow { op: name })
}

fn dec_op(op: BinaryOp, a: f64, b: f64, name: &'static str) -> Result<V<'static>, EvalError> {
    if matches!(op, BinaryOp::Div | BinaryOp::Mod) && b == 0.0 {
        return Err(EvalError::DivisionByZero { op: name });
    }
    Ok(V::Dec(match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        _ => a % b,
    }))
}

fn shift(
    dt: chrono::DateTime<chrono::Utc>,
    ms: i64,
    name: &'static str,
) -> Result<V<'static>, EvalError> {
    ChronoDuration::try_milliseconds(ms)
        .and_then(|delta| dt.checked_add_signed(delta))
        .map(V::DateTime)
        .ok_or(EvalError::Overflow { op: name })
}

/// `l op r` for `+ - * / %` (string concatenation is handled before this).
pub(crate) fn arithmetic<'a>(
    op: BinaryOp,
    name: &'static str,
    l: V<'a>,
    r: V<'a>,
) -> Result<V<'a>, EvalError> {
    use BinaryOp::{Add, Sub};
    match (&l, &r) {
        (V::Int(a), V::Int(b)) => int_op(op, *a, *b, name),
        (V::Int(a), V::Dec(b)) => dec_op(op, *a as f64, *b, name),
        (V::Dec(a), V::Int(b)) => dec_op(op, *a, *b as f64, name),
        (V::Dec(a), V::Dec(b)) => dec_op(op, *a, *b, name),
        // Architect refuses NOT_SET in arithmetic (guard with `If(IsSet(x), x, 0)`).
        (V::NotSet, _) | (_, V::NotSet) => Err(mismatch(name, &l, &r)),
        // Addition commutes: put the date or duration first.
        (V::Str(_), V::DateTime(_) | V::Date(_) | V::Duration(_)) if op == Add => {
            arithmetic(op, name, r, l)
        }
        (V::DateTime(dt), other) if matches!(op, Add | Sub) => {
            if op == Sub {
                if let Some(other_dt) = other
                    .as_datetime()
                    .filter(|_| !matches!(other, V::Duration(_)))
                {
                    return Ok(V::Duration((*dt - other_dt).num_milliseconds()));
                }
            }
            let ms = other.as_duration().ok_or_else(|| mismatch(name, &l, &r))?;
            let ms = if op == Sub {
                ms.checked_neg()
            } else {
                Some(ms)
            };
            shift(*dt, ms.ok_or(EvalError::Overflow { op: name })?, name)
        }
        (V::Duration(ms), V::DateTime(dt)) if op == Add => shift(*dt, *ms, name),
        (V::Date(d), other) if matches!(op, Add | Sub) => {
            if op == Sub {
                if let V::Date(e) = other {
                    return Ok(V::Duration((*d - *e).num_milliseconds()));
                }
            }
            let ms = other.as_duration().ok_or_else(|| mismatch(name, &l, &r))?;
            let days = ms / 86_400_000;
            let shifted = ChronoDuration::try_days(if op == Sub { -days } else { days })
                .and_then(|delta| d.checked_add_signed(delta));
            shifted.map(V::Date).ok_or(EvalError::Overflow { op: name })
        }
        (V::Time(t), V::Duration(ms)) if matches!(op, Add | Sub) => {
            // A time of day wraps at midnight, so only the remainder of a day matters.
            let ms = ms % 86_400_000;
            let ms = if op == Sub { -ms } else { ms };
            let delta =
                ChronoDuration::try_milliseconds(ms).ok_or(EvalError::Overflow { op: name })?;
            let (shifted, _) = t.overflowing_add_signed(delta);
            Ok(V::Time(shifted))
        }
        (V::Duration(a), b) if matches!(op, Add | Sub) => {
            let b = b.as_duration().ok_or_else(|| mismatch(name, &l, &r))?;
            let sum = if op == Add {
                a.checked_add(b)
            } else {
                a.checked_sub(b)
            };
            sum.map(V::Duration).ok_or(EvalError::Overflow { op: name })
        }
        (V::Duration(a), V::Int(n)) if op == BinaryOp::Mul => a
            .checked_mul(*n)
            .map(V::Duration)
            .ok_or(EvalError::Overflow { op: name }),
        (V::Duration(a), V::Int(n)) if op == BinaryOp::Div => {
            if *n == 0 {
                return Err(EvalError::DivisionByZero { op: name });
            }
            a.checked_div(*n)
                .map(V::Duration)
                .ok_or(EvalError::Overflow { op: name })
        }
        _ => Err(mismatch(name, &l, &r)),
    }
}

fn to_int(d: f64, args: &Args<'_>) -> Result<V<'static>, EvalError> {
    if d.is_finite() && d >= i64::MIN as f64 && d < i64::MAX as f64 {
        Ok(V::Int(d as i64))
    } else {
        Err(args.bad(format!("{d} is out of range")))
    }
}

pub(super) fn call(args: Args<'_>) -> Result<V<'_>, EvalError> {
    use Function as F;
    match args.f {
        F::Abs => match args.get(0) {
            V::Int(i) => i
                .checked_abs()
                .map(V::Int)
                .ok_or(EvalError::Overflow { op: "Abs" }),
            _ => Ok(V::Dec(args.num(0)?.abs())),
        },
        F::Round => {
            let x = args.num(0)?;
            if args.len() > 1 {
                let digits = args.int(1)?.clamp(0, 15) as i32;
                let scale = 10f64.powi(digits);
                Ok(V::Dec((x * scale).round() / scale))
            } else {
                to_int(x.round(), &args)
            }
        }
        F::Floor => to_int(args.num(0)?.floor(), &args),
        F::Ceiling => to_int(args.num(0)?.ceil(), &args),
        F::Truncate => to_int(args.num(0)?.trunc(), &args),
        F::Min | F::Max => {
            // One collection argument, or the values themselves.
            let values: Vec<V<'_>> = match (args.len(), args.get(0).items()) {
                (1, Some(items)) => items,
                _ => args.v.iter().map(V::reborrow).collect(),
            };
            let mut best: Option<V<'_>> = None;
            for v in values {
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let ord = order(&v, &b).ok_or_else(|| {
                            args.bad(format!(
                                "cannot compare {} and {}",
                                v.type_name(),
                                b.type_name()
                            ))
                        })?;
                        let take = if args.f == F::Min {
                            ord.is_lt()
                        } else {
                            ord.is_gt()
                        };
                        if take {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            Ok(best.map_or(V::NotSet, V::into_owned))
        }
        F::Sum | F::Average => {
            let items = args.items(0)?;
            let mut total = V::Int(0);
            for item in &items {
                total = arithmetic(BinaryOp::Add, "Sum", total, item.reborrow().into_owned())?;
            }
            if args.f == F::Sum {
                Ok(total.into_owned())
            } else if items.is_empty() {
                Err(args.bad("the collection is empty"))
            } else {
                arithmetic(
                    BinaryOp::Div,
                    "Average",
                    total.into_owned(),
                    V::Int(items.len() as i64),
                )
                .map(V::into_owned)
            }
        }
        other => Err(args.bad(format!("{} is not a number function", other.name()))),
    }
}
