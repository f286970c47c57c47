//! One Archy action's fields → its [`ArchyOp`]: the value forms (`lit`/`exp`/`var`/`noValue`,
//! audio `tts`/`prompt`), write targets, and the fields of every simulated action. Errors name
//! the field's line:column and the action.

use serde_json::Value;

use super::expr::parse_archy_expression;
use super::node::{ArchyOp, SwitchCase};
use super::yaml::{Pos, YNode, YValue};
use super::ArchyError;
use crate::expr::Expr;
use crate::graph::{DataTarget, ModuleCall, NodeKind, Prompt, ValueSource};

/// Parses values and targets of one action, naming it in errors.
pub(crate) struct Ctx<'a> {
    pub action: &'a str,
}

/// What the op of a jump/call still needs: the reference to resolve after all containers are
/// known.
pub(crate) enum Needs {
    Nothing,
    Jump(String, Pos),
    CallTask(String, Pos),
    EnclosingLoop(fn(usize) -> ArchyOp),
}

impl Ctx<'_> {
    pub(crate) fn err(&self, pos: Pos, message: impl Into<String>) -> ArchyError {
        ArchyError::at(pos, Some(self.action.to_string()), message)
    }

    pub(crate) fn expression(&self, text: &str, pos: Pos) -> Result<Expr, ArchyError> {
        parse_archy_expression(text).map_err(|e| {
            self.err(
                Pos {
                    column: pos.column + e.column.saturating_sub(1),
                    ..pos
                },
                format!("expression `{}`: {}", excerpt(text), e.message),
            )
        })
    }

    /// A value in one of the wrapper forms; `None` for `noValue`.
    pub(crate) fn value(&self, node: &YNode) -> Result<ValueSource, ArchyError> {
        if let Some(exp) = node.get("exp") {
            let text = scalar_text(exp).ok_or_else(|| self.err(exp.start, "exp: must be text"))?;
            let expr = self.expression(&text, exp.start)?;
            return Ok(ValueSource::Expression { text, expr });
        }
        if let Some(lit) = node.get("lit") {
            // `{name: X}` stays an object: the engine reads named objects (queues, schedule
            // groups) as `{"name": X}`, like the expression language's ToQueue & co.
            return Ok(ValueSource::Literal(lit.to_json()));
        }
        if let Some(var) = node.get("var") {
            let text = scalar_text(var).ok_or_else(|| self.err(var.start, "var: must be text"))?;
            let expr = self.expression(&text, var.start)?;
            return Ok(ValueSource::Expression { text, expr });
        }
        if node.get("noValue").is_some() {
            return Ok(ValueSource::Literal(Value::Null));
        }
        match &node.value {
            YValue::Scalar { .. } => Ok(ValueSource::Literal(node.to_json())),
            _ => Ok(ValueSource::Literal(node.to_json())),
        }
    }

    /// A write target: `{var: Task.x}` or a bare `Task.x`; `None` for `noValue`.
    pub(crate) fn target(&self, node: &YNode) -> Result<Option<DataTarget>, ArchyError> {
        let (text_node, text) = if let Some(var) = node.get("var") {
            (var, scalar_text(var))
        } else if node.get("noValue").is_some() || node.is_null() {
            return Ok(None);
        } else {
            (node, scalar_text(node))
        };
        let text = text.ok_or_else(|| self.err(text_node.start, "must name a variable"))?;
        // `Interaction.data.x` is participant data, as in the JSON dialects.
        if let Some(key) = text
            .get(..17)
            .filter(|p| p.eq_ignore_ascii_case("Interaction.data."))
            .map(|_| &text[17..])
        {
            return Ok(Some(DataTarget::Participant(key.to_string())));
        }
        match self.expression(&text, text_node.start)? {
            Expr::Var(var) => Ok(Some(DataTarget::Variable(var))),
            _ => Err(self.err(
                text_node.start,
                format!("'{}' is not a variable name", excerpt(&text)),
            )),
        }
    }

    /// An audio value: `tts`, `exp`, `prompt`, `lit: {name}`; `None` for none/noValue.
    pub(crate) fn audio(&self, node: Option<&YNode>) -> Result<Option<Prompt>, ArchyError> {
        let Some(node) = node else { return Ok(None) };
        if let Some(tts) = node.get("tts") {
            return Ok(Some(Prompt::Tts {
                text: ValueSource::Literal(Value::String(scalar_text(tts).unwrap_or_default())),
                locale: None,
            }));
        }
        if let Some(prompt) = node.get("prompt") {
            if let Some(name) = scalar_text(prompt) {
                return Ok(Some(Prompt::Stored { id: name }));
            }
            return self.audio(Some(prompt));
        }
        if let Some(name) = node
            .get("lit")
            .and_then(|l| l.get("name"))
            .and_then(scalar_text)
        {
            return Ok(Some(Prompt::Stored { id: name }));
        }
        if node.get("exp").is_some() {
            return Ok(Some(Prompt::Tts {
                text: self.value(node)?,
                locale: None,
            }));
        }
        Ok(None)
    }
}

