//! Test files (SPEC §10, `*.test.yaml`) into [`TestFile`]s: the flow under test, each case's
//! simulation input with the file's `defaults` merged in, and its expectations. Pure: the text
//! comes in, nothing is read here. Every error names the file and line.
//!
//! Parsed over the positioned YAML tree of `flowlink_model::archy::yaml` (the one the Archy
//! dialect uses), so every key keeps its line. The format is a contract; flowlink's one
//! extension is the optional case key `snapshot: true` (the case `--update` rewrites).

use flowlink_engine::Simulation;
use flowlink_model::archy::yaml::{parse_yaml, Pos, YNode, YValue};
use serde_json::{Map, Value};

use crate::error::TestError;
use crate::expect::{Expect, ModuleExpect, OutcomeExpect, TextMatch};

const TOP_KEYS: &[&str] = &["flow", "defaults", "cases"];
const DEFAULTS_KEYS: &[&str] = &["call"];
const CASE_KEYS: &[&str] = &["name", "call", "expect", "snapshot"];
/// SPEC §6 and §9's simulation input, plus the flow's `inputData`.
const CALL_KEYS: &[&str] = &[
    "ani",
    "dnis",
    "digits",
    "dataActions",
    "dataTables",
    "now",
    "schedules",
    "queues",
    "language",
    "participantData",
    "inputData",
];
const EXPECT_KEYS: &[&str] = &[
    "outcome",
    "prompts",
    "notPrompts",
    "participantData",
    "tags",
    "modules",
    "maxActions",
];
/// Call keys whose plain scalars are text even when they look like numbers (`+14165550123`).
const TEXT_KEYS: &[&str] = &["ani", "dnis", "now", "language", "digits"];

/// One parsed test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The file as given.
    pub file: String,
    /// The flow under test, by name or id.
    pub flow: String,
    /// Line of the `flow` key.
    pub flow_line: usize,
    pub cases: Vec<Case>,
}

/// One case: its call (defaults merged in) and what it expects.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// Line where the case starts.
    pub line: usize,
    /// The merged call as JSON (the server mode sends it).
    pub call: Map<String, Value>,
    /// The merged call for the engine.
    pub simulation: Simulation,
    pub expect: Expect,
    /// Where `--update` writes this case's `expect` (cases with `snapshot: true`).
    pub snapshot: Option<SnapshotPlace>,
}

