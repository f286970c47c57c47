//! Parsing one node's type and fields into a [`NodeKind`], identical for both dialects (SPEC §3
//! "Node/action types"). Every problem becomes a [`Diagnostic`] naming the node and the field.

use serde_json::{Map, Value};

use crate::error::Diagnostic;
use crate::expr_parse::{parse_data_target, parse_expression};
use crate::fields::{brief, shape, value_depth, Fields, Label, MAX_LIST, MAX_VALUE_DEPTH};
use crate::graph::{DataTarget, ModuleCall, NodeKind, Prompt, ValueSource};
use crate::KNOWN_NODE_TYPES;

/// Digits `collectInput` gathers when none are given.
const DEFAULT_DIGITS: u32 = 1;
/// Longest digit string `collectInput` may ask for.
const MAX_DIGITS: u32 = 32;
/// `collectInput` timeout when none is given.
const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Longest `collectInput` timeout accepted (one hour).
const MAX_TIMEOUT_MS: u64 = 3_600_000;

/// The canonical family of a type name, matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    SetData,
    TagInteraction,
    PlayPrompt,
    ModuleCall,
    DataAction,
    Decision,
    CollectInput,
    TransferToAcd,
    Disconnect,
}

pub(crate) fn family(type_name: &str) -> Option<Family> {
    Some(match type_name.to_ascii_lowercase().as_str() {
        "setdata" => Family::SetData,
        "taginteraction" => Family::TagInteraction,
        "playprompt" => Family::PlayPrompt,
        "flowmodule" | "callflow" | "callcommonmodule" => Family::ModuleCall,
        "httprequest" | "calldata" => Family::DataAction,
        "decision" => Family::Decision,
        "collectinput" => Family::CollectInput,
        "transfertoacd" => Family::TransferToAcd,
        "disconnect" => Family::Disconnect,
        _ => return None,
    })
}

/// Parses the node's kind from its type name and fields.
pub(crate) fn parse_kind(
    type_name: &str,
    fields: Fields<'_>,
    label: &Label,
) -> Result<NodeKind, Vec<Diagnostic>> {
    let Some(family) = family(type_name) else {
        return Err(vec![label.diag(
            "unknown.node.type",
            Some("type"),
            format!(
                "unknown node type '{type_name}'; known types are {}",
                KNOWN_NODE_TYPES.join(", ")
            ),
        )]);
    };
    let mut p = KindParser {
        fields,
        label,
        diags: Vec::new(),
    };
    let kind = match family {
        Family::SetData => p.set_data(),
        Family::TagInteraction => p.tag_interaction(),
        Family::PlayPrompt => p.play_prompt(),
        Family::ModuleCall => p.module_call().map(NodeKind::CallModule),
        Family::DataAction => p.data_action(),
        Family::Decision => p.decision(),
        Family::CollectInput => p.collect_input(),
        Family::TransferToAcd => p.transfer(),
        Family::Disconnect => Some(NodeKind::Disconnect),
    };
    match kind {
        Some(kind) if p.diags.is_empty() => Ok(kind),
        _ => Err(p.diags),
    }
}

/// Where a module call names its module, so linking can rewrite the pin in place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModuleRef {
    pub module_id: String,
    pub version: Option<u32>,
    /// The object holding the version: `None` = the item/settings beside `flowModuleId`,
    /// `Some(key)` = the reference object under `key` (`flow`, `flowModule`).
    pub ref_object: Option<String>,
    /// Whether the id was found under `settings`.
    pub in_settings: bool,
}

/// Finds the module a call node refers to, without the rest of the node's validation.
pub(crate) fn module_ref(fields: Fields<'_>, label: &Label) -> Result<ModuleRef, Vec<Diagnostic>> {
    let mut p = KindParser {
        fields,
        label,
        diags: Vec::new(),
    };
    match p.module_ref() {
        Some(r) if p.diags.is_empty() => Ok(r),
        _ => Err(p.diags),
    }
}

/// Parses a module version pin: `2`, `2.0`, `"2"`, `"2.0"`; `null` floats.
pub(crate) fn parse_version(value: &Value) -> Result<Option<u32>, String> {
    let bad = || {
        format!("version must be a logic version number such as 2 or \"2.0\" (or null to float), found {}", brief(value))
    };
    let number = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                i
            } else {
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f >= 1.0 && f <= f64::from(u32::MAX) => f as u64,
                    _ => return Err(bad()),
                }
            }
        }
        Value::String(s) => {
            let s = s.trim();
            let digits = s.strip_suffix(".0").unwrap_or(s);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            digits.parse::<u64>().map_err(|_| bad())?
        }
        _ => return Err(bad()),
    };
    match u32::try_from(number) {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(bad()),
    }
}

