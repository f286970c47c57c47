//! The value an expression computes: Architect's data types (SPEC §9, reference §3.7).
//!
//! Stored values are plain `serde_json::Value`s (what the API and the trace show); evaluation
//! borrows from them so reading a variable or a literal copies nothing. Types JSON has no
//! word for are stored in Architect's text forms and read back by the functions that expect
//! them ([`V::as_datetime`], [`V::as_duration`], …):
//! DateTime `2026-11-30T09:00:00.000Z`, Date `2026-11-30`, Time `09:00:00`, Duration
//! `P0DT1H30M0S` (ISO-8601, as Architect's `ToString` writes it; a `{seconds|ms|minutes|
//! hours|days: n}` object, Archy's duration literal, reads as a Duration too) and Audio as
//! `{"type": "audio", "text": …, "parts": [{"tts"|"blankMs"|"prompt": …}]}`.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use flowlink_model::expr::Literal;
use serde_json::{json, Map, Value};

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V<'a> {
    NotSet,
    Bool(bool),
    Int(i64),
    Dec(f64),
    Str(Cow<'a, str>),
    /// A stored JSON array or object, borrowed.
    Json(&'a Value),
    /// A computed JSON object (a parsed JSON, a phone number, a queue by name, …).
    Owned(Value),
    /// A computed collection.
    List(Vec<V<'a>>),
    DateTime(DateTime<Utc>),
    Date(NaiveDate),
    Time(NaiveTime),
    /// A duration in milliseconds (may be negative, as a difference of two DateTimes).
    Duration(i64),
    Audio(Audio),
}

/// Audio built by `ToAudioTTS` & co: what the caller hears, part by part.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Audio {
    pub(crate) parts: Vec<AudioPart>,
    /// `AudioPlaybackOptions(audio, bargeIn)`; `None` when not given.
    pub(crate) barge_in: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AudioPart {
    Tts(String),
    /// Silence, in milliseconds.
    Blank(i64),
    /// A prompt by name (`Prompt.Welcome`, `PromptSystem.on_hold_music`).
    Prompt(String),
}

impl Audio {
    /// The words a trace shows: TTS text and prompt names (`[prompt X]`), joined by spaces;
    /// silence says nothing.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            let piece = match part {
                AudioPart::Tts(t) => Cow::Borrowed(t.as_str()),
                AudioPart::Prompt(p) => Cow::Owned(format!("[prompt {p}]")),
                AudioPart::Blank(_) => continue,
            };
            if piece.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&piece);
        }
        out
    }

    fn to_json(&self) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|p| match p {
                AudioPart::Tts(t) => json!({ "tts": t }),
                AudioPart::Blank(ms) => json!({ "blankMs": ms }),
                AudioPart::Prompt(name) => json!({ "prompt": name }),
            })
            .collect();
        let mut obj = Map::new();
        obj.insert("type".into(), "audio".into());
        obj.insert("text".into(), self.text().into());
        obj.insert("parts".into(), parts.into());
        if let Some(b) = self.barge_in {
            obj.insert("bargeIn".into(), b.into());
        }
        Value::Object(obj)
    }

    /// Reads the stored form back (see the module header).
    fn from_json(value: &Value) -> Option<Audio> {
        let obj = value.as_object()?;
        if obj.get("type")?.as_str()? != "audio" {
            return None;
        }
        let parts = obj
            .get("parts")?
            .as_array()?
            .iter()
            .filter_map(|p| {
                if let Some(t) = p.get("tts").and_then(Value::as_str) {
                    Some(AudioPart::Tts(t.to_owned()))
                } else if let Some(ms) = p.get("blankMs").and_then(Value::as_i64) {
                    Some(AudioPart::Blank(ms))
                } else {
                    p.get("prompt")
                        .and_then(Value::as_str)
                        .map(|n| AudioPart::Prompt(n.to_owned()))
                }
            })
            .collect();
        Some(Audio {
            parts,
            barge_in: obj.get("bargeIn").and_then(Value::as_bool),
        })
    }
}

/// The text form of a DateTime: ISO-8601 UTC with milliseconds.
pub(crate) fn format_datetime(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Architect's duration text: `P{d}DT{h}H{m}M{s}S`, every part written, milliseconds as
/// decimals when there are any, a leading `-` for a negative duration.
pub(crate) fn format_duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    let (hours, rest) = (rest / 3_600_000, rest % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    let frac = if millis == 0 {
        String::new()
    } else {
        format!(".{millis:03}")
    };
    format!("{sign}P{days}DT{hours}H{minutes}M{seconds}{frac}S")
}

/// Parses an ISO-8601 duration (`PT5M`, `P1DT2H3M4.5S`, `-PT1S`, Architect's `T0H1M0S`).
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let text = text.strip_prefix('P').unwrap_or(text);
    if text.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in text.chars() {
        match c {
            'T' if number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(c),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                let factor = match (unit, in_time) {
                    ('W', false) => 604_800_000.0,
                    ('D', false) => 86_400_000.0,
                    ('H', true) => 3_600_000.0,
                    ('M', true) => 60_000.0,
                    ('S', true) => 1000.0,
                    _ => return None,
                };
                total += n * factor;
                any = true;
            }
        }
    }
    if !number.is_empty() || !any || !total.is_finite() || total.abs() > 9.0e15 {
        return None;
    }
    let ms = total.round() as i64;
    Some(if negative { -ms } else { ms })
}

