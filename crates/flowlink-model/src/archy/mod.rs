//! PLACEHOLDER, replaced by branch r-archy at merge.
//!
//! Archy YAML, the third dialect (SPEC §9): a throw-away stand-in with exactly the signatures of
//! `ARCHY_CONTRACT.md`, so the server, client and CLI of branch r-jobs compile and run against
//! the contract. It reads the root key and the flow's `name` with a line scan and finds
//! `callCommonModule` calls by name; the logic is one call node per module call (or empty). The
//! real parser, export and text edits come from branch r-archy; this file is swapped at merge.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Diagnostic, ModelError};
use crate::graph::{Dialect, FlowLogic, Graph, ModuleCall, Node, NodeKind, Outcome};

/// One Archy file parsed into the canonical model.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchyFlow {
    /// The root key as written, e.g. `inboundCall`.
    pub root_key: String,
    /// The Genesys flow type enum, e.g. `INBOUNDCALL`, `COMMONMODULE`, `BOT`.
    pub flow_type: String,
    /// The flow's `name`.
    pub name: String,
    /// Canonical graph, dialect [`Dialect::Archy`].
    pub logic: FlowLogic,
}

/// An error with its position in the file. Display: `line L, column C: <action>: <message>`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ArchyError {
    pub line: usize,
    pub column: usize,
    pub action: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ArchyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if let Some(a) = &self.action {
            write!(f, "{a}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl From<ArchyError> for ModelError {
    fn from(e: ArchyError) -> Self {
        ModelError::single(Diagnostic {
            code: "archy.invalid".into(),
            node: e.action.clone(),
            field: Some(format!("line {}, column {}", e.line, e.column)),
            message: e.to_string(),
        })
    }
}

fn err(line: usize, column: usize, message: impl Into<String>) -> ArchyError {
    ArchyError {
        line,
        column,
        action: None,
        message: message.into(),
    }
}

/// Root keys and their Genesys flow types.
const ROOT_KEYS: &[(&str, &str)] = &[
    ("botFlow", "BOT"),
    ("commonModule", "COMMONMODULE"),
    ("digitalBot", "DIGITALBOT"),
    ("inboundCall", "INBOUNDCALL"),
    ("inboundChat", "INBOUNDCHAT"),
    ("inboundEmail", "INBOUNDEMAIL"),
    ("inboundShortMessage", "INBOUNDSHORTMESSAGE"),
    ("inqueueCall", "INQUEUECALL"),
    ("inqueueEmail", "INQUEUEEMAIL"),
    ("inqueueShortMessage", "INQUEUESHORTMESSAGE"),
    ("outboundCall", "OUTBOUNDCALL"),
    ("secureCall", "SECURECALL"),
    ("surveyInvite", "SURVEYINVITE"),
    ("voicemail", "VOICEMAIL"),
    ("voiceSurvey", "VOICESURVEY"),
    ("workflow", "WORKFLOW"),
    ("workitem", "WORKITEM"),
];

/// `{{key}}` text substitution (SPEC §9). Placeholders left → Err listing each with its line.
pub fn substitute(text: &str, subs: &BTreeMap<String, String>) -> Result<String, ArchyError> {
    let mut out = text.to_string();
    for (k, v) in subs {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    let mut left = Vec::new();
    for (i, line) in out.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            let Some(end) = rest[start..].find("}}") else {
                break;
            };
            left.push(format!(
                "{} (line {})",
                &rest[start..start + end + 2],
                i + 1
            ));
            rest = &rest[start + end + 2..];
        }
    }
    if let Some(first) = out.lines().position(|l| l.contains("{{")) {
        if !left.is_empty() {
            return Err(err(
                first + 1,
                1,
                format!("placeholders left unreplaced: {}", left.join(", ")),
            ));
        }
    }
    Ok(out)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
        .to_string()
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// The module names called, in order, with the (1-based) line of each call.
fn calls_by_name(lines: &[&str]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line
            .trim_start()
            .trim_start_matches("- ")
            .starts_with("callCommonModule:")
        {
            continue;
        }
        let base = indent(line);
        let mut j = i + 1;
        while j < lines.len() && (!is_content(lines[j]) || indent(lines[j]) > base) {
            if lines[j].trim() == "commonModule:" {
                let module_indent = indent(lines[j]);
                if let Some(next) = lines[j + 1..].iter().find(|l| is_content(l)) {
                    if indent(next) > module_indent {
                        let key = next.trim().trim_end_matches(':');
                        out.push((unquote(key), i + 1));
                    }
                }
                break;
            }
            j += 1;
        }
    }
    out
}