/// The bytes of the file a snapshot case's `expect` occupies (or where it goes), and the
/// indentation of the case's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPlace {
    pub start: usize,
    pub end: usize,
    pub indent: usize,
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, pos: Pos, message: impl Into<String>) -> TestError {
        TestError::at(self.file, pos.line, message)
    }

    fn check_keys(&self, node: &YNode, allowed: &[&str], what: &str) -> Result<(), TestError> {
        if !matches!(node.value, YValue::Map(_)) {
            return Err(self.err(node.start, format!("{what} is a map of keys")));
        }
        for (key, pos, _) in node.entries() {
            if !allowed.contains(&key.as_str()) {
                return Err(self.err(
                    *pos,
                    format!(
                        "unknown key `{key}` in {what} (expected one of: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn text<'n>(&self, node: &'n YNode, what: &str) -> Result<&'n str, TestError> {
        match &node.value {
            YValue::Scalar { text, .. } if !node.is_null() => Ok(text),
            _ => Err(self.err(node.start, format!("{what} is a text value"))),
        }
    }

    fn texts(&self, node: &YNode, what: &str) -> Result<Vec<String>, TestError> {
        match &node.value {
            YValue::Seq(items) => items
                .iter()
                .map(|i| {
                    self.text(i, &format!("each entry of {what}"))
                        .map(str::to_string)
                })
                .collect(),
            _ => Err(self.err(node.start, format!("{what} is a list, e.g. [\"a\", \"b\"]"))),
        }
    }
}

/// The JSON of a call value; `TEXT_KEYS` keep plain scalars as written.
fn call_json(key: &str, node: &YNode) -> Value {
    fn text_of(node: &YNode) -> Value {
        match &node.value {
            YValue::Scalar { text, .. } if !node.is_null() => Value::String(text.clone()),
            YValue::Seq(items) => Value::Array(items.iter().map(text_of).collect()),
            _ => node.to_json(),
        }
    }
    if TEXT_KEYS.contains(&key) {
        text_of(node)
    } else {
        node.to_json()
    }
}

/// The call map of `node`, each key checked by reading it into a [`Simulation`] on its own so
/// a bad value is reported at its line.
fn call_map(ctx: &Ctx, node: &YNode, what: &str) -> Result<Map<String, Value>, TestError> {
    ctx.check_keys(node, CALL_KEYS, what)?;
    let mut map = Map::new();
    for (key, pos, value) in node.entries() {
        let json = call_json(key, value);
        if key != "inputData" {
            let one = Value::Object(Map::from_iter([(key.clone(), json.clone())]));
            if let Err(e) = serde_json::from_value::<Simulation>(one) {
                return Err(ctx.err(*pos, format!("`{key}` in {what} is malformed: {e}")));
            }
        } else if !json.is_object() {
            return Err(ctx.err(*pos, "`inputData` is a map of variable: value"));
        }
        map.insert(key.clone(), json);
    }
    Ok(map)
}

/// `over` merged onto `base`: maps merge key by key, anything else in `over` wins.
fn merge(base: &Map<String, Value>, over: &Map<String, Value>) -> Map<String, Value> {
    let mut out = base.clone();
    for (k, v) in over {
        let merged = match (out.get(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => Value::Object(merge(a, b)),
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

/// The engine's [`Simulation`] for a merged call.
pub fn simulation_of(call: &Map<String, Value>) -> Result<Simulation, serde_json::Error> {
    serde_json::from_value(Value::Object(call.clone()))
}

fn outcome(ctx: &Ctx, node: &YNode) -> Result<OutcomeExpect, TestError> {
    let malformed = || {
        ctx.err(
            node.start,
            "`outcome` is `disconnected`, `{transferred: QUEUE}` or `{failed: \"text\"}`",
        )
    };
    match &node.value {
        YValue::Scalar { text, .. } if text == "disconnected" => Ok(OutcomeExpect::Disconnected),
        YValue::Map(entries) if entries.len() == 1 => {
            let (key, pos, value) = &entries[0];
            match key.as_str() {
                "transferred" => Ok(OutcomeExpect::Transferred(
                    ctx.text(value, "the queue of `transferred`")?.to_string(),
                )),
                "failed" => TextMatch::parse(ctx.text(value, "the reason of `failed`")?)
                    .map(OutcomeExpect::Failed)
                    .map_err(|e| ctx.err(value.start, e)),
                other => Err(ctx.err(
                    *pos,
                    format!("unknown outcome `{other}` (expected transferred or failed)"),
                )),
            }
        }
        _ => Err(malformed()),
    }
}

fn matches_of(ctx: &Ctx, node: &YNode, what: &str) -> Result<Vec<TextMatch>, TestError> {
    let texts = ctx.texts(node, what)?;
    texts
        .iter()
        .zip(node.items())
        .map(|(t, n)| TextMatch::parse(t).map_err(|e| ctx.err(n.start, e)))
        .collect()
}

fn expect(ctx: &Ctx, node: &YNode) -> Result<Expect, TestError> {
    let mut out = Expect::default();
    if node.is_null() {
        return Ok(out);
    }
    ctx.check_keys(node, EXPECT_KEYS, "expect")?;
    for (key, pos, value) in node.entries() {
        match key.as_str() {
            "outcome" => out.outcome = Some(outcome(ctx, value)?),
            "prompts" => out.prompts = matches_of(ctx, value, "prompts")?,
            "notPrompts" => out.not_prompts = matches_of(ctx, value, "notPrompts")?,
            "participantData" => match value.to_json() {
                Value::Object(map) => out.participant_data = map,
                _ => return Err(ctx.err(*pos, "`participantData` is a map of key: value")),
            },
            "tags" => out.tags = ctx.texts(value, "tags")?,
            "modules" => {
                out.modules = ctx
                    .texts(value, "modules")?
                    .iter()
                    .zip(value.items())
                    .map(|(t, n)| ModuleExpect::parse(t).map_err(|e| ctx.err(n.start, e)))
                    .collect::<Result<_, _>>()?
            }
            "maxActions" => {
                let n = ctx.text(value, "maxActions")?;
                out.max_actions = Some(n.parse().map_err(|_| {
                    ctx.err(*pos, format!("`maxActions` is a whole number, not `{n}`"))
                })?);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The end of the last scalar under `node` (block collections have no reliable end of their own).
fn last_end(node: &YNode) -> Pos {
    match &node.value {
        YValue::Scalar { .. } => node.end,
        YValue::Seq(items) => items.last().map_or(node.end, last_end),
        YValue::Map(entries) => entries
            .last()
            .map_or(node.end, |(_, _, v)| last_end(v).max_by_offset(node.start)),
    }
}

trait MaxOffset {
    fn max_by_offset(self, other: Pos) -> Pos;
}

impl MaxOffset for Pos {
    fn max_by_offset(self, other: Pos) -> Pos {
        if other.offset > self.offset {
            other
        } else {
            self
        }
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

fn line_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

fn snapshot_place(text: &str, case: &YNode) -> Option<SnapshotPlace> {
    let (_, first_pos, _) = case.entries().first()?;
    let indent = first_pos.column.saturating_sub(1);
    let place = match case.entries().iter().find(|(k, _, _)| k == "expect") {
        Some((_, kpos, value)) => SnapshotPlace {
            start: line_start(text, kpos.offset),
            end: line_end(text, last_end(value).max_by_offset(*kpos).offset),
            indent,
        },
        None => {
            let at = line_end(text, last_end(case).offset);
            SnapshotPlace {
                start: at,
                end: at,
                indent,
            }
        }
    };
    Some(place)
}

/// Parses one test file's text; `file` names it in errors.
pub fn parse_test_file(file: &str, text: &str) -> Result<TestFile, TestError> {
    let ctx = Ctx { file };
    let root = parse_yaml(text).map_err(|e| TestError::at(file, e.line, e.message))?;
    ctx.check_keys(&root, TOP_KEYS, "a test file")?;
    let Some((_, flow_pos, flow_node)) = root.entries().iter().find(|(k, _, _)| k == "flow") else {
        return Err(TestError::at(
            file,
            1,
            "a test file names its `flow` (by name or id)",
        ));
    };
    let flow = ctx.text(flow_node, "`flow`")?.to_string();
    let mut defaults = Map::new();
    if let Some(d) = root.get("defaults").filter(|d| !d.is_null()) {
        ctx.check_keys(d, DEFAULTS_KEYS, "defaults")?;
        if let Some(call) = d.get("call").filter(|c| !c.is_null()) {
            defaults = call_map(&ctx, call, "defaults.call")?;
        }
    }
    let Some(cases_node) = root.get("cases") else {
        return Err(TestError::at(file, 1, "a test file has a list of `cases`"));
    };
    if !matches!(cases_node.value, YValue::Seq(_)) {
        return Err(ctx.err(
            cases_node.start,
            "`cases` is a list of cases (`- name: ...`)",
        ));
    }
    let mut cases = Vec::new();
    for (i, node) in cases_node.items().iter().enumerate() {
        ctx.check_keys(node, CASE_KEYS, "a case")?;
        let name = match node.get("name") {
            Some(n) => ctx.text(n, "a case's `name`")?.to_string(),
            None => format!("case {}", i + 1),
        };
        let own = match node.get("call").filter(|c| !c.is_null()) {
            Some(c) => call_map(&ctx, c, "call")?,
            None => Map::new(),
        };
        let call = merge(&defaults, &own);
        let simulation = simulation_of(&call)
            .map_err(|e| ctx.err(node.start, format!("the case's call is malformed: {e}")))?;
        let expect = match node.get("expect") {
            Some(e) => expect(&ctx, e)?,
            None => Expect::default(),
        };
        let snapshot = match node.get("snapshot") {
            Some(s) => match s.as_str() {
                Some("true") => snapshot_place(text, node),
                Some("false") => None,
                _ => return Err(ctx.err(s.start, "`snapshot` is true or false")),
            },
            None => None,
        };
        cases.push(Case {
            name,
            line: node.start.line,
            call,
            simulation,
            expect,
            snapshot,
        });
    }
    Ok(TestFile {
        file: file.to_string(),
        flow,
        flow_line: flow_pos.line,
        cases,
    })
}
