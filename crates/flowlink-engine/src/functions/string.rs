//! String functions: `Append` (also audio and collections), `Contains` (also collections),
//! `Length`, `FindString`, `Left`, `Right`, `Substring`, `Replace`, `Trim`, `Lower`, `Upper`,
//! `StartsWith`, `EndsWith`, `Split`, `IsEmpty`, `IsNumeric`. Positions count characters,
//! 0-based; `FindString` answers -1 when the text is absent.

use flowlink_model::expr::Function;
use serde_json::Value;

use super::args::owned;
use super::Args;
use crate::eval::{equals, EvalError};
use crate::value::{Audio, V};

pub(super) fn call(mut args: Args<'_>) -> Result<V<'_>, EvalError> {
    use Function as F;
    Ok(match args.f {
        F::Append => return append(&mut args),
        F::Contains => return contains(&args),
        F::Length => match args.get(0) {
            V::Str(s) => V::Int(s.chars().count() as i64),
            V::NotSet => return Err(args.bad("cannot measure NOT_SET")),
            other => match other.items() {
                Some(items) => V::Int(items.len() as i64),
                None => return Err(args.bad(format!("cannot measure {}", other.type_name()))),
            },
        },
        F::IsEmpty => V::Bool(match args.get(0) {
            V::NotSet => true,
            V::Str(s) => s.is_empty(),
            other => other.items().is_some_and(|i| i.is_empty()),
        }),
        F::FindString | F::FindStringReverse => {
            let (hay, needle) = (args.text(0)?, args.text(1)?);
            let at = if args.f == F::FindString {
                hay.find(needle.as_ref())
            } else {
                hay.rfind(needle.as_ref())
            };
            V::Int(at.map_or(-1, |byte| hay[..byte].chars().count() as i64))
        }
        F::Left | F::Right => {
            let text = args.text(0)?;
            let n = count_arg(&args, 1)?;
            let len = text.chars().count();
            let n = n.min(len);
            owned(if args.f == F::Left {
                text.chars().take(n).collect::<String>()
            } else {
                text.chars().skip(len - n).collect::<String>()
            })
        }
        F::Substring => {
            let text = args.text(0)?;
            let start = count_arg(&args, 1)?;
            let length = count_arg(&args, 2)?;
            let len = text.chars().count();
            if start > len {
                return Err(args.bad(format!(
                    "start {start} is past the end of a {len}-character string"
                )));
            }
            owned(text.chars().skip(start).take(length).collect::<String>())
        }
        F::Replace => {
            let (text, find, with) = (args.text(0)?, args.text(1)?, args.text(2)?);
            if find.is_empty() {
                owned(text.into_owned())
            } else {
                owned(text.replace(find.as_ref(), &with))
            }
        }
        F::Trim => owned(args.text(0)?.trim()),
        F::TrimStart => owned(args.text(0)?.trim_start()),
        F::TrimEnd => owned(args.text(0)?.trim_end()),
        F::Lower => owned(args.text(0)?.to_lowercase()),
        F::Upper => owned(args.text(0)?.to_uppercase()),
        F::StartsWith | F::EndsWith => {
            let ignore_case = args.flag(2, false)?;
            let (mut text, mut part) = (args.text(0)?.into_owned(), args.text(1)?.into_owned());
            if ignore_case {
                text = text.to_lowercase();
                part = part.to_lowercase();
            }
            V::Bool(if args.f == F::StartsWith {
                text.starts_with(&part)
            } else {
                text.ends_with(&part)
            })
        }
        F::Split => {
            let (text, sep) = (args.text(0)?, args.text(1)?);
            let parts: Vec<V<'static>> = if sep.is_empty() {
                text.chars().map(|c| owned(c.to_string())).collect()
            } else {
                text.split(sep.as_ref()).map(owned).collect()
            };
            V::List(parts)
        }
        F::IsNumeric => V::Bool(
            args.text(0)?
                .trim()
                .parse::<f64>()
                .is_ok_and(f64::is_finite),
        ),
        other => return Err(args.bad(format!("{} is not a string function", other.name()))),
    })
}

/// A non-negative Integer argument used as a character count or position.
fn count_arg(args: &Args<'_>, i: usize) -> Result<usize, EvalError> {
    let n = args.int(i)?;
    usize::try_from(n).map_err(|_| {
        args.bad(format!(
            "argument {} must not be negative, found {n}",
            i + 1
        ))
    })
}

/// `Append(a, b, …)`: audio when any argument is audio; a collection when the first is one
/// (collections are joined, other values added as items); else text, where NOT_SET adds
/// nothing.
fn append<'a>(args: &mut Args<'a>) -> Result<V<'a>, EvalError> {
    if args.v.iter().any(|v| matches!(v, V::Audio(_))) {
        let mut audio = Audio::default();
        for i in 0..args.len() {
            if matches!(args.get(i), V::NotSet) {
                continue;
            }
            let part = args.audio(i)?;
            audio.parts.extend(part.parts);
            audio.barge_in = part.barge_in.or(audio.barge_in);
        }
        return Ok(V::Audio(audio));
    }
    if args.get(0).items().is_some() {
        let mut out: Vec<V<'static>> = Vec::new();
        for i in 0..args.len() {
            let v = args.take(i);
            match v.items() {
                Some(items) => out.extend(items.into_iter().map(V::into_owned)),
                None => out.push(v.into_owned()),
            }
        }
        return Ok(V::List(out));
    }
    let mut text = String::new();
    for v in &args.v {
        v.push_text(&mut text);
    }
    Ok(owned(text))
}

/// `Contains(text, part[, ignoreCase])` or `Contains(collection, item)`.
fn contains<'a>(args: &Args<'a>) -> Result<V<'a>, EvalError> {
    let ignore_case = args.flag(2, false)?;
    match (args.get(0), args.get(1)) {
        (V::Str(h), V::Str(n)) if ignore_case => {
            Ok(V::Bool(h.to_lowercase().contains(&n.to_lowercase())))
        }
        (V::Str(h), V::Str(n)) => Ok(V::Bool(h.contains(n.as_ref()))),
        (V::Json(Value::Array(_)) | V::Owned(Value::Array(_)) | V::List(_), n) => {
            let items = args.get(0).items().unwrap_or_default();
            Ok(V::Bool(items.iter().any(|i| equals(i, n) == Some(true))))
        }
        (h, n) => Err(args.bad(format!(
            "cannot search {} in {}",
            n.type_name(),
            h.type_name()
        ))),
    }
}