/// Parses a DateTime as Architect and JSON write it: RFC 3339 (any offset, converted to UTC),
/// or without an offset (taken as UTC), with a `T` or a space, seconds optional.
pub(crate) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    let bare = text.strip_suffix('Z').unwrap_or(text);
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(bare, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(bare, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

fn duration_object(obj: &Map<String, Value>) -> Option<i64> {
    if obj.is_empty() {
        return None;
    }
    let mut total = 0f64;
    for (key, value) in obj {
        let factor = match key.as_str() {
            "ms" | "milliseconds" => 1.0,
            "seconds" | "s" => 1000.0,
            "minutes" => 60_000.0,
            "hours" => 3_600_000.0,
            "days" => 86_400_000.0,
            _ => return None,
        };
        total += value.as_f64()? * factor;
    }
    (total.is_finite() && total.abs() <= 9.0e15).then(|| total.round() as i64)
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
            Value::Object(_) => match Audio::from_json(value) {
                Some(audio) => V::Audio(audio),
                None => V::Json(value),
            },
            Value::Array(_) => V::Json(value),
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
            V::Json(Value::Array(_)) | V::Owned(Value::Array(_)) | V::List(_) => "Collection",
            V::Json(_) | V::Owned(_) => "JSON",
            V::DateTime(_) => "DateTime",
            V::Date(_) => "Date",
            V::Time(_) => "Time",
            V::Duration(_) => "Duration",
            V::Audio(_) => "Audio",
        }
    }

    /// The value to store; NOT_SET becomes JSON `null` and a non-finite decimal too (JSON
    /// cannot hold it). Types without a JSON word take the text forms of the module header.
    pub(crate) fn into_json(self) -> Value {
        match self {
            V::NotSet => Value::Null,
            V::Bool(b) => Value::Bool(b),
            V::Int(i) => Value::from(i),
            V::Dec(d) => serde_json::Number::from_f64(d).map_or(Value::Null, Value::Number),
            V::Str(s) => Value::String(s.into_owned()),
            V::Json(v) => v.clone(),
            V::Owned(v) => v,
            V::List(items) => Value::Array(items.into_iter().map(V::into_json).collect()),
            V::DateTime(dt) => Value::String(format_datetime(&dt)),
            V::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            V::Time(t) => Value::String(t.format("%H:%M:%S").to_string()),
            V::Duration(ms) => Value::String(format_duration(ms)),
            V::Audio(audio) => audio.to_json(),
        }
    }

    /// Text form used by `ToString`, concatenation, tags, prompts and queue names. `None` for
    /// NOT_SET, which has no text.
    pub(crate) fn into_text(self) -> Option<Cow<'a, str>> {
        Some(match self {
            V::NotSet => return None,
            V::Str(s) => s,
            V::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
            V::Audio(audio) => Cow::Owned(audio.text()),
            other => {
                let mut out = String::new();
                other.push_text(&mut out);
                Cow::Owned(out)
            }
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
            V::Owned(v) => {
                let _ = write!(out, "{v}");
            }
            V::List(items) => {
                let value = Value::Array(items.iter().cloned().map(V::into_json).collect());
                let _ = write!(out, "{value}");
            }
            V::DateTime(dt) => out.push_str(&format_datetime(dt)),
            V::Date(d) => {
                let _ = write!(out, "{}", d.format("%Y-%m-%d"));
            }
            V::Time(t) => {
                let _ = write!(out, "{}", t.format("%H:%M:%S"));
            }
            V::Duration(ms) => out.push_str(&format_duration(*ms)),
            V::Audio(audio) => out.push_str(&audio.text()),
        }
        true
    }

    /// This value as a DateTime: a DateTime, a Date (midnight UTC) or text in a DateTime form.
    pub(crate) fn as_datetime(&self) -> Option<DateTime<Utc>> {
        match self {
            V::DateTime(dt) => Some(*dt),
            V::Date(d) => d.and_hms_opt(0, 0, 0).map(|n| n.and_utc()),
            V::Str(s) => parse_datetime(s),
            _ => None,
        }
    }

    /// This value as a Date: a Date, a DateTime's date or text `YYYY-MM-DD`/a DateTime.
    pub(crate) fn as_date(&self) -> Option<NaiveDate> {
        match self {
            V::Date(d) => Some(*d),
            V::Str(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .or_else(|| parse_datetime(s).map(|dt| dt.date_naive())),
            other => other.as_datetime().map(|dt| dt.date_naive()),
        }
    }

    /// This value as a Time: a Time, a DateTime's time or text `HH:MM[:SS]`.
    pub(crate) fn as_time(&self) -> Option<NaiveTime> {
        match self {
            V::Time(t) => Some(*t),
            V::Str(s) => ["%H:%M:%S%.f", "%H:%M"]
                .iter()
                .find_map(|f| NaiveTime::parse_from_str(s.trim(), f).ok())
                .or_else(|| parse_datetime(s).map(|dt| dt.time())),
            V::DateTime(dt) => Some(dt.time()),
            _ => None,
        }
    }

    /// This value as a Duration in milliseconds: a Duration, ISO-8601 text or a duration object.
    pub(crate) fn as_duration(&self) -> Option<i64> {
        match self {
            V::Duration(ms) => Some(*ms),
            V::Str(s) => parse_duration(s),
            V::Json(Value::Object(obj)) | V::Owned(Value::Object(obj)) => duration_object(obj),
            _ => None,
        }
    }

    /// This value as audio: audio, or text spoken as TTS.
    pub(crate) fn as_audio(&self) -> Option<Audio> {
        match self {
            V::Audio(a) => Some(a.clone()),
            V::Str(s) => Some(Audio {
                parts: vec![AudioPart::Tts(s.to_string())],
                barge_in: None,
            }),
            _ => None,
        }
    }

    /// The items of a collection (stored arrays are read item by item); `None` if not one.
    pub(crate) fn items(&self) -> Option<Vec<V<'_>>> {
        match self {
            V::List(items) => Some(items.iter().map(V::reborrow).collect()),
            V::Json(Value::Array(items)) => Some(items.iter().map(V::of).collect()),
            V::Owned(Value::Array(items)) => Some(items.iter().map(V::of).collect()),
            _ => None,
        }
    }

    /// A copy that borrows from `self` where `self` borrows or owns text.
    pub(crate) fn reborrow(&self) -> V<'_> {
        match self {
            V::Str(s) => V::Str(Cow::Borrowed(s.as_ref())),
            V::Json(v) => V::Json(v),
            V::Owned(v) => V::Json(v),
            V::List(items) => V::List(items.iter().map(V::reborrow).collect()),
            V::NotSet => V::NotSet,
            V::Bool(b) => V::Bool(*b),
            V::Int(i) => V::Int(*i),
            V::Dec(d) => V::Dec(*d),
            V::DateTime(dt) => V::DateTime(*dt),
            V::Date(d) => V::Date(*d),
            V::Time(t) => V::Time(*t),
            V::Duration(ms) => V::Duration(*ms),
            V::Audio(a) => V::Audio(a.clone()),
        }
    }

    /// An owned copy that outlives whatever `self` borrows.
    pub(crate) fn into_owned(self) -> V<'static> {
        match self {
            V::Str(s) => V::Str(Cow::Owned(s.into_owned())),
            V::Json(v) => V::Owned(v.clone()),
            V::Owned(v) => V::Owned(v),
            V::List(items) => V::List(items.into_iter().map(V::into_owned).collect()),
            V::NotSet => V::NotSet,
            V::Bool(b) => V::Bool(b),
            V::Int(i) => V::Int(i),
            V::Dec(d) => V::Dec(d),
            V::DateTime(dt) => V::DateTime(dt),
            V::Date(d) => V::Date(d),
            V::Time(t) => V::Time(t),
            V::Duration(ms) => V::Duration(ms),
            V::Audio(a) => V::Audio(a),
        }
    }
}

