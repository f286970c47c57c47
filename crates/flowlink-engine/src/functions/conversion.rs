//! Conversions: `ToString` (a collection with a separator joins its items), `ToInt`,
//! `ToDecimal`, `ToBool`, `ToDisplayString` (NOT_SET shows as ""), `ToPhoneNumber`
//! (`{raw, e164}`), `ToCommunication`/`MakeCommunication` (bot-flow text, NOT_SET adds
//! nothing), `JsonParse`, `ToJson`, `GetJsonObjectProperty`, `JsonObjectContainsKey`,
//! `ResolveSlot`.

use std::borrow::Cow;

use flowlink_model::expr::Function;
use serde_json::{json, Value};

use super::args::owned;
use super::Args;
use crate::eval::{member, EvalError};
use crate::value::V;

pub(super) fn call(mut args: Args<'_>) -> Result<V<'_>, EvalError> {
    use Function as F;
    Ok(match args.f {
        F::ToString => {
            if args.len() > 1 {
                let sep = args.text(1)?.into_owned();
                if let Some(items) = args.get(0).items() {
                    return Ok(owned(join(items, &sep)));
                }
            }
            let v = args.take(0);
            v.into_text().map_or(V::NotSet, V::Str)
        }
        F::ToDisplayString => {
            let v = args.take(0);
            match v.items() {
                Some(items) => owned(join(items, ", ")),
                None => V::Str(v.into_text().unwrap_or(Cow::Borrowed(""))),
            }
        }
        F::ToInt => match args.get(0) {
            V::Int(i) => V::Int(*i),
            V::Dec(d) => dec_to_int(*d).ok_or_else(|| args.bad(format!("{d} is out of range")))?,
            V::Bool(b) => V::Int(i64::from(*b)),
            V::Str(s) => {
                parse_int(s).ok_or_else(|| args.bad(format!("\"{s}\" is not a number")))?
            }
            v => return Err(args.bad(format!("cannot convert {} to Integer", v.type_name()))),
        },
        F::ToDecimal => match args.get(0) {
            V::Int(i) => V::Dec(*i as f64),
            V::Dec(d) => V::Dec(*d),
            V::Str(s) => V::Dec(
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|d| d.is_finite())
                    .ok_or_else(|| args.bad(format!("\"{s}\" is not a number")))?,
            ),
            v => return Err(args.bad(format!("cannot convert {} to Decimal", v.type_name()))),
        },
        F::ToBool => match args.get(0) {
            V::Bool(b) => V::Bool(*b),
            V::Int(i) => V::Bool(*i != 0),
            V::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => V::Bool(true),
                "false" | "0" | "no" => V::Bool(false),
                _ => return Err(args.bad(format!("\"{s}\" is not true or false"))),
            },
            v => return Err(args.bad(format!("cannot convert {} to Boolean", v.type_name()))),
        },
        F::ToPhoneNumber => {
            let raw = args.text(0)?.into_owned();
            let e164 = e164(&raw);
            V::Owned(
                json!({"raw": raw, "e164": e164, "isTel": raw.to_ascii_lowercase().starts_with("tel:")}),
            )
        }
        F::ToCommunication => V::Str(args.take(0).into_text().unwrap_or(Cow::Borrowed(""))),
        F::MakeCommunication => {
            let mut text = String::new();
            for v in &args.v {
                v.push_text(&mut text);
            }
            owned(text)
        }
        F::JsonParse => {
            let text = args.text(0)?;
            let parsed: Value = serde_json::from_str(&text)
                .map_err(|e| args.bad(format!("not valid JSON: {e}")))?;
            V::Owned(parsed)
        }
        F::ToJson => V::Owned(args.take(0).into_json()),
        F::GetJsonObjectProperty | F::JsonObjectContainsKey => {
            let object = json_object(&mut args)?;
            let key = args.text(1)?.into_owned();
            let found = member(object, &key);
            if args.f == F::JsonObjectContainsKey {
                V::Bool(!matches!(found, V::NotSet))
            } else {
                found
            }
        }
        F::ResolveSlot => args.take(0),
        other => return Err(args.bad(format!("{} is not a conversion function", other.name()))),
    })
}

/// The first argument as a JSON object: a JSON value, or text holding JSON.
fn json_object<'a>(args: &mut Args<'a>) -> Result<V<'a>, EvalError> {
    match args.take(0) {
        V::Str(text) => serde_json::from_str::<Value>(&text)
            .map(V::Owned)
            .map_err(|e| args.bad(format!("not valid JSON: {e}"))),
        v @ (V::Json(Value::Object(_)) | V::Owned(Value::Object(_))) => Ok(v),
        v => Err(args.bad(format!("argument 1 must be JSON, found {}", v.type_name()))),
    }
}

fn join(items: Vec<V<'_>>, sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        item.push_text(&mut out);
    }
    out
}

/// A phone number in E.164: `tel:`/`sip:` prefixes, parameters and punctuation dropped; a
/// 10-digit number is taken as North American (`+1`).
fn e164(raw: &str) -> String {
    let lowered = raw.trim().to_ascii_lowercase();
    let body = lowered
        .strip_prefix("tel:")
        .or_else(|| lowered.strip_prefix("sip:"))
        .unwrap_or(&lowered);
    let body = body.split(['@', ';']).next().unwrap_or(body);
    let plus = body.trim_start().starts_with('+');
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return String::new();
    }
    if !plus && digits.len() == 10 {
        format!("+1{digits}")
    } else {
        format!("+{digits}")
    }
}

pub(super) fn dec_to_int(d: f64) -> Option<V<'static>> {
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
    use super::e164;

    #[test]
    fn phone_numbers_normalise_to_e164() {
        assert_eq!(e164("tel:+1 (317) 555-0100"), "+13175550100");
        assert_eq!(e164("3175550100"), "+13175550100");
        assert_eq!(
            e164("sip:+4520304050@example.com;user=phone"),
            "+4520304050"
        );
        assert_eq!(e164("anonymous"), "");
    }
}