/// Parses one Archy YAML file (after substitution) into the canonical model.
pub fn parse_archy(text: &str) -> Result<ArchyFlow, ArchyError> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.contains('\t') {
            return Err(err(
                i + 1,
                line.find('\t').unwrap_or(0) + 1,
                "tab in indentation",
            ));
        }
        if line.matches('"').count() % 2 == 1 && !line.trim_start().starts_with('#') {
            return Err(err(
                i + 1,
                line.find('"').unwrap_or(0) + 1,
                "unterminated quoted scalar",
            ));
        }
    }
    let Some((root_line, root)) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| is_content(l) && indent(l) == 0)
    else {
        return Err(err(1, 1, "empty file: expected a flow type root key"));
    };
    let root_key = root.trim().trim_end_matches(':').to_string();
    let Some((_, flow_type)) = ROOT_KEYS.iter().find(|(k, _)| *k == root_key) else {
        return Err(err(
            root_line + 1,
            1,
            format!("'{root_key}' is not a flow type root key"),
        ));
    };
    let name = lines
        .iter()
        .find_map(|l| {
            (indent(l) > 0)
                .then(|| l.trim().strip_prefix("name:"))
                .flatten()
                .map(unquote)
        })
        .filter(|n| !n.is_empty())
        .ok_or_else(|| err(root_line + 1, 1, "the flow has no name"))?;
    let calls = calls_by_name(&lines);
    let count = calls.len();
    let nodes = calls
        .into_iter()
        .enumerate()
        .map(|(i, (module, line))| Node {
            id: format!("line{line}"),
            name: format!("Call {module}"),
            type_name: "callCommonModule".into(),
            kind: NodeKind::CallModule(ModuleCall {
                module_id: String::new(),
                module_name: Some(module),
                version: None,
                inputs: Vec::new(),
                outputs: Vec::new(),
            }),
            next: if i + 1 < count {
                vec![(Outcome::Default, i + 1)]
            } else {
                Vec::new()
            },
        })
        .collect::<Vec<_>>();
    Ok(ArchyFlow {
        root_key,
        flow_type: flow_type.to_string(),
        name,
        logic: FlowLogic {
            dialect: Dialect::Archy,
            graph: Graph {
                entry: (!nodes.is_empty()).then_some(0),
                nodes,
            },
            variables: Vec::new(),
        },
    })
}

/// Generated Archy YAML for logic written in a JSON dialect.
pub fn export_archy(logic: &FlowLogic, flow_type: &str, name: &str) -> Result<String, ArchyError> {
    let root = ROOT_KEYS
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(flow_type))
        .map(|(k, _)| *k)
        .ok_or_else(|| err(1, 1, format!("no Archy root key for flow type {flow_type}")))?;
    let _ = logic;
    Ok(format!(
        "{root}:\n  name: \"{}\"\n  startUpRef: \"/{root}/tasks/task[Start_10]\"\n  tasks:\n    - task:\n        name: Start\n        refId: Start_10\n        actions:\n          - disconnect:\n              name: Disconnect\n",
        name.replace('"', "\\\"")
    ))
}

/// Inserts one floating `callCommonModule` of `module_name` as the first action of the first
/// action list; Ok(None) when already linked.
pub fn link_archy(text: &str, module_name: &str) -> Result<Option<String>, ArchyError> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let plain: Vec<&str> = text.lines().collect();
    if calls_by_name(&plain).iter().any(|(m, _)| m == module_name) {
        return Ok(None);
    }
    let Some(at) = lines.iter().position(|l| l.trim() == "actions:") else {
        return Err(err(1, 1, "no action list to link into"));
    };
    let pad = " ".repeat(indent(lines[at]) + 2);
    let block = format!(
        "{pad}- callCommonModule:\n{pad}    name: Call {module_name}\n{pad}    commonModule:\n{pad}      {module_name}:\n{pad}        ver_latestPublished:\n"
    );
    let mut out = String::with_capacity(text.len() + block.len());
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        if i == at {
            if !l.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&block);
        }
    }
    Ok(Some(out))
}

/// Removes the calls of `module_name`; Ok(None) when there were none.
pub fn unlink_archy(text: &str, module_name: &str) -> Result<Option<String>, ArchyError> {
    let plain: Vec<&str> = text.lines().collect();
    let starts: BTreeSet<usize> = calls_by_name(&plain)
        .into_iter()
        .filter(|(m, _)| m == module_name)
        .map(|(_, line)| line - 1)
        .collect();
    if starts.is_empty() {
        return Ok(None);
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len());
    let mut skip_deeper_than: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        if let Some(base) = skip_deeper_than {
            if !is_content(l) || indent(l) > base {
                continue;
            }
            skip_deeper_than = None;
        }
        if starts.contains(&i) {
            skip_deeper_than = Some(indent(l));
            continue;
        }
        out.push_str(l);
    }
    Ok(Some(out))
}

impl FlowLogic {
    /// Distinct module names called by name and not yet bound.
    pub fn unbound_module_names(&self) -> BTreeSet<String> {
        self.module_calls()
            .filter(|(_, c)| c.module_id.is_empty())
            .filter_map(|(_, c)| c.module_name.clone())
            .collect()
    }

    /// Sets module_id of every by-name call from `lookup(name)`; Err(names with no module).
    pub fn bind_module_names(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), Vec<String>> {
        let mut missing = BTreeSet::new();
        for node in &mut self.graph.nodes {
            if let NodeKind::CallModule(call) = &mut node.kind {
                if let Some(name) = &call.module_name {
                    match lookup(name) {
                        Some(id) => call.module_id = id,
                        None => {
                            missing.insert(name.clone());
                        }
                    }
                }
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing.into_iter().collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "inboundCall:\n  name: Main\n  startUpRef: ./tasks/task[a]\n  tasks:\n    - task:\n        name: A\n        actions:\n          - disconnect:\n              name: Bye\n";

    #[test]
    fn link_then_unlink_gives_back_the_bytes() {
        let linked = link_archy(FLOW, "Auth").unwrap().unwrap();
        let parsed = parse_archy(&linked).unwrap();
        assert_eq!(parsed.name, "Main");
        assert_eq!(parsed.flow_type, "INBOUNDCALL");
        assert_eq!(
            parsed
                .logic
                .unbound_module_names()
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["Auth".to_string()]
        );
        assert_eq!(link_archy(&linked, "Auth").unwrap(), None);
        assert_eq!(
            unlink_archy(&linked, "Auth").unwrap().as_deref(),
            Some(FLOW)
        );
    }
}