/// Year/month/day accessors shared by DateTime and Date functions.
pub(crate) fn ymd(date: NaiveDate) -> (i64, i64, i64) {
    (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    )
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
            (
                json!({"type": "audio", "text": "hi", "parts": [{"tts": "hi"}, {"blankMs": 5}]}),
                "Audio",
            ),
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

    #[test]
    fn durations_and_datetimes_round_trip_through_text() {
        for (ms, text) in [
            (0, "P0DT0H0M0S"),
            (90_000, "P0DT0H1M30S"),
            (86_400_000 + 3_723_500, "P1DT1H2M3.500S"),
            (-1000, "-P0DT0H0M1S"),
        ] {
            assert_eq!(format_duration(ms), text);
            assert_eq!(parse_duration(text), Some(ms));
        }
        assert_eq!(parse_duration("PT5M"), Some(300_000));
        assert_eq!(parse_duration("T0H1M0S"), Some(60_000));
        assert_eq!(parse_duration("P1W"), Some(604_800_000));
        for bad in ["", "P", "PT", "5", "PT5X", "P1H", "PTM"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let dt = parse_datetime("2026-11-30T09:15:00+01:00").expect("parses");
        assert_eq!(format_datetime(&dt), "2026-11-30T08:15:00.000Z");
        assert_eq!(
            parse_datetime("2026-11-30 08:15").map(|d| format_datetime(&d)),
            Some("2026-11-30T08:15:00.000Z".into())
        );
        let minutes = json!({"minutes": 5});
        assert_eq!(V::of(&minutes).as_duration(), Some(300_000));
    }
}
