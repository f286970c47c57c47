//! The flows a test run uses offline: a folder of flow files (Archy YAML, or JSON in either
//! dialect) parsed once into canonical logic, with module calls bound by name or id among them
//! and the modules served to the engine from memory. [`FlowSet::from_sources`] is pure; only
//! [`FlowSet::load_dir`] reads files.
//!
//! A JSON flow file is `{"name", "type"?, "id"?, "errorHandling"?, "definition": {...}}` or the
//! same with `"actions"` (and `"variables"`): the body `flowlink flows create` sends. Its id
//! defaults to its name, its name to the file's stem, its type to `inboundcall`. An Archy file
//! names itself; its id is its name.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flowlink_api::FlowType;
use flowlink_engine::{ErrorHandling, FlowToRun, InMemoryModules};
use flowlink_model::archy::parse_archy;
use flowlink_model::{parse_actions, parse_definition, Dialect, FlowLogic, NodeKind};
use serde_json::Value;

use crate::error::TestError;

/// One flow or module of the set.
#[derive(Debug, Clone)]
pub struct FlowEntry {
    pub id: String,
    pub name: String,
    pub flow_type: FlowType,
    /// The file it came from.
    pub file: String,
    pub logic: Arc<FlowLogic>,
    pub error_handling: ErrorHandling,
    /// The Archy text, kept to find an action's line for coverage reports.
    pub archy_text: Option<Arc<str>>,
}

impl FlowEntry {
    /// The engine's view of this flow (offline every flow is at version 1).
    pub fn to_run(&self) -> FlowToRun {
        FlowToRun {
            id: self.id.clone(),
            name: self.name.clone(),
            version: 1,
            logic: Arc::clone(&self.logic),
            error_handling: self.error_handling,
        }
    }

    /// Why a call into this flow cannot be simulated (the server's `flow.type.not.simulated`).
    pub fn not_simulated(&self) -> Option<String> {
        let voice = matches!(
            self.flow_type,
            FlowType::InboundCall
                | FlowType::InQueueCall
                | FlowType::OutboundCall
                | FlowType::SecureCall
                | FlowType::CommonModule
        );
        (self.logic.dialect == Dialect::Archy && !voice).then(|| {
            format!(
                "flows of type {} are stored but not simulated",
                self.flow_type
            )
        })
    }
}

/// A set of flows and modules, ready to run.
#[derive(Debug, Clone, Default)]
pub struct FlowSet {
    pub flows: Vec<FlowEntry>,
    modules: InMemoryModules,
}

fn json_flow(file: &str, text: &str) -> Result<FlowEntry, TestError> {
    let err = |m: String| TestError::at(file, 0, m);
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| TestError::at(file, e.line(), format!("not valid JSON: {e}")))?;
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file)
        .to_string();
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .map_or(stem, str::to_string);
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| name.clone(), str::to_string);
    let flow_type = match doc.get("type").and_then(Value::as_str) {
        Some(t) => t
            .parse::<FlowType>()
            .map_err(|_| err(format!("unknown flow type `{t}`")))?,
        None => FlowType::InboundCall,
    };
    let error_handling = match doc.get("errorHandling").and_then(Value::as_str) {
        Some(e) => ErrorHandling::parse(e).ok_or_else(|| {
            err(format!(
                "errorHandling is disconnect or continue, not `{e}`"
            ))
        })?,
        None => ErrorHandling::default(),
    };
    let logic = if let Some(definition) = doc.get("definition") {
        parse_definition(definition)
    } else if let Some(actions) = doc.get("actions") {
        parse_actions(actions, doc.get("variables"))
    } else {
        return Err(err(
            "a JSON flow file has `definition` (graph dialect) or `actions` (action-list dialect)"
                .into(),
        ));
    }
    .map_err(|e| err(format!("invalid flow logic: {e}")))?;
    Ok(FlowEntry {
        id,
        name,
        flow_type,
        file: file.to_string(),
        logic: Arc::new(logic),
        error_handling,
        archy_text: None,
    })
}

fn archy_flow(file: &str, text: &str) -> Result<FlowEntry, TestError> {
    let flow = parse_archy(text).map_err(|e| {
        let action = e.action.map(|a| format!("{a}: ")).unwrap_or_default();
        TestError::at(file, e.line, format!("{action}{}", e.message))
    })?;
    let flow_type = flow
        .flow_type
        .parse::<FlowType>()
        .map_err(|_| TestError::at(file, 1, format!("unknown flow type `{}`", flow.flow_type)))?;
    Ok(FlowEntry {
        id: flow.name.clone(),
        name: flow.name,
        flow_type,
        file: file.to_string(),
        logic: Arc::new(flow.logic),
        error_handling: ErrorHandling::default(),
        archy_text: Some(Arc::from(text)),
    })
}