struct KindParser<'a, 'l> {
    fields: Fields<'a>,
    label: &'l Label,
    diags: Vec<Diagnostic>,
}

impl<'a> KindParser<'a, '_> {
    fn error(&mut self, code: &str, field: &str, message: impl AsRef<str>) {
        self.diags.push(self.label.diag(code, Some(field), message));
    }

    fn missing(&mut self, field: &str, message: &str) {
        self.error("missing.setting", field, message);
    }

    /// Where a missing field belongs in this dialect (`settings.x` in the graph dialect).
    fn missing_key(&mut self, key: &str, message: &str) {
        let path = if self.fields.settings_first {
            format!("settings.{key}")
        } else {
            key.to_string()
        };
        self.missing(&path, message);
    }

    /// A literal or `{"expression": "..."}`.
    fn value_source(&mut self, value: &Value, field: &str) -> Option<ValueSource> {
        let Some(expression) = value.as_object().and_then(|o| o.get("expression")) else {
            if value_depth(value, MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH {
                self.error(
                    "value.too.deep",
                    field,
                    format!("value nests more than {MAX_VALUE_DEPTH} levels of lists/objects"),
                );
                return None;
            }
            return Some(ValueSource::Literal(value.clone()));
        };
        let Some(text) = expression.as_str() else {
            self.error(
                "invalid.setting",
                &format!("{field}.expression"),
                format!("expression must be a string, found {}", shape(expression)),
            );
            return None;
        };
        self.expression(text, &format!("{field}.expression"))
            .map(|expr| ValueSource::Expression {
                text: text.to_string(),
                expr,
            })
    }

    fn expression(&mut self, text: &str, field: &str) -> Option<crate::Expr> {
        match parse_expression(text) {
            Ok(expr) => Some(expr),
            Err(e) => {
                let message = format!(
                    "expression syntax error at column {}: {} in `{}`",
                    e.column,
                    e.message,
                    excerpt(text)
                );
                self.error("expression.syntax", field, message);
                None
            }
        }
    }

    fn target(&mut self, key: &str, field: &str) -> Option<DataTarget> {
        match parse_data_target(key) {
            Ok(target) => Some(target),
            Err(message) => {
                self.error("invalid.setting", field, message);
                None
            }
        }
    }

    /// A list of objects, or an object map `{name: value}` turned into `(name, value)` pairs.
    fn pairs(
        &mut self,
        key: &str,
        name_key: &str,
        value_key: &str,
    ) -> Vec<(String, &'a Value, String)> {
        let Some((value, path)) = self.fields.get(key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match value {
            Value::Array(items) => {
                if items.len() > MAX_LIST {
                    self.error(
                        "invalid.setting",
                        &path,
                        format!(
                            "has {} entries, at most {MAX_LIST} are allowed",
                            items.len()
                        ),
                    );
                    return out;
                }
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    let Some(obj) = item.as_object() else {
                        self.error("invalid.setting", &item_path, format!("must be an object {{\"{name_key}\": ..., \"{value_key}\": ...}}, found {}", shape(item)));
                        continue;
                    };
                    let name = match obj.get(name_key).and_then(Value::as_str) {
                        Some(n) if !n.trim().is_empty() => n.to_string(),
                        _ => {
                            self.missing(
                                &format!("{item_path}.{name_key}"),
                                &format!("each entry needs a non-empty \"{name_key}\" string"),
                            );
                            continue;
                        }
                    };
                    let value = obj.get(value_key).unwrap_or(&Value::Null);
                    out.push((name, value, format!("{item_path}.{value_key}")));
                }
            }
            Value::Object(map) => {
                if map.len() > MAX_LIST {
                    self.error(
                        "invalid.setting",
                        &path,
                        format!("has {} entries, at most {MAX_LIST} are allowed", map.len()),
                    );
                    return out;
                }
                for (name, value) in map {
                    out.push((name.clone(), value, format!("{path}.{name}")));
                }
            }
            other => self.error(
                "invalid.setting",
                &path,
                format!(
                    "must be a list of {{\"{name_key}\", \"{value_key}\"}} objects, found {}",
                    shape(other)
                ),
            ),
        }
        out
    }

    fn inputs(&mut self, key: &str) -> Vec<(String, ValueSource)> {
        let pairs = self.pairs(key, "name", "value");
        pairs
            .into_iter()
            .filter_map(|(name, value, path)| self.value_source(value, &path).map(|v| (name, v)))
            .collect()
    }

    fn outputs(&mut self, key: &str) -> Vec<(String, DataTarget)> {
        let pairs = self.pairs(key, "name", "variable");
        let mut out = Vec::new();
        for (name, value, path) in pairs {
            match value.as_str() {
                Some(variable) => {
                    if let Some(target) = self.target(variable, &path) {
                        out.push((name, target));
                    }
                }
                None => self.error(
                    "invalid.setting",
                    &path,
                    format!(
                        "must be a variable name such as Flow.result, found {}",
                        shape(value)
                    ),
                ),
            }
        }
        out
    }

    fn set_data(&mut self) -> Option<NodeKind> {
        let Some((value, _)) = self.fields.get("data") else {
            self.missing_key(
                "data",
                "setData needs \"data\": [{\"key\": ..., \"value\": ...}]",
            );
            return None;
        };
        if !value.is_array() && !value.is_object() {
            let path = self.fields.get("data").map(|(_, p)| p).unwrap_or_default();
            self.error(
                "invalid.setting",
                &path,
                format!(
                    "must be a list of {{\"key\", \"value\"}} objects, found {}",
                    shape(value)
                ),
            );
            return None;
        }
        let pairs = self.pairs("data", "key", "value");
        let mut data = Vec::new();
        for (key, value, path) in pairs {
            let key_path = path
                .strip_suffix(".value")
                .map_or_else(|| path.clone(), |p| format!("{p}.key"));
            let target = self.target(&key, &key_path);
            let source = self.value_source(value, &path);
            if let (Some(t), Some(s)) = (target, source) {
                data.push((t, s));
            }
        }
        Some(NodeKind::SetData { data })
    }

    fn tag_interaction(&mut self) -> Option<NodeKind> {
        let Some((value, path)) = self.fields.get_any(&["tags", "tag"]) else {
            self.missing_key("tags", "tagInteraction needs \"tags\": [\"tag\", ...]");
            return None;
        };
        let items: Vec<(&Value, String)> = match value {
            Value::Array(items) if items.len() <= MAX_LIST => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, format!("{path}[{i}]")))
                .collect(),
            Value::Array(items) => {
                self.error(
                    "invalid.setting",
                    &path,
                    format!("has {} tags, at most {MAX_LIST} are allowed", items.len()),
                );
                return None;
            }
            single => vec![(single, path.clone())],
        };
        let mut tags = Vec::new();
        for (value, path) in items {
            match value {
                Value::String(_) => tags.push(ValueSource::Literal(value.clone())),
                Value::Object(_) if value.get("expression").is_some() => {
                    if let Some(v) = self.value_source(value, &path) {
                        tags.push(v);
                    }
                }
                other => self.error(
                    "invalid.setting",
                    &path,
                    format!("a tag must be a string, found {}", shape(other)),
                ),
            }
        }
        Some(NodeKind::TagInteraction { tags })
    }

    fn prompt_from(&mut self, value: &Value, path: &str) -> Option<Prompt> {
        match value {
            Value::String(text) => Some(Prompt::Tts {
                text: ValueSource::Literal(Value::String(text.clone())),
                locale: None,
            }),
            Value::Object(obj) => {
                let locale = obj
                    .get("locale")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(text) = obj.get("text").filter(|v| !v.is_null()) {
                    let text = self.value_source(text, &format!("{path}.text"))?;
                    return Some(Prompt::Tts { text, locale });
                }
                if obj.contains_key("expression") {
                    let text = self.value_source(value, path)?;
                    return Some(Prompt::Tts { text, locale });
                }
                match obj.get("id").and_then(Value::as_str) {
                    Some(id) if !id.is_empty() => Some(Prompt::Stored { id: id.to_string() }),
                    _ => {
                        self.missing(path, "a prompt needs \"text\" (text to speech) or the \"id\" of a stored prompt");
                        None
                    }
                }
            }
            other => {
                self.error(
                    "invalid.setting",
                    path,
                    format!(
                        "must be {{\"text\", \"locale\"}} or {{\"id\"}}, found {}",
                        shape(other)
                    ),
                );
                None
            }
        }
    }

    fn play_prompt(&mut self) -> Option<NodeKind> {
        let Some((value, path)) = self.fields.get("prompt") else {
            self.missing_key(
                "prompt",
                "playPrompt needs \"prompt\": {\"text\": ..., \"locale\": ...} or {\"id\": ...}",
            );
            return None;
        };
        self.prompt_from(value, &path)
            .map(|prompt| NodeKind::PlayPrompt { prompt })
    }

    fn module_ref(&mut self) -> Option<ModuleRef> {
        // The reference object (`flow` of callFlow, `flowModule`) wins over a bare id because it
        // carries its own version.
        for key in ["flow", "flowModule", "module"] {
            let Some((value, path)) = self.fields.get(key) else {
                continue;
            };
            let in_settings = path.starts_with("settings.");
            match value {
                Value::Object(obj) => {
                    let id = match obj.get("id").and_then(Value::as_str) {
                        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
                        _ => {
                            self.missing(
                                &format!("{path}.id"),
                                "the module call needs the id of the module to call",
                            );
                            return None;
                        }
                    };
                    let version_value = obj
                        .get("version")
                        .filter(|v| !v.is_null())
                        .or_else(|| self.fields.get("version").map(|(v, _)| v));
                    let version = self.version(version_value, &format!("{path}.version"))?;
                    return Some(ModuleRef {
                        module_id: id,
                        version,
                        ref_object: Some(key.to_string()),
                        in_settings,
                    });
                }
                Value::String(id) if !id.trim().is_empty() => {
                    let version =
                        self.version(self.fields.get("version").map(|(v, _)| v), "version")?;
                    return Some(ModuleRef {
                        module_id: id.trim().to_string(),
                        version,
                        ref_object: None,
                        in_settings,
                    });
                }
                other => {
                    self.error(
                        "invalid.setting",
                        &path,
                        format!(
                            "must be {{\"id\": ..., \"version\": ...}}, found {}",
                            shape(other)
                        ),
                    );
                    return None;
                }
            }
        }
        let Some((value, path)) = self.fields.get_any(&["flowModuleId", "moduleId", "flowId"])
        else {
            self.missing_key("flowModuleId", "the module call needs the id of the module to call (settings.flowModuleId, or flow: {id, version})");
            return None;
        };
        let Some(id) = value.as_str().map(str::trim).filter(|s| !s.is_empty()) else {
            self.error(
                "invalid.setting",
                &path,
                format!("must be the module id string, found {}", shape(value)),
            );
            return None;
        };
        let version = self.version(self.fields.get("version").map(|(v, _)| v), "version")?;
        Some(ModuleRef {
            module_id: id.to_string(),
            version,
            ref_object: None,
            in_settings: path.starts_with("settings."),
        })
    }

    fn version(&mut self, value: Option<&Value>, path: &str) -> Option<Option<u32>> {
        match parse_version(value.unwrap_or(&Value::Null)) {
            Ok(version) => Some(version),
            Err(message) => {
                self.error("invalid.module.version", path, message);
                None
            }
        }
    }

    fn module_call(&mut self) -> Option<ModuleCall> {
        let reference = self.module_ref();
        let inputs = self.inputs("inputMappings");
        let outputs = self.outputs("outputMappings");
        let reference = reference?;
        Some(ModuleCall {
            module_name: None,
            module_id: reference.module_id,
            version: reference.version,
            inputs,
            outputs,
        })
    }

    fn data_action(&mut self) -> Option<NodeKind> {
        let name = match self.fields.get_any(&[
            "dataActionName",
            "action",
            "dataAction",
            "actionName",
        ]) {
            Some((Value::String(s), _)) if !s.trim().is_empty() => s.trim().to_string(),
            Some((Value::Object(obj), path)) => match obj
                .get("name")
                .or_else(|| obj.get("id"))
                .and_then(Value::as_str)
            {
                Some(s) if !s.trim().is_empty() => s.trim().to_string(),
                _ => {
                    self.missing(
                        &format!("{path}.name"),
                        "the data action reference needs a \"name\"",
                    );
                    return None;
                }
            },
            Some((other, path)) => {
                self.error(
                    "invalid.setting",
                    &path,
                    format!("must be the data action's name, found {}", shape(other)),
                );
                return None;
            }
            // Without an explicit action name the node's own name identifies the data action.
            None => {
                match self.fields.top.get("name").and_then(Value::as_str) {
                    Some(s) if !s.trim().is_empty() => s.trim().to_string(),
                    _ => {
                        self.missing_key("dataActionName", "the data action needs a name (settings.dataActionName or the node's name)");
                        return None;
                    }
                }
            }
        };
        let inputs = self.inputs("inputs");
        let outputs = self.outputs("outputs");
        Some(NodeKind::DataAction {
            name,
            inputs,
            outputs,
        })
    }

    fn decision(&mut self) -> Option<NodeKind> {
        let Some((value, path)) = self.fields.get_any(&["expression", "condition"]) else {
            self.missing_key(
                "expression",
                "decision needs an \"expression\" that is true or false, e.g. \"Flow.x == 1\"",
            );
            return None;
        };
        let (text, path) = match value {
            Value::String(s) => (s.as_str(), path),
            Value::Object(obj) => match obj.get("expression").and_then(Value::as_str) {
                Some(s) => (s, format!("{path}.expression")),
                None => {
                    self.error("invalid.setting", &path, "must be an expression string");
                    return None;
                }
            },
            other => {
                self.error(
                    "invalid.setting",
                    &path,
                    format!("must be an expression string, found {}", shape(other)),
                );
                return None;
            }
        };
        let expression = self.expression(text, &path)?;
        Some(NodeKind::Decision {
            expression,
            text: text.to_string(),
        })
    }

    fn collect_input(&mut self) -> Option<NodeKind> {
        let prompt = match self.fields.get("prompt") {
            Some((value, path)) => Some(self.prompt_from(value, &path)?),
            None => None,
        };
        let digits = match self.fields.get_any(&["digits", "maxDigits"]) {
            None => DEFAULT_DIGITS,
            Some((value, path)) => match value.as_u64().and_then(|d| u32::try_from(d).ok()) {
                Some(d) if (1..=MAX_DIGITS).contains(&d) => d,
                _ => {
                    self.error(
                        "invalid.setting",
                        &path,
                        format!(
                            "digits must be a whole number from 1 to {MAX_DIGITS}, found {}",
                            brief(value)
                        ),
                    );
                    return None;
                }
            },
        };
        let timeout_ms = match self.fields.get_any(&["timeoutMs", "timeout"]) {
            None => DEFAULT_TIMEOUT_MS,
            Some((value, path)) => match value.as_u64() {
                Some(t) if t <= MAX_TIMEOUT_MS => t,
                _ => {
                    self.error(
                        "invalid.setting",
                        &path,
                        format!(
                            "timeout must be milliseconds from 0 to {MAX_TIMEOUT_MS}, found {}",
                            brief(value)
                        ),
                    );
                    return None;
                }
            },
        };
        Some(NodeKind::CollectInput {
            prompt,
            digits,
            timeout_ms,
        })
    }

    fn transfer(&mut self) -> Option<NodeKind> {
        let Some((value, path)) = self.fields.get_any(&["queue", "queueName"]) else {
            self.missing_key(
                "queue",
                "transferToAcd needs \"queue\": a queue name or {\"name\"} / {\"id\"}",
            );
            return None;
        };
        let queue = match value {
            Value::String(s) if !s.trim().is_empty() => ValueSource::Literal(value.clone()),
            Value::Object(obj) if obj.contains_key("expression") => {
                self.value_source(value, &path)?
            }
            Value::Object(obj) => match name_or_id(obj) {
                Some(s) => ValueSource::Literal(Value::String(s)),
                None => {
                    self.missing(&path, "the queue needs a \"name\" or an \"id\"");
                    return None;
                }
            },
            other => {
                self.error(
                    "invalid.setting",
                    &path,
                    format!(
                        "must be a queue name or {{\"name\"}} / {{\"id\"}}, found {}",
                        shape(other)
                    ),
                );
                return None;
            }
        };
        Some(NodeKind::TransferToAcd { queue })
    }
}

fn name_or_id(obj: &Map<String, Value>) -> Option<String> {
    ["name", "id"].iter().find_map(|k| {
        obj.get(*k)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    })
}

/// The expression text quoted in messages, shortened so huge inputs stay readable.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 80;
    if text.chars().count() <= LIMIT {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(LIMIT).collect::<String>())
    }
}
