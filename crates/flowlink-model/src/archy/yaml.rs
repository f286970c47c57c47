//! YAML with positions: a small document tree built from `saphyr-parser` events, where every
//! node knows its line, column and byte range, plus conversion to JSON values (YAML 1.2 core
//! schema: `yes`/`no` are strings) and a plain emitter for the YAML flowlink writes.
//!
//! Why `saphyr-parser`: `serde_yaml` is archived and drops positions. `saphyr-parser` is the
//! maintained successor of `yaml-rust`'s parser; its event API carries a span (line, column,
//! character index) per event, it follows YAML 1.2, and it pulls in only `arraydeque` and
//! `thiserror`. Building the tree here (a few dozen lines) keeps positions without a second
//! crate.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};

use super::ArchyError;

/// Deepest nesting of YAML collections accepted (deeper input is refused, not recursed into).
pub const MAX_YAML_DEPTH: usize = 128;

/// A position in the source: 1-based line and column, and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// One YAML node with where it starts (and, for the byte-preserving edits, where it ends).
#[derive(Debug, Clone, PartialEq)]
pub struct YNode {
    pub start: Pos,
    pub end: Pos,
    pub value: YValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum YValue {
    /// A scalar with whether it was quoted/block (then it is always a string).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<YNode>),
    /// Keys in document order; keys are scalars (their text) with their own position.
    Map(Vec<(String, Pos, YNode)>),
}

impl YNode {
    /// The value under `key` in a map node.
    pub fn get(&self, key: &str) -> Option<&YNode> {
        match &self.value {
            YValue::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Pos, YNode)] {
        match &self.value {
            YValue::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[YNode] {
        match &self.value {
            YValue::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            YValue::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, YValue::Scalar { text, plain: true } if is_null(text))
    }

    /// The JSON value of this node (YAML 1.2 core schema for plain scalars).
    pub fn to_json(&self) -> Value {
        match &self.value {
            YValue::Scalar { text, plain } => {
                if *plain {
                    plain_scalar(text)
                } else {
                    Value::String(text.clone())
                }
            }
            YValue::Seq(items) => Value::Array(items.iter().map(YNode::to_json).collect()),
            YValue::Map(entries) => {
                let mut map = Map::new();
                for (k, _, v) in entries {
                    map.insert(k.clone(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A plain scalar under the YAML 1.2 core schema.
fn plain_scalar(text: &str) -> Value {
    if is_null(text) {
        return Value::Null;
    }
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
    }
    let looks_float = !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body.as_bytes()[0] != b'e'
        && body.as_bytes()[0] != b'E';
    if looks_float {
        if let Ok(f) = text.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(text.to_string())
}

/// Maps the parser's (line, character column) positions to byte offsets: a table of line
/// starts, then a walk along one line (lines are short), so any order of lookups stays cheap.
struct Offsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// ASCII text (most files): a column is a byte count, no walk needed.
    ascii: bool,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            text,
            line_starts,
            ascii: text.is_ascii(),
        }
    }

    fn pos(&mut self, mark: saphyr_parser::Marker) -> Pos {
        let line_start = self
            .line_starts
            .get(mark.line().saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let rest = &self.text[line_start..];
        let offset = line_start
            + if self.ascii {
                mark.col().min(rest.len())
            } else {
                rest.char_indices()
                    .nth(mark.col())
                    .map_or(rest.len(), |(i, _)| i)
            };
        Pos {
            line: mark.line(),
            column: mark.col() + 1,
            offset,
        }
    }

    /// The position of a byte offset (on a character boundary) of the text.
    fn at_offset(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let line_start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Pos {
            line,
            column,
            offset,
        }
    }
}

enum Building {
    Seq(Pos, Vec<YNode>),
    Map(Pos, Vec<(String, Pos, YNode)>, Option<(String, Pos)>),
}

/// Parses one YAML document into a [`YNode`] tree. Anchors/aliases are refused (Archy files do
/// not use them, and expanding them could multiply the document).
pub fn parse_yaml(text: &str) -> Result<YNode, ArchyError> {
    let mut offsets = Offsets::new(text);
    let mut stack: Vec<Building> = Vec::new();
    let mut root: Option<YNode> = None;
    let mut docs = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span): (Event<'_>, Span) = event.map_err(|e| {
            let mut pos = offsets.pos(*e.marker());
            // The scanner reports a tab where the token it was reading began; the user needs
            // the tab itself.
            if e.info().contains("found a tab") {
                if let Some(tab) = text[pos.offset..].find('\t') {
                    pos = offsets.at_offset(pos.offset + tab);
                }
            }
            ArchyError::at(pos, None, format!("YAML syntax error: {}", e.info()))
        })?;
        let start = offsets.pos(span.start);
        let node = match event {
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err(ArchyError::at(
                        start,
                        None,
                        "the file holds more than one YAML document; an Archy file holds one flow",
                    ));
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(ArchyError::at(
                    start,
                    None,
                    "YAML aliases (*name) are not supported in Archy files",
                ))
            }
            Event::Scalar(value, style, _, _) => YNode {
                start,
                end: offsets.pos(span.end),
                value: YValue::Scalar {
                    text: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                },
            },
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_YAML_DEPTH {
                    return Err(ArchyError::at(
                        start,
                        None,
                        format!("YAML nests more than {MAX_YAML_DEPTH} levels"),
                    ));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Building::Seq(start, Vec::new())
                } else {
                    Building::Map(start, Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = offsets.pos(span.end);
                match stack.pop() {
                    Some(Building::Seq(s, items)) => YNode {
                        start: s,
                        end,
                        value: YValue::Seq(items),
                    },
                    Some(Building::Map(s, entries, _)) => YNode {
                        start: s,
                        end,
                        value: YValue::Map(entries),
                    },
                    None => continue,
                }
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Building::Seq(_, items)) => items.push(node),
            Some(Building::Map(_, entries, pending)) => match pending.take() {
                None => match node.value {
                    YValue::Scalar { text, .. } => {
                        if entries.iter().any(|(k, _, _)| *k == text) {
                            return Err(ArchyError::at(
                                node.start,
                                None,
                                format!("duplicate key '{text}'"),
                            ));
                        }
                        *pending = Some((text, node.start));
                    }
                    _ => {
                        return Err(ArchyError::at(
                            node.start,
                            None,
                            "a map key must be a plain value, not a list or map",
                        ))
                    }
                },
                Some((key, key_pos)) => entries.push((key, key_pos, node)),
            },
        }
    }
    root.ok_or_else(|| ArchyError::at(Pos::default(), None, "the file is empty"))
}

/// Parses YAML into a JSON value (used for the CLI's `--logic file.yaml` and `--subs`).
pub fn yaml_to_json(text: &str) -> Result<Value, ArchyError> {
    parse_yaml(text).map(|node| node.to_json())
}

/// Writes a JSON value as block YAML, two-space indented, strings quoted when a plain scalar
/// would read differently. Deterministic: maps keep their order.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_map(out: &mut String, map: &Map<String, Value>, level: usize) {
    for (k, v) in map {
        indent(out, level);
        out.push_str(&key(k));
        write_after_key(out, v, level);
    }
}

fn write_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(":\n");
            write_map(out, m, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(":\n");
            write_seq(out, items, level + 2);
        }
        other => {
            out.push_str(": ");
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first entry sits on the dash line; the rest align under it.
                let mut first = true;
                for (k, v) in m {
                    if !first {
                        indent(out, level + 2);
                    }
                    first = false;
                    out.push_str(&key(k));
                    write_after_key(out, v, level + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn key(k: &str) -> String {
    quote_if_needed(k)
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote_if_needed(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as a plain scalar when that reads back as the same string, else double-quoted.
pub(crate) fn quote_if_needed(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && plain_scalar(s) == Value::String(s.to_string())
        && !s.starts_with(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '-' | '?'
                        | ':'
                        | ','
                        | '['
                        | ']'
                        | '{'
                        | '}'
                        | '#'
                        | '&'
                        | '*'
                        | '!'
                        | '|'
                        | '>'
                        | '\''
                        | '"'
                        | '%'
                        | '@'
                        | '`'
                )
        })
        && !s.ends_with(|c: char| c.is_whitespace() || c == ':')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.chars().any(|c| c.is_control())
        && !matches!(s, "yes" | "no" | "on" | "off" | "y" | "n" | "Yes" | "No");
    if plain_ok {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema_keeps_yes_and_no_as_strings() {
        let v = yaml_to_json("a: yes\nb: no\nc: true\nd: 3\ne: 1.5\nf: ~\ng: '3'\n")
            .expect("valid yaml");
        assert_eq!(
            v,
            json!({"a": "yes", "b": "no", "c": true, "d": 3, "e": 1.5, "f": null, "g": "3"})
        );
    }

    #[test]
    fn a_tab_is_reported_where_it_stands() {
        let e = parse_yaml("inboundCall:\n  name: X\n\tbad: tab\n").expect_err("a tab indents");
        assert_eq!((e.line, e.column), (3, 1), "{e}");
    }

    #[test]
    fn positions_are_one_based_lines_and_columns_with_byte_offsets() {
        let text = "x:\n  é: 1\n  key: [a, b]\n";
        let node = parse_yaml(text).expect("valid");
        let inner = node.get("x").expect("x");
        let (_, pos, _) = &inner.entries()[1];
        assert_eq!((pos.line, pos.column), (3, 3));
        assert_eq!(&text[pos.offset..pos.offset + 3], "key");
    }

    #[test]
    fn emitted_yaml_reads_back_the_same_value() {
        let v = json!({"a": ["x", {"k": "yes", "n": 1, "s": "- dash", "e": "", "q": "a: b"}],
                       "b": {"c": {}, "d": [], "t": true, "u": "true", "m": "multi\nline"}});
        assert_eq!(yaml_to_json(&to_yaml(&v)).expect("reads back"), v);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse_yaml("a:\n  b: [1, 2\nc: 3\n").expect_err("broken");
        assert!(err.line >= 2, "{err}");
    }
}