impl FlowSet {
    /// Parses flow files given as `(file, text)`: `.json` as JSON, anything else as Archy YAML.
    pub fn from_sources(sources: &[(String, String)]) -> Result<FlowSet, TestError> {
        let mut flows = Vec::with_capacity(sources.len());
        let mut ids = HashSet::new();
        for (file, text) in sources {
            let entry = if file.ends_with(".json") {
                json_flow(file, text)?
            } else {
                archy_flow(file, text)?
            };
            if !ids.insert(entry.id.clone()) {
                return Err(TestError::at(
                    file,
                    0,
                    format!("a second flow with id `{}` in the folder", entry.id),
                ));
            }
            flows.push(entry);
        }
        // Modules by lowercased name, for calls by name (Archy) or a JSON call naming one.
        let by_name: HashMap<String, String> = flows
            .iter()
            .filter(|f| f.flow_type.is_module())
            .map(|f| (f.name.to_lowercase(), f.id.clone()))
            .collect();
        for entry in &mut flows {
            let needs = entry
                .logic
                .module_calls()
                .any(|(_, c)| !ids.contains(&c.module_id));
            if !needs {
                continue;
            }
            let mut logic = (*entry.logic).clone();
            // A name with no module binds to the quoted name, which no id equals: the call
            // fails at run time saying so, as on the server.
            let _ = logic.bind_module_names(|name| {
                Some(
                    by_name
                        .get(&name.to_lowercase())
                        .cloned()
                        .unwrap_or_else(|| format!("'{name}'")),
                )
            });
            for node in &mut logic.graph.nodes {
                // A JSON call by id that names a module instead.
                if let NodeKind::CallModule(call) = &mut node.kind {
                    if !ids.contains(&call.module_id) {
                        if let Some(id) = by_name.get(&call.module_id.to_lowercase()) {
                            call.module_id = id.clone();
                        }
                    }
                }
            }
            entry.logic = Arc::new(logic);
        }
        let mut modules = InMemoryModules::new();
        for f in flows.iter().filter(|f| f.flow_type.is_module()) {
            modules.add_version(&f.id, &f.name, 1, Arc::clone(&f.logic), true);
            modules.set_error_handling(&f.id, f.error_handling);
        }
        Ok(FlowSet { flows, modules })
    }

    /// Reads every flow file under `dir` (recursively; `*.test.yaml` files are tests, not flows).
    pub fn load_dir(dir: &Path) -> Result<FlowSet, TestError> {
        let mut paths = Vec::new();
        collect(dir, &mut paths, &|name| {
            !name.ends_with(".test.yaml")
                && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
        })
        .map_err(|e| TestError::at(&dir.display().to_string(), 0, e))?;
        let mut sources = Vec::with_capacity(paths.len());
        for path in paths {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| TestError::at(&file, 0, format!("cannot read: {e}")))?;
            sources.push((file, text));
        }
        FlowSet::from_sources(&sources)
    }

    /// The flow with this id, else this name (ignoring case).
    pub fn find(&self, id_or_name: &str) -> Option<usize> {
        self.flows
            .iter()
            .position(|f| f.id == id_or_name)
            .or_else(|| {
                self.flows
                    .iter()
                    .position(|f| f.name.eq_ignore_ascii_case(id_or_name))
            })
    }

    /// The modules, for the engine.
    pub fn modules(&self) -> &InMemoryModules {
        &self.modules
    }

    /// Whether flow `index` can enter the module named (or with id) `module`, directly or
    /// through other modules.
    pub fn reaches(&self, index: usize, module: &str) -> bool {
        let Some(target) = self.find(module) else {
            return false;
        };
        let target = &self.flows[target].id;
        let mut seen = HashSet::new();
        let mut stack = vec![index];
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            for (_, call) in self.flows[i].logic.module_calls() {
                if &call.module_id == target {
                    return true;
                }
                if let Some(next) = self.flows.iter().position(|f| f.id == call.module_id) {
                    stack.push(next);
                }
            }
        }
        false
    }
}

/// Collects files under `path` (a file itself, or a folder walked recursively) whose name
/// passes `keep`, sorted.
pub fn collect(
    path: &Path,
    out: &mut Vec<PathBuf>,
    keep: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read folder: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out, keep)?;
        } else if p.file_name().and_then(|n| n.to_str()).is_some_and(keep) {
            out.push(p);
        }
    }
    Ok(())
}