pub(crate) fn scalar_text(node: &YNode) -> Option<String> {
    match &node.value {
        YValue::Scalar { text, .. } => Some(text.clone()),
        _ => None,
    }
}

/// A `lit:` value: scalars as JSON; `{name: X}` (an object named by name) as the name.
fn lit_value(lit: &YNode) -> Value {
    if let (Some(name), 1) = (lit.get("name").and_then(scalar_text), lit.entries().len()) {
        return Value::String(name);
    }
    lit.to_json()
}

/// The single `key: {...}` inside a map used as a name holder (`dataTable: {Name: {...}}`).
fn named(node: Option<&YNode>) -> Option<(&str, &YNode, Pos)> {
    let entries = node?.entries();
    entries.first().map(|(k, p, v)| (k.as_str(), v, *p))
}

fn excerpt(text: &str) -> String {
    const LIMIT: usize = 80;
    if text.chars().count() <= LIMIT {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(LIMIT).collect::<String>())
    }
}

/// Pairs `{name: value}` of a map node → (name, value source).
fn inputs(ctx: &Ctx<'_>, node: Option<&YNode>) -> Result<Vec<(String, ValueSource)>, ArchyError> {
    let mut out = Vec::new();
    for (k, _, v) in node.map(YNode::entries).unwrap_or_default() {
        out.push((k.clone(), ctx.value(v)?));
    }
    // By name, so the order keys were written in does not matter (export writes them sorted).
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Pairs `{name: {var: X}}` → (name, target), skipping `noValue`.
fn outputs(ctx: &Ctx<'_>, node: Option<&YNode>) -> Result<Vec<(String, DataTarget)>, ArchyError> {
    let mut out = Vec::new();
    for (k, _, v) in node.map(YNode::entries).unwrap_or_default() {
        if let Some(t) = ctx.target(v)? {
            out.push((k.clone(), t));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The list items under `key` whose single key is `item` (`attributes: [- attribute: {..}]`).
fn list_of<'n>(fields: &'n YNode, key: &str) -> Vec<&'n YNode> {
    fields
        .get(key)
        .map(YNode::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i.entries().first().map(|(_, _, v)| v))
        .collect()
}

/// The op of an action (or menu choice) `key` with `fields`, and what it still needs.
pub(crate) fn parse_op(
    ctx: &Ctx<'_>,
    key: &str,
    fields: &YNode,
) -> Result<(ArchyOp, Needs), ArchyError> {
    let core = |kind: NodeKind| Ok((ArchyOp::Core(kind), Needs::Nothing));
    let plain = |op: ArchyOp| Ok((op, Needs::Nothing));
    match key {
        "playAudio" => {
            let prompt = ctx.audio(fields.get("audio"))?.unwrap_or(Prompt::Tts {
                text: ValueSource::Literal(Value::String(String::new())),
                locale: None,
            });
            core(NodeKind::PlayPrompt { prompt })
        }
        "disconnect" | "menuDisconnect" => core(NodeKind::Disconnect),
        "updateData" => {
            let mut data = Vec::new();
            for statement in fields
                .get("statements")
                .map(YNode::items)
                .unwrap_or_default()
            {
                let Some((_, _, body)) = statement.entries().first() else {
                    continue;
                };
                let Some(variable) = body.get("variable") else {
                    return Err(ctx.err(body.start, "an updateData statement needs `variable`"));
                };
                let Some(target) = ctx.target(variable)? else {
                    continue;
                };
                let value = match body.get("value") {
                    Some(v) => ctx.value(v)?,
                    None => ValueSource::Literal(Value::Null),
                };
                data.push((target, value));
            }
            core(NodeKind::SetData { data })
        }
        "setParticipantData" => {
            let mut data = Vec::new();
            for attr in list_of(fields, "attributes") {
                let name = attribute_name(ctx, attr)?;
                let value = match attr.get("value") {
                    Some(v) => ctx.value(v)?,
                    None => ValueSource::Literal(Value::Null),
                };
                data.push((DataTarget::Participant(name), value));
            }
            core(NodeKind::SetData { data })
        }
        "getParticipantData" => {
            let mut pairs = Vec::new();
            for attr in list_of(fields, "attributes") {
                let name = attribute_name(ctx, attr)?;
                if let Some(Some(t)) = attr.get("variable").map(|v| ctx.target(v)).transpose()? {
                    pairs.push((name, t));
                }
            }
            plain(ArchyOp::GetParticipantData { pairs })
        }
        "decision" => {
            let Some(condition) = fields.get("condition") else {
                return Err(ctx.err(fields.start, "decision needs `condition`"));
            };
            let (expression, text) = match ctx.value(condition)? {
                ValueSource::Expression { text, expr } => (expr, text),
                ValueSource::Literal(v) => {
                    let text = match v {
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "NOT_SET".to_string(),
                        other => other.to_string(),
                    };
                    (ctx.expression(&text, condition.start)?, text)
                }
            };
            core(NodeKind::Decision { expression, text })
        }
        "callData" | "callDataSecure" => {
            // The category stays in the stored fields; the engine also answers `category/name`.
            let holder = match named(fields.get("category")) {
                Some((_, h, _)) => h.get("dataAction"),
                None => fields.get("dataAction"),
            };
            let Some((name, body, _)) = named(holder) else {
                return Err(ctx.err(
                    fields.start,
                    "callData needs `category: {<category>: {dataAction: {<name>: ...}}}`",
                ));
            };
            core(NodeKind::DataAction {
                name: name.to_string(),
                inputs: inputs(ctx, body.get("inputs"))?,
                outputs: outputs(ctx, body.get("successOutputs"))?,
            })
        }
        "callCommonModule" => {
            let Some((name, body, pos)) = named(fields.get("commonModule")) else {
                return Err(ctx.err(
                    fields.start,
                    "callCommonModule needs `commonModule: {<module name>: {ver_latestPublished: ...}}`",
                ));
            };
            let Some((selector, spec, _)) = body.entries().first().map(|(k, p, v)| (k, v, p))
            else {
                return Err(ctx.err(
                    pos,
                    format!("module '{name}' needs a version selector such as ver_latestPublished"),
                ));
            };
            let version = if selector == "ver_latestPublished" {
                None
            } else {
                let digits = selector
                    .strip_prefix("ver_")
                    .map(|v| v.strip_suffix(".0").unwrap_or(v))
                    .and_then(|v| v.parse::<u32>().ok())
                    .filter(|n| *n >= 1);
                match digits {
                    Some(n) => Some(n),
                    None => {
                        return Err(ctx.err(
                            spec.start,
                            format!("unknown version selector '{selector}' (use ver_latestPublished or ver_N.0)"),
                        ))
                    }
                }
            };
            core(NodeKind::CallModule(ModuleCall {
                module_id: String::new(),
                module_name: Some(name.to_string()),
                version,
                inputs: inputs(ctx, spec.get("inputs"))?,
                outputs: outputs(ctx, spec.get("outputs"))?,
            }))
        }
        "transferToAcd" | "menuTransferToAcd" => {
            let queue = match fields.get("targetQueue") {
                Some(q) => match q.get("lit") {
                    // A queue named literally transfers to that name (as the JSON dialects write it).
                    Some(lit) => ValueSource::Literal(lit_value(lit)),
                    None => ctx.value(q)?,
                },
                None => ValueSource::Literal(Value::Null),
            };
            core(NodeKind::TransferToAcd { queue })
        }
        "jumpToTask" | "menuJumpToTask" => jump(fields, "targetTaskRef", false),
        "jumpToMenu" | "menuJumpToMenu" => jump(fields, "targetMenuRef", false),
        "changeState" => jump(fields, "targetStateRef", false),
        "callTask" => jump(fields, "targetTaskRef", true),
        "endTask" | "endState" => plain(ArchyOp::EndTask),
        "menuTask" => plain(ArchyOp::Container),
        "loop" => {
            let count = match fields.get("loopCount") {
                Some(c) => ctx.value(c)?,
                None => ValueSource::Literal(Value::from(1)),
            };
            let index = fields
                .get("currentIndex")
                .map(|c| ctx.target(c))
                .transpose()?
                .flatten();
            plain(ArchyOp::Loop { count, index })
        }
        "loopExit" => Ok((
            ArchyOp::Unsimulated,
            Needs::EnclosingLoop(|i| ArchyOp::LoopExit { loop_node: i }),
        )),
        "loopNext" => Ok((
            ArchyOp::Unsimulated,
            Needs::EnclosingLoop(|i| ArchyOp::LoopNext { loop_node: i }),
        )),
        "switch" => switch(ctx, fields),
        "collectInput" if digit_outputs(fields) => {
            // flowlink's JSON `collectInput` (outputs `digit_N` / `noMatch` / `timeout`).
            let digits = fields
                .get("digits")
                .and_then(|d| d.get("exact"))
                .and_then(scalar_text)
                .and_then(|d| d.parse::<u32>().ok())
                .unwrap_or(1);
            let timeout_ms = fields
                .get("noEntryTimeout")
                .and_then(|t| t.get("lit"))
                .and_then(|l| l.get("ms"))
                .and_then(scalar_text)
                .and_then(|t| t.parse::<u64>().ok())
                .unwrap_or(5_000);
            core(NodeKind::CollectInput {
                prompt: ctx.audio(fields.get("inputAudio"))?,
                digits,
                timeout_ms,
            })
        }
        "setExternalTag" => {
            let mut tags = Vec::new();
            match fields.get("externalTag") {
                Some(
                    list @ YNode {
                        value: YValue::Seq(_),
                        ..
                    },
                ) => {
                    for item in list.items() {
                        tags.push(ctx.value(item)?);
                    }
                }
                Some(one) => tags.push(ctx.value(one)?),
                None => {}
            }
            core(NodeKind::TagInteraction { tags })
        }
        "collectInput" => plain(ArchyOp::CollectInput {
            audio: ctx.audio(fields.get("inputAudio"))?,
            target: fields
                .get("inputData")
                .map(|t| ctx.target(t))
                .transpose()?
                .flatten(),
        }),
        "dataTableLookup" => {
            let Some((table, body, _)) = named(fields.get("dataTable")) else {
                return Err(ctx.err(
                    fields.start,
                    "dataTableLookup needs `dataTable: {<table>: ...}`",
                ));
            };
            let key = match fields.get("lookupValue") {
                Some(v) => ctx.value(v)?,
                None => ValueSource::Literal(Value::Null),
            };
            plain(ArchyOp::DataTableLookup {
                table: table.to_string(),
                key,
                outputs: outputs(ctx, body.get("foundOutputs"))?,
            })
        }
        "findQueue" | "findQueueById" => {
            let name = match fields.get("findName").or_else(|| fields.get("findId")) {
                Some(v) => ctx.value(v)?,
                None => ValueSource::Literal(Value::Null),
            };
            let result = fields
                .get("findResult")
                .map(|t| ctx.target(t))
                .transpose()?
                .flatten();
            plain(ArchyOp::FindQueue { name, result })
        }
        "transferToVoicemail" | "menuTransferToVoicemail" => {
            let queue = fields
                .get("destination")
                .and_then(|d| d.get("queue"))
                .and_then(|q| q.get("targetQueue"))
                .map(|q| match q.get("lit") {
                    Some(lit) => Ok(ValueSource::Literal(lit_value(lit))),
                    None => ctx.value(q),
                })
                .transpose()?;
            plain(ArchyOp::TransferToVoicemail { queue })
        }
        "transferToFlow"
        | "transferToFlowSecure"
        | "menuTransferToFlow"
        | "menuTransferToFlowSecure" => {
            let flow = fields
                .get("targetFlow")
                .and_then(|t| {
                    t.get("name")
                        .or_else(|| t.get("lit").and_then(|l| l.get("name")))
                })
                .and_then(scalar_text)
                .unwrap_or_default();
            plain(ArchyOp::TransferToFlow { flow })
        }
        "holdMusic" => plain(ArchyOp::HoldMusic {
            prompt: ctx.audio(fields.get("prompt"))?,
        }),
        "playEstimatedWaitTime" => plain(ArchyOp::PlayEstimatedWaitTime),
        "evaluateScheduleGroup" => plain(ArchyOp::EvaluateScheduleGroup {
            group: fields
                .get("scheduleGroup")
                .map(|g| ctx.value(g))
                .transpose()?,
            emergency: fields
                .get("emergencyGroup")
                .map(|g| ctx.value(g))
                .transpose()?,
        }),
        _ => plain(ArchyOp::Unsimulated),
    }
}

/// Whether a `collectInput` routes by digits (flowlink's JSON form) rather than success/failure.
fn digit_outputs(fields: &YNode) -> bool {
    fields.get("outputs").is_some_and(|o| {
        o.entries()
            .iter()
            .any(|(k, _, _)| k.starts_with("digit_") || k == "noMatch")
    })
}

fn attribute_name(ctx: &Ctx<'_>, attr: &YNode) -> Result<String, ArchyError> {
    let Some(name) = attr.get("name") else {
        return Err(ctx.err(attr.start, "an attribute needs `name`"));
    };
    match ctx.value(name)? {
        ValueSource::Literal(Value::String(s)) => Ok(s),
        ValueSource::Literal(other) => Ok(other.to_string()),
        ValueSource::Expression { text, .. } => Ok(text),
    }
}

fn jump(fields: &YNode, key: &str, call: bool) -> Result<(ArchyOp, Needs), ArchyError> {
    match fields.get(key) {
        Some(r) => match scalar_text(r) {
            Some(text) if call => Ok((ArchyOp::Unsimulated, Needs::CallTask(text, r.start))),
            Some(text) => Ok((ArchyOp::Unsimulated, Needs::Jump(text, r.start))),
            None => Ok((ArchyOp::Unsimulated, Needs::Nothing)),
        },
        None => Ok((ArchyOp::Unsimulated, Needs::Nothing)),
    }
}

/// `switch: {evaluate: {firstTrue: {cases, default}}}` or
/// `{firstMatch: {<type>: {value, cases, default}}}`.
fn switch(ctx: &Ctx<'_>, fields: &YNode) -> Result<(ArchyOp, Needs), ArchyError> {
    let Some(evaluate) = fields.get("evaluate") else {
        return Ok((ArchyOp::Unsimulated, Needs::Nothing));
    };
    let (body, prefix, value) = if let Some(ft) = evaluate.get("firstTrue") {
        (ft, "@evaluate.firstTrue".to_string(), None)
    } else if let Some((ty, body, _)) = named(evaluate.get("firstMatch")) {
        let value = body.get("value").map(|v| ctx.value(v)).transpose()?;
        (
            body,
            format!("@evaluate.firstMatch.{ty}"),
            Some(value.unwrap_or(ValueSource::Literal(Value::Null))),
        )
    } else {
        return Ok((ArchyOp::Unsimulated, Needs::Nothing));
    };
    let mut cases = Vec::new();
    for (i, item) in body
        .get("cases")
        .map(YNode::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some((k, _, case)) = item.entries().first() else {
            continue;
        };
        let value = match case.get("value") {
            Some(v) => ctx.value(v)?,
            None => ValueSource::Literal(Value::Null),
        };
        cases.push(SwitchCase {
            edge: format!("{prefix}.cases.{i}.{k}"),
            value,
        });
    }
    let default_edge = body.get("default").map(|_| format!("{prefix}.default"));
    Ok((
        ArchyOp::Switch {
            value,
            cases,
            default_edge,
        },
        Needs::Nothing,
    ))
}
