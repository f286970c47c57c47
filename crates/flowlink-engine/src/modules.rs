//! How the engine learns which logic a module call runs: asked at the moment of the call, so a
//! floating call picks up whatever is published then (SPEC §4).

use std::collections::HashMap;
use std::sync::Arc;

use flowlink_model::FlowLogic;

use crate::limits::ErrorHandling;

/// Answers what the outside world knows: which logic a module call runs. Called at the moment
/// of the call, once per call.
pub trait ModuleResolver {
    /// `version: None` floats (the published version now); `Some(n)` pins logic version `n`.
    fn resolve(
        &self,
        module_id: &str,
        version: Option<u32>,
    ) -> Result<ResolvedModule, ModuleUnavailable>;
}

/// The logic a module call runs, with what the trace and error handling need to know.
#[derive(Debug, Clone)]
pub struct ResolvedModule {
    pub id: String,
    pub name: String,
    /// The logic version that runs.
    pub version: u32,
    pub logic: Arc<FlowLogic>,
    pub error_handling: ErrorHandling,
}

/// Why a module call cannot run; the call takes its `failure` edge or error handling runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ModuleUnavailable {
    /// E.g. `module X is deactivated`, `version 3 of module X does not exist`.
    pub reason: String,
}

/// The flow an execution starts in (its published, or requested, logic version).
#[derive(Debug, Clone)]
pub struct FlowToRun {
    pub id: String,
    pub name: String,
    pub version: u32,
    pub logic: Arc<FlowLogic>,
    pub error_handling: ErrorHandling,
}

/// A [`ModuleResolver`] over modules held in memory: for offline simulation (CLI), tests and
/// benchmarks. The server resolves from its store instead.
#[derive(Debug, Clone, Default)]
pub struct InMemoryModules {
    modules: HashMap<String, StoredModule>,
}

#[derive(Debug, Clone)]
struct StoredModule {
    name: String,
    active: bool,
    published: Option<u32>,
    error_handling: ErrorHandling,
    versions: HashMap<u32, Arc<FlowLogic>>,
}

impl InMemoryModules {
    /// An empty set: every call fails with `module X does not exist`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds logic version `version` of module `id` (creating the module, active, if new) and
    /// publishes it when `publish` is true.
    pub fn add_version(
        &mut self,
        id: &str,
        name: &str,
        version: u32,
        logic: Arc<FlowLogic>,
        publish: bool,
    ) {
        let module = self
            .modules
            .entry(id.to_owned())
            .or_insert_with(|| StoredModule {
                name: name.to_owned(),
                active: true,
                published: None,
                error_handling: ErrorHandling::default(),
                versions: HashMap::new(),
            });
        module.versions.insert(version, logic);
        if publish {
            module.published = Some(version);
        }
    }

    /// Makes `version` the published one; `false` if the module or version is unknown.
    pub fn publish(&mut self, id: &str, version: u32) -> bool {
        match self.modules.get_mut(id) {
            Some(m) if m.versions.contains_key(&version) => {
                m.published = Some(version);
                true
            }
            _ => false,
        }
    }

    /// Activates or deactivates a module; `false` if it is unknown.
    pub fn set_active(&mut self, id: &str, active: bool) -> bool {
        self.modules
            .get_mut(id)
            .map(|m| m.active = active)
            .is_some()
    }

    /// Sets the module's own error handling; `false` if it is unknown.
    pub fn set_error_handling(&mut self, id: &str, handling: ErrorHandling) -> bool {
        self.modules
            .get_mut(id)
            .map(|m| m.error_handling = handling)
            .is_some()
    }
}

impl ModuleResolver for InMemoryModules {
    fn resolve(
        &self,
        module_id: &str,
        version: Option<u32>,
    ) -> Result<ResolvedModule, ModuleUnavailable> {
        let unavailable = |reason: String| Err(ModuleUnavailable { reason });
        let Some(module) = self.modules.get(module_id) else {
            return unavailable(format!("module {module_id} does not exist"));
        };
        if !module.active {
            return unavailable(format!("module {module_id} is deactivated"));
        }
        let Some(number) = version.or(module.published) else {
            return unavailable(format!("module {module_id} has no published version"));
        };
        let Some(logic) = module.versions.get(&number) else {
            return unavailable(format!(
                "version {number} of module {module_id} does not exist"
            ));
        };
        Ok(ResolvedModule {
            id: module_id.to_owned(),
            name: module.name.clone(),
            version: number,
            logic: Arc::clone(logic),
            error_handling: module.error_handling,
        })
    }
}
